"""A gap report's statement sent as the command starts (reports/early.py): kept from
the last run with the same options, signed, sent in a read-only transaction, and its
rows used only when the app's own statement is the same to the byte; else cancelled."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from skills_app.extensions import db
from skills_app.policy import SYSTEM
from skills_app.reports import early, export
from skills_app.services import exports

OPTIONS = {"fmt": "csv", "group_by": None, "status": (), "org_unit": None}


@pytest.fixture
def postgres(app, monkeypatch, tmp_path):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("the database writes reports (and takes them early) on PostgreSQL")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("REPORT_STATEMENTS_DIR", str(tmp_path / "kept"))
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    monkeypatch.delenv("REPORT_EARLY", raising=False)
    monkeypatch.setitem(app.config, "REPORT_WORK_MEM", "128MB")
    monkeypatch.delenv("REPORT_WORK_MEM", raising=False)
    yield tmp_path / "kept"
    early._pending = None


@pytest.fixture
def awkward_people(app, load_seed_frameworks, make_person):
    from skills_app.services import requirements

    fw = load_seed_frameworks()
    role = requirements.save_job_role(SYSTEM, None, name='Role, "quoted"', description=None)
    requirements.set_role_requirement(SYSTEM, role, fw["SFIA"].skills[0], min_level=4, essential=True)
    db.session.commit()
    for i, name in enumerate(["Plain Person", "Comma, Person", "=SUM(A1)", "Zoë Ångström 王"]):
        requirements.assign(SYSTEM, make_person(name, email=f"p{i}@example.test"), job_roles=[role], services=[])
    db.session.commit()


def _run(app, fmt: str = "csv") -> bytes:
    """What `skills-app report gaps` does once the app is up, as of early's moment."""
    with app.app_context():
        out = export.render(exports.gap_report(SYSTEM, now=early.moment()), fmt)
        data = b"".join(out.chunks)
        db.session.rollback()
        return data


def _kept(folder) -> dict:
    (path,) = folder.glob("*.json")
    return json.loads(path.read_text())


def test_the_second_run_reads_the_rows_of_the_statement_sent_as_it_started(app, postgres, awkward_people):
    early.start("report gaps", OPTIONS)
    assert early.outcome() == "not sent"  # nothing kept yet
    first = _run(app)
    kept = _kept(postgres)
    assert kept["template"].startswith("COPY (") and early.MARK in kept["template"] and kept["misses"] == 0
    assert (postgres / next(postgres.glob("*.json")).name).stat().st_mode & 0o077 == 0

    early.start("report gaps", OPTIONS)
    assert early.outcome() == "sent"
    second = _run(app)
    assert early.outcome() == "adopted"
    assert second == first and second.count(b"\n") == 5
    early._pending = None
    with app.app_context():  # and the same as the app writes without it
        assert b"".join(export.render(exports.gap_report(SYSTEM), "csv").chunks) == first


def test_other_options_keep_a_statement_of_their_own(app, postgres, awkward_people):
    early.start("report gaps", OPTIONS)
    _run(app)
    early.start("report gaps", {**OPTIONS, "status": ("met",)})
    assert early.outcome() == "not sent"


def test_a_kept_statement_not_signed_here_is_never_sent(app, postgres, awkward_people):
    early.start("report gaps", OPTIONS)
    _run(app)
    path = next(postgres.glob("*.json"))
    kept = json.loads(path.read_text())
    kept["template"] = kept["template"].replace("person", "person ", 1)
    path.write_text(json.dumps(kept))
    early.start("report gaps", OPTIONS)
    assert early.outcome() == "not sent"
    _run(app)  # the app's statement runs, and is kept again, signed
    assert _kept(postgres)["template"] != kept["template"]


def _sign(path, template: str, misses: int = 0) -> None:
    key = path.stem
    probe = early.Early(key=key, url="", work_mem=None, now=None, path=path, secret=b"test-secret-key")
    path.write_text(json.dumps({"template": template, "misses": misses, "mac": early._sign(probe, template, misses)}))


def test_a_different_statement_is_cancelled_and_the_apps_runs(app, postgres, awkward_people):
    early.start("report gaps", OPTIONS)
    right = _run(app)
    path = next(postgres.glob("*.json"))
    # Signed here, but not the statement the app builds now (as after an upgrade); and it would
    # write, which its read-only transaction refuses whatever it is.
    _sign(path, f"COPY (SELECT nextval('person_id_seq'), {early.MARK}::text) TO STDOUT")
    with app.app_context():
        before = db.session.execute(text("SELECT last_value FROM person_id_seq")).scalar()
        db.session.rollback()
    early.start("report gaps", OPTIONS)
    assert early.outcome() == "sent"
    assert _run(app) == right
    assert early.outcome() == "cancelled"
    kept = _kept(postgres)
    assert kept["misses"] == 1 and kept["template"].startswith("COPY (") and "nextval" not in kept["template"]
    with app.app_context():
        assert db.session.execute(text("SELECT last_value FROM person_id_seq")).scalar() == before
        db.session.rollback()
    early.start("report gaps", OPTIONS)  # the app's own again: read, and its misses forgotten
    assert _run(app) == right and early.outcome() == "adopted"
    assert _kept(postgres)["misses"] == 0


def test_a_statement_that_misses_three_runs_in_a_row_is_sent_no_more(app, postgres, awkward_people):
    early.start("report gaps", OPTIONS)
    _run(app)
    path = next(postgres.glob("*.json"))
    _sign(path, f"COPY (SELECT {early.MARK}::text) TO STDOUT", misses=early.MISSES_BEFORE_OFF - 1)
    early.start("report gaps", OPTIONS)
    _run(app)
    assert early.outcome() == "cancelled"
    assert _kept(postgres) == {**_kept(postgres), "template": None, "misses": early.MISSES_BEFORE_OFF}
    early.start("report gaps", OPTIONS)
    assert early.outcome() == "not sent"


def test_nothing_is_sent_with_a_replica_or_when_turned_off(app, postgres, awkward_people, monkeypatch):
    early.start("report gaps", OPTIONS)
    _run(app)
    monkeypatch.setenv("REPORT_EARLY", "0")
    early.start("report gaps", OPTIONS)
    assert early.moment() is None
    monkeypatch.delenv("REPORT_EARLY")
    monkeypatch.setenv("DATABASE_REPLICA_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    early.start("report gaps", OPTIONS)
    assert early.moment() is None


def test_a_command_that_ends_before_its_report_stops_the_statement(app, postgres, awkward_people):
    early.start("report gaps", OPTIONS)
    _run(app)
    early.start("report gaps", OPTIONS)
    sent = early._pending
    pid = sent.conn.info.backend_pid
    early._at_exit(sent)  # what atexit does when the command was refused before its report
    assert sent.conn is None
    with app.app_context():
        alive = db.session.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar()
        db.session.rollback()
    assert alive == 0


RUN = """
import sys
sys.argv = ["skills-app", "report", "gaps", "--format", sys.argv[1], "--output", sys.argv[2]]
from skills_app.cli import main
from skills_app.reports import early
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print("OUTCOME", early.outcome())
"""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_command_sends_it_before_loading_the_app(app, postgres, awkward_people, tmp_path, fmt):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    outcomes, outputs = [], []
    for i in range(2):
        out = tmp_path / f"gaps{i}.{fmt}"
        result = subprocess.run([sys.executable, "-c", RUN, fmt, str(out)], cwd=root, capture_output=True, text=True,
                                timeout=120, env={**os.environ})
        assert result.returncode == 0, result.stderr
        outcomes.append(result.stdout.split("OUTCOME ")[-1].strip())
        outputs.append(out.read_bytes())
    assert outcomes == ["not sent", "adopted"]
    assert outputs[0] == outputs[1] and outputs[0].count(b"p0@example.test") == 1
