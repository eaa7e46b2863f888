"""The requirements forms: job roles, services, their required skills, assignments."""
from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from skills_app.web.forms import CheckboxesField, Form


class NamedForm(Form):
    """A job role's or a service's name and description (a job role's also the level of
    responsibility it needs; the view removes that field for a service)."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    responsibility_level = StringField("Level of responsibility required (optional)", validators=[Optional(), Length(max=3)])
    submit = SubmitField("Save")


def _new_named_form(label: str, field_id: str, what: str) -> type[Form]:
    """The form that adds a job role (or a service) by name, on the requirements page."""

    class NewNamedForm(Form):
        name = StringField(label, id=field_id, validators=[DataRequired(message=f"A {what} needs a name."), Length(max=200)])
        description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])

    return NewNamedForm


NewRoleForm = _new_named_form("New job role", "new-role-name", "job role")
NewServiceForm = _new_named_form("New service", "new-service-name", "service")


class RequirementForm(Form):
    """A skill a job role or a service needs; the view removes the field the
    kind does not have (a job role's ``essential``, a service's ``headcount``)."""

    skill = SelectField("Skill", choices=[], validate_choice=True)
    min_level = IntegerField("Minimum level", validators=[DataRequired(), NumberRange(min=0, max=99)])
    essential = SelectField("Essential or desirable", choices=[("1", "Essential"), ("0", "Desirable")])
    headcount = IntegerField("People needed at this level or above", default=1, validators=[DataRequired(), NumberRange(min=1, max=10000)])
    submit = SubmitField("Add or update requirement")


class AssignmentForm(Form):
    job_roles = CheckboxesField("Job roles", choices=[], validate_choice=True)
    services = CheckboxesField("Services", choices=[], validate_choice=True)
    submit = SubmitField("Save assignments")
