"""One action at a time on a row: a check-then-write (was this person reminded
already? is she invited already?) holds the row it is about before it checks,
so that two requests arriving together (a double click, a script posting in
parallel) run one after the other and the second sees what the first wrote,
instead of both passing the check (a second reminder) or both writing (a
duplicate key, a 500)."""
from __future__ import annotations

from sqlalchemy import update

from skills_app.extensions import db


def hold(row) -> None:
    """Hold ``row`` until the transaction ends: another transaction holding it waits
    until this one has committed or rolled back (PostgreSQL's row lock, SQLite's
    write lock). Its attributes are read again afterwards, as that transaction left them."""
    table = row.__table__
    db.session.execute(update(table).where(table.c.id == row.id).values(id=table.c.id),
                       execution_options={"synchronize_session": False})
    db.session.expire(row)
