"""The /scim/v2 endpoints (RFC 7644): discovery, Users and Groups.

Every request carries a SCIM token (``Authorization: Bearer scim_…``); API
tokens are refused here, as SCIM tokens are by /api/v1. Each handler parses
the request with scim2-models, calls the provisioning service, and answers
``application/scim+json``; errors come in SCIM's error schema. As for every
request, a success is committed once, after the handler, and any error rolls
back (skills_app/web/transaction.py).
"""
from __future__ import annotations

import json
import math
import re

from flask import Blueprint, Response, current_app, g, request
from pydantic import ValidationError
from scim2_models import (
    Context, Error, InvalidFilterException, ListResponse, NotFoundException, PatchOp, PreconditionFailedException,
    ResponseParameters, SCIMException, SearchRequest,
)

from skills_app import throttle
from skills_app.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from skills_app.policy import ProvisioningActor
from skills_app.scim import filters, schema
from skills_app.services import provisioning, scim_tokens
from skills_app.web.transaction import abandon

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")

MEDIA_TYPE = "application/scim+json"


# -- answers --------------------------------------------------------------------------------

def _answer(body, status: int = 200, etag: str | None = None) -> Response:
    response = current_app.response_class(json.dumps(body, default=str), status=status, mimetype=MEDIA_TYPE)
    if etag:
        response.headers["ETag"] = etag
    return response


def _error(status: int, detail: str, scim_type: str | None = None, headers: dict | None = None) -> Response:
    abandon()
    error = Error(status=status, scim_type=scim_type, detail=detail)
    response = _answer(error.model_dump(), status)
    response.headers.update(headers or {})
    return response


def scim_error(status: int, message: str):
    """An error outside the handlers (no such address, method not allowed, a
    failure) in SCIM's error schema: for web/errors.py."""
    return _error(status, message), status


class ScimRefusal(Exception):
    def __init__(self, status: int, detail: str, scim_type: str | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type, self.headers = status, detail, scim_type, headers or {}


@bp.errorhandler(ScimRefusal)
def _refusal(exc: ScimRefusal):
    return _error(exc.status, exc.detail, exc.scim_type, exc.headers)


@bp.errorhandler(SCIMException)
def _scim_exception(exc: SCIMException):
    error = exc.to_error()
    return _error(int(error.status), error.detail or str(exc), error.scim_type)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    if isinstance(exc, Conflict):
        return _error(409, exc.message, "uniqueness")
    if isinstance(exc, NotFound):
        return _error(404, exc.message)
    if isinstance(exc, NotAllowed):
        return _error(403, exc.message)
    if isinstance(exc, InvalidInput):
        return _error(400, exc.message, "invalidValue")
    return _error(exc.status if exc.status < 500 else 400, exc.message)


@bp.errorhandler(ValidationError)
def _invalid(exc: ValidationError):
    return _error(400, _describe(exc), _scim_type(exc))


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "The request is not valid: " + "; ".join(parts[:10])


def _scim_type(exc: ValidationError) -> str:
    for error in exc.errors(include_url=False, include_input=False):
        kind = str(error.get("type", ""))
        if kind.startswith("scim_"):
            return kind[len("scim_"):]
    return "invalidValue"


# -- authentication ----------------------------------------------------------------------------

@bp.before_request
def _authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    challenge = {"WWW-Authenticate": 'Bearer realm="skills_app SCIM"'}
    if scheme.lower() != "bearer" or not secret:
        raise ScimRefusal(401, "Send a SCIM token: Authorization: Bearer <token>.", headers=challenge)
    # The token first: a valid token is never throttled by what other clients send.
    token = scim_tokens.authenticate(secret)
    if token is None:
        address = throttle.client_address()
        wait = throttle.bad_tokens_blocked(address)
        if wait:
            raise ScimRefusal(429, "Too many requests with a wrong token from this address; wait and try again.",
                              headers={"Retry-After": str(max(1, math.ceil(wait)))})
        throttle.bad_token(address)
        raise ScimRefusal(401, "That token is not a valid SCIM token: it is unknown or revoked (API tokens do not work here).",
                          headers={**challenge, "WWW-Authenticate": 'Bearer realm="skills_app SCIM", error="invalid_token"'})
    g.scim_actor = ProvisioningActor(f"SCIM client {token.name} (scim_{token.prefix}_…)")
    return None


@bp.after_request
def _finish(response: Response):
    response.headers["Cache-Control"] = "no-store"
    return response


def actor() -> ProvisioningActor:
    return g.scim_actor


# -- request parsing -------------------------------------------------------------------------

def _body() -> dict:
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw) if raw.strip() else None
    except (ValueError, RecursionError):
        raise ScimRefusal(400, "The body is not valid JSON.", "invalidSyntax") from None
    if not isinstance(data, dict):
        raise ScimRefusal(400, "The body must be a JSON object.", "invalidSyntax")
    return data


def _parameters(source: dict) -> ResponseParameters:
    values = {k: source[k] for k in ("attributes", "excludedAttributes") if source.get(k)}
    try:
        return ResponseParameters.model_validate(values)
    except ValidationError as exc:
        raise ScimRefusal(400, _describe(exc), "invalidPath") from None


def _paging(source: dict) -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        value = source.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ScimRefusal(400, f"{name} must be a whole number.", "invalidValue") from None

    start = max(1, number("startIndex", 1))
    count = min(max(0, number("count", schema.DEFAULT_COUNT)), schema.MAX_RESULTS)
    return start, count


def _check_version(current: str) -> None:
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*" and current not in {v.strip() for v in wanted.split(",")}:
        raise PreconditionFailedException(detail="The resource changed since that version (If-Match).")


def _not_modified(current: str) -> bool:
    wanted = request.headers.get("If-None-Match")
    return bool(wanted) and (wanted.strip() == "*" or current in {v.strip() for v in wanted.split(",")})


def _normalise_patch(body: dict) -> dict:
    """Microsoft Entra ID sends the manager as a bare id ("value": "42"),
    members with "$ref": null (which would match no member when a remove's value
    selects what to remove), and booleans as the strings "True" and "False"
    (scim2-models reads those)."""
    operations = body.get("Operations")
    if not isinstance(operations, list):
        return body
    for operation in operations:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "")
        if re.search(r"(^|:)manager$", path, re.I) and isinstance(operation.get("value"), str):
            operation["value"] = {"value": operation["value"]}
        value = operation.get("value")
        if isinstance(value, list):
            operation["value"] = value = [{k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item
                                          for item in value]
        if isinstance(value, dict):
            for key in list(value):
                if re.search(r":manager$", key, re.I) and isinstance(value[key], str):
                    value[key] = {"value": value[key]}
    return body


# -- discovery ----------------------------------------------------------------------------------

def _listing(resources: list, total: int | None = None, start: int = 1) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources) if total is None else total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    config = schema.CONFIG.model_copy()
    return _answer(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@bp.get("/ResourceTypes")
def resource_types():
    return _answer(_listing([t.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
                             for t in (schema.USER_TYPE, schema.GROUP_TYPE)]))


@bp.get("/ResourceTypes/<name>")
def resource_type(name: str):
    for resource_type in (schema.USER_TYPE, schema.GROUP_TYPE):
        if str(resource_type.id) == name or resource_type.name == name:
            return _answer(resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"There is no resource type {name}.")


@bp.get("/Schemas")
def schemas():
    return _answer(_listing([s.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for s in schema.schemas()]))


@bp.get("/Schemas/<path:schema_id>")
def schema_document(schema_id: str):
    for item in schema.schemas():
        if str(item.id).lower() == schema_id.lower():
            return _answer(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"There is no schema {schema_id}.")


@bp.post("/.search")
def search_everything():
    raise ScimRefusal(501, "Search /Users/.search or /Groups/.search: this service does not search several resource types at once.")


@bp.route("/Me", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def me():
    raise ScimRefusal(501, "/Me is not supported: a SCIM token stands for a provisioning client, not a user.")


@bp.route("/Bulk", methods=["POST"])
def bulk():
    raise ScimRefusal(501, "Bulk operations are not supported (see ServiceProviderConfig).")


# -- answers of Users and Groups alike ------------------------------------------------------------

def _resource_answer(resource, status: int = 200, ctx=Context.RESOURCE_QUERY_RESPONSE) -> Response:
    """One resource, shaped by the request's attributes/excludedAttributes, with its version as ETag."""
    parameters = _parameters(request.args.to_dict())
    return _answer(resource.model_dump(scim_ctx=ctx, response_parameters=parameters), status, resource.meta.version)


def _created(kind: str, resource, row_id: int) -> Response:
    """201 with the new resource and its Location."""
    response = _resource_answer(resource, 201, Context.RESOURCE_CREATION_RESPONSE)
    response.headers["Location"] = schema.location(kind, str(row_id))
    return response


def _shown(resource) -> Response:
    """A GET of one resource: 304 when If-None-Match names its version."""
    if _not_modified(resource.meta.version):
        return Response(status=304, headers={"ETag": resource.meta.version})
    return _resource_answer(resource)


def _deleted(row, resource, delete) -> Response:
    """A DELETE: refused when If-Match names another version, else ``delete(actor, row)``, 204."""
    _check_version(resource.meta.version)
    delete(actor(), row)
    return Response(status=204)


def _list(source: dict, model, condition_of, search, resource_of):
    """A page of Users or Groups: ``source``'s filter read against ``model`` and
    made a condition by ``condition_of``, ``search`` reading the rows, each row
    made a resource by ``resource_of``."""
    condition = condition_of(filters.parse(str(source["filter"]), model)) if source.get("filter") else None
    start, count = _paging(source)
    parameters = _parameters(source)
    total, rows = search(actor(), condition, offset=start - 1, limit=count)
    resources = [resource_of(row).model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters)
                 for row in rows]
    return _answer(_listing(resources, total, start))


# -- Users ----------------------------------------------------------------------------------------

def _list_users(source: dict):
    return _list(source, schema.FullUser, filters.user_condition, provisioning.search_users,
                 lambda row: schema.user_resource(*row))


@bp.get("/Users")
def list_users():
    return _list_users(request.args.to_dict())


@bp.post("/Users/.search")
def search_users():
    return _list_users(_search_body())


def _search_body() -> dict:
    body = _body()
    try:
        search = SearchRequest.model_validate(body, scim_ctx=Context.SEARCH_REQUEST)
    except ValidationError as exc:
        raise ScimRefusal(400, _describe(exc), "invalidValue") from None
    out = {"filter": str(search.filter) if search.filter else None, "startIndex": search.start_index, "count": search.count}
    if search.attributes:
        out["attributes"] = ",".join(str(a) for a in search.attributes)
    if search.excluded_attributes:
        out["excludedAttributes"] = ",".join(str(a) for a in search.excluded_attributes)
    return out


@bp.post("/Users")
def create_user():
    user = schema.FullUser.model_validate(schema.with_defaults(_body()), scim_ctx=Context.RESOURCE_CREATION_REQUEST,
                                          scim_policy=schema.POLICY)
    person = provisioning.create_user(actor(), schema.user_fields(user))
    return _created("User", schema.user_resource(person), person.id)


@bp.get("/Users/<resource_id>")
def get_user(resource_id: str):
    return _shown(schema.user_resource(provisioning.get_user(actor(), resource_id)))


@bp.put("/Users/<resource_id>")
def replace_user(resource_id: str):
    person = provisioning.get_user(actor(), resource_id)
    current = schema.user_resource(person)
    _check_version(current.meta.version)
    body = schema.with_defaults(_body())
    user = schema.FullUser.model_validate(body, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=schema.POLICY)
    fields = schema.user_fields(user)
    if not any(key.lower() == schema.ENTERPRISE_SCHEMA.lower() for key in body):
        # A replacement without the enterprise extension (Okta's profile push
        # when it maps none of it) leaves the HR fields as they are.
        kept = schema.user_fields(current)
        fields.employee_number, fields.department, fields.manager_id = kept.employee_number, kept.department, kept.manager_id
    provisioning.update_user(actor(), person, fields)
    return _resource_answer(schema.user_resource(person), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


@bp.patch("/Users/<resource_id>")
def patch_user(resource_id: str):
    person = provisioning.get_user(actor(), resource_id)
    user = schema.user_resource(person)
    _check_version(user.meta.version)
    patch = PatchOp[schema.FullUser].model_validate(_normalise_patch(_body()), scim_ctx=Context.RESOURCE_PATCH_REQUEST,
                                                    scim_policy=schema.POLICY)
    if patch.patch(user, scim_policy=schema.POLICY):
        provisioning.update_user(actor(), person, schema.user_fields(user))
    return _resource_answer(schema.user_resource(person), 200, Context.RESOURCE_PATCH_RESPONSE)


@bp.delete("/Users/<resource_id>")
def delete_user(resource_id: str):
    person = provisioning.get_user(actor(), resource_id)
    return _deleted(person, schema.user_resource(person), provisioning.delete_user)


# -- Groups ---------------------------------------------------------------------------------------

def _list_groups(source: dict):
    return _list(source, schema.Group, lambda parsed: filters.group_condition(parsed, provisioning.groups_kind()),
                 provisioning.search_groups, schema.group_resource)


@bp.get("/Groups")
def list_groups():
    return _list_groups(request.args.to_dict())


@bp.post("/Groups/.search")
def search_groups():
    return _list_groups(_search_body())


@bp.post("/Groups")
def create_group():
    group = schema.Group.model_validate(_body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=schema.POLICY)
    target = provisioning.create_group(actor(), schema.group_fields(group))
    return _created("Group", schema.group_resource(target), target.id)


@bp.get("/Groups/<resource_id>")
def get_group(resource_id: str):
    return _shown(schema.group_resource(provisioning.get_group(actor(), resource_id)))


@bp.put("/Groups/<resource_id>")
def replace_group(resource_id: str):
    target = provisioning.get_group(actor(), resource_id)
    _check_version(schema.group_resource(target).meta.version)
    group = schema.Group.model_validate(_body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=schema.POLICY)
    provisioning.update_group(actor(), target, schema.group_fields(group))
    return _resource_answer(schema.group_resource(target), 200, Context.RESOURCE_REPLACEMENT_RESPONSE)


@bp.patch("/Groups/<resource_id>")
def patch_group(resource_id: str):
    target = provisioning.get_group(actor(), resource_id)
    group = schema.group_resource(target)
    _check_version(group.meta.version)
    before = {m.value for m in group.members or []}
    patch = PatchOp[schema.Group].model_validate(_normalise_patch(_body()), scim_ctx=Context.RESOURCE_PATCH_REQUEST,
                                                 scim_policy=schema.POLICY)
    if patch.patch(group, scim_policy=schema.POLICY):
        fields = schema.group_fields(group)
        if set(fields.member_ids or []) == before:
            fields.member_ids = None
        provisioning.update_group(actor(), target, fields)
    if request.args.get("attributes") or request.args.get("excludedAttributes"):
        return _resource_answer(schema.group_resource(target), 200, Context.RESOURCE_PATCH_RESPONSE)
    # As Microsoft Entra ID advises for groups: no body, rather than every member.
    return Response(status=204)


@bp.delete("/Groups/<resource_id>")
def delete_group(resource_id: str):
    target = provisioning.get_group(actor(), resource_id)
    return _deleted(target, schema.group_resource(target), provisioning.delete_group)
