"""The people directory and a person's page."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.models import JobRole, Service
from skills_app.services import accounts, assessments, erasure, frameworks, org, plans, requirements
from skills_app.web.forms import handle, success
from skills_app.web.forms.confirm import Confirmation, carried, confirmed_handle
from skills_app.web.forms.people import BulkAssignForm, EraseForm
from skills_app.words import plural, verb

bp = Blueprint("people", __name__, url_prefix="/people")

# The directory's filters, as its address carries them (and the bulk action's "back").
FILTERS = ("q", "unit", "skill_id", "level", "job_role", "service", "assign", "inactive")


def _int(args, name: str) -> int | None:
    value = args.get(name, "")
    return int(value) if str(value).isascii() and str(value).isdigit() and len(str(value)) < 10 else None


def _directory_page(args, form: BulkAssignForm | None = None):
    """The people list, filtered by ``args``; with the bulk action for those who may assign people."""
    policy.require(current_user, "browse_people")
    unit_id = _int(args, "unit")
    unit = org.get_unit(current_user, unit_id, "browse_people") if unit_id else None
    # In a large organisation the unit is typed as a path (org.unit_picker), then carried by id.
    typed, unit_error = (args.get("unit_path") or "").strip(), None
    if unit is None and typed:
        try:
            unit = org.unit_at_path(current_user, typed, "browse_people")
        except InvalidInput as exc:
            unit_error = exc.fields.get("unit", exc.message)
    skill_id, level = _int(args, "skill_id"), _int(args, "level")
    skill = frameworks.get_skill(current_user, skill_id) if skill_id else None
    holds = (skill.id, level or min(skill.defined_levels or [1])) if skill else None
    page = org.directory(current_user, q=args.get("q"), unit=unit, holds=holds,
                         job_role_id=_int(args, "job_role"), service_id=_int(args, "service"),
                         include_inactive=bool(args.get("inactive")) and policy.can(current_user, "manage_accounts"),
                         cursor=args.get("cursor"))
    filters = {k: args.get(k) for k in FILTERS if args.get(k)}
    if unit is not None:
        filters["unit"] = str(unit.id)
    can_assign = policy.can(current_user, "manage_requirements")
    # Their ids and names only (requirements.picks): the requirements of each are not shown here.
    roles = requirements.picks(current_user, JobRole)
    services = requirements.picks(current_user, Service)
    if can_assign and form is None:
        form = BulkAssignForm(formdata=None)
        form.target.data = args.get("assign") or ""
        form.back.data = urlencode(filters)
    if form is not None:
        _target_choices(form, roles, services)
    target = next((label for value, label in form.target.choices if value and value == form.target.data), None) if form else None
    return render_template("people/directory.html", page=page, units=org.unit_picker(), unit=unit,
                           unit_typed=typed if unit_error else None, unit_error=unit_error, q=args.get("q", ""),
                           filters=filters, skill=skill, level=holds[1] if holds else None, skills=requirements.skill_options(),
                           job_roles=roles, services=services, by_skill=policy.can(current_user, "filter_people_by_skill"),
                           form=form if can_assign else None, target=target,
                           ticked=set(form.people.data or []) if form else set())


def _target_choices(form: BulkAssignForm, roles, services) -> None:
    form.target.choices = ([("", "— choose —")] + [(f"job_role:{r.id}", f"Job role: {r.name}") for r in roles]
                           + [(f"service:{s.id}", f"Service: {s.name}") for s in services])


@bp.get("")
def directory():
    return _directory_page(request.args)


def _back() -> dict:
    back = dict(parse_qsl(request.form.get("back", "")))
    return {k: v for k, v in back.items() if k in FILTERS}


def _assign_confirmation(form: BulkAssignForm) -> Confirmation:
    remove = bool(form.remove.data)
    plan = requirements.plan_assignment(current_user, form.people.data, form.target.data, remove=remove)
    owner, n = plan.owner, len(plan.change)
    names = ", ".join(p.name for p in plan.change[:12]) + (f" and {len(plan.change) - 12} more" if n > 12 else "")
    needs = ", ".join(f"{r.skill.code} {r.min_level}" for r in owner.requirements) or "no skills yet"
    if remove:
        lines = [f"{plural(n, 'person')} ({names}) {verb(n, 'leaves', 'leave')} the {owner.LABEL} {owner.name}.",
                 f"Its required skills ({needs}) no longer count in their gap reports."]
    else:
        lines = [f"{plural(n, 'person')} ({names}) {verb(n, 'joins', 'join')} the {owner.LABEL} {owner.name}.",
                 f"Their gap reports gain its required skills: {needs}."]
    if plan.unchanged:
        k = len(plan.unchanged)
        lines.append(f"{plural(k, 'person')} ticked {verb(k, 'is', 'are')} {'not in it' if remove else 'already in it'}, "
                     "and stay as they are.")
    what = "Remove" if remove else "Assign"
    return Confirmation(title=f"{what} {plural(n, 'person')} {'from' if remove else 'to'} the {owner.LABEL} {owner.name}?",
                        consequences=lines, irreversible=False,
                        button=f"{what} {plural(n, 'person')} {'from' if remove else 'to'} {owner.name}",
                        cancel=url_for("people.directory", **_back()),
                        carry=carried(["people", "target", "back", "assign" if not remove else "remove"]),
                        note="Each change is recorded in the audit trail, on the person.")


@bp.post("/assign")
def assign():
    """The people list's bulk action: the ticked people into (or out of) one job role or service, confirmed first."""
    policy.require(current_user, "browse_people")
    policy.require(current_user, "manage_requirements")
    form = BulkAssignForm()
    _target_choices(form, requirements.picks(current_user, JobRole), requirements.picks(current_user, Service))

    def done(plan):
        n = len(plan.change)
        moved = "Removed" if plan.remove else "Assigned"
        return success(f"{moved} {plural(n, 'person')} {'from' if plan.remove else 'to'} the {plan.owner.LABEL} "
                       f"{plan.owner.name}.", "people.directory", **_back())

    return confirmed_handle(form, lambda: requirements.assign_many(current_user, form.people.data, form.target.data,
                                                                   remove=bool(form.remove.data)),
                            confirm=lambda: _assign_confirmation(form),
                            page=lambda: _directory_page(_back(), form), done=done)


@bp.get("/<int:person_id>")
def show(person_id: int):
    person = accounts.get_person(current_user, person_id)
    rows = assessments.skill_rows(current_user, person) if policy.can(current_user, "view_person_skills", person) else None
    goals = plans.counts(current_user, person) if policy.can(current_user, "view_plan", person) else None
    return render_template("people/show.html", person=person, rows=rows, goals=goals)


def _erasable(person_id: int):
    # Someone the caller may not see is "not found"; someone they see but may not erase, "forbidden".
    person = accounts.get_person(current_user, person_id)
    policy.require(current_user, "erase_person", person)
    return person


@bp.route("/<int:person_id>/erase", methods=["GET", "POST"])
def erase(person_id: int):
    person = _erasable(person_id)
    form = EraseForm()
    return handle(form, lambda: erasure.erase(current_user, person, confirm=form.confirm.data),
                  page=lambda: render_template("people/erase.html", person=person, form=form),
                  done=lambda erased: success(erased.summary(), "people.directory"))
