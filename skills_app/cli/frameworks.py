"""``skills-app frameworks``: import, list, export, diff, migrate levels."""
from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish, one_transaction, progressbar
from skills_app.errors import DomainError
from skills_app.exporters import EXPORTERS, export, export_formats
from skills_app.importers import FILE_SUFFIXES, FORMATS, FrameworkFileError, formats, load_file
from skills_app.importers.table import parse_columns

group = AppGroup("frameworks", help="Import, list and export skills frameworks.")


LARGE_IMPORT_BYTES = 2 * 1024 * 1024  # from this size on, a framework import shows its progress


@group.command("import")
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
    from skills_app.policy import SYSTEM
    from skills_app.services import frameworks

    options["levels"] = list(options.get("levels") or ()) or None
    try:
        options["column"] = parse_columns(options.get("column")) or None
    except FrameworkFileError as exc:
        fail(f"Error: {exc}")
    if options.get("scale"):
        scale = frameworks.find(options["scale"])
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
    # A large import shows its progress (on stderr): reading and checking file by file, then writing.
    large = sum(f.stat().st_size for f in files if f.is_file()) >= LARGE_IMPORT_BYTES
    with progressbar(iterable=files, label="Reading and checking", show_pos=True,
                     item_show_func=lambda f: f.name if f else None) if large else nullcontext(files) as steps:
        for file in steps:
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
            if large:
                click.echo(f"{'Checking' if dry_run else 'Writing'} {doc.framework.code} {doc.framework.version}: "
                           f"{len(doc.skills)} skills…", err=True)
            result = frameworks.import_doc(SYSTEM, doc, partial=FORMATS[detected].partial, replace=replace, source=str(file))
            report = doc.report
            report.outcome, report.message, report.created, report.dry_run = result.outcome, result.message, result.written, dry_run
            click.echo(f"{file}: {'(dry run) ' if dry_run else ''}{result.message}")
            for line in report.body():
                click.echo(line)
        finish(dry_run=dry_run)
        if dry_run:
            click.echo("Dry run: nothing was written.")
    except DomainError as exc:
        fail(f"Error: {file}: {exc.message}\nNothing was imported.")


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{code, name, version, publisher, status, skills}].")
def list_frameworks(as_json):
    """List the frameworks and their versions."""
    from skills_app.policy import SYSTEM
    from skills_app.services import frameworks

    items = frameworks.list_all(SYSTEM)
    counts = frameworks.skill_counts()
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


@group.command("export")
@click.argument("code")
@click.option("--version", help="The version (the newest when not given).")
@click.option("--format", "fmt", type=click.Choice(export_formats()), default="yaml", show_default=True,
              help="; ".join(f"{e.name}: {e.help}" for e in EXPORTERS.values()) + ".")
def export_framework(code, version, fmt):
    """Print a framework: in the native file format (yaml, json), as a CASE 1.1
    package, or as a Moodle competency framework CSV."""
    from skills_app.policy import SYSTEM
    from skills_app.services import frameworks

    try:
        framework = frameworks.get(SYSTEM, code, version)
        doc = frameworks.to_doc(framework)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    click.echo(export(fmt, doc, changed=framework.updated_at), nl=False)


@group.command("diff")
@click.argument("code")
@click.argument("from_version", metavar="V1")
@click.argument("to_version", metavar="V2")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--map", "pairs", multiple=True, metavar="OLD=NEW", help="Pair an old skill code with a new one; repeat for several.")
def diff_framework(code, from_version, to_version, fmt, pairs):
    """What changed from version V1 to V2: skills added, removed, renamed and
    moved, and per level the descriptors added, removed and changed (a renamed
    code is matched by descriptor likeness: docs/versions.md)."""
    from skills_app.policy import SYSTEM
    from skills_app.services import framework_diff, level_migration

    try:
        result = level_migration.diff_versions(SYSTEM, code, from_version, to_version, level_migration.parse_mapping(pairs))
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    if fmt == "json":
        click.echo(json.dumps(framework_diff.to_json(result), ensure_ascii=False, indent=2))
    else:
        click.echo(framework_diff.to_text(result), nl=False)


@group.command("migrate-levels")
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
    from skills_app.policy import SYSTEM
    from skills_app.services import level_migration

    with one_transaction("Error: {}\nNothing was migrated.", dry_run=dry_run):
        result = level_migration.migrate(SYSTEM, code, from_version, to_version, level_migration.parse_mapping(pairs), dry_run=dry_run)
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) if as_json else result.text(), nl=as_json)
