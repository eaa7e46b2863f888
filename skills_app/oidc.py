"""OpenID Connect sign-in: the protocol, with Authlib.

The authorization code flow with PKCE (S256). Authlib keeps ``state``, the
``nonce`` and the code verifier in the session between the redirect and the
callback. On the callback the code is exchanged at the provider's token
endpoint, and the ID token is verified here: its signature against the
provider's JWKS (fetched from the discovery document, fetched again when an
unknown key id appears), ``iss`` equal to the configured issuer (which must
also be the discovery document's), ``aud`` holding our client id, ``exp``
and ``iat`` within ``LEEWAY`` seconds of our clock, and ``nonce`` the one we
sent. Who the verified claims belong to is the domain's question
(:mod:`skills_app.services.sso`).

Configured from the environment (``OIDC_*``, see docs/identity.md); without
``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` nothing here is active.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask, current_app, session

from skills_app.errors import DomainError
from skills_app.identity_provider import configured, provider_name  # noqa: F401  (the pages ask oidc.configured())

log = logging.getLogger(__name__)

EXTENSION = "skills_app.oidc"
LEEWAY = 60  # seconds of clock skew tolerated on exp and iat
TIMEOUT = 10  # seconds to wait for the provider
# The session keeps the ID token for the provider's end-session request
# (id_token_hint) when it is small enough for a cookie.
MAX_HINT = 2000

# Our clock, in seconds since the epoch (tests move it).
clock = time.time


class SignInFailed(DomainError, status=400, code="sign_in_failed"):
    """The provider's answer could not be trusted or used: no one is signed in."""


class ProviderUnavailable(DomainError, status=502, code="provider_unavailable"):
    """The provider did not answer, or not as it should."""


@dataclass(frozen=True)
class Claims:
    """What a verified ID token (and the userinfo endpoint) say about the person."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    groups: tuple[str, ...]
    id_token: str


def origin() -> str:
    """The provider's origin (scheme://host[:port]), from the issuer."""
    from urllib.parse import urlsplit

    parts = urlsplit(_issuer())
    return f"{parts.scheme}://{parts.netloc}"


def _issuer(app: Flask | None = None) -> str:
    return (app or current_app).config["OIDC_ISSUER"].rstrip("/")


def init_app(app: Flask) -> None:
    """Register the provider with Authlib when the settings are there."""
    if not configured(app):
        return
    from authlib.integrations.flask_client import OAuth

    from skills_app.services import sso

    sso.parse_role_map(app.config.get("OIDC_ROLE_MAP") or "")  # a mistake stops the start, with its reason
    scopes = app.config.get("OIDC_SCOPES") or "openid email profile"
    if "openid" not in scopes.split():
        raise ValueError(f"OIDC_SCOPES must include openid (it is {scopes!r})")
    oauth = OAuth(app)
    oauth.register(
        "provider",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=f"{_issuer(app)}/.well-known/openid-configuration",
        client_kwargs={"scope": scopes, "code_challenge_method": "S256", "default_timeout": TIMEOUT},
    )
    app.extensions[EXTENSION] = oauth


def _client():
    return current_app.extensions[EXTENSION].provider


def _metadata() -> dict:
    """The provider's discovery document; its issuer must be the one configured."""
    import requests

    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID Connect discovery failed: %s", exc)
        client.server_metadata = {}
        raise ProviderUnavailable(f"{provider_name()} did not answer. Please try again in a moment.") from None
    issuer = str(metadata.get("issuer", "")).rstrip("/")
    if issuer != _issuer():
        client.server_metadata = {}
        raise SignInFailed(f"The identity provider's discovery document names the issuer {metadata.get('issuer')!r}, "
                           f"not {current_app.config['OIDC_ISSUER']!r} as configured (OIDC_ISSUER).")
    return metadata


def authorize_redirect(redirect_uri: str):
    """The redirect to the provider's authorization endpoint (state, nonce, PKCE kept in the session)."""
    _metadata()
    return _client().authorize_redirect(redirect_uri)


def _id_token_class():
    from authlib.oidc.core import CodeIDToken

    class IdToken(CodeIDToken):
        def validate(self, now=None, leeway=0):
            super().validate(now=int(clock()), leeway=leeway)

    return IdToken


def finish() -> Claims:
    """Complete the sign-in on the callback: check state, exchange the code,
    verify the ID token. Raises :class:`SignInFailed` for anything amiss."""
    import requests
    from authlib.common.errors import AuthlibBaseError
    from authlib.integrations.base_client.errors import MismatchingStateError
    from joserfc.errors import JoseError

    metadata = _metadata()
    client = _client()
    config = current_app.config
    options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
    }
    try:
        token = client.authorize_access_token(claims_options=options, claims_cls=_id_token_class(), leeway=LEEWAY)
    except MismatchingStateError:
        raise SignInFailed("This sign-in was not started here, or it was already used or has expired. "
                           "Please start again from the sign-in page.") from None
    except AuthlibBaseError as exc:
        error = getattr(exc, "error", None) or type(exc).__name__
        description = getattr(exc, "description", None) or ""
        log.warning("OpenID Connect sign-in refused: %s %s", error, description)
        raise SignInFailed(f"{provider_name()} did not complete the sign-in ({error}{': ' + description if description else ''}). "
                           "Please start again from the sign-in page.") from None
    except JoseError as exc:
        log.warning("OpenID Connect ID token rejected: %s", exc)
        raise SignInFailed(f"The identity token from {provider_name()} did not pass the checks ({exc.error}: "
                           f"{exc.description or 'invalid'}). No one was signed in.") from None
    except requests.RequestException as exc:
        log.warning("OpenID Connect token request failed: %s", exc)
        raise ProviderUnavailable(f"{provider_name()} did not answer. Please try again in a moment.") from None
    if "id_token" not in token or not token.get("userinfo"):
        raise SignInFailed(f"{provider_name()} sent no identity token. No one was signed in.")
    claims = dict(token["userinfo"])
    email_claim = config.get("OIDC_EMAIL_CLAIM") or "email"
    groups_claim = config.get("OIDC_GROUPS_CLAIM") or "groups"
    if (email_claim not in claims or groups_claim not in claims) and metadata.get("userinfo_endpoint"):
        # Some providers put email and groups in the userinfo answer only.
        try:
            extra = client.userinfo(token=token)
        except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
            log.warning("OpenID Connect userinfo request failed: %s", exc)
            extra = {}
        if extra.get("sub") == claims.get("sub"):
            claims = {**extra, **claims}
    groups = claims.get(groups_claim) or ()
    if isinstance(groups, str):
        groups = (groups,)
    verified = claims.get("email_verified")
    return Claims(
        issuer=_issuer(),
        subject=str(claims["sub"]),
        email=(str(claims[email_claim]).strip() or None) if claims.get(email_claim) else None,
        email_verified=verified is True or (isinstance(verified, str) and verified.lower() == "true"),
        name=claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p) or None,
        groups=tuple(str(g) for g in groups if g),
        id_token=token["id_token"],
    )


def remember(claims: Claims) -> None:
    """Note in the (new) session how the person signed in, for single logout."""
    session["sign_in_method"] = "oidc"
    if len(claims.id_token) <= MAX_HINT:
        session["oidc_id_token"] = claims.id_token


def end_session_url(post_logout_redirect_uri: str) -> str | None:
    """Where to send a person who signed in through the provider when they sign
    out: the provider's end-session endpoint, when it offers one. Read before
    the session is cleared."""
    if session.get("sign_in_method") != "oidc" or not configured():
        return None
    try:
        metadata = _metadata()
    except DomainError:
        return None
    endpoint = metadata.get("end_session_endpoint")
    # Only at the issuer's origin: the sign-out form may be sent on there (see
    # the Content-Security-Policy's form-action in web/__init__.py).
    if not endpoint or not endpoint.startswith(origin() + "/"):
        return None
    result = _client().create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri,
                                         id_token_hint=session.get("oidc_id_token"),
                                         client_id=current_app.config["OIDC_CLIENT_ID"])
    return result["url"]
