"""The people directory and a person's page."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skills_app import policy
from skills_app.services import accounts, assessments, erasure, org
from skills_app.web.forms import handle, success
from skills_app.web.forms.people import EraseForm

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.get("")
def directory():
    policy.require(current_user, "browse_people")
    unit_id = request.args.get("unit", type=int)
    unit = org.get_unit(current_user, unit_id, "browse_people") if unit_id else None
    page = org.directory(current_user, q=request.args.get("q"), unit=unit,
                         include_inactive=bool(request.args.get("inactive")) and policy.can(current_user, "manage_accounts"),
                         cursor=request.args.get("cursor"))
    return render_template("people/directory.html", page=page, units=org.all_units(), unit=unit, q=request.args.get("q", ""))


@bp.get("/<int:person_id>")
def show(person_id: int):
    person = accounts.get_person(current_user, person_id)
    rows = assessments.skill_rows(current_user, person) if policy.can(current_user, "view_person_skills", person) else None
    return render_template("people/show.html", person=person, rows=rows)


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
