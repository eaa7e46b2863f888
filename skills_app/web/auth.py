"""Sign-in, sign-out and changing one's own password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from skills_app import oidc, throttle
from skills_app.services import accounts, settings, sign_in_sessions
from skills_app.web.forms import handle, success
from skills_app.web.forms.auth import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """A path on this site, or None: never another host, scheme or protocol-relative URL."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(person, target: str, method: str = "password"):
    """Sign ``person`` in on a new session, kept on the server too (services/sign_in_sessions.py)."""
    # A new session: nothing from before sign-in carries over.
    session.clear()
    login_user(person)
    session[sign_in_sessions.SESSION_KEY] = sign_in_sessions.start(person, method)
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.args.get("next")) or url_for("main.dashboard")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    return handle(form, lambda: accounts.sign_in(form.email.data, form.password.data, throttle.client_address()),
                  page=lambda: render_template("auth/login.html", form=form, password_on=settings.password_sign_in(),
                                               oidc_on=oidc.configured(), provider=oidc.provider_name()),
                  done=lambda person: start_session(person, target))


@bp.route("/logout", methods=["POST"])
def logout():
    # Signed in through the identity provider: its end-session endpoint, when
    # it has one, ends the provider's session too and sends the person back here.
    provider_logout = oidc.end_session_url(url_for("auth.login", _external=True))
    # Ended on the server: a copy of this session's cookie is signed out too.
    sign_in_sessions.end(session.get(sign_in_sessions.SESSION_KEY))
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(provider_logout or url_for("auth.login"))


def _signed_in_again(message: str):
    # The session version changed: sign in again on this session only.
    # (The person itself, not the current_user proxy: Flask-Login keeps
    # what it is given as the current user, and a proxy to itself recurses.)
    login_user(current_user._get_current_object())
    return success(message, "main.dashboard")


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordForm()
    return handle(form, lambda: accounts.change_own_password(current_user, form.current.data, form.new.data,
                                                             keep_session=session.get(sign_in_sessions.SESSION_KEY)),
                  page=lambda: render_template("auth/password.html", form=form),
                  done=lambda _: _signed_in_again("Your password is changed. Other sessions have been signed out."))
