"""The /api/v1 endpoints. Each handler authenticates the bearer token (in
``before_request``), loads what the URL names through a service (which asks
the policy: 404 for what the caller may not know exists, 403 for what they
may see but not do), validates the body with a pydantic model, calls one
service, and answers JSON. Successful writes are committed once, after the
handler, and any error rolls back, as for every request
(skills_app/web/transaction.py)."""
from __future__ import annotations

import json
import math

from flask import Blueprint, Response, g, jsonify, render_template, request
from pydantic import BaseModel, ValidationError

from skills_app import cache, paging, policy, throttle
from skills_app.api import schemas
from skills_app.errors import DomainError, InvalidInput, NotFound
from skills_app.models import MAX_ID, Assessment, Evidence, Person
from skills_app.reports import export, training
from skills_app.reports import gaps as gap_tables
from skills_app.services import (
    accounts, assessments, credentials, exports, framework_import, frameworks, gaps, needs, org, plans, role_fit, tokens,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC = {"api.openapi", "api.docs"}


class ApiError(DomainError):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.headers = status, code, headers or {}


class MalformedJson(DomainError, status=400, code="malformed_json"):
    """A request body that is not the JSON asked for."""


# -- authentication ------------------------------------------------------------------

@bp.before_request
def _authenticate():
    g.api_actor = None
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.",
                       {"WWW-Authenticate": 'Bearer realm="skills_app"'})
    # The token first: a valid token is never throttled by what other clients send.
    try:
        person = tokens.check(secret)
    except tokens.Refused as exc:
        address = throttle.client_address()
        wait = throttle.bad_tokens_blocked(address)
        if wait:
            raise ApiError(429, "too_many_requests", "Too many requests with a wrong token from this address; wait and try again.",
                           {"Retry-After": str(max(1, math.ceil(wait)))}) from None
        throttle.bad_token(address)
        raise ApiError(401, "unauthorized", exc.message,
                       {"WWW-Authenticate": 'Bearer realm="skills_app", error="invalid_token"'}) from None
    g.api_actor = person
    if any(isinstance(v, int) and not 1 <= v <= MAX_ID for v in (request.view_args or {}).values()):
        raise NotFound("not found")
    return None


@bp.after_request
def _finish(response: Response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    from skills_app.web.errors import error_response

    response, status = error_response(exc.status, exc.code, exc.message, exc.details)
    response.headers.update(exc.headers)
    return response, status


def actor() -> Person:
    return g.api_actor


# -- parsing ------------------------------------------------------------------------------

def _valid_unicode(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_valid_unicode(k) and _valid_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_valid_unicode(v) for v in value)
    return True


def _details(exc: ValidationError) -> dict:
    out: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in error["loc"]) or "body"
        out.setdefault(where, error["msg"])
    return out


def validate(model: type[BaseModel], data):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("The request is not valid; see details.", details={"fields": _details(exc)}) from None


def body(model: type[BaseModel]):
    """The JSON body as ``model``; an empty body counts as {}."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        data = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise MalformedJson("The body is not valid JSON.") from None
        if not _valid_unicode(data):
            raise MalformedJson("The body contains text that is not valid Unicode.")
    return validate(model, data)


def query(model: type[BaseModel], lists: tuple[str, ...] = ()):
    """The known query parameters as ``model``; others are ignored."""
    data = {}
    for name in model.model_fields:
        if name in lists:
            values = [v for part in request.args.getlist(name) for v in part.split(",") if v]
            if values:
                data[name] = values
        elif name in request.args:
            data[name] = request.args[name]
    return validate(model, data)


def _text(value: str) -> str:
    """A path or query value that goes to the database: never with NUL characters."""
    if "\x00" in value:
        raise NotFound("not found")
    return value


# -- shapes -----------------------------------------------------------------------------

def _iso(value):
    value = assessments.aware(value)
    return value.isoformat() if value else None


def person_json(person: Person) -> dict:
    return {
        "id": person.id, "email": person.email, "name": person.name, "manager_id": person.manager_id,
        "employee_number": person.employee_number, "job_title": person.job_title,
        "org_unit": person.org_unit.path if person.org_unit else None, "roles": sorted(person.roles),
        "active": person.active,
    }


def evidence_json(evidence: Evidence) -> dict:
    return {
        "id": evidence.id, "kind": evidence.kind, "text": evidence.text, "url": evidence.url,
        "filename": evidence.original_name, "content_type": evidence.content_type, "size": evidence.size,
        "sha256": evidence.sha256, "descriptor_ids": [d.id for d in evidence.descriptors],
        "created_at": _iso(evidence.created_at), "item_id": evidence.item_id,
    }


def assessment_json(a: Assessment) -> dict:
    descriptors = []
    for sl in assessments.levels_in_view(a):
        for d in sl.descriptors:
            rating = a.rating_for(d.id)
            descriptors.append({
                "id": d.id, "level": sl.level, "text": d.text, "rating": rating.rating if rating else None,
                "verdict": rating.verdict if rating else None, "verdict_comment": rating.verdict_comment if rating else None,
            })
    extra = {}
    if a.is_responsibility:
        # A level of responsibility: a claimed (and validated) level per generic attribute.
        extra = {"kind": a.kind, "attributes": [
            {"id": c.attribute_id, "name": c.attribute.name, "claimed_level": c.claimed_level,
             "validated_level": c.validated_level, "verdict_comment": c.verdict_comment} for c in a.claims]}
    return extra | {
        "id": a.id, "person_id": a.person_id, "framework": a.framework.code, "framework_version": a.framework.version,
        "skill": a.subject_code, "skill_name": a.subject_name, "claimed_level": a.claimed_level, "status": a.status,
        "version": a.version, "validated_level": a.validated_level, "valid_until": _iso(a.valid_until),
        "decision_comment": a.decision_comment, "reviewer_id": a.reviewer_id, "submitted_at": _iso(a.submitted_at),
        "decided_at": _iso(a.decided_at), "created_at": _iso(a.created_at),
        "descriptors": descriptors, "evidence": [evidence_json(e) for e in a.evidence],
    }


def _clean(record: dict, ints: tuple[str, ...]) -> dict:
    for key, value in record.items():
        if isinstance(value, float) and math.isnan(value):
            record[key] = None
        elif key in ints and isinstance(value, float):
            record[key] = int(value)
    return record


def _reload(assessment_id: int) -> Assessment:
    return assessments.get(actor(), assessment_id, fresh=True)


# -- the document ----------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    from skills_app.api.openapi import document

    return jsonify(document())


@bp.get("/docs")
def docs():
    from skills_app.api.openapi import document

    return render_template("api/docs.html", doc=document(), json=json)


# -- who, what --------------------------------------------------------------------------

@bp.get("/me")
def me():
    return jsonify(person_json(actor()))


@bp.get("/me/roles")
def my_roles():
    page = query(schemas.Page)
    found = role_fit.closest_roles(actor(), actor(), cursor=page.cursor, limit=page.limit)
    return jsonify(found.as_json(lambda m: {"job_role": m.job_role, "required": m.required, "met": m.met,
                                            "missing": m.missing}))


@bp.get("/me/plan")
def my_plan():
    plan = plans.plan_of(actor(), actor())
    return jsonify({"items": [{
        "id": p.goal.id, "framework": p.goal.skill.framework.code, "skill": p.goal.skill.code, "skill_name": p.goal.skill.name,
        "target_level": p.goal.target_level, "due_on": p.goal.due_on.isoformat() if p.goal.due_on else None, "state": p.goal.state,
        "training_plan": p.goal.plan.name if p.goal.plan else None,
        "agreed_by": p.goal.agreed_by.name if p.goal.agreed_by else None, "agreed_at": _iso(p.goal.agreed_at),
        "closed_at": _iso(p.goal.closed_at), "current_level": p.current_level,
        "via": p.via.code if p.via else None, "self_level": p.self_level,
        "learning": [{"title": r.resource.title, "kind": r.resource.kind, "url": r.resource.url,
                      "target_level": r.resource.target_level, "completed_at": _iso(r.completed_at)} for r in p.goal.resources],
        "history": [{"on": _iso(s.on), "kind": s.kind, "level": s.level, "expired": s.expired} for s in p.steps],
    } for p in plan.goals], "next": None})


@bp.get("/frameworks")
def framework_list():
    page = query(schemas.Page)
    counts = frameworks.skill_counts()
    found = frameworks.list_page(actor(), cursor=page.cursor, limit=page.limit)
    return jsonify(found.as_json(lambda f: {"code": f.code, "name": f.name, "version": f.version, "publisher": f.publisher,
                                            "status": f.status, "skills": counts.get(f.id, 0)}))


@bp.get("/frameworks/<code>")
def framework_file(code: str):
    version = request.args.get("version") or None
    return jsonify(frameworks.export(actor(), _text(code), _text(version) if version else None))


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}
IMPORT_FIELDS = {"file", "format", "dry_run", "replace", "strict", "framework_code", "version", "framework_name", "publisher",
                 "columns", "scale"}


@bp.post("/frameworks/imports")
def import_framework():
    """A framework file, uploaded as a multipart form: imported (201), or with dry_run checked
    and reported with nothing written (200); the import report either way."""
    policy.require(actor(), "manage_frameworks")
    if request.mimetype != "multipart/form-data":
        raise InvalidInput.on("file", "Send the file as multipart/form-data, in the field 'file'.", "send a multipart form")
    problems: dict[str, str] = {}
    for name in sorted(set(request.form) | set(request.files)):
        if name not in IMPORT_FIELDS:
            problems[name] = "Unknown field"
    flags = {}
    for name in ("dry_run", "replace", "strict"):
        value = (request.form.get(name) or "").strip().lower()
        if value not in _TRUE | _FALSE:
            problems[name] = "true or false"
        flags[name] = value in _TRUE
    texts = {}
    for name in ("format", "framework_code", "version", "framework_name", "publisher", "columns", "scale"):
        value = request.form.get(name)
        if value is not None and (not _valid_unicode(value) or "\x00" in value or len(value) > 10_000):
            problems[name] = "Text without NUL, at most 10000 characters"
        texts[name] = value.strip() if value and value.strip() else None
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        problems["file"] = "Field required"
    if problems:
        raise InvalidInput("The request is not valid; see details.", details={"fields": problems})
    data = upload.stream.read(framework_import.MAX_FILE_BYTES + 1)
    result, report = framework_import.upload(
        actor(), data, upload.filename, fmt=texts.pop("format"), dry_run=flags["dry_run"], replace=flags["replace"],
        strict=flags["strict"], **texts)
    out = report.to_dict()
    out["framework"] = {"code": result.framework.code, "version": result.framework.version} if result.framework else None
    written = not flags["dry_run"] and result.outcome in {"created", "added", "replaced"}
    return jsonify(out), 201 if written else 200


@bp.get("/people")
def people():
    page = query(schemas.Page)
    return jsonify(org.people_page(actor(), cursor=page.cursor, limit=page.limit).as_json(person_json))


@bp.get("/people/<id:person_id>/skills")
def person_skills(person_id: int):
    person = accounts.get_person(actor(), person_id, "view_person_skills")
    page = query(schemas.Page)
    found = assessments.skill_rows_page(actor(), person, cursor=page.cursor, limit=page.limit)
    return jsonify(found.as_json(lambda r: {
        "framework": r.framework.code, "framework_version": r.framework.version, "skill": r.skill.code,
        "skill_name": r.skill.name, "required_level": r.required_level, "current_level": r.current_level,
        "self_level": r.self_level, "gap": r.gap, "status": r.status_code, "via": r.via,
        "assessment_id": r.latest.id if r.latest else None}))


# -- assessments ------------------------------------------------------------------------

@bp.post("/assessments")
def create_assessment():
    data = body(schemas.AssessmentCreate)
    skill = frameworks.skill(actor(), data.framework, data.skill, data.framework_version)
    assessment = assessments.start(actor(), skill, data.claimed_level)
    return jsonify(assessment_json(_reload(assessment.id))), 201


@bp.get("/assessments/<id:assessment_id>")
def get_assessment(assessment_id: int):
    return jsonify(assessment_json(assessments.get(actor(), assessment_id)))


@bp.patch("/assessments/<id:assessment_id>")
def patch_assessment(assessment_id: int):
    assessment = assessments.get(actor(), assessment_id, "edit_assessment")
    data = body(schemas.AssessmentPatch)
    level = data.claimed_level if data.claimed_level is not None else assessment.claimed_level
    ratings = {r.descriptor_id: r.rating for r in data.ratings}
    assessments.save_draft(actor(), assessment, claimed_level=level, ratings=ratings, version=data.version)
    return jsonify(assessment_json(_reload(assessment_id)))


@bp.get("/assessments/<id:assessment_id>/credential")
def assessment_credential(assessment_id: int):
    return jsonify(credentials.issue(actor(), assessments.get(actor(), assessment_id)))


@bp.post("/assessments/<id:assessment_id>/evidence")
def add_evidence(assessment_id: int):
    assessment = assessments.get(actor(), assessment_id, "edit_assessment")
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        ids = [v for part in request.form.getlist("descriptor_ids") for v in part.split(",") if v.strip()]
        problems = {}
        if upload is None or not upload.filename:
            problems["file"] = "Field required"
        try:
            ids = [int(v) for v in ids]
            if not ids:
                problems["descriptor_ids"] = "Field required"
        except ValueError:
            problems["descriptor_ids"] = "Descriptor ids are whole numbers"
        note = request.form.get("text") or None
        if note is not None and ("\x00" in note or len(note) > 10_000):
            problems["text"] = "At most 10000 characters, without NUL"
        if problems:
            raise InvalidInput("The request is not valid; see details.", details={"fields": problems})
        evidence = assessments.add_evidence(actor(), assessment, descriptor_ids=ids, text=note,
                                            filename=upload.filename, stream=upload.stream)
    else:
        data = body(schemas.EvidenceIn)
        evidence = assessments.add_evidence(actor(), assessment, descriptor_ids=data.descriptor_ids, text=data.text,
                                            url=data.url if data.kind == "link" else None)
    return jsonify(evidence_json(evidence)), 201


@bp.post("/assessments/<id:assessment_id>/submit")
def submit(assessment_id: int):
    assessment = assessments.get(actor(), assessment_id, "edit_assessment")
    data = body(schemas.SubmitIn)
    assessments.submit(actor(), assessment, version=data.version)
    return jsonify(assessment_json(_reload(assessment_id)))


@bp.post("/assessments/<id:assessment_id>/decision")
def decide(assessment_id: int):
    assessment = assessments.get(actor(), assessment_id, "decide_assessment")
    data = body(schemas.DecisionIn)
    verdicts = {v.descriptor_id: (v.verdict, v.comment) for v in data.verdicts}
    assessments.decide(actor(), assessment, outcome=data.outcome, validated_level=data.validated_level,
                       comment=data.comment, verdicts=verdicts, version=data.version)
    return jsonify(assessment_json(_reload(assessment_id)))


# -- reports ------------------------------------------------------------------------------

def _report_query() -> tuple[schemas.ReportQuery, gaps.Filters]:
    from skills_app import policy

    policy.require(actor(), "view_gap_reports")
    q = query(schemas.ReportQuery, lists=("status",))
    filters = gaps.Filters.from_mapping({
        "org_unit": q.org_unit, "exact": q.exact, "job_role": q.job_role, "service": q.service, "skill": q.skill,
        "framework": q.framework, "status": list(q.status), "essential": q.essential,
    })
    return q, filters


def _csv(report: export.Report) -> Response:
    """A report as a CSV download, streamed as it is written (on PostgreSQL, by the
    database's COPY); the request and its session last until the last chunk."""
    from skills_app.web.downloads import download

    return download(report, "csv")


@bp.get("/reports/gaps")
def gap_report():
    q, filters = _report_query()
    if q.format == "csv":
        return _csv(exports.gap_report(actor(), filters))
    found = gaps.page(actor(), filters, cursor=q.cursor, limit=q.limit)
    return jsonify({"items": gap_tables.rows(found.items), "next": found.next})


@bp.get("/reports/training-needs")
def training_needs():
    q, filters = _report_query()
    if q.format == "csv":
        return _csv(exports.training_needs(actor(), filters))
    needs.checked(q.cursor)

    def every_cohort():
        cohorts = needs.cohorts(actor(), filters)
        return [_clean(r, ("from_level", "to_level", "people", "essential", "services_at_risk", "skill_id"))
                for r in gap_tables.group_records(cohorts[training.COLUMNS + ["skill_id"]])]

    # Every cohort counted once (services/needs.py), cached until the next recorded change: each page reads them.
    records = cache.cached(gaps.cache_key(actor(), "training-records", filters), every_cohort)
    found = paging.of_list(records, training.order_key, cursor=q.cursor, limit=q.limit)
    return jsonify(found.as_json(lambda r: {k: v for k, v in r.items() if k != "skill_id"}))
