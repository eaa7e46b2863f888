"""Endorsements: asking colleagues (on one's submitted assessment), the endorser's page
(what was shared, answered once), and reminders. Views parse the form and call one
service through the form helper; the services hold every rule."""
from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from skills_app.models.assessment import ENDORSEMENT_ANSWER_LABELS
from skills_app.services import assessments, endorsements
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.assessments import assessment_page
from skills_app.web.forms.endorsements import AnswerForm, request_form

bp = Blueprint("endorsements", __name__)


@bp.post("/assessments/<int:assessment_id>/endorsements")
def ask(assessment_id: int):
    assessment = assessments.get(current_user, assessment_id, "request_endorsement")
    form = request_form(assessment)
    return handle(form, lambda: endorsements.request(current_user, assessment, endorser_email=form.endorser.data,
                                                     item_ids=form.items.data, evidence_ids=form.evidence.data),
                  page=lambda: assessment_page(assessment, endorse_form=form),
                  done=lambda e: success(f"{e.endorser.name} has been asked to endorse this assessment.",
                                         "assessments.show", assessment_id=assessment_id, _anchor="endorsements"))


@bp.get("/endorsements")
def index():
    return render_template("endorsements/index.html", asked_of_me=endorsements.waiting_for(current_user))


def _page(endorsement, form=None):
    return render_template("endorsements/show.html", e=endorsement, a=endorsement.assessment,
                           items=endorsements.shared_items(endorsement), evidence=endorsements.shared_evidence(endorsement),
                           form=form or AnswerForm(formdata=None), LABELS=ENDORSEMENT_ANSWER_LABELS,
                           answering=endorsement.status == "requested" and endorsement.endorser_id == current_user.id)


@bp.route("/endorsements/<int:endorsement_id>", methods=["GET", "POST"])
def show(endorsement_id: int):
    """The endorser's page: what was shared; their answer (once). Others who may see the assessment read it."""
    endorsement = endorsements.get(current_user, endorsement_id)
    if request.method == "GET":
        return _page(endorsement)
    endorsements.get(current_user, endorsement_id, "answer_endorsement")
    form = AnswerForm()
    answers = {k.removeprefix("answer-"): v for k, v in request.form.items() if k.startswith("answer-")}
    return handle(form, lambda: endorsements.answer(current_user, endorsement, answers=answers, comment=form.comment.data),
                  page=lambda: _page(endorsement, form),
                  done=lambda _: success(f"Thank you: {endorsement.assessment.person.name} has your endorsement.",
                                         "endorsements.index"))


@bp.post("/endorsements/<int:endorsement_id>/remind")
def remind(endorsement_id: int):
    endorsement = endorsements.get(current_user, endorsement_id, "remind_endorser")
    return handle(ConfirmForm(), lambda: endorsements.remind(current_user, endorsement),
                  page=lambda: assessment_page(endorsement.assessment),
                  done=lambda e: success(f"{e.endorser.name} has been reminded.", "assessments.show",
                                         assessment_id=e.assessment_id, _anchor="endorsements"))


@bp.get("/endorsements/<int:endorsement_id>/evidence/<int:evidence_id>")
def evidence_file(endorsement_id: int, evidence_id: int):
    """A shared evidence file, downloaded with the headers of the assessment's own download."""
    endorsement = endorsements.get(current_user, endorsement_id)
    evidence, data = endorsements.evidence_file(current_user, endorsement, evidence_id)
    response = send_file(io.BytesIO(data), mimetype=evidence.content_type, as_attachment=True,
                         download_name=evidence.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
