"""Explore roles: a person against any job role or service (their own, or a
report's for their line manager, or anyone's for HR), the job roles closest to
them, and for a job role the people closest to it (HR)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.models import JobRole, Service
from skills_app.services import accounts, plans, requirements, role_fit

bp = Blueprint("explore", __name__)

KINDS = {"role": "job_role", "service": "service"}


def _explore_page(person):
    page = role_fit.closest_roles(current_user, person, cursor=request.args.get("cursor"), limit=10)
    return render_template("explore/index.html", person=person, own=person.id == current_user.id, page=page,
                           roles=requirements.picks(current_user, JobRole), services=requirements.picks(current_user, Service),
                           reports=role_fit.visible_reports(current_user) if person.id == current_user.id else [])


def _compare_page(person, kind: str, owner_id: int):
    fit = role_fit.compare(current_user, person, kind, owner_id)
    own = person.id == current_user.id
    return render_template("explore/compare.html", fit=fit, person=person, own=own, kind=kind,
                           goals=plans.open_goals(current_user, person) if own else {})


def _picked():
    """The explore page's picker (a GET form): to the chosen job role or service."""
    target = request.args.get("target", "")
    kind, _, raw = target.partition(":")
    if kind in KINDS and raw.isdigit():
        return kind, int(raw)
    return None


@bp.get("/my/roles")
def mine():
    picked = _picked()
    if picked:
        return redirect(url_for(f"explore.my_{picked[0]}", **{f"{picked[0]}_id": picked[1]}))
    person = request.args.get("person_id", type=int)
    if person and person != current_user.id:
        return redirect(url_for("explore.person", person_id=person))
    return _explore_page(current_user)


@bp.get("/my/roles/<int:role_id>")
def my_role(role_id: int):
    return _compare_page(current_user, "job_role", role_id)


@bp.get("/my/services/<int:service_id>")
def my_service(service_id: int):
    return _compare_page(current_user, "service", service_id)


@bp.get("/people/<int:person_id>/roles")
def person(person_id: int):
    subject = accounts.get_person(current_user, person_id, "view_person_skills")
    picked = _picked()
    if picked:
        return redirect(url_for(f"explore.person_{picked[0]}", person_id=subject.id, **{f"{picked[0]}_id": picked[1]}))
    return _explore_page(subject)


@bp.get("/people/<int:person_id>/roles/<int:role_id>")
def person_role(person_id: int, role_id: int):
    return _compare_page(accounts.get_person(current_user, person_id, "view_person_skills"), "job_role", role_id)


@bp.get("/people/<int:person_id>/services/<int:service_id>")
def person_service(person_id: int, service_id: int):
    return _compare_page(accounts.get_person(current_user, person_id, "view_person_skills"), "service", service_id)


@bp.get("/requirements/roles/<int:role_id>/succession")
def succession(role_id: int):
    policy.require(current_user, "view_succession")
    role, candidates = role_fit.succession(current_user, role_id)
    return render_template("explore/succession.html", role=role, candidates=candidates,
                           labels=role_fit.READINESS_LABELS, limit=role_fit.SUCCESSION_LIMIT)
