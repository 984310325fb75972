"""Fixtures for import tests: what a test imported is removed after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.imports.helpers import forget_imports


@pytest.fixture(autouse=True)
def _forget_imports(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each import test leaves the customers and products tables as it found them."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        forget_imports()
