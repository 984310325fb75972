"""Dramatiq middleware: one per module."""
