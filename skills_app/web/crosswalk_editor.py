"""Crosswalks in the browser (HR and admins): create one between two framework
versions, map its skills level by level, rename it, delete it. The routes join
the requirements blueprint, beside the crosswalk list (/crosswalks). The
checks are the file import's (services/crosswalks.py)."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.services import crosswalks
from skills_app.services import frameworks as framework_service
from skills_app.web.forms import PostedForm, handle, success
from skills_app.web.requirements import bp


def _framework_by_id(value) -> object:
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        return None
    return next((f for f in framework_service.list_all(current_user) if f.id == wanted), None)


def _create(form: PostedForm):
    source, target = _framework_by_id(form.get("from")), _framework_by_id(form.get("to"))
    return crosswalks.create(current_user, name=form.get("name", ""), description=form.get("description"),
                             source=source, target=target)


@bp.route("/crosswalks/new", methods=["GET", "POST"])
def crosswalk_new():
    policy.require(current_user, "manage_frameworks")
    form = PostedForm()
    return handle(form, lambda: _create(form),
                  page=lambda: render_template("requirements/crosswalk_new.html", frameworks=framework_service.list_all(current_user),
                                               errors=form.errors, form=request.form),
                  done=lambda crosswalk: success(f"Created the crosswalk {crosswalk.from_framework.label} → "
                                                 f"{crosswalk.to_framework.label}. Now map its skills.",
                                                 "requirements.crosswalk_edit", crosswalk_id=crosswalk.id))


def _edit(crosswalk, form: PostedForm) -> str:
    """One change the crosswalk's page asks for; what to tell."""
    action = form.get("action", "")
    if action == "info":
        crosswalks.update_info(current_user, crosswalk, name=form.get("name", ""), description=form.get("description"))
        return "Name and description saved."
    if action == "map":
        levels = {key.removeprefix("level-"): value for key, value in form.data.items() if key.startswith("level-")}
        n = crosswalks.set_skill_map(current_user, crosswalk, from_code=form.get("from", ""), to_code=form.get("to", ""), levels=levels)
        return f"{form.get('from')} → {form.get('to')} saved ({n} level mapping{'s' if n != 1 else ''})."
    if action == "remove":
        crosswalks.remove_skill_map(current_user, crosswalk, from_code=form.get("from", ""), to_code=form.get("to", ""))
        return f"{form.get('from')} → {form.get('to')} removed."
    raise InvalidInput("Choose what to do: the form did not say which change to make.")


def _edit_page(crosswalk_id: int, form: PostedForm):
    crosswalk = crosswalks.get(current_user, crosswalk_id)
    failed = {"action": form.get("action"), "from": form.get("from"), "to": form.get("to"),
              "new": form.get("new") == "1"} if form.is_submitted() else {}
    return render_template("requirements/crosswalk_edit.html", crosswalk=crosswalk, maps=crosswalks.skill_maps(crosswalk),
                           errors=form.errors, failed=failed, form=request.form)


@bp.route("/crosswalks/<int:crosswalk_id>/edit", methods=["GET", "POST"])
def crosswalk_edit(crosswalk_id: int):
    policy.require(current_user, "manage_frameworks")
    crosswalk = crosswalks.get(current_user, crosswalk_id)
    form = PostedForm()
    return handle(form, lambda: _edit(crosswalk, form), page=lambda: _edit_page(crosswalk_id, form),
                  done=lambda message: success(message, "requirements.crosswalk_edit", crosswalk_id=crosswalk_id))


@bp.post("/crosswalks/<int:crosswalk_id>/delete")
def crosswalk_delete(crosswalk_id: int):
    policy.require(current_user, "manage_frameworks")
    crosswalk = crosswalks.get(current_user, crosswalk_id)
    label = f"{crosswalk.from_framework.label} → {crosswalk.to_framework.label}"
    form = PostedForm()
    return handle(form, lambda: crosswalks.delete(current_user, crosswalk), page=lambda: _edit_page(crosswalk_id, form),
                  done=lambda _: success(f"Deleted the crosswalk {label}.", "requirements.crosswalk_list"))
