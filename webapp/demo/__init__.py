"""Deterministic demo data for the sales domain."""
