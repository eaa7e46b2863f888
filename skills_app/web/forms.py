"""Shared form pieces."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token and a button: for POST-only actions."""

    submit = SubmitField("Confirm")
