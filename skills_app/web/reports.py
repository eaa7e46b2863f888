"""Reports for HR and the learning team, and the team matrix for managers."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user

from skills_app import cache, policy
from skills_app.errors import InvalidInput
from skills_app.reports import coverage, export, training
from skills_app.reports import gaps as gap_tables
from skills_app.services import gaps, org, requirements

bp = Blueprint("reports", __name__)

PER_PAGE = 50
EXPORT_FORMATS = ("csv", "xlsx", "json")


def _filters() -> gaps.Filters:
    return gaps.Filters.from_mapping(request.args)


def _download(body, fmt: str, stem: str) -> Response:
    types = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "json": "application/json"}
    name = f"{stem}-{date.today():%Y-%m-%d}.{fmt}"
    return Response(body, mimetype=types[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _format() -> str:
    fmt = request.args.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput.on("format", f"format is one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def _choices():
    return {
        "units": org.units_for_choice(),
        "job_roles": requirements.job_roles(current_user),
        "services": requirements.services(current_user),
        "skills": requirements.skill_choices(),
    }


def _rows_page(filters, cursor: str | None, total: int):
    """A page of the gap table, its rows JSON-ready (as the report cache keeps them)."""
    found = gaps.page(current_user, filters, cursor=cursor, limit=PER_PAGE, total=total)
    found.items = gap_tables.rows(found.items, gap_tables.COLUMNS + ["essential", "via"])
    return found


@bp.get("/reports/gaps")
def gap_report():
    policy.require(current_user, "view_gap_reports")
    filters = _filters()
    by = request.args.get("group") or None
    view = request.args.get("view", "table")
    # Computed in SQL, and cached until the next recorded change (see cache.py).
    def key(name, *extra):
        return gaps.cache_key(current_user, name, filters, *extra)

    total, groups = cache.cached(key("summary", by), lambda: gaps.summary(current_user, filters, by=by))
    cursor = request.args.get("cursor") or None
    page = None
    if view == "table":
        page = cache.cached(key("rows", cursor or ""), lambda: _rows_page(filters, cursor, total["requirements"]))
    heat = None
    if view == "heatmap-units":
        heat = cache.cached(key("unit-heatmap"), lambda: gaps.unit_heatmap(current_user, filters))
    elif view == "heatmap":
        heat = cache.cached(key("person-heatmap"), lambda: gap_tables.heatmap(gaps.frame(current_user, filters, limit=2000), "person"))
    return render_template(
        "reports/gaps.html", filters=filters, args=filters.as_args(), by=by, view=view, total=total,
        groups=groups, rows=page.items if page else None, heat=heat, page=page,
        statuses=gap_tables.STATUSES, status_labels=gap_tables.STATUS_LABELS, **_choices(),
    )


@bp.get("/reports/gaps/export")
def gap_export():
    policy.require(current_user, "view_gap_reports")
    fmt, filters = _format(), _filters()
    if fmt == "csv":
        import io

        buffer = io.StringIO()
        gaps.write_csv(current_user, buffer, filters)
        return _download(buffer.getvalue(), fmt, "gap-report")
    by = request.args.get("group") or None
    if by and by not in gap_tables.GROUPINGS:
        raise InvalidInput.on("group", f"group by one of {', '.join(gap_tables.GROUPINGS)}")
    if fmt == "json":
        import io

        buffer = io.StringIO()
        gaps.write_json(current_user, buffer, filters, by=by)
        return _download(buffer.getvalue(), fmt, "gap-report")
    df = gaps.frame(current_user, filters)
    sheets = {"Gaps": df[gap_tables.COLUMNS + ["essential", "via", "valid_until"]]}
    for grouping in ([by] if by else list(gap_tables.GROUPINGS)):
        sheets[f"By {grouping.replace('_', ' ')}"] = gap_tables.grouped(df, grouping)
    return _download(export.to_xlsx(sheets), fmt, "gap-report")


@bp.get("/reports/coverage")
def service_coverage():
    policy.require(current_user, "view_gap_reports")
    table = gaps.service_coverage(current_user, service=request.args.get("service") or None)
    fmt = request.args.get("format")
    if fmt:
        fmt = _format()
        data = table[coverage.COLUMNS]
        if fmt == "csv":
            return _download(export.to_csv(data), fmt, "service-coverage")
        if fmt == "json":
            return _download(export.to_json({"rows": gap_tables.group_records(data)}), fmt, "service-coverage")
        return _download(export.to_xlsx({"Service coverage": data}), fmt, "service-coverage")
    return render_template("reports/coverage.html", table=table, services=requirements.services(current_user),
                           service=request.args.get("service", ""))


@bp.get("/reports/training-needs")
def training_needs():
    policy.require(current_user, "view_gap_reports")
    filters = _filters()
    cohorts, people = gaps.training_needs(current_user, filters)
    fmt = request.args.get("format")
    if fmt:
        fmt = _format()
        data = cohorts[training.COLUMNS]
        if fmt == "csv":
            return _download(export.to_csv(data), fmt, "training-needs")
        if fmt == "json":
            return _download(export.to_json({"rows": gap_tables.group_records(data)}), fmt, "training-needs")
        people_sheet = people[["person", "email", "org_unit", "framework", "skill", "from_level", "to_level", "step", "status", "essential"]]
        return _download(export.to_xlsx({"Training needs": data, "People": people_sheet}), fmt, "training-needs")
    return render_template("reports/training.html", cohorts=cohorts, people=people, args=filters.as_args(),
                           filters=filters, can_plan=policy.can(current_user, "manage_learning"), **_choices())


@bp.get("/team")
def team_matrix():
    policy.require(current_user, "view_team_matrix")
    from skills_app.services import assessments

    df = gaps.team_frame(current_user, _filters())
    queue = assessments.review_queue(current_user) if policy.can(current_user, "review_queue") else []
    return render_template("reports/team.html", heat=gap_tables.heatmap(df, "person"), total=gap_tables.totals(df), queue=queue,
                           status_labels=gap_tables.STATUS_LABELS)


@bp.app_template_filter("query")
def _query(args: dict, **changes) -> str:
    merged = {**args, **{k: v for k, v in changes.items()}}
    return url_for(request.endpoint, **{k: v for k, v in merged.items() if v not in (None, "", [])})
