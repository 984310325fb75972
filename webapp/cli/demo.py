"""`flask demo seed`: fill the sales tables with deterministic demo data."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from webapp.demo.seed import has_orders, seed_demo

demo = AppGroup("demo", help="Demo data for reports and exports.")


@demo.command("seed")
@click.option("--orders", default=100_000, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option("--days", default=730, show_default=True, type=click.IntRange(1, 3650))
@click.option("--if-empty", is_flag=True, help="Do nothing when orders already exist.")
def seed(orders: int, seed_value: int, days: int, if_empty: bool) -> None:
    """Write customers, products, orders and order lines over the last DAYS days."""
    if has_orders():
        if if_empty:
            click.echo("Demo data already present; nothing to do.")
            return
        raise click.ClickException(
            "Orders already exist. Seeding again would mix two data sets; "
            "use a fresh database or pass --if-empty."
        )
    started = time.perf_counter()

    def report(done: int, total: int) -> None:
        if done % 25_000 == 0 or done == total:
            click.echo(f"  {done:,} of {total:,} orders")

    summary = seed_demo(orders=orders, seed=seed_value, days=days, progress=report)
    click.echo(
        f"Seeded {summary.customers:,} customers, {summary.products} products, "
        f"{summary.orders:,} orders and {summary.lines:,} order lines "
        f"in {time.perf_counter() - started:.1f}s."
    )
