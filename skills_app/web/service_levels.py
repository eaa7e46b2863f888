"""Service levels of the review process: the HR report, breaches and their
causes, targets and the working calendar, the HR check button, reassigning a
review, and the escalations a manager has received. Views parse a form and
call one service through the form helper (skills_app/web/forms)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.reports import service_levels as report
from skills_app.services import exports, service_level_report
from skills_app.services import org
from skills_app.services import assessments as assessment_service
from skills_app.services import service_levels as service
from skills_app.services.calendar import WEEKDAY_NAMES, timezone_names
from skills_app.web.downloads import download
from skills_app.web.forms.confirm import Confirmation, carried, confirmed_handle
from skills_app.words import plural
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.service_levels import TargetForm, CalendarForm, HolidayForm, CauseForm, ReassignForm

bp = Blueprint("service_levels", __name__)


@bp.app_template_global("review_clocks")
def review_clocks(items):
    """{assessment id: Clock} for the review queue and review page."""
    return service.clocks(items)


# -- the report --------------------------------------------------------------------------

def _report_page(month: str | None):
    try:
        data = service_level_report.build(current_user, month)
    except InvalidInput as exc:
        flash(exc.message, "error")
        data = service_level_report.build(current_user, None)
        return render_template("service_levels/report.html", r=data, month_value=month, check=ConfirmForm(formdata=None),
                               prev=None, next=None), 400
    return render_template("service_levels/report.html", r=data, month_value=data.key, check=ConfirmForm(formdata=None),
                           prev=f"{report.shift_month(data.month, -1):%Y-%m}", next=f"{report.shift_month(data.month, 1):%Y-%m}")


@bp.get("/service-levels")
def report_page():
    policy.require(current_user, "view_service_levels")
    month = request.args.get("month") or None
    fmt = request.args.get("format")
    if not fmt:
        return _report_page(month)
    return download(exports.service_levels(current_user, month), fmt)


CHECK_PAGES = ("/service-levels", "/service-levels/breaches")


def _checked(result):
    flash("Checked every waiting review.", "success")
    flash(result.summary(), "info")
    back = request.form.get("next")
    return redirect(back if back in CHECK_PAGES else url_for("service_levels.report_page"))


def _checks_confirmation() -> Confirmation:
    escalate, warn, remind = service.plan_checks(current_user).counts()
    back = request.form.get("next")
    return Confirmation(
        title="Check waiting reviews now?",
        consequences=[f"Escalates {plural(escalate, 'overdue review')} to the reviewer's manager (HR where there is none), "
                      "and records each as a breach.",
                      f"Warns the reviewers of {plural(warn, 'review')} due soon.",
                      f"Reminds {plural(remind, 'person', 'people')} to resubmit an assessment returned to them."],
        button=f"Run the checks: {escalate} escalated, {warn} warned, {remind} reminded",
        cancel=back if back in CHECK_PAGES else url_for("service_levels.report_page"),
        carry=carried(["next"]),
        note="Each review is escalated and warned about once, each person reminded once: the same checks run daily from cron.")


@bp.post("/service-levels/check")
def run_checks():
    policy.require(current_user, "run_service_level_checks")
    return confirmed_handle(ConfirmForm(), lambda: service.run_checks(current_user), confirm=_checks_confirmation,
                            page=lambda: _breaches_page() if request.form.get("next") == CHECK_PAGES[1] else _report_page(None),
                            done=_checked)


# -- breaches ------------------------------------------------------------------------------

def _breaches_page():
    items = service.breaches(current_user, uncaused_only=request.args.get("show") == "unexplained")
    return render_template("service_levels/breaches.html", items=items, show=request.args.get("show", "all"),
                           check=ConfirmForm(formdata=None))


@bp.get("/service-levels/breaches")
def breaches():
    return _breaches_page()


@bp.route("/service-levels/breaches/<int:breach_id>", methods=["GET", "POST"])
def breach(breach_id: int):
    item = service.get_breach(current_user, breach_id)
    form = CauseForm(obj=item) if request.method == "GET" else CauseForm()
    return handle(form, lambda: service.record_cause(current_user, item, cause=form.cause.data, note=form.cause_note.data,
                                                     action=form.action.data),
                  page=lambda: render_template("service_levels/breach.html", b=item, form=form, cal=service.working_calendar()),
                  done=lambda _: success("Cause and action recorded; the service level report shows them.",
                                         "service_levels.breaches"))


# -- targets and the calendar --------------------------------------------------------------

def _unit_choices():
    return [("", "The whole organisation (default)")] + [(str(u.id), u.path) for u in org.unit_options()]


def _targets_page(target_form=None, calendar_form=None, holiday_form=None):
    default, overrides = service.targets(current_user)
    cal = service.working_calendar()
    if target_form is None:
        target_form = TargetForm(formdata=None, data={k: getattr(default, k) for k in service.TARGET_FIELDS})
    target_form.org_unit.choices = _unit_choices()
    if calendar_form is None:
        calendar_form = CalendarForm(formdata=None, data={"weekdays": sorted(cal.weekdays), "timezone": cal.timezone})
    calendar_form.timezone.choices = [(n, n) for n in timezone_names()]
    return render_template("service_levels/targets.html", default=default, overrides=overrides, target_form=target_form,
                           calendar_form=calendar_form, holiday_form=holiday_form or HolidayForm(formdata=None),
                           holidays=service.holidays(current_user), confirm=ConfirmForm(formdata=None), cal=cal,
                           WEEKDAY_NAMES=WEEKDAY_NAMES, fields=service.TARGET_FIELDS)


@bp.route("/service-levels/targets", methods=["GET", "POST"])
def targets():
    policy.require(current_user, "manage_service_levels")
    if request.method == "GET":
        return _targets_page()
    form = TargetForm()
    form.org_unit.choices = _unit_choices()
    unit = org.get_unit(current_user, int(form.org_unit.data)) if form.org_unit.data else None
    where = unit.path if unit else "the organisation"
    return handle(form, lambda: service.save_target(current_user, unit, **{k: form[k].data for k in service.TARGET_FIELDS}),
                  page=lambda: _targets_page(target_form=form),
                  done=lambda _: success(f"Targets saved for {where}. Reviews already waiting keep their due-by dates.",
                                         "service_levels.targets"))


@bp.post("/service-levels/targets/<int:unit_id>/delete")
def remove_override(unit_id: int):
    policy.require(current_user, "manage_service_levels")
    unit = org.get_unit(current_user, unit_id)
    return handle(ConfirmForm(), lambda: service.remove_override(current_user, unit), page=_targets_page,
                  done=lambda _: success(f"{unit.path} now follows the targets above it.", "service_levels.targets"))


@bp.post("/service-levels/calendar")
def calendar():
    policy.require(current_user, "manage_service_levels")
    form = CalendarForm()
    form.timezone.choices = [(n, n) for n in timezone_names()]
    return handle(form, lambda: service.update_calendar(current_user, weekdays=form.weekdays.data, timezone=form.timezone.data),
                  page=lambda: _targets_page(calendar_form=form),
                  done=lambda _: success("Working calendar saved. Reviews already waiting keep their due-by dates.",
                                         "service_levels.targets", _anchor="calendar"))


@bp.post("/service-levels/holidays")
def add_holiday():
    policy.require(current_user, "manage_service_levels")
    form = HolidayForm()
    return handle(form, lambda: service.add_holiday(current_user, day=form.day.data, name=form.name.data),
                  page=lambda: _targets_page(holiday_form=form),
                  done=lambda _: success(f"Holiday added: {form.day.data:%-d %B %Y}, {form.name.data}.",
                                         "service_levels.targets", _anchor="holidays"))


@bp.post("/service-levels/holidays/<int:holiday_id>/delete")
def remove_holiday(holiday_id: int):
    policy.require(current_user, "manage_service_levels")
    return handle(ConfirmForm(), lambda: service.remove_holiday(current_user, holiday_id), page=_targets_page,
                  done=lambda _: success("Holiday removed.", "service_levels.targets", _anchor="holidays"))


# -- reassigning a review --------------------------------------------------------------------

@bp.route("/reviews/<int:assessment_id>/reassign", methods=["GET", "POST"])
def reassign(assessment_id: int):
    assessment = assessment_service.get(current_user, assessment_id, "reassign_review")
    candidates = service.eligible_reviewers(current_user, assessment)
    form = ReassignForm()
    form.reviewer.choices = [("", "Choose a reviewer…")] + [
        (str(p.id), f"{p.name} — {'HR' if p.has_role('hr') else 'manages ' + assessment.person.name}"
                    + (f" ({p.job_title})" if p.job_title else "")) for p in candidates]
    chosen = next((p for p in candidates if str(p.id) == form.reviewer.data), None)
    return handle(form, lambda: service.reassign(current_user, assessment, chosen, reason=form.reason.data),
                  page=lambda: render_template("service_levels/reassign.html", a=assessment, form=form,
                                               current=service.reviewer_of(assessment), clock=service.clock(assessment),
                                               candidates=candidates),
                  done=lambda _: success(f"Review reassigned{' to ' + chosen.name if chosen else ''}; they have been told.",
                                         "reviews.queue"))


# -- escalations to me ------------------------------------------------------------------------

@bp.get("/service-levels/escalations")
def escalations():
    return render_template("service_levels/escalations.html", items=service.escalations_for(current_user),
                           cal=service.working_calendar())
