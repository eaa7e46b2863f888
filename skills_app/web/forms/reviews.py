"""The review page's form."""
from __future__ import annotations

from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from skills_app.services import assessments as service
from skills_app.web.forms import Form


class ReviewForm(Form):
    version = HiddenField()
    comment = TextAreaField("Reason or comment", validators=[Optional(), Length(max=service.MAX_TEXT)])
