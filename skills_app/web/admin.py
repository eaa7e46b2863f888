"""Administration: accounts, roles, org units and the audit trail."""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.models import OrgUnit, Person
from skills_app.services import accounts, audit, org, people_import
from skills_app.web.forms import ConfirmForm, chosen_unit, handle, success
from skills_app.web.jobs import started
from skills_app.web.forms.admin import (PeopleImportForm, ResetPasswordForm, OrgUnitForm, OrgUnitTypedParentForm,
                                        person_form)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _unit_choices(units: dict, exclude: OrgUnit | None = None):
    """A small organisation's units (org.unit_picker) as a select's choices."""
    return [("", "— none —")] + [(str(u.id), u.path) for u in units["units"] if exclude is None or u.id != exclude.id]


def _manager_choices(picker: dict, exclude: Person | None = None):
    return [("", "— none —")] + [(str(p.id), f"{p.name} <{p.email}>") for p in picker["people"] if exclude is None or p.id != exclude.id]


def _person_form(new: bool, picker: dict, units: dict, **options):
    """The account form: selects of every active person (line manager) and every org unit in a
    small organisation; past accounts.MANAGER_CHOICES people the manager's email or employee
    number typed, past org.CHOICE_LIMIT units the unit's path typed."""
    return person_form(new, typed_manager=not picker["all"], typed_unit=not units["all"])(**options)


def _choices(form, managers: dict, units: dict, person: Person | None = None) -> None:
    if form.manager is not None:
        form.manager.choices = _manager_choices(managers, exclude=person)
    if form.org_unit is not None:
        form.org_unit.choices = _unit_choices(units)


def _manager(form) -> Person | None:
    if form.manager is None:
        return accounts.manager_by_reference(current_user, form.manager_ref.data)
    value = form.manager.data
    return accounts.get_person(current_user, int(value)) if value else None


def _person_unit(form) -> OrgUnit | None:
    return chosen_unit(form, "org_unit", "org_unit_path", "manage_accounts")


@bp.get("/people")
def people():
    policy.require(current_user, "manage_accounts")
    page = org.directory(current_user, q=request.args.get("q"), include_inactive=True, cursor=request.args.get("cursor"))
    return render_template("admin/people.html", page=page, q=request.args.get("q", ""))


@bp.route("/people/import", methods=["GET", "POST"])
def import_people():
    """Upload the HR system's people CSV, see what it would change (nothing written), then import it."""
    policy.require(current_user, "import_people")
    form = PeopleImportForm()

    def page(checked=None):
        return render_template("admin/people_import.html", form=form, checked=checked)

    if form.confirm.data:
        # A worker imports it when there is one (the job's page follows it); else it is imported here.
        return handle(form, lambda: people_import.queue_import(current_user, form.token.data,
                                                               back=("Back to the people import", url_for("admin.import_people")))
                      or people_import.import_checked(current_user, form.token.data), page=page,
                      done=lambda done: started(done) if isinstance(done, str) else success(done.summary() + ".", "admin.import_people"))
    upload = form.file.data
    return handle(form, lambda: people_import.check(current_user, upload.read() if upload else None,
                                                     upload.filename if upload else None),
                  page=page, done=lambda checked: _people_checked(form, checked, page))


def _people_checked(form, checked, page):
    form.token.data = checked.token
    return page(checked)


@bp.route("/people/new", methods=["GET", "POST"])
def new_person():
    policy.require(current_user, "manage_accounts")
    managers, units = accounts.manager_picker(), org.unit_picker()
    form = _person_form(True, managers, units)
    _choices(form, managers, units)
    if request.method == "GET":
        form.roles.data = ["employee"]
    return handle(form, lambda: accounts.create_person(
                      current_user, email=form.email.data, name=form.name.data, roles=form.roles.data,
                      password=form.password.data, manager=_manager(form), org_unit=_person_unit(form),
                      job_title=form.job_title.data or None, employee_number=form.employee_number.data or None),
                  page=lambda: render_template("admin/person_new.html", form=form, managers=managers, units=units),
                  done=lambda person: success(f"Created an account for {person.name}.", "admin.edit_person", person_id=person.id))


def _person_page(person, form=None, reset=None, managers=None, units=None):
    managers = managers or accounts.manager_picker()
    units = units or org.unit_picker()
    if form is None:
        form = _person_form(False, managers, units, formdata=None, obj=person)
        if form.org_unit is None:
            form.org_unit_path.data = person.org_unit.path if person.org_unit_id else ""
        else:
            form.org_unit.data = str(person.org_unit_id or "")
        if form.manager is None:
            form.manager_ref.data = person.manager.email if person.manager_id else ""
        else:
            form.manager.data = str(person.manager_id or "")
        form.roles.data = sorted(person.roles)
    _choices(form, managers, units, person)
    return render_template("admin/person_edit.html", person=person, form=form, managers=managers, units=units,
                           reset=reset or ResetPasswordForm(formdata=None),
                           confirm=ConfirmForm(formdata=None))


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
def edit_person(person_id: int):
    policy.require(current_user, "manage_accounts")
    person = accounts.get_person(current_user, person_id)
    if request.method == "GET":
        return _person_page(person)
    managers, units = accounts.manager_picker(), org.unit_picker()
    form = _person_form(False, managers, units)
    _choices(form, managers, units, person)
    return handle(form, lambda: accounts.update_person(
                      current_user, person, name=form.name.data, email=form.email.data, job_title=form.job_title.data,
                      employee_number=form.employee_number.data, manager=_manager(form),
                      org_unit=_person_unit(form), roles=form.roles.data),
                  page=lambda: _person_page(person, form, managers=managers, units=units),
                  done=lambda _: success(f"Saved {person.name}.", "admin.edit_person", person_id=person.id))


@bp.post("/people/<int:person_id>/password")
def reset_password(person_id: int):
    policy.require(current_user, "manage_accounts")
    person = accounts.get_person(current_user, person_id)
    form = ResetPasswordForm()
    return handle(form, lambda: accounts.reset_password(current_user, person, form.password.data),
                  page=lambda: _person_page(person, reset=form),
                  done=lambda _: success(f"Password of {person.name} reset; their sessions have been signed out.",
                                         "admin.edit_person", person_id=person.id))


@bp.post("/people/<int:person_id>/active")
def set_active(person_id: int):
    policy.require(current_user, "manage_accounts")
    person = accounts.get_person(current_user, person_id)
    return handle(ConfirmForm(), lambda: accounts.set_active(current_user, person, not person.active),
                  page=lambda: _person_page(person),
                  done=lambda _: success(f"{person.name} is now {'active' if person.active else 'deactivated'}.",
                                         "admin.edit_person", person_id=person.id))


def _unit_form(units: dict, **options):
    """The org unit form: "Part of" a select of every unit in a small organisation, its path
    typed past org.CHOICE_LIMIT units."""
    return (OrgUnitForm if units["all"] else OrgUnitTypedParentForm)(**options)


def _parent(form) -> OrgUnit | None:
    return chosen_unit(form, "parent", "parent_path", "manage_org_units")


def _org_units_page(form, units: dict):
    if units["all"]:
        return render_template("admin/org_units.html", units=units["units"], form=form, counts=org.member_counts(),
                               picker=units)
    # A large organisation: one level of the tree at a time (or the units whose name has the words
    # searched for, at any depth below), a page at a time, with the unit typed as a path to go to.
    args = request.args
    at, typed, unit_error = None, (args.get("unit_path") or "").strip(), None
    if re.fullmatch(r"[0-9]{1,9}", args.get("unit", "")):  # str.isdigit() is true of '²', which int() refuses
        at = org.get_unit(current_user, int(args["unit"]))
    elif typed:
        try:
            at = org.unit_at_path(current_user, typed)
        except InvalidInput as exc:
            unit_error = exc.fields.get("unit", exc.message)
    q = (args.get("q") or "").strip()
    level = org.unit_level(current_user, at, q=q or None, cursor=args.get("cursor"))
    if request.method == "GET" and at is not None and not form.parent_path.data:
        form.parent_path.data = at.path  # a unit added from here goes under the unit shown
    return render_template("admin/org_units_level.html", level=level, at=at, q=q, form=form, picker=units,
                           unit_typed=typed if unit_error else None, unit_error=unit_error,
                           filters={k: v for k, v in (("unit", str(at.id) if at else None), ("q", q)) if v})


@bp.route("/org-units", methods=["GET", "POST"])
def org_units():
    policy.require(current_user, "manage_org_units")
    units = org.unit_picker()
    form = _unit_form(units)
    if form.parent is not None:
        form.parent.choices = _unit_choices(units)
    return handle(form, lambda: org.add_unit(current_user, form.name.data, parent=_parent(form)),
                  page=lambda: _org_units_page(form, units),
                  done=lambda unit: success(f"Added {unit.path}.", "admin.org_units"))


def _org_unit_page(unit, form=None, units=None):
    units = units or org.unit_picker()
    if form is None:
        form = _unit_form(units, formdata=None, obj=unit)
        if form.parent is None:
            form.parent_path.data = unit.parent.path if unit.parent_id else ""
        else:
            form.parent.data = str(unit.parent_id or "")
    if form.parent is not None:
        form.parent.choices = _unit_choices(units, exclude=unit)
    return render_template("admin/org_unit_edit.html", unit=unit, form=form, picker=units, confirm=ConfirmForm(formdata=None))


@bp.route("/org-units/<int:unit_id>", methods=["GET", "POST"])
def edit_org_unit(unit_id: int):
    unit = org.get_unit(current_user, unit_id)
    if request.method != "POST":
        return _org_unit_page(unit)
    units = org.unit_picker()
    form = _unit_form(units)
    if form.parent is not None:
        form.parent.choices = _unit_choices(units, exclude=unit)
    return handle(form, lambda: org.rename_or_move(current_user, unit, name=form.name.data, parent=_parent(form)),
                  page=lambda: _org_unit_page(unit, form, units),
                  done=lambda _: success(f"Saved {unit.path}.", "admin.org_units"))


@bp.post("/org-units/<int:unit_id>/delete")
def delete_org_unit(unit_id: int):
    unit = org.get_unit(current_user, unit_id)
    path = unit.path
    return handle(ConfirmForm(), lambda: org.delete_unit(current_user, unit),
                  page=lambda: _org_unit_page(unit),
                  done=lambda _: success(f"Deleted {path}.", "admin.org_units"))


@bp.get("/audit")
def audit_trail():
    action = request.args.get("action") or None
    page = audit.trail(current_user, action=action, cursor=request.args.get("cursor"))
    return render_template("admin/audit.html", page=page, action=action or "")
