"""``skills-app evidence``: evidence files (the orphan sweep)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import sweep

group = AppGroup("evidence", help="Evidence files.")


@group.command("sweep")
@click.option("--dry-run", is_flag=True, help="List the orphan files and remove nothing.")
@click.option("--min-age", type=click.IntRange(min=0), default=60, show_default=True,
              help="Only files older than this many minutes (younger ones may belong to an upload in progress).")
def sweep_evidence(dry_run, min_age):
    """Find the evidence files no evidence library item carries (left by a killed
    worker, or from before files followed their rows), and remove them."""
    from skills_app import transaction
    from skills_app.services import evidence_store

    click.echo("Looking for orphan files…", err=True)
    found = list(evidence_store.orphans(min_age_seconds=min_age * 60))
    transaction.rollback()
    sweep(found, kind="orphan file", none="No orphan files.", label="Removing orphan files",
          remove=lambda orphan: evidence_store.delete_orphan(orphan.name), dry_run=dry_run)
