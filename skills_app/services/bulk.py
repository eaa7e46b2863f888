"""Bulk writes for generated organisations (``skills-app demo generate`` and the
benchmarks): many rows at once with explicit ids, COPY on PostgreSQL and
executemany elsewhere, sequences moved past them afterwards.

No policy check and no audit event per row: the generator
(skills_app/devdata/synthetic.py) runs as the system and records one event for
the whole organisation.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Table, func, select, text

from skills_app.extensions import db
from skills_app.models import Framework, Skill
from skills_app.services import kept


def next_id(model) -> int:
    """The first id past every row of ``model``'s table."""
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def insert(table: Table, rows: list[dict]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    kept.note_table_rows(db.session(), table.name, rows)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
    else:
        connection.execute(table.insert(), rows)


def copy(table: Table, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``: PostgreSQL only.
    Foreign keys are checked once the COPY ends, so rows may point at rows later in it."""
    if kept.watches(table.name):
        rows = list(rows)
        kept.note_table_rows(db.session(), table.name, [dict(zip(columns, row)) for row in rows])
    connection = db.session.connection()
    raw = connection.connection.driver_connection
    written = 0
    with raw.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as out:
            for row in rows:
                out.write_row(row)
                written += 1
    return written


def reserve_ids(table: Table, count: int) -> list[int]:
    """``count`` new ids from ``table``'s sequence (PostgreSQL), in one statement."""
    if count <= 0:
        return []
    return list(db.session.scalars(text(
        f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)"), {"n": count}))


def reset_sequences(tables: Iterable[Table]) -> None:
    """Move PostgreSQL's id sequences past the ids written explicitly."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1))"))


def analyze() -> None:
    """Fresh statistics, so that the planner knows the tables' new sizes."""
    db.session.execute(text("ANALYZE"))


def framework_with_skills(at_least: int) -> Framework | None:
    """A loaded framework of ``at_least`` skills or more, if there is one."""
    counts = db.session.execute(select(Skill.framework_id, func.count()).group_by(Skill.framework_id)).all()
    big = [fid for fid, n in counts if n >= at_least]
    return db.session.get(Framework, big[0]) if big else None


def skills_of(framework: Framework) -> list[Skill]:
    """A framework's skills in their order."""
    return list(db.session.scalars(select(Skill).where(Skill.framework_id == framework.id).order_by(Skill.position)))
