"""``skills-app uploads``: files uploaded in the browser and kept for an import (the sweep)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import progressbar

group = AppGroup("uploads", help="Files uploaded in the browser and kept for an import.")


@group.command("sweep")
@click.option("--dry-run", is_flag=True, help="List the files and remove nothing.")
@click.option("--min-age", type=click.IntRange(min=0), default=24 * 60, show_default=True,
              help="Only files older than this many minutes (younger ones may be imported yet).")
def sweep_uploads(dry_run, min_age):
    """Remove the framework files and people CSVs that were checked in the browser
    (kept aside for the import) and never imported."""
    from skills_app.services import staged_uploads

    found = list(staged_uploads.stale(min_age * 60))
    total = sum(f.size for f in found)
    if not found:
        click.echo("No checked uploads left behind.")
        return
    if dry_run:
        for staged in found:
            click.echo(f"{staged.name}\t{staged.size} bytes\t{staged.age_seconds / 3600:.1f} h old")
        click.echo(f"{len(found)} checked upload{'s' if len(found) != 1 else ''} ({total} bytes) would be removed "
                   f"(dry run: nothing removed).")
        return
    with progressbar(iterable=found, label="Removing checked uploads never imported") as bar:
        for staged in bar:
            staged_uploads.remove(staged)
    click.echo(f"Removed {len(found)} checked upload{'s' if len(found) != 1 else ''} ({total} bytes).")
