"""Shared form pieces."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField, widgets
from wtforms.validators import ValidationError


class EmailAddress:
    """The same rule as the services and the people import (internal domains allowed)."""

    def __call__(self, form, field) -> None:
        from skills_app.services.accounts import is_email, normalise_email

        if field.data and not is_email(normalise_email(field.data)):
            raise ValidationError("Enter an email address such as name@example.org.")


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token and a button: for POST-only actions."""

    submit = SubmitField("Confirm")


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes, each with its own label.
    The template macro wraps it in a fieldset whose legend is the field's label."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
