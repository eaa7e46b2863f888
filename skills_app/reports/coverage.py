"""Service coverage: for each service requirement, the qualified people it
needs and has, the shortfall, and single points of failure."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from skills_app.extensions import db
from skills_app.models import Service, ServiceRequirement, Skill
from skills_app.reports import gaps

COLUMNS = ["service", "framework", "skill", "required_level", "needed", "qualified", "shortfall", "single_point_of_failure",
           "people_assigned", "qualified_people"]


def service_coverage(actor, *, service: str | None = None) -> pd.DataFrame:
    """One row per service requirement. Counts come from the gap engine, so a
    level met through a crosswalk counts, and expired levels do not."""
    df = gaps.frame(actor, gaps.Filters(service=service))
    df = df[df["service_id"].notna()]
    stmt = (select(ServiceRequirement)
            .options(selectinload(ServiceRequirement.service), selectinload(ServiceRequirement.skill).selectinload(Skill.framework))
            .join(Service).order_by(Service.name, ServiceRequirement.id))
    records = []
    for req in db.session.scalars(stmt):
        if service and req.service.name.lower() != service.lower():
            continue
        mine = df[(df["service_id"] == req.service_id) & (df["skill_id"] == req.skill_id)]
        qualified = mine[mine["status"] == "met"].sort_values("person")
        n = len(qualified)
        records.append({
            "service": req.service.name,
            "framework": req.skill.framework.code,
            "skill": req.skill.code,
            "required_level": req.min_level,
            "needed": req.headcount,
            "qualified": n,
            "shortfall": max(req.headcount - n, 0),
            "single_point_of_failure": n == 1,
            "people_assigned": int(mine["person_id"].nunique()),
            "qualified_people": "; ".join(qualified["person"].tolist()),
            "service_id": req.service_id,
            "skill_id": req.skill_id,
        })
    return pd.DataFrame(records, columns=COLUMNS + ["service_id", "skill_id"])


def at_risk(coverage: pd.DataFrame) -> set[tuple[int, int]]:
    """(service_id, skill_id) pairs short of people or hanging on one person."""
    risky = coverage[(coverage["shortfall"] > 0) | coverage["single_point_of_failure"]]
    return set(zip(risky["service_id"], risky["skill_id"]))
