"""``skills-app crosswalks``: import, list and export crosswalks."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish
from skills_app.errors import DomainError

group = AppGroup("crosswalks", help="Crosswalks: one framework's levels mapped onto another's.")


@group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite a crosswalk between the same two framework versions.")
def import_crosswalks(paths, replace):
    """Import crosswalk files (YAML or JSON; the format is in docs/crosswalks.md)."""
    import yaml

    from skills_app.policy import SYSTEM

    from skills_app.importers import FrameworkFileError, limits
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
        finish()
    except FrameworkFileError as exc:
        fail(f"Error: {exc}\nNothing was imported.")
    except DomainError as exc:
        fail(f"Error: {path}: {exc.message}\nNothing was imported.")


@group.command("list")
def list_crosswalks():
    """List the crosswalks."""
    from skills_app.policy import SYSTEM
    from skills_app.services import crosswalks

    items = crosswalks.list_all(SYSTEM)
    for c in items:
        click.echo(f"{c.id}  {c.from_framework.label} → {c.to_framework.label}  {len(c.levels)} level mappings  {c.name}")
    if not items:
        click.echo("No crosswalks are loaded.")


@group.command("export")
@click.argument("crosswalk_id", type=int)
def export_crosswalk(crosswalk_id):
    """Print a crosswalk in its file format (YAML)."""
    from skills_app.importers.native import dump_yaml
    from skills_app.policy import SYSTEM
    from skills_app.services import crosswalks

    try:
        click.echo(dump_yaml(crosswalks.export(crosswalks.get(SYSTEM, crosswalk_id))), nl=False)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
