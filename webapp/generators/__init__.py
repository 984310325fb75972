"""File generators for the report and export job types.

Each generator is a plain function that the job engine, the CLI and tests call alike:
`build_*(params, out_dir, progress) -> FileResult`. See `contract.py` for the shared types.
"""
