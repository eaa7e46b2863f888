"""Assessment campaigns: HR asks a population to self-assess some skills by a
due date, follows completion per org unit and per manager, reminds those
behind, and closes the campaign, which freezes a snapshot of its results.

The rules, in one place:

* **Population**: the active people who match every criterion the campaign
  gives: in the org unit or any unit below it, holding the job role, running
  the service. It is live while the campaign is open (a newcomer to the unit is
  invited too) and frozen by the snapshot when it closes.
* **What counts**: an assessment of a campaign skill, by an invited person,
  created or submitted within the campaign window: from the opening date
  (00:00 in the organisation's time zone; from the moment it was opened, for a
  campaign opened on its opening date) until the campaign closes. Work after the due date still counts;
  the person is overdue until they submit.
* **Progress** of a person × skill: *validated*, *rejected* (both decided),
  *submitted*, *draft* (a draft or one returned for more evidence), or *not
  started*. A person is *validated* ("Decided") when every campaign skill is
  decided, *submitted* when every skill is at least submitted, else *overdue*
  once the due date has passed (while the campaign is open), else *partly
  submitted* when some skill is submitted, else *draft* when anything is
  started, else *not started*. Each person falls in exactly one of these six.

Completion is counted set-wise in SQL: one statement per view, whatever the
number of people.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app, has_app_context

from sqlalchemy import and_, case, func, insert, literal, or_, select, union
from sqlalchemy.orm import aliased, joinedload, selectinload

from skills_app import policy
from skills_app.errors import InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models import Assessment, Framework, JobRole, OrgUnit, Person, Service, Skill
from skills_app.models.campaigns import (
    PROGRESS, PROGRESS_LABELS, Campaign, CampaignReminder, CampaignResult, CampaignTemplate, campaign_person, campaign_skill,
)
from skills_app.models.framework import utcnow
from skills_app.models.requirements import person_job_role, person_service
from skills_app.services import MAX_NAME, by_id, clean_name
from skills_app.services import audit, gaps, locks, notifications
from skills_app.services.assessments import current_levels
from skills_app.services.service_levels import working_calendar
from skills_app.words import plural, verb

SKILL_STAGES = ("not_started", "draft", "submitted", "rejected", "validated")
DECIDED = 3  # the index of the first decided stage


def today() -> date:
    return utcnow().date()


def window_start(campaign: Campaign) -> datetime:
    """From when work counts: the start of the opening date in the organisation's
    time zone, or, for a campaign opened on its opening date, the moment it was
    opened (work done earlier that day was not asked for by it)."""
    cal = working_calendar()
    start = datetime.combine(campaign.opens_on, time.min, tzinfo=cal.tz).astimezone(timezone.utc)
    created = campaign.created_at
    if created is not None:
        created = created if created.tzinfo else created.replace(tzinfo=timezone.utc)
        if cal.local_date(created) == campaign.opens_on and created > start:
            return created
    return start


# -- reading -----------------------------------------------------------------

def list_all(actor) -> list[Campaign]:
    policy.require(actor, "manage_campaigns")
    stmt = (select(Campaign).options(selectinload(Campaign.skills).selectinload(Skill.framework))
            .order_by(case((Campaign.status == "open", 0), else_=1), Campaign.due_on.desc(), Campaign.id.desc()))
    return list(db.session.scalars(stmt))


def get(actor, campaign_id: int) -> Campaign:
    campaign = by_id(Campaign, campaign_id, "campaign")
    policy.require(actor, "view_campaign", campaign)
    return campaign


def by_name(name: str) -> Campaign | None:
    """The campaign called ``name``, if any (the demo loader's check)."""
    return db.session.scalar(select(Campaign).where(Campaign.name == name))


def for_person(actor, person: Person | None = None) -> list[Campaign]:
    """The open campaigns (already opened) that invite this person: what their dashboard shows."""
    person = person or actor
    if not isinstance(person, Person):
        return []
    stmt = (select(Campaign).where(Campaign.status == "open", Campaign.opens_on <= today())
            .options(selectinload(Campaign.skills).selectinload(Skill.framework)).order_by(Campaign.due_on, Campaign.id))
    return [c for c in db.session.scalars(stmt) if c.includes(person)]


def population(campaign: Campaign):
    """A select of the invited people's ids (see the module's rules): those the
    rule invites, and those added by hand.

    The two are one UNION of ids read by their indexes (the unit's people by
    ``org_unit_id``, the added by the campaign): "rule OR added" on the person
    table read all 100,000 people to find a unit's 13 (54 ms at 100,000 people),
    and was guessed at three quarters of them, so each statement over the
    population then read every assessment too."""
    stmt = select(Person.id).where(Person.active.is_(True))
    added = select(campaign_person.c.person_id).where(campaign_person.c.campaign_id == campaign.id)
    if (campaign.org_unit_path and campaign.org_unit_id is None) or not (
            campaign.org_unit_id or campaign.job_role_id or campaign.service_id):
        return stmt.where(Person.id.in_(added))
    ruled = aliased(Person)
    rule = []
    if campaign.org_unit is not None:
        path = campaign.org_unit.path
        units = select(OrgUnit.id).where(or_(OrgUnit.path == path, OrgUnit.path.startswith(path + "/", autoescape=True)))
        rule.append(ruled.org_unit_id.in_(units))
    if campaign.job_role_id:
        rule.append(ruled.id.in_(select(person_job_role.c.person_id).where(person_job_role.c.job_role_id == campaign.job_role_id)))
    if campaign.service_id:
        rule.append(ruled.id.in_(select(person_service.c.person_id).where(person_service.c.service_id == campaign.service_id)))
    return stmt.where(Person.id.in_(union(select(ruled.id).where(*rule), added)))


def _counted(campaign: Campaign):
    """Per invited person × campaign skill, the furthest stage of the assessments that count: 1 draft, 2 submitted,
    3 rejected, 4 validated (3 and 4 are decided)."""
    start = window_start(campaign)
    in_window = or_(Assessment.created_at >= start, Assessment.submitted_at >= start)
    if campaign.closed_at is not None:
        in_window = and_(in_window, or_(Assessment.created_at <= campaign.closed_at, Assessment.submitted_at <= campaign.closed_at))
    stage = case((Assessment.status == "validated", 4), (Assessment.status == "rejected", 3), (Assessment.status == "submitted", 2),
                 else_=1)
    return (
        select(Assessment.person_id, Assessment.skill_id, func.max(stage).label("stage"))
        .where(Assessment.skill_id.in_(select(campaign_skill.c.skill_id).where(campaign_skill.c.campaign_id == campaign.id)),
               Assessment.person_id.in_(population(campaign)), in_window)
        .group_by(Assessment.person_id, Assessment.skill_id)
        .cte("counted")
    )


def _progress_select(campaign: Campaign, *, on: date | None = None):
    """One row per invited person: who they are, where, their manager, and their progress."""
    on = on or today()
    counted = _counted(campaign)
    n = len(campaign.skills)
    started = func.count(counted.c.skill_id)
    submitted = func.coalesce(func.sum(case((counted.c.stage >= 2, 1), else_=0)), 0)
    decided = func.coalesce(func.sum(case((counted.c.stage >= 3, 1), else_=0)), 0)
    overdue = campaign.is_open and on > campaign.due_on
    whens = [(and_(literal(n > 0), decided >= n), literal("validated")),
             (and_(literal(n > 0), submitted >= n), literal("submitted"))]
    if overdue:
        whens.append((literal(True), literal("overdue")))
    whens.append((submitted > 0, literal("partly_submitted")))
    whens.append((started > 0, literal("draft")))
    progress = case(*whens, else_=literal("not_started"))
    manager = Person.__table__.alias("manager")
    return (
        select(Person.id.label("person_id"), Person.name.label("person"), Person.email.label("email"),
               func.coalesce(OrgUnit.path, literal("—")).label("org_unit"),
               Person.manager_id.label("manager_id"), func.coalesce(manager.c.name, literal("(no manager)")).label("manager"),
               started.label("started"), submitted.label("submitted"), decided.label("decided"), progress.label("progress"))
        .select_from(Person)
        .outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .outerjoin(manager, manager.c.id == Person.manager_id)
        .outerjoin(counted, counted.c.person_id == Person.id)
        .where(Person.id.in_(population(campaign)))
        .group_by(Person.id, Person.name, Person.email, OrgUnit.path, Person.manager_id, manager.c.name)
    )


@dataclass
class Completion:
    total: dict
    by_unit: list[dict]
    by_manager: list[dict]


def _empty_counts() -> dict:
    return {"people": 0, **{p: 0 for p in PROGRESS}}


def completion(actor, campaign: Campaign, *, on: date | None = None) -> Completion:
    """Counts of people per progress, in all, per org unit and per manager: counted in SQL."""
    policy.require(actor, "manage_campaigns")
    people = _progress_select(campaign, on=on).subquery()

    def grouped(*keys):
        cols = [people.c[k] for k in keys]
        stmt = select(*cols, people.c.progress, func.count()).group_by(*cols, people.c.progress).order_by(*cols)
        out: dict = {}
        for row in db.session.execute(stmt):
            key = tuple(row[:len(keys)])
            counts = out.setdefault(key, _empty_counts())
            counts[row[len(keys)]] += row[-1]
            counts["people"] += row[-1]
        return out

    by_unit = [{"group": k[0], **v} for k, v in grouped("org_unit").items()]
    by_manager = [{"group": k[1], "manager_id": k[0], **v} for k, v in grouped("manager_id", "manager").items()]
    by_manager.sort(key=lambda r: (r["manager_id"] is None, r["group"]))
    return Completion(_total(by_unit), by_unit, by_manager)


def _total(groups) -> dict:
    total = _empty_counts()
    for row in groups:
        for key in total:
            total[key] += row[key]
    total["done"] = round((total["submitted"] + total["validated"]) / total["people"] * 100) if total["people"] else None
    return total


def total(actor, campaign: Campaign, *, on: date | None = None) -> dict:
    """Completion's counts in all (``completion(...).total``), in one statement: what the list of campaigns shows."""
    policy.require(actor, "manage_campaigns")
    people = _progress_select(campaign, on=on).subquery()
    counts = _empty_counts()
    for progress, n in db.session.execute(select(people.c.progress, func.count()).group_by(people.c.progress)):
        counts[progress] += n
        counts["people"] += n
    return _total([counts])


def people(actor, campaign: Campaign, *, progress: str | None = None, limit: int = 500) -> list[dict]:
    """Each invited person and their progress (one query), optionally only those at one stage."""
    policy.require(actor, "manage_campaigns")
    sub = _progress_select(campaign).subquery()
    stmt = select(sub)
    if progress:
        if progress not in PROGRESS:
            raise InvalidInput.on("progress", f"progress is one of {', '.join(PROGRESS)}")
        stmt = stmt.where(sub.c.progress == progress)
    stmt = stmt.order_by(sub.c.org_unit, sub.c.person, sub.c.person_id).limit(limit)
    return [dict(r._mapping) for r in db.session.execute(stmt)]


@dataclass
class MySkill:
    skill: Skill
    stage: str
    assessment: Assessment | None


def my_part(actor, campaign: Campaign, person: Person | None = None) -> list[MySkill]:
    """The invited person's own part: each campaign skill, how far they are, and the assessment to continue."""
    person = person or actor
    policy.require(actor, "view_campaign", campaign)
    if not isinstance(person, Person) or not campaign.includes(person):
        return []
    start = window_start(campaign)
    stmt = (select(Assessment).where(Assessment.person_id == person.id,
                                     Assessment.skill_id.in_([s.id for s in campaign.skills]),
                                     or_(Assessment.created_at >= start, Assessment.submitted_at >= start))
            .order_by(Assessment.created_at, Assessment.id))
    latest: dict[int, Assessment] = {}
    best: dict[int, int] = {}
    rank = {"draft": 1, "returned": 1, "submitted": 2, "rejected": 3, "validated": 4}
    for a in db.session.scalars(stmt):
        latest[a.skill_id] = a
        best[a.skill_id] = max(best.get(a.skill_id, 0), rank.get(a.status, 1))
    return [MySkill(skill, SKILL_STAGES[best.get(skill.id, 0)], latest.get(skill.id)) for skill in campaign.skills]


def person_progress(campaign: Campaign, parts: list[MySkill], *, on: date | None = None) -> str:
    """The same rule as the SQL, for one person's part."""
    on = on or today()
    stages = [SKILL_STAGES.index(p.stage) for p in parts]
    if stages and min(stages) >= DECIDED:
        return "validated"
    if stages and min(stages) >= 2:
        return "submitted"
    if campaign.is_open and on > campaign.due_on:
        return "overdue"
    if any(s >= 2 for s in stages):
        return "partly_submitted"
    return "draft" if any(stages) else "not_started"


@dataclass
class Card:
    """One dashboard card: a campaign, or overlapping campaigns merged so that a
    skill two of them ask for appears once (the earliest due date applies)."""
    campaign: Campaign              # the one due first: its name, dates and link lead
    also: list[Campaign]            # the others merged into the card
    parts: list[MySkill]
    progress: str

    @property
    def campaigns(self) -> list[Campaign]:
        return [self.campaign, *self.also]


def dashboard_cards(actor, person: Person | None = None) -> list[Card]:
    """The open campaigns inviting the person, as cards: campaigns that share a
    skill are one card, each skill once (at the stage it has reached for all of them)."""
    groups: list[tuple[list[Campaign], dict[int, MySkill]]] = []
    for campaign in for_person(actor, person):
        parts = {p.skill.id: p for p in my_part(actor, campaign, person)}
        home = next((g for g in groups if set(g[1]) & set(parts)), None)
        if home is None:
            groups.append(([campaign], parts))
            continue
        home[0].append(campaign)
        for skill_id, part in parts.items():
            # The stage still to reach for every campaign asking for the skill: work from before a
            # campaign opened does not count for it; an assessment made now counts for all of them.
            held = home[1].get(skill_id)
            if held is None or (SKILL_STAGES.index(part.stage), part.assessment is None) < (
                    SKILL_STAGES.index(held.stage), held.assessment is None):
                home[1][skill_id] = part
    cards = []
    for members, parts in groups:
        members.sort(key=lambda c: (c.due_on, c.id))
        merged = sorted(parts.values(), key=lambda p: (p.skill.code, p.skill.id))
        cards.append(Card(members[0], members[1:], merged, person_progress(members[0], merged)))
    return cards


# -- opening ---------------------------------------------------------------------

def _parse_date(value, label: str, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput.on(field, f"The {label} is not a date such as 2026-03-31.") from None


def _invitation(name, what: str, skills, org_unit, job_role, service) -> tuple[str, dict[str, str]]:
    """What a campaign and a template both check: a name (``what`` says whose),
    at least one skill and who is invited. Returns the clean name and the
    problems by field."""
    errors = {}
    try:
        name = clean_name(name, missing=f"Give the {what} a name.")
    except InvalidInput as exc:
        errors.update(exc.fields)
    if not skills:
        errors["skills"] = "Choose at least one skill to assess."
    if org_unit is None and job_role is None and service is None:
        errors["population"] = "Choose who is invited: an org unit, a job role or a service (or several: people must match all)."
    return name, errors


def open_campaign(actor, *, name: str, skills: list[Skill], opens_on, due_on, org_unit: OrgUnit | None = None,
                  job_role: JobRole | None = None, service: Service | None = None, description: str | None = None) -> Campaign:
    """Open a campaign; those invited are told at once when it has opened (else the dashboard shows it from the opening date)."""
    policy.require(actor, "manage_campaigns")
    name, errors = _invitation(name, "campaign", skills, org_unit, job_role, service)
    opens = _parse_date(opens_on, "opening date", "opens_on")
    due = _parse_date(due_on, "due date", "due_on")
    if due < opens:
        errors["due_on"] = f"The due date ({due:%-d %b %Y}) is before the opening date ({opens:%-d %b %Y})."
    if errors:
        raise InvalidInput.on_fields(errors)
    campaign = Campaign(name=name, description=(description or "").strip() or None, org_unit=org_unit,
                        org_unit_path=org_unit.path if org_unit else None, job_role=job_role, service=service,
                        opens_on=opens, due_on=due, status="open", skills=list(dict.fromkeys(skills)),
                        created_by=actor if isinstance(actor, Person) else None)
    db.session.add(campaign)
    db.session.flush()
    invited = 0
    if opens <= today():
        invited = _invite(campaign)
    # A warning, not a refusal: HR may mean it (a unit's campaign inside an organisation-wide one).
    campaign.overlaps = overlaps(actor, campaign)
    audit.record(actor, "campaign.opened", campaign,
                 summary=f"campaign {name!r} opened for {campaign.population_label}: "
                         f"{', '.join(s.code for s in campaign.skills)}, {opens.isoformat()} to {due.isoformat()}",
                 data={"skills": [s.id for s in campaign.skills], "org_unit": campaign.org_unit_path,
                       "job_role": job_role.name if job_role else None, "service": service.name if service else None,
                       "opens_on": opens.isoformat(), "due_on": due.isoformat(), "invited": invited,
                       "overlaps": [{"campaign_id": o.other.id, "people": o.people, "skills": [s.id for s in o.skills]}
                                    for o in campaign.overlaps]})
    return campaign


@dataclass
class Overlap:
    other: Campaign
    skills: list[Skill]   # asked for by both
    people: int           # invited to both

    def sentence(self) -> str:
        return (f"It overlaps with the open campaign {self.other.name!r} (due {self.other.due_on:%-d %b %Y}): "
                f"{plural(self.people, 'person')} {verb(self.people, 'is', 'are')} asked for "
                f"{', '.join(s.code for s in self.skills)} by both. They see each skill once on their dashboard, "
                "and one assessment counts for both.")


def overlaps(actor, campaign: Campaign) -> list[Overlap]:
    """The other open campaigns that ask some of the same people for some of the same skills."""
    policy.require(actor, "manage_campaigns")
    mine = {s.id for s in campaign.skills}
    others = db.session.scalars(select(Campaign).where(Campaign.status == "open", Campaign.id != campaign.id)
                                .join(campaign_skill, campaign_skill.c.campaign_id == Campaign.id)
                                .where(campaign_skill.c.skill_id.in_(mine)).distinct().order_by(Campaign.id)).all()
    found = []
    for other in others:
        shared = db.session.scalar(select(func.count()).select_from(
            population(campaign).intersect(population(other)).subquery()))
        if shared:
            found.append(Overlap(other, [s for s in other.skills if s.id in mine], shared))
    return found


def _skills_text(campaign: Campaign) -> str:
    return ", ".join(f"{s.code} {s.name}" for s in campaign.skills)


def _invite(campaign: Campaign) -> int:
    people_ = db.session.scalars(select(Person).where(Person.id.in_(population(campaign)))).all()
    for person in people_:
        notifications.notify(person, f"You are invited to the assessment campaign {campaign.name!r}: self-assess "
                                     f"{_skills_text(campaign)} by {campaign.due_on:%-d %b %Y}.", f"/campaigns/{campaign.id}")
    return len(people_)


# -- a report's next step: one person into an open campaign ----------------------------

def open_asking_for(actor, skill_ids) -> dict[int, list[Campaign]]:
    """The open campaigns asking for each of these skills (a report row's "Add to the campaign")."""
    policy.require(actor, "manage_campaigns")
    ids = {int(i) for i in skill_ids if i is not None}
    if not ids:
        return {}
    # Each with its org unit (a row's population reads it), joined rather than read after.
    rows = db.session.execute(select(campaign_skill.c.skill_id, Campaign).join(Campaign, Campaign.id == campaign_skill.c.campaign_id)
                              .options(joinedload(Campaign.org_unit))
                              .where(Campaign.status == "open", campaign_skill.c.skill_id.in_(ids))
                              .order_by(Campaign.due_on, Campaign.id)).all()
    found: dict[int, list[Campaign]] = {}
    for skill_id, campaign in rows:
        found.setdefault(skill_id, []).append(campaign)
    return found


def row_campaigns(actor, pairs) -> dict[tuple[int, int], tuple[list[Campaign], list[Campaign]]]:
    """For report rows (person id, skill id): the open campaigns asking for the
    skill that already invite the person, and those the person could be added to.
    One query per open campaign asking for one of the skills."""
    pairs = {(int(p), int(s)) for p, s in pairs}
    asking = open_asking_for(actor, {s for _, s in pairs})
    people_ids = {p for p, _ in pairs}
    invited: dict[int, set[int]] = {}
    for campaign in {c for found in asking.values() for c in found}:
        invited[campaign.id] = set(db.session.scalars(population(campaign).where(Person.id.in_(people_ids))))
    out = {}
    for person_id, skill_id in pairs:
        found = asking.get(skill_id, [])
        out[(person_id, skill_id)] = ([c for c in found if person_id in invited[c.id]],
                                      [c for c in found if person_id not in invited[c.id]])
    return out


def add_person(actor, campaign: Campaign, person: Person) -> Campaign:
    """Ask one more person in an open campaign (besides those its rule invites):
    they are told at once when it has opened, and count in its progress, reminders
    and snapshot like everyone invited."""
    policy.require(actor, "manage_campaigns")
    policy.require(actor, "view_person", person)
    locks.hold(campaign)  # the same person added twice at once: the second waits, then finds her invited
    if not campaign.is_open:
        raise InvalidState(f"The campaign {campaign.name!r} is closed; open a new one to ask {person.name}.")
    if not person.active:
        raise InvalidState(f"{person.name} is no longer active; nobody can be asked on their behalf.")
    if campaign.includes(person):
        raise InvalidState(f"{person.name} is already invited to the campaign {campaign.name!r}.")
    campaign.added.append(person)
    db.session.flush()
    if campaign.opens_on <= today():
        notifications.notify(person, f"You are invited to the assessment campaign {campaign.name!r}: self-assess "
                                     f"{_skills_text(campaign)} by {campaign.due_on:%-d %b %Y}.", f"/campaigns/{campaign.id}")
    audit.record(actor, "campaign.person_added", campaign,
                 summary=f"{person.name} <{person.email}> added to the campaign {campaign.name!r}",
                 data={"person_id": person.id, "told": campaign.opens_on <= today()})
    return campaign


# -- templates: a campaign to open again and again -------------------------------------

DEFAULT_DURATION_DAYS = 28


def templates(actor) -> list[CampaignTemplate]:
    policy.require(actor, "manage_campaigns")
    stmt = select(CampaignTemplate).options(selectinload(CampaignTemplate.skills).selectinload(Skill.framework)).order_by(
        CampaignTemplate.name)
    return list(db.session.scalars(stmt))


def get_template(actor, template_id: int) -> CampaignTemplate:
    policy.require(actor, "manage_campaigns")
    return by_id(CampaignTemplate, template_id, "campaign template")


def save_template(actor, template: CampaignTemplate | None, *, name: str, skills: list[Skill], duration_days,
                  org_unit: OrgUnit | None = None, job_role: JobRole | None = None, service: Service | None = None,
                  description: str | None = None) -> CampaignTemplate:
    """Create (``template`` None) or change a campaign template: a unique name,
    at least one skill, a population rule, and from 1 to 366 days."""
    policy.require(actor, "manage_campaigns")
    name, errors = _invitation(name, "template", skills, org_unit, job_role, service)
    if "name" not in errors:
        clash = db.session.scalar(select(CampaignTemplate).where(func.lower(CampaignTemplate.name) == name.lower()))
        if clash is not None and clash is not template:
            errors["name"] = f"There is already a template called {clash.name!r}."
    try:
        days = int(duration_days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= 366:
        errors["duration_days"] = "A campaign runs from 1 to 366 days."
    if errors:
        raise InvalidInput.on_fields(errors)
    created = template is None
    before = None if created else _template_data(template)
    if created:
        template = CampaignTemplate(name=name)
        db.session.add(template)
    template.name, template.description = name, (description or "").strip() or None
    template.org_unit, template.job_role, template.service = org_unit, job_role, service
    template.duration_days = days
    template.skills = list(dict.fromkeys(skills))
    db.session.flush()
    audit.record(actor, f"campaign_template.{'created' if created else 'updated'}", template,
                 summary=f"campaign template {name!r} {'created' if created else 'updated'}: "
                         f"{', '.join(s.code for s in template.skills)} for {template.population_label}, "
                         f"{plural(days, 'day')}",
                 data={"from": before, "to": _template_data(template)})
    return template


def _template_data(t: CampaignTemplate) -> dict:
    return {"name": t.name, "skills": [s.id for s in t.skills], "org_unit": t.org_unit.path if t.org_unit else None,
            "job_role": t.job_role.name if t.job_role else None, "service": t.service.name if t.service else None,
            "duration_days": t.duration_days}


def delete_template(actor, template: CampaignTemplate) -> None:
    """Remove a template; the campaigns opened from it stay as they are."""
    policy.require(actor, "manage_campaigns")
    name = template.name
    db.session.delete(template)
    db.session.flush()
    audit.record(actor, "campaign_template.deleted", None, summary=f"campaign template {name!r} deleted",
                 data={"template_id": template.id})


def open_from_template(actor, template: CampaignTemplate, *, opens_on=None, name: str | None = None) -> Campaign:
    """Open a campaign with the template's skills and population, due its
    duration after the opening date (today when not given)."""
    policy.require(actor, "manage_campaigns")
    opens = _parse_date(opens_on, "opening date", "opens_on") if opens_on else today()
    campaign = open_campaign(actor, name=(name or "").strip() or f"{template.name} {opens:%b %Y}", skills=list(template.skills),
                             opens_on=opens, due_on=opens + timedelta(days=template.duration_days), org_unit=template.org_unit,
                             job_role=template.job_role, service=template.service, description=template.description)
    audit.record(actor, "campaign_template.used", template,
                 summary=f"campaign {campaign.name!r} opened from the template {template.name!r}",
                 data={"campaign_id": campaign.id})
    return campaign


# -- reminding -------------------------------------------------------------------

DEFAULT_REMINDER_COOLDOWN_DAYS = 3


def reminder_cooldown_days() -> int:
    """Days before the same person is reminded again for the same campaign (``REMINDER_COOLDOWN_DAYS``, default 3)."""
    if has_app_context():
        return int(current_app.config.get("REMINDER_COOLDOWN_DAYS", DEFAULT_REMINDER_COOLDOWN_DAYS))
    return DEFAULT_REMINDER_COOLDOWN_DAYS


@dataclass
class Reminders:
    people: int
    managers: int
    # Not reminded again: reminded for this campaign within the cooldown.
    skipped: int = 0
    cooldown_days: int = DEFAULT_REMINDER_COOLDOWN_DAYS


@dataclass
class ReminderPlan:
    behind: list            # (person, progress, submitted) to remind
    managers: list          # (manager, waiting count) to remind
    cooling: list           # people behind or managers left alone: reminded within the cooldown
    cooldown_days: int


def plan_reminders(actor, campaign: Campaign, now: datetime | None = None) -> ReminderPlan:
    """Who a reminder would reach now, and who it would leave alone (reminded
    within the cooldown). Writes nothing: the confirmation page shows it."""
    policy.require(actor, "manage_campaigns")
    if not campaign.is_open:
        raise InvalidState(f"The campaign {campaign.name!r} is closed; there is no one to remind.")
    if campaign.opens_on > today():
        raise InvalidState(f"The campaign {campaign.name!r} opens on {campaign.opens_on:%-d %b %Y}; remind people after that.")
    now = now or utcnow()
    days = reminder_cooldown_days()
    recent = set(db.session.scalars(select(CampaignReminder.person_id).where(
        CampaignReminder.campaign_id == campaign.id, CampaignReminder.sent_at > now - timedelta(days=days))))
    sub = _progress_select(campaign).subquery()
    behind = db.session.execute(
        select(Person, sub.c.progress, sub.c.submitted).join(sub, sub.c.person_id == Person.id)
        .where(sub.c.progress.in_(("not_started", "draft", "partly_submitted", "overdue"))).order_by(Person.id)
    ).all()
    waiting = _waiting_queues(campaign)
    cooling = [p for p, _, _ in behind if p.id in recent] + [m for m, _ in waiting if m.id in recent]
    return ReminderPlan(behind=[row for row in behind if row[0].id not in recent],
                        managers=[(m, c) for m, c in waiting if m.id not in recent],
                        cooling=list({p.id: p for p in cooling}.values()), cooldown_days=days)


def remind(actor, campaign: Campaign, now: datetime | None = None) -> Reminders:
    """Remind everyone behind (not started, draft, partly submitted, overdue) and
    every manager with campaign self-assessments waiting for their review; in
    the app and by email. Nobody is reminded twice for a campaign within the
    cooldown (``REMINDER_COOLDOWN_DAYS``): the command can run daily, the button
    be pressed twice."""
    now = now or utcnow()
    plan = plan_reminders(actor, campaign, now)
    n = len(campaign.skills)
    for person, progress, submitted in plan.behind:
        late = "It was due on" if progress == "overdue" else "It is due on"
        notifications.notify(
            person, f"Reminder: the assessment campaign {campaign.name!r} asks you to self-assess {_skills_text(campaign)}; "
                    f"{submitted} of {n} submitted so far. {late} {campaign.due_on:%-d %b %Y}.", f"/campaigns/{campaign.id}")
        db.session.add(CampaignReminder(campaign_id=campaign.id, person_id=person.id, kind="behind", sent_at=now))
    for manager, count in plan.managers:
        notifications.notify(manager, f"{plural(count, 'self-assessment')} from the campaign {campaign.name!r} "
                                      f"{verb(count, 'waits', 'wait')} for your review.", "/reviews/")
        db.session.add(CampaignReminder(campaign_id=campaign.id, person_id=manager.id, kind="reviews", sent_at=now))
    if plan.behind or plan.managers:
        campaign.last_reminded_at = now
    db.session.flush()
    result = Reminders(len(plan.behind), len(plan.managers), len(plan.cooling), plan.cooldown_days)
    audit.record(actor, "campaign.reminded", campaign,
                 summary=f"campaign {campaign.name!r}: reminded {plural(result.people, 'person')} behind and "
                         f"{plural(result.managers, 'manager')} with a waiting queue"
                         + (f"; {plural(result.skipped, 'person')} left alone (reminded within {plural(plan.cooldown_days, 'day')})"
                            if result.skipped else ""),
                 data={"people": [p.id for p, _, _ in plan.behind], "managers": [m.id for m, _ in plan.managers],
                       "skipped": [p.id for p in plan.cooling], "cooldown_days": plan.cooldown_days})
    return result


def _waiting_queues(campaign: Campaign) -> list[tuple[Person, int]]:
    """Active managers of invited people, with how many counted campaign assessments wait for their review."""
    start = window_start(campaign)
    reportee = Person.__table__.alias("reportee")
    stmt = (
        select(Person, func.count(Assessment.id))
        .select_from(Assessment)
        .join(reportee, reportee.c.id == Assessment.person_id)
        .join(Person, Person.id == reportee.c.manager_id)
        .where(Assessment.status == "submitted", Person.active.is_(True),
               Assessment.skill_id.in_(select(campaign_skill.c.skill_id).where(campaign_skill.c.campaign_id == campaign.id)),
               Assessment.person_id.in_(population(campaign)),
               or_(Assessment.created_at >= start, Assessment.submitted_at >= start))
        .group_by(Person.id).order_by(Person.id)
    )
    return [(m, int(c)) for m, c in db.session.execute(stmt).all()]


def to_remind(actor) -> list[Campaign]:
    """The open campaigns that have opened, by id: those the daily reminders go through."""
    policy.require(actor, "manage_campaigns")
    return list(db.session.scalars(select(Campaign).where(Campaign.status == "open", Campaign.opens_on <= today())
                                   .order_by(Campaign.id)))


def remind_all(actor) -> list[tuple[Campaign, Reminders]]:
    """Remind for every open campaign that has opened: what the command line runs (e.g. daily from cron)."""
    return [(c, remind(actor, c)) for c in to_remind(actor)]


# -- closing -----------------------------------------------------------------------

def close(actor, campaign: Campaign) -> int:
    """Close the campaign and freeze a snapshot of its results: per invited
    person × campaign skill (× requirement, where the skill is required), the
    required, current and self-assessed level and the gap engine's status, and
    the person's progress. Returns the number of snapshot rows."""
    policy.require(actor, "manage_campaigns")
    if not campaign.is_open:
        raise InvalidState(f"The campaign {campaign.name!r} is already closed.")

    now = utcnow()
    skill_ids = [s.id for s in campaign.skills]
    # Progress per person × skill (one statement).
    counted = _counted(campaign)
    stages = {(r.person_id, r.skill_id): r.stage for r in db.session.execute(select(counted))}
    pop = _progress_select(campaign).subquery()
    invited = db.session.execute(select(pop.c.person_id, pop.c.person, pop.c.email, pop.c.org_unit, pop.c.manager)).all()
    ids = [r.person_id for r in invited]
    # Required levels and the gap engine's statuses (one statement).
    gap_rows = db.session.execute(
        gaps.gap_select(gaps.Filters(), now=now, scope=population(campaign)).where(Skill.id.in_(skill_ids))
    ).all() if ids else []
    held = current_levels(ids)
    claims = dict(((r.person_id, r.skill_id), r.claimed_level) for r in db.session.execute(
        select(Assessment.person_id, Assessment.skill_id, Assessment.claimed_level)
        .where(Assessment.person_id.in_(population(campaign)), Assessment.skill_id.in_(skill_ids))
        .order_by(Assessment.person_id, Assessment.skill_id, func.coalesce(Assessment.submitted_at, Assessment.created_at), Assessment.id)
    )) if ids else {}
    skills = {s.id: s for s in db.session.scalars(select(Skill).options(selectinload(Skill.framework)).where(Skill.id.in_(skill_ids)))}
    required: dict[tuple[int, int], list] = {}
    for g in gap_rows:
        required.setdefault((g.person_id, g.skill_id), []).append(g)
    records = []
    for person in invited:
        for skill_id in skill_ids:
            skill = skills[skill_id]
            base = {"campaign_id": campaign.id, "person_id": person.person_id, "person_name": person.person,
                    "email": person.email, "org_unit": None if person.org_unit == "—" else person.org_unit,
                    "manager": None if person.manager == "(no manager)" else person.manager,
                    "skill_id": skill_id, "framework": skill.framework.code, "framework_version": skill.framework.version,
                    "skill": skill.code, "skill_name": skill.name,
                    "progress": SKILL_STAGES[stages.get((person.person_id, skill_id), 0)], "taken_at": now}
            level = held.get((person.person_id, skill_id))
            claim = claims.get((person.person_id, skill_id))
            rows = required.get((person.person_id, skill_id))
            if not rows:
                records.append({**base, "job_role": None, "service": None, "required_level": None,
                                "current_level": level.level if level else None, "self_level": claim,
                                "gap": None, "gap_status": None})
                continue
            for g in rows:
                records.append({**base, "job_role": g.job_role, "service": g.service, "required_level": g.required_level,
                                "current_level": g.current_level, "self_level": g.self_level, "gap": g.gap,
                                "gap_status": g.status})
    if records:
        db.session.execute(insert(CampaignResult), records)
    campaign.status = "closed"
    campaign.closed_at = now
    campaign.closed_by = actor if isinstance(actor, Person) else None
    db.session.flush()
    met = sum(1 for r in records if r["gap_status"] == "met")
    with_req = sum(1 for r in records if r["required_level"] is not None)
    audit.record(actor, "campaign.closed", campaign,
                 summary=f"campaign {campaign.name!r} closed: snapshot of {len(records)} rows for {len(invited)} people"
                         + (f"; {met} of {with_req} requirements met" if with_req else ""),
                 data={"rows": len(records), "people": len(invited), "requirements": with_req, "met": met})
    return len(records)


def results(actor, campaign: Campaign) -> list[CampaignResult]:
    policy.require(actor, "manage_campaigns")
    stmt = (select(CampaignResult).where(CampaignResult.campaign_id == campaign.id)
            .order_by(CampaignResult.org_unit, CampaignResult.person_name, CampaignResult.person_id,
                      CampaignResult.framework, CampaignResult.skill, CampaignResult.job_role, CampaignResult.service))
    return list(db.session.scalars(stmt))


RESULT_COLUMNS = ["person_id", "person", "email", "org_unit", "manager", "framework", "framework_version", "skill",
                  "skill_name", "job_role", "service", "required_level", "current_level", "self_level", "gap",
                  "gap_status", "progress"]


def result_records(rows: list[CampaignResult]) -> list[dict]:
    return [{"person_id": r.person_id, "person": r.person_name, "email": r.email, "org_unit": r.org_unit,
             "manager": r.manager, "framework": r.framework, "framework_version": r.framework_version,
             "skill": r.skill, "skill_name": r.skill_name, "job_role": r.job_role, "service": r.service,
             "required_level": r.required_level, "current_level": r.current_level, "self_level": r.self_level,
             "gap": r.gap, "gap_status": r.gap_status, "progress": r.progress} for r in rows]


# -- choices for the form ---------------------------------------------------------------

def skill_choices(actor) -> list[tuple[int, str]]:
    policy.require(actor, "manage_campaigns")
    rows = db.session.execute(select(Skill.id, Skill.code, Skill.name, Framework.code, Framework.version)
                              .join(Framework).order_by(Framework.code, Framework.version, Skill.code))
    return [(sid, f"{fcode} {fversion} · {code} {name}") for sid, code, name, fcode, fversion in rows]


__all__ = ["PROGRESS", "PROGRESS_LABELS"]
