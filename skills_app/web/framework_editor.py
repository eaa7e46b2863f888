"""Framework versions in the browser: the editor (HR and admins), the diff
between two versions, and the migration of validated levels.

The routes join the frameworks blueprint (``frameworks.edit`` …), so they sit
under /frameworks and share its sign-in check. Every page works without
JavaScript: each form posts an ``action`` and, through the form helper
(skills_app/web/forms), the page is rendered again with the problem beside
its field (400, 409), or the change is saved and the browser sent back to the
place it was made.
"""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.services import framework_editor as editor
from skills_app.services import frameworks as service
from skills_app.services import framework_diff, level_migration
from skills_app.web.forms import PostedForm, handle, success
from skills_app.web.forms.confirm import Confirmation, carried, confirmed_handle
from skills_app.words import plural, verb
from skills_app.web.frameworks import NewVersionForm, bp, framework_page


def _framework(code: str):
    return service.get(current_user, code, request.values.get("version") or None)


def _versions(framework):
    return [f for f in service.list_all(current_user) if f.code.upper() == framework.code.upper()]


# -- a new framework, a new version --------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    policy.require(current_user, "manage_frameworks")
    form = PostedForm()
    return handle(form, lambda: editor.create(current_user, code=form.get("code", ""), name=form.get("name", ""),
                                              version=form.get("version", ""), publisher=form.get("publisher"),
                                              description=form.get("description"),
                                              level_names=(form.get("levels") or "").splitlines()),
                  page=lambda: render_template("frameworks/new.html", errors=form.errors, form=request.form),
                  done=lambda framework: success(f"Drafted {framework.label}. Add its skills, then publish it.",
                                                 "frameworks.edit", code=framework.code, version=framework.version))


@bp.post("/<code>/new-version")
def new_version(code: str):
    source = _framework(code)
    policy.require(current_user, "manage_frameworks")
    form = NewVersionForm()
    return handle(form, lambda: editor.new_version(current_user, source, form.new_version.data),
                  page=lambda: framework_page(source, version_form=form),
                  done=lambda copy: success(f"Drafted {copy.label} as a copy of {source.label}. Change it here, then publish it.",
                                            "frameworks.edit", code=copy.code, version=copy.version))


# -- the editor ----------------------------------------------------------------------

def _edit_page(code: str, form: PostedForm | None = None):
    framework = _framework(code)
    found = editor.problems(framework)
    failed = {"action": request.form.get("action"), "number": request.form.get("number"),
              "skill": request.form.get("skill")} if form is not None else {}
    return render_template(
        "frameworks/edit.html", framework=framework, versions=_versions(framework), problems=found,
        skill_problems={p.skill_code for p in found if p.skill_code}, errors=form.errors if form else {}, failed=failed,
        form=request.form,
    )


def _edit(framework, form: PostedForm):
    """One change the editor's page asks for: (what to tell, the endpoint, its values) to go on to."""
    action = form.get("action", "")
    here = {"code": framework.code, "version": framework.version}
    if action == "info":
        editor.update_info(current_user, framework, name=form.get("name", ""), version=form.get("version", ""),
                           publisher=form.get("publisher"), description=form.get("description"))
        return "Details saved.", "frameworks.edit", {**here, "version": framework.version, "_anchor": "info"}
    if action in ("save_level", "add_level"):
        level = editor.save_level(current_user, framework, number=form.get("number"), name=form.get("name", ""),
                                  description=form.get("description"), new=action == "add_level")
        done = "added" if action == "add_level" else "saved"
        return f"Level {level.number} {done}.", "frameworks.edit", {**here, "_anchor": f"level-{level.number}"}
    if action == "remove_level":
        touched = editor.remove_level(current_user, framework, form.get("number"))
        return (f"Level {form.get('number')} removed" + (f", with {touched} skill entries at it." if touched else "."),
                "frameworks.edit", {**here, "_anchor": "levels"})
    if action == "add_skill":
        skill = editor.add_skill(current_user, framework, code=form.get("code", ""), name=form.get("name", ""))
        return f"Added {skill.code}. Now describe it and its levels.", "frameworks.edit_skill", {**here, "skill_code": skill.code}
    if action in ("skill_up", "skill_down"):
        skill = editor.get_skill(framework, form.get("skill", ""))
        editor.move_skill(current_user, skill, action.removeprefix("skill_"))
        return f"{skill.code} moved {action.removeprefix('skill_')}.", "frameworks.edit", {**here, "_anchor": f"skill-{skill.code}"}
    if action == "remove_skill":
        skill = editor.get_skill(framework, form.get("skill", ""))
        editor.remove_skill(current_user, skill)
        return f"{skill.code} removed.", "frameworks.edit", {**here, "_anchor": "skills"}
    if action == "publish":
        editor.publish(current_user, framework)
        return (f"{framework.label} is published: people can assess themselves against it, and it can no longer be changed.",
                "frameworks.show", here)
    if action == "retire":
        editor.retire(current_user, framework)
        return f"{framework.label} is retired. Its validated levels stay on record.", "frameworks.show", here
    raise InvalidInput("Choose what to do: the form did not say which change to make.")


@bp.route("/<code>/edit", methods=["GET", "POST"])
def edit(code: str):
    framework = _framework(code)
    policy.require(current_user, "manage_frameworks")
    form = PostedForm()
    page = lambda: _edit_page(code, form if form.is_submitted() else None)  # noqa: E731
    done = lambda went: success(went[0], went[1], **went[2])  # noqa: E731
    if form.is_submitted() and form.get("action") in ("publish", "retire"):
        return confirmed_handle(form, lambda: _edit(framework, form), confirm=lambda: _status_confirmation(framework, form.get("action")),
                                page=page, done=done)
    return handle(form, lambda: _edit(framework, form), page=page, done=done)


def _status_confirmation(framework, action: str) -> Confirmation:
    change = editor.status_change(current_user, framework, action)
    back = url_for("frameworks.edit", code=framework.code, version=framework.version)
    if action == "publish":
        lines = [f"Makes {framework.label} ({plural(change.skills, 'skill')}) final: no change to its skills, levels or "
                 "descriptors after this; corrections go into a new version.",
                 f"Offers {framework.label} for self-assessment to everyone."]
        if change.others:
            lines.append(f"{', '.join(change.others)} {verb(len(change.others), 'stays', 'stay')} live beside it: "
                         f"{plural(change.holders, 'person')} {verb(change.holders, 'holds', 'hold')} validated levels there. "
                         f"Migrate them to {framework.version} afterwards (the migration page lists who is carried over and "
                         "who is flagged for revalidation).")
        return Confirmation(title=f"Publish {framework.label}?", consequences=lines, button=f"Publish {framework.label}",
                            cancel=back, carry=carried(["action"]))
    lines = [f"Stops offering {framework.label} for self-assessment.",
             f"{plural(change.holders, 'person')} {verb(change.holders, 'keeps', 'keep')} their validated levels in it, on record "
             "until they expire.",
             f"{plural(change.open_assessments, 'assessment')} in progress against it can still be finished."]
    return Confirmation(title=f"Retire {framework.label}?", consequences=lines, button=f"Retire {framework.label}",
                        cancel=back, carry=carried(["action"]))


def _edit_skill_page(code: str, skill_code: str, form: PostedForm | None = None):
    framework = _framework(code)
    skill = editor.get_skill(framework, skill_code)
    failed = {"action": request.form.get("action"), "level": request.form.get("level"),
              "position": request.form.get("position")} if form is not None else {}
    found = [p for p in editor.problems(framework) if p.skill_code and p.skill_code.upper() == skill.code.upper()]
    field_problems = {p.anchor: p.message for p in found}
    before, changes = editor.changed_descriptors(current_user, skill) if framework.status == "draft" else (None, {})
    return render_template("frameworks/edit_skill.html", framework=framework, skill=skill, errors=form.errors if form else {},
                           problems=found, field_problems=field_problems, failed=failed, form=request.form,
                           before=before, changes=changes, change_kinds=editor.CHANGE_KINDS)


def _edit_skill(skill, form: PostedForm):
    """One change to a skill: (what to tell, the anchor to go on to)."""
    action = form.get("action", "")
    level, position = form.get("level"), form.get("position")
    if action == "skill":
        editor.update_skill(current_user, skill, **{k: form.get(k) for k in editor.SKILL_FIELDS if k != "guidance"},
                            guidance=(form.get("guidance") or "").splitlines())
        return f"{skill.code} saved.", "skill"
    if action == "level":
        editor.save_skill_level(current_user, skill, level, defined=form.get("defined") == "1", note=form.get("note"))
        return f"Level {level} saved.", f"level-{level}"
    if action == "add_descriptor":
        editor.add_descriptor(current_user, skill, level, form.get("text", ""))
        return f"Descriptor added to level {level}.", f"level-{level}"
    if action == "mark_change":
        kind = form.get("change", "")
        editor.mark_change(current_user, skill, level, position, kind)
        return f"The change of descriptor {position} of level {level} is marked {kind}.", f"level-{level}-d-{position}"
    if action == "save_descriptor":
        editor.edit_descriptor(current_user, skill, level, position, form.get("text", ""))
        return f"Descriptor {position} of level {level} saved.", f"level-{level}-d-{position}"
    if action in ("descriptor_up", "descriptor_down"):
        direction = action.removeprefix("descriptor_")
        editor.move_descriptor(current_user, skill, level, position, direction)
        return f"Descriptor {position} of level {level} moved {direction}.", f"level-{level}"
    if action == "remove_descriptor":
        editor.remove_descriptor(current_user, skill, level, position)
        return f"Descriptor {position} of level {level} removed.", f"level-{level}"
    raise InvalidInput("Choose what to do: the form did not say which change to make.")


@bp.route("/<code>/edit/skills/<skill_code>", methods=["GET", "POST"])
def edit_skill(code: str, skill_code: str):
    framework = _framework(code)
    policy.require(current_user, "manage_frameworks")
    skill = editor.get_skill(framework, skill_code)
    form = PostedForm()
    return handle(form, lambda: _edit_skill(skill, form),
                  page=lambda: _edit_skill_page(code, skill_code, form if form.is_submitted() else None),
                  done=lambda went: success(went[0], "frameworks.edit_skill", code=framework.code, skill_code=skill.code,
                                            version=framework.version, _anchor=went[1]))


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
    marks = level_migration.change_marks(service.find(framework.code, to)) if frm != to else {}
    return render_template("frameworks/diff.html", framework=framework, versions=versions, frm=frm, to=to, diff=result,
                           word_diff=framework_diff.word_diff, marks=marks)


def _migrate(framework, frm: str, to: str, mapping: dict[str, str]):
    if frm == to:
        raise InvalidInput("Choose two different versions: the levels go from one version to another.")
    return level_migration.migrate(current_user, framework.code, frm, to, {k: v for k, v in mapping.items() if v},
                                   dry_run=request.form.get("action") != "migrate")


@bp.route("/<code>/migrate", methods=["GET", "POST"])
def migrate(code: str):
    policy.require(current_user, "manage_frameworks")
    framework = service.get(current_user, code, request.values.get("to") or None)
    versions = _versions(framework)
    frm, to = _pair(framework, versions)
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
    form = PostedForm()

    def page(result=None):
        return render_template("frameworks/migrate.html", framework=framework, versions=versions, frm=frm, to=to,
                               old=old, new=new, needs_map=needs_map, mapping=mapping, same=same, result=result,
                               errors=form.errors)

    def done(result):
        if result.dry_run:
            return page(result)
        flash(f"{plural(len(result.migrated), 'validated level')} migrated to {framework.code} {to}; "
              f"{plural(len(result.flagged), 'level')} flagged for re-validation.", "success")
        return page(result)

    def confirm():
        if frm == to:
            raise InvalidInput("Choose two different versions: the levels go from one version to another.")
        preview = level_migration.migrate(current_user, framework.code, frm, to, {k: v for k, v in mapping.items() if v},
                                          dry_run=True)
        flagged = len({i.person_id for i in preview.flagged})
        c = preview.counts()
        return Confirmation(
            title=f"Migrate the validated levels of {framework.code} {frm} to {to}?",
            consequences=[f"Carries {plural(c['migrated'], 'validated level')} to {framework.code} {to}: the same level and "
                          "expiry, with you as the reviewer.",
                          f"Flags {plural(flagged, 'person')} for revalidation ({plural(c['flagged'], 'level')} whose skill "
                          f"changed at or below the level held); they and their line managers are told.",
                          f"Leaves {plural(c['already'], 'level')} already done, {plural(c['expired'], 'expired level')} and "
                          f"{plural(c['not_carried'], 'level')} with no skill to go to as they are.",
                          *(f"Carries: {line}." for line in preview.carried),
                          *([f"Retires {preview.retired}: no longer offered for new self-assessments; its validated levels "
                             "stay on record."] if preview.retired else [])],
            button=f"Migrate {plural(c['migrated'], 'level')} and flag {plural(flagged, 'person')}",
            cancel=url_for("frameworks.migrate", code=framework.code, **{"from": frm, "to": to}),
            carry=carried(["action", *(f"map-{s.code}" for s in needs_map)]))

    if form.is_submitted() and request.form.get("action") == "migrate":
        return confirmed_handle(form, lambda: _migrate(framework, frm, to, mapping), confirm=confirm, page=page, done=done)
    return handle(form, lambda: _migrate(framework, frm, to, mapping), page=page, done=done)
