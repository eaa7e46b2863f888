"""Framework pages: the list, a framework, a skill."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from skills_app import policy
from skills_app.services import assessments
from skills_app.services import frameworks as service
from skills_app.web.forms import Form, handle, success

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.get("")
def index():
    items = service.list_all(current_user)
    return render_template("frameworks/index.html", frameworks=items, counts=service.skill_counts())


class SettingsForm(Form):
    evidence_required = BooleanField("Evidence required for every descriptor of the claimed level before submitting")
    validity_months = IntegerField("A validated level stays valid for (months)", validators=[InputRequired(), NumberRange(min=1, max=240)])
    submit = SubmitField("Save assessment settings")


class NewVersionForm(Form):
    error_fields = {"version": "new_version"}

    new_version = StringField("New version label", validators=[InputRequired(message="Give the new version a label."), Length(max=40)])


def framework_page(framework, *, settings=None, version_form=None):
    """A framework's page, with its forms as they were posted."""
    versions = [f for f in service.list_all(current_user) if f.code.upper() == framework.code.upper()]
    if settings is None and policy.can(current_user, "manage_frameworks"):
        settings = SettingsForm(formdata=None, obj=framework)
    return render_template("frameworks/show.html", framework=framework, versions=versions, settings=settings,
                           version_form=version_form or NewVersionForm(formdata=None))


@bp.get("/<code>")
def show(code: str):
    return framework_page(service.get(current_user, code, request.args.get("version") or None))


@bp.post("/<code>/settings")
def settings(code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    policy.require(current_user, "manage_frameworks")
    form = SettingsForm()
    return handle(form, lambda: assessments.update_framework_settings(current_user, framework, evidence_required=form.evidence_required.data,
                                                                      validity_months=form.validity_months.data),
                  page=lambda: framework_page(framework, settings=form),
                  done=lambda _: success(f"Assessment settings of {framework.label} saved.", "frameworks.show",
                                         code=framework.code, version=framework.version, _anchor="settings"))


@bp.get("/<code>/skills/<skill_code>")
def skill(code: str, skill_code: str):
    skill = service.skill(current_user, code, skill_code, request.args.get("version") or None)
    return render_template("frameworks/skill.html", framework=skill.framework, skill=skill)
