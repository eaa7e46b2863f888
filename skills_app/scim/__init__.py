"""SCIM 2.0 provisioning at /scim/v2 (RFC 7643/7644): identity providers and HR
systems push joiners, movers and leavers, and groups as job roles or org units.
Authenticated by SCIM tokens of its own (services/scim_tokens.py)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from skills_app.extensions import csrf
    from skills_app.scim import views

    csrf.exempt(views.bp)
    app.register_blueprint(views.bp)
