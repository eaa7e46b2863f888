"""Which identity provider this app signs in with, read from the app's
configuration (``OIDC_*``, docs/identity.md).

Below both the services and the protocol (skills_app/oidc.py), so that the
sign-in services can name the provider without importing the protocol that
calls them.
"""
from __future__ import annotations

from flask import Flask, current_app


def configured(app: Flask | None = None) -> bool:
    """Whether sign-in through the identity provider is set up (issuer and client id)."""
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def provider_name() -> str:
    """The provider's name as the sign-in page words it."""
    return current_app.config.get("OIDC_PROVIDER_NAME") or "your organisation's account"
