"""Framework pages: the list, a framework, a skill."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from skills_app import policy
from skills_app.errors import InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.services import assessments
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


class SettingsForm(FlaskForm):
    evidence_required = BooleanField("Evidence required for every descriptor of the claimed level before submitting")
    validity_months = IntegerField("A validated level stays valid for (months)", validators=[InputRequired(), NumberRange(min=1, max=240)])
    submit = SubmitField("Save assessment settings")


@bp.get("/<code>")
def show(code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    versions = [f for f in service.list_all(current_user) if f.code.upper() == framework.code.upper()]
    settings = SettingsForm(obj=framework) if policy.can(current_user, "manage_frameworks") else None
    return render_template("frameworks/show.html", framework=framework, versions=versions, settings=settings)


@bp.post("/<code>/settings")
def settings(code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    policy.require(current_user, "manage_frameworks")
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            assessments.update_framework_settings(current_user, framework, evidence_required=form.evidence_required.data,
                                                  validity_months=form.validity_months.data)
            db.session.commit()
            flash(f"Assessment settings of {framework.label} saved.", "success")
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("frameworks.show", code=framework.code, version=framework.version, _anchor="settings"))


@bp.get("/<code>/skills/<skill_code>")
def skill(code: str, skill_code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    skill = next((s for s in framework.skills if s.code.upper() == skill_code.upper()), None)
    if skill is None:
        raise NotFound(f"{framework.label} has no skill {skill_code}")
    return render_template("frameworks/skill.html", framework=framework, skill=skill)
