"""Trends and calibration, computed from the decision history.

**Coverage over time.** For each month end of the last 24 months (the last
point is today), the share of person × requirement rows that were met. Each
validated decision holds its level from ``decided_at`` until ``valid_until``,
or until the next validated decision of the same person and skill replaces
it, whichever comes first; a level counts for its own skill and through the
crosswalks, as in the gap engine. The people and requirements are today's (the
app does not keep a history of role profiles), filtered and grouped like the
gap report. Closed campaigns add their frozen snapshots as points of their own.
No line is drawn for the months before the first validated decision of the
people counted: there is no history there.

The database counts the requirement rows by group and by the month points at
which they were met (``services.trends``, one statement); ``series_from_masks``
here spreads those counts over the months: nothing per person.

**Calibration.** For each validated decision, the difference *validated level
− claimed level* (negative: the reviewer judged lower than the person, i.e.
more harshly). Grouped by reviewer, team (the person's org unit) or skill: the
count, mean, standard deviation and a histogram of −2…+2 (beyond ±2 counts as
±2). A group is flagged as an outlier when it has at least
:data:`MIN_DECISIONS` decisions and its mean differs from the mean of all the
other groups' decisions (the peer mean) by more than :data:`OUTLIER_SD`
standard deviations of all decisions' differences.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from skills_app.lazy import pandas as pd

from skills_app.errors import InvalidInput
from skills_app.reports.gaps import GROUPINGS
from skills_app.reports.labels import skill_labels

GROUP_LABELS = {"org_unit": "Org unit", "job_role": "Job role", "service": "Service", "skill": "Skill"}
MONTHS = 24
MAX_SERIES = 8
TREND_COLUMNS = ["month", "group", "requirements", "met", "coverage"]
SNAPSHOT_COLUMNS = ["campaign", "closed_at", "group", "requirements", "met", "coverage"]


def utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, errors="coerce")


def month_points(now: datetime, months: int = MONTHS) -> list[pd.Timestamp]:
    """The last instant of each of the last ``months`` months; the current month's point is ``now``."""
    current = pd.Timestamp(now).tz_convert("UTC") if pd.Timestamp(now).tzinfo else pd.Timestamp(now, tz="UTC")
    first_of_month = current.normalize().replace(day=1)
    points = []
    for back in range(months - 1, 0, -1):
        start = first_of_month - pd.DateOffset(months=back - 1)
        points.append(start - pd.Timedelta(microseconds=1))
    points.append(current)
    return points


def check_by(by: str | None) -> str | None:
    if by in (None, ""):
        return None
    if by not in GROUPINGS:
        raise InvalidInput.on("group", f"group by one of {', '.join(GROUPINGS)}")
    return by


def group_column(df: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series("All requirements", index=df.index, dtype=object)
    if by == "skill":
        return df["framework"].astype(str) + " " + df["skill"].astype(str)
    return df[by].fillna("—").astype(str)


def series_from_masks(counted: list[tuple[str, int, int]], points: list[pd.Timestamp], first) -> pd.DataFrame:
    """Per month point and group: requirements, met, coverage (percent, one decimal), from
    ``counted``: (group, mask, rows), each ``rows`` requirement rows of the group met at the
    points whose bits the mask sets (bit k: point k); ``first``: the first validated decision."""
    if not counted:
        return pd.DataFrame(columns=TREND_COLUMNS)
    requirements: dict[str, int] = {}
    met: dict[str, list[int]] = {}
    for group, mask, n in counted:
        requirements[group] = requirements.get(group, 0) + n
        at = met.setdefault(group, [0] * len(points))
        k = 0
        while mask:
            if mask & 1:
                at[k] += n
            mask >>= 1
            k += 1
    groups = sorted(requirements)
    out = pd.DataFrame({"group": groups}).merge(pd.DataFrame({"month": points}), how="cross")
    out["requirements"] = pd.Series([requirements[g] for g in groups for _ in points], dtype="int64")
    out["met"] = pd.Series([m for g in groups for m in met[g]], dtype="int64")
    out["coverage"] = (out["met"] / out["requirements"] * 100).round(1)
    # Before the first validated level on record there is no history: no coverage (no line), never 0%.
    out["coverage"] = out["coverage"].astype(object).where(
        pd.Series([first is not None and m >= first for m in out["month"]], index=out.index), None)
    return out[TREND_COLUMNS]


def snapshot_coverage(df: pd.DataFrame, by: str | None, since: pd.Timestamp) -> pd.DataFrame:
    """Coverage in each closed campaign's snapshot rows (those with a requirement) closed since ``since``, grouped."""
    if df.empty:
        return pd.DataFrame(columns=["campaign_id", *SNAPSHOT_COLUMNS])
    df["closed_at"] = utc(df["closed_at"])
    df = df[df["closed_at"] >= since]
    if df.empty:
        return pd.DataFrame(columns=["campaign_id", *SNAPSHOT_COLUMNS])
    df["group"] = group_column(df, by)
    df["is_met"] = (df["gap_status"] == "met").astype(int)
    out = df.groupby(["campaign_id", "campaign", "closed_at", "group"], as_index=False).agg(
        requirements=("is_met", "size"), met=("is_met", "sum"))
    out["coverage"] = (out["met"] / out["requirements"] * 100).round(1)
    return out.sort_values(["closed_at", "group"]).reset_index(drop=True)


@dataclass
class Trend:
    series: pd.DataFrame
    snapshots: pd.DataFrame
    points: list[pd.Timestamp]
    by: str | None


def export_frames(trend: Trend) -> dict[str, pd.DataFrame]:
    series = trend.series.copy()
    series["month"] = pd.to_datetime(series["month"], utc=True).dt.strftime("%Y-%m-%d") if len(series) else series["month"]
    snaps = trend.snapshots[SNAPSHOT_COLUMNS].copy()
    if len(snaps):
        snaps["closed_at"] = pd.to_datetime(snaps["closed_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M")
    return {"Coverage by month": series, "Campaign snapshots": snaps}


# -- the chart ---------------------------------------------------------------------

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 36, 14, 34


def chart(trend: Trend) -> dict:
    """Coordinates for the server-side SVG line chart: one polyline per group (the
    largest :data:`MAX_SERIES`), a circle per campaign snapshot."""
    points = trend.points
    n = len(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    start, end = points[0], points[-1]
    span = (end - start).total_seconds() or 1

    def x_of(moment) -> float:
        return round(LEFT + (pd.Timestamp(moment) - start).total_seconds() / span * plot_w, 1)

    def y_of(value) -> float:
        return round(TOP + (100 - float(value)) / 100 * plot_h, 1)

    series_df = trend.series
    groups = []
    if len(series_df):
        sizes = series_df.groupby("group")["requirements"].max().sort_values(ascending=False, kind="stable")
        groups = list(sizes.index[:MAX_SERIES])
    series = []
    for i, group in enumerate(sorted(groups)):
        g = series_df[series_df["group"] == group].sort_values("month")
        # A month without history breaks the line: each run of months with a coverage is one segment.
        segments, run = [], []
        for r in g.itertuples():
            if r.coverage is None or pd.isna(r.coverage):
                if run:
                    segments.append(run)
                run = []
                continue
            run.append((x_of(r.month), y_of(r.coverage), r))
        if run:
            segments.append(run)
        pts = [p for seg in segments for p in seg]
        known = [float(c) for c in g["coverage"] if c is not None and not pd.isna(c)]
        series.append({
            "label": group, "cls": f"series-{i}", "points": " ".join(f"{x},{y}" for x, y, _ in pts),
            "segments": [" ".join(f"{x},{y}" for x, y, _ in seg) for seg in segments],
            "dots": [{"x": x, "y": y, "title": f"{group}, {pd.Timestamp(r.month):%b %Y}: {r.coverage}% ({r.met} of {r.requirements})"}
                     for x, y, r in pts],
            "last": known[-1] if known else None,
        })
    index = {s["label"]: s["cls"] for s in series}
    markers = []
    for r in trend.snapshots.itertuples():
        if r.group not in index:
            continue
        markers.append({"x": x_of(max(min(r.closed_at, end), start)), "y": y_of(r.coverage), "cls": index[r.group],
                        "title": f"Campaign {r.campaign!r} closed {pd.Timestamp(r.closed_at):%-d %b %Y}: {r.group} {r.coverage}% "
                                 f"({r.met} of {r.requirements})"})
    # The chart's numbers as a table: a row a month, a column a line drawn.
    table = []
    if series:
        drawn = series_df[series_df["group"].isin([s["label"] for s in series])]
        by_month = drawn.pivot_table(index="month", columns="group", values="coverage", aggfunc="last")
        for month, row in by_month.sort_index().iterrows():
            table.append({"month": f"{pd.Timestamp(month):%b %Y}",
                          "values": [None if pd.isna(row.get(s["label"])) else float(row.get(s["label"])) for s in series]})
    xlabels = [{"x": x_of(p), "text": f"{p:%b %Y}" if i in (0, n - 1) or p.month == 1 else f"{p:%b}"}
               for i, p in enumerate(points) if i % 3 == (n - 1) % 3]
    yticks = [{"y": y_of(v), "text": f"{v}%"} for v in (0, 25, 50, 75, 100)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM,
            "series": series, "markers": markers, "xlabels": xlabels, "yticks": yticks, "table": table,
            "hidden": max(len(series_df["group"].unique()) - len(series), 0) if len(series_df) else 0}


# -- calibration ----------------------------------------------------------------------

MIN_DECISIONS = 5
OUTLIER_SD = 1.5
CALIBRATION_GROUPS = {"reviewer": "Reviewer", "team": "Team (org unit)", "skill": "Skill"}
DIFFS = (-2, -1, 0, 1, 2)
DECISION_COLUMNS = ["assessment_id", "decided_at", "person", "team", "reviewer", "framework", "skill",
                    "claimed_level", "validated_level", "difference"]
CALIBRATION_COLUMNS = ["group", "decisions", "mean", "sd", "d-2", "d-1", "d0", "d+1", "d+2", "peer_mean", "outlier"]


def calibration(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group: decisions, mean and sd of (validated − claimed), the −2…+2 histogram,
    the peer mean and the outlier flag ('harsher' / 'softer' / '')."""
    if by not in CALIBRATION_GROUPS:
        raise InvalidInput.on("group", f"group by one of {', '.join(CALIBRATION_GROUPS)}")
    if df.empty:
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    work = df.copy()
    work["group"] = skill_labels(work["framework"], work["skill"]) if by == "skill" else work[by]
    work["bucket"] = work["difference"].clip(-2, 2)
    table = work.groupby("group").agg(decisions=("difference", "size"), total=("difference", "sum"),
                                      mean=("difference", "mean"), sd=("difference", lambda s: s.std(ddof=0)))
    hist = pd.crosstab(work["group"], work["bucket"]).reindex(columns=list(DIFFS), fill_value=0)
    hist.columns = ["d-2", "d-1", "d0", "d+1", "d+2"]
    table = table.join(hist)
    table = against_peers(table, len(work), work["difference"].sum(), float(work["difference"].std(ddof=0)))
    return table.reset_index().sort_values("group", kind="stable").reset_index(drop=True)[CALIBRATION_COLUMNS]


def against_peers(table: pd.DataFrame, n_all: int, sum_all, sd_all: float) -> pd.DataFrame:
    """Each group (``decisions``, ``total``, ``mean``, ``sd``) set against the rest of the
    ``n_all`` decisions (whose differences add up to ``sum_all``, standard deviation
    ``sd_all``): the peer mean, and 'harsher' / 'softer' when at least MIN_DECISIONS of
    its own stand more than OUTLIER_SD deviations from the peers; means rounded."""
    peers = n_all - table["decisions"]
    table["peer_mean"] = ((sum_all - table["total"]) / peers.where(peers > 0)).round(2)
    gap = table["mean"] - table["peer_mean"]
    eligible = (table["decisions"] >= MIN_DECISIONS) & (peers > 0) & (sd_all > 0)
    flagged = eligible & (gap.abs() > OUTLIER_SD * sd_all)
    table["outlier"] = ""
    table.loc[flagged & (gap < 0), "outlier"] = "harsher"
    table.loc[flagged & (gap > 0), "outlier"] = "softer"
    table["mean"] = table["mean"].round(2)
    table["sd"] = table["sd"].round(2)
    return table


def overall(df: pd.DataFrame) -> dict:
    """All decisions together: count, mean and standard deviation of the difference, and the histogram."""
    if df.empty:
        return {"decisions": 0, "mean": None, "sd": None, "hist": {d: 0 for d in DIFFS}}
    buckets = df["difference"].clip(-2, 2).value_counts()
    return {"decisions": len(df), "mean": round(float(df["difference"].mean()), 2),
            "sd": round(float(df["difference"].std(ddof=0)), 2), "hist": {d: int(buckets.get(d, 0)) for d in DIFFS}}
