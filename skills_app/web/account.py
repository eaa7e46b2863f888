"""The API tokens page: people create (shown once) and revoke their own tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.services import tokens
from skills_app.web.forms import ConfirmForm

bp = Blueprint("account", __name__, url_prefix="/account")


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=tokens.MAX_NAME)])
    submit = SubmitField("Create token")


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.route("/tokens", methods=["GET", "POST"])
def tokens_page():
    form = TokenForm()
    secret, status = None, 200
    if form.is_submitted():
        if form.validate():
            try:
                token, secret = tokens.create(current_user, current_user, form.name.data)
                db.session.commit()
                form = TokenForm(formdata=None)
            except InvalidInput as exc:
                db.session.rollback()
                form.name.errors.append(exc.message)
                status = 400
        else:
            status = 400
    # The new token is rendered in this response only: never stored, flashed or shown again.
    return render_template("account/tokens.html", form=form, secret=secret, items=tokens.for_person(current_user, current_user),
                           revoke_form=ConfirmForm()), status


@bp.post("/tokens/<int:token_id>/revoke")
def revoke(token_id: int):
    token = tokens.revoke(current_user, current_user, token_id)
    if ConfirmForm().validate_on_submit():
        db.session.commit()
        flash(f"Token {token.name!r} revoked: it no longer works.", "success")
    else:
        db.session.rollback()
        flash("The form had expired; please try again.", "error")
    return redirect(url_for("account.tokens_page"))
