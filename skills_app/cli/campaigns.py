"""``skills-app campaigns``: list the campaigns, remind those behind."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, finish
from skills_app.errors import DomainError, NotFound

group = AppGroup("campaigns", help="Assessment campaigns: list them, remind those behind.")


@group.command("list")
def campaigns_list():
    """The campaigns, with their completion (people per progress)."""
    from skills_app.policy import SYSTEM
    from skills_app.services import campaigns

    for c in campaigns.list_all(SYSTEM):
        total = campaigns.completion(SYSTEM, c).total
        counts = ", ".join(f"{campaigns.PROGRESS_LABELS[p].lower()} {total[p]}" for p in campaigns.PROGRESS)
        click.echo(f"{c.id}\t{c.status}\t{c.opens_on}..{c.due_on}\t{c.name}\t{total['people']} people: {counts}")


@group.command("remind")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign (by id); otherwise every open campaign that has opened.")
def campaigns_remind(campaign_id):
    """Remind those behind (not started, draft, overdue) and managers with campaign
    self-assessments waiting for review, in the app and by email. Run it daily from cron."""
    from skills_app.policy import SYSTEM
    from skills_app.services import campaigns

    try:
        if campaign_id is not None:
            try:
                campaign = campaigns.get(SYSTEM, campaign_id)
            except NotFound:
                fail(f"Error: there is no campaign {campaign_id}; `skills-app campaigns list` shows them.")
            done = [(campaign, campaigns.remind(SYSTEM, campaign))]
        else:
            done = campaigns.remind_all(SYSTEM)
        finish()
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    if not done:
        click.echo("No open campaign to remind about.")
    for campaign, sent in done:
        click.echo(f"{campaign.name}: reminded {sent.people} people behind and {sent.managers} managers with a waiting queue.")
