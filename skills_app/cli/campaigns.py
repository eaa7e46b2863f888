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
        total = campaigns.total(SYSTEM, c)
        counts = ", ".join(f"{campaigns.PROGRESS_LABELS[p].lower()} {total[p]}" for p in campaigns.PROGRESS)
        click.echo(f"{c.id}\t{c.status}\t{c.opens_on}..{c.due_on}\t{c.name}\t{total['people']} people: {counts}")


def _sentence(campaign, people: int, managers: int, left: int, days: int, *, dry_run: bool) -> str:
    from skills_app.words import plural

    verb = "would remind" if dry_run else "reminded"
    text = (f"{campaign.name} (#{campaign.id}, due {campaign.due_on:%-d %b %Y}): {verb} {plural(people, 'person')} behind "
            f"and {plural(managers, 'manager')} with reviews waiting")
    if left:
        text += f"; {plural(left, 'person')} left alone (reminded within {plural(days, 'day')})"
    return text + "."


@group.command("send-reminders")
@click.option("--campaign", "campaign_id", type=int, help="Only this campaign (by id); otherwise every open campaign that has opened.")
@click.option("--dry-run", is_flag=True, help="Say who would be reminded; send nothing, record nothing.")
def campaigns_send_reminders(campaign_id, dry_run):
    """Remind those behind (not started, draft, partly submitted, overdue) and
    managers with campaign self-assessments waiting for review, in the app and by
    email. Made for cron (e.g. daily at 08:00): nobody is reminded twice for a
    campaign within REMINDER_COOLDOWN_DAYS, so running it again sends nothing new.
    One line per campaign as it goes, then the totals."""
    from skills_app.policy import SYSTEM
    from skills_app.services import campaigns
    from skills_app.words import plural

    people = managers = left = 0
    try:
        if campaign_id is not None:
            try:
                chosen = [campaigns.get(SYSTEM, campaign_id)]
            except NotFound:
                fail(f"Error: there is no campaign {campaign_id}; `skills-app campaigns list` shows them.")
        else:
            chosen = campaigns.to_remind(SYSTEM)
        for campaign in chosen:
            if dry_run:
                plan = campaigns.plan_reminders(SYSTEM, campaign)
                counts = (len(plan.behind), len(plan.managers), len(plan.cooling), plan.cooldown_days)
            else:
                sent = campaigns.remind(SYSTEM, campaign)
                counts = (sent.people, sent.managers, sent.skipped, sent.cooldown_days)
            people, managers, left = people + counts[0], managers + counts[1], left + counts[2]
            click.echo(_sentence(campaign, *counts, dry_run=dry_run))
        finish(dry_run=dry_run)
    except DomainError as exc:
        fail(f"Error: {exc.message}")
    if not chosen:
        click.echo("No open campaign to remind about.")
        return
    total = plural(people + managers, "reminder")
    click.echo(f"{'Dry run: would send' if dry_run else 'Sent'} {total} for {plural(len(chosen), 'campaign')}"
               + (f"; {plural(left, 'person')} left alone within the cooldown." if left else "."))


# The command's first name, kept for the cron lines that use it.
group.add_command(campaigns_send_reminders, "remind")
