"""Requirements: job roles (role profiles) and services, with required skill
levels; who holds and runs them; and the crosswalks between frameworks."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from skills_app import policy
from skills_app.errors import FORM_ERRORS, DomainError
from skills_app.extensions import db
from skills_app.models import Skill
from skills_app.services import accounts, crosswalks, requirements
from skills_app.web.forms import CheckboxesField, ConfirmForm

bp = Blueprint("requirements", __name__)


@bp.before_request
@login_required
def _signed_in():
    return None


class NamedForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save")


def _skill_choices():
    return [(str(s.id), f"{s.framework.code} {s.framework.version} · {s.code} {s.name} (levels {', '.join(map(str, s.defined_levels))})")
            for s in requirements.skill_choices()]


class RoleRequirementForm(FlaskForm):
    skill = SelectField("Skill", choices=[], validate_choice=True)
    min_level = IntegerField("Minimum level", validators=[DataRequired(), NumberRange(min=0, max=99)])
    essential = SelectField("Essential or desirable", choices=[("1", "Essential"), ("0", "Desirable")])
    submit = SubmitField("Add or update requirement")


class ServiceRequirementForm(FlaskForm):
    skill = SelectField("Skill", choices=[], validate_choice=True)
    min_level = IntegerField("Minimum level", validators=[DataRequired(), NumberRange(min=0, max=99)])
    headcount = IntegerField("People needed at this level or above", default=1, validators=[DataRequired(), NumberRange(min=1, max=10000)])
    submit = SubmitField("Add or update requirement")


class AssignmentForm(FlaskForm):
    job_roles = CheckboxesField("Job roles", choices=[], validate_choice=True)
    services = CheckboxesField("Services", choices=[], validate_choice=True)
    submit = SubmitField("Save assignments")


def _done(message: str, endpoint: str, **values):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _failed(exc: DomainError) -> None:
    db.session.rollback()
    flash(exc.message, "error")


@bp.get("/requirements")
def index():
    roles = requirements.job_roles(current_user)
    services = requirements.services(current_user)
    role_counts, service_counts = requirements.headcounts()
    return render_template("requirements/index.html", roles=roles, services=services, role_counts=role_counts,
                           service_counts=service_counts, new_form=NamedForm())


@bp.post("/requirements/roles")
def create_role():
    policy.require(current_user, "manage_requirements")
    form = NamedForm()
    if form.validate_on_submit():
        try:
            role = requirements.save_job_role(current_user, None, name=form.name.data, description=form.description.data)
            return _done(f"Added the job role {role.name}. Now add the skills it needs.", "requirements.role", role_id=role.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    else:
        flash("A job role needs a name.", "error")
    return redirect(url_for("requirements.index"))


@bp.post("/requirements/services")
def create_service():
    policy.require(current_user, "manage_requirements")
    form = NamedForm()
    if form.validate_on_submit():
        try:
            service = requirements.save_service(current_user, None, name=form.name.data, description=form.description.data)
            return _done(f"Added the service {service.name}. Now add the skills it needs.", "requirements.service", service_id=service.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    else:
        flash("A service needs a name.", "error")
    return redirect(url_for("requirements.index"))


@bp.route("/requirements/roles/<int:role_id>", methods=["GET", "POST"])
def role(role_id: int):
    role = requirements.get_job_role(current_user, role_id)
    details = NamedForm(obj=role if request.method == "GET" else None, prefix="details")
    add = RoleRequirementForm(prefix="req")
    add.skill.choices = _skill_choices()
    if request.method == "POST":
        policy.require(current_user, "manage_requirements")
        try:
            if details.submit.data and details.validate():
                requirements.save_job_role(current_user, role, name=details.name.data, description=details.description.data)
                return _done(f"Saved {role.name}.", "requirements.role", role_id=role.id)
            if add.submit.data and add.validate():
                skill = db.get_or_404(Skill, int(add.skill.data))
                requirements.set_role_requirement(current_user, role, skill, min_level=add.min_level.data, essential=add.essential.data == "1")
                return _done(f"{role.name} now needs {skill.code} at level {add.min_level.data}.", "requirements.role", role_id=role.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    return render_template("requirements/role.html", role=role, details=details, add=add, confirm=ConfirmForm()), (400 if details.errors or add.errors else 200)


@bp.post("/requirements/roles/<int:role_id>/requirements/<int:requirement_id>/delete")
def remove_role_requirement(role_id: int, requirement_id: int):
    role = requirements.get_job_role(current_user, role_id)
    if ConfirmForm().validate_on_submit():
        try:
            requirements.remove_role_requirement(current_user, role, requirement_id)
            return _done("Requirement removed.", "requirements.role", role_id=role.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    return redirect(url_for("requirements.role", role_id=role.id))


@bp.route("/requirements/services/<int:service_id>", methods=["GET", "POST"])
def service(service_id: int):
    service = requirements.get_service(current_user, service_id)
    details = NamedForm(obj=service if request.method == "GET" else None, prefix="details")
    add = ServiceRequirementForm(prefix="req")
    add.skill.choices = _skill_choices()
    if request.method == "POST":
        policy.require(current_user, "manage_requirements")
        try:
            if details.submit.data and details.validate():
                requirements.save_service(current_user, service, name=details.name.data, description=details.description.data)
                return _done(f"Saved {service.name}.", "requirements.service", service_id=service.id)
            if add.submit.data and add.validate():
                skill = db.get_or_404(Skill, int(add.skill.data))
                requirements.set_service_requirement(current_user, service, skill, min_level=add.min_level.data, headcount=add.headcount.data)
                return _done(f"{service.name} now needs {add.headcount.data} at {skill.code} {add.min_level.data}.", "requirements.service", service_id=service.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    return render_template("requirements/service.html", service=service, details=details, add=add, confirm=ConfirmForm()), (400 if details.errors or add.errors else 200)


@bp.post("/requirements/services/<int:service_id>/requirements/<int:requirement_id>/delete")
def remove_service_requirement(service_id: int, requirement_id: int):
    service = requirements.get_service(current_user, service_id)
    if ConfirmForm().validate_on_submit():
        try:
            requirements.remove_service_requirement(current_user, service, requirement_id)
            return _done("Requirement removed.", "requirements.service", service_id=service.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    return redirect(url_for("requirements.service", service_id=service.id))


@bp.route("/people/<int:person_id>/assignments", methods=["GET", "POST"])
def assignments(person_id: int):
    policy.require(current_user, "manage_requirements")
    person = accounts.get_person(current_user, person_id)
    roles, services = requirements.job_roles(current_user), requirements.services(current_user)
    form = AssignmentForm()
    form.job_roles.choices = [(str(r.id), r.name) for r in roles]
    form.services.choices = [(str(s.id), s.name) for s in services]
    if request.method == "GET":
        form.job_roles.data = [str(r.id) for r in person.job_roles]
        form.services.data = [str(s.id) for s in person.services]
    if form.validate_on_submit():
        try:
            requirements.assign(current_user, person,
                                job_roles=[r for r in roles if str(r.id) in (form.job_roles.data or [])],
                                services=[s for s in services if str(s.id) in (form.services.data or [])])
            return _done(f"Saved {person.name}'s job roles and services.", "people.show", person_id=person.id)
        except FORM_ERRORS as exc:
            _failed(exc)
    return render_template("requirements/assignments.html", person=person, form=form), (400 if form.errors else 200)


@bp.get("/crosswalks")
def crosswalk_list():
    return render_template("requirements/crosswalks.html", crosswalks=crosswalks.list_all(current_user))


@bp.get("/crosswalks/<int:crosswalk_id>/export")
def crosswalk_export(crosswalk_id: int):
    from flask import Response

    from skills_app.importers.native import dump_yaml

    crosswalk = crosswalks.get(current_user, crosswalk_id)
    name = f"crosswalk-{crosswalk.from_framework.code}-{crosswalk.to_framework.code}.yaml".lower()
    return Response(dump_yaml(crosswalks.export(crosswalk)), mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
