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


class AssessmentForm(Form):
    """The whole self-assessment page: the level, a rating per descriptor (inputs
    the template builds, ``rating-<descriptor id>``), a new piece of evidence,
    and a button per action; every button saves the page first."""

    error_fields = {"descriptor_ids": "descriptors", "claimed_level": "claimed_level", "item_ids": "library_items",
                    "attach_descriptor_ids": "attach_descriptors"}

    version = HiddenField()
    claimed_level = SelectField("Level you claim", choices=[], coerce=str)
    descriptors = CheckboxesField("Descriptors this evidence supports", choices=[], coerce=int, validate_choice=False)
    text = TextAreaField("Describe your evidence", validators=[Optional(), Length(max=service.MAX_TEXT)])
    url = URLField("Link (optional, http or https)", validators=[Optional(), Length(max=service.MAX_URL)])
    file = FileField("File (optional)")
    # Evidence of one's library (services/evidence_library.py), attached with what it supports here.
    library_items = CheckboxesField("Evidence from your library", choices=[], coerce=int, validate_choice=False)
    attach_descriptors = CheckboxesField("Descriptors it supports here", choices=[], coerce=int, validate_choice=False)
    save = SubmitField("Save draft")
    add = SubmitField("Add evidence")
    attach = SubmitField("Attach from my library")
    submit = SubmitField("Submit for review")

    def __init__(self, *args, descriptor_labels: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.descriptor_labels = descriptor_labels or {}
        self.rating_errors: dict[int, str] = {}

    def add_error(self, name, message):
        if name and name.startswith("ratings.") and name.removeprefix("ratings.").isdigit():
            self.rating_errors[int(name.removeprefix("ratings."))] = message
            return
        super().add_error(name, message)

    def problems(self):
        yield from super().problems()
        for descriptor_id, message in self.rating_errors.items():
            label = self.descriptor_labels.get(descriptor_id, "A descriptor")
            yield f"rating-{descriptor_id}-met", f"{label}: {message}"


class ResponsibilityForm(AssessmentForm):
    """The responsibility assessment page: a level per attribute (selects the template
    builds, ``claim-<attribute id>``) instead of the one claimed level and the ratings;
    evidence supports attributes."""

    claimed_level = None
    descriptors = CheckboxesField("Attributes this evidence supports", choices=[], coerce=int, validate_choice=False)
    attach_descriptors = CheckboxesField("Attributes it supports here", choices=[], coerce=int, validate_choice=False)

    def add_error(self, name, message):
        if name and name.startswith("claims.") and name.removeprefix("claims.").isdigit():
            self.rating_errors[int(name.removeprefix("claims."))] = message
            return
        super().add_error(name, message)

    def problems(self):
        yield from Form.problems(self)
        for attribute_id, message in self.rating_errors.items():
            label = self.descriptor_labels.get(attribute_id, "An attribute")
            yield f"claim-{attribute_id}", f"{label}: {message}"


class StartResponsibilityForm(Form):
    framework_id = SelectField("Framework", choices=[], coerce=str)
    level = SelectField("The level you think you work at", choices=[], coerce=str)
    submit = SubmitField("Start assessing my level of responsibility")
