"""Administration: accounts, roles, org units and the audit trail."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from skills_app import policy
from skills_app.errors import DomainError
from skills_app.extensions import db
from skills_app.models import ROLES, OrgUnit, Person
from skills_app.models.people import ROLE_LABELS
from skills_app.services import accounts, audit, org
from skills_app.web.forms import CheckboxesField, ConfirmForm, EmailAddress

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _signed_in():
    return None


def _unit_choices():
    return [("", "— none —")] + [(str(u.id), u.path) for u in org.all_units()]


def _manager_choices(exclude: Person | None = None):
    people = accounts.active_people()
    return [("", "— none —")] + [(str(p.id), f"{p.name} <{p.email}>") for p in people if exclude is None or p.id != exclude.id]


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=320)])
    employee_number = StringField("Employee number", validators=[Optional(), Length(max=64)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    org_unit = SelectField("Org unit", choices=[], validate_choice=True)
    manager = SelectField("Line manager", choices=[], validate_choice=True)
    roles = CheckboxesField("Application roles", choices=[(r, ROLE_LABELS[r]) for r in ROLES], validators=[DataRequired(message="Choose at least one role.")])
    submit = SubmitField("Save person")


class NewPersonForm(PersonForm):
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024)])
    submit = SubmitField("Create person")


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024)])
    submit = SubmitField("Reset password")


class OrgUnitForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    parent = SelectField("Part of", choices=[], validate_choice=True)
    submit = SubmitField("Save org unit")


def _get(model, value):
    return db.session.get(model, int(value)) if value else None


@bp.get("/people")
def people():
    policy.require(current_user, "manage_accounts")
    page = org.directory(current_user, q=request.args.get("q"), include_inactive=True, page=request.args.get("page", 1, type=int))
    return render_template("admin/people.html", page=page, q=request.args.get("q", ""))


@bp.route("/people/new", methods=["GET", "POST"])
def new_person():
    policy.require(current_user, "manage_accounts")
    form = NewPersonForm()
    form.org_unit.choices = _unit_choices()
    form.manager.choices = _manager_choices()
    if request.method == "GET":
        form.roles.data = ["employee"]
    if form.validate_on_submit():
        try:
            person = accounts.create_person(
                current_user, email=form.email.data, name=form.name.data, roles=form.roles.data,
                password=form.password.data, manager=_get(Person, form.manager.data), org_unit=_get(OrgUnit, form.org_unit.data),
                job_title=form.job_title.data or None, employee_number=form.employee_number.data or None)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(f"Created an account for {person.name}.", "success")
            return redirect(url_for("admin.edit_person", person_id=person.id))
    return render_template("admin/person_new.html", form=form), (400 if form.errors else 200)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
def edit_person(person_id: int):
    policy.require(current_user, "manage_accounts")
    person = accounts.get_person(current_user, person_id)
    form = PersonForm(obj=None if request.method == "POST" else person)
    form.org_unit.choices = _unit_choices()
    form.manager.choices = _manager_choices(exclude=person)
    if request.method == "GET":
        form.org_unit.data = str(person.org_unit_id or "")
        form.manager.data = str(person.manager_id or "")
        form.roles.data = sorted(person.roles)
    if form.validate_on_submit():
        try:
            accounts.update_details(
                current_user, person, name=form.name.data, email=form.email.data, job_title=form.job_title.data,
                employee_number=form.employee_number.data, manager=_get(Person, form.manager.data),
                org_unit=_get(OrgUnit, form.org_unit.data))
            accounts.set_roles(current_user, person, form.roles.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(f"Saved {person.name}.", "success")
            return redirect(url_for("admin.edit_person", person_id=person.id))
    return render_template("admin/person_edit.html", person=person, form=form, reset=ResetPasswordForm(),
                           confirm=ConfirmForm()), (400 if form.errors else 200)


@bp.post("/people/<int:person_id>/password")
def reset_password(person_id: int):
    policy.require(current_user, "manage_accounts")
    person = accounts.get_person(current_user, person_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(current_user, person, form.password.data)
            db.session.commit()
            flash(f"Password of {person.name} reset; their sessions have been signed out.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("admin.edit_person", person_id=person.id))


@bp.post("/people/<int:person_id>/active")
def set_active(person_id: int):
    policy.require(current_user, "manage_accounts")
    person = accounts.get_person(current_user, person_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            accounts.set_active(current_user, person, not person.active)
            db.session.commit()
            flash(f"{person.name} is now {'active' if person.active else 'deactivated'}.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("admin.edit_person", person_id=person.id))


@bp.route("/org-units", methods=["GET", "POST"])
def org_units():
    policy.require(current_user, "manage_org_units")
    form = OrgUnitForm()
    form.parent.choices = _unit_choices()
    if form.validate_on_submit():
        parent = _get(OrgUnit, form.parent.data)
        path = f"{parent.path}/{form.name.data.strip()}" if parent else form.name.data.strip()
        try:
            if "/" in form.name.data:
                raise DomainError("A unit's name cannot contain '/'.")
            if org.by_path(path):
                raise DomainError(f"There is already an org unit {path}.")
            org.ensure_path(current_user, path)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(f"Added {path}.", "success")
            return redirect(url_for("admin.org_units"))
    counts = org.member_counts()
    return render_template("admin/org_units.html", units=org.all_units(), form=form, counts=counts), (400 if form.errors else 200)


@bp.route("/org-units/<int:unit_id>", methods=["GET", "POST"])
def edit_org_unit(unit_id: int):
    unit = org.get_unit(current_user, unit_id)
    form = OrgUnitForm(obj=None if request.method == "POST" else unit)
    form.parent.choices = [c for c in _unit_choices() if c[0] != str(unit.id)]
    form.submit.label.text = "Save org unit"
    if request.method == "GET":
        form.parent.data = str(unit.parent_id or "")
    if form.validate_on_submit():
        try:
            org.rename_or_move(current_user, unit, name=form.name.data, parent=_get(OrgUnit, form.parent.data))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            flash(f"Saved {unit.path}.", "success")
            return redirect(url_for("admin.org_units"))
    return render_template("admin/org_unit_edit.html", unit=unit, form=form, confirm=ConfirmForm()), (400 if form.errors else 200)


@bp.post("/org-units/<int:unit_id>/delete")
def delete_org_unit(unit_id: int):
    unit = org.get_unit(current_user, unit_id)
    if ConfirmForm().validate_on_submit():
        path = unit.path
        try:
            org.delete_unit(current_user, unit)
            db.session.commit()
            flash(f"Deleted {path}.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("admin.edit_org_unit", unit_id=unit_id))
    return redirect(url_for("admin.org_units"))


@bp.get("/audit")
def audit_trail():
    action = request.args.get("action") or None
    page = audit.trail(current_user, action=action, page=request.args.get("page", 1, type=int))
    return render_template("admin/audit.html", page=page, action=action or "")
