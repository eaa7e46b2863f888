"""``skills-app backup FILE`` and ``skills-app restore FILE``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from skills_app import backup as backups


class _Bar:
    """A progress bar on standard error, sized when the work is known."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, what: str, n: int) -> None:
        if what == "start":
            self.bar = click.progressbar(length=max(n, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        elif self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write every table and every evidence file, as one consistent snapshot, to FILE (.tar.gz)."""
    bar = _Bar("Backing up")
    try:
        report = backups.backup(file, progress=bar)
    except backups.BackupError as exc:
        bar.close()
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)
    bar.close()
    click.echo(report.summary())


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path):
    """Restore FILE (made by `skills-app backup`) into an empty database migrated to the same revision.

    Every checksum is verified first; a damaged or changed archive is refused and nothing is written."""
    bar = _Bar("Restoring")
    try:
        report = backups.restore(file, progress=bar)
    except backups.BackupError as exc:
        bar.close()
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(1)
    bar.close()
    click.echo(report.summary())
