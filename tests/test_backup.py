"""Backup and restore: the demo organisation with assessments and evidence files
goes out through `skills-app backup` and comes back through `skills-app restore`
into an empty database, on SQLite and on PostgreSQL, with every row of every table
and every file byte equal. A damaged or tampered archive is refused, and nothing
is written; so is a database that is not empty or not at the backup's revision."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from skills_app import backup as backups
from skills_app.devdata import demo
from skills_app.extensions import db
from skills_app.models import Person
from tests.conftest import ROOT, _clean, build_app

# Named after the test database, so that two suites on one server never share it.
RESTORE_DB = f"{make_url(os.environ.get('TEST_DATABASE_URL', 'postgresql:///test')).database}_restore"


def _state() -> dict[str, list[tuple]]:
    db.session.rollback()
    return {t.name: sorted((tuple(r) for r in db.session.execute(select(t)).all()), key=repr) for t in db.metadata.sorted_tables}


def _files(app) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()} if root.exists() else {}


@pytest.fixture(scope="module")
def targets():
    built: dict[str, object] = {}
    yield built
    for target in built.values():
        with target.app_context():
            db.engine.dispose()
    if "postgresql" in built:
        _drop_restore_database()


def _admin_engine():
    from skills_app.config import normalise_database_url

    url = make_url(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    return url, create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _drop_restore_database():
    url, engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def target(app, targets, tmp_path_factory):
    """An empty, migrated database (and upload folder) of the source's kind, to restore into."""
    backend = app.config["BACKEND"]
    if backend not in targets:
        tmp = tmp_path_factory.mktemp(f"restore-{backend}")
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'restored.db'}"
        else:
            base, engine = _admin_engine()
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{RESTORE_DB}"'))
            engine.dispose()
            url = base.set(database=RESTORE_DB).render_as_string(hide_password=False)
        targets[backend] = build_app(url, tmp)
    restored = targets[backend]
    _clean(restored)
    for path in Path(restored.config["UPLOAD_DIR"]).glob("*"):
        path.unlink()
    return restored


@pytest.fixture
def organisation(app):
    """The demo organisation, its assessments, and evidence files of several kinds (one in Sam's
    evidence library that no assessment attaches)."""
    from skills_app.services import assessments, evidence_library

    demo.load(ROOT / "frameworks", ROOT / "seed_data")
    sam = db.session.scalar(select(Person).where(Person.email == "sam.taylor@acme.example"))
    slmo = next(s for s in db.session.scalars(select(demo_skill_model())) if s.code == "SLMO")
    assessment = assessments.start(sam, slmo, 3)
    descriptors = assessments.claimed_descriptors(assessment)
    for name, data in (("report.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF"),
                       ("notes.txt", "Ünïcödé notes — 100 % mine\n".encode()),
                       ("chart.png", b"\x89PNG\r\n\x1a\n" + bytes(reversed(range(256))))):
        assessments.add_evidence(sam, assessment, descriptor_ids=[descriptors[0].id], filename=name, stream=io.BytesIO(data))
    assessments.add_evidence(sam, assessment, descriptor_ids=[d.id for d in descriptors], text="Text evidence, with “quotes”.")
    assessments.save_draft(sam, assessment, claimed_level=assessment.claimed_level, ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(sam, assessment)
    evidence_library.new_item(sam, sam, title="Kept for later", filename="later.md", stream=io.BytesIO(b"# Kept in the library\n"))
    db.session.commit()
    assert len(_files(app)) >= 4


def demo_skill_model():
    from skills_app.models import Skill

    return Skill


def _backup(app, tmp_path) -> Path:
    path = tmp_path / "skills.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    return path


def _restore(target, path):
    # The test holds the source app's context; the command runs in the target's.
    with target.app_context():
        return target.test_cli_runner().invoke(args=["restore", str(path)])


def _target_is_empty(target) -> None:
    with target.app_context():
        assert all(rows == [] for rows in _state().values()), "the refused restore wrote rows"
    assert _files(target) == {}, "the refused restore wrote files"


def test_round_trip_finds_everything_equal(app, target, organisation, tmp_path):
    from skills_app.models import EvidenceItem

    before = _state()
    # The files the database refers to (the session's upload folder keeps other tests' files too):
    # the evidence library's, attached or not.
    referenced = set(db.session.scalars(select(EvidenceItem.stored_name).where(EvidenceItem.stored_name.is_not(None))))
    files = {name: data for name, data in _files(app).items() if name in referenced}
    assert len(files) == len(referenced) >= 3
    assert sum(len(rows) for rows in before.values()) > 100
    path = _backup(app, tmp_path)

    with tarfile.open(path, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        names = set(archive.getnames())
    assert manifest["format_version"] == 1 and manifest["alembic_revision"] and manifest["created_at"]
    assert manifest["app_version"]
    assert {name: info["rows"] for name, info in manifest["tables"].items()} == {name: len(rows) for name, rows in before.items()}
    assert set(manifest["members"]) | {"manifest.json"} == names
    assert {f"files/{name}" for name in files} <= names

    result = _restore(target, path)
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    with target.app_context():
        after = _state()
        for table in before:
            assert after[table] == before[table], f"table {table} differs after the round trip"
        # Sequences (PostgreSQL) carry on after the restored ids: a new row gets a new id.
        from skills_app.policy import SYSTEM
        from skills_app.services import accounts

        newcomer = accounts.create_person(SYSTEM, email="new.after.restore@example.test", name="New", roles=["employee"],
                                          password="a long enough password")
        db.session.commit()
        assert newcomer.id > max(row[0] for row in before["person"])
        db.session.rollback()
    assert _files(target) == files


def test_restore_refuses_a_database_that_is_not_empty(app, target, organisation, tmp_path):
    path = _backup(app, tmp_path)
    assert _restore(target, path).exit_code == 0
    again = _restore(target, path)
    assert again.exit_code != 0
    assert "only goes into an empty database" in again.output


def test_restore_refuses_another_migration_revision(app, target, organisation, tmp_path):
    path = _backup(app, tmp_path)
    with target.app_context():
        with db.engine.begin() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        try:
            result = _restore(target, path)
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    assert result.exit_code != 0
    assert "The database is at migration 0001" in result.output and "skills-app db upgrade" in result.output
    _target_is_empty(target)


def _rewrite(path: Path, out: Path, *, drop: str | None = None, change: dict[str, bytes] | None = None) -> None:
    with tarfile.open(path, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for info in src:
            if info.name == drop:
                continue
            data = src.extractfile(info).read()
            data = (change or {}).get(info.name, data)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _flip_byte(path: Path, out: Path, where: float) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    out.write_bytes(bytes(data))


def _damages(path: Path, tmp: Path):
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        people = archive.extractfile("tables/person.jsonl").read()
        a_file = next(n for n in archive.getnames() if n.startswith("files/"))
        evidence = archive.extractfile(a_file).read()
    raw = gzip.decompress(path.read_bytes())
    cases = {}

    def case(name):
        cases[name] = tmp / f"{name}.tar.gz"
        return cases[name]

    _flip_byte(path, case("flipped byte in the compressed archive"), 0.5)
    # A byte flipped inside the tar, the gzip around it made whole again: only the checksums catch it.
    flipped = bytearray(raw)
    flipped[raw.index(b"Sam Taylor")] ^= 0x20
    case("flipped byte inside a table").write_bytes(gzip.compress(bytes(flipped)))
    case("truncated archive").write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    _rewrite(path, case("missing table member"), drop="tables/person.jsonl")
    _rewrite(path, case("missing evidence file"), drop=a_file)
    _rewrite(path, case("missing manifest"), drop="manifest.json")
    _rewrite(path, case("changed evidence file"), change={a_file: evidence + b"tampered"})
    _rewrite(path, case("a person's row changed"), change={"tables/person.jsonl": people.replace(b'"employee"', b'"admin"', 1).replace(b"Sam Taylor", b"Sam Tayl0r")})
    wrong_count = json.loads(json.dumps(manifest))
    wrong_count["tables"]["person"]["rows"] += 1
    _rewrite(path, case("manifest with a wrong row count"), change={"manifest.json": json.dumps(wrong_count).encode()})
    wrong_sum = json.loads(json.dumps(manifest))
    wrong_sum["members"]["tables/person.jsonl"] = hashlib.sha256(b"other").hexdigest()
    _rewrite(path, case("manifest with a wrong checksum"), change={"manifest.json": json.dumps(wrong_sum).encode()})
    _rewrite(path, case("manifest that is not JSON"), change={"manifest.json": b"{not json"})
    other = json.loads(json.dumps(manifest))
    other["format_version"] = 99
    _rewrite(path, case("manifest of another format version"), change={"manifest.json": json.dumps(other).encode()})
    extra = tmp / "extra.tar.gz"
    with tarfile.open(path, "r:gz") as src, tarfile.open(extra, "w:gz") as dst:
        for info in src:
            dst.addfile(info, src.extractfile(info))
        info = tarfile.TarInfo("../../escape.txt")
        info.size = 4
        dst.addfile(info, io.BytesIO(b"evil"))
    cases["member escaping the archive"] = extra
    case("not an archive").write_bytes(b"just some text\n")
    return cases


def test_a_damaged_or_tampered_archive_is_refused_and_nothing_is_written(app, target, organisation, tmp_path):
    path = _backup(app, tmp_path)
    for what, damaged in _damages(path, tmp_path).items():
        result = _restore(target, damaged)
        assert result.exit_code != 0, f"{what}: restored"
        assert "Error:" in result.output and ("damaged" in result.output or "checksum" in result.output or "missing" in result.output
                                              or "manifest" in result.output or "not a skills_app backup" in result.output
                                              or "format version" in result.output or "unexpected member" in result.output), f"{what}: {result.output}"
        _target_is_empty(target)
    # The control: the undamaged archive restores.
    assert _restore(target, path).exit_code == 0


def test_the_backup_is_one_snapshot_of_typed_values(app, organisation, tmp_path):
    """Types survive the encoding: datetimes, JSON columns, booleans, and decimals come back as they went."""
    from datetime import date, datetime
    from decimal import Decimal

    from sqlalchemy import Boolean, Column, Date, DateTime, Integer, JSON, MetaData, Numeric, Table

    table = Table("t", MetaData(), Column("id", Integer), Column("at", DateTime(timezone=True)), Column("on", Date),
                  Column("flag", Boolean), Column("data", JSON), Column("amount", Numeric(10, 2)))
    values = {"at": datetime(2026, 3, 1, 9, 30, 15, 123456), "on": date(2026, 2, 28), "flag": False,
              "data": {"nested": [1, "two", None, True]}, "amount": Decimal("12.50")}
    encoded = json.loads(json.dumps({k: backups.encode(v) for k, v in values.items()}))
    decoded = {k: backups.decode(table.c[k], v) for k, v in encoded.items()}
    assert decoded == values
    assert type(decoded["amount"]) is Decimal and type(decoded["on"]) is date and decoded["flag"] is False
