"""Accounts: sign-in, passwords, roles, activation, and a person's details."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash, generate_password_hash

from skills_app import clock, identity_provider, policy, throttle
from skills_app.errors import Conflict, InvalidInput, NotFound, NotSignedIn, SignInTurnedOff, TooManyAttempts
from skills_app.extensions import db
from skills_app.models import ROLES, OrgUnit, Person, PersonRole
from skills_app.services import audit, settings, sign_in_sessions

MIN_PASSWORD = 10
_DUMMY_HASH: dict[str, str] = {}


def _method() -> str:
    return current_app.config.get("PASSWORD_METHOD", "scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput.on("password", f"A password needs at least {MIN_PASSWORD} characters.")
    if len(password) > 1024:
        raise InvalidInput.on("password", "That password is too long.")


EMAIL = re.compile(r"^[^@\s\"(),:;<>\[\\\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def is_email(email: str) -> bool:
    """An address's shape: local@domain.tld. Internal domains (corp.local) are
    fine: an HR system's addresses need not be deliverable from the internet."""
    return len(email) <= 320 and bool(EMAIL.match(email))


def by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == normalise_email(email)))


def find_person(text: str) -> Person | None:
    """The person with this email address or employee number, else None."""
    text = (text or "").strip()
    if "@" in text:
        return by_email(text)
    return db.session.scalar(select(Person).where(Person.employee_number == text)) if text else None


def authenticate(email: str, password: str) -> Person | None:
    """The active person with this email and password, else None.

    An unknown email costs the same hash check as a wrong password, so the
    answer and its timing do not tell whether an account exists.
    """
    person = by_email(email)
    if person is None or not person.password_hash:
        method = _method()
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("not a real password", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return None
    if not check_password_hash(person.password_hash, password):
        return None
    return person if person.active else None


def record_sign_in(person: Person, method: str = "password") -> None:
    """Audit a sign-in with its method: ``password`` or ``oidc`` (the identity provider)."""
    audit.record(person, "account.signed_in", person, summary=f"{person.email} signed in ({method})", data={"method": method})


def sign_in(email: str, password: str, address: str | None) -> Person:
    """The person signing in with this email and password from ``address``,
    their sign-in recorded. Failures slow the guesses of the address that makes
    them, against that account and overall (throttle.py); the account's owner
    elsewhere is not slowed."""
    if not settings.password_sign_in():
        raise SignInTurnedOff(f"Password sign-in is turned off here: sign in with {identity_provider.provider_name()}.")
    wait = throttle.sign_in_wait(email, address)
    if wait:
        raise TooManyAttempts(throttle.wait_message(wait, "Too many failed sign-ins from here."))
    person = authenticate(email, password)
    if person is None:
        throttle.sign_in_failed(email, address)
        raise NotSignedIn("That email and password do not match an active account.")
    throttle.sign_in_succeeded(email, address)
    record_sign_in(person)
    return person


def change_own_password(actor: Person, current: str, new: str, *, keep_session: str | None = None) -> None:
    """Change one's password; every other sign-in session ends (``keep_session``: this one's key)."""
    policy.require(actor, "change_own_password")
    if not actor.password_hash or not check_password_hash(actor.password_hash, current):
        raise InvalidInput.on("current", "The current password is not right.")
    check_password_rules(new)
    actor.password_hash = hash_password(new)
    actor.session_version += 1
    sign_in_sessions.end_all(actor, "password_changed", keep=keep_session)
    audit.record(actor, "account.password_changed", actor, summary=f"{actor.email} changed their password")
    db.session.flush()


def reset_password(actor, person: Person, new: str) -> None:
    policy.require(actor, "edit_account", person)
    check_password_rules(new)
    person.password_hash = hash_password(new)
    person.session_version += 1
    sign_in_sessions.end_all(person, "password_reset")
    audit.record(actor, "account.password_reset", person, summary=f"password of {person.email} reset")
    db.session.flush()


def _check_roles(roles) -> list[str]:
    roles = sorted({r.strip().lower() for r in roles if r and r.strip()})
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InvalidInput.on("roles", f"unknown role {unknown[0]!r}; the roles are {', '.join(ROLES)}")
    return roles


def create_person(
    actor,
    *,
    email: str,
    name: str,
    roles=("employee",),
    password: str | None = None,
    manager: Person | None = None,
    org_unit: OrgUnit | None = None,
    job_title: str | None = None,
    employee_number: str | None = None,
) -> Person:
    policy.require(actor, "manage_accounts")
    email = normalise_email(email)
    if not is_email(email):
        raise InvalidInput.on("email", "Enter an email address such as name@example.org.", f"{email!r} is not an email address")
    if not (name or "").strip():
        raise InvalidInput.on("name", "a name is needed")
    if by_email(email) is not None:
        raise Conflict.on("email", f"there is already an account for {email}")
    if employee_number and db.session.scalar(select(Person).where(Person.employee_number == employee_number)):
        raise Conflict.on("employee_number", f"employee number {employee_number} is already someone else's")
    person = Person(email=email, name=name.strip(), job_title=job_title, employee_number=employee_number or None,
                    manager=manager, org_unit=org_unit, active=True, session_version=1)
    person.set_roles(_check_roles(roles) or ["employee"])
    if password is not None:
        check_password_rules(password)
        person.password_hash = hash_password(password)
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "person.created", person, summary=f"account created for {email}", data={"roles": sorted(person.roles)})
    return person


def update_person(actor, person: Person, *, roles, **details) -> None:
    """A person's details (see update_details) and application roles, as the account page saves them."""
    update_details(actor, person, **details)
    set_roles(actor, person, roles)


def set_roles(actor, person: Person, roles) -> None:
    policy.require(actor, "edit_account", person)
    roles = _check_roles(roles)
    if not roles:
        raise InvalidInput.on("roles", "a person needs at least one role (employee)")
    if "admin" not in roles and "admin" in person.roles and _active_admins_besides(person) == 0:
        raise InvalidInput.on("roles", "this is the last active administrator; make someone else an administrator first")
    before = sorted(person.roles)
    person.set_roles(roles)
    db.session.flush()
    if before != roles:
        audit.record(actor, "person.roles_changed", person, summary=f"roles of {person.email}: {', '.join(before)} → {', '.join(roles)}", data={"from": before, "to": roles})


def _active_admins_besides(person: Person) -> int:
    stmt = (
        select(func.count()).select_from(Person).join(PersonRole)
        .where(PersonRole.role == "admin", Person.active.is_(True), Person.id != person.id)
    )
    return db.session.scalar(stmt) or 0


def set_active(actor, person: Person, active: bool) -> None:
    policy.require(actor, "edit_account", person)
    if person.active == active:
        return
    if not active and "admin" in person.roles and _active_admins_besides(person) == 0:
        raise InvalidInput("this is the last active administrator; make someone else an administrator first")
    if not active and isinstance(actor, Person) and actor.id == person.id:
        raise InvalidInput("you cannot deactivate your own account")
    person.active = active
    # Every session and token of a deactivated person stops working at once.
    person.session_version += 1
    if not active:
        sign_in_sessions.end_all(person, "deactivated")
    db.session.flush()
    action = "person.activated" if active else "person.deactivated"
    audit.record(actor, action, person, summary=f"{person.email} {'re-activated' if active else 'deactivated'}")


def would_cycle(person: Person, manager: Person | None) -> bool:
    current, steps = manager, 0
    while current is not None and steps < policy.MAX_MANAGER_DEPTH + 1:
        if current.id == person.id:
            return True
        current, steps = current.manager, steps + 1
    return False


def update_details(actor, person: Person, *, name: str, email: str, job_title: str | None,
                   employee_number: str | None, manager: Person | None, org_unit: OrgUnit | None) -> None:
    policy.require(actor, "edit_account", person)
    email = normalise_email(email)
    if not is_email(email):
        raise InvalidInput.on("email", "Enter an email address such as name@example.org.", f"{email!r} is not an email address")
    other = by_email(email)
    if other is not None and other.id != person.id:
        raise Conflict.on("email", f"{email} is already someone else's account.")
    if employee_number:
        holder = db.session.scalar(select(Person).where(Person.employee_number == employee_number))
        if holder is not None and holder.id != person.id:
            raise Conflict.on("employee_number", f"employee number {employee_number} is already someone else's")
    if manager is not None and would_cycle(person, manager):
        raise InvalidInput.on("manager", f"{manager.name} cannot be {person.name}'s manager: that would make a loop of managers")
    changes = {}
    for field, value in (("name", name.strip()), ("email", email), ("job_title", job_title or None),
                         ("employee_number", employee_number or None)):
        if getattr(person, field) != value:
            changes[field] = [getattr(person, field), value]
            setattr(person, field, value)
    if person.manager_id != (manager.id if manager else None):
        changes["manager"] = [person.manager.email if person.manager else None, manager.email if manager else None]
        person.manager = manager
    if person.org_unit_id != (org_unit.id if org_unit else None):
        changes["org_unit"] = [person.org_unit.path if person.org_unit else None, org_unit.path if org_unit else None]
        person.org_unit = org_unit
    db.session.flush()
    if changes:
        audit.record(actor, "person.updated", person, summary=f"details of {person.email} changed: {', '.join(changes)}", data=changes)


def active_people() -> list[Person]:
    return list(db.session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.name, Person.id)))


MANAGER_CHOICES = 300  # active people a line-manager select lists, at most
MANAGER_SUGGESTIONS = 300  # line managers suggested for a typed one, at most


@dataclass(frozen=True, slots=True)
class PersonOption:
    """What a choice of a person shows: no ORM object (nor its roles) per person."""
    id: int
    name: str
    email: str


def manager_picker(limit: int | None = None) -> dict:
    """What the account form offers for a line manager: every active person
    (``all``) while there are at most ``limit`` (MANAGER_CHOICES); in a large
    organisation none but the first active line managers by name, as suggestions
    for a typed email address or employee number (read back by
    :func:`manager_by_reference`): a select of 100,000 people took the account
    pages 7 s and 7.5 MB. Two statements either way."""
    limit = MANAGER_CHOICES if limit is None else limit
    total = db.session.scalar(select(func.count()).select_from(Person).where(Person.active.is_(True))) or 0
    stmt = select(Person.id, Person.name, Person.email).where(Person.active.is_(True)).order_by(Person.name, Person.id)
    if total <= limit:
        return {"all": True, "people": [PersonOption(*row) for row in db.session.execute(stmt)], "total": total}
    report = aliased(Person)
    stmt = stmt.where(exists(select(report.id).where(report.manager_id == Person.id))).limit(MANAGER_SUGGESTIONS)
    return {"all": False, "people": [PersonOption(*row) for row in db.session.execute(stmt)], "total": total}


def manager_by_reference(actor, text: str | None) -> Person | None:
    """The active person with this email address or employee number (as typed for
    a line manager), else None when nothing is typed; InvalidInput on the field
    ``manager`` when no active person has it."""
    text = (text or "").strip()
    if not text:
        return None
    person = find_person(text)
    if person is None or not person.active:
        raise InvalidInput.on("manager", f"No active person has the email address or employee number {text}.")
    policy.require(actor, "view_person", person)
    return person


def set_missing_passwords(password: str) -> int:
    """Give every active person without a password this one (the demo's
    sign-ins); how many got it. Not audited: nobody's password changes.

    The password is hashed once and the hash shared: they share the password
    anyway (the README gives it), and a hash costs a quarter of a second by
    design, which forty people would add to every ``make run``."""
    people = [p for p in active_people() if not p.password_hash]
    hashed = hash_password(password) if people else None
    for person in people:
        person.password_hash = hashed
    db.session.flush()
    return len(people)


def get_person(actor, person_id: int, permission: str = "view_person") -> Person:
    person = db.session.get(Person, person_id)
    if person is None:
        # The same answer as policy.require gives for a person the actor may
        # not see, so that the answer does not tell whether the person exists.
        raise NotFound("not found")
    policy.require(actor, permission, person)
    return person


def now() -> datetime:
    return clock.now()
