"""The self-assessment and review forms."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField, URLField
from wtforms.validators import Length, Optional

from skills_app.services import assessments as service
from skills_app.web.forms import CheckboxesField, Form


class StartForm(Form):
    claimed_level = SelectField("Level you claim", choices=[], coerce=str)
    submit = SubmitField("Start self-assessment")


class DraftForm(Form):
    version = HiddenField()
    claimed_level = SelectField("Level you claim", choices=[], coerce=str)
    submit = SubmitField("Save draft")


class EvidenceForm(Form):
    error_fields = {"descriptor_ids": "descriptors"}

    descriptors = CheckboxesField("Descriptors this evidence supports", choices=[], coerce=int)
    text = TextAreaField("Describe your evidence", validators=[Optional(), Length(max=service.MAX_TEXT)])
    url = URLField("Link (optional, http or https)", validators=[Optional(), Length(max=service.MAX_URL)])
    file = FileField("File (optional)")
    submit = SubmitField("Add evidence")


class SubmitForm(Form):
    version = HiddenField()
    submit = SubmitField("Submit for review")
