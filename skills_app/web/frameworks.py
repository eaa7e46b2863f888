"""Framework pages: the list, a framework, a skill."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.importers.table import FIELDS as TABLE_FIELDS
from skills_app.services import assessments, framework_import
from skills_app.services import frameworks as service
from skills_app.web.forms import handle, success
from skills_app.web.jobs import started
from skills_app.web.forms.frameworks import ImportForm, SettingsForm, NewVersionForm

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.get("")
def index():
    items = service.list_all(current_user)
    return render_template("frameworks/index.html", frameworks=items, counts=service.skill_counts())


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    """Upload a framework file, read its import report (a dry run), then import it."""
    policy.require(current_user, "manage_frameworks")
    form = ImportForm()

    def page(checked=None):
        return render_template("frameworks/import.html", form=form, checked=checked, fields=TABLE_FIELDS)

    if form.confirm.data:
        # A worker imports it when there is one (the job's page follows it); else it is imported here.
        return handle(form, lambda: framework_import.queue_run(current_user, form.token.data, **form.options(),
                                                               back=("Back to the framework import", url_for("frameworks.import_file")))
                      or framework_import.run(current_user, form.token.data, **form.options()),
                      page=page, done=lambda done: started(done) if isinstance(done, str) else _imported(done))
    upload = form.file.data
    token = form.token.data if form.recheck.data else None
    return handle(form, lambda: framework_import.check(current_user, upload.read() if upload else None,
                                                         upload.filename if upload else None, token=token, **form.options()),
                  page=page, done=lambda checked: _checked(form, checked, page))


def _checked(form, checked, page):
    form.token.data = checked.token
    if checked.report.columns:  # the table's mapping, as read: the selects on the report start from it
        form.columns.data = "\n".join(f"{k}={v}" for k, v in checked.report.columns["mapping"].items())
    return page(checked)


def _imported(outcome):
    result, report = outcome
    lost = len(report.lost)
    said = f" {lost} part{'s' if lost != 1 else ''} of the file not kept (listed in the report)." if lost else ""
    return success(f"{result.message[0].upper()}{result.message[1:]}.{said}", "frameworks.show",
                   code=result.framework.code, version=result.framework.version)


# A framework of more skills than this lists them, each opening on its own page: every
# descriptor of a generated framework's 150 skills made a page of 530 KB.
FULL_SKILLS = 30


def framework_page(framework, *, settings=None, version_form=None):
    """A framework's page, with its forms as they were posted."""
    versions = [f for f in service.list_all(current_user) if f.code.upper() == framework.code.upper()]
    if settings is None and policy.can(current_user, "manage_frameworks"):
        settings = SettingsForm(formdata=None, obj=framework)
    full = len(framework.skills) <= FULL_SKILLS
    if full:
        service.with_descriptors(framework.skills)
    return render_template("frameworks/show.html", framework=framework, versions=versions, settings=settings,
                           version_form=version_form or NewVersionForm(formdata=None), full_skills=full)


@bp.get("/<code>")
def show(code: str):
    return framework_page(service.get(current_user, code, request.args.get("version") or None, descriptors=False))


@bp.post("/<code>/settings")
def settings(code: str):
    framework = service.get(current_user, code, request.args.get("version") or None)
    policy.require(current_user, "manage_frameworks")
    form = SettingsForm()
    return handle(form, lambda: assessments.update_framework_settings(current_user, framework, evidence_required=form.evidence_required.data,
                                                                      validity_months=form.validity_months.data,
                                                                      recompute=form.recompute.data),
                  page=lambda: framework_page(framework, settings=form),
                  done=lambda change: success(f"Assessment settings of {framework.label} saved. {change.sentence()}".strip(),
                                              "frameworks.show", code=framework.code, version=framework.version,
                                              _anchor="settings"))


@bp.get("/<code>/skills/<skill_code>")
def skill(code: str, skill_code: str):
    skill = service.skill(current_user, code, skill_code, request.args.get("version") or None)
    return render_template("frameworks/skill.html", framework=skill.framework, skill=skill)
