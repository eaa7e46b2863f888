"""Confirm what cannot be undone: a page, not a script, that states the
consequences in numbers before an irreversible or bulk action runs.

The action's button posts to the action's own address. Unless the post says
it comes from the confirmation page (``confirmed=yes``), nothing is done: the
confirmation page is shown instead, with the numbers the service counted
("freezes the results of 23 people") and a button that posts the same values
again, confirmed. It works without JavaScript; a post that skips the page (a
script, a double click on the first button) is refused by construction.

    return confirmed_handle(form, call, confirm=lambda: Confirmation(...), page=..., done=...)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask import render_template, request

from skills_app.errors import FORM_ERRORS
from skills_app.web import transaction
from skills_app.web.forms import handle, refuse

CONFIRMED = "confirmed"


@dataclass
class Confirmation:
    title: str                       # "Close the campaign Desk 2026?"
    consequences: list[str]          # one sentence each, with the numbers
    button: str                      # what the confirming button does, in full
    cancel: str                      # where "Cancel" goes
    action: str | None = None        # where the confirming post goes (this address when None)
    carry: dict[str, Any] = field(default_factory=dict)  # posted values to send again
    irreversible: bool = True
    note: str | None = None          # a sentence under the consequences (a cooldown, a dry run's limits)


def is_confirmed() -> bool:
    return request.form.get(CONFIRMED) == "yes"


def carried(names) -> dict[str, Any]:
    """The posted values to send again from the confirmation page (all values of each name)."""
    return {n: request.form.getlist(n) for n in names if n in request.form}


def confirmed_handle(form, call: Callable[[], Any], *, confirm: Callable[[], Confirmation], page: Callable[[], Any],
                     done: Callable[[Any], Any]):
    """:func:`handle`, except that the call runs only on a confirmed post; an
    unconfirmed one shows the confirmation page (status 200, nothing written)."""
    if form.is_submitted() and not is_confirmed():
        if not form.validate():
            return handle(form, call, page=page, done=done)
        try:
            confirmation = confirm()
        except FORM_ERRORS as exc:
            transaction.abandon()
            status = refuse(form, exc)
            return page(), status
        transaction.abandon()  # counting writes nothing; make sure of it
        return render_template("confirm.html", c=confirmation, action=confirmation.action or request.full_path.rstrip("?"))
    return handle(form, call, page=page, done=done)
