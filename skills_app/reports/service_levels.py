"""The service level report of the review process, month by month.

Months are calendar months in the organisation's time zone. For a month:

- **decisions**: reviews decided in the month (any outcome), each measured when
  it was made (:class:`ReviewDecision`): on time when decided by its due-by
  moment; turnaround in working days from submission to decision.
- **breaches**: reviews whose due-by moment fell in the month and that were
  not decided by then — the recorded ones (:class:`ReviewBreach`, with cause
  and action) and any still waiting past their due-by moment that the checks
  have not recorded yet.
- per org unit (the assessed person's) and per reviewer: decisions, on time,
  share on time, breaches, median and 90th-percentile turnaround (linear
  interpolation between ranks, as numpy and Excel's PERCENTILE.INC);
- the trend: the same totals for the month and the six before it.

Each figure comes from one set-wise query shaped with pandas.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import pandas as pd
from sqlalchemy import and_, select

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import Assessment, OrgUnit, Person, Skill
from skills_app.models.framework import utcnow
from skills_app.models.service_levels import BREACH_CAUSES, ReviewBreach, ReviewDecision
from skills_app.services import service_levels
from skills_app.services.calendar import WorkingCalendar

TREND_MONTHS = 7  # the month and the six before it
GROUP_COLUMNS = ["decisions", "on_time", "on_time_pct", "breaches", "median_days", "p90_days"]
CSV_COLUMNS = ["month", "group_by", "group", *GROUP_COLUMNS]
BREACH_COLUMNS = ["breach_id", "assessment_id", "person", "skill", "org_unit", "reviewer", "due_at", "decided_at", "status",
                  "escalated_to", "cause", "cause_note", "action"]
NO_UNIT = "(no org unit)"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, cal: WorkingCalendar, now: datetime | None = None) -> date:
    """The first day of the month ``YYYY-MM`` (this month when not given)."""
    if not value:
        today = cal.local_date(now or utcnow())
        return today.replace(day=1)
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise InvalidInput(f"{value!r} is not a month; use YYYY-MM, such as 2026-10.", details={"month": "Use YYYY-MM."})
    return date(int(match.group(1)), int(match.group(2)), 1)


def shift_month(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _bounds(month: date, cal: WorkingCalendar, months: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of ``months`` months ending with ``month``, as UTC moments."""
    first = shift_month(month, -(months - 1))
    end = shift_month(month, 1)
    return (datetime.combine(first, time(0), tzinfo=cal.tz).astimezone(timezone.utc),
            datetime.combine(end, time(0), tzinfo=cal.tz).astimezone(timezone.utc))


def _month_key(series: pd.Series, cal: WorkingCalendar) -> pd.Series:
    moments = pd.to_datetime(series, utc=True).dt.tz_convert(cal.timezone)
    return moments.dt.strftime("%Y-%m")


def decisions_frame(cal: WorkingCalendar, start: datetime, end: datetime) -> pd.DataFrame:
    stmt = (
        select(ReviewDecision.id, ReviewDecision.assessment_id, ReviewDecision.reviewer_id, ReviewDecision.reviewer_name,
               OrgUnit.path.label("org_unit"), ReviewDecision.outcome, ReviewDecision.submitted_at, ReviewDecision.due_at,
               ReviewDecision.decided_at, ReviewDecision.working_days, ReviewDecision.on_time)
        .outerjoin(OrgUnit, ReviewDecision.org_unit_id == OrgUnit.id)
        .where(ReviewDecision.decided_at >= start, ReviewDecision.decided_at < end)
    )
    df = pd.DataFrame(db.session.execute(stmt).mappings().all(),
                      columns=["id", "assessment_id", "reviewer_id", "reviewer_name", "org_unit", "outcome", "submitted_at",
                               "due_at", "decided_at", "working_days", "on_time"])
    df["org_unit"] = df["org_unit"].fillna(NO_UNIT)
    df["on_time"] = df["on_time"].astype(bool)
    df["working_days"] = df["working_days"].astype(float)
    df["month"] = _month_key(df["decided_at"], cal) if len(df) else pd.Series(dtype=str)
    return df


def breaches_frame(cal: WorkingCalendar, start: datetime, end: datetime, now: datetime) -> pd.DataFrame:
    """Recorded breaches due in [start, end), and reviews still waiting past a
    due-by moment in it that have no record yet."""
    recorded = (
        select(ReviewBreach.id.label("breach_id"), ReviewBreach.assessment_id, Person.name.label("person"),
               Skill.code.label("skill"), OrgUnit.path.label("org_unit"), ReviewBreach.reviewer_id,
               ReviewBreach.reviewer_name.label("reviewer"), ReviewBreach.due_at, ReviewBreach.resolved_at.label("decided_at"),
               ReviewBreach.escalated_to_name.label("escalated_to"), ReviewBreach.cause, ReviewBreach.cause_note, ReviewBreach.action)
        .join(Assessment, ReviewBreach.assessment_id == Assessment.id)
        .join(Person, Assessment.person_id == Person.id)
        .join(Skill, Assessment.skill_id == Skill.id)
        .outerjoin(OrgUnit, ReviewBreach.org_unit_id == OrgUnit.id)
        .where(ReviewBreach.due_at >= start, ReviewBreach.due_at < end)
    )
    manager = db.aliased(Person)
    reviewer = db.aliased(Person)
    unrecorded = (
        select(Assessment.id.label("assessment_id"), Person.name.label("person"), Skill.code.label("skill"),
               OrgUnit.path.label("org_unit"), reviewer.id.label("assigned_id"), reviewer.name.label("assigned_name"),
               manager.id.label("manager_id"), manager.name.label("manager_name"), Assessment.due_at)
        .join(Person, Assessment.person_id == Person.id)
        .join(Skill, Assessment.skill_id == Skill.id)
        .outerjoin(OrgUnit, Person.org_unit_id == OrgUnit.id)
        .outerjoin(manager, Person.manager_id == manager.id)
        .outerjoin(reviewer, Assessment.assigned_reviewer_id == reviewer.id)
        .outerjoin(ReviewBreach, and_(ReviewBreach.assessment_id == Assessment.id, ReviewBreach.due_at == Assessment.due_at))
        .where(Assessment.status == "submitted", Assessment.due_at >= start, Assessment.due_at < end, Assessment.due_at < now,
               ReviewBreach.id.is_(None))
    )
    rows = [dict(r) for r in db.session.execute(recorded).mappings()]
    for r in db.session.execute(unrecorded).mappings():
        rows.append({
            "breach_id": None, "assessment_id": r["assessment_id"], "person": r["person"], "skill": r["skill"],
            "org_unit": r["org_unit"], "reviewer_id": r["assigned_id"] or r["manager_id"],
            "reviewer": r["assigned_name"] or r["manager_name"] or "(no reviewer)", "due_at": r["due_at"], "decided_at": None,
            "escalated_to": None, "cause": None, "cause_note": None, "action": None,
        })
    columns = ["breach_id", "assessment_id", "person", "skill", "org_unit", "reviewer_id", "reviewer", "due_at", "decided_at",
               "escalated_to", "cause", "cause_note", "action"]
    df = pd.DataFrame(rows, columns=columns)
    df["org_unit"] = df["org_unit"].fillna(NO_UNIT)
    df["status"] = ["decided late" if pd.notna(d) else "still waiting" for d in df["decided_at"]]
    df["month"] = _month_key(df["due_at"], cal) if len(df) else pd.Series(dtype=str)
    df["cause_label"] = df["cause"].map(lambda c: BREACH_CAUSES.get(c, c) if isinstance(c, str) else None)
    for col in ("escalated_to", "cause", "cause_note", "action", "cause_label"):
        df[col] = pd.Series([v if isinstance(v, str) else None for v in df[col]], index=df.index, dtype=object)
    return df.sort_values(["due_at", "assessment_id"]).reset_index(drop=True)


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


def build(actor, month: str | None = None, now: datetime | None = None) -> Report:
    policy.require(actor, "view_service_levels")
    now = now or utcnow()
    cal = service_levels.working_calendar()
    first = parse_month(month, cal, now)
    start, end = _bounds(first, cal)
    trend_start, _ = _bounds(first, cal, TREND_MONTHS)
    decisions = decisions_frame(cal, trend_start, end)
    breaches = breaches_frame(cal, trend_start, end, now)
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
    return Report(month=first, timezone=cal.timezone, totals=totals, by_unit=by_unit, by_reviewer=by_reviewer, trend=trend,
                  breaches=b_month.reset_index(drop=True), causes=causes, decisions=d_month.reset_index(drop=True))


def breach_rows(report: Report) -> pd.DataFrame:
    b = report.breaches.copy()
    if not len(b):
        return pd.DataFrame(columns=BREACH_COLUMNS)
    b["cause"] = b["cause_label"]
    for col in ("due_at", "decided_at"):
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
    from skills_app.reports.gaps import group_records

    return {
        "month": report.key, "timezone": report.timezone,
        "rows": group_records(report.csv_frame()),
        "trend": group_records(report.trend[["month", *GROUP_COLUMNS]]),
        "breaches": group_records(breach_rows(report)),
    }
