"""The learning catalogue and training plans."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.services import frameworks, gaps, learning, requirements
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.learning import ResourceForm, PlanForm
from skills_app.words import plural

bp = Blueprint("learning", __name__, url_prefix="/learning")


def _skill_choices():
    return [(str(s.id), f"{s.framework.code} {s.framework.version} · {s.code} {s.name}") for s in requirements.skill_choices()]


def _catalogue_page(form):
    resources = learning.catalogue(current_user, skill_id=request.args.get("skill_id", type=int))
    return render_template("learning/catalogue.html", resources=resources, form=form, confirm=ConfirmForm(formdata=None),
                           can_manage=policy.can(current_user, "manage_learning"))


@bp.route("", methods=["GET", "POST"])
def catalogue():
    form = ResourceForm()
    form.skill.choices = _skill_choices()
    if request.method == "POST":
        policy.require(current_user, "manage_learning")
    return handle(form, lambda: learning.save_resource(
                      current_user, None, title=form.title.data, kind=form.kind.data, provider=form.provider.data, url=form.url.data,
                      duration_hours=float(form.duration_hours.data) if form.duration_hours.data is not None else None,
                      description=form.description.data, skill=frameworks.get_skill(current_user, int(form.skill.data)),
                      target_level=form.target_level.data),
                  page=lambda: _catalogue_page(form),
                  done=lambda resource: success(f"Added {resource.title} to the catalogue.", "learning.catalogue"))


@bp.post("/resources/<int:resource_id>/delete")
def delete_resource(resource_id: int):
    resource = learning.get_resource(current_user, resource_id)
    return handle(ConfirmForm(), lambda: learning.delete_resource(current_user, resource),
                  page=lambda: _catalogue_page(_resource_form()),
                  done=lambda _: success("Removed from the catalogue.", "learning.catalogue"))


def _resource_form() -> ResourceForm:
    form = ResourceForm(formdata=None)
    form.skill.choices = _skill_choices()
    return form


@bp.get("/plans")
def plans():
    policy.require(current_user, "manage_learning")
    return render_template("learning/plans.html", plans=learning.plans(current_user))


def _level_arg(value: str) -> str:
    """A level as a whole number ("3", also from "3.0"), "any" (everyone short of the level), or "none"."""
    if value == "any":
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "none"
    return str(int(number)) if number == int(number) else "none"


@bp.route("/plans/new", methods=["GET", "POST"])
def new_plan():
    """A training plan from a training-needs cohort. While few people need the skill
    (learning.LIST_MAX), each is listed and the cohort's are ticked; past that, the plan
    is for everyone at the step, everyone who needs the skill, or the people named."""
    policy.require(current_user, "manage_learning")
    skill = frameworks.get_skill(current_user, request.args.get("skill_id", type=int))
    from_level = _level_arg(request.args.get("from_level", "none"))
    to_level = request.args.get("to_level", type=int)
    filters = gaps.Filters.from_mapping(request.args)
    size = learning.cohort_size(current_user, skill, to_level=to_level, from_level=from_level, filters=filters)
    step = (f"{skill.code} to level {to_level}" if from_level == "any"
            else f"{skill.code} {'–' if from_level == 'none' else from_level}→{to_level}")
    form = PlanForm()
    if size.listed:
        del form.who, form.named
        cohort = learning.cohort(current_user, skill, to_level=to_level, from_level=from_level, filters=filters)
        resources = cohort.resources
        form.people.choices = [(str(p.id), f"{p.name} — {p.org_unit.path if p.org_unit else 'no unit'}") for p in cohort.people]
        if request.method == "GET":
            form.people.data = [str(i) for i in sorted(cohort.at_step)]

        def chosen():
            return [p for p in cohort.people if str(p.id) in (form.people.data or [])]
    else:
        del form.people
        form.error_fields = {"people": "who"}
        resources = learning.catalogue(current_user, skill_id=skill.id)
        form.who.choices = [("step", f"Everyone at this step, {step}: {plural(size.at_step, 'person')}"),
                            ("skill", f"Everyone who needs {skill.code}: {plural(size.needing, 'person')}"),
                            ("named", "Only the people I name below")]
        if request.method == "GET":
            form.who.data = "step"

        def chosen():
            return learning.chosen_people(current_user, skill, to_level=to_level, from_level=from_level,
                                          filters=gaps.Filters.from_mapping(request.args), who=form.who.data,
                                          named=form.named.data)
    form.resource.choices = [("", "— none yet —")] + [(str(r.id), f"{r.title} ({r.kind}, level {r.target_level})")
                                                      for r in resources]
    if request.method == "GET":
        form.name.data = f"{step}: {skill.name}"
        fitting = [r for r in resources if r.target_level == to_level]
        form.resource.data = str(fitting[0].id) if fitting else ""

    def create():
        people = chosen()
        return learning.create_plan(
            current_user, name=form.name.data, skill=skill, target_level=to_level,
            resource=next((r for r in resources if str(r.id) == form.resource.data), None),
            starts_on=form.starts_on.data, ends_on=form.ends_on.data, people=people), len(people)

    return handle(form, create,
                  page=lambda: render_template("learning/new_plan.html", form=form, skill=skill, to_level=to_level,
                                               step=step, cohort=size.at_step, size=size),
                  done=lambda made: success(f"Created the training plan {made[0].name} with {made[1]} participants; "
                                            "they have been told.", "learning.plan", plan_id=made[0].id))


def _plan_page(plan):
    return render_template("learning/plan.html", plan=plan, confirm=ConfirmForm(formdata=None),
                           can_manage=policy.can(current_user, "manage_learning"))


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    return _plan_page(learning.get_plan(current_user, plan_id))


@bp.get("/plans/<int:plan_id>/enrolments/<int:enrolment_id>/withdraw")
def confirm_withdraw(plan_id: int, enrolment_id: int):
    """Are you sure? A page of its own (it works without JavaScript) before someone is withdrawn."""
    plan = learning.get_plan(current_user, plan_id)
    enrolment = learning.get_enrolment(current_user, plan, enrolment_id)
    policy.require(current_user, "complete_training", enrolment)
    if enrolment.status == "withdrawn":
        flash(f"{enrolment.person.name} is already withdrawn from this plan.", "info")
        return redirect(url_for("learning.plan", plan_id=plan.id))
    return render_template("learning/withdraw.html", plan=plan, e=enrolment, confirm=ConfirmForm(formdata=None))


@bp.post("/plans/<int:plan_id>/enrolments/<int:enrolment_id>")
def set_enrolment(plan_id: int, enrolment_id: int):
    plan = learning.get_plan(current_user, plan_id)
    enrolment = learning.get_enrolment(current_user, plan, enrolment_id)
    status = request.form.get("status", "")
    return handle(ConfirmForm(), lambda: learning.set_enrolment(current_user, enrolment, status),
                  page=lambda: _plan_page(plan),
                  done=lambda _: success(f"{enrolment.person.name}: {status}."
                                         + (" They have been asked to reassess." if status == "completed" else ""),
                                         "learning.plan", plan_id=plan.id))
