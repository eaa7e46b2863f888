"""``skills-app backup FILE`` and ``skills-app restore FILE``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from skills_app.cli.common import Bar


def _run(operation, file: Path, label: str) -> None:
    from skills_app import backup as backups

    bar = Bar(label)
    try:
        report = getattr(backups, operation)(file, progress=bar)
    except backups.BackupError as exc:
        bar.close()
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)
    bar.close()
    click.echo(report.summary())


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write every table and every evidence file, as one consistent snapshot, to FILE (.tar.gz)."""
    _run("backup", file, "Backing up")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Restore FILE (made by `skills-app backup`) into an empty database migrated to the same revision.

    Every checksum is verified first; a damaged or changed archive is refused and nothing is written."""
    _run("restore", file, "Restoring")
