"""Coverage trends (HR and the learning team) and calibration (HR)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skills_app import cache, policy
from skills_app.errors import InvalidInput
from skills_app.reports import trends
from skills_app.services import calibration as calibration_service
from skills_app.services import exports, gaps
from skills_app.services import trends as trend_service
from skills_app.web.downloads import download
from skills_app.web.reports import _choices

bp = Blueprint("trends", __name__, url_prefix="/reports")


@bp.get("/trends")
def coverage():
    policy.require(current_user, "view_trends")
    filters = gaps.Filters.from_mapping(request.args)
    by = request.args.get("group") or None
    if fmt := request.args.get("format"):
        return download(exports.coverage_trend(current_user, filters, by=by), fmt)
    # Counted in SQL (services/trends.py), cached until the next recorded change.
    found = cache.cached(gaps.cache_key(current_user, "trend-counts", filters, by or ""),
                         lambda: trend_service.counts(current_user, filters, by=by))
    trend = trend_service.trend_of(found, filters, by)
    latest = trend.series[trend.series["month"] == trend.points[-1]] if len(trend.series) else trend.series
    first = trend.series[trend.series["month"] == trend.points[0]] if len(trend.series) else trend.series
    args = filters.as_args()
    args.pop("status", None)
    if by:
        args["group"] = by
    return render_template("reports/trends.html", trend=trend, chart=trends.chart(trend), filters=filters, args=args,
                           by=by, latest=latest, first=dict(zip(first["group"], first["coverage"])) if len(first) else {},
                           group_labels=trends.GROUP_LABELS, **_choices())


@bp.get("/calibration")
def calibration():
    policy.require(current_user, "view_calibration")
    by = request.args.get("group") or "reviewer"
    if by not in trends.CALIBRATION_GROUPS:
        raise InvalidInput.on("group", f"group by one of {', '.join(trends.CALIBRATION_GROUPS)}")
    months = request.args.get("months") or None
    if months is not None:
        try:
            months = int(months)
        except ValueError:
            raise InvalidInput.on("months", "months is a whole number") from None
        if not 1 <= months <= 240:
            raise InvalidInput.on("months", "months is between 1 and 240")
    if fmt := request.args.get("format"):
        return download(exports.calibration(current_user, by, months=months), fmt)
    found = calibration_service.page(current_user, by, months=months, cursor=request.args.get("cursor") or None)
    return render_template("reports/calibration.html", page=found.page, overall=found.overall, by=by,
                           months=months, groups=trends.CALIBRATION_GROUPS, min_decisions=trends.MIN_DECISIONS,
                           outlier_sd=trends.OUTLIER_SD, diffs=trends.DIFFS)
