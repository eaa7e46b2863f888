"""The dashboard: each role greeted with what it came to do."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from skills_app.services import frameworks as framework_service

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def dashboard():
    frameworks = framework_service.list_all(current_user)
    return render_template("main/dashboard.html", frameworks=frameworks)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
