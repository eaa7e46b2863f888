"""The form that opens a campaign."""
from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from skills_app.services import campaigns as service
from skills_app.services.campaigns import DEFAULT_DURATION_DAYS, MAX_NAME
from skills_app.web.forms import Form, typed_choice


class CampaignForm(Form):
    # Who is invited is told beside the first of its choices.
    error_fields = {"population": "org_unit"}

    name = StringField("Campaign name", validators=[Length(max=service.MAX_NAME)])  # required: the service says so, with the rest
    description = TextAreaField("What to tell those invited (optional)", validators=[Optional(), Length(max=5000)])
    skills = SelectMultipleField("Skills to assess", choices=[], coerce=int)  # at least one: the service says so
    org_unit = SelectField("Org unit (and the units below it)", choices=[], coerce=int)
    job_role = SelectField("Job role", choices=[], coerce=int)
    service = SelectField("Service", choices=[], coerce=int)
    opens_on = DateField("Opens on", validators=[DataRequired(message="Give the opening date.")])
    due_on = DateField("Due on", validators=[DataRequired(message="Give the due date.")])
    submit = SubmitField("Open the campaign")


class TemplateForm(Form):
    """A campaign template: skills, who is invited, and how many days it runs."""

    error_fields = {"population": "org_unit"}

    name = StringField("Template name", validators=[Length(max=MAX_NAME)])
    description = TextAreaField("What to tell those invited (optional)", validators=[Optional(), Length(max=5000)])
    skills = SelectMultipleField("Skills to assess", choices=[], coerce=int)
    org_unit = SelectField("Org unit (and the units below it)", choices=[], coerce=int)
    job_role = SelectField("Job role", choices=[], coerce=int)
    service = SelectField("Service", choices=[], coerce=int)
    duration_days = IntegerField("Runs for (days from the opening date to the due date)", default=DEFAULT_DURATION_DAYS,
                                 validators=[DataRequired(message="Give the number of days."),
                                             NumberRange(min=1, max=366, message="From 1 to 366 days.")])
    submit = SubmitField("Save the template")


# A large organisation's campaign and template forms (org.unit_picker): the org unit's path
# typed (``org_unit_path``, read back by org.unit_at_path) instead of a select of every unit.
CampaignTypedUnitForm = typed_choice(CampaignForm, "org_unit", "org_unit_path", also=("unit",), max_length=1000)
TemplateTypedUnitForm = typed_choice(TemplateForm, "org_unit", "org_unit_path", also=("unit",), max_length=1000)


class OpenFromTemplateForm(Form):
    name = StringField("Campaign name", validators=[Length(max=MAX_NAME)])
    opens_on = DateField("Opens on", validators=[DataRequired(message="Give the opening date.")])
    submit = SubmitField("Open the campaign")
