"""Training needs: who needs to move up which skill, by level step, where,
and how urgently (from the gap rows ``services.gaps.training_needs`` fetches)."""
from __future__ import annotations

from skills_app.lazy import pandas as pd


NEED_STATUSES = ["below", "not_assessed", "expired"]
COLUMNS = ["framework", "skill", "skill_name", "from_level", "to_level", "step", "people", "essential", "services_at_risk",
           "priority", "org_units", "who"]


def cohorts(df: pd.DataFrame, risky: set[tuple[int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cohorts, people) from the gap rows of the needs (statuses below, not
    assessed, expired) and the (service, skill) pairs at risk: one cohort per
    skill and level step (SLMO 3→4; "–→4" for people with no current level),
    with a priority: services at risk first, then essential requirements,
    then size."""
    if df.empty:
        return pd.DataFrame(columns=COLUMNS + ["skill_id", "framework_version"]), df
    df = df.copy()
    if "framework_version" not in df:
        df["framework_version"] = None
    df["at_risk"] = [
        (int(s), int(k)) in risky if pd.notna(s) else False for s, k in zip(df["service_id"], df["skill_id"])
    ]
    # One need per person and skill: the highest level any of their requirements asks.
    per_person = (df.sort_values(["required_level", "essential"], ascending=False)
                    .groupby(["person_id", "skill_id"], as_index=False)
                    .agg(person=("person", "first"), email=("email", "first"), org_unit=("org_unit", "first"),
                         framework=("framework", "first"), framework_version=("framework_version", "first"),
                         skill=("skill", "first"), skill_name=("skill_name", "first"),
                         from_level=("current_level", "first"), to_level=("required_level", "max"),
                         essential=("essential", "max"), at_risk=("at_risk", "max"), status=("status", "first")))
    per_person["from_label"] = per_person["from_level"].map(lambda v: "–" if pd.isna(v) else str(int(v)))
    per_person["step"] = per_person["skill"] + " " + per_person["from_label"] + "→" + per_person["to_level"].astype(str)
    cohorts = []
    for (skill_id, from_label, to_level), group in per_person.groupby(["skill_id", "from_label", "to_level"], sort=False):
        first = group.iloc[0]
        units = group["org_unit"].fillna("—").value_counts()
        services_at_risk = int(group["at_risk"].sum())
        essential = int(group["essential"].sum())
        cohorts.append({
            "framework": first["framework"], "skill": first["skill"], "skill_name": first["skill_name"],
            "from_level": None if from_label == "–" else int(from_label), "to_level": int(to_level),
            "step": first["step"], "people": len(group), "essential": essential, "services_at_risk": services_at_risk,
            "priority": _priority(services_at_risk, essential),
            "org_units": "; ".join(f"{unit} ({n})" for unit, n in units.items()),
            "who": "; ".join(sorted(group["person"])), "skill_id": int(skill_id),
            "framework_version": first["framework_version"],
        })
    table = pd.DataFrame(sorted(cohorts, key=order_key))
    return table[COLUMNS + ["skill_id", "framework_version"]], per_person


def order_key(cohort: dict) -> tuple:
    """The order of the cohorts, most urgent first (services at risk, then
    essential requirements, then size), and the key a page of them is read by."""
    rank = int(cohort["services_at_risk"]) * 1_000_000 + int(cohort["essential"]) * 1_000 + int(cohort["people"])
    from_level = cohort["from_level"]
    return (-rank, str(cohort["framework"]), str(cohort["skill"]), int(cohort["to_level"]),
            -1 if from_level is None else int(from_level), int(cohort["skill_id"]))


def _priority(at_risk: int, essential: int) -> str:
    if at_risk:
        return "urgent"
    if essential:
        return "high"
    return "normal"
