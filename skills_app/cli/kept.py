"""``skills-app kept``: the kept requirements and current levels (services/kept.py)."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish, progressbar

group = AppGroup("kept", help="The kept requirements and current levels: check them against the rules, fix them.")


@group.command("check")
@click.option("--fix", is_flag=True, help="Rewrite the rows of every person found drifted.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="List at most this many differences (all are counted).")
def check_command(fix, limit):
    """Recompute every person's requirements and current levels and compare them
    with the kept rows: each difference is listed (person, skill, expected,
    found); the exit status is 1 when any is found (0 once --fix has fixed them)."""
    from skills_app.errors import DomainError
    from skills_app.policy import SYSTEM
    from skills_app.services import kept

    try:
        total = kept.people_count(SYSTEM)
        if sys.stderr.isatty():
            with progressbar(length=max(total, 1), label="Checking people") as bar:
                _, drift = kept.check_tables(SYSTEM, fix=fix, progress=bar.update)
        else:
            _, drift = kept.check_tables(SYSTEM, fix=fix)
        people, skills = kept.labels(SYSTEM, drift)
        finish(dry_run=not fix)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    for d in drift[:limit]:
        who = people.get(d.person_id, f"person {d.person_id}")
        what = "level of responsibility" if d.skill_id is None else skills.get(d.skill_id, f"skill {d.skill_id}")
        click.echo(f"{d.table}: {who} (#{d.person_id}), {what}: expected {_rows(d.expected)}, found {_rows(d.found)}")
    if len(drift) > limit:
        click.echo(f"… and {len(drift) - limit} more.")
    drifted = len({d.person_id for d in drift})
    if not drift:
        click.echo(f"No drift: the kept rows of {total} people are what the rules give.")
        return
    if fix:
        click.echo(f"Fixed: the rows of {drifted} people ({len(drift)} differences) rewritten.")
        return
    click.echo(f"Drift: {len(drift)} differences for {drifted} people; `skills-app kept check --fix` rewrites them.")
    sys.exit(1)


def _rows(rows) -> str:
    if not rows:
        return "nothing"
    return "; ".join("(" + ", ".join("-" if v is None else str(v) for v in row[2:]) + ")" for row in rows)
