"""The job engine: job types, submission, the runner, recovery and expiry."""
