"""The administration forms: people, passwords, org units."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from skills_app.models import ROLES
from skills_app.models.people import ROLE_LABELS
from skills_app.services import accounts
from skills_app.web.forms import CheckboxesField, EmailAddress, Form


class PersonForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), EmailAddress(), Length(max=320)])
    employee_number = StringField("Employee number", validators=[Optional(), Length(max=64)])
    job_title = StringField("Job title", validators=[Optional(), Length(max=200)])
    org_unit = SelectField("Org unit", choices=[], validate_choice=True)
    manager = SelectField("Reports to (their line manager)", choices=[], validate_choice=True)
    roles = CheckboxesField("Application roles", choices=[(r, ROLE_LABELS[r]) for r in ROLES], validators=[DataRequired(message="Choose at least one role.")])
    submit = SubmitField("Save person")


class NewPersonForm(PersonForm):
    password = PasswordField("Initial password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024)])
    submit = SubmitField("Create person")


def _typed_manager(form_class):
    """``form_class`` for a large organisation (accounts.manager_picker): the line
    manager typed as an email address or employee number (``manager_ref``, read back
    by accounts.manager_by_reference) instead of a select of every active person;
    a refusal about ``manager`` is shown beside it."""
    typed = StringField("Reports to (their line manager)", validators=[Optional(), Length(max=320)])
    typed.creation_counter = form_class.manager.creation_counter  # in the select's place, in the error summary too
    return type(form_class.__name__.replace("Form", "TypedManagerForm"), (form_class,), {
        "manager": None,
        "manager_ref": typed,
        "error_fields": {**form_class.error_fields, "manager": "manager_ref"},
    })


PersonTypedManagerForm = _typed_manager(PersonForm)
NewPersonTypedManagerForm = _typed_manager(NewPersonForm)


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024)])
    submit = SubmitField("Reset password")


class OrgUnitForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    parent = SelectField("Part of", choices=[], validate_choice=True)
    submit = SubmitField("Save org unit")


class PeopleImportForm(Form):
    """A people CSV to check (what would change, nothing written), then to import."""

    file = FileField("People CSV file")
    token = HiddenField()
    check = SubmitField("Check the file")
    confirm = SubmitField("Import these people")
