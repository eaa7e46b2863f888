"""Requirements: job roles (role profiles) and services, with required skill
levels; who holds and runs them; and the crosswalks between frameworks."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from skills_app import policy
from skills_app.services import accounts, crosswalks, frameworks, requirements
from skills_app.web.forms import ConfirmForm, handle, success
from skills_app.web.forms.requirements import NamedForm, NewRoleForm, NewServiceForm, RoleRequirementForm, ServiceRequirementForm, AssignmentForm

bp = Blueprint("requirements", __name__)


def _skill_choices():
    return [(str(s.id), f"{s.framework.code} {s.framework.version} · {s.code} {s.name} (levels {', '.join(map(str, s.defined_levels))})")
            for s in requirements.skill_choices()]


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


@bp.post("/requirements/roles")
def create_role():
    policy.require(current_user, "manage_requirements")
    form = NewRoleForm()
    return handle(form, lambda: requirements.save_job_role(current_user, None, name=form.name.data, description=form.description.data),
                  page=lambda: _index_page(new_role=form),
                  done=lambda role: success(f"Added the job role {role.name}. Now add the skills it needs.",
                                            "requirements.role", role_id=role.id))


@bp.post("/requirements/services")
def create_service():
    policy.require(current_user, "manage_requirements")
    form = NewServiceForm()
    return handle(form, lambda: requirements.save_service(current_user, None, name=form.name.data, description=form.description.data),
                  page=lambda: _index_page(new_service=form),
                  done=lambda service: success(f"Added the service {service.name}. Now add the skills it needs.",
                                               "requirements.service", service_id=service.id))


def _role_page(role, details=None, add=None):
    add = add or RoleRequirementForm(formdata=None, prefix="req")
    add.skill.choices = _skill_choices()
    return render_template("requirements/role.html", role=role, details=details or NamedForm(formdata=None, obj=role, prefix="details"),
                           add=add, confirm=ConfirmForm(formdata=None))


@bp.route("/requirements/roles/<int:role_id>", methods=["GET", "POST"])
def role(role_id: int):
    role = requirements.get_job_role(current_user, role_id)
    if request.method == "GET":
        return _role_page(role)
    policy.require(current_user, "manage_requirements")
    details = NamedForm(prefix="details")
    if details.submit.data:
        return handle(details, lambda: requirements.save_job_role(current_user, role, name=details.name.data,
                                                                 description=details.description.data),
                      page=lambda: _role_page(role, details=details),
                      done=lambda _: success(f"Saved {role.name}.", "requirements.role", role_id=role.id))
    add = RoleRequirementForm(prefix="req")
    add.skill.choices = _skill_choices()

    def require():
        skill = frameworks.get_skill(current_user, int(add.skill.data))
        requirements.set_role_requirement(current_user, role, skill, min_level=add.min_level.data, essential=add.essential.data == "1")
        return skill

    return handle(add, require, page=lambda: _role_page(role, add=add),
                  done=lambda skill: success(f"{role.name} now needs {skill.code} at level {add.min_level.data}.",
                                             "requirements.role", role_id=role.id))


@bp.post("/requirements/roles/<int:role_id>/requirements/<int:requirement_id>/delete")
def remove_role_requirement(role_id: int, requirement_id: int):
    role = requirements.get_job_role(current_user, role_id)
    return handle(ConfirmForm(), lambda: requirements.remove_role_requirement(current_user, role, requirement_id),
                  page=lambda: _role_page(role),
                  done=lambda _: success("Requirement removed.", "requirements.role", role_id=role.id))


def _service_page(service, details=None, add=None):
    add = add or ServiceRequirementForm(formdata=None, prefix="req")
    add.skill.choices = _skill_choices()
    return render_template("requirements/service.html", service=service,
                           details=details or NamedForm(formdata=None, obj=service, prefix="details"), add=add,
                           confirm=ConfirmForm(formdata=None))


@bp.route("/requirements/services/<int:service_id>", methods=["GET", "POST"])
def service(service_id: int):
    service = requirements.get_service(current_user, service_id)
    if request.method == "GET":
        return _service_page(service)
    policy.require(current_user, "manage_requirements")
    details = NamedForm(prefix="details")
    if details.submit.data:
        return handle(details, lambda: requirements.save_service(current_user, service, name=details.name.data,
                                                                description=details.description.data),
                      page=lambda: _service_page(service, details=details),
                      done=lambda _: success(f"Saved {service.name}.", "requirements.service", service_id=service.id))
    add = ServiceRequirementForm(prefix="req")
    add.skill.choices = _skill_choices()

    def require():
        skill = frameworks.get_skill(current_user, int(add.skill.data))
        requirements.set_service_requirement(current_user, service, skill, min_level=add.min_level.data, headcount=add.headcount.data)
        return skill

    return handle(add, require, page=lambda: _service_page(service, add=add),
                  done=lambda skill: success(f"{service.name} now needs {add.headcount.data} at {skill.code} {add.min_level.data}.",
                                             "requirements.service", service_id=service.id))


@bp.post("/requirements/services/<int:service_id>/requirements/<int:requirement_id>/delete")
def remove_service_requirement(service_id: int, requirement_id: int):
    service = requirements.get_service(current_user, service_id)
    return handle(ConfirmForm(), lambda: requirements.remove_service_requirement(current_user, service, requirement_id),
                  page=lambda: _service_page(service),
                  done=lambda _: success("Requirement removed.", "requirements.service", service_id=service.id))


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
    from flask import Response

    from skills_app.importers.native import dump_yaml

    crosswalk = crosswalks.get(current_user, crosswalk_id)
    name = f"crosswalk-{crosswalk.from_framework.code}-{crosswalk.to_framework.code}.yaml".lower()
    return Response(dump_yaml(crosswalks.export(crosswalk)), mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
