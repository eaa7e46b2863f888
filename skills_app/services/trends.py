"""Coverage over time and calibration, read from the decision history: the
coverage by month counted by the database (today's requirements from the gap
engine against the validated decisions, in one statement), closed campaigns'
snapshots, the decisions for calibration; ``reports.trends`` shapes the series
and computes the tables from them."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, func, literal, select, true, union_all

from skills_app import policy
from skills_app.extensions import db
from skills_app.lazy import pandas as pd
from skills_app.models import Assessment, CrosswalkLevel, Framework, OrgUnit, Person, Requirement, Skill
from skills_app.models.campaigns import Campaign, CampaignResult
from skills_app.models.framework import utcnow
from skills_app.reports import stream, trends
from skills_app.services.gaps import Filters, gap_select, scope_for


# -- coverage by month, counted by the database ------------------------------------------
#
# Each validated decision holds its level over [decided_at, end), ``end`` the earlier of its expiry
# and the next decision of the same person and skill (reports/trends.py). The month points an
# interval covers are a run of them, [low, high), low and high the points before its start and its
# end: a bit mask (bit k: point k). For each (person, skill) held at some point, and each level that
# requirements of skills ask (a handful: 1 to 6 at 100,000 people), the OR of the masks of its
# intervals (held, or given through a crosswalk) at that level or above: the points at which that
# level was met. Each requirement row takes the mask of its required level (a kept row's level is its
# requirement's: services/kept.py), and the rows are counted by group and mask. The masks come back
# (a few hundred), and Python adds each one's rows to the points its bits name. One statement, after
# the levels asked, whatever the number of people or months.

MAX_MONTHS = 62  # the bits of a mask (a signed 64-bit integer)


def _points_before(column, points: list, low: int = 0, high: int | None = None) -> ColumnElement:
    """How many of the (ascending) points come before ``column``: all of them when it is
    NULL (no end). A search by halves (a CASE in a CASE), a few comparisons a row."""
    high = len(points) if high is None else high
    if low == high:
        return literal(low)
    middle = (low + high) // 2
    return case((column <= points[middle], _points_before(column, points, low, middle)),
                else_=_points_before(column, points, middle + 1, high))


def _any_bit(mask, n: int, where) -> ColumnElement:
    """The OR of the masks of the rows ``where`` holds (an aggregate; 0 for none): PostgreSQL's
    bit_or; elsewhere, bit by bit, the highest of each bit."""
    if _postgres():
        return func.coalesce(func.bit_or(mask).filter(where), 0)
    bits = [func.coalesce(func.max(mask.op("&")(1 << k)).filter(where), 0) for k in range(n)]
    return sum(bits[1:], bits[0])


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _decisions(people):
    """The validated decisions (of ``people``): the figures are over these."""
    return and_(Assessment.status == "validated", Assessment.validated_level.is_not(None),
                Assessment.decided_at.is_not(None), people(Assessment.person_id))


def _held(points: list, people, skills=None):
    """(person_id, skill_id, level, mask) of each validated decision of a skill (``skills``:
    a condition on its id): the points at which it held its level."""
    a = Assessment
    replaced_at = func.lead(a.decided_at).over(partition_by=(a.person_id, a.skill_id), order_by=(a.decided_at, a.id))
    # Its run of points: from the first at or after its decision to the last before it lapses or is replaced,
    # found beside the window function, so that each is found once a row.
    least = func.least if _postgres() else func.min
    runs = (select(a.person_id, a.skill_id, a.validated_level.label("level"),
                   _points_before(a.decided_at, points).label("low"),
                   least(_points_before(a.valid_until, points), _points_before(replaced_at, points)).label("high"))
            .where(_decisions(people), a.skill_id.is_not(None), true() if skills is None else skills)
            .subquery())
    one = cast(literal(1), BigInteger)
    mask = case((runs.c.high > runs.c.low, one.op("<<")(runs.c.high) - one.op("<<")(runs.c.low)), else_=cast(literal(0), BigInteger))
    return select(runs.c.person_id, runs.c.skill_id, runs.c.level, mask.label("mask")).subquery()


def _met_masks(points: list, people, levels: list[int]):
    """(person_id, skill_id, and for each of ``levels`` its mask) for each pair held at some
    point: the points at which the pair held that level or above (``met_<level>``)."""
    cw = CrosswalkLevel
    held = _held(points, people)
    # The decisions of the skills a crosswalk maps (few), through it forwards, and backwards (the levels that
    # map at or below the one held).
    mapped = _held(points, people, Assessment.skill_id.in_(union_all(select(cw.from_skill_id), select(cw.to_skill_id))))
    given = union_all(
        select(held.c.person_id, held.c.skill_id, held.c.level, held.c.mask),
        select(mapped.c.person_id, cw.to_skill_id, cw.to_level, mapped.c.mask)
        .join(cw, and_(cw.from_skill_id == mapped.c.skill_id, cw.from_level <= mapped.c.level)),
        select(mapped.c.person_id, cw.from_skill_id, cw.from_level, mapped.c.mask)
        .join(cw, and_(cw.to_skill_id == mapped.c.skill_id, cw.to_level <= mapped.c.level)),
    ).subquery("levels_given")
    return (select(given.c.person_id, given.c.skill_id,
                   *[_any_bit(given.c.mask, len(points), given.c.level >= level).label(f"met_{level}") for level in levels])
            .group_by(given.c.person_id, given.c.skill_id)
            .subquery("met_masks"))


def _people(actor, filters: Filters):
    """The condition on a person id that the gap rows' own scope makes (gaps.gap_select)."""
    scope = scope_for(actor)
    if filters.person_id is not None:
        return lambda column: column == filters.person_id
    if scope is not None:
        return lambda column: column.in_(scope)
    return lambda column: true()


GROUP_KEYS = {None: [], "org_unit": ["org_unit"], "job_role": ["job_role"], "service": ["service"],
              "skill": ["framework", "skill"]}


def _label(by: str | None, key: tuple) -> str:
    """A group's name, as ``reports.trends.group_column`` makes it."""
    if by is None:
        return "All requirements"
    if by == "skill":
        return f"{key[0]} {key[1]}"
    return "—" if key[0] is None else str(key[0])


def counted_by_mask(actor, filters: Filters, by: str | None, points: list, now: datetime) -> tuple[list, datetime | None]:
    """([(group, mask, requirement rows)], the first validated decision of the people with
    rows): today's person × requirement rows with a skill, as the gap report filters them
    (statuses aside), counted by group and by the points at which they were met."""
    filters = replace(filters, status=[])
    people = _people(actor, filters)
    rows = gap_select(filters, now=now, scope=scope_for(actor)).order_by(None)
    rows = rows.where(rows.selected_columns.skill_id.is_not(None)).subquery("requirement_rows")
    # The levels the requirements of skills ask (a handful): a mask for each, for each pair held.
    levels = list(db.session.scalars(select(Requirement.min_level).where(Requirement.skill_id.is_not(None))
                                     .distinct().order_by(Requirement.min_level)))
    met = _met_masks(points, people, levels)
    first = (select(Assessment.person_id, func.min(Assessment.decided_at).label("first"))
             .where(_decisions(people)).group_by(Assessment.person_id).subquery("first_decisions"))
    keys = [rows.c[k] for k in GROUP_KEYS[by]]
    mask = func.coalesce(case({level: met.c[f"met_{level}"] for level in levels}, value=rows.c.required_level), 0) \
        if levels else literal(0)
    stmt = (select(*keys, mask.label("mask"), func.count().label("n"), func.min(first.c.first).label("first"))
            .select_from(rows)
            .outerjoin(met, and_(met.c.person_id == rows.c.person_id, met.c.skill_id == rows.c.skill_id))
            .outerjoin(first, first.c.person_id == rows.c.person_id)
            .group_by(*keys, mask))
    _tuned()
    found, earliest = [], None
    for row in db.session.execute(stmt):
        found.append((_label(by, tuple(row[:len(keys)])), int(row.mask), int(row.n)))
        if row.first is not None:
            moment = pd.Timestamp(row.first)
            moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
            earliest = moment if earliest is None or moment < earliest else earliest
    return found, earliest


def _tuned() -> None:
    """No JIT, and room to group in memory (as for the reports' statements)."""
    stream.tune(db.session.connection(), current_app.config.get("REPORT_WORK_MEM"))


def snapshot_points(filters: Filters, by: str | None, since: pd.Timestamp) -> pd.DataFrame:
    """Coverage in each closed campaign's snapshot (its rows with a requirement), filtered and grouped alike."""
    stmt = (select(Campaign.id.label("campaign_id"), Campaign.name.label("campaign"), Campaign.closed_at,
                   CampaignResult.org_unit, CampaignResult.job_role, CampaignResult.service, CampaignResult.framework,
                   CampaignResult.skill, CampaignResult.person_id, CampaignResult.gap_status)
            .join(Campaign, Campaign.id == CampaignResult.campaign_id)
            .where(Campaign.status == "closed", CampaignResult.required_level.is_not(None)))
    if filters.org_unit:
        path = filters.org_unit.strip("/")
        if filters.org_unit_exact:
            stmt = stmt.where(CampaignResult.org_unit == path)
        else:
            stmt = stmt.where((CampaignResult.org_unit == path) | CampaignResult.org_unit.startswith(path + "/", autoescape=True))
    if filters.job_role:
        stmt = stmt.where(CampaignResult.job_role == filters.job_role)
    if filters.service:
        stmt = stmt.where(CampaignResult.service == filters.service)
    if filters.skill:
        stmt = stmt.where(CampaignResult.skill == filters.skill.upper())
    if filters.framework:
        stmt = stmt.where(CampaignResult.framework == filters.framework.upper())
    if filters.person_id is not None:
        stmt = stmt.where(CampaignResult.person_id == filters.person_id)
    result = db.session.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return trends.snapshot_coverage(df, by, since)


def coverage(actor, filters: Filters | None = None, *, by: str | None = None, months: int = trends.MONTHS,
             now: datetime | None = None) -> trends.Trend:
    """Coverage by month (and the closed campaigns' snapshots)."""
    return trend_of(counts(actor, filters, by=by, months=months, now=now), filters, by)


def counts(actor, filters: Filters | None = None, *, by: str | None = None, months: int = trends.MONTHS,
           now: datetime | None = None) -> dict:
    """What the coverage by month is made of, as plain values (what a cache keeps): the
    requirement rows counted by group and mask (``counted_by_mask``), the first validated
    decision of their people, the moment of the last point and the number of months."""
    policy.require(actor, "view_trends")
    by = trends.check_by(by)
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"a trend has 1 to {MAX_MONTHS} months")
    now = now or utcnow()
    points = trends.month_points(now, months)
    counted, first = counted_by_mask(actor, filters or Filters(), by, [p.to_pydatetime() for p in points], now)
    return {"counted": counted, "first": None if first is None else first.to_pydatetime(), "now": now, "months": months}


def trend_of(found: dict, filters: Filters | None, by: str | None) -> trends.Trend:
    """The trend that ``counts`` gave ``found`` for, with the closed campaigns' snapshots."""
    by = trends.check_by(by)
    points = trends.month_points(found["now"], found["months"])
    first = None if found["first"] is None else pd.Timestamp(found["first"])
    series = trends.series_from_masks([tuple(c) for c in found["counted"]], points, first)
    snaps = snapshot_points(filters or Filters(), by, points[0] - pd.DateOffset(months=1))
    return trends.Trend(series, snaps, points, by)


def decisions_for_calibration(actor, *, months: int | None = None, now: datetime | None = None) -> pd.DataFrame:
    """Every validated decision (one query): claimed and validated level, reviewer, team, skill."""
    policy.require(actor, "view_calibration")
    reviewer = Person.__table__.alias("reviewer")
    stmt = (select(Assessment.id.label("assessment_id"), Assessment.decided_at, Person.name.label("person"),
                   OrgUnit.path.label("team"), reviewer.c.name.label("reviewer"), Framework.code.label("framework"),
                   Skill.code.label("skill"), Assessment.claimed_level, Assessment.validated_level)
            .join(Person, Person.id == Assessment.person_id)
            .join(Skill, Skill.id == Assessment.skill_id)
            .join(Framework, Framework.id == Skill.framework_id)
            .outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .outerjoin(reviewer, reviewer.c.id == Assessment.reviewer_id)
            .where(Assessment.status == "validated", Assessment.validated_level.is_not(None))
            .order_by(Assessment.decided_at, Assessment.id))
    if months:
        stmt = stmt.where(Assessment.decided_at >= (now or utcnow()) - timedelta(days=round(months * 30.44)))
    result = db.session.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    df["team"] = df["team"].fillna("—")
    df["reviewer"] = df["reviewer"].fillna("(no reviewer recorded)")
    df["difference"] = (df["validated_level"] - df["claimed_level"]).astype(int) if len(df) else pd.Series(dtype=int)
    df["decided_at"] = trends.utc(df["decided_at"])
    return df[trends.DECISION_COLUMNS]
