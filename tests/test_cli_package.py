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


# What a lean app (the one `skills-app report` runs on) must not import: what answers HTTP,
# the migrations, the XLSX writer and pandas (a report streamed by the database shapes no frame).
LEAN_HEAVY = ("pandas", "numpy", "alembic", "flask_migrate", "openpyxl", "skills_app.web", "skills_app.api",
              "skills_app.scim", "skills_app.importers", "scim2_models", "authlib")

RUN = """
import json, sys
from skills_app import create_app
from skills_app.extensions import db
with create_app(lean=True).app_context():
    db.create_all()
sys.argv = ["skills-app", *json.loads(sys.argv[1])]
from skills_app.cli import main
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("args", [("--format", "csv"), ("--format", "json"), ("--format", "json", "--group-by", "org_unit")],
                         ids=["csv", "json", "grouped"])
def test_a_gap_report_runs_on_a_lean_app(tmp_path, args):
    """`skills-app report gaps` builds the app without its faces, migrations, pandas or openpyxl
    (issue 20 item 7: the command's own start is most of a small report's time)."""
    out = tmp_path / "gaps.out"
    env = {**__import__("os").environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'lean.db'}"}
    result = subprocess.run([sys.executable, "-c", RUN, json.dumps(["report", "gaps", *args, "--output", str(out)])],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    text, _, modules = result.stdout.rpartition("\nMODULES ")
    loaded = sorted(m for m in json.loads(modules) if any(m == h or m.startswith(h + ".") for h in LEAN_HEAVY))
    assert not loaded, f"`skills-app report gaps {' '.join(args)}` imported {loaded}"
    assert out.read_bytes() == (b"person_id,person,email,org_unit,job_role,service,framework,skill,required_level,"
                                b"current_level,self_level,gap,status\n" if args[1] == "csv"
                                else b'{"rows": [], "groups": []}\n' if "--group-by" in args else b'{"rows": []}\n')


def test_the_full_app_still_has_its_faces_and_migrations(app):
    assert "migrate" in app.extensions and "db" in app.cli.commands
    assert any(rule.rule.startswith("/api/v1") for rule in app.url_map.iter_rules())
    assert any(rule.rule.startswith("/scim/v2") for rule in app.url_map.iter_rules())
