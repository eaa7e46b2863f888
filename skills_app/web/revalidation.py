"""Revalidation: validations expiring soon, and starting a new assessment
from the last validated one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app.services import assessments, exports, revalidation
from skills_app.web.assessments import assessment_page
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.downloads import download

bp = Blueprint("revalidation", __name__)


@bp.get("/revalidation")
def index():
    days = revalidation.clean_days(request.args.get("days"))
    if fmt := request.args.get("format"):
        return download(exports.expiring(current_user, days), fmt)
    page = revalidation.expiring_page(current_user, days=days, cursor=request.args.get("cursor") or None)
    return render_template("revalidation/index.html", page=page, rows=page.items, days=days,
                           flagged=revalidation.flagged(current_user), everyone=current_user.has_role("hr"))


@bp.post("/assessments/<int:assessment_id>/revalidate")
def start(assessment_id: int):
    previous = assessments.get(current_user, assessment_id)
    skill, _ = revalidation.target_skill(previous)
    existing = assessments.open_assessment(current_user, skill)
    if existing is not None:
        flash(f"You already have an open assessment of {skill.code} in {skill.framework.label} ({existing.status_label.lower()}); "
              "carry on with that one.", "info")
        return redirect(url_for("assessments.show", assessment_id=existing.id))
    return handle(ConfirmForm(), lambda: revalidation.revalidate(current_user, previous),
                  page=lambda: assessment_page(previous),
                  done=lambda new: success(f"Started revalidating {new.skill.code} in {new.framework.label} at level "
                                           f"{new.claimed_level}: your ratings and evidence are carried over. Add what is new, "
                                           "then submit it for review.",
                                           "assessments.show", assessment_id=new.id))
