"""Requirements: job roles (role profiles) and services, with required skill
levels; who holds and runs them; and the crosswalks between frameworks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from skills_app import policy
from skills_app.importers.native import dump_yaml
from skills_app.models import JobRole, Service
from skills_app.reports import export
from skills_app.services import accounts, crosswalks, frameworks, requirements
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.requirements import AssignmentForm, NamedForm, NewRoleForm, NewServiceForm, RequirementForm

bp = Blueprint("requirements", __name__)


@dataclass(frozen=True)
class Kind:
    """What differs between the pages of a job role and of a service."""

    model: type
    endpoint: str  # the owner's page; its URL names the owner's id as ``<id_arg>``
    id_arg: str
    remove_endpoint: str
    lacks: str  # the requirement form's field this kind does not have
    needs: Callable[[object, object, RequirementForm], str]  # what a saved requirement is told as


ROLE = Kind(JobRole, "requirements.role", "role_id", "requirements.remove_role_requirement", "headcount",
            lambda owner, skill, form: f"{owner.name} now needs {skill.code} at level {form.min_level.data}.")
SERVICE = Kind(Service, "requirements.service", "service_id", "requirements.remove_service_requirement", "essential",
               lambda owner, skill, form: f"{owner.name} now needs {form.headcount.data} at {skill.code} {form.min_level.data}.")


def _skill_choices():
    return [(str(s.id), f"{s.framework.code} {s.framework.version} · {s.code} {s.name} (levels {', '.join(map(str, s.defined_levels))})")
            for s in requirements.skill_choices()]


def _requirement_form(kind: Kind, **options) -> RequirementForm:
    form = RequirementForm(prefix="req", **options)
    del form[kind.lacks]
    form.skill.choices = _skill_choices()
    return form


def _index_page(new_role=None, new_service=None):
    roles = requirements.job_roles(current_user)
    services = requirements.services(current_user)
    role_counts, service_counts = requirements.headcounts()
    return render_template("requirements/index.html", roles=roles, services=services, role_counts=role_counts,
                           service_counts=service_counts, new_role=new_role or NewRoleForm(formdata=None),
                           new_service=new_service or NewServiceForm(formdata=None))


@bp.get("/requirements")
def index():
    return _index_page()


def _create(kind: Kind, form, **page):
    policy.require(current_user, "manage_requirements")
    return handle(form, lambda: requirements.save_owner(current_user, kind.model, None, name=form.name.data,
                                                        description=form.description.data),
                  page=lambda: _index_page(**page),
                  done=lambda owner: success(f"Added the {kind.model.LABEL} {owner.name}. Now add the skills it needs.",
                                             kind.endpoint, **{kind.id_arg: owner.id}))


@bp.post("/requirements/roles")
def create_role():
    form = NewRoleForm()
    return _create(ROLE, form, new_role=form)


@bp.post("/requirements/services")
def create_service():
    form = NewServiceForm()
    return _create(SERVICE, form, new_service=form)


def _details_form(kind: Kind, **options) -> NamedForm:
    form = NamedForm(prefix="details", **options)
    if kind is not ROLE:
        del form["responsibility_level"]
    return form


def _owner_page(kind: Kind, owner, details=None, add=None):
    return render_template("requirements/owner.html", kind=kind, owner=owner,
                           details=details or _details_form(kind, formdata=None, obj=owner),
                           add=add or _requirement_form(kind, formdata=None), confirm=ConfirmForm(formdata=None))


def _owner(kind: Kind, owner_id: int):
    """A job role's or a service's page: what it needs; HR changes its name and its requirements."""
    owner = requirements.get_owner(current_user, kind.model, owner_id)
    if request.method == "GET":
        return _owner_page(kind, owner)
    policy.require(current_user, "manage_requirements")
    here = {kind.id_arg: owner.id}
    details = _details_form(kind)
    if details.submit.data:
        extra = {"responsibility_level": details.responsibility_level.data} if "responsibility_level" in details else {}
        return handle(details, lambda: requirements.save_owner(current_user, kind.model, owner, name=details.name.data,
                                                              description=details.description.data, **extra),
                      page=lambda: _owner_page(kind, owner, details=details),
                      done=lambda _: success(f"Saved {owner.name}.", kind.endpoint, **here))
    add = _requirement_form(kind)

    def require():
        skill = frameworks.get_skill(current_user, int(add.skill.data))
        values = {"essential": add.essential.data == "1"} if "essential" in add else {"headcount": add.headcount.data}
        requirements.set_requirement(current_user, owner, skill, min_level=add.min_level.data, **values)
        return skill

    return handle(add, require, page=lambda: _owner_page(kind, owner, add=add),
                  done=lambda skill: success(kind.needs(owner, skill, add), kind.endpoint, **here))


def _remove(kind: Kind, owner_id: int, requirement_id: int):
    owner = requirements.get_owner(current_user, kind.model, owner_id)
    return handle(ConfirmForm(), lambda: requirements.remove_requirement(current_user, owner, requirement_id),
                  page=lambda: _owner_page(kind, owner),
                  done=lambda _: success("Requirement removed.", kind.endpoint, **{kind.id_arg: owner.id}))


@bp.route("/requirements/roles/<int:role_id>", methods=["GET", "POST"])
def role(role_id: int):
    return _owner(ROLE, role_id)


@bp.post("/requirements/roles/<int:role_id>/requirements/<int:requirement_id>/delete")
def remove_role_requirement(role_id: int, requirement_id: int):
    return _remove(ROLE, role_id, requirement_id)


@bp.route("/requirements/services/<int:service_id>", methods=["GET", "POST"])
def service(service_id: int):
    return _owner(SERVICE, service_id)


@bp.post("/requirements/services/<int:service_id>/requirements/<int:requirement_id>/delete")
def remove_service_requirement(service_id: int, requirement_id: int):
    return _remove(SERVICE, service_id, requirement_id)


@bp.route("/people/<int:person_id>/assignments", methods=["GET", "POST"])
def assignments(person_id: int):
    policy.require(current_user, "manage_requirements")
    person = accounts.get_person(current_user, person_id)
    roles, services = requirements.job_roles(current_user), requirements.services(current_user)
    form = AssignmentForm()
    form.job_roles.choices = [(str(r.id), r.name) for r in roles]
    form.services.choices = [(str(s.id), s.name) for s in services]
    if request.method == "GET":
        form.job_roles.data = [str(r.id) for r in person.job_roles]
        form.services.data = [str(s.id) for s in person.services]
    return handle(form, lambda: requirements.assign(current_user, person,
                                                    job_roles=[r for r in roles if str(r.id) in (form.job_roles.data or [])],
                                                    services=[s for s in services if str(s.id) in (form.services.data or [])]),
                  page=lambda: render_template("requirements/assignments.html", person=person, form=form),
                  done=lambda _: success(f"Saved {person.name}'s job roles and services.", "people.show", person_id=person.id))


@bp.get("/crosswalks")
def crosswalk_list():
    return render_template("requirements/crosswalks.html", crosswalks=crosswalks.list_all(current_user))


@bp.get("/crosswalks/<int:crosswalk_id>/export")
def crosswalk_export(crosswalk_id: int):
    crosswalk = crosswalks.get(current_user, crosswalk_id)
    name = f"crosswalk-{crosswalk.from_framework.code}-{crosswalk.to_framework.code}.yaml".lower()
    return Response(dump_yaml(crosswalks.export(crosswalk)), mimetype="application/yaml",
                    headers={"Content-Disposition": export.disposition(name)})
