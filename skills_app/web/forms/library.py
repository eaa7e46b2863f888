"""The evidence library's forms: a new item, a new title, deleting one."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from skills_app.services.evidence_library import MAX_TEXT, MAX_TITLE, MAX_URL
from skills_app.web.forms import Form


class ItemForm(Form):
    """A new piece of evidence for one's library: any of a note, a link and a file."""

    title = StringField("Title (optional)", validators=[Optional(), Length(max=MAX_TITLE)])
    text = TextAreaField("Describe your evidence", validators=[Optional(), Length(max=MAX_TEXT)])
    url = URLField("Link (optional, http or https)", validators=[Optional(), Length(max=MAX_URL)])
    file = FileField("File (optional)")
    submit = SubmitField("Add to my evidence")


class RenameForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the evidence a title."), Length(max=MAX_TITLE)])
    submit = SubmitField("Save the title")
