"""Bulk import: staff upload a spreadsheet; a bulk_import job checks and applies every row.

Worker-side code (the engine runs `job.run_import`): kinds and their columns, reading CSV and
XLSX a row at a time, checking cells and rows, planning and writing batches, the error file,
templates, and the upload check that the page, the API and the CLI share before any job is
made. It imports no view.
"""
