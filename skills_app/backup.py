"""Backup and restore: every table's rows and every evidence file, in one archive.

The archive is a gzip'd tar file::

    manifest.json            format and app versions, Alembic revision, created_at,
                             row counts, and a SHA-256 for every other member
    tables/<table>.jsonl     one JSON object a row, columns by name
    files/<stored name>      the evidence files, byte for byte

Tables are found in ``db.metadata`` (so a table added by a later migration is
backed up with no change here); values are encoded by their column's type
(datetimes, dates and times as ISO 8601, decimals as strings, bytes as base64;
JSON columns, numbers, booleans and text as themselves) and decoded the same
way. The backup is one consistent snapshot: one REPEATABLE READ, read-only
transaction on PostgreSQL, one transaction on SQLite.

Restore writes only into an empty database at the same Alembic revision, and
only after every member's checksum is verified; then it inserts in foreign-key
order (a table's links to itself set after its rows), resets PostgreSQL's
sequences and writes the evidence files, all or nothing.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Date, DateTime, Integer, Interval, LargeBinary, Numeric, Table, Time, func, select, text
from sqlalchemy.engine import Connection

from skills_app.errors import NotFound
from skills_app.extensions import db
from skills_app.models import EvidenceItem
from skills_app.services.evidence_store import storage

FORMAT = "skills_app-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000

Progress = Callable[[str, int], None]  # (what, how many more done)


class BackupError(Exception):
    """A backup that cannot be made, or an archive that must not be restored."""


# -- values -------------------------------------------------------------------------


def encode(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def decode(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    if isinstance(kind, Interval):
        return timedelta(seconds=value)
    if isinstance(kind, Numeric) and kind.asdecimal:
        return Decimal(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    return value


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no alembic_version table: never migrated
        return None


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skills_app")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _order_by(table: Table):
    return list(table.primary_key.columns) or list(table.columns)


def _file_columns() -> list:
    """Columns that name a file in the evidence storage (the library items': attachments hold none)."""
    return [EvidenceItem.__table__.c.stored_name]


# -- backup -----------------------------------------------------------------------------


@dataclass
class BackupReport:
    path: Path
    rows: dict[str, int]
    files: int
    missing_files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text_ = (f"Backed up {sum(self.rows.values())} rows from {len(self.rows)} tables and {self.files} evidence "
                 f"file{'s' if self.files != 1 else ''} to {self.path}.")
        if self.missing_files:
            text_ += f" Warning: {len(self.missing_files)} evidence file(s) were missing from the storage: {', '.join(self.missing_files[:5])}"
        return text_


@contextmanager
def _snapshot(engine) -> Iterator[Connection]:
    """One connection holding one consistent read transaction."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as conn:
            with conn.begin():
                yield conn
    elif engine.dialect.name == "sqlite":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("BEGIN")
            try:
                yield conn
            finally:
                conn.exec_driver_sql("ROLLBACK")
    else:  # pragma: no cover - other databases: their default transaction
        with engine.connect() as conn, conn.begin():
            yield conn


def _add(archive: tarfile.TarFile, name: str, data: bytes, members: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(timezone.utc).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))
    members[name] = _sha256(data)


def backup(path: str | Path, progress: Progress | None = None) -> BackupReport:
    """Write every row of every table and every evidence file to one archive at ``path``."""
    path = Path(path)
    tables = _tables()
    members: dict[str, str] = {}
    rows: dict[str, int] = {}
    missing: list[str] = []
    files = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=".backup-", dir=path.parent)
    os.close(handle)
    try:
        with tarfile.open(tmp_name, "w:gz") as archive:
            with _snapshot(db.engine) as conn:
                revision = _revision(conn)
                counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
                if progress:
                    progress("start", sum(counts.values()))
                for table in tables:
                    buffer = io.BytesIO()
                    n = 0
                    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*_order_by(table)))
                    for row in result.mappings():
                        buffer.write(json.dumps({k: encode(v) for k, v in row.items()}, ensure_ascii=False,
                                                sort_keys=True).encode("utf-8") + b"\n")
                        n += 1
                        if progress and n % BATCH == 0:
                            progress("rows", BATCH)
                    if progress:
                        progress("rows", n % BATCH)
                    rows[table.name] = n
                    _add(archive, f"tables/{table.name}.jsonl", buffer.getvalue(), members)
                names = sorted({name for column in _file_columns()
                                for name in conn.execute(select(column).where(column.is_not(None))).scalars()})
                store = storage()
                for name in names:
                    try:
                        data = store.read(name)
                    except NotFound:
                        missing.append(name)
                        continue
                    _add(archive, f"files/{name}", data, members)
                    files += 1
                    if progress:
                        progress("files", 1)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "app_version": _app_version(),
                "alembic_revision": revision,
                "created_at": datetime.now(timezone.utc).isoformat(),
                "database": db.engine.dialect.name,
                "tables": {t.name: {"rows": rows[t.name], "columns": [c.name for c in t.columns]} for t in tables},
                "files": files,
                "missing_files": missing,
                "members": members,
            }
            _add(archive, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"), {})
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return BackupReport(path=path, rows=rows, files=files, missing_files=missing)


# -- reading and verifying an archive ----------------------------------------------------------


@dataclass
class Archive:
    manifest: dict
    members: dict[str, bytes]

    def table_rows(self, name: str) -> list[dict]:
        data = self.members.get(f"tables/{name}.jsonl", b"")
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]

    def files(self) -> dict[str, bytes]:
        return {name.removeprefix("files/"): data for name, data in self.members.items() if name.startswith("files/")}


def read_archive(path: str | Path) -> Archive:
    """Read an archive and verify it completely: every member listed and its checksum right,
    nothing extra, every table's row count right. Raises BackupError, naming what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(path, "r:gz") as archive:
            for info in archive:
                name = info.name
                if not info.isfile() or name.startswith("/") or ".." in name.split("/") or "\\" in name:
                    raise BackupError(f"{path}: unexpected member {name!r}; this is not a skills_app backup")
                if name in members:
                    raise BackupError(f"{path}: the member {name} appears twice")
                members[name] = archive.extractfile(info).read()
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{path}: the archive is damaged ({exc}); nothing was restored") from None
    try:
        manifest = json.loads(members.pop(MANIFEST))
    except KeyError:
        raise BackupError(f"{path}: no {MANIFEST}; this is not a skills_app backup") from None
    except ValueError as exc:
        raise BackupError(f"{path}: {MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: {MANIFEST} does not describe a skills_app backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path}: backup format version {manifest.get('format_version')!r}; this app reads version {FORMAT_VERSION}")
    listed = manifest.get("members")
    tables = manifest.get("tables")
    if not isinstance(listed, dict) or not isinstance(tables, dict):
        raise BackupError(f"{path}: {MANIFEST} has no list of members and tables")
    missing = sorted(set(listed) - set(members))
    extra = sorted(set(members) - set(listed))
    if missing:
        raise BackupError(f"{path}: member{'s' if len(missing) > 1 else ''} missing from the archive: {', '.join(missing[:5])}")
    if extra:
        raise BackupError(f"{path}: member{'s' if len(extra) > 1 else ''} not in the manifest: {', '.join(extra[:5])}")
    for name, digest in listed.items():
        if _sha256(members[name]) != digest:
            raise BackupError(f"{path}: the checksum of {name} does not match the manifest: the file is damaged or was changed")
    result = Archive(manifest=manifest, members=members)
    for name, info in tables.items():
        if f"tables/{name}.jsonl" not in members:
            raise BackupError(f"{path}: the table {name} is in the manifest but not in the archive")
        try:
            count = len(result.table_rows(name))
        except ValueError as exc:
            raise BackupError(f"{path}: tables/{name}.jsonl is not JSON lines ({exc})") from None
        if count != info.get("rows"):
            raise BackupError(f"{path}: tables/{name}.jsonl has {count} rows; the manifest says {info.get('rows')}")
    return result


# -- restore ------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    rows: dict[str, int]
    files: int

    def summary(self) -> str:
        return (f"Restored {sum(self.rows.values())} rows into {len(self.rows)} tables and {self.files} evidence "
                f"file{'s' if self.files != 1 else ''}.")


def check_target(conn: Connection, manifest: dict) -> None:
    """The database must be at the archive's revision, have the same tables, and be empty."""
    revision = _revision(conn)
    wanted = manifest.get("alembic_revision")
    if revision != wanted:
        raise BackupError(f"The database is at migration {revision or 'none'}, the backup at {wanted}: "
                          f"restore into a database migrated to {wanted} (skills-app db upgrade, with the app version "
                          f"{manifest.get('app_version')} that made the backup). Nothing was restored.")
    here = {t.name: t for t in _tables()}
    theirs = set(manifest["tables"])
    if theirs != set(here):
        raise BackupError(f"The backup's tables differ from this app's: only in the backup {sorted(theirs - set(here))}, "
                          f"only here {sorted(set(here) - theirs)}. Nothing was restored.")
    for name, table in here.items():
        columns = manifest["tables"][name].get("columns")
        if columns is not None and set(columns) != {c.name for c in table.columns}:
            raise BackupError(f"The backup's columns of {name} differ from this app's. Nothing was restored.")
    not_empty = [t.name for t in here.values() if conn.execute(select(func.count()).select_from(t)).scalar_one()]
    if not_empty:
        raise BackupError(f"Restore only goes into an empty database; this one has rows in {', '.join(not_empty[:5])}"
                          f"{' and more' if len(not_empty) > 5 else ''}. Nothing was restored.")


def _reset_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in _tables():
        for column in table.columns:
            # Serial and identity columns have a sequence; the others give NULL.
            if isinstance(column.type, Integer):
                sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}).scalar()
                if sequence:
                    conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'),
                                 {"s": sequence})


def restore(path: str | Path, progress: Progress | None = None) -> RestoreReport:
    """Restore an archive into this (empty, migrated) database and evidence storage; all or nothing."""
    archive = read_archive(path)
    manifest = archive.manifest
    tables = _tables()
    files = archive.files()
    store = storage()
    written: list[str] = []
    rows: dict[str, int] = {}
    db.session.remove()
    try:
        with db.engine.begin() as conn:
            check_target(conn, manifest)
            if progress:
                progress("start", sum(manifest["tables"][t.name]["rows"] for t in tables) + len(files))
            for table in tables:
                self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
                # Columns the update below would otherwise stamp anew (``onupdate``): set them back as they were.
                stamped = [c.name for c in table.columns if c.onupdate is not None and c.name not in self_refs]
                records = [{c.name: decode(c, record.get(c.name)) for c in table.columns} for record in archive.table_rows(table.name)]
                later = []
                for start in range(0, len(records), BATCH):
                    batch = records[start:start + BATCH]
                    if self_refs:
                        later.extend({**{f"v_{c}": r[c] for c in self_refs + stamped}, **{f"pk_{k.name}": r[k.name] for k in table.primary_key.columns}}
                                     for r in batch if any(r[c] is not None for c in self_refs))
                        batch = [{**r, **{c: None for c in self_refs}} for r in batch]
                    conn.execute(table.insert(), batch)
                    if progress:
                        progress("rows", len(batch))
                if later:
                    from sqlalchemy import bindparam

                    where = [k == bindparam(f"pk_{k.name}") for k in table.primary_key.columns]
                    conn.execute(table.update().where(*where).values({c: bindparam(f"v_{c}") for c in self_refs + stamped}), later)
                rows[table.name] = len(records)
            _reset_sequences(conn)
            for name, data in files.items():
                store.save(name, data)
                written.append(name)
                if progress:
                    progress("files", 1)
    except BaseException:
        for name in written:
            store.delete(name)
        raise
    return RestoreReport(rows=rows, files=len(files))
