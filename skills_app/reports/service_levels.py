"""The service level report of the review process, month by month.

Months are calendar months in the organisation's time zone. For a month:

- **decisions**: reviews decided in the month (any outcome), each measured when
  it was made (:class:`ReviewDecision`): on time when decided by its due-by
  moment; turnaround in working days from submission to decision.
- **breaches**: reviews whose due-by moment fell in the month and that were
  not decided by then (each "decided late", "reassigned to …" — a reassignment
  is never a decision — or "still waiting") — the recorded ones (:class:`ReviewBreach`, with cause
  and action) and any still waiting past their due-by moment that the checks
  have not recorded yet.
- per org unit (the assessed person's) and per reviewer: decisions, on time,
  share on time, breaches, median and 90th-percentile turnaround (linear
  interpolation between ranks, as numpy and Excel's PERCENTILE.INC);
- the trend: the same totals for the month and the six before it.

Each figure comes from one set-wise query (``services.service_level_report``)
shaped with pandas here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from skills_app.lazy import pandas as pd

from skills_app.reports.gaps import group_records

TREND_MONTHS = 7  # the month and the six before it
GROUP_COLUMNS = ["decisions", "on_time", "on_time_pct", "breaches", "median_days", "p90_days"]
CSV_COLUMNS = ["month", "group_by", "group", *GROUP_COLUMNS]
BREACH_COLUMNS = ["breach_id", "assessment_id", "person", "skill", "org_unit", "reviewer", "due_at", "decided_at", "status",
                  "escalated_to", "cause", "cause_note", "action", "reassigned_at", "reassigned_to"]
NO_UNIT = "(no org unit)"


def shift_month(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_key(series: pd.Series, timezone: str) -> pd.Series:
    """Each moment's month, ``YYYY-MM``, in the organisation's time zone."""
    moments = pd.to_datetime(series, utc=True).dt.tz_convert(timezone)
    return moments.dt.strftime("%Y-%m")


def _figures(decisions: pd.DataFrame, breaches: pd.DataFrame, key: str | None) -> pd.DataFrame:
    """Decisions, on time, share, breaches, median and p90 per ``key`` (one row 'All' when None)."""
    d, b = decisions.copy(), breaches.copy()
    if key is None:
        d["_g"], b["_g"] = "All", "All"
    else:
        d["_g"], b["_g"] = d[key], b[key]
    if len(d):
        per = d.groupby("_g").agg(decisions=("id", "size"), on_time=("on_time", "sum"),
                                  median_days=("working_days", "median"),
                                  p90_days=("working_days", lambda s: s.quantile(0.9, interpolation="linear")))
    else:
        per = pd.DataFrame(columns=["decisions", "on_time", "median_days", "p90_days"])
    counts = b.groupby("_g").size().rename("breaches") if len(b) else pd.Series(dtype=int, name="breaches")
    out = per.join(counts, how="outer")
    out["decisions"] = out["decisions"].fillna(0).astype(int)
    out["on_time"] = out["on_time"].fillna(0).astype(int)
    out["breaches"] = out["breaches"].fillna(0).astype(int)
    out["on_time_pct"] = pd.Series([round(100 * o / n, 1) if n else None for o, n in zip(out["on_time"], out["decisions"])],
                                   index=out.index, dtype=object)
    for col in ("median_days", "p90_days"):
        out[col] = pd.Series([round(float(v), 1) if pd.notna(v) else None for v in out[col]], index=out.index, dtype=object)
    out = out.reset_index().rename(columns={"_g": "group", "index": "group"})
    if "group" not in out.columns:
        out["group"] = []
    return out[["group", *GROUP_COLUMNS]].sort_values("group").reset_index(drop=True)


@dataclass
class Report:
    month: date
    timezone: str
    totals: dict
    by_unit: pd.DataFrame
    by_reviewer: pd.DataFrame
    trend: pd.DataFrame
    breaches: pd.DataFrame
    causes: pd.DataFrame
    decisions: pd.DataFrame

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}"

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"

    def csv_frame(self) -> pd.DataFrame:
        parts = []
        for group_by, frame in (("all", _as_frame(self.totals)), ("org_unit", self.by_unit), ("reviewer", self.by_reviewer)):
            f = frame.copy()
            f.insert(0, "group_by", group_by)
            f.insert(0, "month", self.key)
            parts.append(f)
        return pd.concat(parts, ignore_index=True)[CSV_COLUMNS]


def _as_frame(totals: dict) -> pd.DataFrame:
    return pd.DataFrame([{"group": "All", **{k: totals[k] for k in GROUP_COLUMNS}}])


def assemble(first: date, timezone: str, decisions: pd.DataFrame, breaches: pd.DataFrame) -> Report:
    """The report of the month starting ``first`` from the decisions and breaches of
    it and of the months of the trend before it."""
    key = f"{first:%Y-%m}"
    d_month, b_month = decisions[decisions["month"] == key], breaches[breaches["month"] == key]

    totals_row = _figures(d_month, b_month, None)
    totals = totals_row.iloc[0].to_dict() if len(totals_row) else {"group": "All", "decisions": 0, "on_time": 0, "on_time_pct": None,
                                                                   "breaches": 0, "median_days": None, "p90_days": None}
    by_unit = _figures(d_month, b_month, "org_unit")
    d_rev = d_month.assign(reviewer=d_month["reviewer_name"])
    by_reviewer = _figures(d_rev, b_month, "reviewer")

    months = [f"{shift_month(first, -i):%Y-%m}" for i in range(TREND_MONTHS - 1, -1, -1)]
    trend = _figures(decisions, breaches, "month").set_index("group").reindex(months)
    trend["decisions"] = trend["decisions"].fillna(0).astype(int)
    trend["on_time"] = trend["on_time"].fillna(0).astype(int)
    trend["breaches"] = trend["breaches"].fillna(0).astype(int)
    trend = trend.astype(object).where(trend.notna(), None).rename_axis("month").reset_index()
    trend["label"] = [datetime.strptime(m, "%Y-%m").strftime("%b %Y") for m in trend["month"]]

    if len(b_month):
        causes = (b_month.assign(cause_label=b_month["cause_label"].fillna("Not yet recorded"))
                  .groupby("cause_label").size().rename("breaches").reset_index()
                  .sort_values(["breaches", "cause_label"], ascending=[False, True]).reset_index(drop=True))
    else:
        causes = pd.DataFrame(columns=["cause_label", "breaches"])
    return Report(month=first, timezone=timezone, totals=totals, by_unit=by_unit, by_reviewer=by_reviewer, trend=trend,
                  breaches=b_month.reset_index(drop=True), causes=causes, decisions=d_month.reset_index(drop=True))




def breach_rows(report: Report) -> pd.DataFrame:
    b = report.breaches.copy()
    if not len(b):
        return pd.DataFrame(columns=BREACH_COLUMNS)
    b["cause"] = b["cause_label"]
    for col in ("due_at", "decided_at", "reassigned_at"):
        b[col] = [pd.Timestamp(v).tz_localize("UTC") if pd.notna(v) and pd.Timestamp(v).tzinfo is None else (pd.Timestamp(v) if pd.notna(v) else None)
                  for v in b[col]]
    b["breach_id"] = b["breach_id"].astype(object).where(b["breach_id"].notna(), None)
    return b[BREACH_COLUMNS]


def sheets(report: Report) -> dict[str, pd.DataFrame]:
    decisions = report.decisions[["assessment_id", "reviewer_name", "org_unit", "outcome", "submitted_at", "due_at", "decided_at",
                                  "working_days", "on_time"]].rename(columns={"reviewer_name": "reviewer"})
    return {
        "Summary": report.csv_frame(),
        "By org unit": report.by_unit,
        "By reviewer": report.by_reviewer,
        "Trend": report.trend[["month", *GROUP_COLUMNS]],
        "Breaches": breach_rows(report),
        "Decisions": decisions,
    }


def payload(report: Report) -> dict:
    return {
        "month": report.key, "timezone": report.timezone,
        "rows": group_records(report.csv_frame()),
        "trend": group_records(report.trend[["month", *GROUP_COLUMNS]]),
        "breaches": group_records(breach_rows(report)),
    }
