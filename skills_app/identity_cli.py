"""``skills-app scim ...`` (provisioning tokens) and ``skills-app settings ...``."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.errors import DomainError
from skills_app.extensions import db
from skills_app.policy import SYSTEM

scim_cli = AppGroup("scim", help="SCIM provisioning (/scim/v2): its bearer tokens.")
settings_cli = AppGroup("settings", help="Settings an administrator can also change in the browser.")


def _fail(message: str):
    db.session.rollback()
    raise click.ClickException(message)


@scim_cli.command("token")
@click.option("--name", required=True, help="The provisioning client that will use it (Entra ID, Okta, the HR system).")
def scim_token(name):
    """Print a new SCIM bearer token, good for /scim/v2 only (shown only this once)."""
    from skills_app.services import scim_tokens

    try:
        _row, secret = scim_tokens.create(SYSTEM, name)
        db.session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"New SCIM token {name.strip()!r}; it is shown only now:", err=True)
    click.echo(secret)


@scim_cli.command("tokens")
def scim_tokens_list():
    """List the SCIM tokens: name, prefix, created, last used, status."""
    from skills_app.services import scim_tokens

    for t in scim_tokens.all_tokens(SYSTEM):
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never used"
        click.echo(f"{t.id}\t{t.name}\tscim_{t.prefix}_…\t{t.created_at:%Y-%m-%d}\t{used}\t{'active' if t.active else 'revoked'}")


@scim_cli.command("revoke")
@click.argument("token_id", type=int)
def scim_revoke(token_id):
    """Revoke a SCIM token (by the id `scim tokens` shows): provisioning with it stops at once."""
    from skills_app.services import scim_tokens

    try:
        token = scim_tokens.revoke(SYSTEM, token_id)
        db.session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"SCIM token {token.name!r} is revoked.")


@settings_cli.command("password-sign-in")
@click.argument("state", type=click.Choice(["on", "off"]))
def password_sign_in(state):
    """Offer the email and password form on the sign-in page, or not (off needs
    the identity provider configured). `on` is the way back in if the provider fails."""
    from skills_app.services import settings

    try:
        settings.set_password_sign_in(SYSTEM, state == "on")
        db.session.commit()
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"Password sign-in is {state}.")
