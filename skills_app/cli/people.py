"""``skills-app people``: import people from an HR system's CSV; erase a person."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish, one_transaction, progressbar
from skills_app.errors import DomainError

group = AppGroup("people", help="Import people from an HR system's CSV export; erase a person.")


@group.command("erase")
@click.argument("email")
@click.option("--yes", "confirmed", is_flag=True, help="Do not ask to type the email address again (for scripts).")
def erase_person(email, confirmed):
    """Erase a person (the right to erasure): their evidence files and personal
    data go; their assessments' levels and decisions stay, anonymised. Audited."""
    from skills_app.policy import SYSTEM
    from skills_app.services import accounts, erasure

    person = accounts.by_email(email) or fail(f"Error: no account for {email}")
    if not confirmed:
        click.echo(f"This erases {person.name} ({person.email}): their evidence files and personal data, for good.", err=True)
        typed = click.prompt("Type their email address to confirm", err=True, default="", show_default=False)
    else:
        typed = person.email
    with one_transaction("Error: {}\nNothing was erased."):
        result = erasure.erase(SYSTEM, person, confirm=typed)
    click.echo(result.summary())


@group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, writing nothing.")
def import_people(file, dry_run):
    """Upsert people from a CSV keyed on employee number.

    Columns (by header, case-insensitive; others ignored): employee_number,
    email, name, job_title, org_unit (a path such as Group/IT/Service Desk),
    manager (email or employee number), roles (';'-separated), job_roles and
    services (';'-separated names).
    """
    from skills_app.policy import SYSTEM
    from skills_app.services import people_import

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"Error: {file}: not UTF-8 text (save the file as UTF-8 CSV)")
    rows = max(text.count("\n") - 1, 1)
    try:
        with progressbar(length=rows, label="Importing people") as bar:
            report = people_import.run(SYSTEM, text, str(file), dry_run=dry_run, progress=bar.update)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    finish(dry_run=dry_run)
    click.echo(report.summary())
    for number, fields in list(report.updated.items())[:20]:
        click.echo(f"  {number}: {', '.join(fields)}")
