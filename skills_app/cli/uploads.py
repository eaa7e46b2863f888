"""``skills-app uploads``: files uploaded in the browser and kept for an import (the sweep)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import sweep

group = AppGroup("uploads", help="Files uploaded in the browser and kept for an import.")


@group.command("sweep")
@click.option("--dry-run", is_flag=True, help="List the files and remove nothing.")
@click.option("--min-age", type=click.IntRange(min=0), default=24 * 60, show_default=True,
              help="Only files older than this many minutes (younger ones may be imported yet).")
def sweep_uploads(dry_run, min_age):
    """Remove the framework files and people CSVs that were checked in the browser
    (kept aside for the import) and never imported, and the files of background
    jobs (big exports) older than --min-age."""
    from skills_app.services import staged_uploads

    sweep(list(staged_uploads.stale(min_age * 60)), kind="checked upload", none="No checked uploads left behind.",
          label="Removing checked uploads never imported", remove=staged_uploads.remove, dry_run=dry_run)
