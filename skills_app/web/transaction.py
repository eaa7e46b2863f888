"""One transaction per request, for the web pages and the API alike.

Views and API handlers never commit or roll back: services flush, and here,
after the view, an answer with a status below 400 is committed, once (a page
that only reads has nothing to commit but, for the API, when its token was
last used). Every other answer is rolled back: an error page, a form shown
again with its problems, an exception.

Two places undo the request's writes before they render, so that the page
shows the database as it was (and PostgreSQL answers again after a failed
statement): the error handler (skills_app/web/errors.py) and the form helper
(skills_app/web/forms), both through :func:`abandon`.
"""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from skills_app import transaction


def abandon() -> None:
    """Undo everything this request has written (its answer will be an error)."""
    transaction.rollback()


def drop_connection() -> None:
    """Let go of a session whose connection is gone (the database went away)."""
    transaction.release()


def register(app: Flask) -> None:
    @app.after_request
    def end_transaction(response):
        if getattr(response, "ends_transaction", False):
            return response  # a streamed download commits after its last chunk (web/downloads.py)
        if response.status_code < 400:
            try:
                transaction.commit()
            except DBAPIError as exc:
                if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
                    raise
                # The database went away at the commit (connections terminated, a restart): answered
                # as anywhere else in the request, a 503 that says so (web/errors.py), not Flask's bare
                # 500 for an error after the view; nothing of the request is kept.
                return current_app.make_response(current_app.handle_user_exception(exc))
        else:
            abandon()
        return response

    @app.teardown_request
    def rollback_on_exception(exc):
        if exc is not None:
            abandon()
