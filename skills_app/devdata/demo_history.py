"""The demo organisation's past: two years of its history, relative to today.

Every step is one of the domain's own operations (start, evidence, submit,
decide, return, revalidate, the service level checks, reassign, a breach's
cause; open and close a campaign; create a training plan and complete it;
draft, publish and migrate a framework version), run as of the moment of the
story (:func:`skills_app.clock.as_of`), in the order of the story, so that the
rows and the audit trail carry the moments they tell of and every number in
every report follows from recorded decisions.

What it shows, for any today:

- validations in each of the last 24 months, with levels that rise, are
  renewed, expire (María's SLM 3, decided 760 days ago) and expire soon
  (Aisha's SLMO 3, decided 680 days ago): the coverage trend moves;
- reviews decided in each month, some late (escalated by the checks to the
  reviewer's manager, a cause recorded by HR), one reassigned in the previous
  month (Kwame Mensah away, HR gave Zoe Brown's review to Marcus Webb), one
  returned and resubmitted; Tom Fischer's review overdue now, Ella Nowak's
  due soon: every month's service level report has data;
- a closed campaign with its frozen snapshot (the Service Management Office,
  eight months ago) and an open one half done (the Service Desk, opened five
  weeks ago: what was done before that does not count);
- a training plan run and completed (two of its three people then validated
  at the level it led to) and one under way;
- Sam Taylor (the employee's sign-in) with one validated, unexpired level (MIM 2,
  two months ago, with evidence and Marcus Webb's validation): a credential to
  download and verify;
- the in-house major incident scale (seed_data/frameworks) in two versions:
  version 2 drafted with one editorial and one substantive change, published,
  the levels migrated (level 2 carried over, level 3 flagged for
  revalidation); George Evans revalidated from his earlier assessment (the
  evidence carried over keeps its date), Marcus Webb is still flagged.

Deterministic for a given ``now`` (the moments follow from its date, in the
organisation's time zone) and idempotent: a chain of steps (one person's
assessments of one skill) is written only when that person has no assessment
of that skill yet; campaigns, plans and versions only when absent.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.easter import easter

from skills_app import clock
from skills_app.policy import SYSTEM
from skills_app.services import (
    accounts, assessments, campaigns, framework_editor, frameworks, history, learning, level_migration, notifications, org,
    revalidation, service_levels,
)
from skills_app.services.calendar import add_working_days

HR = "hannah.lee@acme.example"
LEARNING = "laura.chen@acme.example"
SKILLS = {"SFIA": "SLMO", "SLM": "SLM", "MIM": "MIM"}


@dataclass(frozen=True)
class When:
    """A submission moment: ``months`` back on ``day`` of that month, or ``days`` back, or
    ``working_days`` back (at 10:00), moved to the next working day, in the organisation's zone."""

    months: int | None = None
    day: int = 3
    days: int | None = None
    working_days: int | None = None


def M(months: int, day: int = 3) -> When:  # noqa: N802 - reads as a date in the table
    return When(months=months, day=day)


def D(days: int) -> When:  # noqa: N802
    return When(days=days)


def WD(working_days: int) -> When:  # noqa: N802
    return When(working_days=working_days)


@dataclass(frozen=True)
class Step:
    person: str            # the email's local part, @acme.example
    framework: str         # SFIA (SLMO), SLM, MIM
    when: When
    claimed: int
    outcome: str           # approve | reject | return (left returned) | submitted | draft
    validated: int | None = None
    days: int = 5          # working days from submission to decision
    comment: str | None = None
    cause: str | None = None        # a late decision: the cause HR records, and the action
    action: str | None = None
    returned_first: bool = False    # returned for more evidence once, then resubmitted and decided
    reassign_to: str | None = None  # left with the reviewer past its due moment, then HR reassigns it
    revalidate: bool = False        # started from the person's previous validated assessment of the skill

    @property
    def email(self) -> str:
        return f"{self.person}@acme.example"


LOWER = "The evidence shows level {level} work; keep it coming and claim the next level when it is there."
STORY = [
    # Two years ago: the first validations.
    Step("maria.lopez", "SLM", D(766), 3, "approve", 3, days=4),
    Step("sofia.rossi", "SLM", D(770), 3, "approve", 3, days=5),  # expired, and nothing since: the gap report says so
    Step("marcus.webb", "SFIA", M(23, 4), 4, "approve", 4, days=6),
    Step("kwame.mensah", "SFIA", M(23, 12), 2, "approve", 2, days=5),
    Step("aisha.khan", "SFIA", D(686), 3, "approve", 3, days=4),
    Step("george.evans", "MIM", M(22, 15), 3, "approve", 3, days=7),
    Step("liam.walsh", "SFIA", M(21, 6), 3, "approve", 3, days=9),
    Step("nina.ivanova", "SFIA", M(20, 3), 4, "approve", 4, days=13, cause="workload",
         action="Priya Shah blocks two review slots a week in her calendar."),
    Step("oscar.silva", "SLM", M(19, 8), 3, "approve", 3, days=6),
    Step("peter.smith", "SFIA", M(19, 14), 3, "approve", 3, days=5),
    Step("kwame.mensah", "MIM", M(18, 5), 2, "approve", 2, days=4),
    Step("emma.dubois", "SLM", M(18, 12), 2, "approve", 2, days=7),
    Step("noah.berg", "SFIA", M(17, 9), 2, "approve", 2, days=5),
    Step("zoe.brown", "SFIA", M(16, 7), 2, "approve", 2, days=4),
    Step("marcus.webb", "MIM", M(15, 6), 3, "approve", 3, days=8),
    Step("david.cohen", "SFIA", M(15, 13), 2, "approve", 2, days=3),
    Step("jack.oneill", "SFIA", M(14, 4), 2, "approve", 2, days=10, cause="workload",
         action="Review slots booked weekly in the Service Desk rota."),
    Step("chloe.martin", "SFIA", M(13, 10), 2, "approve", 2, days=6),
    Step("tom.fischer", "SFIA", M(12, 5), 2, "approve", 2, days=5),
    Step("maria.lopez", "MIM", M(12, 14), 2, "approve", 2, days=6),
    Step("yuki.tanaka", "SFIA", M(11, 6), 2, "approve", 2, days=3),
    Step("sofia.rossi", "SFIA", M(10, 7), 3, "reject", days=6,
         comment="The monitoring you describe is level 2 work; claim level 2 and bring a service level report next time."),
    Step("emma.dubois", "SLM", M(10, 14), 3, "approve", 3, days=5),
    Step("maria.lopez", "SFIA", D(306), 4, "approve", 3, days=4,
         comment="Strong monitoring and reporting; negotiating service levels with customers is not yet shown."),
    # The Service Management Office's campaign (opened nine months ago, closed a month later).
    Step("george.evans", "SFIA", M(9, 3), 2, "approve", 2, days=6),
    Step("yuki.tanaka", "SFIA", M(9, 8), 3, "reject", days=7,
         comment="The supplier reviews show level 2 work; bring the service level reports you own."),
    Step("fatima.ali", "SFIA", M(9, 10), 2, "approve", 2, days=5),
    Step("nina.ivanova", "SFIA", M(9, 12), 5, "reject", days=8,
         comment="Level 5 asks for ownership of the service level management process; that is Priya's today."),
    Step("mia.jensen", "SFIA", M(8, 5), 2, "approve", 2, days=3, returned_first=True),
    Step("emma.dubois", "SFIA", M(7, 6), 2, "approve", 2, days=6),
    # The last seven months, as the service level report shows them.
    Step("liam.walsh", "SFIA", M(6, 2), 4, "approve", 4, days=8),
    Step("aisha.khan", "SLM", M(6, 3), 3, "approve", 3, days=6),
    Step("tom.fischer", "SLM", M(5, 3), 3, "approve", 3, days=11, cause="reviewer_absent",
         action="Marcus's reviews covered by Kwame Mensah during leave."),
    Step("ravi.patel", "SLM", M(5, 3), 3, "approve", 3, days=3),
    Step("nina.ivanova", "SFIA", M(5, 4), 4, "approve", 4, days=11, cause="workload",
         action="Quarter-end reviews spread across the month."),
    Step("oscar.silva", "SFIA", M(5, 5), 3, "approve", 3, days=9),
    Step("kwame.mensah", "SFIA", M(4, 3), 3, "approve", 3, days=4),
    Step("peter.smith", "SFIA", M(4, 3), 4, "approve", 4, days=6),
    Step("emma.dubois", "SFIA", M(4, 6), 3, "approve", 3, days=12),
    Step("ravi.patel", "SFIA", D(126), 2, "approve", 2, days=4),
    Step("jack.oneill", "SLM", M(3, 3), 3, "approve", 3, days=7),
    Step("zoe.brown", "SFIA", M(3, 3), 3, "approve", 3, days=7),
    Step("fatima.ali", "SFIA", M(3, 4), 3, "reject", days=5,
         comment="The catalogue work is level 2; level 3 asks you to monitor and report on delivery."),
    Step("george.evans", "MIM", M(3, 10), 3, "approve", 3, days=5, revalidate=True),
    Step("chloe.martin", "SLM", M(2, 3), 3, "reject", days=12, cause="workload",
         action="Review slots booked weekly in the Service Desk rota.",
         comment="The evidence shows level 2 work; keep the monthly reports coming and try again."),
    Step("george.evans", "SFIA", M(2, 4), 3, "approve", 3, days=13),
    # Sam Taylor's one validated level (major incident management, after the new version): the
    # employee's sign-in has a level to download as a credential and verify.
    Step("sam.taylor", "MIM", M(2, 9), 2, "approve", 2, days=4),
    Step("noah.berg", "SFIA", M(2, 5), 3, "approve", 3, days=4),
    Step("chloe.martin", "SFIA", D(50), 5, "reject", days=4,
         comment="Level 5 asks for ownership of the service level management process; that is not part of the role yet."),
    # The previous month: one late and escalated (its cause recorded), one reassigned.
    Step("mia.jensen", "SFIA", M(1, 2), 3, "approve", 3, days=5),
    Step("zoe.brown", "SLM", M(1, 3), 3, "approve", 3, days=2, reassign_to="marcus.webb", cause="reviewer_absent",
         action="Kwame Mensah was on leave; HR gave the review to Marcus Webb and leave cover is now agreed before it starts."),
    Step("yuki.tanaka", "SFIA", M(1, 4), 3, "approve", 3, days=7),
    Step("marcus.webb", "SFIA", M(1, 5), 4, "approve", 4, days=9, revalidate=True, cause="evidence_unclear",
         action="Priya asked for the SLA report; guidance on evidence added to the team page."),
    # This month, and what is waiting now.
    Step("liam.walsh", "SLM", M(0, 3), 3, "approve", 3, days=3),
    Step("ibrahim.said", "SFIA", M(0, 4), 2, "approve", 2, days=8),
    # The Service Desk's campaign, opened five weeks ago: about half have started, a quarter have done it.
    # (Ella Nowak has never assessed SLMO: the gap report's "not assessed", and its reminder.)
    Step("david.cohen", "SFIA", D(28), 3, "approve", 3, days=2),
    Step("kwame.mensah", "SLM", D(26), 3, "approve", 3, days=10),
    Step("david.cohen", "SLM", D(24), 3, "approve", 3, days=4),
    Step("ravi.patel", "SFIA", D(20), 3, "approve", 3, days=4),
    Step("kwame.mensah", "SFIA", D(19), 3, "approve", 3, days=3),
    Step("ravi.patel", "SLM", D(18), 3, "approve", 3, days=5),
    Step("jack.oneill", "SFIA", D(30), 3, "return", days=3,
         comment="Please add the monthly SLA report you produced, and an example of a breach you investigated."),
    Step("tom.fischer", "SFIA", WD(11), 3, "submitted"),
    Step("ella.nowak", "SLM", WD(7), 3, "submitted"),
    Step("mia.jensen", "SLM", D(9), 2, "draft"),
]

CLOSED_CAMPAIGN = "Service management self-assessment"
OPEN_CAMPAIGN = "Service desk self-assessment"
PAST_PLAN = "Service level reporting for the desk"
CURRENT_PLAN = "SLA fundamentals for new starters"


class Story:
    """The story's moments for one ``now``, and its events in time order."""

    def __init__(self, now: datetime):
        self.now = now
        self.cal = service_levels.working_calendar()
        self.today = self.cal.local_date(now)
        self._queue: list = []
        self._seq = itertools.count()
        self.lines: list[str] = []

    # -- moments ------------------------------------------------------------------
    def at(self, day: date, hour: int = 9, minute: int = 30) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.cal.tz)

    def working(self, day: date) -> date:
        while not self.cal.is_working_day(day):
            day += timedelta(days=1)
        return day

    def month_day(self, months: int, day: int) -> date:
        index = self.today.year * 12 + self.today.month - 1 - months
        return date(index // 12, index % 12 + 1, min(day, 28))

    def submitted_at(self, when: When) -> datetime:
        if when.working_days is not None:
            day = self.today
            for _ in range(when.working_days):
                day -= timedelta(days=1)
                while not self.cal.is_working_day(day):
                    day -= timedelta(days=1)
            return self.at(day, 10, 0)
        if when.days is not None:
            return self.at(self.working(self.today - timedelta(days=when.days)))
        return self.at(self.working(self.month_day(when.months, when.day)))

    def later(self, moment: datetime, working_days: int, hour: int = 9, minute: int = 0) -> datetime:
        """``working_days`` working days after ``moment``, at ``hour``:``minute`` (before the
        submission's own time of day: a decision on the due day is on time)."""
        day = self.cal.local(add_working_days(self.cal, moment, working_days)).date()
        return self.at(day, hour, minute)

    def in_time(self, step: Step) -> bool:
        """Whether the step has happened by now: a decided one decided before now (early in a
        month, this month's are still to come), a waiting one submitted."""
        submitted = self.submitted_at(step.when)
        if step.outcome in ("draft", "submitted"):
            return submitted - timedelta(days=1) < self.now
        days = step.days + (7 if step.returned_first else 0) + (10 if step.reassign_to else 0)
        return self.later(submitted, days) < self.now

    # -- the queue ------------------------------------------------------------------
    def then(self, moment: datetime, action, *args) -> None:
        heapq.heappush(self._queue, (moment, next(self._seq), action, args))

    def run(self) -> None:
        while self._queue:
            moment, _, action, args = heapq.heappop(self._queue)
            if moment >= self.now:
                continue  # not yet: the story stops at now
            with history.as_of(moment):
                action(*args)


def person(local: str):
    return accounts.by_email(local if "@" in local else f"{local}@acme.example")


def skill_of(framework_code: str):
    """The skill of the newest published version of the framework (as it is at the story's moment)."""
    return history.published_skill(framework_code, SKILLS[framework_code])


def load(now: datetime) -> list[str]:
    story = Story(now)
    _settings(story)
    chains = _chains()
    steps = [s for s in STORY if (s.email, s.framework) in chains and story.in_time(s)]
    for step in steps:
        story.then(story.submitted_at(step.when) - timedelta(days=1), _start, story, step)
    if steps:
        story.lines.append(f"Demo history added: {len(steps)} assessments over the last two years.")
    _campaigns(story)
    _plans(story)
    _versions(story)
    if steps:
        # People read their notifications at the time; the last ten days' are new.
        story.then(story.at(story.today - timedelta(days=10), 18, 0), _read_notifications)
    story.run()
    with history.as_of(now):
        result = service_levels.run_checks(SYSTEM, now=now)
    if result.escalated or result.warned or result.reminded:
        story.lines.append("Review service levels checked: " + result.summary())
    return story.lines


def _chains() -> set[tuple[str, str]]:
    """The (person, framework) chains to write: those whose person has no assessment of that skill yet."""
    out = set()
    for email, code in dict.fromkeys((s.email, s.framework) for s in STORY):
        who = person(email)
        if who is not None and who.manager is not None and not history.has_assessment_of(who, code, SKILLS[code]):
            out.add((email, code))
    return out


# -- the service levels: targets and holidays, set at the start of the story ---------------

def holidays_of(year: int) -> list[tuple[date, str]]:
    """England's bank holidays of ``year`` (a weekend one moves to the next working day)."""
    def monday_on_or_after(day: date) -> date:
        return day + timedelta(days=(7 - day.weekday()) % 7)

    def last_monday(month: int) -> date:
        day = date(year, month, 31 if month in (5, 8) else 30)
        return day - timedelta(days=day.weekday())

    def substitute(day: date) -> date:
        return day + timedelta(days={5: 2, 6: 1}.get(day.weekday(), 0))

    christmas = date(year, 12, 25)
    boxing = date(year, 12, 26)
    christmas_off = substitute(christmas)
    boxing_off = substitute(boxing)
    if boxing_off <= christmas_off:
        boxing_off = christmas_off + timedelta(days=1)
    return [
        (substitute(date(year, 1, 1)), "New Year's Day"),
        (easter(year) - timedelta(days=2), "Good Friday"),
        (easter(year) + timedelta(days=1), "Easter Monday"),
        (monday_on_or_after(date(year, 5, 1)), "Early May bank holiday"),
        (last_monday(5), "Spring bank holiday"),
        (last_monday(8), "Summer bank holiday"),
        (christmas_off, "Christmas Day" if christmas_off == christmas else "Christmas Day (substitute)"),
        (boxing_off, "Boxing Day" if boxing_off == boxing else "Boxing Day (substitute)"),
    ]


def _settings(story: Story) -> None:
    with history.as_of(story.now - timedelta(days=800) + timedelta(hours=1)):
        default, overrides = service_levels.targets(SYSTEM)
        if default.source == "built-in defaults":
            service_levels.save_target(SYSTEM, None, decision_days=10, warning_days=2, reminder_days=5, campaign_completion_pct=90)
            story.lines.append("Review service level targets set: decide within 10 working days.")
        desk = org.by_path("Acme/IT/Service Desk")
        if desk is not None and not any(unit.id == desk.id for unit, _ in overrides):
            service_levels.save_target(SYSTEM, desk, decision_days=8, warning_days=2, reminder_days=3, campaign_completion_pct=95)
        have = {h.day for h in service_levels.holidays(SYSTEM)}
        for year in range(story.today.year - 3, story.today.year + 2):
            for day, name in holidays_of(year):
                if day not in have:
                    service_levels.add_holiday(SYSTEM, day=day, name=name)
    story.cal = service_levels.working_calendar()


# -- the assessments ---------------------------------------------------------------------------

def _evidence(who, a, text: str) -> None:
    for d in assessments.claimed_descriptors(a):
        if not any(d.id in {x.id for x in e.descriptors} for e in a.evidence):
            assessments.add_evidence(who, a, descriptor_ids=[d.id], text=f"{text} {d.text}")


def _start(story: Story, step: Step) -> None:
    who, skill = person(step.email), skill_of(step.framework)
    if who is None or skill is None:
        return
    if step.revalidate:
        previous = history.latest_validated(who, step.framework, SKILLS[step.framework])
        a = revalidation.revalidate(who, previous) if previous is not None else assessments.start(who, skill, step.claimed)
    else:
        a = assessments.start(who, skill, step.claimed)
    assessments.save_draft(who, a, claimed_level=step.claimed, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
    _evidence(who, a, "In the last quarter on the service desk:")
    if step.outcome == "draft":
        return
    story.then(story.submitted_at(step.when), _submit, story, step, a.id)


def _submit(story: Story, step: Step, assessment_id: int, resubmitted: bool = False) -> None:
    who = person(step.email)
    a = assessments.get(SYSTEM, assessment_id)
    assessments.submit(who, a)
    submitted = clock.now()
    due = assessments.aware(a.due_at)
    if step.outcome == "submitted":
        decided = None
    elif step.returned_first and not resubmitted:
        decided = story.later(submitted, 4)
        story.then(decided, _decide, story, step, assessment_id, "return")
        return
    elif step.reassign_to:
        # Left with the reviewer (away): escalated past its due moment, then HR reassigns it.
        moved = story.later(due, 1, 10, 0)
        story.then(due + timedelta(hours=1), _checks)
        story.then(moved, _reassign, story, step, assessment_id)
        return
    else:
        decided = story.later(submitted, step.days)
        story.then(decided, _decide, story, step, assessment_id, step.outcome)
    if decided is None or decided > due:
        story.then(due + timedelta(hours=1), _checks)


def _checks() -> None:
    service_levels.run_checks(SYSTEM, now=clock.now())


def _reassign(story: Story, step: Step, assessment_id: int) -> None:
    a = assessments.get(SYSTEM, assessment_id)
    service_levels.reassign(person(HR), a, person(step.reassign_to), now=clock.now(),
                            reason=f"{a.person.manager.name} is on leave until after the review is due.")
    story.then(story.later(clock.now(), step.days, 15, 0), _decide, story, step, assessment_id, step.outcome)


def _decide(story: Story, step: Step, assessment_id: int, outcome: str) -> None:
    a = assessments.get(SYSTEM, assessment_id)
    who = person(step.email)
    reviewer = service_levels.reviewer_of(a)
    validated = step.validated if outcome == "approve" else None
    comment = step.comment
    if outcome == "return":
        comment = comment or "Please add an example from your own work for each descriptor, such as last month's SLA report."
    elif outcome == "approve" and validated != step.claimed:
        comment = comment or LOWER.format(level=validated)
    verdicts = {d.id: ("accepted" if validated is None or d.skill_level.level <= validated else "not_accepted", None)
                for d in assessments.descriptors_in_view(a)}
    assessments.decide(reviewer, a, outcome=outcome, validated_level=validated, comment=comment, verdicts=verdicts)
    if outcome == "return" and step.returned_first:
        # The person adds what was asked for and submits again a few days later.
        again = story.later(clock.now(), 3, 11, 0)
        story.then(again - timedelta(hours=1), _add_more, step, assessment_id)
        story.then(again, _submit, story, step, assessment_id, True)
    if step.cause:
        breach = next((b for b in service_levels.breaches(SYSTEM) if b.assessment_id == a.id), None)
        if breach is not None:
            story.then(story.later(clock.now(), 2, 11, 0), _cause, breach.id, step)
    if outcome == "return" and not step.returned_first:
        # The checks remind the person to resubmit once the reminder is due.
        story.then(story.later(clock.now(), service_levels.target_for(who).reminder_days, 10, 0), _checks)


def _add_more(step: Step, assessment_id: int) -> None:
    who = person(step.email)
    a = assessments.get(SYSTEM, assessment_id)
    d = assessments.claimed_descriptors(a)[0]
    assessments.add_evidence(who, a, descriptor_ids=[d.id], url="https://intranet.acme.example/service-desk/sla-report",
                             text="Last month's SLA report, which I wrote.")


def _cause(breach_id: int, step: Step) -> None:
    hr = person(HR)
    service_levels.record_cause(hr, service_levels.get_breach(hr, breach_id), cause=step.cause, note=None, action=step.action)


def _read_notifications() -> None:
    for who in accounts.active_people():
        notifications.mark_all_read(who)


# -- campaigns -------------------------------------------------------------------------------------

def _campaigns(story: Story) -> None:
    if campaigns.by_name(CLOSED_CAMPAIGN) is None:
        opens = story.month_day(9, 1)
        story.then(story.at(opens, 8, 30), _open_campaign, CLOSED_CAMPAIGN, "Acme/IT/Service Management Office", ("SFIA",),
                   opens, story.month_day(8, 1),
                   "The Service Management Office self-assesses service level management before the annual reviews.")
        story.then(story.at(story.working(story.month_day(8, 4)), 17, 0), _close_campaign, CLOSED_CAMPAIGN)
    if campaigns.by_name(OPEN_CAMPAIGN) is None:
        opens = story.today - timedelta(days=35)
        story.then(story.at(opens, 8, 30), _open_campaign, OPEN_CAMPAIGN, "Acme/IT/Service Desk", ("SFIA", "SLM"),
                   opens, story.today + timedelta(days=14),
                   "Once a year every Service Desk member self-assesses service level management, with evidence.")


def _open_campaign(name: str, path: str, codes: tuple[str, ...], opens: date, due: date, description: str) -> None:
    unit = org.by_path(path)
    skills = [s for s in (skill_of(c) for c in codes) if s is not None]
    if unit is None or not skills:
        return
    campaigns.open_campaign(person(HR), name=name, skills=skills, org_unit=unit, opens_on=opens, due_on=due,
                            description=description)


def _close_campaign(name: str) -> None:
    campaign = campaigns.by_name(name)
    if campaign is not None and campaign.is_open:
        campaigns.close(person(HR), campaign)


# -- training plans -----------------------------------------------------------------------------------

def _plans(story: Story) -> None:
    names = {p.name for p in learning.plans(SYSTEM)}
    if PAST_PLAN not in names:
        starts, ends = story.month_day(6, 1), story.month_day(4, 20)
        story.then(story.at(starts - timedelta(days=7), 11, 0), _create_plan, PAST_PLAN, 3, "Service level reporting in practice",
                   starts, ends, ("zoe.brown", "david.cohen", "jack.oneill"))
        story.then(story.at(story.working(story.month_day(5, 12)), 16, 0), _enrolment, PAST_PLAN, "jack.oneill", "withdrawn")
        for who in ("zoe.brown", "david.cohen"):
            story.then(story.at(story.working(ends), 16, 0), _enrolment, PAST_PLAN, who, "completed")
    if CURRENT_PLAN not in names:
        starts = story.today - timedelta(days=21)
        story.then(story.at(starts - timedelta(days=3), 11, 0), _create_plan, CURRENT_PLAN, 2, "SLA fundamentals",
                   starts, story.today + timedelta(days=30), ("sam.taylor", "mia.jensen", "ella.nowak"))


def _create_plan(name: str, level: int, resource_title: str, starts: date, ends: date, people: tuple[str, ...]) -> None:
    lead = person(LEARNING)
    skill = skill_of("SFIA")
    resource = next((r for r in learning.catalogue(lead, skill_id=skill.id) if r.title == resource_title), None)
    learning.create_plan(lead, name=name, skill=skill, target_level=level, resource=resource, starts_on=starts, ends_on=ends,
                         people=[p for p in (person(x) for x in people) if p is not None])


def _enrolment(plan_name: str, who: str, status: str) -> None:
    lead = person(LEARNING)
    plan = next(p for p in learning.plans(lead) if p.name == plan_name)
    enrolment = next((e for e in plan.enrolments if e.person.email == f"{who}@acme.example"), None)
    if enrolment is not None:
        learning.set_enrolment(lead, enrolment, status)


# -- a framework in two versions ------------------------------------------------------------------------

def _versions(story: Story) -> None:
    if frameworks.find("MIM", "1") is None or frameworks.find("MIM", "2") is not None:
        return
    story.then(story.at(story.working(story.month_day(5, 18)), 10, 0), _draft_version)
    story.then(story.at(story.working(story.month_day(5, 24)), 10, 0), _publish_and_migrate)


def _draft_version() -> None:
    hr = person(HR)
    draft = framework_editor.new_version(hr, frameworks.find("MIM", "1"), "2")
    skill = framework_editor.get_skill(draft, "MIM")
    # Editorial: the same duty, in plainer words.
    framework_editor.edit_descriptor(hr, skill, 1, 2, "Keeps the incident record current while working on the actions assigned to them.")
    framework_editor.mark_change(hr, skill, 1, 2, "editorial")
    # Substantive: level 3 now asks for more.
    framework_editor.edit_descriptor(hr, skill, 3, 1, "Decides when to declare and when to close a major incident, owns it end "
                                                      "to end, and briefs the executive on call within the first hour.")
    framework_editor.mark_change(hr, skill, 3, 1, "substantive")


def _publish_and_migrate() -> None:
    hr = person(HR)
    framework_editor.publish(hr, frameworks.find("MIM", "2"))
    level_migration.migrate(hr, "MIM", "1", "2")
