"""The account pages' forms: API tokens, signing out everywhere."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange

from skills_app.services import tokens
from skills_app.web.forms import Form


class TokenForm(Form):
    name = StringField("Token name", validators=[DataRequired(), Length(max=tokens.MAX_NAME)])
    days = IntegerField("Expires after (days)", default=tokens.DEFAULT_DAYS,
                        validators=[NumberRange(1, tokens.MAX_DAYS, message=f"Enter a number of days from 1 to {tokens.MAX_DAYS}.")])
    submit = SubmitField("Create token")


class SignOutEverywhereForm(Form):
    revoke_tokens = BooleanField("Also revoke all my API tokens")
    submit = SubmitField("Sign out everywhere")
