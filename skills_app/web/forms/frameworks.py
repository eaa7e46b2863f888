"""A framework page's forms: assessment settings, a new version; importing a framework file."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from skills_app.web.forms import Form


class SettingsForm(Form):
    evidence_required = BooleanField("Evidence required for every descriptor of the claimed level before submitting")
    validity_months = IntegerField("A validated level stays valid for (months)", validators=[InputRequired(), NumberRange(min=1, max=240)])
    recompute = BooleanField("Recompute the expiry of the levels already validated in this version (their decision date plus the new validity)")
    submit = SubmitField("Save assessment settings")


class NewVersionForm(Form):
    error_fields = {"version": "new_version"}

    new_version = StringField("New version label", validators=[InputRequired(message="Give the new version a label."), Length(max=40)])


def _format_choices() -> list[tuple[str, str]]:
    from skills_app.importers import FORMATS

    return [("", "Tell from the file")] + [(f.name, f"{f.name}: {f.help}") for f in FORMATS.values()]


class ImportForm(Form):
    """A framework file to check (a dry run with its report), then to import."""

    file = FileField("Framework file")
    format = SelectField("Format", choices=[], validate_choice=False)
    framework_code = StringField("Framework code (plain text, SFIA sheet, CASE, Moodle, table)", validators=[Optional(), Length(max=40)])
    version = StringField("Version (where the file does not say)", validators=[Optional(), Length(max=40)])
    framework_name = StringField("Framework name (plain text, SFIA sheet, Moodle, table)", validators=[Optional(), Length(max=200)])
    publisher = StringField("Publisher (optional)", validators=[Optional(), Length(max=200)])
    columns = TextAreaField("Table columns, one FIELD=HEADER a line (table only; others are guessed)",
                            validators=[Optional(), Length(max=2000)])
    scale = StringField("Levels from the framework (table only: its code)", validators=[Optional(), Length(max=40)])
    replace = BooleanField("Replace a version already loaded with different content")
    token = HiddenField()
    check = SubmitField("Check the file")
    recheck = SubmitField("Check again with these columns")
    confirm = SubmitField("Import the checked file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = _format_choices()

    def validate_file(self, field) -> None:
        """No file to check: told with the other fields' problems (the service checks it again)."""
        if self.check.data and not self.recheck.data and not self.token.data and not getattr(field.data, "filename", None):
            raise ValidationError("Choose the framework file to import.")

    def options(self) -> dict:
        return {"fmt": self.format.data or None, "replace": bool(self.replace.data),
                "framework_code": self.framework_code.data, "version": self.version.data,
                "framework_name": self.framework_name.data, "publisher": self.publisher.data,
                "columns": self._columns(), "scale": self.scale.data}

    def _columns(self) -> str | None:
        """The typed mapping, or the one chosen with a select per field on the report (``column_FIELD``)."""
        from flask import request

        from skills_app.importers.table import FIELDS

        chosen = [f"{field}={request.form[f'column_{field}']}" for field in FIELDS if request.form.get(f"column_{field}")]
        if any(f"column_{field}" in request.form for field in FIELDS):
            return "\n".join(chosen)
        return self.columns.data
