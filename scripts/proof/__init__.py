"""Shared pieces of the proof runs (scripts/soak.py, scripts/scaleout.py): processes, the
stack they make up, the mailbox that counts emails and the end checks."""
