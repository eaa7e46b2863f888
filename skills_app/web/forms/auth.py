"""The sign-in and change-password forms."""
from __future__ import annotations

from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from skills_app.services import accounts
from skills_app.web.forms import Form


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in")


class PasswordForm(Form):
    error_fields = {"password": "new"}

    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024, message=f"Use at least {accounts.MIN_PASSWORD} characters.")])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")])
    submit = SubmitField("Change password")
