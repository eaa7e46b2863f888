"""The requirements forms: job roles, services, their required skills, assignments."""
from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from skills_app.web.forms import CheckboxesField, Form


class NamedForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save")


class NewRoleForm(Form):
    name = StringField("New job role", id="new-role-name", validators=[DataRequired(message="A job role needs a name."), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class NewServiceForm(Form):
    name = StringField("New service", id="new-service-name", validators=[DataRequired(message="A service needs a name."), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class RoleRequirementForm(Form):
    skill = SelectField("Skill", choices=[], validate_choice=True)
    min_level = IntegerField("Minimum level", validators=[DataRequired(), NumberRange(min=0, max=99)])
    essential = SelectField("Essential or desirable", choices=[("1", "Essential"), ("0", "Desirable")])
    submit = SubmitField("Add or update requirement")


class ServiceRequirementForm(Form):
    skill = SelectField("Skill", choices=[], validate_choice=True)
    min_level = IntegerField("Minimum level", validators=[DataRequired(), NumberRange(min=0, max=99)])
    headcount = IntegerField("People needed at this level or above", default=1, validators=[DataRequired(), NumberRange(min=1, max=10000)])
    submit = SubmitField("Add or update requirement")


class AssignmentForm(Form):
    job_roles = CheckboxesField("Job roles", choices=[], validate_choice=True)
    services = CheckboxesField("Services", choices=[], validate_choice=True)
    submit = SubmitField("Save assignments")
