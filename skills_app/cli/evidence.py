"""``skills-app evidence``: evidence files (the orphan sweep)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import progressbar

group = AppGroup("evidence", help="Evidence files.")


@group.command("sweep")
@click.option("--dry-run", is_flag=True, help="List the orphan files and remove nothing.")
@click.option("--min-age", type=click.IntRange(min=0), default=60, show_default=True,
              help="Only files older than this many minutes (younger ones may belong to an upload in progress).")
def sweep_evidence(dry_run, min_age):
    """Find the evidence files no evidence row carries (left by a killed
    worker, or from before files followed their rows), and remove them."""
    from skills_app import transaction
    from skills_app.services import evidence_store

    click.echo("Looking for orphan files…", err=True)
    found = list(evidence_store.orphans(min_age_seconds=min_age * 60))
    transaction.rollback()
    total = sum(o.size for o in found)
    if not found:
        click.echo("No orphan files.")
        return
    if dry_run:
        for orphan in found:
            click.echo(f"{orphan.name}\t{orphan.size} bytes\t{orphan.age_seconds / 3600:.1f} h old")
        click.echo(f"{len(found)} orphan file{'s' if len(found) != 1 else ''} ({total} bytes) would be removed (dry run: nothing removed).")
        return
    with progressbar(iterable=found, label="Removing orphan files") as bar:
        for orphan in bar:
            evidence_store.delete_orphan(orphan.name)
    click.echo(f"Removed {len(found)} orphan file{'s' if len(found) != 1 else ''} ({total} bytes).")
