"""Training needs: who needs to move up which skill, by level step, where,
and how urgently: the cohorts ``services.needs`` counts in SQL, shaped and
ordered here."""
from __future__ import annotations

from skills_app.lazy import pandas as pd


NEED_STATUSES = ["below", "not_assessed", "expired"]
COLUMNS = ["framework", "skill", "skill_name", "from_level", "to_level", "step", "people", "essential", "services_at_risk",
           "priority", "org_units", "who"]


def step(skill: str, from_level: int | None, to_level: int) -> str:
    """A cohort's level step: "SLMO 3→4", and "SLMO –→4" for people with no current level."""
    return f"{skill} {'–' if from_level is None else from_level}→{to_level}"


def table(records: list[dict]) -> pd.DataFrame:
    """The cohorts (records as ``services.needs`` makes them), most urgent first."""
    if not records:
        return pd.DataFrame(columns=COLUMNS + ["skill_id", "framework_version"])
    return pd.DataFrame(sorted(records, key=order_key))[COLUMNS + ["skill_id", "framework_version"]]


PEOPLE_COLUMNS = ["person_id", "skill_id", "person", "email", "org_unit", "framework", "framework_version", "skill",
                  "skill_name", "from_level", "to_level", "essential", "at_risk", "status", "from_label", "step"]


def people_records(rows) -> list[tuple]:
    """Rows with the columns of ``PEOPLE_COLUMNS`` up to ``status`` (``from_key``: the
    current level, or -1 for none) as tuples of those columns, with ``from_label`` and ``step``."""
    out = []
    for r in rows:
        from_level = None if r.from_key < 0 else int(r.from_key)
        from_label = "–" if from_level is None else str(from_level)
        out.append((r.person_id, r.skill_id, r.person, r.email, r.org_unit, r.framework, r.framework_version, r.skill,
                    r.skill_name, from_level, r.to_level, bool(r.essential), bool(r.at_risk), r.status, from_label,
                    f"{r.skill} {from_label}→{r.to_level}"))
    return out


def people_table(rows) -> pd.DataFrame:
    """One row per person and skill needed, from rows with the columns of
    ``PEOPLE_COLUMNS`` up to ``status`` (``from_key``: the current level, or -1 for none)."""
    records = [(r.person_id, r.skill_id, r.person, r.email, r.org_unit, r.framework, r.framework_version, r.skill,
                r.skill_name, None if r.from_key < 0 else r.from_key, r.to_level, bool(r.essential), bool(r.at_risk),
                r.status) for r in rows]
    df = pd.DataFrame(records, columns=PEOPLE_COLUMNS[:14])
    for column in ("person_id", "skill_id", "from_level", "to_level"):
        df[column] = df[column].astype("Int64")
    df["essential"] = df["essential"].astype("boolean")
    df["at_risk"] = df["at_risk"].astype(bool)
    df["from_label"] = df["from_level"].map(lambda v: "–" if pd.isna(v) else str(int(v))).astype(object)
    df["step"] = (df["skill"] + " " + df["from_label"] + "→" + df["to_level"].astype(str)).astype(object)
    return df


def order_key(cohort: dict) -> tuple:
    """The order of the cohorts, most urgent first (services at risk, then
    essential requirements, then size), and the key a page of them is read by."""
    rank = int(cohort["services_at_risk"]) * 1_000_000 + int(cohort["essential"]) * 1_000 + int(cohort["people"])
    from_level = cohort["from_level"]
    return (-rank, str(cohort["framework"]), str(cohort["skill"]), int(cohort["to_level"]),
            -1 if from_level is None else int(from_level), int(cohort["skill_id"]))


def priority(at_risk: int, essential: int) -> str:
    if at_risk:
        return "urgent"
    if essential:
        return "high"
    return "normal"
