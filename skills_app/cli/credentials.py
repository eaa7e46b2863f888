"""``skills-app credentials``: the keys that sign verifiable credentials, and their rotation."""
from __future__ import annotations

import click
from flask.cli import AppGroup

group = AppGroup("credentials", help="The keys that sign verifiable credentials: list them, make a new one.")


@group.command("keys")
def keys_command():
    """List the published keys, the current one first: id, status, public key (as /.well-known/did.json)."""
    from skills_app.services import credentials

    for n, (kid, raw) in enumerate(credentials.published_keys()):
        click.echo(f"{kid}\t{'current (signs)' if n == 0 else 'retired (verifies)'}\t{credentials.multibase_public_key(raw)}")


@group.command("new-key")
def new_key_command():
    """Make a new signing key and print the environment lines of the rotation: the new key
    and its id, and the keys it replaces as retired ones (public halves only), so that
    credentials signed before still verify. Nothing is written: set the lines where the
    app's environment is kept, then restart every app server."""
    from skills_app import clock
    from skills_app.services import credentials

    lines = credentials.new_key_lines(clock.now().strftime("%Y-%m-%d"))
    click.echo("# A new credential signing key; keep CREDENTIAL_SIGNING_KEY secret (shown only now).", err=True)
    click.echo("# Replace the three variables with these lines and restart every app server:", err=True)
    for line in lines:
        click.echo(line)
