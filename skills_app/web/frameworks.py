"""Framework pages: the list, a framework, a skill."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skills_app import policy
from skills_app.services import assessments
from skills_app.services import frameworks as service
from skills_app.web.forms import handle, success
from skills_app.web.forms.frameworks import SettingsForm, NewVersionForm

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.get("")
def index():
    items = service.list_all(current_user)
    return render_template("frameworks/index.html", frameworks=items, counts=service.skill_counts())


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
