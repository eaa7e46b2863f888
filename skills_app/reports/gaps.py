"""The gap report's shape: its columns and statuses, records, groups, totals and
heatmaps made from the gap engine's rows (``services.gaps`` computes them);
``reports.export`` writes them."""
from __future__ import annotations

from skills_app.lazy import pandas as pd

from skills_app.reports.labels import skill_labels

STATUSES = ("met", "below", "not_assessed", "expired", "awaiting_review")
STATUS_LABELS = {
    "met": "Met",
    "below": "Below",
    "not_assessed": "Not assessed",
    "expired": "Expired",
    "awaiting_review": "Awaiting review",
}
COLUMNS = ["person_id", "person", "email", "org_unit", "job_role", "service", "framework", "skill",
           "required_level", "current_level", "self_level", "gap", "status"]
EXTRA_COLUMNS = ["framework_version", "skill_name", "essential", "via", "valid_until", "skill_id", "job_role_id", "service_id"]
GROUPINGS = ("org_unit", "job_role", "service", "skill")
GROUP_COLUMNS = ["group", "requirements", "people", *STATUSES, "coverage"]


def rows(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict]:
    """JSON-ready rows: the contract's columns, None for missing values."""
    columns = columns or COLUMNS
    out = df[columns].astype(object).where(df[columns].notna(), None)
    records = out.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if hasattr(value, "isoformat"):
                record[key] = value.isoformat()
            elif hasattr(value, "item"):
                record[key] = value.item()
    return records


def grouped(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Totals per group: rows, people, each status, and coverage (the share met)."""
    if by not in GROUPINGS:
        raise ValueError(by)
    key = "skill_key" if by == "skill" else by
    work = df.copy()
    if by == "skill":
        work["skill_key"] = skill_labels(work["framework"], work["skill"])
    work[key] = work[key].fillna("—")
    if work.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    counts = pd.crosstab(work[key], work["status"]).reindex(columns=list(STATUSES), fill_value=0)
    table = pd.DataFrame({
        "requirements": work.groupby(key).size(),
        "people": work.groupby(key)["person_id"].nunique(),
    }).join(counts)
    table["coverage"] = (table["met"] / table["requirements"] * 100).round(1)
    table = table.reset_index().rename(columns={key: "group"})
    return table.sort_values("group", kind="stable").reset_index(drop=True)


def group_records(table: pd.DataFrame) -> list[dict]:
    records = table.to_dict(orient="records")
    for record in records:
        for key, value in record.items():
            if hasattr(value, "item"):
                record[key] = value.item()
    return records


class GroupTally:
    """The totals per group of gap rows seen in batches (tuples in ``COLUMNS``
    order), in one pass: what :func:`grouped` makes of a frame, as records."""

    def __init__(self, by: str) -> None:
        if by not in GROUPINGS:
            raise ValueError(by)
        self.by = by
        # per group: rows, the people seen (ids), the rows by status, people counted elsewhere (add)
        self.groups: dict[str, list] = {}

    def _key(self, row) -> str:
        if self.by == "skill":
            framework, skill = row[_FRAMEWORK], row[_SKILL]
            return skill if framework.upper() == skill.upper() else f"{framework} {skill}"
        value = row[COLUMNS.index(self.by)]
        return "—" if value is None else value

    def feed(self, batch):
        status_at = {s: i for i, s in enumerate(STATUSES)}
        for row in batch:
            entry = self.groups.get(key := self._key(row))
            if entry is None:
                entry = self.groups[key] = [0, set(), [0] * len(STATUSES), 0]
            entry[0] += 1
            entry[1].add(row[_PERSON_ID])
            entry[2][status_at[row[_STATUS]]] += 1
        return batch

    def add(self, value, n: int, people: int, counts) -> None:
        """Rows counted elsewhere: ``n`` rows of ``people`` people none of whom is
        counted in the group yet (the org unit ``value``), ``counts`` by status."""
        entry = self.groups.get(key := "—" if value is None else value)
        if entry is None:
            entry = self.groups[key] = [0, set(), [0] * len(STATUSES), 0]
        entry[0] += n
        entry[3] += people
        entry[2] = [a + b for a, b in zip(entry[2], counts)]

    def records(self) -> list[dict]:
        out = []
        for key in sorted(self.groups):
            n, people, counts, more = self.groups[key]
            out.append({"group": key, "requirements": n, "people": len(people) + more, **dict(zip(STATUSES, counts)),
                        # as pandas rounds (grouped): times ten, half to even, over ten
                        "coverage": round(counts[0] / n * 100 * 10) / 10})
        return out


_PERSON_ID, _FRAMEWORK, _SKILL, _STATUS = (COLUMNS.index(c) for c in ("person_id", "framework", "skill", "status"))


def totals(df: pd.DataFrame) -> dict:
    n = len(df)
    by_status = df["status"].value_counts().to_dict() if n else {}
    return {
        "requirements": n,
        "people": int(df["person_id"].nunique()) if n else 0,
        **{status: int(by_status.get(status, 0)) for status in STATUSES},
        "coverage": round(by_status.get("met", 0) / n * 100, 1) if n else None,
    }


# -- the heatmap -------------------------------------------------------------------

SEVERITY = {"met": 0, "awaiting_review": 1, "below": 2, "expired": 3, "not_assessed": 4}


def heatmap(df: pd.DataFrame, by: str = "person", versioned=frozenset()) -> dict:
    """People (or org units) × skills. A person's cell is their worst requirement on
    that skill; an org unit's cell is the share of its requirements met. Two
    versions of a framework are two columns, each naming its version."""
    if df.empty:
        return {"columns": [], "rows": []}
    work = df.copy()
    versions = work["framework_version"] if "framework_version" in work else None
    work["column"] = skill_labels(work["framework"], work["skill"], versions, versioned)
    columns = sorted(work["column"].unique())
    out_rows = []
    if by == "person":
        work["severity"] = work["status"].map(SEVERITY)
        # the worst: the most severe status, then the largest gap (none, first), then the highest level required
        worst = (work.sort_values(["severity", "gap", "required_level"], ascending=False, na_position="first", kind="stable")
                 .drop_duplicates(["person_id", "column"]))
        for (person_id, name, unit), group in worst.groupby(["person_id", "person", "org_unit"], dropna=False, sort=False):
            cells = {}
            for rec in group.itertuples():
                cells[rec.column] = {
                    "status": rec.status, "gap": None if pd.isna(rec.gap) else int(rec.gap),
                    "current": None if pd.isna(rec.current_level) else int(rec.current_level),
                    "required": int(rec.required_level),
                    "skill_id": int(rec.skill_id) if "skill_id" in work and not pd.isna(rec.skill_id) else None,
                }
            out_rows.append({"label": name, "id": int(person_id), "sub": None if pd.isna(unit) else unit, "cells": cells})
    else:
        work["org_unit"] = work["org_unit"].fillna("—")
        for unit, group in work.groupby("org_unit", sort=True):
            cells = {}
            for column, cg in group.groupby("column"):
                met = int((cg["status"] == "met").sum())
                cells[column] = {"met": met, "total": len(cg), "coverage": round(met / len(cg) * 100)}
            out_rows.append({"label": unit, "id": None, "sub": f"{group['person_id'].nunique()} people", "cells": cells})
    return {"columns": columns, "rows": out_rows}
