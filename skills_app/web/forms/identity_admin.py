"""The sign-in and provisioning administration forms."""
from __future__ import annotations

from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from skills_app.web.forms import Form


class PasswordSignInForm(Form):
    password_sign_in = BooleanField("Offer the email and password form on the sign-in page")
    submit = SubmitField("Save sign-in settings")


class ScimTokenForm(Form):
    name = StringField("Token name (the provisioning client that will use it)", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Create SCIM token")
