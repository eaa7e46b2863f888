"""The transaction boundary: one commit, or one rollback, per request or command.

Services flush and never commit. The faces end the unit of work here and
nowhere else: the web and the API after each request
(skills_app/web/transaction.py), each command of the command line when it has
done its work (skills_app/cli/). No face touches the session itself.
"""
from __future__ import annotations

from skills_app.extensions import db


def commit() -> None:
    """Keep everything this request or command has written."""
    db.session.commit()


def rollback() -> None:
    """Undo everything this request or command has written (a failure, or a dry run)."""
    db.session.rollback()


def release() -> None:
    """Let go of a session whose connection is gone (the database went away)."""
    db.session.remove()
