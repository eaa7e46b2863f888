"""What if these people left (services/what_if.py): try a scenario, keep it, compare."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.models import OrgUnit
from skills_app.services import org, what_if
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.what_if import ScenarioForm

bp = Blueprint("what_if", __name__, url_prefix="/what-if")


@bp.before_request
def _hr_only():
    policy.require(current_user, "run_what_if")


def _form(scenario=None) -> ScenarioForm:
    if request.method == "POST":
        form = ScenarioForm()
    elif scenario is not None:
        form = ScenarioForm(formdata=None, name=scenario.name, note=scenario.note,
                            people="\n".join(p.email for p in scenario.people), units=[str(u.id) for u in scenario.units])
    else:
        form = ScenarioForm(formdata=None)
    units = [(str(u.id), f"{'— ' * u.depth}{u.name}") for u in org.unit_options()]
    form.units.choices = units
    form.find_unit.choices = [("", "Any org unit"), *units]
    return form


def _run(form: ScenarioForm, scenario=None):
    """Search people: who was found; add a unit: the unit; preview: the outcome; save: the scenario kept."""
    if form.find_people.data:
        return what_if.find_people(current_user, text=form.find.data, unit_id=form.find_unit.data)
    if form.add_unit.data:
        return what_if.whole_unit(current_user, form.find_unit.data)
    who = what_if.resolve(current_user, people=form.people.data or "", person_ids=form.person_ids.data or [],
                          unit_ids=form.units.data or [])
    if form.save.data:
        return what_if.save(current_user, scenario, name=form.name.data, note=form.note.data, who=who)
    return what_if.evaluate(current_user, who)


def _label(person) -> str:
    return f"{person.name} — {person.email}" + (f", {person.org_unit.path}" if person.org_unit else "")


def _page(form, *, scenario=None, outcome=None, found=None, added=None):
    # The picker's boxes: those ticked (kept ticked), then those just found.
    ticked = what_if.picked(current_user, form.person_ids.data or []) if form.is_submitted() else []
    shown = {p.id for p in ticked}
    form.person_ids.data = [str(p.id) for p in ticked]
    form.person_ids.choices = [(str(p.id), _label(p)) for p in ticked] + [
        (str(p.id), _label(p)) for p in (found.people if found else []) if p.id not in shown]
    return render_template("what_if/index.html", form=form, scenario=scenario, outcome=outcome, found=found, added=added,
                           scenarios=what_if.scenarios(current_user), delete_form=ConfirmForm(formdata=None))


def _done(result, form, scenario=None):
    if isinstance(result, what_if.Outcome):
        return _page(form, scenario=scenario, outcome=result)
    if isinstance(result, what_if.Picked):
        return _page(form, scenario=scenario, found=result)
    if isinstance(result, OrgUnit):
        if str(result.id) not in (form.units.data or []):
            form.units.data = [*(form.units.data or []), str(result.id)]
        return _page(form, scenario=scenario, added=result)
    return success(f"Scenario {result.name} is saved. Nothing else has changed.", "what_if.show", scenario_id=result.id)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = _form()
    return handle(form, lambda: _run(form), page=lambda: _page(form), done=lambda result: _done(result, form))


@bp.route("/<int:scenario_id>", methods=["GET", "POST"])
def show(scenario_id: int):
    scenario = what_if.get(current_user, scenario_id)
    form = _form(scenario)
    if request.method == "GET":
        outcome = what_if.evaluate(current_user, what_if.Who(scenario.people, scenario.units))
        return _page(form, scenario=scenario, outcome=outcome)
    return handle(form, lambda: _run(form, scenario), page=lambda: _page(form, scenario=scenario),
                  done=lambda result: _done(result, form, scenario))


@bp.post("/<int:scenario_id>/delete")
def delete(scenario_id: int):
    form = ConfirmForm()
    return handle(form, lambda: what_if.delete(current_user, scenario_id), page=lambda: redirect(url_for("what_if.index")),
                  done=lambda name: success(f"Scenario {name} is deleted.", "what_if.index"))


@bp.get("/compare")
def compare():
    try:
        compared = what_if.compare(current_user, request.args.getlist("ids"))
    except InvalidInput as exc:
        g.compare_error = exc.fields.get("ids") or exc.message
        return _page(_form()), 400
    return render_template("what_if/compare.html", compared=compared)
