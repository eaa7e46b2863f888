"""The what-if forms: who might leave (people picked or typed, org units), and a name to keep it under."""
from __future__ import annotations

from wtforms import SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from skills_app.web.forms import CheckboxesField, Form, ManySelect


class ScenarioForm(Form):
    # The people picker: search by name or email within an org unit, tick whom to count in.
    find = StringField("Find people by name or email", validators=[Optional(), Length(max=200)])
    find_unit = SelectField("In the org unit (and the units below it)", choices=[], default="", validate_choice=True,
                            widget=ManySelect())
    find_people = SubmitField("Search people")
    add_unit = SubmitField("Add everyone in this unit")
    person_ids = CheckboxesField("People picked", choices=[], validate_choice=False)
    people = TextAreaField("People who might leave or move: email addresses or employee numbers, one a line",
                           validators=[Optional(), Length(max=40000)])
    units = SelectMultipleField("Org units to reorganise: everyone in them and in the units below", choices=[],
                                validate_choice=True, widget=ManySelect(multiple=True))
    name = StringField("Name (to save it)", validators=[Optional(), Length(max=200)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=4000)])
    preview = SubmitField("See what would happen")
    save = SubmitField("Save the scenario")

    @property
    def picking(self) -> bool:
        """Searching people or adding a unit: the form is shown again, nothing is worked out."""
        return bool(self.find_people.data or self.add_unit.data)
