"""The form that opens a campaign."""
from __future__ import annotations

from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from skills_app.services import campaigns as service
from skills_app.web.forms import Form


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
