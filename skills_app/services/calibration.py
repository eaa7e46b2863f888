"""The calibration page: every validated decision's difference (*validated −
claimed*) summed per reviewer, team or skill by the database, in one statement,
and the groups shown a page at a time.

``services.trends.decisions_for_calibration`` reads every decision (what the
XLSX download lists); this reads one row per reviewer, org unit or skill with
the count, the sum of the differences, the sum of their squares and the
−2…+2 histogram, read on PostgreSQL from a partial index of the validated
decisions alone (migration 0028). ``reports.calibration`` makes the same table
and overall figures from those sums. The groups are named as the decisions'
table names them (a reviewer by name, a team by its org unit's path, a skill
by its framework's code and its own), and groups of one name are one group.

The page (``page``) pages the groups by keyset on their name, 50 a page, so that
its size does not grow with the organisation's; the groups' table and each page
are cached in the report cache at the data's generation (a later page of the
same table does not sum the decisions again).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from skills_app import cache, paging, policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.lazy import pandas as pd
from skills_app.models import Assessment, Framework, OrgUnit, Person, Skill
from skills_app.models.framework import utcnow
from skills_app.reports import calibration as calibration_report
from skills_app.reports import trends
from skills_app.reports.labels import skill_labels

PER_PAGE = 50
NO_REVIEWER = "(no reviewer recorded)"
NO_TEAM = "—"


def _decided(months: int | None, now: datetime | None):
    """The decisions ``decisions_for_calibration`` reads: validated, with a level, of a skill."""
    conditions = [Assessment.status == "validated", Assessment.validated_level.is_not(None),
                  Assessment.skill_id.is_not(None)]
    if months:
        conditions.append(Assessment.decided_at >= (now or utcnow()) - timedelta(days=round(months * 30.44)))
    return conditions


def _sums(key):
    difference = Assessment.validated_level - Assessment.claimed_level
    return (key, func.count().label("decisions"), func.sum(difference).label("total"),
            func.sum(difference * difference).label("squares"),
            func.count(case((difference <= -2, 1))).label("d-2"), func.count(case((difference == -1, 1))).label("d-1"),
            func.count(case((difference == 0, 1))).label("d0"), func.count(case((difference == 1, 1))).label("d+1"),
            func.count(case((difference >= 2, 1))).label("d+2"))


def sums(actor, by: str, *, months: int | None = None, now: datetime | None = None) -> pd.DataFrame:
    """One row per group (``reports.calibration.SUM_COLUMNS``), named and merged, in the
    groups' order: summed per reviewer, org unit or skill id by the database, then named
    (reviewers of one name added together by the database, skills' labels in Python)."""
    policy.require(actor, "view_calibration")
    if by not in trends.CALIBRATION_GROUPS:
        raise InvalidInput.on("group", f"group by one of {', '.join(trends.CALIBRATION_GROUPS)}")
    where = _decided(months, now)
    if by == "reviewer":
        per = select(*_sums(Assessment.reviewer_id.label("key"))).where(*where).group_by(Assessment.reviewer_id).subquery()
        name = func.coalesce(Person.name, NO_REVIEWER)
        stmt = (select(name.label("group"), *[func.sum(per.c[c]).label(c) for c in _NUMBERS])
                .select_from(per).outerjoin(Person, Person.id == per.c.key).group_by(name))
    elif by == "team":
        per = (select(*_sums(Person.org_unit_id.label("key"))).join(Person, Person.id == Assessment.person_id)
               .where(*where).group_by(Person.org_unit_id).subquery())
        stmt = (select(func.coalesce(OrgUnit.path, NO_TEAM).label("group"), *[per.c[c] for c in _NUMBERS])
                .select_from(per).outerjoin(OrgUnit, OrgUnit.id == per.c.key))
    else:
        per = select(*_sums(Assessment.skill_id.label("key"))).where(*where).group_by(Assessment.skill_id).subquery()
        stmt = (select(Framework.code.label("framework"), Skill.code.label("skill"), *[per.c[c] for c in _NUMBERS])
                .select_from(per).join(Skill, Skill.id == per.c.key).join(Framework, Framework.id == Skill.framework_id))
    result = db.session.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if by == "skill":
        df.insert(0, "group", skill_labels(df["framework"], df["skill"]) if len(df) else pd.Series(dtype=object))
        df = df.drop(columns=["framework", "skill"])
    return calibration_report.merged(df)


_NUMBERS = ["decisions", "total", "squares", *calibration_report.BUCKETS]


@dataclass
class CalibrationPage:
    overall: dict
    page: paging.Page  # items: the table's rows as dicts


def page(actor, by: str, *, months: int | None = None, cursor: str | None = None, limit: int | None = None) -> CalibrationPage:
    """The overall figures and one page of the groups (keyset on the group's name), cached
    at the data's generation. A cursor this application did not give is refused (422)."""
    policy.require(actor, "view_calibration")
    limit = limit or PER_PAGE
    at = paging.decode(cursor)
    if at is not None and (len(at.key) != 1 or not isinstance(at.key[0], str)):
        raise InvalidInput.on("cursor", "unknown cursor", "The cursor is not one this application gave.")

    def whole():
        found = sums(actor, by, months=months)
        return {"overall": calibration_report.overall(found), "rows": calibration_report.table(found).to_dict("records")}

    def compute():
        table = cache.cached(f"calibration:{by}:{months or ''}", whole)
        return {"overall": table["overall"],
                "page": paging.of_list(table["rows"], lambda r: (r["group"],), cursor=cursor, limit=limit)}

    value = cache.cached(f"calibration-page:{by}:{months or ''}:{limit}:{cursor or ''}", compute)
    return CalibrationPage(_keys(value["overall"]), value["page"])


def _keys(overall: dict) -> dict:
    """The histogram's keys as numbers again (JSON, in Redis, keeps them as text)."""
    return {**overall, "hist": {int(k): v for k, v in overall["hist"].items()}}
