"""The service level forms: targets, the working calendar, holidays, breach causes, reassigning a review."""
from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from skills_app.models.service_levels import BREACH_CAUSES
from skills_app.services import service_levels as service
from skills_app.services.calendar import WEEKDAY_NAMES
from skills_app.web.forms import CheckboxesField, Form


class TargetForm(Form):
    org_unit = SelectField("Applies to", choices=[], coerce=str)
    decision_days = IntegerField("Time to decide (working days from submission)", validators=[InputRequired(), NumberRange(1, 120)])
    warning_days = IntegerField("Warning window (working days before due)", validators=[InputRequired(), NumberRange(0, 60)])
    reminder_days = IntegerField("Resubmission reminder (working days after a return)", validators=[InputRequired(), NumberRange(1, 120)])
    campaign_completion_pct = IntegerField("Campaign completion by the due date (%)", validators=[InputRequired(), NumberRange(1, 100)])
    submit = SubmitField("Save targets")


class CalendarForm(Form):
    weekdays = CheckboxesField("Working weekdays", choices=list(enumerate(WEEKDAY_NAMES)), coerce=int)
    timezone = SelectField("Organisation time zone", choices=[], validators=[InputRequired()])
    submit = SubmitField("Save working calendar")


class HolidayForm(Form):
    day = DateField("Date", validators=[InputRequired(message="Give the holiday's date.")])
    name = StringField("Name", validators=[InputRequired(message="Give the holiday a name."), Length(max=200)])
    submit = SubmitField("Add holiday")


class CauseForm(Form):
    cause = SelectField("Cause", choices=[("", "Choose a cause…"), *BREACH_CAUSES.items()])
    cause_note = TextAreaField("Details of the cause (required for 'Other')", validators=[Optional(), Length(max=service.MAX_TEXT)])
    action = TextAreaField("Action taken", validators=[Optional(), Length(max=service.MAX_TEXT)])
    submit = SubmitField("Record cause and action")


class ReassignForm(Form):
    reviewer = SelectField("New reviewer", choices=[], coerce=str)
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=service.MAX_TEXT)])
    submit = SubmitField("Reassign review")
