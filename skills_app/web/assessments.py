"""Self-assessment: My skills, starting an assessment, the assessment page
(ratings, evidence, submitting) and evidence files. Views parse the form and
call one service through the form helper (skills_app/web/forms); the
services hold every rule."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from skills_app.models.assessment import RATING_LABELS, VERDICT_LABELS
from skills_app.services import assessments as service
from skills_app.services import evidence_store, frameworks
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.assessments import DraftForm, EvidenceForm, StartForm, SubmitForm

bp = Blueprint("assessments", __name__)


def _level_choices(skill):
    return [(str(sl.level), f"Level {sl.level}") for sl in skill.levels if sl.defined]


def _draft_form(assessment, **data) -> DraftForm:
    form = DraftForm(**data)
    form.claimed_level.choices = _level_choices(assessment.skill)
    return form


def _evidence_form(assessment) -> EvidenceForm:
    form = EvidenceForm()
    form.descriptors.choices = [(d.id, f"Level {d.skill_level.level} · {d.text}") for d in service.descriptors_in_view(assessment)]
    return form


# -- My skills and starting an assessment -----------------------------------------

@bp.get("/my/skills")
def my_skills():
    rows = service.skill_rows(current_user, current_user)
    from skills_app.services import revalidation

    return render_template("assessments/my_skills.html", rows=rows, skills=service.skill_choices(current_user),
                           expiring=revalidation.expiring(current_user, person=current_user))


@bp.route("/assessments/new", methods=["GET", "POST"])
def new():
    skill = frameworks.get_skill(current_user, request.args.get("skill_id", type=int))
    existing = service.open_assessment(current_user, skill)
    if existing is not None:
        flash(f"You already have an open assessment of {skill.code}; here it is.", "info")
        return redirect(url_for("assessments.show", assessment_id=existing.id))
    form = StartForm()
    form.claimed_level.choices = _level_choices(skill)
    return handle(form, lambda: service.start(current_user, skill, form.claimed_level.data),
                  page=lambda: render_template("assessments/new.html", skill=skill, framework=skill.framework, form=form),
                  done=lambda a: success(f"Started your self-assessment of {skill.code} at level {form.claimed_level.data}. "
                                         "Rate each descriptor and add your evidence.", "assessments.show", assessment_id=a.id))


# -- the assessment page -----------------------------------------------------------

def assessment_page(assessment, *, draft=None, evidence=None, submit=None):
    """The assessment page, with any of its forms as they were posted."""
    return render_template(
        "assessments/show.html", a=assessment,
        draft=draft or _draft_form(assessment, version=assessment.version, claimed_level=str(assessment.claimed_level)),
        evidence_form=evidence or _evidence_form(assessment),
        submit_form=submit or SubmitForm(formdata=None, version=assessment.version), confirm=ConfirmForm(formdata=None),
        levels=service.levels_in_view(assessment), missing=service.missing_evidence(assessment),
        events=service.history(current_user, assessment), editable=assessment.status in service.EDITABLE,
        RATING_LABELS=RATING_LABELS, VERDICT_LABELS=VERDICT_LABELS, max_mb=evidence_store.max_bytes() // (1024 * 1024),
        allowed=evidence_store.ALLOWED_TEXT,
    )


@bp.get("/assessments/<int:assessment_id>")
def show(assessment_id: int):
    return assessment_page(service.get(current_user, assessment_id))


def _ratings() -> dict[int, str]:
    return {int(k.removeprefix("rating-")): v for k, v in request.form.items()
            if k.startswith("rating-") and k.removeprefix("rating-").isdigit()}


@bp.post("/assessments/<int:assessment_id>/draft")
def save_draft(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = _draft_form(assessment)
    return handle(form, lambda: service.save_draft(current_user, assessment, claimed_level=form.claimed_level.data,
                                                   ratings=_ratings(), version=form.version.data),
                  page=lambda: assessment_page(assessment, draft=form),
                  done=lambda _: success("Draft saved.", "assessments.show", assessment_id=assessment_id))


@bp.post("/assessments/<int:assessment_id>/evidence")
def add_evidence(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = _evidence_form(assessment)
    upload = form.file.data

    def add():
        return service.add_evidence(
            current_user, assessment, descriptor_ids=form.descriptors.data, text=form.text.data, url=form.url.data,
            filename=upload.filename if upload else None, stream=upload.stream if upload and upload.filename else None)

    return handle(form, add, page=lambda: assessment_page(assessment, evidence=form),
                  done=lambda _: success("Evidence added.", "assessments.show", assessment_id=assessment_id, _anchor="evidence"))


@bp.post("/assessments/<int:assessment_id>/evidence/<int:evidence_id>/delete")
def remove_evidence(assessment_id: int, evidence_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    return handle(ConfirmForm(), lambda: service.remove_evidence(current_user, assessment, evidence_id),
                  page=lambda: assessment_page(assessment),
                  done=lambda _: success("Evidence removed.", "assessments.show", assessment_id=assessment_id, _anchor="evidence"))


@bp.post("/assessments/<int:assessment_id>/submit")
def submit(assessment_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = SubmitForm()
    reviewer = assessment.person.manager.name if assessment.person.manager else "your reviewer"
    return handle(form, lambda: service.submit(current_user, assessment, version=form.version.data),
                  page=lambda: assessment_page(assessment, submit=form),
                  done=lambda _: success(f"Submitted for review: {reviewer} has been told.", "assessments.show",
                                         assessment_id=assessment_id))


@bp.get("/evidence/<int:evidence_id>/file")
def evidence_file(evidence_id: int):
    evidence, data = service.evidence_file(current_user, evidence_id)
    response = send_file(io.BytesIO(data), mimetype=evidence.content_type, as_attachment=True,
                         download_name=evidence.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
