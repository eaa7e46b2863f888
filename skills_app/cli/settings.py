"""``skills-app settings``: settings an administrator can also change in the browser."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import finish, refuse
from skills_app.errors import DomainError

group = AppGroup("settings", help="Settings an administrator can also change in the browser.")


@group.command("password-sign-in")
@click.argument("state", type=click.Choice(["on", "off"]))
def password_sign_in(state):
    """Offer the email and password form on the sign-in page, or not (off needs
    the identity provider configured). `on` is the way back in if the provider fails."""
    from skills_app.policy import SYSTEM
    from skills_app.services import settings

    try:
        settings.set_password_sign_in(SYSTEM, state == "on")
        finish()
    except DomainError as exc:
        refuse(exc.message)
    click.echo(f"Password sign-in is {state}.")
