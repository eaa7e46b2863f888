"""What the command modules share: failing with a message, the end of the
transaction, progress bars on standard error, reading a password, sweeping
files left behind."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import NoReturn

import click


def fail(message: str, status: int = 1) -> NoReturn:
    """Undo the command's writes, print ``message`` in red on standard error, exit ``status``."""
    from skills_app import transaction

    transaction.rollback()
    click.secho(message, fg="red", err=True)
    sys.exit(status)


def refuse(message: str) -> NoReturn:
    """Undo the command's writes and exit through click (``Error: message``, status 1)."""
    from skills_app import transaction

    transaction.rollback()
    raise click.ClickException(message)


def finish(*, dry_run: bool = False) -> None:
    """End the command's transaction: commit, or roll back for a dry run."""
    from skills_app import transaction

    if dry_run:
        transaction.rollback()
    else:
        transaction.commit()


@contextmanager
def one_transaction(failure: str = "Error: {}", *, dry_run: bool = False):
    """The command's work in one transaction: committed (rolled back for a dry
    run) when the block ends, and a domain error ends the command with
    ``failure`` naming it."""
    from skills_app.errors import DomainError

    try:
        yield
        finish(dry_run=dry_run)
    except DomainError as exc:
        fail(failure.format(exc.message))


def progressbar(**options):
    """A click progress bar on standard error (standard output carries the result)."""
    return click.progressbar(file=sys.stderr, **options)


class Bar:
    """A progress bar on standard error, sized when the work is known: called
    ``("start", total)`` and then ``(anything, done)``."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, what: str, n: int) -> None:
        if what == "start":
            self.bar = progressbar(length=max(n, 1), label=self.label)
            self.bar.__enter__()
        elif self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def read_password() -> str:
    """A password from standard input, or asked for twice on a terminal."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def sweep(found: list, *, kind: str, none: str, label: str, remove, dry_run: bool) -> None:
    """Remove the files ``found`` (each with ``name``, ``size`` and ``age_seconds``) with
    ``remove(file)`` under a progress bar, or list them for a dry run; then say how many
    ``kind`` files (and bytes) went, or ``none`` when there were none."""
    from skills_app.words import plural

    total = sum(f.size for f in found)
    if not found:
        click.echo(none)
        return
    if dry_run:
        for f in found:
            click.echo(f"{f.name}\t{f.size} bytes\t{f.age_seconds / 3600:.1f} h old")
        click.echo(f"{plural(len(found), kind)} ({total} bytes) would be removed (dry run: nothing removed).")
        return
    with progressbar(iterable=found, label=label) as bar:
        for f in bar:
            remove(f)
    click.echo(f"Removed {plural(len(found), kind)} ({total} bytes).")
