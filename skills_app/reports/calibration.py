"""Calibration from the decisions' sums per group, as ``reports.trends.calibration``
computes it from every decision: the same table and the same overall figures.

The database sums each group's differences (*validated − claimed*), their
squares and the −2…+2 histogram (``services.calibration``); this module turns
the sums into the count, mean, standard deviation (population), peer mean and
outlier flag of each group, and of all decisions together. Nothing here grows
with the number of decisions: only with the number of groups.
"""
from __future__ import annotations

import math

from skills_app.lazy import pandas as pd
from skills_app.reports.trends import CALIBRATION_COLUMNS, DIFFS, against_peers

BUCKETS = ["d-2", "d-1", "d0", "d+1", "d+2"]
SUM_COLUMNS = ["group", "decisions", "total", "squares", *BUCKETS]


def _sd(n, total, squares) -> float:
    """The population standard deviation of n values from their sum and the sum of their squares
    (whole numbers: the variance's numerator is exact)."""
    return math.sqrt(max(n * squares - total * total, 0)) / n if n else float("nan")


def merged(sums: pd.DataFrame) -> pd.DataFrame:
    """One row per group label: rows of the same label (two reviewers of one name, one skill
    code in two versions of its framework) added together, as grouping every decision by the
    label does. Sorted by the label."""
    if sums.empty:
        return pd.DataFrame(columns=SUM_COLUMNS)
    numbers = [c for c in SUM_COLUMNS if c != "group"]
    out = sums.astype({c: "int64" for c in numbers}).groupby("group", as_index=False, sort=False)[numbers].sum()
    return out.sort_values("group", kind="stable").reset_index(drop=True)[SUM_COLUMNS]


def overall(sums: pd.DataFrame) -> dict:
    """All decisions together, as ``reports.trends.overall`` gives them."""
    n = int(sums["decisions"].sum()) if len(sums) else 0
    if not n:
        return {"decisions": 0, "mean": None, "sd": None, "hist": {d: 0 for d in DIFFS}}
    total, squares = int(sums["total"].sum()), int(sums["squares"].sum())
    return {"decisions": n, "mean": round(total / n, 2), "sd": round(_sd(n, total, squares), 2),
            "hist": {d: int(sums[b].sum()) for d, b in zip(DIFFS, BUCKETS)}}


def table(sums: pd.DataFrame) -> pd.DataFrame:
    """Per group (``merged``'s rows): ``reports.trends.calibration``'s columns and figures."""
    if sums.empty:
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    work = sums.copy()
    n_all, sum_all, squares_all = int(work["decisions"].sum()), int(work["total"].sum()), int(work["squares"].sum())
    sd_all = _sd(n_all, sum_all, squares_all)
    work["mean"] = work["total"] / work["decisions"]
    work["sd"] = [_sd(int(n), int(t), int(s)) for n, t, s in zip(work["decisions"], work["total"], work["squares"])]
    work = against_peers(work, n_all, sum_all, sd_all)
    return work.sort_values("group", kind="stable").reset_index(drop=True)[CALIBRATION_COLUMNS]
