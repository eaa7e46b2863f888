"""Sign-in through the organisation's identity provider (OpenID Connect).

``/login/oidc`` sends the person to the provider; the provider sends them back
to ``/login/oidc/callback``, where the answer is verified (skills_app/oidc.py)
and matched to an account (services/sso.py). Sign-out is in web/auth.py.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from skills_app import oidc
from skills_app.services import sso
from skills_app.web.auth import safe_next, start_session
from skills_app.web.transaction import abandon

bp = Blueprint("sso", __name__)


@bp.before_request
def _configured():
    if not oidc.configured():
        abort(404)


def _redirect_uri() -> str:
    return current_app.config.get("OIDC_REDIRECT_URI") or url_for("sso.callback", _external=True)


@bp.get("/login/oidc")
def start():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    session["oidc_next"] = safe_next(request.args.get("next"))
    return oidc.authorize_redirect(_redirect_uri())


@bp.get("/login/oidc/callback")
def callback():
    try:
        claims = oidc.finish()
        person = sso.sign_in(claims)
    except (oidc.SignInFailed, oidc.ProviderUnavailable, sso.SignInRefused) as exc:
        abandon()
        return render_template("auth/sign_in_refused.html", message=exc.message, provider=oidc.provider_name()), exc.status
    target = session.get("oidc_next")
    # A new session (kept on the server, as for a password), nothing from before sign-in carried over.
    response = start_session(person, safe_next(target) or url_for("main.dashboard"), method="oidc")
    oidc.remember(claims)
    return response
