"""Administration of sign-in and provisioning: whether the password form is
offered, and the SCIM tokens of provisioning clients."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from skills_app import oidc, policy
from skills_app.errors import DomainError
from skills_app.extensions import db
from skills_app.services import scim_tokens, settings, sso
from skills_app.web.forms import ConfirmForm

bp = Blueprint("identity_admin", __name__, url_prefix="/admin/identity")


class PasswordSignInForm(FlaskForm):
    password_sign_in = BooleanField("Offer the email and password form on the sign-in page")
    submit = SubmitField("Save sign-in settings")


class ScimTokenForm(FlaskForm):
    name = StringField("Token name (the provisioning client that will use it)", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Create SCIM token")


@bp.before_request
@login_required
def _admins_only():
    policy.require(current_user, "manage_identity")


def _page(*, new_secret: str | None = None, token_form: ScimTokenForm | None = None, status: int = 200):
    # What is in force (never what another form on the page posted).
    form = PasswordSignInForm(formdata=None, password_sign_in=settings.password_sign_in())
    config = current_app.config
    return render_template(
        "admin/identity.html", form=form, token_form=token_form or ScimTokenForm(formdata=None), confirm=ConfirmForm(),
        tokens=scim_tokens.all_tokens(current_user), new_secret=new_secret,
        oidc_on=oidc.configured(), provider=oidc.provider_name(), issuer=config.get("OIDC_ISSUER"),
        client_id=config.get("OIDC_CLIENT_ID"),
        redirect_uri=config.get("OIDC_REDIRECT_URI") or url_for("sso.callback", _external=True),
        role_map=sso.parse_role_map(config.get("OIDC_ROLE_MAP") or ""),
        scim_url=url_for("scim.service_provider_config", _external=True).rsplit("/", 1)[0] if "scim.service_provider_config" in current_app.view_functions else None,
        scim_groups=config.get("SCIM_GROUPS"),
    ), status


@bp.get("/")
def index():
    return _page()


@bp.post("/sign-in")
def password_sign_in():
    form = PasswordSignInForm()
    if form.validate_on_submit():
        try:
            settings.set_password_sign_in(current_user, form.password_sign_in.data)
            db.session.commit()
            flash(f"The password form is {'offered' if form.password_sign_in.data else 'no longer offered'} on the sign-in page.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("identity_admin.index"))


@bp.post("/scim-tokens")
def create_scim_token():
    form = ScimTokenForm()
    if not form.validate_on_submit():
        return _page(token_form=form, status=400)
    try:
        _token, secret = scim_tokens.create(current_user, form.name.data)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        form.name.errors = [*form.name.errors, exc.message]
        return _page(token_form=form, status=400)
    return _page(new_secret=secret)


@bp.post("/scim-tokens/<int:scim_token_id>/revoke")
def revoke_scim_token(scim_token_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        token = scim_tokens.revoke(current_user, scim_token_id)
        db.session.commit()
        flash(f"SCIM token {token.name} is revoked: provisioning with it stops at once.", "success")
    return redirect(url_for("identity_admin.index"))
