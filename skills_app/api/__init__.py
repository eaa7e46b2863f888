"""The JSON API under /api/v1, over the same services and policy as the web pages.

Callers authenticate with ``Authorization: Bearer <token>`` only: a browser's
session cookie is never looked at here, so the API needs no CSRF protection.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import BaseConverter

from skills_app.models import MAX_ID


class IdConverter(BaseConverter):
    """A row id: digits only. One outside the database's integer range is
    answered 404 by the API (views._authenticate), never an overflow."""

    regex = r"\d+"

    def to_python(self, value: str) -> int:
        return int(value) if len(value) <= 12 else MAX_ID + 1

    def to_url(self, value) -> str:
        return str(int(value))


def register(app: Flask) -> None:
    from skills_app.api import views
    from skills_app.extensions import csrf

    app.url_map.converters["id"] = IdConverter

    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
