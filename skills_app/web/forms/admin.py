"""The administration forms: people, passwords, org units."""
from __future__ import annotations

import functools

from flask_wtf.file import FileField
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from skills_app.models import ROLES
from skills_app.models.people import ROLE_LABELS
from skills_app.services import accounts
from skills_app.web.forms import CheckboxesField, EmailAddress, Form, typed_choice


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


@functools.cache
def person_form(new: bool, *, typed_manager: bool, typed_unit: bool) -> type[PersonForm]:
    """The account form: a select of every active person for the line manager while there
    are at most accounts.MANAGER_CHOICES, else their email address or employee number typed
    (``manager_ref``, read back by accounts.manager_by_reference); a select of every org unit
    while there are at most org.CHOICE_LIMIT, else the unit's path typed (``org_unit_path``,
    read back by org.unit_at_path, whose refusal is about ``unit``)."""
    form_class = NewPersonForm if new else PersonForm
    if typed_manager:
        form_class = typed_choice(form_class, "manager", "manager_ref")
    if typed_unit:
        form_class = typed_choice(form_class, "org_unit", "org_unit_path", also=("unit",), max_length=1000)
    return form_class


class ResetPasswordForm(Form):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024)])
    submit = SubmitField("Reset password")


class OrgUnitForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    parent = SelectField("Part of", choices=[], validate_choice=True)
    submit = SubmitField("Save org unit")


# A large organisation's org unit form (org.unit_picker): "Part of" typed as a path
# (``parent_path``, read back by org.unit_at_path), instead of a select of every unit.
OrgUnitTypedParentForm = typed_choice(OrgUnitForm, "parent", "parent_path", also=("unit",), max_length=1000)


class PeopleImportForm(Form):
    """A people CSV to check (what would change, nothing written), then to import."""

    file = FileField("People CSV file")
    token = HiddenField()
    check = SubmitField("Check the file")
    confirm = SubmitField("Import these people")
