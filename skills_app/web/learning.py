"""The learning catalogue and training plans."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.services import frameworks, gaps, learning, requirements
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.learning import ResourceForm, PlanForm

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
    """A training plan from a training-needs cohort: the cohort's people are ticked."""
    policy.require(current_user, "manage_learning")
    skill = frameworks.get_skill(current_user, request.args.get("skill_id", type=int))
    from_level = _level_arg(request.args.get("from_level", "none"))
    cohort = learning.cohort(current_user, skill, to_level=request.args.get("to_level", type=int), from_level=from_level,
                             filters=gaps.Filters.from_mapping(request.args))
    step = (f"{skill.code} to level {cohort.to_level}" if from_level == "any"
            else f"{skill.code} {'–' if from_level == 'none' else from_level}→{cohort.to_level}")
    form = PlanForm()
    form.resource.choices = [("", "— none yet —")] + [(str(r.id), f"{r.title} ({r.kind}, level {r.target_level})")
                                                      for r in cohort.resources]
    form.people.choices = [(str(p.id), f"{p.name} — {p.org_unit.path if p.org_unit else 'no unit'}") for p in cohort.people]
    if request.method == "GET":
        form.name.data = f"{step}: {skill.name}"
        form.people.data = [str(i) for i in sorted(cohort.at_step)]
        fitting = [r for r in cohort.resources if r.target_level == cohort.to_level]
        form.resource.data = str(fitting[0].id) if fitting else ""
    chosen = [p for p in cohort.people if str(p.id) in (form.people.data or [])]
    return handle(form, lambda: learning.create_plan(
                      current_user, name=form.name.data, skill=skill, target_level=cohort.to_level,
                      resource=next((r for r in cohort.resources if str(r.id) == form.resource.data), None),
                      starts_on=form.starts_on.data, ends_on=form.ends_on.data, people=chosen),
                  page=lambda: render_template("learning/new_plan.html", form=form, skill=skill, to_level=cohort.to_level,
                                               step=step, cohort=len(cohort.at_step)),
                  done=lambda plan: success(f"Created the training plan {plan.name} with {len(chosen)} participants; "
                                            "they have been told.", "learning.plan", plan_id=plan.id))


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
