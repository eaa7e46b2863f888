"""``skills-app report``: gaps, training needs, service coverage, review service levels.

Every report goes through the one export path (``services.exports`` for the
data, ``reports.export`` for the file), streamed to standard output or a file.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from skills_app.cli.common import fail, progressbar

group = AppGroup("report", help="Gap, service coverage and training-needs reports.")


def _filter_options(fn):
    for option in reversed([
        click.option("--org-unit", help="An org unit path; the unit and every unit below it."),
        click.option("--exact", is_flag=True, help="With --org-unit: only that unit, not the ones below it."),
        click.option("--job-role", help="A job role name."),
        click.option("--service", help="A service name."),
        click.option("--skill", help="A skill code."),
        click.option("--framework", help="A framework code."),
        click.option("--status", multiple=True, help="met, below, not_assessed, expired or awaiting_review; repeat for several."),
        click.option("--essential", is_flag=True, help="Essential requirements only."),
    ]):
        fn = option(fn)
    return fn


def _filters(options: dict):
    from skills_app.services import gaps

    return gaps.Filters.from_mapping({
        "org_unit": options.get("org_unit"), "exact": options.get("exact"), "job_role": options.get("job_role"),
        "service": options.get("service"), "skill": options.get("skill"), "framework": options.get("framework"),
        "status": list(options.get("status") or []), "essential": options.get("essential"),
    })


def _shown(progress: bool | None) -> bool:
    """Show a progress bar: when asked, or by default when standard error is a terminal."""
    return sys.stderr.isatty() if progress is None else progress


def _export(make_report, fmt: str, output: Path | None, *, what: str = "Error: ", total=None, progress: bool | None = None) -> None:
    """Write a report (``services.exports``) in ``fmt`` to ``output`` or standard
    output, streamed; a failure leaves no file behind. With ``progress`` (and
    ``total()``, the rows there will be, counted by the database first), a
    progress bar of the rows written, on standard error."""
    from skills_app import replica
    from skills_app.errors import DomainError
    from skills_app.reports import export

    if output is None and fmt == "xlsx":
        fail("XLSX is binary: give --output FILE.xlsx")
    replica.for_reports()  # a report reads from the replica when DATABASE_REPLICA_URL names a fit one
    try:
        out = export.render(make_report(), fmt)
        bar = None
        if total is not None and _shown(progress):
            bar = progressbar(length=max(total(), 1), label=f"Exporting {fmt.upper()}", show_pos=True)
            bar.__enter__()

        def chunks():
            for chunk in out.chunks:
                yield chunk
                if bar is not None:
                    bar.update(out.rows - bar.pos)
            if bar is not None:
                bar.__exit__(None, None, None)

        if output is None:
            sys.stdout.flush()
            for chunk in chunks():
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        # Written beside the file, then renamed: a failure or an interrupt half way (a file of one chunk
        # in two, a workbook never closed) leaves the file that was there before, and no other.
        partial = output.with_name(output.name + ".part")
        try:
            with partial.open("wb") as target:
                for chunk in chunks():
                    target.write(chunk)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    except DomainError as exc:
        if output is not None:
            output.unlink(missing_ok=True)
        fail(f"{what}{exc.message}")
    click.echo(f"Wrote {out.rows} row{'s' if out.rows != 1 else ''} to {output} ({fmt}).", err=True)


FORMAT = click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), default="csv", show_default=True)
OUTPUT = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of standard output.")
PROGRESS = click.option("--progress/--no-progress", default=None,
                        help="A progress bar of the rows written, on standard error (default: when it is a terminal).")


@group.command("gaps")
@FORMAT
@OUTPUT
@click.option("--group-by", type=click.Choice(["org_unit", "job_role", "service", "skill"]), help="Add grouped totals (JSON: groups; XLSX: a sheet).")
@PROGRESS
@_filter_options
def report_gaps(fmt, output, group_by, progress, **options):
    """One row per person × required skill: person_id, person, email, org_unit, job_role,
    service, framework, skill, required_level, current_level, self_level, gap, status.
    CSV and JSON are streamed from the database: constant memory whatever the size."""
    from skills_app.policy import SYSTEM
    from skills_app.services import exports, gaps

    from skills_app.reports import early

    # The filters are read inside the export, whose refusals say what is wrong. As of the moment the
    # command started, when its statement was sent then (_send_early).
    now = early.moment()
    _export(lambda: exports.gap_report(SYSTEM, _filters(options), by=group_by, now=now), fmt, output, progress=progress,
            total=lambda: gaps.summary(SYSTEM, _filters(options), now=now)[0]["requirements"])


def _send_early(ctx: click.Context) -> None:
    """Before the app loads: CSV and JSON on PostgreSQL send the statement this command
    sent last time with these options, while Python loads (reports/early.py)."""
    if ctx.params.get("fmt") in ("csv", "json"):
        from skills_app.reports import early

        early.start("report gaps", {k: v for k, v in ctx.params.items() if k not in ("output", "progress")})


report_gaps.before_app = _send_early


@group.command("training-needs")
@FORMAT
@OUTPUT
@_filter_options
def report_training(fmt, output, **options):
    """Cohorts by skill and level step (SLMO 3→4): how many, where, who, and how urgent."""
    from skills_app.policy import SYSTEM
    from skills_app.services import exports

    _export(lambda: exports.training_needs(SYSTEM, _filters(options)), fmt, output)


@group.command("service-coverage")
@FORMAT
@OUTPUT
@click.option("--service", help="One service by name.")
def report_coverage(fmt, output, service):
    """Per service requirement: needed, qualified, shortfall, single points of failure."""
    from skills_app.policy import SYSTEM
    from skills_app.services import exports

    _export(lambda: exports.service_coverage(SYSTEM, service=service), fmt, output)


@group.command("service-levels")
@click.option("--month", help="The month, YYYY-MM (this month when not given), in the organisation's time zone.")
@FORMAT
@OUTPUT
def report_service_levels(month, fmt, output):
    """Review service levels for a month: per org unit and per reviewer, decisions,
    on time, share on time, breaches, median and 90th-percentile turnaround in
    working days (CSV: month, group_by, group, decisions, on_time, on_time_pct,
    breaches, median_days, p90_days). XLSX adds the trend, breaches and decisions."""
    from skills_app.policy import SYSTEM
    from skills_app.services import exports

    _export(lambda: exports.service_levels(SYSTEM, month), fmt, output, what="Error: --month: ")
