"""Self-assessment: My skills, starting an assessment, the assessment page
(ratings, evidence, submitting) and evidence files. Views parse the form and
call one service through the form helper (skills_app/web/forms); the
services hold every rule."""
from __future__ import annotations

import io

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import Conflict
from skills_app.models.assessment import RATING_LABELS, VERDICT_LABELS
from skills_app.services import assessments as service
from skills_app.services import credentials, endorsements, evidence_library, evidence_store, frameworks, responsibility
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.assessments import AssessmentForm, ResponsibilityForm, StartForm, StartResponsibilityForm
from skills_app.web.forms.endorsements import request_form

bp = Blueprint("assessments", __name__)


def _level_choices(skill):
    return [(str(sl.level), f"Level {sl.level}") for sl in skill.levels if sl.defined]


def _library_choices(assessment) -> list[tuple[int, str]]:
    """The items of the person's library, those not attached here first (for the person only)."""
    if not policy.can(current_user, "manage_evidence_library", assessment.person):
        return []
    attached = {e.item_id for e in assessment.evidence}
    kinds = evidence_library.KIND_LABELS
    fresh, here = [], []
    for item in evidence_library.library(current_user, assessment.person):
        label = f"{item.title} ({kinds.get(item.kind, item.kind).lower()}, added {item.created_at:%-d %b %Y}"
        if item.id in attached:
            # Ticked again, it supports the descriptors ticked below too.
            here.append((item.id, label + "; attached here already: tick it to add to what it supports)"))
            continue
        used = len({e.assessment_id for e in item.attachments})
        fresh.append((item.id, label + (f"; used in {used} assessment{'s' if used != 1 else ''})" if used else ")")))
    return fresh + here


def _form(assessment, **data) -> AssessmentForm:
    if assessment.is_responsibility:
        attributes = service.attributes_in_view(assessment)
        data.pop("claimed_level", None)
        form = ResponsibilityForm(descriptor_labels={a.id: a.name for a in attributes}, **data)
        form.descriptors.choices = [(a.id, a.name) for a in attributes]
        form.attach_descriptors.choices = list(form.descriptors.choices)
    else:
        in_view = service.descriptors_in_view(assessment)
        form = AssessmentForm(descriptor_labels={d.id: f"Level {d.skill_level.level} · {d.text[:80]}" for d in in_view}, **data)
        form.claimed_level.choices = _level_choices(assessment.skill)
        form.descriptors.choices = [(d.id, f"Level {d.skill_level.level} · {d.text}") for d in in_view]
        form.attach_descriptors.choices = list(form.descriptors.choices)
    if assessment.status in service.EDITABLE:
        form.library_items.choices = _library_choices(assessment)
    return form


# -- My skills and starting an assessment -----------------------------------------

@bp.get("/my/skills")
def my_skills():
    # The person's assessments read once, for their skills' rows and their level of responsibility's.
    found = service.for_person(current_user, current_user, explained=False)
    rows = service.skill_rows(current_user, current_user, assessments=found)
    from skills_app.services import level_timeline, revalidation

    return render_template("assessments/my_skills.html", rows=rows, skills=service.skill_choices(current_user),
                           timeline=level_timeline.timeline(current_user, current_user),
                           responsibility=responsibility.row(current_user, current_user, found=found),
                           asked_of_me=endorsements.waiting_for(current_user),
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
    current = responsibility.current_level(current_user)

    def begin():
        return _begin(lambda: service.start(current_user, skill, form.claimed_level.data))

    def done(result):
        return _opened(result, f"You already have an open assessment of {skill.code}; here it is.",
                       f"Started your self-assessment of {skill.code} at level {form.claimed_level.data}. "
                       "Rate each descriptor and add your evidence.")

    return handle(form, begin,
                  page=lambda: render_template("assessments/new.html", skill=skill, framework=skill.framework, form=form,
                                               current=current, step=responsibility.MISMATCH_STEP),
                  done=done)


# -- the assessment page -----------------------------------------------------------

def assessment_page(assessment, form=None, endorse_form=None):
    """The assessment page, with its form (or the endorsement request) as it was posted."""
    return render_template(
        "assessments/show.html", a=assessment, attributes=service.attributes_in_view(assessment),
        endorsements=endorsements.for_assessment(current_user, assessment), max_endorsers=endorsements.MAX_ENDORSERS,
        endorse_form=endorse_form or request_form(assessment, formdata=None),
        mismatch=responsibility.mismatch(current_user, assessment),
        form=form or _form(assessment, formdata=None, version=assessment.version, claimed_level=str(assessment.claimed_level)),
        confirm=ConfirmForm(formdata=None),
        levels=service.levels_in_view(assessment), missing=service.missing_evidence(assessment),
        events=service.history(current_user, assessment), editable=assessment.status in service.EDITABLE,
        RATING_LABELS=RATING_LABELS, VERDICT_LABELS=VERDICT_LABELS, max_mb=evidence_store.max_bytes() // (1024 * 1024),
        max_bytes=evidence_store.max_bytes(), allowed=evidence_store.ALLOWED_TEXT, max_text=service.MAX_TEXT,
        credential=assessment.status == "validated" and policy.can(current_user, "download_credential", assessment)
        and credentials.stands(assessment),
        uses=evidence_library.also_used_in(current_user, assessment),
    )


@bp.get("/assessments/<int:assessment_id>")
def show(assessment_id: int):
    return assessment_page(service.get(current_user, assessment_id))


def _number(text: str) -> bool:
    """Digits 0-9 only, at most nine: a posted field's id ("²" is a digit to Python, not a number to int())."""
    return text.isascii() and text.isdigit() and len(text) < 10


def _claims() -> dict[int, str]:
    return {int(k.removeprefix("claim-")): v for k, v in request.form.items()
            if k.startswith("claim-") and _number(k.removeprefix("claim-"))}


def _ratings() -> dict[int, str]:
    return {int(k.removeprefix("rating-")): v for k, v in request.form.items()
            if k.startswith("rating-") and _number(k.removeprefix("rating-"))}


def _saved_message(assessment, saved, remove) -> str:
    if saved.already_submitted:
        return "This assessment is already submitted for review."
    if saved.submitted:
        reviewer = assessment.person.manager.name if assessment.person.manager else "your reviewer"
        return f"Submitted for review: {reviewer} has been told."
    if saved.evidence is not None or saved.attached:
        said = []
        if saved.evidence is not None:
            said.append("Evidence added. It is in My evidence too.")
        if saved.attached:
            said.append("Attached from your library: " + "; ".join(f"“{e.item.title}”" for e in saved.attached) + ".")
        return " ".join(said) + ((" Your levels are saved too." if assessment.is_responsibility else " Your ratings are saved too.")
                                 if saved.changed else "")
    if remove:
        return "Your changes are saved." if saved.changed else "Nothing else had changed."
    return "Draft saved."


@bp.post("/assessments/<int:assessment_id>")
def save(assessment_id: int):
    """Every button of the assessment page: save what is on the page, then do what the button says."""
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    form = _form(assessment)
    upload = form.file.data
    remove = request.form.get("remove", type=int)

    def act():
        evidence = service.EvidenceIn(
            descriptor_ids=form.descriptors.data, text=form.text.data, url=form.url.data,
            filename=upload.filename if upload else None, stream=upload.stream if upload and upload.filename else None)
        return service.update(current_user, assessment, claimed_level=form.claimed_level.data if form.claimed_level else None,
                              ratings=_ratings(), claims=_claims(), evidence=evidence, evidence_wanted=bool(form.add.data),
                              attach_items=form.library_items.data, attach_descriptors=form.attach_descriptors.data,
                              attach_wanted=bool(form.attach.data), then_submit=bool(form.submit.data),
                              version=form.version.data)

    def done(saved):
        if remove and not saved.submitted and not saved.already_submitted:
            if saved.changed or saved.evidence is not None or saved.attached:
                flash(_saved_message(assessment, saved, remove), "success")
            return redirect(url_for("assessments.confirm_remove", assessment_id=assessment_id, evidence_id=remove))
        anchor = "evidence" if saved.evidence is not None or saved.attached else None
        return success(_saved_message(assessment, saved, remove), "assessments.show", assessment_id=assessment_id, _anchor=anchor)

    return handle(form, act, page=lambda: assessment_page(assessment, form), done=done)


@bp.post("/assessments/<int:assessment_id>/ratings")
def save_ratings(assessment_id: int):
    """Ratings saved as they are ticked (the page's script): the new version, as JSON."""
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    service.save_draft(current_user, assessment, claimed_level=assessment.claimed_level, ratings=_ratings(), claims=_claims(),
                       version=request.form.get("version"))
    return jsonify({"version": assessment.version, "message": "Saved"})


@bp.get("/assessments/<int:assessment_id>/evidence/<int:evidence_id>/remove")
def confirm_remove(assessment_id: int, evidence_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    evidence = next((e for e in assessment.evidence if e.id == evidence_id), None)
    if assessment.status not in service.EDITABLE:
        flash(f"This assessment is {assessment.status_label.lower()}: its evidence can no longer be removed.", "info")
        return redirect(url_for("assessments.show", assessment_id=assessment_id))
    if evidence is None:
        flash("That evidence is already removed.", "info")
        return redirect(url_for("assessments.show", assessment_id=assessment_id, _anchor="evidence"))
    others = [u for u in evidence_library.uses(current_user, evidence.item) if u.assessment_id != assessment.id]
    return render_template("assessments/remove_evidence.html", a=assessment, e=evidence, confirm=ConfirmForm(formdata=None),
                           others=others)


@bp.post("/assessments/<int:assessment_id>/evidence/<int:evidence_id>/delete")
def remove_evidence(assessment_id: int, evidence_id: int):
    assessment = service.get(current_user, assessment_id, "edit_assessment")
    also_delete = request.form.get("delete_item") == "yes"
    return handle(ConfirmForm(), lambda: service.remove_evidence(current_user, assessment, evidence_id, delete_item=also_delete),
                  page=lambda: assessment_page(assessment),
                  done=lambda deleted: success("Evidence removed from this assessment and deleted from My evidence." if deleted else
                                               "Evidence removed from this assessment; it stays in My evidence.",
                                               "assessments.show", assessment_id=assessment_id, _anchor="evidence"))


# What a browser shows in the page, by the content type the upload was checked to be.
VIEWABLE_IMAGES = {"image/png", "image/jpeg", "image/gif"}
VIEWABLE_TEXT = {"text/plain", "text/csv", "text/markdown"}
PDF = "application/pdf"


@bp.get("/evidence/<int:evidence_id>/view")
def evidence_view(evidence_id: int):
    """A file to look at in the page: an image inline, a PDF or a text in a sandboxed
    frame (of this site only), with the access checks and headers of the download."""
    evidence, data = service.evidence_file(current_user, evidence_id)
    if evidence.content_type in VIEWABLE_TEXT:
        mimetype = "text/plain; charset=utf-8"
    elif evidence.content_type in VIEWABLE_IMAGES or evidence.content_type == PDF:
        mimetype = evidence.content_type
    else:
        return redirect(url_for("assessments.evidence_file", evidence_id=evidence_id))
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=False,
                         download_name=evidence.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Framed by this site only; whatever the file holds runs nowhere (a PDF viewer needs scripts, in an opaque origin).
    sandbox = "sandbox allow-scripts" if mimetype == PDF else "sandbox"
    response.headers["Content-Security-Policy"] = f"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; {sandbox}; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/evidence/<int:evidence_id>/file")
def evidence_file(evidence_id: int):
    evidence, data = service.evidence_file(current_user, evidence_id)
    response = send_file(io.BytesIO(data), mimetype=evidence.content_type, as_attachment=True,
                         download_name=evidence.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# -- the level of responsibility ----------------------------------------------------

def _begin(start):
    """(the assessment ``start()`` opens, True); started twice at once (a double
    click), (the one that was started, False)."""
    try:
        return start(), True
    except Conflict as exc:
        if not exc.details.get("assessment_id"):
            raise
        return service.get(current_user, exc.details["assessment_id"]), False


def _opened(result, already: str, started: str):
    """To the assessment: saying it was started, or, when it was already open, that it was."""
    assessment, fresh = result
    if not fresh:
        flash(already, "info")
        return redirect(url_for("assessments.show", assessment_id=assessment.id))
    return success(started, "assessments.show", assessment_id=assessment.id)


@bp.route("/my/responsibility", methods=["GET", "POST"])
def my_responsibility():
    """My level of responsibility: validated, claimed, required; start assessing it (or carry on)."""
    choices = responsibility.framework_choices(current_user)
    form = StartResponsibilityForm()
    form.framework_id.choices = [(str(f.id), f"{f.name} ({f.label})") for f in choices]
    levels = sorted({al.level for f in choices for a in f.attributes for al in a.levels})
    form.level.choices = [(str(n), f"Level {n}") for n in levels]
    existing = responsibility.open_assessment(current_user)

    def begin():
        framework = responsibility.get_framework(current_user, form.framework_id.data)
        return _begin(lambda: responsibility.start(current_user, framework, form.level.data))

    def done(result):
        return _opened(result, "You already have an open assessment of your level of responsibility; here it is.",
                       f"Started your assessment of your level of responsibility at level {form.level.data}. "
                       "Set the level of each attribute and add your evidence.")

    return handle(form, begin,
                  page=lambda: render_template("assessments/responsibility.html", form=form, frameworks=choices, open=existing,
                                               row=responsibility.row(current_user, current_user)),
                  done=done)
