"""The SCIM resources this service serves, as scim2-models models.

The User schema is the core one (RFC 7643 §4.1) cut to what a person here
holds: ``userName``, ``name`` (formatted, familyName, givenName),
``displayName``, ``title``, ``active``, ``emails`` (value, type, primary;
required, since every account has an email) and the enterprise extension's
``employeeNumber``, ``department`` and ``manager`` (value, $ref). Groups have
``displayName`` and ``members`` (value, $ref). ``/Schemas`` publishes exactly
these, so a client (or scim2-tester) knows what round-trips.

Conversions: a person or group to its resource, and a resource back to the
plain data the provisioning service takes.
"""
from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from flask import url_for
from pydantic import Field
from scim2_models import (
    URN, AnyExtension, AuthenticationScheme, Bulk, CaseExact, ChangePassword, ComplexAttribute, Email, ETag, Extension,
    Filter, Meta, Patch, Reference, Required, Resource, ResourceType, ScimPolicy, ScimProvider, ServiceProviderConfig,
    Sort, Uniqueness,
)

from skills_app.models import Person
from skills_app.services import provisioning

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MAX_RESULTS = 500
DEFAULT_COUNT = 100


class Name(ComplexAttribute):
    formatted: str | None = None
    """The full name, for display."""

    family_name: str | None = None
    """The family name."""

    given_name: str | None = None
    """The given name."""


class UserEmail(ComplexAttribute):
    value: Annotated[str | None, Required.true] = None
    """The email address (the account's sign-in and contact address)."""

    type: Email.Type | None = None
    """work, home or other."""

    primary: bool | None = None
    """The account's address is the primary one."""


class Manager(ComplexAttribute):
    value: Annotated[str | None, CaseExact.true] = None
    """The id of the manager's User."""

    ref: Reference["User"] | None = Field(None, serialization_alias="$ref", validation_alias="$ref")  # type: ignore[name-defined]  # noqa: F821
    """The URI of the manager's User."""


class EnterpriseUser(Extension):
    __schema__ = URN(ENTERPRISE_SCHEMA)

    employee_number: str | None = None
    """The HR system's employee number (the people import's key)."""

    department: str | None = None
    """The org unit: a path such as Group/IT/Service Desk, or the name of a unit."""

    manager: Manager | None = None
    """The line manager."""


class User(Resource[AnyExtension]):
    """A person with an account."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The identity provider's unique name for the person (often the sign-in address)."""

    name: Name | None = None
    """The parts of the person's name."""

    display_name: Annotated[str | None, Required.true] = None
    """The person's name as shown here (made from name or userName when a request leaves it out)."""

    title: str | None = None
    """The job title."""

    active: Annotated[bool | None, Required.true] = None
    """False for a leaver: they cannot sign in and their sessions and tokens end (true when a request leaves it out)."""

    emails: Annotated[list[UserEmail] | None, Required.true] = None
    """The account's email address."""


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, CaseExact.true] = None
    """The id of a member User."""

    ref: Reference["User"] | None = Field(None, serialization_alias="$ref", validation_alias="$ref")  # type: ignore[name-defined]  # noqa: F821
    """The URI of the member User."""


class Group(Resource[Any]):
    """A job role or an org unit (SCIM_GROUPS), with the people in it."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true] = None
    """The job role's name, or the org unit's path."""

    members: list[GroupMember] | None = None
    """The people who hold the job role, or who are in the org unit."""


FullUser = User[EnterpriseUser]
USER_TYPE = ResourceType.from_resource(FullUser)
GROUP_TYPE = ResourceType.from_resource(Group)
PROVIDER = ScimProvider(models=[User, EnterpriseUser, Group], resource_types=[USER_TYPE, GROUP_TYPE])

# What the identity providers send that the RFCs do not: unknown attributes
# (Okta's password and locale, Entra's roles) are dropped, a remove carrying a
# value (Entra's members removal) selects what to remove, and a replace of
# emails[type eq "work"].value creates that email when it is missing.
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore, remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[AuthenticationScheme(
        type="oauthbearertoken", name="SCIM token",
        description="Authorization: Bearer <token>, a token made by an administrator (Sign-in page, or skills-app scim token).",
        primary=True)],
)


def schemas() -> list:
    return [User.to_schema(), Group.to_schema(), EnterpriseUser.to_schema()]


def location(kind: str, resource_id: str) -> str:
    return url_for("scim.get_user" if kind == "User" else "scim.get_group", resource_id=resource_id, _external=True)


def etag_of(resource: Resource) -> str:
    body = resource.model_dump(exclude={"meta"}, mode="json")
    return 'W/"' + hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:20] + '"'


def _utc(moment):
    """SQLite hands back naive datetimes (stored as UTC): SCIM's carry their zone."""
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _meta(resource: Resource, kind: str, created, modified) -> None:
    created, modified = _utc(created), _utc(modified)
    resource.meta = Meta(resource_type=kind, created=created, last_modified=modified,
                         location=location(kind, resource.id))
    resource.meta.version = etag_of(resource)


# -- a person as a User ---------------------------------------------------------------------

_UNSET = object()


def user_resource(person: Person, extra=_UNSET) -> FullUser:
    """The person as a User (``extra``: their ScimUser row, when already loaded)."""
    if extra is _UNSET:
        extra = provisioning.scim_user(person)
    unit = person.org_unit
    department = None
    if unit is not None:
        # The department as sent, while it still names the person's unit.
        sent = extra.department if extra is not None else None
        department = sent if sent and (sent == unit.name or sent.strip("/ ") == unit.path) else unit.path
    manager = Manager(value=str(person.manager_id), ref=location("User", str(person.manager_id))) if person.manager_id else None
    enterprise = None
    if person.employee_number or department or manager:
        enterprise = EnterpriseUser(employee_number=person.employee_number, department=department, manager=manager)
    name = None
    if extra is not None and (extra.formatted_name or extra.given_name or extra.family_name):
        name = Name(formatted=extra.formatted_name, family_name=extra.family_name, given_name=extra.given_name)
    user = FullUser(
        id=str(person.id),
        external_id=extra.external_id if extra is not None else None,
        user_name=extra.user_name if extra is not None else person.email,
        name=name,
        display_name=person.name,
        title=person.job_title,
        active=bool(person.active),
        emails=[UserEmail(value=person.email, type=extra.email_type if extra is not None else "work",
                          primary=extra.email_primary if extra is not None else True)],
    )
    if enterprise is not None:
        user[EnterpriseUser] = enterprise
    _meta(user, "User", person.created_at, person.updated_at)
    return user


def with_defaults(body: dict) -> dict:
    """A User document with the values this service assigns when a creation or
    replacement leaves them out (RFC 7644 §3.3): active true, and displayName
    from name.formatted, givenName and familyName, or userName."""
    keys = {key.lower(): key for key in body}
    if "active" not in keys:
        body["active"] = True
    if not body.get(keys.get("displayname", "displayName")):
        name = body.get(keys.get("name", "name")) or {}
        name = {k.lower(): v for k, v in name.items()} if isinstance(name, dict) else {}
        derived = name.get("formatted") or " ".join(str(p) for p in (name.get("givenname"), name.get("familyname")) if p)
        body[keys.get("displayname", "displayName")] = derived or body.get(keys.get("username", "userName"))
    return body


def user_fields(user: FullUser) -> provisioning.UserFields:
    """What a User says, as the provisioning service takes it."""
    emails = user.emails or []
    chosen = (next((e for e in emails if e.primary), None) or next((e for e in emails if str(e.type or "") == "work"), None)
              or (emails[0] if emails else None))
    enterprise = user[EnterpriseUser] if EnterpriseUser in type(user).get_extension_models().values() else None
    manager = enterprise.manager if enterprise is not None else None
    manager_id = None
    if manager is not None:
        manager_id = manager.value or (str(manager.ref).rstrip("/").rsplit("/", 1)[-1] if manager.ref else None)
    return provisioning.UserFields(
        user_name=user.user_name or "",
        email=chosen.value if chosen is not None else None,
        email_type=str(chosen.type) if chosen is not None and chosen.type else None,
        email_primary=chosen.primary if chosen is not None else None,
        name=user.display_name,
        given_name=user.name.given_name if user.name else None,
        family_name=user.name.family_name if user.name else None,
        formatted_name=user.name.formatted if user.name else None,
        title=user.title,
        active=user.active is not False,
        external_id=user.external_id,
        employee_number=enterprise.employee_number if enterprise is not None else None,
        department=enterprise.department if enterprise is not None else None,
        manager_id=manager_id,
    )


# -- a job role or org unit as a Group --------------------------------------------------------

def group_resource(target, *, with_members: bool = True) -> Group:
    members = None
    if with_members:
        members = [GroupMember(value=str(p.id), ref=location("User", str(p.id))) for p in provisioning.group_members(target)]
    group = Group(id=str(target.id), external_id=provisioning.group_external_id(target),
                  display_name=provisioning.group_name(target), members=members or None)
    created = getattr(target, "created_at", None)
    _meta(group, "Group", created, created)
    return group


def group_fields(group: Group, *, members: bool = True) -> provisioning.GroupFields:
    ids = None
    if members:
        ids = []
        for member in group.members or []:
            ref = member.value or (str(member.ref).rstrip("/").rsplit("/", 1)[-1] if member.ref else None)
            if ref:
                ids.append(ref)
    return provisioning.GroupFields(display_name=group.display_name or "", external_id=group.external_id, member_ids=ids)
