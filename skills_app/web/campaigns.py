"""Assessment campaigns: HR's pages, and each invited person's own part."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.models import JobRole, Service
from skills_app.models.campaigns import PROGRESS, PROGRESS_LABELS
from skills_app.services import campaigns as service, exports, frameworks, org, requirements
from skills_app.services import accounts as people_service
from skills_app.web.downloads import download
from skills_app.web.forms import ConfirmForm, chosen_unit, handle, success
from skills_app.web.forms.campaigns import (CampaignForm, CampaignTypedUnitForm, OpenFromTemplateForm, TemplateForm,
                                            TemplateTypedUnitForm)
from skills_app.web.forms.confirm import Confirmation, confirmed_handle
from skills_app.words import plural, verb

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _form(small, large, units: dict):
    """The campaign or template form: a select of every org unit in a small organisation;
    past org.CHOICE_LIMIT units (org.unit_picker) the unit's path typed."""
    return (small if units["all"] else large)()


def _unit(form):
    """The org unit chosen (by id, or by its typed path), or None for any."""
    return chosen_unit(form, "org_unit", "org_unit_path", "manage_campaigns")


def _set_unit(form, unit) -> None:
    if form.org_unit is not None:
        form.org_unit.data = unit.id if unit is not None else 0
    else:
        form.org_unit_path.data = unit.path if unit is not None else ""


def _choices(form: CampaignForm | TemplateForm, units: dict) -> None:
    form.skills.choices = service.skill_choices(current_user)
    if form.org_unit is not None:
        form.org_unit.choices = [(0, "Any org unit")] + [(u.id, f"{'— ' * u.depth}{u.path}") for u in units["units"]]
    # Ids and names only (requirements.picks): not every requirement of every job role and service.
    form.job_role.choices = [(0, "Any job role")] + [(r.id, r.name) for r in requirements.picks(current_user, JobRole)]
    form.service.choices = [(0, "Any service")] + [(s.id, s.name) for s in requirements.picks(current_user, Service)]


@bp.get("")
def index():
    items = service.list_all(current_user)
    totals = {c.id: service.total(current_user, c) for c in items if c.is_open}
    return render_template("campaigns/index.html", campaigns=items, totals=totals, labels=PROGRESS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
def new():
    policy.require(current_user, "manage_campaigns")
    units = org.unit_picker()
    form = _form(CampaignForm, CampaignTypedUnitForm, units)
    if request.method == "GET":
        form.opens_on.data = form.opens_on.data or date.today()
        form.due_on.data = form.due_on.data or date.today() + timedelta(days=28)
        # From a report's next step: the skill asked for, and the person's org unit.
        skill_id = request.args.get("skill_id", type=int)
        if skill_id:
            form.skills.data = [skill_id]
        service_id = request.args.get("service_id", type=int)
        if service_id:
            form.service.data = requirements.get_service(current_user, service_id).id
        person_id = request.args.get("person_id", type=int)
        if person_id:
            person = people_service.get_person(current_user, person_id)
            if person.org_unit_id:
                _set_unit(form, person.org_unit)
    _choices(form, units)
    return handle(form, lambda: service.open_campaign(
                      current_user, name=form.name.data, description=form.description.data,
                      skills=[frameworks.get_skill(current_user, i) for i in form.skills.data],
                      org_unit=_unit(form),
                      job_role=requirements.get_job_role(current_user, form.job_role.data) if form.job_role.data else None,
                      service=requirements.get_service(current_user, form.service.data) if form.service.data else None,
                      opens_on=form.opens_on.data, due_on=form.due_on.data),
                  page=lambda: render_template("campaigns/new.html", form=form, units=units),
                  done=_opened)


def _opened(campaign):
    for overlap in campaign.overlaps:
        flash(f"Warning: {overlap.sentence()}", "warning")
    return success(f"Opened the campaign {campaign.name!r}. Those invited see it on their dashboard.",
                   "campaigns.show", campaign_id=campaign.id)


def _campaign_page(campaign):
    if not policy.can(current_user, "manage_campaigns"):
        parts = service.my_part(current_user, campaign)
        return render_template("campaigns/mine.html", campaign=campaign, parts=parts,
                               progress=service.person_progress(campaign, parts), labels=PROGRESS_LABELS)
    progress = request.args.get("progress") or None
    done = service.completion(current_user, campaign)
    people = service.people(current_user, campaign, progress=progress)
    results = service.results(current_user, campaign) if not campaign.is_open else []
    met = sum(1 for r in results if r.gap_status == "met")
    required = sum(1 for r in results if r.required_level is not None)
    return render_template("campaigns/show.html", campaign=campaign, done=done, people=people, progress=progress,
                           overlaps=service.overlaps(current_user, campaign) if campaign.is_open else [],
                           labels=PROGRESS_LABELS, statuses=PROGRESS, confirm=ConfirmForm(formdata=None), results=results,
                           met=met, required=required, today=service.today())


@bp.get("/<int:campaign_id>")
def show(campaign_id: int):
    return _campaign_page(service.get(current_user, campaign_id))


def _reminded(sent) -> str:
    text = (f"Reminded {plural(sent.people, 'person')} behind and {plural(sent.managers, 'manager')} with self-assessments "
            "waiting for review (in the app, and by email).")
    if sent.skipped:
        text += (f" {plural(sent.skipped, 'person')} not reminded again: reminded for this campaign in the last "
                 f"{plural(sent.cooldown_days, 'day')}.")
    return text


def _remind_confirmation(campaign) -> Confirmation:
    plan = service.plan_reminders(current_user, campaign)
    lines = [f"Sends a reminder to {plural(len(plan.behind), 'person')} behind (not started, draft, partly submitted or overdue), "
             "in the app and by email.",
             f"Sends a reminder to {plural(len(plan.managers), 'manager')} with campaign self-assessments waiting for their review."]
    if plan.cooling:
        lines.append(f"Leaves {plural(len(plan.cooling), 'person')} alone: reminded for this campaign in the last "
                     f"{plural(plan.cooldown_days, 'day')}.")
    return Confirmation(title=f"Send reminders for {campaign.name}?", consequences=lines,
                        button=f"Send {plural(len(plan.behind) + len(plan.managers), 'reminder')} now",
                        cancel=url_for("campaigns.show", campaign_id=campaign.id),
                        note=f"Nobody is reminded twice for a campaign within {plural(plan.cooldown_days, 'day')}.")


def _confirmed(campaign_id: int, act, confirmation, said):
    """A campaign's action that asks first (remind, close): ``act(actor, campaign)``
    once confirmed on the page ``confirmation(campaign)`` gives, then ``said(campaign, result)``."""
    campaign = service.get(current_user, campaign_id)
    policy.require(current_user, "manage_campaigns")
    return confirmed_handle(ConfirmForm(), lambda: act(current_user, campaign),
                            confirm=lambda: confirmation(campaign), page=lambda: _campaign_page(campaign),
                            done=lambda result: success(said(campaign, result), "campaigns.show", campaign_id=campaign_id))


@bp.post("/<int:campaign_id>/remind")
def remind(campaign_id: int):
    return _confirmed(campaign_id, service.remind, _remind_confirmation, lambda _campaign, sent: _reminded(sent))


def _close_confirmation(campaign) -> Confirmation:
    total = service.total(current_user, campaign)
    behind = total["people"] - total["submitted"] - total["validated"]
    skills = len(campaign.skills)
    lines = [f"Freezes the results of {plural(total['people'], 'person')} in {plural(skills, 'skill')}: "
             "their levels, gaps and progress as they are now, for the coverage trend.",
             f"{plural(behind, 'person')} {verb(behind, 'has', 'have')} not submitted every skill; their progress is frozen "
             "as it is, and work after the closing does not count."]
    if total["people"]:
        lines.append(f"The campaign leaves the dashboards of {plural(total['people'], 'person')}, and no more reminders go out.")
    return Confirmation(title=f"Close the campaign {campaign.name}?", consequences=lines,
                        button=f"Close {campaign.name} and freeze the results of {plural(total['people'], 'person')}",
                        cancel=url_for("campaigns.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/close")
def close(campaign_id: int):
    return _confirmed(campaign_id, service.close, _close_confirmation,
                      lambda campaign, rows: f"Closed the campaign {campaign.name!r}; its snapshot holds "
                                             f"{plural(rows, 'row')} and now shows in the coverage trend.")


@bp.get("/<int:campaign_id>/export")
def export_results(campaign_id: int):
    campaign = service.get(current_user, campaign_id)
    policy.require(current_user, "manage_campaigns")
    return download(exports.campaign_results(current_user, campaign), request.args.get("format", "csv"))


# -- templates: a campaign to open again and again ------------------------------------

@bp.get("/templates")
def templates():
    return render_template("campaigns/templates.html", templates=service.templates(current_user))


def _template_call(form: TemplateForm, template):
    return lambda: service.save_template(
        current_user, template, name=form.name.data, description=form.description.data,
        skills=[frameworks.get_skill(current_user, i) for i in form.skills.data],
        org_unit=_unit(form),
        job_role=requirements.get_job_role(current_user, form.job_role.data) if form.job_role.data else None,
        service=requirements.get_service(current_user, form.service.data) if form.service.data else None,
        duration_days=form.duration_days.data)


def _fill_from(form: TemplateForm, source) -> None:
    """The form's fields from a template, or from a campaign (its skills, its rule, its length)."""
    form.name.data = source.name
    form.description.data = source.description
    form.skills.data = [s.id for s in source.skills]
    _set_unit(form, source.org_unit)
    form.job_role.data = source.job_role_id or 0
    form.service.data = source.service_id or 0
    form.duration_days.data = getattr(source, "duration_days", None) or max((source.due_on - source.opens_on).days, 1)


@bp.route("/templates/new", methods=["GET", "POST"])
def new_template():
    """A new template, blank or (``?from_campaign=ID``) from a campaign's skills, population and length."""
    policy.require(current_user, "manage_campaigns")
    units = org.unit_picker()
    form = _form(TemplateForm, TemplateTypedUnitForm, units)
    campaign_id = request.args.get("from_campaign", type=int)
    if request.method == "GET" and campaign_id:
        _fill_from(form, service.get(current_user, campaign_id))
    _choices(form, units)
    return handle(form, _template_call(form, None),
                  page=lambda: render_template("campaigns/template.html", form=form, template=None, units=units),
                  done=lambda t: success(f"Saved the template {t.name!r}. Open a campaign from it whenever it is due.",
                                         "campaigns.templates"))


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
def edit_template(template_id: int):
    template = service.get_template(current_user, template_id)
    units = org.unit_picker()
    form = _form(TemplateForm, TemplateTypedUnitForm, units)
    if request.method == "GET":
        _fill_from(form, template)
    _choices(form, units)
    return handle(form, _template_call(form, template),
                  page=lambda: render_template("campaigns/template.html", form=form, template=template, units=units),
                  done=lambda t: success(f"Saved the template {t.name!r}; campaigns opened from it before stay as they are.",
                                         "campaigns.templates"))


@bp.post("/templates/<int:template_id>/delete")
def delete_template(template_id: int):
    template = service.get_template(current_user, template_id)
    confirmation = lambda: Confirmation(  # noqa: E731
        title=f"Delete the template {template.name}?",
        consequences=[f"The template {template.name!r} ({plural(len(template.skills), 'skill')}, {template.population_label}, "
                      f"{plural(template.duration_days, 'day')}) is deleted.",
                      "Campaigns opened from it stay as they are."],
        button=f"Delete the template {template.name}", cancel=url_for("campaigns.templates"))
    return confirmed_handle(ConfirmForm(), lambda: service.delete_template(current_user, template), confirm=confirmation,
                            page=lambda: render_template("campaigns/templates.html", templates=service.templates(current_user)),
                            done=lambda _: success("Deleted the template.", "campaigns.templates"))


@bp.route("/templates/<int:template_id>/open", methods=["GET", "POST"])
def open_template(template_id: int):
    """Open a campaign from a template: its name and opening date; the rest is the template's."""
    template = service.get_template(current_user, template_id)
    form = OpenFromTemplateForm()
    if request.method == "GET":
        form.opens_on.data = service.today()
        form.name.data = f"{template.name} {service.today():%b %Y}"
    return handle(form, lambda: service.open_from_template(current_user, template, opens_on=form.opens_on.data,
                                                           name=form.name.data),
                  page=lambda: render_template("campaigns/open_template.html", form=form, template=template),
                  done=_opened)
