"""The learning catalogue's and training plans' forms."""
from __future__ import annotations

from wtforms import DateField, DecimalField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from skills_app.models.learning import RESOURCE_KINDS
from skills_app.web.forms import CheckboxesField, Form


class ResourceForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    kind = SelectField("Kind", choices=[(k, k.capitalize()) for k in RESOURCE_KINDS])
    provider = StringField("Provider", validators=[Optional(), Length(max=200)])
    url = URLField("Link", validators=[Optional(), Length(max=2000)])
    duration_hours = DecimalField("Duration in hours", places=1, validators=[Optional(), NumberRange(min=0.1, max=9999)])
    skill = SelectField("Skill", choices=[], validate_choice=True)
    target_level = IntegerField("Leads to level", validators=[DataRequired(), NumberRange(min=0, max=99)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save resource")


class PlanForm(Form):
    name = StringField("Plan name", validators=[Length(max=300)])  # required: the service says so, with the rest
    resource = SelectField("Learning resource", choices=[], validate_choice=True)
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])
    # A small organisation's cohort: everyone who needs the skill, to tick.
    people = CheckboxesField("Participants", choices=[], validate_choice=True)
    # A large one's (learning.LIST_MAX): a set chosen as a whole, or people named.
    who = RadioField("Participants", choices=[], validate_choice=True)
    named = TextAreaField("People to enrol, when named: their email addresses or employee numbers, one a line",
                          validators=[Optional(), Length(max=50_000)])
    submit = SubmitField("Create training plan")
