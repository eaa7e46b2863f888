"""Reports written by the database: on PostgreSQL the gap CSV and JSON come from
``COPY (statement) TO STDOUT``, and they are byte for byte what the Python
writers make of the same rows (the path SQLite takes), with names that test
every rule of the writers: commas, quotes, line breaks, carriage returns,
backslashes, formulas, non-ASCII, missing values. The grouped JSON counts its
groups in the same statement (PostgreSQL) or the same pass (SQLite)."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.policy import SYSTEM
from skills_app.reports import export
from skills_app.reports import gaps as gap_tables
from skills_app.services import exports, gaps, requirements

NOW = datetime.now(timezone.utc)
NAMES = [
    "Plain Person", "Comma, Person", 'Quote "Q" Person', "Line\nBreak", "Carriage\rReturn", "Both\r\nEnds",
    "=SUM(A1)", "-minus", "+plus", "@at", "\ttab first", "Back\\slash \\\" mix", "Zoë Ångström 王", "trailing, \"",
    "Mark\x01Between",  # the character that joins a person's rows in the database's JSON (gaps.ROW_MARK)
]


@pytest.fixture
def awkward(load_seed_frameworks, make_person):
    fw = load_seed_frameworks()
    slmo, slm = fw["SFIA"].skills[0], fw["SLM"].skills[0]
    role = requirements.save_job_role(SYSTEM, None, name='Role, "quoted"', description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=4, essential=True)
    requirements.set_role_requirement(SYSTEM, role, slm, min_level=2, essential=False)
    service = requirements.save_service(SYSTEM, None, name="=cmd|' /C calc'!A0", description=None)
    requirements.set_service_requirement(SYSTEM, service, slmo, min_level=3, headcount=2)
    db.session.commit()
    units = ["Acme/IT, Ops", "Acme/HR", None, "Acme/Zoë", "-Acme/Minus", 'Acme/Tab\tand "quote" \\ back']
    for i, name in enumerate(NAMES):
        p = make_person(name, unit=units[i % len(units)], email=f"person{i}@example.test")
        requirements.assign(SYSTEM, p, job_roles=[role], services=[service] if i % 3 == 0 else [])
        status = ["validated", "submitted", "draft", "returned", None][i % 5]
        if status:
            decided = NOW - timedelta(days=5 + i)
            db.session.add(Assessment(
                person_id=p.id, framework_id=slmo.framework_id, skill_id=slmo.id, claimed_level=3 + i % 3, status=status,
                validated_level=2 + i % 4 if status == "validated" else None, submitted_at=decided - timedelta(days=1),
                decided_at=decided if status in ("validated", "returned") else None,
                valid_until=(decided + timedelta(days=-1 if i % 2 else 400)) if status == "validated" else None,
                created_at=decided - timedelta(days=2)))
    db.session.commit()


def _bytes(report: export.Report, fmt: str) -> tuple[bytes, int]:
    out = export.render(report, fmt)
    data = b"".join(out.chunks)
    return data, out.rows


def _python(report: export.Report) -> export.Report:
    """The same report written by Python from the cursor's batches (SQLite's way)."""
    return dataclasses.replace(report, written=None)


@pytest.mark.parametrize("by", [None, *gap_tables.GROUPINGS])
def test_the_database_writes_the_bytes_python_writes(app, awkward, by):
    for fmt in ("csv", "json"):
        if fmt == "csv" and by:
            continue
        written, n = _bytes(exports.gap_report(SYSTEM, now=NOW, by=by), fmt)
        python, m = _bytes(_python(exports.gap_report(SYSTEM, now=NOW, by=by)), fmt)
        assert written == python, (fmt, by)
        assert n == m == len(NAMES) * 2 + 5
    if app.config["BACKEND"] == "postgresql":
        assert written != b""  # and it was COPY that wrote it:
        counted: dict = {}
        assert gaps.copied_csv(SYSTEM, now=NOW, counted=counted) is not None


def test_the_rows_read_back_as_the_engine_computed_them(app, awkward):
    data, _ = _bytes(exports.gap_report(SYSTEM, now=NOW, by="org_unit"), "json")
    payload = json.loads(data)
    assert payload["rows"] == gap_tables.rows(gaps.frame(SYSTEM, now=NOW))
    # The groups are those the pandas grouping makes of the same rows.
    expected = gap_tables.group_records(gap_tables.grouped(gaps.frame(SYSTEM, now=NOW), "org_unit"))
    assert payload["groups"] == expected
    # The CSV keeps a carriage return inside its cell (quoted), and neutralises formulas.
    text = _bytes(exports.gap_report(SYSTEM, now=NOW), "csv")[0].decode()
    assert '"Carriage\rReturn"' in text and "'=SUM(A1)" in text and "'-minus" in text and "\"'\tab first\"" not in text


def test_filters_and_an_empty_report(app, awkward):
    for filters in (gaps.Filters(status=["met"]), gaps.Filters(org_unit="Nowhere")):
        for fmt, by in (("csv", None), ("json", None), ("json", "skill")):
            written, _ = _bytes(exports.gap_report(SYSTEM, filters, now=NOW, by=by), fmt)
            python, _ = _bytes(_python(exports.gap_report(SYSTEM, filters, now=NOW, by=by)), fmt)
            assert written == python
    empty, n = _bytes(exports.gap_report(SYSTEM, gaps.Filters(org_unit="Nowhere"), now=NOW, by="skill"), "json")
    assert (empty, n) == (b'{"rows": [], "groups": []}\n', 0)


def test_report_statements_run_without_jit_and_with_the_configured_memory(app, awkward):
    if app.config["BACKEND"] != "postgresql":
        pytest.skip("PostgreSQL's settings")
    seen = []
    statements = []
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        out = export.render(exports.gap_report(SYSTEM, now=NOW, by="org_unit"), "json")
        for _chunk in out.chunks:
            raw = db.session.connection().connection.driver_connection
            seen.append((raw.execute("SHOW jit").fetchone()[0], raw.execute("SHOW work_mem").fetchone()[0]))
            break
        list(out.chunks)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert seen == [("off", app.config.get("REPORT_WORK_MEM", "128MB"))]
    # The rows and the groups came from the one COPY: SQLAlchemy sent no statement of its own for them.
    assert not [s for s in statements if "gap" in s.lower() or "requirement" in s.lower()]


def test_a_download_is_streamed_by_the_web_and_the_api(app, awkward, client, auth, make_person):
    hr = make_person("Hannah HR", roles=("employee", "hr"))
    auth.login(hr)
    expected, _ = _bytes(exports.gap_report(SYSTEM), "csv")
    response = client.get("/reports/gaps/export?format=csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.get_data() == expected
    # The JSON, grouped by org unit and not, is the database's on PostgreSQL (a line a person), and is
    # byte for byte what the Python writer makes of the same rows.
    for query, by in (("format=json", None), ("format=json&group=org_unit", "org_unit")):
        expected, _ = _bytes(_python(exports.gap_report(SYSTEM, by=by)), "json")
        response = client.get(f"/reports/gaps/export?{query}")
        assert response.status_code == 200 and response.is_streamed
        assert response.get_data() == expected, query


@pytest.mark.parametrize("by", [None, *gap_tables.GROUPINGS])
def test_the_summary_is_one_statement_and_agrees_with_the_rows(app, awkward, by):
    statements = []
    listener = lambda *a, **k: statements.append(a[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        total, table = gaps.summary(SYSTEM, now=NOW, by=by)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    df = gaps.frame(SYSTEM, now=NOW)
    assert total == gap_tables.totals(df)
    if by:
        assert gap_tables.group_records(table) == gap_tables.group_records(gap_tables.grouped(df, by))


def test_a_reader_that_stops_early_leaves_the_connection_usable(app, awkward, monkeypatch):
    from sqlalchemy import text

    from skills_app.reports import stream

    monkeypatch.setattr(stream, "CHUNK_BYTES", 10)  # a chunk a row or so: the reader leaves mid-COPY
    for fmt in ("csv", "json"):
        chunks = export.render(exports.gap_report(SYSTEM, now=NOW), fmt).chunks
        assert next(chunks)
        chunks.close()
        db.session.rollback()
        assert db.session.scalar(text("SELECT 41 + 1")) == 42
        # and a whole report reads again on the same connection
        assert _bytes(exports.gap_report(SYSTEM, now=NOW), fmt)[1] == len(NAMES) * 2 + 5


def test_a_reader_that_stops_at_the_last_chunk_leaves_the_connection_usable(app, awkward, monkeypatch):
    """A download closed once its last chunk is sent (the COPY over, its result not read yet)."""
    from sqlalchemy import text

    from skills_app.reports import stream

    monkeypatch.setattr(stream, "CHUNK_BYTES", 1 << 30)  # the whole CSV is the chunk made after the last row
    chunks = export.render(exports.gap_report(SYSTEM, now=NOW), "csv").chunks
    assert next(chunks).startswith(b"person_id,")
    chunks.close()
    db.session.rollback()
    assert db.session.scalar(text("SELECT 41 + 1")) == 42
    assert _bytes(exports.gap_report(SYSTEM, now=NOW), "csv")[1] == len(NAMES) * 2 + 5


@pytest.mark.xdist_group("demo_world")
def test_every_grouping_in_one_pass_on_the_demo_and_generated_people(app, demo_world):
    """On the demo organisation and 300 generated people: the database's CSV and JSON,
    ungrouped and grouped every way (a line a person, the groups counted as the lines
    pass), are byte for byte what the Python writers make of the same rows, and the
    groups are those the pandas grouping makes of the frame."""
    from skills_app.devdata import synthetic

    synthetic.generate(300, seed=7)
    db.session.commit()
    df = gaps.frame(SYSTEM, now=NOW)
    assert len(df) > 1000 and df["person_id"].nunique() > 300
    for fmt, by in (("csv", None), ("json", None), *[("json", by) for by in gap_tables.GROUPINGS]):
        written, n = _bytes(exports.gap_report(SYSTEM, now=NOW, by=by), fmt)
        python, m = _bytes(_python(exports.gap_report(SYSTEM, now=NOW, by=by)), fmt)
        assert written == python, (fmt, by)
        assert n == m == len(df)
        if by:
            assert json.loads(written)["groups"] == gap_tables.group_records(gap_tables.grouped(df, by)), by
