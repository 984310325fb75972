"""`flask demo seed`, run against fresh SQLite databases (never the session's)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models.sales import Customer, Order, OrderLine, Product

Totals = tuple[int, int, int, int, int, int]


@pytest.fixture
def fresh_app(tmp_path: Path, redis_url: str) -> Iterator[Callable[[str], Flask]]:
    """Build apps, each on its own empty SQLite file; their engines are closed afterwards."""
    made: list[Flask] = []

    def make(name: str) -> Flask:
        instance = tmp_path / name
        app = create_app(
            {
                "TESTING": True,
                "TAMAM_ENV": "testing",
                "SECRET_KEY": "test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'demo.db'}",
                "REDIS_URL": redis_url,
                "INSTANCE_DIR": str(instance),
            }
        )
        instance.mkdir()
        with app.app_context():
            db.create_all()
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def seed(app: Flask, *args: str) -> str:
    """Run `flask demo seed ARGS` and return what it printed (it must succeed)."""
    result = app.test_cli_runner().invoke(args=["demo", "seed", *args])
    assert result.exit_code == 0, result.output
    return result.output


def totals(app: Flask) -> Totals:
    """Row counts and money sums that any change to the generated data would move."""
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Customer)) or 0,
            db.session.scalar(select(func.count()).select_from(Product)) or 0,
            db.session.scalar(select(func.count()).select_from(Order)) or 0,
            db.session.scalar(select(func.count()).select_from(OrderLine)) or 0,
            db.session.scalar(select(func.sum(Order.total_cents))) or 0,
            db.session.scalar(select(func.sum(OrderLine.quantity))) or 0,
        )


def test_same_seed_gives_the_same_data(fresh_app: Callable[[str], Flask]) -> None:
    """Two fresh databases seeded with the same seed hold exactly the same totals."""
    first, second = fresh_app("a"), fresh_app("b")
    output = seed(first, "--orders", "400", "--seed", "7", "--days", "90")
    seed(second, "--orders", "400", "--seed", "7", "--days", "90")
    assert totals(first) == totals(second)
    counted = totals(first)
    assert counted[2] == 400 and counted[3] >= 400
    assert "Seeded 20 customers, 22 products, 400 orders" in output


def test_another_seed_gives_other_data(fresh_app: Callable[[str], Flask]) -> None:
    """A different seed gives different orders."""
    first, second = fresh_app("a"), fresh_app("b")
    seed(first, "--orders", "300", "--seed", "1")
    seed(second, "--orders", "300", "--seed", "2")
    assert totals(first)[4] != totals(second)[4]


def test_orders_fall_within_the_requested_days(fresh_app: Callable[[str], Flask]) -> None:
    """Order dates span at most --days days."""
    app = fresh_app("a")
    seed(app, "--orders", "300", "--days", "30")
    with app.app_context():
        first, last = db.session.execute(
            select(func.min(Order.order_date), func.max(Order.order_date))
        ).one()
    assert (last - first).days < 30


def test_seeding_twice_is_refused_unless_if_empty(fresh_app: Callable[[str], Flask]) -> None:
    """A second seed would mix data sets: refused, or a no-op with --if-empty."""
    app = fresh_app("a")
    seed(app, "--orders", "50")
    before = totals(app)
    refused = app.test_cli_runner().invoke(args=["demo", "seed", "--orders", "50"])
    assert refused.exit_code == 1 and "Orders already exist" in refused.output
    assert "nothing to do" in seed(app, "--orders", "50", "--if-empty")
    assert totals(app) == before
