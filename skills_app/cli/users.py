"""``skills-app users``: create accounts, deactivate them, set their roles, API tokens."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, one_transaction, read_password

group = AppGroup("users", help="Create and manage accounts.")


def _person(email: str):
    from skills_app.services import accounts

    return accounts.by_email(email) or fail(f"Error: no account for {email}")


@group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="An application role; repeat for several.")
@click.option("--manager", help="The line manager's email.")
def create_user(email, name, roles, manager):
    """Create an account. The password is read from standard input or asked for."""
    from skills_app.policy import SYSTEM
    from skills_app.services import accounts

    password = read_password()
    with one_transaction():
        manager_person = None
        if manager:
            manager_person = accounts.by_email(manager)
            if manager_person is None:
                fail(f"Error: no account for the manager {manager}")
        roles = [r for role in roles for r in role.replace(";", ",").split(",")]
        person = accounts.create_person(SYSTEM, email=email, name=name, roles=roles, password=password, manager=manager_person)
    click.echo(f"Created {person.email} ({', '.join(sorted(person.roles))}).")


@group.command("deactivate")
@click.argument("email")
def deactivate_user(email):
    """Deactivate an account: it can no longer sign in, and its sessions end."""
    from skills_app.policy import SYSTEM
    from skills_app.services import accounts

    person = _person(email)
    with one_transaction():
        accounts.set_active(SYSTEM, person, False)
    click.echo(f"Deactivated {person.email}.")


@group.command("token")
@click.argument("email")
@click.option("--name", default="API token", show_default=True, help="A name to tell the token apart by.")
@click.option("--days", type=int, default=90, show_default=True, help="Days until the token expires (1 to 365).")
def user_token(email, name, days):
    """Print a new API token for an account (it is shown only this once)."""
    from skills_app.policy import SYSTEM
    from skills_app.services import tokens

    person = _person(email)
    with one_transaction():
        row, secret = tokens.create(SYSTEM, person, name, days=days)
    click.echo(f"New API token {name!r} for {person.email}, expires {row.expires_at:%Y-%m-%d %H:%M} UTC; "
               "it is shown only now:", err=True)
    click.echo(secret)


@group.command("set-roles")
@click.argument("email")
@click.argument("roles", nargs=-1, required=True)
def set_roles(email, roles):
    """Set an account's application roles (employee, manager, hr, learning, admin)."""
    from skills_app.policy import SYSTEM
    from skills_app.services import accounts

    person = _person(email)
    with one_transaction():
        accounts.set_roles(SYSTEM, person, roles)
    click.echo(f"{person.email}: {', '.join(sorted(person.roles))}.")
