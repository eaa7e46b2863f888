"""A framework page's forms: assessment settings, a new version."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from skills_app.web.forms import Form


class SettingsForm(Form):
    evidence_required = BooleanField("Evidence required for every descriptor of the claimed level before submitting")
    validity_months = IntegerField("A validated level stays valid for (months)", validators=[InputRequired(), NumberRange(min=1, max=240)])
    submit = SubmitField("Save assessment settings")


class NewVersionForm(Form):
    error_fields = {"version": "new_version"}

    new_version = StringField("New version label", validators=[InputRequired(message="Give the new version a label."), Length(max=40)])
