"""Settings an administrator changes in the browser (kept in the database).

- ``password_sign_in``: whether the sign-in page offers the password form.
  It can be turned off only while sign-in through the identity provider is
  configured; without it, passwords always work (no one is locked out).
"""
from __future__ import annotations

from flask import current_app

from skills_app import identity_provider, policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import AppSetting
from skills_app.services import audit

PASSWORD_SIGN_IN = "password_sign_in"


def get_value(key: str, default):
    row = db.session.get(AppSetting, key)
    return default if row is None else row.value


def set_value(actor, key: str, value, summary: str) -> None:
    row = db.session.get(AppSetting, key)
    if row is None:
        db.session.add(AppSetting(key=key, value=value))
    elif row.value == value:
        return
    else:
        row.value = value
    db.session.flush()
    audit.record(actor, "settings.changed", None, summary=summary, data={key: value})


def password_sign_in() -> bool:
    """True when the password form is offered (always, without an identity provider)."""
    if not identity_provider.configured():
        return True
    return bool(get_value(PASSWORD_SIGN_IN, True))


def set_password_sign_in(actor, enabled: bool) -> None:
    policy.require(actor, "manage_identity")
    if not enabled and not identity_provider.configured(current_app):
        raise InvalidInput("Password sign-in can be turned off only while sign-in through an identity provider is configured "
                           "(OIDC_ISSUER and OIDC_CLIENT_ID); otherwise no one could sign in.",
                           details={"password_sign_in": "Configure the identity provider first."})
    set_value(actor, PASSWORD_SIGN_IN, bool(enabled),
         f"password sign-in turned {'on' if enabled else 'off'}")
