"""Self-assessment (My skills, the assessment page, evidence files), the
review queue and review page, and notifications. Views parse the form, call
one service, flash and redirect; the services hold every rule."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SubmitField, TextAreaField, URLField
from wtforms.validators import Length, Optional

from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models.assessment import RATING_LABELS, STATUS_LABELS, VERDICT_LABELS
from skills_app.services import assessments as service
from skills_app.services import evidence_store, notifications
from skills_app.web.forms import CheckboxesField, ConfirmForm

bp = Blueprint("assessments", __name__)
reviews_bp = Blueprint("reviews", __name__, url_prefix="/reviews")
notifications_bp = Blueprint("notifications", __name__, url_prefix="/notifications")

# Refusals of the rules (bad input, wrong state, a stale version) are told to the
# person on the page they came from; "not found" and "not allowed" are error pages.
EXPECTED = (InvalidInput, InvalidState, Conflict)


for _bp in (bp, reviews_bp, notifications_bp):
    @_bp.before_request
    @login_required
    def _signed_in():
        return None


class StartForm(FlaskForm):
    claimed_level = SelectField("Level you claim", choices=[], coerce=str)
    submit = SubmitField("Start self-assessment")


class DraftForm(FlaskForm):
    version = HiddenField()
    claimed_level = SelectField("Level you claim", choices=[], coerce=str)
    submit = SubmitField("Save draft")


class EvidenceForm(FlaskForm):
    descriptors = CheckboxesField("Descriptors this evidence supports", choices=[], coerce=int)
    text = TextAreaField("Describe your evidence", validators=[Optional(), Length(max=service.MAX_TEXT)])
    url = URLField("Link (optional, http or https)", validators=[Optional(), Length(max=service.MAX_URL)])
    file = FileField("File (optional)")
    submit = SubmitField("Add evidence")


class SubmitForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField("Submit for review")


class ReviewForm(FlaskForm):
    version = HiddenField()
    comment = TextAreaField("Reason or comment", validators=[Optional(), Length(max=service.MAX_TEXT)])


def _level_choices(skill):
    return [(str(sl.level), f"Level {sl.level}") for sl in skill.levels if sl.defined]


def _attempt(action, success: str) -> bool:
    """Run one service call and commit; tell the person what happened."""
    try:
        action()
        db.session.commit()
    except EXPECTED as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return False
    flash(success, "success")
    return True


def _form_errors(form) -> None:
    flash(" ".join(e for errors in form.errors.values() for e in errors) or "The form could not be read; please try again.", "error")


# -- My skills and starting an assessment -----------------------------------------

@bp.get("/my/skills")
def my_skills():
    rows = service.skill_rows(current_user, current_user)
    from skills_app.services import revalidation

    return render_template("assessments/my_skills.html", rows=rows, skills=service.skill_choices(current_user),
                           expiring=revalidation.expiring(current_user, person=current_user))


@bp.route("/assessments/new", methods=["GET", "POST"])
def new():
    skill = service.skill_for_start(current_user, request.args.get("skill_id", type=int))
    existing = service.open_assessment(current_user, skill)
    if existing is not None:
        flash(f"You already have an open assessment of {skill.code}; here it is.", "info")
        return redirect(url_for("assessments.show", assessment_id=existing.id))
    form = StartForm()
    form.claimed_level.choices = _level_choices(skill)
    if form.validate_on_submit():
        result = {}
        if _attempt(lambda: result.setdefault("a", service.start(current_user, skill, form.claimed_level.data)),
                    f"Started your self-assessment of {skill.code} at level {form.claimed_level.data}. Rate each descriptor and add your evidence."):
            return redirect(url_for("assessments.show", assessment_id=result["a"].id))
    return render_template("assessments/new.html", skill=skill, framework=skill.framework, form=form), (400 if form.errors else 200)


# -- the assessment page -----------------------------------------------------------

@bp.get("/assessments/<int:assessment_id>")
def show(assessment_id: int):
    assessment = service.get(current_user, assessment_id)
    draft = DraftForm(version=assessment.version, claimed_level=str(assessment.claimed_level))
    draft.claimed_level.choices = _level_choices(assessment.skill)
    evidence = EvidenceForm()
    evidence.descriptors.choices = [(d.id, f"Level {d.skill_level.level} · {d.text}") for d in service.descriptors_in_view(assessment)]
    return render_template(
        "assessments/show.html", a=assessment, draft=draft, evidence_form=evidence,
        submit_form=SubmitForm(version=assessment.version), confirm=ConfirmForm(),
        levels=service.levels_in_view(assessment), missing=service.missing_evidence(assessment),
        events=service.history(current_user, assessment), editable=assessment.status in service.EDITABLE,
        RATING_LABELS=RATING_LABELS, VERDICT_LABELS=VERDICT_LABELS, max_mb=evidence_store.max_bytes() // (1024 * 1024),
        allowed=evidence_store.ALLOWED_TEXT,
    )


@bp.post("/assessments/<int:assessment_id>/draft")
def save_draft(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = DraftForm()
    form.claimed_level.choices = _level_choices(assessment.skill)
    if form.validate_on_submit():
        ratings = {int(k.removeprefix("rating-")): v for k, v in request.form.items()
                   if k.startswith("rating-") and k.removeprefix("rating-").isdigit()}
        _attempt(lambda: service.save_draft(current_user, assessment, claimed_level=form.claimed_level.data,
                                            ratings=ratings, version=form.version.data), "Draft saved.")
    else:
        _form_errors(form)
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.post("/assessments/<int:assessment_id>/evidence")
def add_evidence(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = EvidenceForm()
    form.descriptors.choices = [(d.id, d.text) for d in service.descriptors_in_view(assessment)]
    if form.validate_on_submit():
        upload = form.file.data
        _attempt(lambda: service.add_evidence(
            current_user, assessment, descriptor_ids=form.descriptors.data, text=form.text.data, url=form.url.data,
            filename=upload.filename if upload else None, stream=upload.stream if upload and upload.filename else None),
            "Evidence added.")
    else:
        _form_errors(form)
    return redirect(url_for("assessments.show", assessment_id=assessment_id, _anchor="evidence"))


@bp.post("/assessments/<int:assessment_id>/evidence/<int:evidence_id>/delete")
def remove_evidence(assessment_id: int, evidence_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    if ConfirmForm().validate_on_submit():
        _attempt(lambda: service.remove_evidence(current_user, assessment, evidence_id), "Evidence removed.")
    return redirect(url_for("assessments.show", assessment_id=assessment_id, _anchor="evidence"))


@bp.post("/assessments/<int:assessment_id>/submit")
def submit(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = SubmitForm()
    if form.validate_on_submit():
        reviewer = assessment.person.manager.name if assessment.person.manager else "your reviewer"
        _attempt(lambda: service.submit(current_user, assessment, version=form.version.data),
                 f"Submitted for review: {reviewer} has been told.")
    else:
        _form_errors(form)
    return redirect(url_for("assessments.show", assessment_id=assessment_id))


@bp.get("/evidence/<int:evidence_id>/file")
def evidence_file(evidence_id: int):
    evidence, data = service.evidence_file(current_user, evidence_id)
    response = send_file(io.BytesIO(data), mimetype=evidence.content_type, as_attachment=True,
                         download_name=evidence.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# -- reviews ------------------------------------------------------------------------

@reviews_bp.get("")
def queue():
    return render_template("reviews/queue.html", items=service.review_queue(current_user))


@reviews_bp.get("/<int:assessment_id>")
def show(assessment_id: int):
    assessment = service.get(current_user, assessment_id)
    return render_template(
        "reviews/show.html", a=assessment, form=ReviewForm(version=assessment.version),
        levels=service.levels_in_view(assessment), missing=service.missing_evidence(assessment),
        events=service.history(current_user, assessment), can_decide=assessment.status == "submitted",
        RATING_LABELS=RATING_LABELS, VERDICT_LABELS=VERDICT_LABELS,
    )


@reviews_bp.post("/<int:assessment_id>")
def decide(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "decide_assessment")
    form = ReviewForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return redirect(url_for("reviews.show", assessment_id=assessment_id))
    outcome, _, level = (request.form.get("outcome") or "").partition(":")
    verdicts = {}
    for d in service.descriptors_in_view(assessment):
        verdicts[d.id] = (request.form.get(f"verdict-{d.id}") or None, request.form.get(f"verdict_comment-{d.id}") or None)
    done = _attempt(lambda: service.decide(current_user, assessment, outcome=outcome, validated_level=level or None,
                                           comment=form.comment.data, verdicts=verdicts, version=form.version.data),
                    f"Decision recorded: {STATUS_LABELS.get(service.OUTCOMES.get(outcome, ''), outcome).lower()}. "
                    f"{assessment.person.name} has been told.")
    if done:
        return redirect(url_for("reviews.queue"))
    return redirect(url_for("reviews.show", assessment_id=assessment_id))


# -- notifications ------------------------------------------------------------------

@notifications_bp.get("")
def index():
    page = notifications.for_person(current_user, page=request.args.get("page", 1, type=int))
    return render_template("assessments/notifications.html", page=page, form=ConfirmForm())


@notifications_bp.post("/read")
def mark_read():
    if ConfirmForm().validate_on_submit():
        count = {}
        _attempt(lambda: count.setdefault("n", notifications.mark_all_read(current_user)), "All notifications marked as read.")
    return redirect(url_for("notifications.index"))
