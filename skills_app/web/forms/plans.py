"""Development plans' forms: a goal, sending one back, dropping one."""
from __future__ import annotations

from wtforms import DateField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from skills_app.services.plans import MAX_NOTE
from skills_app.web.forms import CheckboxesField, Form


class GoalForm(Form):
    version = HiddenField()
    target_level = SelectField("Target level", choices=[], coerce=str)
    due_on = DateField("Reach it by", validators=[Optional()])
    resources = CheckboxesField("Learning you will use", choices=[], coerce=int, validate_choice=True)
    note = TextAreaField("Note for your line manager (optional)", validators=[Optional(), Length(max=MAX_NOTE)])
    submit = SubmitField("Propose this goal")


class SendBackForm(Form):
    version = HiddenField()
    comment = TextAreaField("What should change", validators=[Length(max=MAX_NOTE)])  # required: the service says so
    submit = SubmitField("Send the goal back")


class DropForm(Form):
    version = HiddenField()
    reason = TextAreaField("Reason (optional)", validators=[Optional(), Length(max=MAX_NOTE)])
    submit = SubmitField("Drop the goal")
