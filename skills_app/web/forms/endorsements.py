"""The endorsement forms: asking a colleague, and the endorser's answer."""
from __future__ import annotations

from wtforms import EmailField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from skills_app.services import assessments
from skills_app.services import endorsements as service
from skills_app.web.forms import CheckboxesField, Form


class RequestForm(Form):
    error_fields = {"items": "items", "evidence": "evidence", "endorser": "endorser"}

    endorser = EmailField("Colleague's email address", validators=[Length(max=320)])
    items = CheckboxesField("Descriptors to share", choices=[], coerce=int, validate_choice=False)
    evidence = CheckboxesField("Evidence to share (optional)", choices=[], coerce=int, validate_choice=False)
    ask = SubmitField("Ask for an endorsement")


class AnswerForm(Form):
    """The endorser's answer: radios per shared descriptor (``answer-<id>``, built by the
    template) and a comment."""

    comment = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=service.MAX_COMMENT)])
    send = SubmitField("Send my endorsement")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answer_errors: dict[str, str] = {}

    def add_error(self, name, message):
        if name and name.startswith("answers."):
            self.answer_errors[name.removeprefix("answers.")] = message
            return
        super().add_error(name, message)

    def problems(self):
        yield from super().problems()
        for item_id, message in self.answer_errors.items():
            yield f"answer-{item_id}-seen", message


def request_form(assessment, **options) -> RequestForm:
    """The form that asks a colleague, with the assessment's descriptors (or attributes) and evidence to share."""
    form = RequestForm(**options)
    if assessment.is_responsibility:
        form.items.label.text = "Attributes to share"
        form.items.choices = [(a.id, a.name) for a in assessments.attributes_in_view(assessment)]
    else:
        form.items.choices = [(d.id, f"Level {d.skill_level.level} · {d.text}") for d in assessments.descriptors_in_view(assessment)]
    form.evidence.choices = [(e.id, e.label) for e in assessment.evidence]
    return form
