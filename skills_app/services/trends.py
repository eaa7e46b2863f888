"""Coverage over time and calibration, read from the decision history: the
fetches (today's requirements from the gap engine, the validated decisions of
the people in scope, closed campaigns' snapshots); ``reports.trends`` computes
the series and the tables from them."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from skills_app.lazy import pandas as pd
from sqlalchemy import select

from skills_app import policy
from skills_app.extensions import db
from skills_app.models import Assessment, CrosswalkLevel, Framework, OrgUnit, Person, Skill
from skills_app.models.campaigns import Campaign, CampaignResult
from skills_app.models.framework import utcnow
from skills_app.reports import trends
from skills_app.services.gaps import Filters, gap_select, scope_for


def requirements_frame(actor, filters: Filters, now: datetime) -> pd.DataFrame:
    """Today's person × requirement rows, as the gap report filters them (statuses aside)."""
    filters = replace(filters, status=[])
    sub = gap_select(filters, now=now, scope=scope_for(actor)).order_by(None).subquery()
    stmt = select(sub.c.person_id, sub.c.org_unit, sub.c.job_role, sub.c.service, sub.c.framework, sub.c.skill,
                  sub.c.skill_id, sub.c.required_level).where(sub.c.skill_id.is_not(None))  # skills' levels only
    result = db.session.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def decisions_frame(person_ids) -> pd.DataFrame:
    """Every validated decision of these people: who, which skill, what level, from when to when."""
    stmt = (select(Assessment.id, Assessment.person_id, Assessment.skill_id, Assessment.validated_level.label("level"),
                   Assessment.decided_at, Assessment.valid_until)
            .where(Assessment.status == "validated", Assessment.validated_level.is_not(None),
                   Assessment.decided_at.is_not(None)))
    ids = sorted({int(i) for i in person_ids})
    if len(ids) <= 5000:
        stmt = stmt.where(Assessment.person_id.in_(ids))
    result = db.session.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if len(ids) > 5000:
        df = df[df["person_id"].isin(ids)]
    df["decided_at"] = trends.utc(df["decided_at"])
    df["valid_until"] = trends.utc(df["valid_until"])
    return df


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
    policy.require(actor, "view_trends")
    by = trends.check_by(by)
    filters = filters or Filters()
    now = now or utcnow()
    points = trends.month_points(now, months)
    reqs = requirements_frame(actor, filters, now)
    crosswalk = pd.DataFrame(db.session.execute(select(CrosswalkLevel.from_skill_id, CrosswalkLevel.to_skill_id,
                                                       CrosswalkLevel.from_level, CrosswalkLevel.to_level)).all(),
                             columns=["from_skill_id", "to_skill_id", "from_level", "to_level"])
    decisions = decisions_frame(reqs["person_id"].unique() if len(reqs) else [])
    series = trends.coverage_series(reqs, trends.held_intervals(decisions, crosswalk), points, by)
    snaps = snapshot_points(filters, by, points[0] - pd.DateOffset(months=1))
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
