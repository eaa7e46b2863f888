"""Web forms: the shared pieces here, each area's forms in ``forms/<area>.py``
beside its views (``web/<area>.py``), and the one way every form is handled.

A view builds its form, then hands it to :func:`handle` with the one service
call the form asks for, the page the form is on, and what to do when the call
succeeds::

    return handle(form, lambda: org.add_unit(current_user, form.name.data, parent=...),
                  page=lambda: render_template("admin/org_units.html", form=form, ...),
                  done=lambda unit: success(f"Added {unit.path}.", "admin.org_units"))

- a GET shows the page;
- a form that does not validate is shown again, status 400;
- a refusal of the domain (``errors.FORM_ERRORS``) is rolled back, and its
  ``details["fields"]`` are placed on the form's fields (a name the form does
  not have, and a refusal without fields, become form-level messages); the page
  is shown again with everything typed still there, status 400 (invalid) or
  409 (wrong state, conflict);
- success calls ``done(result)``: flash and redirect. The request commits once,
  after the view (skills_app/web/transaction.py).

The page shows every problem in one error summary at the top
(``templates/_forms.html`` ``error_summary``, from ``base.html``), each field
problem linking to its field, and each field's problem beside it, the field
marked ``aria-invalid`` and described by it (the ``field`` macro).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from flask import flash, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.validators import Length, Optional, ValidationError

from skills_app.errors import FORM_ERRORS, DomainError, sentence
from skills_app.services import org
from skills_app.web import transaction


class EmailAddress:
    """The same rule as the services and the people import (internal domains allowed)."""

    def __call__(self, form, field) -> None:
        from skills_app.services.accounts import is_email, normalise_email

        if field.data and not is_email(normalise_email(field.data)):
            raise ValidationError("Enter an email address such as name@example.org.")


class Form(FlaskForm):
    """The base of every web form: it takes a domain error's field messages."""

    # A domain error's field name -> the field of this form that shows it, where they differ.
    error_fields: dict[str, str] = {}

    def add_error(self, name: str | None, message: str) -> None:
        """``message`` beside the field ``name`` (by the service's name for it), else for the whole form."""
        field = self._fields.get(self.error_fields.get(name, name)) if name else None
        if field is None or isinstance(field, (HiddenField, SubmitField)):
            self.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]

    def problems(self) -> Iterator[tuple[str | None, str]]:
        """(the id of the field to go to, or None; the message), form-level messages first."""
        for message in self.form_errors:
            yield None, message
        for field in self:
            if isinstance(field, (HiddenField, SubmitField)) or field.name == "csrf_token":
                for message in field.errors:
                    yield None, message
                continue
            for message in field.errors:
                yield field_target(field), f"{field.label.text}: {message}"


def field_target(field) -> str:
    """The element a link to the field goes to: the field, or a group's first box."""
    if isinstance(field, SelectMultipleField) and isinstance(field.widget, widgets.ListWidget):
        return f"{field.id}-0"
    return field.id


class PostedForm:
    """A form whose inputs a template builds by hand (the framework and crosswalk
    editors, where one page holds a form per level, skill or mapping): the posted
    values as they came, and problems keyed by the id of the input they belong to."""

    def __init__(self) -> None:
        self.data = request.form
        self.errors: dict[str, str] = {}
        self.form_errors: list[str] = []

    def is_submitted(self) -> bool:
        return request.method == "POST"

    def validate(self) -> bool:
        return True

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def add_error(self, name: str | None, message: str) -> None:
        if name:
            self.errors[name] = message
        else:
            self.form_errors.append(message)

    def problems(self) -> Iterator[tuple[str | None, str]]:
        for message in self.form_errors:
            yield None, message
        for name, message in self.errors.items():
            yield name, message


class ManySelect(widgets.Select):
    """A select of many plain options (a list of (value, label) pairs), rendered as
    WTForms renders it (``<option selected value="…">label</option>``) by one f-string
    an option: WTForms makes a Choice of each option twice and builds its attributes
    through ``html_params`` and ``Markup.format``, and the what-if page's two selects of
    4,141 org units spent about 80 ms of its 108 there. Other choices (groups, a
    callable, an option's own attributes) are rendered by WTForms."""

    def __call__(self, field, **kwargs):
        choices = field.choices
        if not isinstance(choices, list) or not all(isinstance(c, tuple) and len(c) == 2 for c in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        data = (field.data or []) if self.multiple else [field.data]
        chosen = {str(field.coerce(v)) for v in data if v is not None}
        html = [f"<select {widgets.html_params(name=field.name, **kwargs)}>"]
        for value, label in choices:
            value = str(value)
            html.append(f'<option {"selected " if value in chosen else ""}value="{escape(value)}">{escape(label or value)}</option>')
        html.append("</select>")
        return Markup("".join(html))


def typed_choice(form_class, select: str, typed: str, *, also: tuple[str, ...] = (), max_length: int = 320):
    """``form_class`` for a large organisation: the select ``select`` (every person, every
    unit) replaced by a text field ``typed`` in its place, with the same label (in the error
    summary too); a refusal about ``select`` (or any name in ``also``, or any problem the
    form showed beside ``select``) is shown beside it."""
    field = StringField(getattr(form_class, select).args[0], validators=[Optional(), Length(max=max_length)])
    field.creation_counter = getattr(form_class, select).creation_counter
    moved = {name: typed if target == select else target for name, target in form_class.error_fields.items()}
    return type(f"{form_class.__name__[:-4]}Typed{select.title().replace('_', '')}Form", (form_class,), {
        select: None,
        typed: field,
        "error_fields": {**moved, **{name: typed for name in (select, *also)}},
    })


def chosen_unit(form, select: str, typed: str, permission: str):
    """The org unit a form chose, for an actor who may ``permission``: by id in its select
    ``select`` (a small organisation), else by the path typed in ``typed`` (``typed_choice``'s
    field, read back by org.unit_at_path); None when none is chosen."""
    field = getattr(form, select)
    if field is not None:
        return org.get_unit(current_user, int(field.data), permission) if field.data else None
    path = (getattr(form, typed).data or "").strip()
    return org.unit_at_path(current_user, path, permission) if path else None


class ConfirmForm(Form):
    """A form with nothing but its CSRF token and a button: for POST-only actions."""

    submit = SubmitField("Confirm")


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes, each with its own label.
    The template macro wraps it in a fieldset whose legend is the field's label."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# -- handling -------------------------------------------------------------------------

def refuse(form, exc: DomainError) -> int:
    """Put a domain error on ``form`` and say which status the page is shown with."""
    fields = exc.fields
    for name, message in fields.items():
        form.add_error(name, sentence(message))
    if not fields:
        form.add_error(None, sentence(exc.message))
    g.failed_form = form
    return 400 if exc.status == 422 else exc.status


def handle(form, call: Callable[[], Any], *, page: Callable[[], Any], done: Callable[[Any], Any]):
    """Show ``page``; on a submitted, valid form run ``call`` (one service call)
    and answer ``done(result)``; on a refusal show ``page`` again with the
    problems on the form. See the module's docstring."""
    if not form.is_submitted():
        return page()
    if not form.validate():
        g.failed_form = form
        return page(), 400
    try:
        result = call()
    except FORM_ERRORS as exc:
        return refused(form, exc, page)
    return done(result)


def refused(form, exc, page: Callable[[], Any]):
    """``page`` again, from the database as it was before the refused call, with
    the refusal's problems on ``form`` and its status."""
    transaction.abandon()
    status = refuse(form, exc)
    return page(), status


def success(message: str, endpoint: str, **values):
    """Tell the person it worked and send them on (post/redirect/get)."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def failed_form():
    """The form shown again with its problems in this request, if any (for the error summary)."""
    return g.get("failed_form")


def posted(name: str, default: Any = None) -> Any:
    """What was typed into a hand-built input of a form shown again, else ``default``
    (a form is only ever shown on a POST when it was refused)."""
    if request.method == "POST" and g.get("failed_form") is not None:
        return request.form.get(name, default)
    return default
