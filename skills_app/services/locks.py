"""One action at a time on a row: a check-then-write (was this person reminded
already? is she invited already?) holds the row it is about before it checks,
so that two requests arriving together (a double click, a script posting in
parallel) run one after the other and the second sees what the first wrote,
instead of both passing the check (a second reminder) or both writing (a
duplicate key, a 500)."""
from __future__ import annotations

from sqlalchemy import func, select, update

from skills_app.extensions import db


def hold(row) -> None:
    """Hold ``row`` until the transaction ends: another transaction holding it waits
    until this one has committed or rolled back (PostgreSQL's row lock, SQLite's
    write lock). Its attributes are read again afterwards, as that transaction left them."""
    table = row.__table__
    db.session.execute(update(table).where(table.c.id == row.id).values(id=table.c.id),
                       execution_options={"synchronize_session": False})
    db.session.expire(row)


def one_at_a_time(name: str, row=None) -> None:
    """Hold the lock named ``name`` until the transaction ends: another transaction
    asking for it waits until this one has committed or rolled back (PostgreSQL's
    advisory lock; elsewhere ``row`` is held, which on SQLite takes its one write lock)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))
    elif row is not None and getattr(row, "__table__", None) is not None:
        hold(row)
