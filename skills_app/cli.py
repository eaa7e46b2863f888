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
from skills_app.importers import FILE_SUFFIXES, FORMATS, FrameworkFileError, formats, load_file
from skills_app.importers.table import parse_columns
from skills_app.exporters import EXPORTERS, export, export_formats
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
@click.option("--format", "fmt", type=click.Choice(formats()),
              help="The files' format (detected when not given): " + "; ".join(f"{f.name}: {f.help}" for f in FORMATS.values()) + ".")
@click.option("--replace", is_flag=True, help="Overwrite a framework version (or skill) that is loaded with different content.")
@click.option("--framework", "framework_code", help="Plain text, SFIA sheet, CASE, Moodle CSV, table: the framework's code.")
@click.option("--name", "framework_name", help="Plain text, SFIA sheet, Moodle CSV, table: the framework's name, when it is created.")
@click.option("--version", help="Plain text, SFIA sheet, CASE, Moodle CSV, table: the framework version.")
@click.option("--publisher", help="Plain text, SFIA sheet, Moodle CSV, table: the framework's publisher, when it is created.")
@click.option("--skill-code", help="Plain text only: the skill's code, when its title does not give one.")
@click.option("--levels", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              help="SFIA sheet only: a CSV (or XLSX) of the levels of responsibility, or of SFIA's generic attributes "
                   "(repeat for both).")
@click.option("--column", "column", multiple=True, metavar="FIELD=HEADER",
              help="Table only: the column holding a field (code, name, description, parent, category, level_1 … level_9); "
                   "repeatable. Columns not given are guessed from their headers.")
@click.option("--scale", metavar="CODE",
              help="Table only: give every skill the levels of this framework (already loaded; its newest version).")
@click.option("--dry-run", is_flag=True, help="Read and check everything, print the import report, write nothing.")
@click.option("--strict", is_flag=True, help="Refuse the import if any part of the source would not be kept.")
def import_frameworks(paths, fmt, replace, dry_run, strict, **options):
    """Import framework files: native YAML or JSON, SFIA-style plain text, the
    SFIA download (CSV or XLSX), a CASE package, a Moodle framework CSV, or a
    plain table of skills (--format table, with --framework, --version, --name).

    A directory imports every file in it. All files are checked first; if any
    is broken nothing is written. Each file's import report follows: what was
    created, and every part of the source that was not kept, by kind.
    """
    options["levels"] = list(options.get("levels") or ()) or None
    try:
        options["column"] = parse_columns(options.get("column")) or None
    except FrameworkFileError as exc:
        fail(f"Error: {exc}")
    if options.get("scale"):
        scale = framework_service.find(options["scale"])
        if scale is None:
            fail(f"Error: --scale {options['scale']}: no framework {options['scale']} is loaded (see skills-app frameworks list)")
        options["scale"] = {"code": scale.label, "levels": [
            {"number": lvl.number, "name": lvl.name, "description": lvl.description} for lvl in scale.levels]}
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FILE_SUFFIXES and not p.name.startswith(".")))
        else:
            files.append(path)
    if not files:
        fail("No framework files found.")
    parsed = []
    for file in files:
        try:
            detected, doc = load_file(file, fmt, **options)
        except FrameworkFileError as exc:
            fail(f"Error: {exc}\nNothing was imported.")
        parsed.append((file, doc, detected))
    if strict:
        for file, doc, _ in parsed:
            if doc.report.lost:
                counts = ", ".join(f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in doc.report.lost_counts().items())
                click.echo(doc.report.render(), err=True)
                fail(f"Error: {file}: --strict: {counts} of the source would not be kept (listed above).\nNothing was imported.")
    try:
        for file, doc, detected in parsed:
            result = framework_service.import_doc(SYSTEM, doc, partial=FORMATS[detected].partial, replace=replace, source=str(file))
            report = doc.report
            report.outcome, report.message, report.created, report.dry_run = result.outcome, result.message, result.written, dry_run
            click.echo(f"{file}: {'(dry run) ' if dry_run else ''}{result.message}")
            for line in report.body():
                click.echo(line)
        if dry_run:
            db.session.rollback()
            click.echo("Dry run: nothing was written.")
        else:
            db.session.commit()
    except DomainError as exc:
        fail(f"Error: {file}: {exc.message}\nNothing was imported.")


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
@click.option("--format", "fmt", type=click.Choice(export_formats()), default="yaml", show_default=True,
              help="; ".join(f"{e.name}: {e.help}" for e in EXPORTERS.values()) + ".")
def export_framework(code, version, fmt):
    """Print a framework: in the native file format (yaml, json), as a CASE 1.1
    package, or as a Moodle competency framework CSV."""
    try:
        framework = framework_service.get(SYSTEM, code, version)
        doc = framework_service.to_doc(framework)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(export(fmt, doc, changed=framework.updated_at), nl=False)


@frameworks_cli.command("diff")
@click.argument("code")
@click.argument("from_version", metavar="V1")
@click.argument("to_version", metavar="V2")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="Pair an old skill code with a new one; repeat for several.")
def diff_framework(code, from_version, to_version, fmt, pairs):
    """What changed from version V1 to V2: skills added, removed, renamed and
    moved, and per level the descriptors added, removed and changed (a renamed
    code is matched by descriptor likeness: docs/versions.md)."""
    from skills_app.services import framework_diff, level_migration

    try:
        result = level_migration.diff_versions(SYSTEM, code, from_version, to_version, level_migration.parse_mapping(pairs))
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    if fmt == "json":
        click.echo(json.dumps(framework_diff.to_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(framework_diff.to_text(result), nl=False)


@frameworks_cli.command("migrate-levels")
@click.argument("code")
@click.option("--from", "from_version", required=True, metavar="V1", help="The version the validated levels are in.")
@click.option("--to", "to_version", required=True, metavar="V2", help="The (published) version they go to.")
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="An old skill code and the new skill it becomes (the same code by default); repeat for several.")
@click.option("--dry-run", is_flag=True, help="Report what would happen, writing nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def migrate_levels(code, from_version, to_version, pairs, dry_run, as_json):
    """Carry people's current validated levels from V1 to V2. A level whose
    skill's descriptors changed at or below it is flagged for re-validation
    (the person and their manager are told) instead. One transaction, audited;
    running it again does nothing more."""
    from skills_app.services import level_migration

    try:
        result = level_migration.migrate(SYSTEM, code, from_version, to_version, level_migration.parse_mapping(pairs), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}\nNothing was migrated.")
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) if as_json else result.text(), nl=as_json)


# -- people and users ---------------------------------------------------------

people_cli = AppGroup("people", help="Import people from an HR system's CSV export; erase a person.")


@people_cli.command("erase")
@click.argument("email")
@click.option("--yes", "confirmed", is_flag=True, help="Do not ask to type the email address again (for scripts).")
def erase_person(email, confirmed):
    """Erase a person (the right to erasure): their evidence files and personal
    data go; their assessments' levels and decisions stay, anonymised. Audited."""
    from skills_app.services import accounts, erasure

    person = accounts.by_email(email) or fail(f"Error: no account for {email}")
    if not confirmed:
        click.echo(f"This erases {person.name} ({person.email}): their evidence files and personal data, for good.", err=True)
        typed = click.prompt("Type their email address to confirm", err=True, default="", show_default=False)
    else:
        typed = person.email
    try:
        result = erasure.erase(SYSTEM, person, confirm=typed)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}\nNothing was erased.")
    click.echo(result.summary())


evidence_cli = AppGroup("evidence", help="Evidence files.")


@evidence_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="List the orphan files and remove nothing.")
@click.option("--min-age", type=click.IntRange(min=0), default=60, show_default=True,
              help="Only files older than this many minutes (younger ones may belong to an upload in progress).")
def sweep_evidence(dry_run, min_age):
    """Find the evidence files no evidence row carries (left by a killed
    worker, or from before files followed their rows), and remove them."""
    from skills_app.services import evidence_store

    click.echo("Looking for orphan files…", err=True)
    found = list(evidence_store.orphans(min_age_seconds=min_age * 60))
    db.session.rollback()
    total = sum(o.size for o in found)
    if not found:
        click.echo("No orphan files.")
        return
    if dry_run:
        for orphan in found:
            click.echo(f"{orphan.name}\t{orphan.size} bytes\t{orphan.age_seconds / 3600:.1f} h old")
        click.echo(f"{len(found)} orphan file{'s' if len(found) != 1 else ''} ({total} bytes) would be removed (dry run: nothing removed).")
        return
    with click.progressbar(found, label="Removing orphan files", file=sys.stderr) as bar:
        for orphan in bar:
            evidence_store.delete_orphan(orphan.name)
    click.echo(f"Removed {len(found)} orphan file{'s' if len(found) != 1 else ''} ({total} bytes).")


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


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="API token", show_default=True, help="A name to tell the token apart by.")
@click.option("--days", type=int, default=90, show_default=True, help="Days until the token expires (1 to 365).")
def user_token(email, name, days):
    """Print a new API token for an account (it is shown only this once)."""
    from skills_app.services import accounts, tokens

    person = accounts.by_email(email) or fail(f"Error: no account for {email}")
    try:
        row, secret = tokens.create(SYSTEM, person, name, days=days)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(f"New API token {name!r} for {person.email}, expires {row.expires_at:%Y-%m-%d %H:%M} UTC; "
               "it is shown only now:", err=True)
    click.echo(secret)


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


# -- crosswalks and requirements ----------------------------------------------------

crosswalks_cli = AppGroup("crosswalks", help="Crosswalks: one framework's levels mapped onto another's.")


@crosswalks_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a crosswalk between the same two framework versions.")
def import_crosswalks(paths, replace):
    """Import crosswalk files (YAML or JSON; the format is in docs/crosswalks.md)."""
    import yaml

    from skills_app.importers import limits
    from skills_app.services import crosswalks

    try:
        for path in paths:
            try:
                data = limits.load_yaml(path.read_text(encoding="utf-8"))
            except limits.LimitExceeded as exc:
                raise FrameworkFileError(str(path), exc.place, exc.message) from None
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f": line {mark.line + 1}" if mark else ""
                raise FrameworkFileError(str(path), None, f"cannot read it{where}: {getattr(exc, 'problem', exc)}") from None
            _, message = crosswalks.import_doc(SYSTEM, crosswalks.parse(data, str(path)), str(path), replace=replace)
            click.echo(f"{path}: {message}")
        db.session.commit()
    except FrameworkFileError as exc:
        fail(f"Error: {exc}\nNothing was imported.")
    except DomainError as exc:
        fail(f"Error: {path}: {exc.message}\nNothing was imported.")


@crosswalks_cli.command("list")
def list_crosswalks():
    """List the crosswalks."""
    from skills_app.services import crosswalks

    items = crosswalks.list_all(SYSTEM)
    for c in items:
        click.echo(f"{c.id}  {c.from_framework.label} → {c.to_framework.label}  {len(c.levels)} level mappings  {c.name}")
    if not items:
        click.echo("No crosswalks are loaded.")


@crosswalks_cli.command("export")
@click.argument("crosswalk_id", type=int)
def export_crosswalk(crosswalk_id):
    """Print a crosswalk in its file format (YAML)."""
    from skills_app.importers.native import dump_yaml
    from skills_app.services import crosswalks

    try:
        click.echo(dump_yaml(crosswalks.export(crosswalks.get(SYSTEM, crosswalk_id))), nl=False)
    except DomainError as exc:
        fail(f"Error: {exc.message}")


requirements_cli = AppGroup("requirements", help="Job roles and services with their required skill levels.")


@requirements_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_requirements(path):
    """Load job roles, services, their requirements and assignments from a YAML file (idempotent)."""
    import yaml

    from skills_app.importers import limits
    from skills_app.services import requirements

    try:
        report = requirements.load_file(SYSTEM, limits.load_yaml(path.read_text(encoding="utf-8")), str(path))
        db.session.commit()
    except yaml.YAMLError as exc:
        fail(f"Error: {path}: not valid YAML: {exc}")
    except limits.LimitExceeded as exc:
        fail(f"Error: {path}: {exc}\nNothing was loaded.")
    except DomainError as exc:
        fail(f"Error: {exc.message}\nNothing was loaded.")
    for line in report.lines:
        click.echo(line)


# -- reports ------------------------------------------------------------------------

report_cli = AppGroup("report", help="Gap, service coverage and training-needs reports.")


def _filter_options(fn):
    for option in reversed([
        click.option("--org-unit", help="An org unit path; the unit and every unit below it."),
        click.option("--exact", is_flag=True, help="With --org-unit: only that unit, not the ones below it."),
        click.option("--job-role", help="A job role name."),
        click.option("--service", help="A service name."),
        click.option("--skill", help="A skill code."),
        click.option("--framework", help="A framework code."),
        click.option("--status", multiple=True, help="met, below, not_assessed, expired or awaiting_review; repeat for several."),
        click.option("--essential", is_flag=True, help="Essential requirements only."),
    ]):
        fn = option(fn)
    return fn


def _filters(options: dict):
    from skills_app.services import gaps

    return gaps.Filters.from_mapping({
        "org_unit": options.get("org_unit"), "exact": options.get("exact"), "job_role": options.get("job_role"),
        "service": options.get("service"), "skill": options.get("skill"), "framework": options.get("framework"),
        "status": list(options.get("status") or []), "essential": options.get("essential"),
    })


def _export(make_report, fmt: str, output: Path | None, *, what: str = "Error: ") -> None:
    """Write a report (``services.exports``) in ``fmt`` to ``output`` or standard
    output, streamed; a failure leaves no file behind."""
    from skills_app.reports import export

    if output is None and fmt == "xlsx":
        fail("XLSX is binary: give --output FILE.xlsx")
    try:
        out = export.render(make_report(), fmt)
        if output is None:
            sys.stdout.flush()
            for chunk in out.chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        with output.open("wb") as target:
            for chunk in out.chunks:
                target.write(chunk)
    except DomainError as exc:
        if output is not None:
            output.unlink(missing_ok=True)
        fail(f"{what}{exc.message}")
    click.echo(f"Wrote {out.rows} row{'s' if out.rows != 1 else ''} to {output} ({fmt}).", err=True)


FORMAT = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True)
OUTPUT = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")


@report_cli.command("gaps")
@FORMAT
@OUTPUT
@click.option("--group-by", type=click.Choice(["org_unit", "job_role", "service", "skill"]), help="Add grouped totals (JSON: groups; XLSX: a sheet).")
@_filter_options
def report_gaps(fmt, output, group_by, **options):
    """One row per person × required skill: person_id, person, email, org_unit, job_role,
    service, framework, skill, required_level, current_level, self_level, gap, status.
    CSV and JSON are streamed from the database: constant memory whatever the size."""
    from skills_app.services import exports

    _export(lambda: exports.gap_report(SYSTEM, _filters(options), by=group_by), fmt, output)


@report_cli.command("training-needs")
@FORMAT
@OUTPUT
@_filter_options
def report_training(fmt, output, **options):
    """Cohorts by skill and level step (SLMO 3→4): how many, where, who, and how urgent."""
    from skills_app.services import exports

    _export(lambda: exports.training_needs(SYSTEM, _filters(options)), fmt, output)


@report_cli.command("service-coverage")
@FORMAT
@OUTPUT
@click.option("--service", help="One service by name.")
def report_coverage(fmt, output, service):
    """Per service requirement: needed, qualified, shortfall, single points of failure."""
    from skills_app.services import exports

    _export(lambda: exports.service_coverage(SYSTEM, service=service), fmt, output)


@demo_cli.command("generate")
@click.option("--people", "count", type=click.IntRange(1, 5_000_000), required=True, help="How many people.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same organisation.")
def demo_generate(count, seed):
    """A synthetic organisation of N people for benchmarks (org tree, managers, job roles,
    services, about three assessments a person over two years). Everyone's password is
    the demo password."""
    from skills_app import demo, synthetic
    from skills_app.services import accounts

    steps = 3 + count * 3
    with click.progressbar(length=steps, label=f"Generating {count} people", file=sys.stderr) as bar:
        try:
            summary = synthetic.generate(count, seed=seed, progress=bar.update,
                                         password_hash=accounts.hash_password(demo.DEMO_PASSWORD))
            db.session.commit()
        except DomainError as exc:
            fail(f"Error: {exc.message}")
        bar.update(steps)
    for line in summary.lines():
        click.echo(line)


# -- campaigns ------------------------------------------------------------------------

@report_cli.command("service-levels")
@click.option("--month", help="The month, YYYY-MM (this month when not given), in the organisation's time zone.")
@FORMAT
@OUTPUT
def report_service_levels(month, fmt, output):
    """Review service levels for a month: per org unit and per reviewer, decisions,
    on time, share on time, breaches, median and 90th-percentile turnaround in
    working days (CSV: month, group_by, group, decisions, on_time, on_time_pct,
    breaches, median_days, p90_days). XLSX adds the trend, breaches and decisions."""
    from skills_app.services import exports

    _export(lambda: exports.service_levels(SYSTEM, month), fmt, output, what="Error: --month: ")


reviews_cli = AppGroup("reviews", help="The review process: service level checks.")


@reviews_cli.command("escalate")
def reviews_escalate():
    """Check every waiting review against its service level (run it from cron,
    e.g. hourly): warn reviewers of reviews due within the warning window,
    escalate each breach once to the reviewer's own manager (HR when there is
    none), and remind people to resubmit returned assessments. Idempotent."""
    from skills_app.services import service_levels

    try:
        result = service_levels.run_checks(SYSTEM)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    for title, items in (("Escalated", result.escalated), ("Warned", result.warned), ("Reminded", result.reminded)):
        for item in items:
            click.echo(f"{title}: {item}")
    click.echo(result.summary())


campaigns_cli = AppGroup("campaigns", help="Assessment campaigns: list them, remind those behind.")


@campaigns_cli.command("list")
def campaigns_list():
    """The campaigns, with their completion (people per progress)."""
    from skills_app.services import campaigns

    for c in campaigns.list_all(SYSTEM):
        total = campaigns.completion(SYSTEM, c).total
        counts = ", ".join(f"{campaigns.PROGRESS_LABELS[p].lower()} {total[p]}" for p in campaigns.PROGRESS)
        click.echo(f"{c.id}\t{c.status}\t{c.opens_on}..{c.due_on}\t{c.name}\t{total['people']} people: {counts}")


@campaigns_cli.command("remind")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign (by id); otherwise every open campaign that has opened.")
def campaigns_remind(campaign_id):
    """Remind those behind (not started, draft, overdue) and managers with campaign
    self-assessments waiting for review, in the app and by email. Run it daily from cron."""
    from skills_app.services import campaigns

    try:
        if campaign_id is not None:
            from skills_app.models import Campaign

            campaign = db.session.get(Campaign, campaign_id)
            if campaign is None:
                fail(f"Error: there is no campaign {campaign_id}; `skills-app campaigns list` shows them.")
            done = [(campaign, campaigns.remind(SYSTEM, campaign))]
        else:
            done = campaigns.remind_all(SYSTEM)
        db.session.commit()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    if not done:
        click.echo("No open campaign to remind about.")
    for campaign, sent in done:
        click.echo(f"{campaign.name}: reminded {sent.people} people behind and {sent.managers} managers with a waiting queue.")


def register(app: Flask) -> None:
    for group in (frameworks_cli, people_cli, users_cli, demo_cli, crosswalks_cli, requirements_cli, report_cli, campaigns_cli, reviews_cli,
                  evidence_cli):
        app.cli.add_command(group)
    from skills_app.backup_cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    from skills_app.identity_cli import scim_cli, settings_cli

    app.cli.add_command(scim_cli)
    app.cli.add_command(settings_cli)


def main() -> None:
    from skills_app import create_app

    cli = FlaskGroup(name="skills-app", create_app=create_app, help="skills_app: competency assessment and skills-framework tracker.")
    cli.main(prog_name="skills-app")
