"""The review queue, and the review page where the line manager (or HR)
judges the evidence descriptor by descriptor and decides."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skills_app.models.assessment import RATING_LABELS, STATUS_LABELS, VERDICT_LABELS
from skills_app.services import assessments as service
from skills_app.services import endorsements, evidence_library, plans, responsibility
from skills_app.web.forms import handle, success
from skills_app.web.forms.reviews import ReviewForm

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


@bp.get("")
def queue():
    queue = service.review_queue_page(current_user, cursor=request.args.get("cursor") or None)
    return render_template("reviews/queue.html", items=queue.page.items, page=queue.page, overdue_in_all=queue.overdue,
                           goals=plans.waiting_for(current_user))


def _review_page(assessment, form=None):
    draft = service.review_draft(current_user, assessment)
    asked = endorsements.for_assessment(current_user, assessment)
    if form is None:
        form = ReviewForm(formdata=None, version=assessment.version, comment=(draft or {}).get("comment"))
    return render_template(
        "reviews/show.html", a=assessment, form=form, draft=draft, attributes=service.attributes_in_view(assessment),
        endorsement_list=asked, endorsed=endorsements.by_item(asked),
        mismatch=responsibility.mismatch(current_user, assessment),
        levels=service.levels_in_view(assessment), missing=service.missing_evidence(assessment),
        other_evidence=service.evidence_out_of_view(assessment),
        uses=evidence_library.also_used_in(current_user, assessment),
        events=service.history(current_user, assessment), can_decide=assessment.status == "submitted",
        RATING_LABELS=RATING_LABELS, VERDICT_LABELS=VERDICT_LABELS,
    )


@bp.get("/<int:assessment_id>")
def show(assessment_id: int):
    return _review_page(service.get(current_user, assessment_id))


@bp.post("/<int:assessment_id>")
def decide(assessment_id: int):
    """The review page's buttons: a decision, or "Save review draft" (verdicts and comments kept, nothing decided)."""
    assessment = service.get(current_user, assessment_id, "decide_assessment")
    form = ReviewForm()
    outcome, _, level = (request.form.get("outcome") or "").partition(":")
    if assessment.is_responsibility:
        # Per attribute: the level the reviewer validates it at, and a comment.
        verdicts = {at.id: (request.form.get(f"validated-{at.id}") or None, request.form.get(f"verdict_comment-{at.id}") or None)
                    for at in service.attributes_in_view(assessment)}
    else:
        verdicts = {d.id: (request.form.get(f"verdict-{d.id}") or None, request.form.get(f"verdict_comment-{d.id}") or None)
                    for d in service.descriptors_in_view(assessment)}
    if outcome == "draft":
        return handle(form, lambda: service.save_review(current_user, assessment, verdicts=verdicts, comment=form.comment.data,
                                                        version=form.version.data),
                      page=lambda: _review_page(assessment, form),
                      done=lambda _: success("Review draft saved: nothing is decided yet, and only reviewers see it.",
                                             "reviews.show", assessment_id=assessment_id))
    return handle(form, lambda: service.decide(current_user, assessment, outcome=outcome, validated_level=level or None,
                                               comment=form.comment.data, verdicts=verdicts, version=form.version.data),
                  page=lambda: _review_page(assessment, form),
                  done=lambda _: success(f"Decision recorded: {STATUS_LABELS.get(service.OUTCOMES.get(outcome, ''), outcome).lower()}. "
                                         f"{assessment.person.name} has been told.", "reviews.queue"))
