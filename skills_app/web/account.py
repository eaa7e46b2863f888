"""The account pages: one's sign-in sessions (and signing out everywhere), and
the API tokens page, where people create (shown once) and revoke their own tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user

from skills_app.services import sign_in_sessions, tokens
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.account import SignOutEverywhereForm, TokenForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _account_page(form):
    return render_template("account/index.html", form=form, sessions=sign_in_sessions.open_sessions(current_user),
                           this_session=sign_in_sessions.key_id(session.get(sign_in_sessions.SESSION_KEY)))


@bp.get("")
def index():
    return _account_page(SignOutEverywhereForm(formdata=None))


def _signed_out_everywhere(result: dict):
    logout_user()
    session.clear()
    revoked = result["tokens_revoked"]
    flash(f"You are signed out everywhere: {result['sessions']} session{'s' if result['sessions'] != 1 else ''} ended"
          f"{f', {revoked} API token' + ('s' if revoked != 1 else '') + ' revoked' if revoked else ''}.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/sign-out-everywhere")
def sign_out_everywhere():
    form = SignOutEverywhereForm()
    # The person, not the current_user proxy: after signing out, the proxy is the anonymous user.
    me = current_user._get_current_object()
    return handle(form, lambda: sign_in_sessions.sign_out_everywhere(me, revoke_tokens=form.revoke_tokens.data),
                  page=lambda: _account_page(form), done=_signed_out_everywhere)


def _tokens_page(form, secret: str | None = None):
    # The new token is rendered in this response only: never stored, flashed or shown again.
    return render_template("account/tokens.html", form=form, secret=secret, items=tokens.for_person(current_user, current_user),
                           revoke_form=ConfirmForm(formdata=None), now=tokens.utcnow(), expired=tokens.expired)


@bp.route("/tokens", methods=["GET", "POST"])
def tokens_page():
    form = TokenForm()
    return handle(form, lambda: tokens.create(current_user, current_user, form.name.data, days=form.days.data),
                  page=lambda: _tokens_page(form),
                  done=lambda created: _tokens_page(TokenForm(formdata=None), secret=created[1]))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    return handle(ConfirmForm(), lambda: tokens.revoke(current_user, current_user, token_id),
                  page=lambda: _tokens_page(TokenForm(formdata=None)),
                  done=lambda token: success(f"Token {token.name!r} revoked: it no longer works.", "account.tokens_page"))
