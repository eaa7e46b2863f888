"""The API tokens page: people create (shown once) and revoke their own tokens."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from skills_app.services import tokens
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.account import TokenForm

bp = Blueprint("account", __name__, url_prefix="/account")


def _tokens_page(form, secret: str | None = None):
    # The new token is rendered in this response only: never stored, flashed or shown again.
    return render_template("account/tokens.html", form=form, secret=secret, items=tokens.for_person(current_user, current_user),
                           revoke_form=ConfirmForm(formdata=None))


@bp.route("/tokens", methods=["GET", "POST"])
def tokens_page():
    form = TokenForm()
    return handle(form, lambda: tokens.create(current_user, current_user, form.name.data),
                  page=lambda: _tokens_page(form),
                  done=lambda created: _tokens_page(TokenForm(formdata=None), secret=created[1]))


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    return handle(ConfirmForm(), lambda: tokens.revoke(current_user, current_user, token_id),
                  page=lambda: _tokens_page(TokenForm(formdata=None)),
                  done=lambda token: success(f"Token {token.name!r} revoked: it no longer works.", "account.tokens_page"))
