"""The people pages' forms."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from skills_app.web.forms import Form


class EraseForm(Form):
    confirm = StringField("Type the person's email address to confirm", validators=[DataRequired(), Length(max=320)])
    submit = SubmitField("Erase this person")


class BulkAssignForm(Form):
    """The people list's bulk action: the ticked people (checkboxes in the
    table's rows, each labelled with the person's name) into, or out of, one
    job role or service."""

    people = SelectMultipleField("People", choices=[], validate_choice=False)
    target = SelectField("Job role or service", choices=[], validate_choice=False)
    back = HiddenField()
    assign = SubmitField("Assign the ticked people")
    remove = SubmitField("Remove the ticked people from it")
