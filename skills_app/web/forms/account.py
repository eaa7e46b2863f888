"""The API tokens page's form."""
from __future__ import annotations

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from skills_app.services import tokens
from skills_app.web.forms import Form


class TokenForm(Form):
    name = StringField("Token name", validators=[DataRequired(), Length(max=tokens.MAX_NAME)])
    submit = SubmitField("Create token")
