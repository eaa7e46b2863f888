"""The skills finder's forms: the search (a GET form, built by hand in its
template, see ``web/finder.py``) and HR's settings."""
from __future__ import annotations

from wtforms import SelectField, SubmitField

from skills_app import policy
from skills_app.models.people import ROLE_LABELS
from skills_app.services.finder import REACHES
from skills_app.web.forms import CheckboxesField, Form


class FinderSettingsForm(Form):
    reach_employee = SelectField(f"{ROLE_LABELS['employee']}s may search", choices=list(REACHES.items()))
    reach_manager = SelectField(f"{ROLE_LABELS['manager']}s may search", choices=list(REACHES.items()))
    reach_learning = SelectField(f"The {ROLE_LABELS['learning'].lower()} may search", choices=list(REACHES.items()))
    reach_hr = SelectField(f"{ROLE_LABELS['hr']} may search", choices=list(REACHES.items()))
    contact = CheckboxesField("Who sees the email address of the people found",
                              choices=[(r, ROLE_LABELS[r]) for r in policy.FINDER_ROLES])
    submit = SubmitField("Save the finder's settings")
