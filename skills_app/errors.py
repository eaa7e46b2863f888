"""Domain errors. Services raise them; the web and API layers map them to
status codes and pages (see skills_app/web/errors.py).

``details`` has one shape: ``{"fields": {field name: message}}`` for what is
wrong with which input (a form shows each message beside its field; the API
answers it in ``error.details``), plus, where a caller needs it, other keys
(``assessment_id``: the open assessment that is in the way)."""
from __future__ import annotations


class DomainError(Exception):
    """A refusal of the domain: its HTTP ``status`` and machine-readable ``code``,
    which each kind names in its class line (``class NotFound(DomainError, status=404, code="not_found")``)."""

    status = 400
    code = "bad_request"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}

    @classmethod
    def on(cls, field: str, message: str, summary: str | None = None, **extra):
        """An error about one input: ``message`` beside it, ``summary`` (else ``message``) for the whole."""
        return cls(summary or message, details={"fields": {field: message}, **extra})

    @classmethod
    def on_fields(cls, problems: dict[str, str], **extra):
        """An error about several inputs at once: every message, by field."""
        return cls(" ".join(problems.values()), details={"fields": dict(problems), **extra})

    @property
    def fields(self) -> dict[str, str]:
        """{field name: message} of what is wrong with which input."""
        return dict(self.details.get("fields") or {})


class NotFound(DomainError, status=404, code="not_found"):
    """There is no such thing, or the actor may not know it exists."""


class NotAllowed(DomainError, status=403, code="forbidden"):
    """The actor may see it but not do this (the policy said no)."""


class InvalidInput(DomainError, status=422, code="invalid"):
    """What was given is wrong: the fields say where."""


class InvalidState(DomainError, status=409, code="invalid_state"):
    """Right input at the wrong moment (a closed campaign, a submitted assessment)."""


class Conflict(DomainError, status=409, code="conflict"):
    """It clashes with what is already there (a name taken, a version loaded with other content)."""


class NotSignedIn(DomainError, status=401, code="unauthorized"):
    """No one, or no valid token, is signed in."""


class SignInTurnedOff(NotSignedIn, status=403, code="forbidden"):
    """That way of signing in is turned off."""


class TooManyAttempts(DomainError, status=429, code="too_many_requests"):
    """Too many failures from here: wait before trying again."""


class Unavailable(DomainError, status=503, code="unavailable"):
    """Something the answer needs (the job queue's Redis) does not answer now: try again later."""


# Errors a form shows (beside its fields, or at its top); the others (not
# found, not allowed) are answered with their status code by the error handler.
FORM_ERRORS = (InvalidInput, InvalidState, Conflict, NotSignedIn, TooManyAttempts)


def sentence(message: str) -> str:
    """A message as people read it: starting with a capital (services word some in lower case)."""
    message = (message or "").strip()
    first = message.split(" ", 1)[0].rstrip(",;")
    # A word, not a name: "no such file" gets its capital, "bad.yaml: line 1 …" or "x@y.org …" does not.
    if not first.isalpha() or not first.islower():
        return message
    return message[:1].upper() + message[1:]
