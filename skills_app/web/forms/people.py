"""The people pages' forms."""
from __future__ import annotations

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from skills_app.web.forms import Form


class EraseForm(Form):
    confirm = StringField("Type the person's email address to confirm", validators=[DataRequired(), Length(max=320)])
    submit = SubmitField("Erase this person")
