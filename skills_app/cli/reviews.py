"""``skills-app reviews``: the review service level checks, run from cron."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import one_transaction

group = AppGroup("reviews", help="The review process: service level checks.")


@group.command("escalate")
def reviews_escalate():
    """Check every waiting review against its service level (run it from cron,
    e.g. hourly): warn reviewers of reviews due within the warning window,
    escalate each breach once to the reviewer's own manager (HR when there is
    none), and remind people to resubmit returned assessments. Idempotent."""
    from skills_app.policy import SYSTEM
    from skills_app.services import service_levels

    with one_transaction():
        result = service_levels.run_checks(SYSTEM)
    for title, items in (("Escalated", result.escalated), ("Warned", result.warned), ("Reminded", result.reminded)):
        for item in items:
            click.echo(f"{title}: {item}")
    click.echo(result.summary())
