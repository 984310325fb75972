"""Fixtures for the job engine tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.jobs import helpers


@pytest.fixture
def scripted() -> Iterator[dict]:
    """The test job types' knobs, reset around each test."""
    helpers.SCRIPT.clear()
    helpers.STARTED.clear()
    helpers.RELEASE.clear()
    yield helpers.SCRIPT
    helpers.RELEASE.set()  # never leave a blocking job running


@pytest.fixture
def test_types(app, scripted):
    """Register the test job types on the current broker."""
    with app.app_context():
        helpers.register_test_types()
    return scripted
