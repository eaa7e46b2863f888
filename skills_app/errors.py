"""Domain errors. Services raise them; the web and API layers map them to
status codes and pages (see skills_app/web/errors.py)."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class InvalidInput(DomainError):
    status = 422
    code = "invalid"


class InvalidState(DomainError):
    status = 409
    code = "invalid_state"


class Conflict(DomainError):
    status = 409
    code = "conflict"


# Errors a form shows beside its fields; the others (not found, not allowed)
# are answered with their status code by the error handler.
FORM_ERRORS = (InvalidInput, InvalidState, Conflict)
