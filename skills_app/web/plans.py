"""Development plans: one's own goals (from My skills and Explore roles), a report's
plan for their line manager (from the person's page and the review queue), and the
goal's actions: propose, change, agree, send back, drop, record learning."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.services import accounts, assessments, frameworks, learning, plans
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.plans import DropForm, GoalForm, SendBackForm

bp = Blueprint("plans", __name__)


def _plan_page(person):
    plan = plans.plan_of(current_user, person)
    own = person.id == current_user.id
    return render_template("plans/plan.html", plan=plan, person=person, own=own, confirm=ConfirmForm(formdata=None),
                           skills=assessments.skill_choices(current_user) if own else [])


@bp.get("/my/plan")
def mine():
    return _plan_page(current_user)


@bp.get("/people/<int:person_id>/plan")
def person(person_id: int):
    subject = accounts.get_person(current_user, person_id, "view_plan")
    if subject.id == current_user.id:
        return redirect(url_for("plans.mine"))
    return _plan_page(subject)


def _level_choices(skill):
    names = {lv.number: lv.name for lv in skill.framework.levels}
    return [(str(sl.level), f"Level {sl.level}" + (f" · {names[sl.level]}" if names.get(sl.level) else ""))
            for sl in skill.levels if sl.defined]


def _resource_choices(skill):
    return [(r.id, f"{r.title} ({r.kind}{', ' + r.provider if r.provider else ''}; leads to level {r.target_level})")
            for r in learning.catalogue(current_user, skill_id=skill.id)]


def _chosen(skill, ids):
    wanted = set(ids or [])
    return [r for r in learning.catalogue(current_user, skill_id=skill.id) if r.id in wanted]


def _back() -> str | None:
    """Where the goal form was opened from (a role or service compared), to go back to; only this site's paths."""
    back = request.values.get("back") or ""
    return back if back.startswith("/") and not back.startswith("//") else None


@bp.route("/my/plan/goals/new", methods=["GET", "POST"])
def new_goal():
    """Propose a goal: a skill (from the address: a gap's skill, or the plan page's picker), a target level
    (a gap's required level prefilled), a date, and the learning for it (a gap's learning ticked)."""
    policy.require(current_user, "propose_goal", current_user)
    skill = frameworks.get_skill(current_user, request.args.get("skill_id", type=int))
    existing = plans.open_goal_for(current_user, skill)
    if request.method == "GET" and existing is not None:
        flash(f"You already have an open goal for {skill.code} (level {existing.target_level}, {existing.state}); here it is.", "info")
        return redirect(url_for("plans.mine", _anchor=f"goal-{existing.id}"))
    form = GoalForm()
    form.target_level.choices = _level_choices(skill)
    form.resources.choices = _resource_choices(skill)
    if request.method == "GET":
        level = request.args.get("level", type=int)
        defined = [int(v) for v, _ in form.target_level.choices]
        if level in defined:
            form.target_level.data = str(level)
        # The learning that leads towards the target (a gap's learning) is ticked.
        above = request.args.get("from", type=int) or 0
        form.resources.data = [r.id for r in learning.catalogue(current_user, skill_id=skill.id)
                               if level and above < r.target_level <= level]
    return handle(form, lambda: plans.propose(current_user, current_user, skill=skill, target_level=form.target_level.data,
                                              due_on=form.due_on.data, note=form.note.data,
                                              resources=_chosen(skill, form.resources.data)),
                  page=lambda: render_template("plans/goal_form.html", form=form, skill=skill, goal=None, back=_back()),
                  done=lambda goal: success(f"Proposed your goal {skill.code} level {goal.target_level}. "
                                            + (f"{current_user.manager.name} has been asked to agree it."
                                               if current_user.manager else "You have no line manager: ask HR to agree it."),
                                            "plans.mine", _anchor=f"goal-{goal.id}"))


@bp.route("/plan/goals/<int:goal_id>/edit", methods=["GET", "POST"])
def edit_goal(goal_id: int):
    goal = plans.get_goal(current_user, goal_id, "edit_goal")
    if request.method == "GET" and goal.state != "proposed":
        flash(f"This goal is {goal.state}: it can be changed only while it is proposed.", "info")
        return redirect(url_for("plans.mine", _anchor=f"goal-{goal.id}"))
    skill = goal.skill
    form = GoalForm() if request.method == "POST" else GoalForm(
        formdata=None, data={"version": goal.version, "target_level": str(goal.target_level), "due_on": goal.due_on,
                             "note": goal.note, "resources": [r.resource_id for r in goal.resources]})
    form.submit.label.text = "Save the goal"
    form.target_level.choices = _level_choices(skill)
    form.resources.choices = _resource_choices(skill)
    return handle(form, lambda: plans.edit(current_user, goal, target_level=form.target_level.data, due_on=form.due_on.data,
                                           note=form.note.data, resources=_chosen(skill, form.resources.data),
                                           version=form.version.data),
                  page=lambda: render_template("plans/goal_form.html", form=form, skill=skill, goal=goal, back=None),
                  done=lambda g: success(f"Saved your goal {skill.code} level {g.target_level}.", "plans.mine",
                                         _anchor=f"goal-{g.id}"))


def _after(goal) -> str:
    """The plan the goal is on, as the actor sees it."""
    if goal.person_id == current_user.id:
        return url_for("plans.mine", _anchor=f"goal-{goal.id}")
    return url_for("plans.person", person_id=goal.person_id, _anchor=f"goal-{goal.id}")


def _done(message: str, goal):
    flash(message, "success")
    return redirect(_after(goal))


@bp.post("/plan/goals/<int:goal_id>/agree")
def agree(goal_id: int):
    goal = plans.get_goal(current_user, goal_id, "agree_goal")
    form = ConfirmForm()
    return handle(form, lambda: plans.agree(current_user, goal, version=request.form.get("version")),
                  page=lambda: _plan_page(goal.person),
                  done=lambda g: _done(f"Agreed {g.person.name}'s goal {g.skill.code} level {g.target_level}."
                                       + (" They already hold the level: the goal is achieved." if g.state == "achieved" else ""), g))


@bp.route("/plan/goals/<int:goal_id>/send-back", methods=["GET", "POST"])
def send_back(goal_id: int):
    goal = plans.get_goal(current_user, goal_id, "agree_goal")
    if request.method == "GET" and goal.state != "proposed":
        flash(f"This goal is {goal.state}: only a proposed goal can be sent back.", "info")
        return redirect(_after(goal))
    form = SendBackForm(data={"version": goal.version})
    return handle(form, lambda: plans.send_back(current_user, goal, comment=form.comment.data, version=form.version.data),
                  page=lambda: render_template("plans/send_back.html", form=form, goal=goal),
                  done=lambda g: _done(f"Sent {g.person.name}'s goal {g.skill.code} level {g.target_level} back; they have been told why.", g))


@bp.route("/plan/goals/<int:goal_id>/drop", methods=["GET", "POST"])
def drop(goal_id: int):
    """Are you sure? A page of its own (it works without JavaScript), with an optional reason."""
    goal = plans.get_goal(current_user, goal_id, "drop_goal")
    if goal.plan is not None:
        return redirect(url_for("learning.confirm_withdraw", plan_id=goal.plan_id, enrolment_id=goal.id))
    if request.method == "GET" and not goal.is_open:
        flash(f"This goal is {goal.state} already.", "info")
        return redirect(_after(goal))
    form = DropForm(data={"version": goal.version})
    return handle(form, lambda: plans.drop(current_user, goal, reason=form.reason.data, version=form.version.data),
                  page=lambda: render_template("plans/drop.html", form=form, goal=goal),
                  done=lambda g: _done(f"Dropped the goal {g.skill.code} level {g.target_level}.", g))


@bp.post("/plan/goals/<int:goal_id>/learning/<int:item_id>")
def record_learning(goal_id: int, item_id: int):
    goal = plans.get_goal(current_user, goal_id, "edit_goal")
    done = request.form.get("done") == "1"
    return handle(ConfirmForm(), lambda: plans.record_learning(current_user, goal, item_id, done),
                  page=lambda: _plan_page(goal.person),
                  done=lambda row: _done(f"{row.resource.title}: {'completed' if done else 'not completed yet'}.", goal))
