"""Administration of sign-in and provisioning: whether the password form is
offered, and the SCIM tokens of provisioning clients."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from skills_app import oidc, policy
from skills_app.services import scim_tokens, settings, sso
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.identity_admin import PasswordSignInForm, ScimTokenForm

bp = Blueprint("identity_admin", __name__, url_prefix="/admin/identity")


@bp.before_request
def _admins_only():
    policy.require(current_user, "manage_identity")


def _page(*, new_secret: str | None = None, sign_in_form: PasswordSignInForm | None = None,
          token_form: ScimTokenForm | None = None):
    # What is in force, unless this is the form shown again with its problems.
    form = sign_in_form or PasswordSignInForm(formdata=None, password_sign_in=settings.password_sign_in())
    config = current_app.config
    return render_template(
        "admin/identity.html", form=form, token_form=token_form or ScimTokenForm(formdata=None),
        confirm=ConfirmForm(formdata=None), tokens=scim_tokens.all_tokens(current_user), new_secret=new_secret,
        oidc_on=oidc.configured(), provider=oidc.provider_name(), issuer=config.get("OIDC_ISSUER"),
        client_id=config.get("OIDC_CLIENT_ID"),
        redirect_uri=config.get("OIDC_REDIRECT_URI") or url_for("sso.callback", _external=True),
        role_map=sso.parse_role_map(config.get("OIDC_ROLE_MAP") or ""),
        scim_url=url_for("scim.service_provider_config", _external=True).rsplit("/", 1)[0] if "scim.service_provider_config" in current_app.view_functions else None,
        scim_groups=config.get("SCIM_GROUPS"),
    )


@bp.get("/")
def index():
    return _page()


@bp.post("/sign-in")
def password_sign_in():
    form = PasswordSignInForm()
    on = form.password_sign_in.data
    return handle(form, lambda: settings.set_password_sign_in(current_user, on), page=lambda: _page(sign_in_form=form),
                  done=lambda _: success(f"The password form is {'offered' if on else 'no longer offered'} on the sign-in page.",
                                         "identity_admin.index"))


@bp.post("/scim-tokens")
def create_scim_token():
    form = ScimTokenForm()
    return handle(form, lambda: scim_tokens.create(current_user, form.name.data), page=lambda: _page(token_form=form),
                  done=lambda created: _page(new_secret=created[1]))


@bp.post("/scim-tokens/<int:scim_token_id>/revoke")
def revoke_scim_token(scim_token_id: int):
    return handle(ConfirmForm(), lambda: scim_tokens.revoke(current_user, scim_token_id), page=_page,
                  done=lambda token: success(f"SCIM token {token.name} is revoked: provisioning with it stops at once.",
                                             "identity_admin.index"))
