"""Verifiable credentials: a person downloads the Open Badges 3.0 credential of
a validated level; anyone, signed in or not, verifies one (the page, or JSON to
``POST /credentials/verify``) and reads the issuer's DID document, JWKS and
revocation status list. services/credentials.py holds every rule."""
from __future__ import annotations

import json
import math

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_login import current_user

from skills_app import throttle
from skills_app.extensions import csrf
from skills_app.services import assessments
from skills_app.services import credentials as service

bp = Blueprint("credentials", __name__)

# Open to everyone (skills_app/web/__init__.py): a third party verifies without an account.
PUBLIC = frozenset({"credentials.verify", "credentials.status_list", "credentials.did_document", "credentials.jwks"})


def _json(data: dict, status: int = 200) -> Response:
    response = jsonify(data)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/assessments/<int:assessment_id>/credential")
def download(assessment_id: int):
    assessment = assessments.get(current_user, assessment_id)
    credential = service.issue(current_user, assessment)
    body = json.dumps(credential, ensure_ascii=False, indent=2) + "\n"
    return Response(body, content_type="application/json; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{service.filename(assessment)}"'})


@bp.route("/credentials/verify", methods=["GET", "POST"])
@csrf.exempt  # JSON from anyone needs no token (no cookie is read); the page's form is checked below
def verify():
    if request.method == "GET":
        return render_template("credentials/verify.html", result=None, text="")
    wait = throttle.verification_wait(throttle.client_address())
    if wait:
        message = throttle.wait_message(wait, "This address has verified many credentials in the last minute.")
        form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
        if form:
            page = render_template("credentials/verify.html", result={"verified": False, "errors": [message]}, about=[], text="")
            response = Response(page, 429, content_type="text/html; charset=utf-8")
        else:
            response = _json({"verified": False, "errors": [message]}, 429)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    # JSON (or any body that is not a form) is checked as sent; a form, or an empty
    # post, is the page's form and carries its CSRF token.
    form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") or not request.content_length
    if request.is_json or not form:
        data, errors = service.parse(request.get_data(cache=False))
        if errors:
            return _json({"verified": False, "errors": errors}, 400)
        return _json(service.verify(data))
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()
    upload = request.files.get("file")
    text = upload.stream.read(service.MAX_BYTES + 1) if upload and upload.filename else (request.form.get("credential") or "").encode()
    data, errors = service.parse(text)
    result = service.verify(data) if not errors else {"verified": False, "errors": errors}
    about = service.describe(data) if result["verified"] else []
    page = render_template("credentials/verify.html", result=result, about=about,
                           text=text.decode("utf-8", "replace")[:service.MAX_BYTES])
    return page, 400 if errors else 200


@bp.get("/credentials/status")
def status_list():
    return _json(service.status_list())


@bp.get("/.well-known/did.json")
def did_document():
    return _json(service.did_document())


@bp.get("/.well-known/jwks.json")
def jwks():
    return _json(service.jwks())
