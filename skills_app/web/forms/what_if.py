"""The what-if forms: who might leave (people, org units), and a name to keep it under."""
from __future__ import annotations

from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from skills_app.web.forms import Form


class ScenarioForm(Form):
    people = TextAreaField("People who might leave or move: email addresses or employee numbers, one a line",
                           validators=[Optional(), Length(max=40000)])
    units = SelectMultipleField("Org units to reorganise: everyone in them and in the units below", choices=[],
                                validate_choice=True)
    name = StringField("Name (to save it)", validators=[Optional(), Length(max=200)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=4000)])
    preview = SubmitField("See what would happen")
    save = SubmitField("Save the scenario")
