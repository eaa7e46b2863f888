"""``skills-app demo``: the demo organisation, and synthetic ones for benchmarks."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish, progressbar
from skills_app.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]

group = AppGroup("demo", help="The demo organisation.")


@group.command("load")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Tell the two years of history up to this day (at noon UTC) rather than up to now.")
def demo_load(today):
    """Load the frameworks in frameworks/ and the demo organisation in seed_data/, with two
    years of its history up to today (idempotent; the same day gives the same history)."""
    from datetime import time, timezone

    from skills_app.devdata import demo
    from skills_app.importers import FrameworkFileError

    now = datetime.combine(today.date(), time(12, 0), tzinfo=timezone.utc) if today else None
    try:
        lines = demo.load(ROOT / "frameworks", ROOT / "seed_data", now=now)
        finish()
    except (DomainError, FrameworkFileError) as exc:
        fail(f"Error: {exc}")
    for line in lines:
        click.echo(line)
    click.echo(demo.sign_ins_text())


@group.command("generate")
@click.option("--people", "count", type=click.IntRange(1, 5_000_000), required=True, help="How many people.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same organisation.")
def demo_generate(count, seed):
    """A synthetic organisation of N people for benchmarks (org tree, managers, job roles,
    services, about three assessments a person over two years). Everyone's password is
    the demo password."""
    from skills_app.devdata import demo, synthetic
    from skills_app.services import accounts

    steps = 3 + count * 3
    with progressbar(length=steps, label=f"Generating {count} people") as bar:
        try:
            summary = synthetic.generate(count, seed=seed, progress=bar.update,
                                         password_hash=accounts.hash_password(demo.DEMO_PASSWORD))
            finish()
        except DomainError as exc:
            fail(f"Error: {exc.message}")
        bar.update(steps)
    for line in summary.lines():
        click.echo(line)
