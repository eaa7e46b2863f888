"""The ``skills-app`` command group.

Each command is one transaction: it commits once at the end, or rolls back
and exits non-zero with a message that says what is wrong and where.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup

from skills_app import policy
from skills_app.errors import DomainError
from skills_app.extensions import db
from skills_app.importers import FrameworkFileError, formats, parse_file
from skills_app.importers.native import dump_json, dump_yaml
from skills_app.policy import SYSTEM
from skills_app.services import frameworks as framework_service

ROOT = Path(__file__).resolve().parent.parent


def fail(message: str, status: int = 1):
    db.session.rollback()
    click.secho(message, fg="red", err=True)
    sys.exit(status)


# -- frameworks -------------------------------------------------------------

frameworks_cli = AppGroup("frameworks", help="Import, list and export skills frameworks.")


@frameworks_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats()), help="The files' format (detected when not given).")
@click.option("--replace", is_flag=True, help="Overwrite a framework version (or skill) that is loaded with different content.")
@click.option("--framework", "framework_code", help="Plain text only: the code of the framework the skill belongs to.")
@click.option("--name", "framework_name", help="Plain text only: the framework's name, when it is created.")
@click.option("--version", help="Plain text only: the framework version the skill belongs to.")
@click.option("--publisher", help="Plain text only: the framework's publisher, when it is created.")
@click.option("--skill-code", help="Plain text only: the skill's code, when its title does not give one.")
def import_frameworks(paths, fmt, replace, **options):
    """Import framework files: native YAML or JSON, or SFIA-style plain text.

    A directory imports every file in it. All files are checked first; if any
    is broken nothing is written.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in {".yaml", ".yml", ".json", ".txt"} and not p.name.startswith(".")))
        else:
            files.append(path)
    if not files:
        fail("No framework files found.")
    parsed = []
    for file in files:
        try:
            doc = parse_file(file, fmt, **options)
        except FrameworkFileError as exc:
            fail(f"Error: {exc}\nNothing was imported.")
        detected = fmt or _detected(file)
        parsed.append((file, doc, detected))
    try:
        for file, doc, detected in parsed:
            result = framework_service.import_doc(SYSTEM, doc, partial=(detected == "text"), replace=replace, source=str(file))
            click.echo(f"{file}: {result.message}")
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {file}: {exc.message}\nNothing was imported.")


def _detected(file: Path) -> str:
    from skills_app.importers import detect_format, read_text

    return detect_format(str(file), read_text(file, str(file)))


@frameworks_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{code, name, version, publisher, status, skills}].")
def list_frameworks(as_json):
    """List the frameworks and their versions."""
    items = framework_service.list_all(SYSTEM)
    counts = framework_service.skill_counts()
    rows = [
        {"code": f.code, "name": f.name, "version": f.version, "publisher": f.publisher, "status": f.status,
         "skills": counts.get(f.id, 0)}
        for f in items
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No frameworks are loaded. Import one with: skills-app frameworks import PATH")
        return
    width = max(len(r["code"]) for r in rows)
    for r in rows:
        plural = "" if r["skills"] == 1 else "s"
        click.echo(f"{r['code']:<{width}}  {r['version']:<8} {r['status']:<10} {r['skills']:>4} skill{plural}  {r['name']}")


@frameworks_cli.command("export")
@click.argument("code")
@click.option("--version", help="The version (the newest when not given).")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def export_framework(code, version, fmt):
    """Print a framework in the native file format."""
    try:
        data = framework_service.export(SYSTEM, code, version)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(dump_yaml(data) if fmt == "yaml" else dump_json(data), nl=False)


# -- people and users ---------------------------------------------------------

people_cli = AppGroup("people", help="Import people from an HR system's CSV export.")


@people_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change, writing nothing.")
def import_people(file, dry_run):
    """Upsert people from a CSV keyed on employee number.

    Columns (by header, case-insensitive; others ignored): employee_number,
    email, name, job_title, org_unit (a path such as Group/IT/Service Desk),
    manager (email or employee number), roles (';'-separated), job_roles and
    services (';'-separated names).
    """
    from skills_app.services import people_import

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"Error: {file}: not UTF-8 text (save the file as UTF-8 CSV)")
    rows = max(text.count("\n") - 1, 1)
    try:
        with click.progressbar(length=rows, label="Importing people", file=sys.stderr) as bar:
            report = people_import.run(SYSTEM, text, str(file), dry_run=dry_run, progress=bar.update)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(report.summary())
    for number, fields in list(report.updated.items())[:20]:
        click.echo(f"  {number}: {', '.join(fields)}")


users_cli = AppGroup("users", help="Create and manage accounts.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="An application role; repeat for several.")
@click.option("--manager", help="The line manager's email.")
def create_user(email, name, roles, manager):
    """Create an account. The password is read from standard input or asked for."""
    from skills_app.services import accounts

    password = _read_password()
    try:
        manager_person = None
        if manager:
            manager_person = accounts.by_email(manager)
            if manager_person is None:
                fail(f"Error: no account for the manager {manager}")
        roles = [r for role in roles for r in role.replace(";", ",").split(",")]
        person = accounts.create_person(SYSTEM, email=email, name=name, roles=roles, password=password, manager=manager_person)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(f"Created {person.email} ({', '.join(sorted(person.roles))}).")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_user(email):
    """Deactivate an account: it can no longer sign in, and its sessions end."""
    from skills_app.services import accounts

    person = accounts.by_email(email) or fail(f"Error: no account for {email}")
    try:
        accounts.set_active(SYSTEM, person, False)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(f"Deactivated {person.email}.")


@users_cli.command("set-roles")
@click.argument("email")
@click.argument("roles", nargs=-1, required=True)
def set_roles(email, roles):
    """Set an account's application roles (employee, manager, hr, learning, admin)."""
    from skills_app.services import accounts

    person = accounts.by_email(email) or fail(f"Error: no account for {email}")
    try:
        accounts.set_roles(SYSTEM, person, roles)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(f"{person.email}: {', '.join(sorted(person.roles))}.")


# -- demo -------------------------------------------------------------------

demo_cli = AppGroup("demo", help="The demo organisation.")


@demo_cli.command("load")
def demo_load():
    """Load the frameworks in frameworks/ and the demo organisation in seed_data/ (idempotent)."""
    from skills_app import demo

    try:
        lines = demo.load(ROOT / "frameworks", ROOT / "seed_data")
        db.session.commit()
    except (DomainError, FrameworkFileError) as exc:
        fail(f"Error: {exc}")
    for line in lines:
        click.echo(line)
    click.echo(demo.sign_ins_text())


def register(app: Flask) -> None:
    for group in (frameworks_cli, people_cli, users_cli, demo_cli):
        app.cli.add_command(group)


def main() -> None:
    from skills_app import create_app

    cli = FlaskGroup(name="skills-app", create_app=create_app, help="skills_app: competency assessment and skills-framework tracker.")
    cli.main(prog_name="skills-app")
