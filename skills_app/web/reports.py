"""Reports for HR and the learning team, and the team matrix for managers."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from skills_app import cache, policy
from skills_app.models import Service
from skills_app.reports import gaps as gap_tables
from skills_app.services import accounts, campaigns, exports, frameworks, gaps, needs, next_steps, requirements
from skills_app.web.downloads import download
from skills_app.web.jobs import started
from skills_app.web.forms import handle, success
from skills_app.web.forms.reports import AddToCampaignForm, GapActionForm

bp = Blueprint("reports", __name__)

PER_PAGE = 50


def _filters() -> gaps.Filters:
    return gaps.Filters.from_mapping(request.args)


def _format() -> str | None:
    return request.args.get("format") or None


def _choices():
    """What the filter form offers: the same for everyone who may see it, so read once and
    kept until the next recorded change (cache.py), as plain data. The permission to list
    the job roles and services is asked on every request, cached or not."""
    policy.require(current_user, "view_requirements")
    return cache.cached("filters:choices", lambda: requirements.filter_choices(current_user))


def _rows_page(filters, cursor: str | None, total: int):
    """A page of the gap table, its rows JSON-ready (as the report cache keeps them)."""
    found = gaps.page(current_user, filters, cursor=cursor, limit=PER_PAGE, total=total)
    found.items = gap_tables.rows(found.items, gap_tables.COLUMNS + ["essential", "via", "skill_id", "framework_version"])
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
        heat = cache.cached(key("person-heatmap"), lambda: gap_tables.heatmap(gaps.frame(current_user, filters, limit=2000), "person",
                                                                          frameworks.versioned_codes()))
    rows = page.items if page else None
    # A row's next step "Add to <campaign>": the open campaigns asking for its skill.
    asking = (campaigns.row_campaigns(current_user, {(r["person_id"], r["skill_id"]) for r in rows
                                                           if r["status"] != "met" and r["skill_id"] is not None})
              if rows and policy.can(current_user, "manage_campaigns") else {})
    return render_template(
        "reports/gaps.html", filters=filters, args=filters.as_args(), by=by, view=view, total=total,
        groups=groups, rows=rows, heat=heat, page=page, asking=asking, action_form=GapActionForm(formdata=None),
        statuses=gap_tables.STATUSES, status_labels=gap_tables.STATUS_LABELS, **_choices(),
    )


def _report_args() -> dict:
    """The report's filters and page, from the address the row's button posted to."""
    return {k: v for k, v in request.args.items(multi=False) if k in {"cursor", "view", "group", "exact", "essential"}} | \
        _filters().as_args()


@bp.post("/reports/gaps/remind")
def remind():
    """A gap row's next step: remind the person of their gap in the skill (once within the cooldown)."""
    policy.require(current_user, "view_gap_reports")
    policy.require(current_user, "remind_about_gap")
    form = GapActionForm()
    return handle(form, lambda: next_steps.remind_of_gap(current_user, accounts.get_person(current_user, int(form.person_id.data)),
                                                         frameworks.get_skill(current_user, int(form.skill_id.data))),
                  page=gap_report,
                  done=lambda sent: success(f"Reminded {sent.person.name} of {sent.skill.code} (in the app and by email): "
                                            f"“{sent.message}”", "reports.gap_report", **_report_args()))


@bp.post("/reports/gaps/add-to-campaign")
def add_to_campaign():
    """A gap row's next step: ask the person in an open campaign that asks for the skill."""
    policy.require(current_user, "view_gap_reports")
    policy.require(current_user, "manage_campaigns")
    form = AddToCampaignForm()

    def add():
        person = accounts.get_person(current_user, int(form.person_id.data))
        return campaigns.add_person(current_user, campaigns.get(current_user, int(form.campaign_id.data)), person), person

    return handle(form, add, page=gap_report,
                  done=lambda added: success(f"Added {added[1].name} to the campaign {added[0].name!r}; "
                                             "they see it on their dashboard.", "reports.gap_report", **_report_args()))


@bp.get("/reports/gaps/export")
def gap_export():
    """The export, downloaded; a big one (JOB_EXPORT_ROWS) goes to a worker when there is one,
    and the browser follows it on the job's page."""
    policy.require(current_user, "view_gap_reports")
    filters, by, fmt = _filters(), request.args.get("group") or None, request.args.get("format", "csv")
    args = {**filters.as_args(), **({"group": by} if by else {})}
    if job_id := exports.gap_report_job(current_user, filters, by=by, fmt=fmt,
                                        back=("Back to the gap report", url_for("reports.gap_report", **args)),
                                        again=url_for("reports.gap_export", format=fmt, **args)):
        return started(job_id)
    return download(exports.gap_report(current_user, filters, by=by), fmt)


@bp.get("/reports/coverage")
def service_coverage():
    policy.require(current_user, "view_gap_reports")
    if fmt := _format():
        return download(exports.service_coverage(current_user, service=request.args.get("service") or None), fmt)
    service = request.args.get("service") or None
    # Counted in SQL (services/gaps.py), cached until the next recorded change.
    table = gaps.coverage_table(cache.cached(gaps.cache_key(current_user, "service-coverage", gaps.Filters(service=service)),
                                             lambda: gaps.service_coverage_records(current_user, service=service)))
    return render_template("reports/coverage.html", table=table, services=requirements.names(current_user, Service),
                           service=request.args.get("service", ""))


@bp.get("/reports/training-needs")
def training_needs():
    policy.require(current_user, "view_gap_reports")
    filters = _filters()
    if fmt := _format():
        return download(exports.training_needs(current_user, filters), fmt)
    cursor = request.args.get("cursor") or None
    # Counted in SQL (services/needs.py), a page of cohorts at a time, cached until the next recorded change.
    counted = cache.cached(gaps.cache_key(current_user, "training-counts", filters), lambda: needs.counts(current_user, filters))
    page = cache.cached(gaps.cache_key(current_user, "training-page", filters, cursor or ""),
                        lambda: needs.page(current_user, filters, cursor=cursor, counted=counted))
    return render_template("reports/training.html", cohorts=page.items, page=page, args=filters.as_args(),
                           filters=filters, can_plan=policy.can(current_user, "manage_learning"), **_choices())


@bp.get("/team")
def team_matrix():
    policy.require(current_user, "view_team_matrix")
    from skills_app.services import assessments

    from skills_app.services import revalidation

    filters = _filters()
    now = gaps.now_utc()

    def team():
        # The actor's reports' rows, read at ``now``: the same until the next recorded change
        # or the first moment one of their levels starts or stops counting (gaps.next_change).
        df = gaps.team_frame(current_user, filters, now=now)
        return ((gap_tables.heatmap(df, "person", frameworks.versioned_codes()), gap_tables.totals(df)),
                gaps.team_next_change(current_user, now))

    heat, total = cache.cached_until(f"gaps:team:person:{current_user.id}:{sorted(filters.as_args().items())!r}", team, now)
    # The reviews waiting (everyone's, for HR) a page at a time, as the Reviews page: keyset, 50 a page.
    queue = (assessments.review_queue_page(current_user, cursor=request.args.get("cursor") or None).page
             if policy.can(current_user, "review_queue") else None)
    flagged = revalidation.flagged(current_user) if policy.can(current_user, "view_revalidation") else []
    # A flagged level shows in its cell, under the old version's skill and the new one's.
    cell_flags = {}
    for r in flagged:
        cell_flags[(r["person_id"], r["skill"].id)] = r["label"]
        if r["flag"].to_skill_id:
            cell_flags[(r["person_id"], r["flag"].to_skill_id)] = r["label"]
    return render_template("reports/team.html", heat=heat, total=total, queue=queue.items if queue else [], queue_page=queue,
                           args=filters.as_args(), flagged=flagged, cell_flags=cell_flags,
                           status_labels=gap_tables.STATUS_LABELS)


@bp.app_template_filter("query")
def _query(args: dict, **changes) -> str:
    merged = {**args, **{k: v for k, v in changes.items()}}
    return url_for(request.endpoint, **{k: v for k, v in merged.items() if v not in (None, "", [])})
