"""The command line as a package: `skills-app --help` lists every command from
`skills_app.cli.COMMANDS` without importing any of them, the app, pandas or
Alembic, and each listed one-line help is the command's own."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from skills_app import cli

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "alembic", "flask_migrate", "sqlalchemy", "openpyxl", "skills_app.web", "skills_app.api",
         "skills_app.models", "skills_app.services", "skills_app.extensions")

PROBE = """
import json, sys
sys.argv = ["skills-app", *json.loads(sys.argv[1])]
from skills_app.cli import main
try:
    main()
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def _help(*args: str) -> tuple[str, set[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps([*args, "--help"])], cwd=ROOT,
                         capture_output=True, text=True, check=True, timeout=60).stdout
    text, _, modules = out.rpartition("\nMODULES ")
    return text, set(json.loads(modules))


@pytest.mark.parametrize("args", [(), ("report",)], ids=["skills-app", "report"])
def test_help_loads_no_app_no_pandas_no_alembic(args):
    text, modules = _help(*args)
    assert "Commands:" in text
    loaded = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not loaded, f"`skills-app {' '.join(args)} --help` imported {loaded}"


def test_help_lists_every_command_with_its_own_summary():
    text, _ = _help()
    for name in ("db", "frameworks", "people", "evidence", "users", "demo", "crosswalks", "requirements", "report",
                 "reviews", "campaigns", "backup", "restore", "scim", "settings", "run", "shell", "routes"):
        assert f"\n  {name} " in text, name
    for name, (_, summary) in cli.COMMANDS.items():
        command = cli.load(name)
        assert command.name == name
        first = (command.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == summary, f"COMMANDS[{name!r}] says {summary!r}, the command {first!r}"


def test_every_command_of_the_app_comes_from_the_package(app):
    for name in cli.COMMANDS:
        assert app.cli.commands[name] is cli.load(name)
