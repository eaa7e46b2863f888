"""Every report that can be downloaded, as a ``reports.export.Report``: what it
holds, for the actor and the filters given. Access is checked and filters are
read here, before anything is sent; the tables are computed when a format asks
for them. The faces render one with ``reports.export.render`` and send or write
its chunks (web and API: a download; the command line: a file or standard output)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from skills_app.lazy import pandas as pd

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.reports import coverage, export, trends
from skills_app.reports import gaps as gap_tables
from skills_app.reports import service_levels as service_levels_report
from skills_app.reports import training
from skills_app.services import gaps, jobs, needs, service_level_report
from skills_app.services import trends as trend_service
from skills_app.services.gaps import Filters

GAP_SHEET_COLUMNS = gap_tables.COLUMNS + ["essential", "via", "valid_until"]
TRAINING_PEOPLE_COLUMNS = ["person", "email", "org_unit", "framework", "skill", "from_level", "to_level", "step", "status",
                           "essential"]


def gap_report(actor, filters: Filters | None = None, *, by: str | None = None, now: datetime | None = None) -> export.Report:
    """One row per person × required skill; CSV and JSON streamed from the cursor.
    XLSX adds a sheet per grouping (the one asked for, or all); JSON adds
    ``groups`` when grouped."""
    policy.require(actor, "view_gap_reports")
    filters = filters or Filters()
    if by and by not in gap_tables.GROUPINGS:
        raise InvalidInput.on("group", f"group by one of {', '.join(gap_tables.GROUPINGS)}")

    groupings = [by] if by else list(gap_tables.GROUPINGS)

    def sheets():
        df = gaps.frame(actor, filters, now=now)
        out = {"Gaps": df[GAP_SHEET_COLUMNS]}
        for grouping in groupings:
            out[f"By {grouping.replace('_', ' ')}"] = gap_tables.grouped(df, grouping)
        return out

    def streamed_sheets():
        # The rows once, off the cursor, each grouping totalled as they pass (what sheets() makes of a frame).
        tallies = [gap_tables.GroupTally(grouping) for grouping in groupings]

        def batches():
            for batch in gaps.row_batches(actor, filters, now=now, columns=GAP_SHEET_COLUMNS):
                batch = [_sheet_row(row) for row in batch]
                for tally in tallies:
                    tally.feed(batch)
                yield batch

        yield "Gaps", GAP_SHEET_COLUMNS, batches()
        for tally in tallies:
            yield (f"By {tally.by.replace('_', ' ')}", gap_tables.GROUP_COLUMNS,
                   [[tuple(record.values()) for record in tally.records()]])

    def written(fmt: str, counted: dict):
        if fmt == "csv":
            return gaps.copied_csv(actor, filters, now=now, counted=counted)
        return gaps.copied_json(actor, filters, by=by, now=now, counted=counted)

    # Elsewhere (SQLite): batches off the cursor, the groups counted as they pass.
    tally = gap_tables.GroupTally(by) if by else None

    def rows():
        batches = gaps.row_batches(actor, filters, now=now)
        return gap_tables.COLUMNS, (tally.feed(batch) for batch in batches) if tally else batches

    return export.Report(
        "gap-report", sheets, rows=rows, written=written, streamed_sheets=streamed_sheets,
        extra=(lambda: {"groups": tally.records()}) if tally else None,
    )


_ESSENTIAL, _VALID_UNTIL = (GAP_SHEET_COLUMNS.index(c) for c in ("essential", "valid_until"))


def _sheet_row(row: Sequence) -> tuple:
    """A gap row as a sheet holds it (as :func:`gaps.frame` types it): essential a
    boolean (SQLite gives 0 or 1), the end of validity in UTC without a zone (a
    spreadsheet has none; SQLite gives text)."""
    row = list(row)
    if row[_ESSENTIAL] is not None:
        row[_ESSENTIAL] = bool(row[_ESSENTIAL])
    if (until := row[_VALID_UNTIL]) is not None:
        if isinstance(until, str):
            until = datetime.fromisoformat(until)
        if until.tzinfo is not None:
            until = until.astimezone(timezone.utc).replace(tzinfo=None)
        row[_VALID_UNTIL] = until
    return tuple(row)


def gap_report_job(actor, filters: Filters | None = None, *, by: str | None = None, fmt: str = "csv",
                   back: tuple[str, str] | None = None, again: str | None = None) -> str | None:
    """A gap export of more than ``JOB_EXPORT_ROWS`` rows as a background job (its id),
    when a worker can take it; None when it is small, or no worker is there: then it is
    downloaded in the request, as always. Access, the format and the grouping are
    checked first, so that a refusal is answered here."""
    policy.require(actor, "view_gap_reports")
    filters = filters or Filters()
    if by and by not in gap_tables.GROUPINGS:
        raise InvalidInput.on("group", f"group by one of {', '.join(gap_tables.GROUPINGS)}")
    export.check_format(fmt)
    if not jobs.available():
        return None
    total = gaps.summary(actor, filters)[0]["requirements"]
    if total <= jobs.export_threshold():
        return None
    return jobs.start(actor, "gap_export", {"filters": filters.as_args(), "group": by, "format": fmt, "total": total},
                      total=total, back=back, again=again)


def training_needs(actor, filters: Filters | None = None) -> export.Report:
    """Cohorts by skill and level step, counted in SQL (services/needs.py); XLSX adds
    the people in them. Each is read when a format asks for it."""
    def data():
        return needs.cohorts(actor, filters)[training.COLUMNS]

    def streamed_sheets():
        # The people (a million rows at 100,000 people) off the cursor, in the frame's columns.
        yield ("Training needs", *export.frame_batches(data()))
        at = [training.PEOPLE_COLUMNS.index(c) for c in TRAINING_PEOPLE_COLUMNS]
        yield "People", TRAINING_PEOPLE_COLUMNS, ([tuple(row[i] for i in at) for row in batch]
                                                  for batch in needs.people_batches(actor, filters))

    return export.Report("training-needs", lambda: {
        "Training needs": data(), "People": needs.people(actor, filters)[TRAINING_PEOPLE_COLUMNS]}, table=data,
        streamed_sheets=streamed_sheets)


def service_coverage(actor, *, service: str | None = None) -> export.Report:
    """Per service requirement: needed, qualified, shortfall, single points of failure."""
    policy.require(actor, "view_gap_reports")
    data = gaps.service_coverage(actor, service=service)[coverage.COLUMNS]
    return export.Report("service-coverage", lambda: {"Service coverage": data})


def service_levels(actor, month: str | None = None) -> export.Report:
    """The review service levels of a month: CSV per org unit and reviewer; XLSX adds
    the trend, breaches and decisions."""
    data = service_level_report.build(actor, month)
    return export.Report(f"service-levels-{data.key}", lambda: service_levels_report.sheets(data), table=data.csv_frame,
                         payload=lambda: service_levels_report.payload(data), dated=False)


def campaign_results(actor, campaign) -> export.Report:
    """An open campaign's progress; a closed one's snapshot (and its progress)."""
    policy.require(actor, "manage_campaigns")
    from skills_app.services import campaigns  # here: it brings the assessments and evidence (heavy for a gap export)

    people = pd.DataFrame(campaigns.people(actor, campaign, limit=1_000_000),
                          columns=["person_id", "person", "email", "org_unit", "manager_id", "manager", "started",
                                   "submitted", "decided", "progress"])
    stem = f"campaign-{campaign.id}"
    if campaign.is_open:
        return export.Report(stem + "-progress", lambda: {"Progress": people}, formats=("csv", "xlsx"))
    snapshot = pd.DataFrame(campaigns.result_records(campaigns.results(actor, campaign)), columns=campaigns.RESULT_COLUMNS)
    return export.Report(stem + "-snapshot", lambda: {"Snapshot": snapshot.rename(columns={"gap_status": "status"}), "Progress": people},
                         table=lambda: snapshot, formats=("csv", "xlsx"))


def coverage_trend(actor, filters: Filters | None = None, *, by: str | None = None) -> export.Report:
    """Coverage by month (and the campaign snapshots, in XLSX)."""
    trend = trend_service.coverage(actor, filters, by=by)
    return export.Report("coverage-trend", lambda: trends.export_frames(trend), formats=("csv", "xlsx"))


def calibration(actor, by: str, *, months: int | None = None) -> export.Report:
    """Reviewers' (or units') decisions against the rest; XLSX adds the decisions."""
    decisions = trend_service.decisions_for_calibration(actor, months=months)
    table = trends.calibration(decisions, by)

    def sheets():
        sheet = decisions.copy()
        if len(sheet):
            sheet["decided_at"] = pd.to_datetime(sheet["decided_at"], utc=True).dt.tz_localize(None)
        return {f"By {by}": table, "Decisions": sheet}

    return export.Report(f"calibration-by-{by}", sheets, formats=("csv", "xlsx"))


def expiring(actor, days: int) -> export.Report:
    """Validations expiring within ``days``."""
    from skills_app.services import revalidation

    df = pd.DataFrame(revalidation.expiring(actor, days=days), columns=[*revalidation.COLUMNS])
    for column in ("decided_at", "valid_until"):
        df[column] = pd.to_datetime(df[column], utc=True).dt.strftime("%Y-%m-%d") if len(df) else df[column]
    return export.Report(f"expiring-within-{days}-days", lambda: {"Expiring": df}, formats=("csv",))
