"""``skills-app scim``: the bearer tokens of SCIM provisioning clients."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import finish, refuse
from skills_app.errors import DomainError

group = AppGroup("scim", help="SCIM provisioning (/scim/v2): its bearer tokens.")


@group.command("token")
@click.option("--name", required=True, help="The provisioning client that will use it (Entra ID, Okta, the HR system).")
def scim_token(name):
    """Print a new SCIM bearer token, good for /scim/v2 only (shown only this once)."""
    from skills_app.policy import SYSTEM
    from skills_app.services import scim_tokens

    try:
        _row, secret = scim_tokens.create(SYSTEM, name)
        finish()
    except DomainError as exc:
        refuse(exc.message)
    click.echo(f"New SCIM token {name.strip()!r}; it is shown only now:", err=True)
    click.echo(secret)


@group.command("tokens")
def scim_tokens_list():
    """List the SCIM tokens: name, prefix, created, last used, status."""
    from skills_app.policy import SYSTEM
    from skills_app.services import scim_tokens

    for t in scim_tokens.all_tokens(SYSTEM):
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never used"
        click.echo(f"{t.id}\t{t.name}\tscim_{t.prefix}_…\t{t.created_at:%Y-%m-%d}\t{used}\t{'active' if t.active else 'revoked'}")


@group.command("revoke")
@click.argument("token_id", type=int)
def scim_revoke(token_id):
    """Revoke a SCIM token (by the id `scim tokens` shows): provisioning with it stops at once."""
    from skills_app.policy import SYSTEM
    from skills_app.services import scim_tokens

    try:
        token = scim_tokens.revoke(SYSTEM, token_id)
        finish()
    except DomainError as exc:
        refuse(exc.message)
    click.echo(f"SCIM token {token.name!r} is revoked.")
