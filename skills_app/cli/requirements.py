"""``skills-app requirements``: load job roles and services with their required levels."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish
from skills_app.errors import DomainError

group = AppGroup("requirements", help="Job roles and services with their required skill levels.")


@group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_requirements(path):
    """Load job roles, services, their requirements and assignments from a YAML file (idempotent)."""
    import yaml

    from skills_app.policy import SYSTEM

    from skills_app.importers import limits
    from skills_app.services import requirements

    try:
        report = requirements.load_file(SYSTEM, limits.load_yaml(path.read_text(encoding="utf-8")), str(path))
        finish()
    except yaml.YAMLError as exc:
        fail(f"Error: {path}: not valid YAML: {exc}")
    except limits.LimitExceeded as exc:
        fail(f"Error: {path}: {exc}\nNothing was loaded.")
    except DomainError as exc:
        fail(f"Error: {exc.message}\nNothing was loaded.")
    for line in report.lines:
        click.echo(line)
