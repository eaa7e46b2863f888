"""Framework versions in the browser: the editor (HR and admins), the diff
between two versions, and the migration of validated levels.

The routes join the frameworks blueprint (``frameworks.edit`` …), so they sit
under /frameworks and share its sign-in check. Every page works without
JavaScript: each form posts an ``action`` and the page is rendered again with
the problem beside its field (400), or the change is saved and the browser
sent back to the place it was made.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import FORM_ERRORS, DomainError, InvalidInput
from skills_app.extensions import db
from skills_app.services import framework_editor as editor
from skills_app.services import frameworks as service
from skills_app.services import framework_diff, level_migration
from skills_app.web.frameworks import bp


def _fields(exc: DomainError) -> dict[str, str]:
    return dict((exc.details or {}).get("fields") or {})


def _framework(code: str):
    return service.get(current_user, code, request.values.get("version") or None)


def _versions(framework):
    return [f for f in service.list_all(current_user) if f.code.upper() == framework.code.upper()]


def _back(framework, endpoint: str = "frameworks.edit", anchor: str | None = None, **values):
    return redirect(url_for(endpoint, code=framework.code, version=framework.version, _anchor=anchor, **values))


# -- a new framework, a new version --------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    policy.require(current_user, "manage_frameworks")
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            framework = editor.create(current_user, code=form.get("code", ""), name=form.get("name", ""),
                                      version=form.get("version", ""), publisher=form.get("publisher"),
                                      description=form.get("description"),
                                      level_names=(form.get("levels") or "").splitlines())
            db.session.commit()
            flash(f"Drafted {framework.label}. Add its skills, then publish it.", "success")
            return _back(framework)
        except FORM_ERRORS as exc:
            db.session.rollback()
            errors = _fields(exc) or {"form": exc.message}
    return render_template("frameworks/new.html", errors=errors, form=request.form), (400 if errors else 200)


@bp.post("/<code>/new-version")
def new_version(code: str):
    source = _framework(code)
    policy.require(current_user, "manage_frameworks")
    try:
        copy = editor.new_version(current_user, source, request.form.get("new_version", ""))
        db.session.commit()
        flash(f"Drafted {copy.label} as a copy of {source.label}. Change it here, then publish it.", "success")
        return _back(copy)
    except FORM_ERRORS as exc:
        db.session.rollback()
        flash(f"{source.label} was not copied: {exc.message}", "error")
        return _back(source, "frameworks.show", anchor="versions")


# -- the editor ----------------------------------------------------------------------

def _edit_page(framework, errors=None, failed=None, status=200):
    found = editor.problems(framework)
    return render_template(
        "frameworks/edit.html", framework=framework, versions=_versions(framework), problems=found,
        skill_problems={p.skill_code for p in found if p.skill_code}, errors=errors or {}, failed=failed or {},
        form=request.form,
    ), status


@bp.route("/<code>/edit", methods=["GET", "POST"])
def edit(code: str):
    framework = _framework(code)
    policy.require(current_user, "manage_frameworks")
    if request.method == "GET":
        return _edit_page(framework)
    form = request.form
    action = form.get("action", "")
    try:
        if action == "info":
            editor.update_info(current_user, framework, name=form.get("name", ""), version=form.get("version", ""),
                               publisher=form.get("publisher"), description=form.get("description"))
            message, anchor = "Details saved.", "info"
        elif action == "save_level":
            editor.save_level(current_user, framework, number=form.get("number"), name=form.get("name", ""),
                              description=form.get("description"))
            message, anchor = f"Level {form.get('number')} saved.", f"level-{form.get('number')}"
        elif action == "add_level":
            level = editor.save_level(current_user, framework, number=form.get("number"), name=form.get("name", ""),
                                      description=form.get("description"), new=True)
            message, anchor = f"Level {level.number} added.", f"level-{level.number}"
        elif action == "remove_level":
            touched = editor.remove_level(current_user, framework, form.get("number"))
            message, anchor = f"Level {form.get('number')} removed" + (f", with {touched} skill entries at it." if touched else "."), "levels"
        elif action == "add_skill":
            skill = editor.add_skill(current_user, framework, code=form.get("code", ""), name=form.get("name", ""))
            db.session.commit()
            flash(f"Added {skill.code}. Now describe it and its levels.", "success")
            return redirect(url_for("frameworks.edit_skill", code=framework.code, skill_code=skill.code, version=framework.version))
        elif action in ("skill_up", "skill_down"):
            skill = editor.get_skill(framework, form.get("skill", ""))
            editor.move_skill(current_user, skill, action.removeprefix("skill_"))
            message, anchor = f"{skill.code} moved {action.removeprefix('skill_')}.", f"skill-{skill.code}"
        elif action == "remove_skill":
            skill = editor.get_skill(framework, form.get("skill", ""))
            editor.remove_skill(current_user, skill)
            message, anchor = f"{skill.code} removed.", "skills"
        elif action == "publish":
            editor.publish(current_user, framework)
            message, anchor = f"{framework.label} is published: people can assess themselves against it, and it can no longer be changed.", None
            db.session.commit()
            flash(message, "success")
            return _back(framework, "frameworks.show")
        elif action == "retire":
            editor.retire(current_user, framework)
            db.session.commit()
            flash(f"{framework.label} is retired. Its validated levels stay on record.", "success")
            return _back(framework, "frameworks.show")
        else:
            raise InvalidInput("Choose what to do: the form did not say which change to make.")
        db.session.commit()
        flash(message, "success")
        return _back(framework, anchor=anchor)
    except FORM_ERRORS as exc:
        db.session.rollback()
        framework = _framework(code)
        errors = _fields(exc) or {"form": exc.message}
        if not _fields(exc):
            flash(exc.message, "error")
        return _edit_page(framework, errors, {"action": action, "number": form.get("number"), "skill": form.get("skill")},
                          status=exc.status if exc.status != 422 else 400)


@bp.route("/<code>/edit/skills/<skill_code>", methods=["GET", "POST"])
def edit_skill(code: str, skill_code: str):
    framework = _framework(code)
    policy.require(current_user, "manage_frameworks")
    skill = editor.get_skill(framework, skill_code)
    errors, failed, status = {}, {}, 200
    if request.method == "POST":
        form = request.form
        action = form.get("action", "")
        level, position = form.get("level"), form.get("position")
        try:
            if action == "skill":
                editor.update_skill(current_user, skill, **{k: form.get(k) for k in editor.SKILL_FIELDS if k != "guidance"},
                                    guidance=(form.get("guidance") or "").splitlines())
                message, anchor = f"{skill.code} saved.", "skill"
            elif action == "level":
                editor.save_skill_level(current_user, skill, level, defined=form.get("defined") == "1", note=form.get("note"))
                message, anchor = f"Level {level} saved.", f"level-{level}"
            elif action == "add_descriptor":
                editor.add_descriptor(current_user, skill, level, form.get("text", ""))
                message, anchor = f"Descriptor added to level {level}.", f"level-{level}"
            elif action == "save_descriptor":
                editor.edit_descriptor(current_user, skill, level, position, form.get("text", ""))
                message, anchor = f"Descriptor {position} of level {level} saved.", f"level-{level}-d-{position}"
            elif action in ("descriptor_up", "descriptor_down"):
                direction = action.removeprefix("descriptor_")
                editor.move_descriptor(current_user, skill, level, position, direction)
                message, anchor = f"Descriptor {position} of level {level} moved {direction}.", f"level-{level}"
            elif action == "remove_descriptor":
                editor.remove_descriptor(current_user, skill, level, position)
                message, anchor = f"Descriptor {position} of level {level} removed.", f"level-{level}"
            else:
                raise InvalidInput("Choose what to do: the form did not say which change to make.")
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("frameworks.edit_skill", code=framework.code, skill_code=skill.code,
                                    version=framework.version, _anchor=anchor))
        except FORM_ERRORS as exc:
            db.session.rollback()
            framework = _framework(code)
            skill = editor.get_skill(framework, skill_code)
            errors = _fields(exc)
            if not errors:
                flash(exc.message, "error")
            failed = {"action": action, "level": level, "position": position}
            status = exc.status if exc.status != 422 else 400
    found = [p for p in editor.problems(framework) if p.skill_code and p.skill_code.upper() == skill.code.upper()]
    field_problems = {p.anchor: p.message for p in found}
    return render_template("frameworks/edit_skill.html", framework=framework, skill=skill, errors=errors,
                           problems=found, field_problems=field_problems, failed=failed, form=request.form), status


# -- diff and migration --------------------------------------------------------------

def _pair(framework, versions):
    """The two versions to compare: ?from= and ?to=, else the one before the shown version and it."""
    labels = [v.version for v in versions]
    to = request.values.get("to") or framework.version
    if to not in labels:
        to = framework.version
    default_from = labels[labels.index(to) - 1] if labels.index(to) > 0 else (labels[1] if len(labels) > 1 else to)
    frm = request.values.get("from") or default_from
    if frm not in labels:
        frm = default_from
    return frm, to


@bp.get("/<code>/diff")
def diff(code: str):
    framework = service.get(current_user, code, request.args.get("to") or None)
    versions = _versions(framework)
    frm, to = _pair(framework, versions)
    result = None
    if frm != to:
        result = level_migration.diff_versions(current_user, framework.code, frm, to)
    return render_template("frameworks/diff.html", framework=framework, versions=versions, frm=frm, to=to, diff=result,
                           word_diff=framework_diff.word_diff)


@bp.route("/<code>/migrate", methods=["GET", "POST"])
def migrate(code: str):
    policy.require(current_user, "manage_frameworks")
    framework = service.get(current_user, code, request.values.get("to") or None)
    versions = _versions(framework)
    frm, to = _pair(framework, versions)
    result, errors, status = None, {}, 200
    old, new = service.find(framework.code, frm), service.find(framework.code, to)
    needs_map, suggestions, same = [], {}, 0
    if frm != to:
        changes = level_migration.diff_versions(current_user, framework.code, frm, to)
        new_codes = {s.code.upper() for s in new.skills}
        needs_map = [s for s in old.skills if s.code.upper() not in new_codes]
        suggestions = {c.old_code: c.new_code for c in changes.matched if c.code_changed}
        same = len(old.skills) - len(needs_map)
    mapping = {s.code: (request.form.get(f"map-{s.code}") if request.method == "POST" else suggestions.get(s.code)) or ""
               for s in needs_map}
    if request.method == "POST":
        try:
            if frm == to:
                raise InvalidInput("Choose two different versions: the levels go from one version to another.")
            dry_run = request.form.get("action") != "migrate"
            result = level_migration.migrate(current_user, framework.code, frm, to,
                                             {k: v for k, v in mapping.items() if v}, dry_run=dry_run)
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
                flash(f"{len(result.migrated)} validated level(s) migrated to {framework.code} {to}; "
                      f"{len(result.flagged)} flagged for re-validation.", "success")
        except DomainError as exc:
            db.session.rollback()
            errors = {"form": exc.message}
            status = 400 if exc.status == 422 else exc.status
    return render_template("frameworks/migrate.html", framework=framework, versions=versions, frm=frm, to=to,
                           old=old, new=new, needs_map=needs_map, mapping=mapping, same=same, result=result,
                           errors=errors), status
