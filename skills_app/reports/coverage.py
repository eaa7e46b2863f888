"""Service coverage: for each service requirement, the qualified people it
needs and has, the shortfall, and single points of failure (counted by
``services.gaps.service_coverage``)."""
from __future__ import annotations

from skills_app.lazy import pandas as pd

COLUMNS = ["service", "framework", "skill", "required_level", "needed", "qualified", "shortfall", "single_point_of_failure",
           "people_assigned", "qualified_people"]


def at_risk(coverage: pd.DataFrame) -> set[tuple[int, int]]:
    """(service_id, skill_id) pairs short of people or hanging on one person."""
    risky = coverage[(coverage["shortfall"] > 0) | coverage["single_point_of_failure"]]
    return set(zip(risky["service_id"], risky["skill_id"]))
