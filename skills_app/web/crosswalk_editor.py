"""Crosswalks in the browser (HR and admins): create one between two framework
versions, map its skills level by level, rename it, delete it. The routes join
the requirements blueprint, beside the crosswalk list (/crosswalks). The
checks are the file import's (services/crosswalks.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import FORM_ERRORS, DomainError, InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.services import crosswalks
from skills_app.services import frameworks as framework_service
from skills_app.web.requirements import bp


def _fields(exc: DomainError) -> dict[str, str]:
    return dict((exc.details or {}).get("fields") or {})


def _framework_by_id(value) -> object:
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        return None
    return next((f for f in framework_service.list_all(current_user) if f.id == wanted), None)


@bp.route("/crosswalks/new", methods=["GET", "POST"])
def crosswalk_new():
    policy.require(current_user, "manage_frameworks")
    frameworks = framework_service.list_all(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        source, target = _framework_by_id(form.get("from")), _framework_by_id(form.get("to"))
        try:
            if source is None or target is None:
                errors = {k: "choose a framework version" for k, f in (("from", source), ("to", target)) if f is None}
                raise InvalidInput("choose the two framework versions", details={"fields": errors})
            crosswalk = crosswalks.create(current_user, name=form.get("name", ""), description=form.get("description"),
                                          source=source, target=target)
            db.session.commit()
            flash(f"Created the crosswalk {crosswalk.from_framework.label} → {crosswalk.to_framework.label}. Now map its skills.", "success")
            return redirect(url_for("requirements.crosswalk_edit", crosswalk_id=crosswalk.id))
        except FORM_ERRORS as exc:
            db.session.rollback()
            errors = _fields(exc) or {"form": exc.message}
    return render_template("requirements/crosswalk_new.html", frameworks=frameworks, errors=errors, form=request.form), (400 if errors else 200)


@bp.route("/crosswalks/<int:crosswalk_id>/edit", methods=["GET", "POST"])
def crosswalk_edit(crosswalk_id: int):
    policy.require(current_user, "manage_frameworks")
    crosswalk = crosswalks.get(current_user, crosswalk_id)
    errors, failed, status = {}, {}, 200
    if request.method == "POST":
        form = request.form
        action = form.get("action", "")
        try:
            if action == "info":
                crosswalks.update_info(current_user, crosswalk, name=form.get("name", ""), description=form.get("description"))
                message = "Name and description saved."
            elif action == "map":
                levels = {key.removeprefix("level-"): value for key, value in form.items() if key.startswith("level-")}
                n = crosswalks.set_skill_map(current_user, crosswalk, from_code=form.get("from", ""), to_code=form.get("to", ""), levels=levels)
                message = f"{form.get('from')} → {form.get('to')} saved ({n} level mapping{'s' if n != 1 else ''})."
            elif action == "remove":
                crosswalks.remove_skill_map(current_user, crosswalk, from_code=form.get("from", ""), to_code=form.get("to", ""))
                message = f"{form.get('from')} → {form.get('to')} removed."
            else:
                raise InvalidInput("Choose what to do: the form did not say which change to make.")
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("requirements.crosswalk_edit", crosswalk_id=crosswalk.id))
        except (NotFound, *FORM_ERRORS) as exc:
            db.session.rollback()
            crosswalk = crosswalks.get(current_user, crosswalk_id)
            errors = _fields(exc) or {"form": exc.message}
            failed = {"action": action, "from": form.get("from"), "to": form.get("to"), "new": form.get("new") == "1"}
            status = 404 if isinstance(exc, NotFound) else 400 if exc.status == 422 else exc.status
    return render_template("requirements/crosswalk_edit.html", crosswalk=crosswalk, maps=crosswalks.skill_maps(crosswalk),
                           errors=errors, failed=failed, form=request.form), status


@bp.post("/crosswalks/<int:crosswalk_id>/delete")
def crosswalk_delete(crosswalk_id: int):
    policy.require(current_user, "manage_frameworks")
    crosswalk = crosswalks.get(current_user, crosswalk_id)
    label = f"{crosswalk.from_framework.label} → {crosswalk.to_framework.label}"
    crosswalks.delete(current_user, crosswalk)
    db.session.commit()
    flash(f"Deleted the crosswalk {label}.", "success")
    return redirect(url_for("requirements.crosswalk_list"))
