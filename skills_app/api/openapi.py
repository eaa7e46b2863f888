"""The OpenAPI 3.1 document of /api/v1: the components come from the pydantic
models in skills_app.api.schemas; the operations are listed here, each with
every status code the server can answer."""
from __future__ import annotations

from functools import lru_cache

from pydantic.json_schema import models_json_schema

from skills_app.api import schemas
from skills_app.models import MAX_ID
from skills_app.reports.gaps import STATUSES as GAP_STATUSES

REF = "#/components/schemas/{model}"

ERRORS = {
    400: ("malformed_json", "The body is not valid JSON (or not valid Unicode)."),
    401: ("unauthorized", "No token, or a token that is unknown, revoked, or whose account is deactivated."),
    403: ("forbidden", "The caller may see this but not do this."),
    404: ("not_found", "Nothing here that the caller may see (what they may not see looks the same as nothing)."),
    409: ("conflict", "The assessment is in a state that does not allow this (invalid_state), or the version sent is "
                      "stale, or an open assessment of the skill exists already (conflict)."),
    413: ("request_entity_too_large", "The upload is too big."),
    422: ("invalid", "The request is well-formed but not valid: wrong types, unknown fields, values out of range, "
                    "or a rule of the domain refused it. `details.fields` says what, by field where it can."),
    429: ("too_many_requests", "Too many wrong tokens from this address; `Retry-After` says how long to wait."),
}


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(status: int) -> dict:
    code, description = ERRORS[status]
    response = _json(_ref("Error"), description)
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}}
    if status == 429:
        response["headers"] = {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}}
    return response


def _op(op_id: str, summary: str, ok: dict, *, errors=(), params=(), request=None, description=None,
        tags=(), public=False, error_notes: dict | None = None) -> dict:
    """``error_notes``: {status: (what this operation's answer with that status means, an example body)}."""
    statuses = sorted(set(errors) | (set() if public else {401, 429}))
    operation = {"operationId": op_id, "summary": summary, "tags": list(tags), "responses": {**ok}}
    if description:
        operation["description"] = description
    for status in statuses:
        operation["responses"][str(status)] = _error(status)
        if status in (error_notes or {}):
            note, example = error_notes[status]
            response = operation["responses"][str(status)]
            response["description"] = f"{response['description']} {note}"
            response["content"]["application/json"]["examples"] = {
                name: {"summary": summary_, "value": value} for name, (summary_, value) in example.items()}
    if params:
        operation["parameters"] = list(params)
    if request:
        operation["requestBody"] = request
    if public:
        operation["security"] = []
    return operation


def _path_id(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": f"The {what}'s id.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False, "description": "At most this many items (1–200; 50 when left out).",
     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "The `next` value of the previous page; left out for the first page.",
     "schema": {"type": "string", "maxLength": 200}},
]

FILTER_PARAMS = [
    {"name": "format", "in": "query", "required": False, "description": "json (paginated) or csv (every row).",
     "schema": {"type": "string", "enum": ["json", "csv"], "default": "json"}},
    {"name": "org_unit", "in": "query", "required": False, "description": "An org unit path; the unit and every unit below it.",
     "schema": {"type": "string", "maxLength": 1000, "pattern": schemas.NO_NUL}},
    {"name": "exact", "in": "query", "required": False, "description": "With org_unit: only that unit.",
     "schema": {"type": "boolean", "default": False}},
    {"name": "job_role", "in": "query", "required": False, "description": "A job role name.",
     "schema": {"type": "string", "maxLength": 1000, "pattern": schemas.NO_NUL}},
    {"name": "service", "in": "query", "required": False, "description": "A service name.",
     "schema": {"type": "string", "maxLength": 1000, "pattern": schemas.NO_NUL}},
    {"name": "skill", "in": "query", "required": False, "description": "A skill code.",
     "schema": {"type": "string", "maxLength": 1000, "pattern": schemas.NO_NUL}},
    {"name": "framework", "in": "query", "required": False, "description": "A framework code.",
     "schema": {"type": "string", "maxLength": 1000, "pattern": schemas.NO_NUL}},
    {"name": "status", "in": "query", "required": False, "style": "form", "explode": True,
     "description": "Only rows with these statuses (repeat the parameter, or separate with commas).",
     "schema": {"type": "array", "items": {"type": "string", "enum": list(GAP_STATUSES)}}},
    {"name": "essential", "in": "query", "required": False, "description": "Essential requirements only.",
     "schema": {"type": "boolean", "default": False}},
]


def _body(name: str, description: str, required: bool = True) -> dict:
    return {"required": required, "description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _report(op_id: str, summary: str, items: str, description: str) -> dict:
    return _op(op_id, summary, {"200": {
        "description": "JSON: one page of rows; CSV (format=csv): every row, with a header line.",
        "content": {"application/json": {"schema": _ref(items)}, "text/csv": {"schema": {"type": "string"}}},
    }}, errors=(403, 422), params=FILTER_PARAMS + PAGE_PARAMS, tags=["reports"], description=description)


@lru_cache(maxsize=1)
def _components() -> dict:
    models = [(m, "validation") for m in schemas.REQUEST_MODELS] + [(m, "serialization") for m in schemas.RESPONSE_MODELS]
    _, defs = models_json_schema(models, ref_template=REF)
    found = defs["$defs"]
    # A multipart form sends strings: the note is text or absent, never null.
    found["EvidenceUpload"]["properties"]["text"] = {"type": "string", "maxLength": 10_000, "description": "A note on the file."}
    return found


def document() -> dict:
    assessment_path = _path_id("assessment_id", "assessment")
    assessment_ok = {"200": _json(_ref("AssessmentOut"), "The assessment as it is now.")}
    paths = {
        "/api/v1/openapi.json": {"get": _op("openapi", "This document", {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")},
                                             public=True, tags=["meta"])},
        "/api/v1/me": {"get": _op("me", "The caller", {"200": _json(_ref("PersonOut"), "The person the token belongs to.")},
                                  tags=["people"])},
        "/api/v1/me/roles": {"get": _op(
            "myRoles", "The caller against every job role, closest first",
            {"200": _json(_ref("RoleMatchList"), "Every job role with the levels it requires, how many the caller "
                                                 "meets, and the ones missing.")},
            errors=(422,), params=PAGE_PARAMS, tags=["people"],
            description="Closest first: the most essential levels met, then the most levels met, then the fewest "
                        "missing, then by name. Levels count as in the gap report: the latest validated, unexpired "
                        "level, directly or through a crosswalk.")},
        "/api/v1/me/plan": {"get": _op(
            "myPlan", "The caller's development plan",
            {"200": _json(_ref("GoalList"), "Every goal of the caller (their own and their training plans'), open ones "
                                            "first, each with its progress.")},
            tags=["people"],
            description="A goal is proposed, agreed (by the line manager or HR), achieved (a validated, unexpired level "
                        "at or above the target) or dropped. All goals in one page: `next` is null.")},
        "/api/v1/frameworks": {"get": _op(
            "listFrameworks", "Frameworks and their versions",
            {"200": _json(_ref("FrameworkList"), "Every framework version, by code then version.")},
            errors=(422,), params=PAGE_PARAMS, tags=["frameworks"])},
        "/api/v1/frameworks/{code}": {"get": _op(
            "getFramework", "A framework file",
            {"200": _json(_ref("FrameworkDoc"), "The framework version as the native framework file, as JSON (what "
                                                "`skills-app frameworks export CODE --format json` prints).")},
            errors=(404, 422), tags=["frameworks"], params=[
                {"name": "code", "in": "path", "required": True, "description": "The framework's code (any case).",
                 "schema": {"type": "string", "minLength": 1}},
                {"name": "version", "in": "query", "required": False, "description": "The version; the newest when left out.",
                 "schema": {"type": "string"}},
            ])},
        "/api/v1/frameworks/imports": {"post": _op(
            "importFramework", "Import a framework file",
            {"201": _json(_ref("ImportReportOut"), "Imported: the import report."),
             "200": _json(_ref("ImportReportOut"), "A dry run, or a file identical to the version loaded: the import "
                                                   "report, nothing written.")},
            errors=(403, 409, 413, 422), tags=["frameworks"],
            request={"required": True, "description": "The file and the options, as a multipart form.",
                     "content": {"multipart/form-data": {"schema": _ref("FrameworkImportUpload")}}},
            description="HR and administrators. The same formats, checks and report as `skills-app frameworks import`, "
                        "in one transaction: a file with a problem is refused whole (422, `message` naming the file, the "
                        "place and the problem; `details.location` and `details.problem` apart); a version loaded with "
                        "other content is refused (409) unless `replace`; `strict` refuses a file of which anything "
                        "would not be kept (422, `details.report` the report).")},
        "/api/v1/people": {"get": _op(
            "listPeople", "The people the caller may see",
            {"200": _json(_ref("PersonList"), "Oneself; one's reports, direct and indirect; everyone for HR, learning "
                                              "and administrators. Active or not, by id.")},
            errors=(422,), params=PAGE_PARAMS, tags=["people"])},
        "/api/v1/people/{person_id}/skills": {"get": _op(
            "personSkills", "A person's skills",
            {"200": _json(_ref("SkillRowList"), "One row per skill the person is required to have or has assessed: "
                                                 "required, current and self-assessed level, gap and status.")},
            errors=(404, 422), params=[_path_id("person_id", "person")] + PAGE_PARAMS, tags=["people"],
            description="For the person themself, their line managers, HR and the learning team; 404 for anyone else.")},
        "/api/v1/assessments": {"post": _op(
            "createAssessment", "Start a self-assessment",
            {"201": _json(_ref("AssessmentOut"), "The new draft.")},
            errors=(400, 404, 409, 422), request=_body("AssessmentCreate", "The skill and the level claimed."),
            tags=["assessments"],
            description="For the caller. 404 for an unknown framework or skill; 409 when the caller has an open "
                        "assessment of the skill (details.assessment_id names it).")},
        "/api/v1/assessments/{assessment_id}": {
            "get": _op("getAssessment", "An assessment", assessment_ok, errors=(404,), params=[assessment_path],
                       tags=["assessments"], description="For whoever may see the person's skills; 404 for anyone else."),
            "patch": _op("updateAssessment", "Claim a level, rate descriptors", assessment_ok,
                         errors=(400, 403, 404, 409, 422), params=[assessment_path],
                         request=_body("AssessmentPatch", "What changes."), tags=["assessments"],
                         description="The person themself, while the assessment is a draft or returned (else 409)."),
        },
        "/api/v1/assessments/{assessment_id}/credential": {"get": _op(
            "assessmentCredential", "The Open Badges 3.0 credential of a validated level",
            {"200": _json({"type": "object", "required": ["@context", "id", "type", "issuer", "credentialSubject", "proof"],
                           "properties": {"proof": {"type": "object", "required": ["type", "cryptosuite", "proofValue"]}}},
                          "A W3C Verifiable Credential of type OpenBadgeCredential, with an embedded DataIntegrityProof "
                          "(eddsa-jcs-2022) by the organisation's Ed25519 key. Anyone verifies it at POST /credentials/verify.")},
            errors=(403, 404, 409), params=[assessment_path], tags=["assessments"],
            description="The assessed person only (403 for others who may see the assessment), once validated and while "
                        "the level stands (409 otherwise: not validated, expired, or replaced by a later validation).")},
        "/api/v1/assessments/{assessment_id}/evidence": {"post": _op(
            "addEvidence", "Add evidence",
            {"201": _json(_ref("EvidenceOut"), "The evidence added.")},
            errors=(400, 403, 404, 409, 413, 422), params=[assessment_path], tags=["assessments"],
            request={"required": True, "description": "Text or a link as JSON, or a file as a multipart form.",
                     "content": {"application/json": {"schema": _ref("EvidenceIn")},
                                 "multipart/form-data": {"schema": _ref("EvidenceUpload")}}},
            description="The person themself, while the assessment is a draft or returned. The descriptors must be "
                        "those of the defined levels up to the claimed one. The evidence goes into the person's evidence "
                        "library too (its `item_id`); the same text, link or file (with the same note) given again is the "
                        "item already there.")},
        "/api/v1/assessments/{assessment_id}/submit": {"post": _op(
            "submitAssessment", "Submit for review", assessment_ok, errors=(400, 403, 404, 409, 422),
            params=[assessment_path], request=_body("SubmitIn", "Optionally, the version read.", required=False),
            tags=["assessments"],
            description="The person themself. Every descriptor of the claimed level must be rated first (PATCH the "
                        "assessment with `ratings`); 422 names each one not rated yet, in `details.fields` as "
                        "`ratings.<descriptor_id>`. 422 too when the framework needs evidence for every descriptor of "
                        "the claimed level and some have none.",
            error_notes={422: (
                "Here: descriptors of the claimed level not rated yet (each in `details.fields` as "
                "`ratings.<descriptor_id>`), or, where the framework requires it, descriptors without evidence.",
                {"unrated": ("Descriptors not rated yet", {"error": {
                    "code": "invalid",
                    "message": "Rate yourself on every descriptor of level 3 before you submit: 2 of 4 have no rating yet.",
                    "details": {"fields": {"ratings.41": "Choose Met, Partly met or Not yet for this descriptor.",
                                           "ratings.42": "Choose Met, Partly met or Not yet for this descriptor."}}}}),
                 "evidence_missing": ("Evidence required and missing", {"error": {
                     "code": "invalid",
                     "message": "SFIA 8 needs evidence for every descriptor of the level you claim; 1 of level 3 have none yet."}})},
            )})},
        "/api/v1/assessments/{assessment_id}/decision": {"post": _op(
            "decideAssessment", "Approve, return or reject", assessment_ok, errors=(400, 403, 404, 409, 422),
            params=[assessment_path], request=_body("DecisionIn", "The decision."), tags=["assessments"],
            description="The person's direct line manager, or HR; never one's own. A stale version gets 409.")},
        "/api/v1/reports/gaps": {"get": _report(
            "gapReport", "The gap report", "GapList",
            "One row per person × required skill, for HR and the learning team; the same filters as "
            "`skills-app report gaps`.")},
        "/api/v1/reports/training-needs": {"get": _report(
            "trainingNeeds", "Training needs", "TrainingNeedList",
            "Cohorts by skill and level step, most urgent first; the same filters as `skills-app report training-needs`.")},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "skills_app API", "version": "1.0.0",
            "description": "Frameworks, people, self-assessments with evidence, validation and gap reports. "
                           "Authenticate with `Authorization: Bearer <token>`: a token from the API tokens page "
                           "(/account/tokens) or `skills-app users token EMAIL`. Lists come as "
                           "`{\"items\": [...], \"next\": cursor-or-null}`; errors as "
                           "`{\"error\": {\"code\", \"message\", \"details\"?}}`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": t} for t in ("meta", "people", "frameworks", "assessments", "reports")],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token."}},
            "schemas": _components(),
        },
    }
