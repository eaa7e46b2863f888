"""Sign-in through the identity provider: whose account a verified ID token is.

A person is found by the provider's ``(issuer, sub)`` once linked. The first
time, they are found by email, when the provider vouches for it
(``email_verified``, or ``OIDC_TRUST_EMAIL`` for providers that never send
it, such as Microsoft Entra ID), and the account is linked. Someone the
application does not know is refused, unless ``OIDC_CREATE_USERS`` is on.
A deactivated account is refused whichever way it is found.

``OIDC_ROLE_MAP`` (``hr=Skills-HR;admin=Skills-Admins``) makes the provider
the source of the application roles it names: at every sign-in each mapped role
is granted to members of its groups and taken from everyone else; roles the
map does not name are left as they are. Every link, creation, role change and
sign-in is audited; the changes are made by a provisioning actor named after
the provider.
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from skills_app import identity_provider
from skills_app.errors import DomainError, InvalidInput, NotAllowed
from skills_app.extensions import db
from skills_app.models import ROLES, ExternalIdentity, Person
from skills_app.models.framework import utcnow
from skills_app.policy import ProvisioningActor
from skills_app.services import accounts, audit

log = logging.getLogger(__name__)


class SignInRefused(NotAllowed):
    """The provider vouched for someone this application will not sign in."""

    code = "sign_in_refused"


def parse_role_map(text: str) -> dict[str, frozenset[str]]:
    """``hr=Skills-HR;admin=Skills-Admins,IT-Admins`` → {role: {groups}}."""
    mapping: dict[str, frozenset[str]] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        role, sep, groups = part.partition("=")
        role = role.strip().lower()
        names = frozenset(g.strip() for g in groups.split(",") if g.strip())
        if not sep or not names:
            raise ValueError(f"OIDC_ROLE_MAP: {part.strip()!r} is not role=Group (e.g. hr=Skills-HR;admin=Skills-Admins)")
        if role not in ROLES:
            raise ValueError(f"OIDC_ROLE_MAP: unknown role {role!r}; the roles are {', '.join(ROLES)}")
        if role in mapping:
            raise ValueError(f"OIDC_ROLE_MAP: the role {role} is given twice")
        mapping[role] = names
    return mapping


def _actor() -> ProvisioningActor:
    return ProvisioningActor(f"sign-in through {identity_provider.provider_name()} ({current_app.config['OIDC_ISSUER']})")


def _link(actor, person: Person, claims) -> ExternalIdentity:
    other = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.person_id == person.id,
                                                             ExternalIdentity.issuer == claims.issuer))
    if other is not None:
        raise SignInRefused(f"The account for {person.email} is already linked to another account at the identity provider. "
                            "Ask an administrator to check it.")
    identity = ExternalIdentity(person=person, issuer=claims.issuer, subject=claims.subject)
    db.session.add(identity)
    db.session.flush()
    audit.record(actor, "account.identity_linked", person, summary=f"{person.email} linked to the identity provider's account {claims.subject}",
                 data={"issuer": claims.issuer, "subject": claims.subject})
    return identity


def _apply_role_map(actor, person: Person, groups: tuple[str, ...]) -> None:
    mapping = parse_role_map(current_app.config.get("OIDC_ROLE_MAP") or "")
    if not mapping:
        return
    member_of = set(groups)
    roles = set(person.roles)
    for role, names in mapping.items():
        if names & member_of:
            roles.add(role)
        else:
            roles.discard(role)
    roles.add("employee")
    if roles == person.roles:
        return
    try:
        accounts.set_roles(actor, person, sorted(roles))
    except InvalidInput as exc:
        # The last active administrator keeps the role; they can still sign in.
        log.warning("roles of %s not changed at sign-in: %s", person.email, exc.message)


def sign_in(claims) -> Person:
    """The active person the verified claims belong to, linked and with their
    mapped roles; raises :class:`SignInRefused` with the reason otherwise."""
    actor = _actor()
    config = current_app.config
    identity = db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.issuer == claims.issuer,
                                                                ExternalIdentity.subject == claims.subject))
    email = accounts.normalise_email(claims.email or "")
    email_trusted = bool(email) and (claims.email_verified or config.get("OIDC_TRUST_EMAIL"))
    if identity is not None:
        person = identity.person
    else:
        person = accounts.by_email(email) if email else None
        if person is not None and not email_trusted:
            raise SignInRefused(f"The identity provider has not verified the email address {email}, so it cannot be matched "
                                "to an account here. Ask an administrator.")
        if person is None:
            if not config.get("OIDC_CREATE_USERS"):
                raise SignInRefused("There is no account here for you yet"
                                    f"{f' ({email})' if email else ''}. Ask HR or an administrator to add you; "
                                    "you can then sign in through the identity provider.")
            if not email_trusted:
                raise SignInRefused("The identity provider did not give a verified email address, which a new account needs.")
            try:
                person = accounts.create_person(actor, email=email, name=claims.name or email.split("@")[0], roles=["employee"])
            except DomainError as exc:
                raise SignInRefused(f"An account could not be created for you: {exc.message}") from None
        identity = _link(actor, person, claims)
    if not person.active:
        raise SignInRefused(f"The account for {person.email} is deactivated. Ask HR or an administrator if this is a mistake.")
    _apply_role_map(actor, person, claims.groups)
    identity.last_sign_in_at = utcnow()
    accounts.record_sign_in(person, method="oidc")
    db.session.flush()
    return person
