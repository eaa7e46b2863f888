"""Framework pages: the list, a framework, a skill."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from skills_app.errors import NotFound
from skills_app.services import frameworks as service

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.get("")
def index():
    items = service.list_all(current_user)
    return render_template("frameworks/index.html", frameworks=items, counts=service.skill_counts())


@bp.get("/<code>")
def show(code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    versions = [f for f in service.list_all(current_user) if f.code.upper() == framework.code.upper()]
    return render_template("frameworks/show.html", framework=framework, versions=versions)


@bp.get("/<code>/skills/<skill_code>")
def skill(code: str, skill_code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    skill = next((s for s in framework.skills if s.code.upper() == skill_code.upper()), None)
    if skill is None:
        raise NotFound(f"{framework.label} has no skill {skill_code}")
    return render_template("frameworks/skill.html", framework=framework, skill=skill)
