"""Confirm what cannot be undone: a page, not a script, that states the
consequences in numbers before an irreversible or bulk action runs.

The action's button posts to the action's own address. Unless the post says
it comes from the confirmation page (``confirmed=yes``), nothing is done: the
confirmation page is shown instead, with the numbers the service counted
("freezes the results of 23 people") and a button that posts the same values
again, confirmed. It works without JavaScript; a first press on the action's
button (or two presses of it) only ever shows the page.

The values the page carries are signed with the app's secret key (itsdangerous),
together with the address they go to and who was shown them: a confirmed post
is done only when it sends back exactly what the page carried, nothing changed,
added or dropped. One without the signature, with a forged one, or with a value
altered is refused with a 400 page (:class:`AlteredConfirmation`), nothing done.
The signature proves what was shown, not that a person read it: a program that
signs in, fetches the page and posts it back confirms as a person would; the
CSRF token keeps other sites from doing so.

    return confirmed_handle(form, call, confirm=lambda: Confirmation(...), page=..., done=...)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from urllib.parse import unquote

from flask import current_app, render_template, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from skills_app.errors import FORM_ERRORS, DomainError
from skills_app.web import transaction
from skills_app.web.forms import handle, refused

CONFIRMED = "confirmed"
SIGNATURE = "confirmation"  # the hidden field that carries the signed values
_SALT = "skills_app.confirmation"
_NOT_CARRIED = {"csrf_token", CONFIRMED, SIGNATURE}


class AlteredConfirmation(DomainError, status=400, code="confirmation_altered"):
    """A confirmed post whose values are not those its confirmation page carried."""


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


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _who() -> str | None:
    return current_user.get_id() if current_user and current_user.is_authenticated else None


def _here() -> str:
    return unquote(request.full_path.rstrip("?"))


def sign(action: str, carry: dict[str, Any]) -> str:
    """The signature of what a confirmation page carries to ``action`` for the person it is shown to."""
    values = {name: [str(v) for v in vs] for name, vs in carry.items()}
    return _serializer().dumps({"action": unquote(action), "who": _who(), "carry": values})


def is_confirmed() -> bool:
    """Whether this post is the confirmation page's, sent back as it was shown.
    A post that says it is confirmed but does not carry the page's signature,
    or whose values differ from those signed, raises :class:`AlteredConfirmation`."""
    if request.form.get(CONFIRMED) != "yes":
        return False
    refused = AlteredConfirmation("This confirmation was changed after it was shown, or did not come from its page, "
                                  "so nothing was done. Go back, start the action again and confirm it on the page it shows.")
    try:
        signed = _serializer().loads(request.form.get(SIGNATURE) or "")
    except BadSignature:
        raise refused from None
    posted = {name: request.form.getlist(name) for name in request.form if name not in _NOT_CARRIED}
    if not isinstance(signed, dict) or signed.get("action") != _here() or signed.get("who") != _who() \
            or signed.get("carry") != posted:
        raise refused
    return True


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
            return refused(form, exc, page)
        transaction.abandon()  # counting writes nothing; make sure of it
        action = confirmation.action or request.full_path.rstrip("?")
        return render_template("confirm.html", c=confirmation, action=action, signature=sign(action, confirmation.carry))
    return handle(form, call, page=page, done=done)
