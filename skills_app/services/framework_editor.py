"""The framework editor: draft a new in-house framework, or a new version of
one (a copy of an existing version), change it piece by piece, check it with
the importers' own validation (:class:`FrameworkDoc`), publish it, retire it.

Only drafts change. A published (or retired) version is immutable: every
write here refuses it with :class:`InvalidState`, and ``frameworks import
--replace`` refuses one that people have been assessed against. Each edit is
checked with the same field rules as a framework file (codes, non-empty
names and descriptors, level numbers) as it is made, so a draft is always
loadable; the rules across entries (a defined level needs descriptors, no
duplicate codes) are reported by :func:`problems` and must all be met before
:func:`publish`.

Every function takes the actor first, asks the policy, flushes (never
commits) and records an audit event.
"""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import func, select

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.importers.document import (
    FrameworkDoc, FrameworkInfo, LevelInfo, SkillInfo, SkillLevelInfo, _message, format_path,
)
from skills_app.models import (
    Assessment, Descriptor, Framework, FrameworkLevel, Requirement, Skill, SkillLevel,
)
from skills_app.services import audit
from skills_app.services import frameworks as framework_service
from skills_app.models.framework import utcnow
from skills_app.words import plural

SKILL_FIELDS = ("code", "name", "category", "subcategory", "url", "description", "guidance_intro", "guidance")


# -- checks ------------------------------------------------------------------------

def _require_draft(framework: Framework) -> None:
    if framework.status != "draft":
        raise InvalidState(
            f"{framework.label} is {framework.status}, and a {framework.status} version cannot be changed. "
            f"To change it, start a new draft version from it, edit that, publish it, and migrate the validated levels.")


def _clean(value) -> str | None:
    value = (value or "").strip() if isinstance(value, str) or value is None else value
    return value or None


def _req(value) -> str:
    """A required text: stripped, and empty rather than missing (so the message says 'must not be empty')."""
    return (value or "").strip()


def _validate(model, data: dict, prefix: str = ""):
    """Validate ``data`` as ``model`` (a part of FrameworkDoc); every problem at its field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            loc = error["loc"]
            key = prefix + (str(loc[0]) if loc else "form")
            fields.setdefault(key, _message(error))
        first_key, first = next(iter(fields.items()))
        label = first_key.removeprefix(prefix).replace("_", " ")
        raise InvalidInput(f"{label}: {first}" + (f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""),
                           details={"fields": fields}) from None


def _edited(actor, framework: Framework, summary: str, **data) -> None:
    db.session.flush()
    audit.record(actor, "framework.edited", framework, summary=f"{framework.label}: {summary}", data=data)


# -- problems ----------------------------------------------------------------------

@dataclass
class Problem:
    path: tuple
    message: str
    skill_code: str | None  # None: on the framework's own page
    anchor: str  # the id of the field on its page

    @property
    def where(self) -> str:
        return format_path(self.path)


def _anchor(data: dict, path: tuple) -> tuple[str | None, str]:
    if not path:
        return None, "info"
    if path[0] == "framework":
        return None, f"info-{path[1]}" if len(path) > 1 else "info"
    if path[0] == "levels":
        if len(path) > 1 and isinstance(path[1], int) and path[1] < len(data["levels"]):
            number = data["levels"][path[1]]["number"]
            return None, f"level-{number}-{path[2]}" if len(path) > 2 else f"level-{number}"
        return None, "levels"
    if path[0] == "skills" and len(path) > 1 and isinstance(path[1], int) and path[1] < len(data["skills"]):
        skill = data["skills"][path[1]]
        rest = path[2:]
        if not rest:
            return skill["code"], "skill"
        if rest[0] == "levels" and len(rest) > 1 and isinstance(rest[1], int) and rest[1] < len(skill["levels"]):
            number = skill["levels"][rest[1]]["level"]
            if len(rest) > 3 and rest[2] == "descriptors" and isinstance(rest[3], int):
                return skill["code"], f"level-{number}-d-{rest[3] + 1}"
            if len(rest) > 2:
                return skill["code"], f"level-{number}-{rest[2]}"
            return skill["code"], f"level-{number}"
        return skill["code"], f"skill-{rest[0]}"
    return None, "skills"


def problems(framework: Framework) -> list[Problem]:
    """Everything that keeps the version from being a valid framework document,
    by the importers' rules: each with its path of keys and the field it is at."""
    data = framework_service.to_data(framework)
    found: list[tuple[tuple, str]] = []
    try:
        doc = FrameworkDoc.model_validate(data)
    except ValidationError as exc:
        found.extend((tuple(e["loc"]), _message(e)) for e in exc.errors())
        doc = None
    if doc is not None:
        found.extend(doc.check())
    else:
        # The rules across entries, on the parts as they are.
        try:
            shadow = FrameworkDoc.model_construct(
                framework=None,
                levels=[LevelInfo.model_construct(**lvl) for lvl in data["levels"]],
                skills=[SkillInfo.model_construct(**{**s, "levels": [SkillLevelInfo.model_construct(**sl) for sl in s["levels"]]})
                        for s in data["skills"]],
            )
            seen = {p for p, _ in found}
            found.extend((p, m) for p, m in shadow.check() if p not in seen)
        except (AttributeError, TypeError):  # pragma: no cover - a part too broken to read
            pass
    out = []
    for path, message in found:
        skill_code, anchor = _anchor(data, path)
        out.append(Problem(path, message, skill_code, anchor))
    return out


# -- frameworks and versions -------------------------------------------------------------

def create(actor, *, code: str, name: str, version: str, publisher: str | None = None,
           description: str | None = None, level_names: list[str]) -> Framework:
    """A new in-house framework, as a draft, with its levels numbered 1, 2, 3… in order."""
    policy.require(actor, "manage_frameworks")
    names = [n.strip() for n in level_names if n and n.strip()]
    try:
        info = _validate(FrameworkInfo, {"code": _req(code), "name": _req(name), "version": _req(version),
                                         "publisher": _clean(publisher), "description": _clean(description), "status": "draft"})
    except InvalidInput as exc:
        # Every problem at once: the levels' too.
        if not names:
            exc.details["fields"]["levels"] = "give the framework's levels, one name a line (level 1 first)"
        raise
    if not names:
        raise InvalidInput.on("levels", "give the framework's levels, one name a line (level 1 first)")
    levels = [_validate(LevelInfo, {"number": i, "name": n}, prefix="levels-") for i, n in enumerate(names, start=1)]
    if framework_service.find(info.code) is not None:
        raise Conflict.on("code", f"there is already a framework {info.code}: start a new version of it from its page "
                                  f"instead, or choose another code")
    framework = Framework(code=info.code, name=info.name, version=info.version, publisher=info.publisher,
                          description=info.description, status="draft")
    framework.levels = [FrameworkLevel(number=lvl.number, name=lvl.name) for lvl in levels]
    db.session.add(framework)
    db.session.flush()
    audit.record(actor, "framework.draft_created", framework, summary=f"new framework {framework.label} drafted",
                 data={"levels": [lvl.name for lvl in levels]})
    return framework


def new_version(actor, source: Framework, version: str) -> Framework:
    """A new draft version: a copy of ``source`` (its levels, skills, descriptors and settings)."""
    policy.require(actor, "manage_frameworks")
    version = _clean(version)
    if not version:
        raise InvalidInput.on("version", "give the new version a label, such as 9 or 2026-1")
    if len(version) > 40:
        raise InvalidInput.on("version", "a version label has at most 40 characters")
    if framework_service.find(source.code, version) is not None:
        raise Conflict.on("version", f"{source.code} already has a version {version}")
    try:
        doc = framework_service.to_doc(source)
    except ValidationError:
        raise InvalidState(f"{source.label} has problems that must be fixed before it can be copied") from None
    data = doc.model_dump(mode="json")
    data["framework"].update(version=version, status="draft")
    copy = Framework(code=source.code, version=version, evidence_required=source.evidence_required,
                     validity_months=source.validity_months)
    db.session.add(copy)
    framework_service._apply(copy, FrameworkDoc.model_validate(data), partial=False)  # noqa: SLF001 (the importers' writer)
    db.session.flush()
    audit.record(actor, "framework.draft_created", copy, summary=f"{copy.label} drafted as a copy of {source.label}",
                 data={"copied_from": source.label, "skills": len(copy.skills)})
    return copy


def update_info(actor, framework: Framework, *, name: str, version: str, publisher: str | None, description: str | None) -> None:
    policy.require(actor, "manage_frameworks")
    _require_draft(framework)
    info = _validate(FrameworkInfo, {"code": framework.code, "name": _req(name), "version": _req(version),
                                     "publisher": _clean(publisher), "description": _clean(description), "status": "draft"},
                     prefix="info-")
    if info.version != framework.version:
        other = framework_service.find(framework.code, info.version)
        if other is not None and other.id != framework.id:
            raise Conflict.on("info-version", f"{framework.code} already has a version {info.version}")
    before = {"name": framework.name, "version": framework.version, "publisher": framework.publisher, "description": framework.description}
    framework.name, framework.version = info.name, info.version
    framework.publisher, framework.description = info.publisher, info.description
    after = {"name": framework.name, "version": framework.version, "publisher": framework.publisher, "description": framework.description}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        _edited(actor, framework, f"details changed ({', '.join(changed)})", changes=changed)


def _level(framework: Framework, number) -> FrameworkLevel:
    level = next((lvl for lvl in framework.levels if lvl.number == number), None)
    if level is None:
        raise NotFound(f"{framework.label} has no level {number}")
    return level


def save_level(actor, framework: Framework, *, number, name: str, description: str | None, new: bool = False) -> FrameworkLevel:
    """Add a level (``new``) or rename / redescribe one."""
    policy.require(actor, "manage_frameworks")
    _require_draft(framework)
    prefix = "new-level-" if new else f"level-{number}-"
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise InvalidInput.on(prefix + "number", "a level number is a whole number from 0 to 99") from None
    info = _validate(LevelInfo, {"number": number, "name": _req(name), "description": _clean(description)}, prefix=prefix)
    if new:
        if any(lvl.number == info.number for lvl in framework.levels):
            raise Conflict.on(prefix + "number", f"{framework.label} already has a level {info.number}")
        level = FrameworkLevel(number=info.number, name=info.name, description=info.description)
        framework.levels.append(level)
        framework.levels.sort(key=lambda lvl: lvl.number)
        _edited(actor, framework, f"level {info.number} {info.name} added", level=info.number)
        return level
    level = _level(framework, info.number)
    if (level.name, level.description) != (info.name, info.description):
        before = [level.name, level.description]
        level.name, level.description = info.name, info.description
        _edited(actor, framework, f"level {info.number} changed", level=info.number, before=before, after=[info.name, info.description])
    return level


def remove_level(actor, framework: Framework, number) -> int:
    """Remove a level, and every skill's entry at it; returns how many skills had one."""
    policy.require(actor, "manage_frameworks")
    _require_draft(framework)
    level = _level(framework, int(number))
    if len(framework.levels) == 1:
        raise InvalidInput("a framework needs at least one level: add another before removing this one")
    touched = 0
    for skill in framework.skills:
        entry = skill.level(level.number)
        if entry is not None:
            skill.levels.remove(entry)
            touched += 1
    framework.levels.remove(level)
    _edited(actor, framework, f"level {level.number} {level.name} removed, with the entries of {touched} skill(s) at it",
            level=level.number, skills=touched)
    return touched


# -- skills ------------------------------------------------------------------------

def get_skill(framework: Framework, code: str) -> Skill:
    return framework_service.skill_of(framework, code)


def _unique_code(framework: Framework, code: str, skill: Skill | None, field: str) -> None:
    other = next((s for s in framework.skills if s.code.upper() == code.upper() and s is not skill), None)
    if other is not None:
        raise Conflict.on(field, f"{framework.label} already has a skill {other.code} ({other.name})")


def add_skill(actor, framework: Framework, *, code: str, name: str) -> Skill:
    policy.require(actor, "manage_frameworks")
    _require_draft(framework)
    info = _validate(SkillInfo, {"code": _req(code), "name": _req(name)}, prefix="new-skill-")
    _unique_code(framework, info.code, None, "new-skill-code")
    position = max((s.position for s in framework.skills), default=-1) + 1
    skill = Skill(code=info.code, name=info.name, position=position, guidance=[])
    framework.skills.append(skill)
    _edited(actor, framework, f"skill {info.code} {info.name} added", skill=info.code)
    return skill


def update_skill(actor, skill: Skill, **values) -> None:
    """Change a skill's code, name, category, subcategory, url, description, guidance intro and notes."""
    policy.require(actor, "manage_frameworks")
    framework = skill.framework
    _require_draft(framework)
    data = {k: (_req if k in ("code", "name") else _clean)(values.get(k)) for k in SKILL_FIELDS if k != "guidance"}
    data["guidance"] = [g.strip() for g in values.get("guidance") or [] if g and g.strip()]
    info = _validate(SkillInfo, data, prefix="skill-")
    _unique_code(framework, info.code, skill, "skill-code")
    changed = {}
    for name in SKILL_FIELDS:
        new = list(getattr(info, name)) if name == "guidance" else getattr(info, name)
        old = list(skill.guidance or []) if name == "guidance" else getattr(skill, name)
        if new != old:
            changed[name] = [old, new]
            if name not in ("category", "subcategory"):  # the skill's place in the tree: below
                setattr(skill, name, new)
    if "category" in changed or "subcategory" in changed:
        skill.group = framework_service.place(framework, info.category, info.subcategory)
    if changed:
        _edited(actor, framework, f"skill {skill.code} changed ({', '.join(changed)})", skill=skill.code, changes=changed)


def move_skill(actor, skill: Skill, direction: str) -> None:
    policy.require(actor, "manage_frameworks")
    framework = skill.framework
    _require_draft(framework)
    skills = sorted(framework.skills, key=lambda s: s.position)
    i = skills.index(skill)
    j = i - 1 if direction == "up" else i + 1
    if direction not in ("up", "down") or not 0 <= j < len(skills):
        return
    skills[i], skills[j] = skills[j], skills[i]
    for position, s in enumerate(skills):
        s.position = position
    framework.skills.sort(key=lambda s: s.position)
    _edited(actor, framework, f"skill {skill.code} moved {direction}", skill=skill.code)


def remove_skill(actor, skill: Skill) -> None:
    policy.require(actor, "manage_frameworks")
    framework = skill.framework
    _require_draft(framework)
    uses = []
    for model, what in ((Assessment, "assessment"), (Requirement, "job role or service requirement")):
        n = db.session.scalar(select(func.count()).select_from(model).where(model.skill_id == skill.id)) or 0
        if n:
            uses.append(f"{n} {what}{'s' if n != 1 else ''}")
    if uses:
        raise InvalidState(f"{skill.code} cannot be removed: {' and '.join(uses)} refer to it; remove those first")
    framework.skills.remove(skill)
    _edited(actor, framework, f"skill {skill.code} {skill.name} removed", skill=skill.code)


# -- a skill's levels and descriptors ---------------------------------------------

def _skill_level(skill: Skill, number, create: bool = False) -> SkillLevel:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise InvalidInput("choose a level") from None
    if number not in {lvl.number for lvl in skill.framework.levels}:
        raise NotFound(f"{skill.framework.label} has no level {number}")
    entry = skill.level(number)
    if entry is None:
        if not create:
            raise NotFound(f"{skill.code} has no entry at level {number}")
        entry = SkillLevel(level=number, defined=True)
        skill.levels.append(entry)
        skill.levels.sort(key=lambda sl: sl.level)
    return entry


def save_skill_level(actor, skill: Skill, number, *, defined: bool, note: str | None) -> SkillLevel:
    """Whether the skill is defined at a level, and the level's note."""
    policy.require(actor, "manage_frameworks")
    _require_draft(skill.framework)
    listed = skill.level(int(number)) is not None if str(number).lstrip("-").isdigit() else True
    entry = _skill_level(skill, number, create=True)
    prefix = f"level-{entry.level}-"
    if not defined and entry.descriptors:
        n = len(entry.descriptors)
        raise InvalidInput.on(prefix + "defined", f"level {entry.level} has {n} descriptor{'s' if n != 1 else ''}: remove "
                                               f"{'them' if n != 1 else 'it'} before marking the level not defined")
    info = _validate(SkillLevelInfo, {"level": entry.level, "defined": bool(defined), "note": _clean(note),
                                      "descriptors": [d.text for d in entry.descriptors]}, prefix=prefix)
    changed = {} if listed else {"listed": [False, True]}
    if entry.defined != info.defined:
        changed["defined"] = [entry.defined, info.defined]
    if entry.note != info.note:
        changed["note"] = [entry.note, info.note]
    entry.defined, entry.note = info.defined, info.note
    if changed:
        state = "defined" if info.defined else "not defined"
        _edited(actor, skill.framework, f"{skill.code} level {entry.level}: {state}" + (", note changed" if "note" in changed else ""),
                skill=skill.code, level=entry.level, changes=changed)
    return entry


def _descriptor_text(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput.on(field, "a descriptor must not be empty (remove it instead)")
    return text


def add_descriptor(actor, skill: Skill, number, text: str) -> Descriptor:
    policy.require(actor, "manage_frameworks")
    _require_draft(skill.framework)
    entry = _skill_level(skill, number, create=True)
    text = _descriptor_text(text, f"level-{entry.level}-new")
    if not entry.defined:
        raise InvalidInput.on(f"level-{entry.level}-new", f"{skill.code} is not defined at level {entry.level}: "
                                                        "mark it defined first, then add its descriptors")
    descriptor = Descriptor(position=len(entry.descriptors), text=text)
    entry.descriptors.append(descriptor)
    _edited(actor, skill.framework, f"{skill.code} level {entry.level}: descriptor {descriptor.position + 1} added",
            skill=skill.code, level=entry.level, text=text)
    return descriptor


def _descriptor(entry: SkillLevel, position) -> Descriptor:
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise InvalidInput("choose a descriptor") from None
    if not 1 <= position <= len(entry.descriptors):
        raise NotFound(f"level {entry.level} has no descriptor {position}")
    return entry.descriptors[position - 1]


def _renumber(entry: SkillLevel, ordered: list[Descriptor]) -> None:
    # Positions are unique per level: move them out of the way first.
    for d in ordered:
        d.position += 10_000
    db.session.flush()
    for position, d in enumerate(ordered):
        d.position = position
    entry.descriptors.sort(key=lambda d: d.position)


def edit_descriptor(actor, skill: Skill, number, position, text: str) -> None:
    policy.require(actor, "manage_frameworks")
    _require_draft(skill.framework)
    entry = _skill_level(skill, number)
    descriptor = _descriptor(entry, position)
    text = _descriptor_text(text, f"level-{entry.level}-d-{descriptor.position + 1}")
    if text != descriptor.text:
        before, descriptor.text = descriptor.text, text
        _edited(actor, skill.framework, f"{skill.code} level {entry.level}: descriptor {descriptor.position + 1} reworded",
                skill=skill.code, level=entry.level, before=before, after=text)


CHANGE_KINDS = {
    "editorial": "Editorial: the wording changed, not the meaning; levels held carry over",
    "substantive": "Substantive: what the level asks changed; people holding it revalidate",
}


def previous_version(framework: Framework) -> Framework | None:
    """The version a draft is measured against: the newest published (or retired) one of the same code before it."""
    return db.session.scalar(select(Framework).where(
        Framework.code == framework.code, Framework.id != framework.id, Framework.id < framework.id,
        Framework.status.in_(("published", "retired"))).order_by(Framework.id.desc()).limit(1))


def changed_descriptors(actor, skill: Skill) -> tuple[Framework | None, dict[tuple[int, int], object]]:
    """The previous version, and the descriptors of ``skill`` that differ from it, by
    (level, position from 1): each the diff's DescriptorChange (added or changed)."""
    policy.require(actor, "manage_frameworks")
    before = previous_version(skill.framework)
    if before is None:
        return None, {}
    from skills_app.services import framework_diff

    d = framework_diff.diff(framework_service.to_doc(before), framework_service.to_doc(skill.framework))
    change = next((c for c in d.matched if c.new_code.upper() == skill.code.upper()), None)
    if change is None:
        return before, {}
    return before, {(lc.level, dc.position_new): dc for lc in change.levels for dc in lc.descriptors
                    if dc.kind in ("changed", "added") and dc.position_new}


def mark_change(actor, skill: Skill, number, position, kind: str) -> None:
    """Say how a changed descriptor of a draft version is meant: editorial or substantive."""
    policy.require(actor, "manage_frameworks")
    _require_draft(skill.framework)
    entry = _skill_level(skill, number)
    descriptor = _descriptor(entry, position)
    if kind not in CHANGE_KINDS:
        raise InvalidInput.on(f"level-{entry.level}-d-{descriptor.position + 1}-change",
                              "choose whether the change is editorial or substantive")
    if descriptor.change != kind:
        before, descriptor.change = descriptor.change, kind
        _edited(actor, skill.framework, f"{skill.code} level {entry.level}: the change of descriptor {descriptor.position + 1} "
                                        f"marked {kind}", skill=skill.code, level=entry.level, before=before, after=kind)


def move_descriptor(actor, skill: Skill, number, position, direction: str) -> None:
    policy.require(actor, "manage_frameworks")
    _require_draft(skill.framework)
    entry = _skill_level(skill, number)
    descriptor = _descriptor(entry, position)
    ordered = list(entry.descriptors)
    i = ordered.index(descriptor)
    j = i - 1 if direction == "up" else i + 1
    if direction not in ("up", "down") or not 0 <= j < len(ordered):
        return
    ordered[i], ordered[j] = ordered[j], ordered[i]
    _renumber(entry, ordered)
    _edited(actor, skill.framework, f"{skill.code} level {entry.level}: descriptor {i + 1} moved {direction}",
            skill=skill.code, level=entry.level)


def remove_descriptor(actor, skill: Skill, number, position) -> None:
    policy.require(actor, "manage_frameworks")
    _require_draft(skill.framework)
    entry = _skill_level(skill, number)
    descriptor = _descriptor(entry, position)
    ordered = [d for d in entry.descriptors if d is not descriptor]
    entry.descriptors.remove(descriptor)
    db.session.flush()
    _renumber(entry, ordered)
    _edited(actor, skill.framework, f"{skill.code} level {entry.level}: descriptor {int(position)} removed",
            skill=skill.code, level=entry.level, text=descriptor.text)


# -- publish and retire ------------------------------------------------------------

def _check_publishable(framework: Framework) -> None:
    _require_draft(framework)
    found = problems(framework)
    if found:
        first = found[0]
        raise InvalidInput(f"{framework.label} cannot be published yet: {plural(len(found), 'problem')} "
                           f"to fix, the first at {first.where}: {first.message}")
    if not framework.skills:
        raise InvalidInput(f"{framework.label} cannot be published yet: it has no skills")


@dataclass
class StatusChange:
    """What publishing or retiring a version does, counted (the confirmation page)."""
    skills: int
    others: list[str]      # the other live (published) versions of the same code
    holders: int           # people holding a current validated level in those (publish) or in this one (retire)
    open_assessments: int  # drafts and submissions against this version (retire)


def status_change(actor, framework: Framework, action: str) -> StatusChange:
    policy.require(actor, "manage_frameworks")
    if action == "publish":
        _check_publishable(framework)
    elif framework.status != "published":
        raise InvalidState(f"{framework.label} is {framework.status}: only a published version can be retired")
    others = list(db.session.scalars(select(Framework).where(Framework.code == framework.code, Framework.id != framework.id,
                                                             Framework.status == "published").order_by(Framework.id)))
    counted = [f.id for f in others] if action == "publish" else [framework.id]
    holders = db.session.scalar(select(func.count(func.distinct(Assessment.person_id))).where(
        Assessment.framework_id.in_(counted), Assessment.status == "validated",
        (Assessment.valid_until.is_(None)) | (Assessment.valid_until > utcnow()))) if counted else 0
    open_ = db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.framework_id == framework.id, Assessment.status.in_(("draft", "submitted", "returned"))))
    return StatusChange(skills=len(framework.skills), others=[f.label for f in others], holders=holders or 0,
                        open_assessments=open_ or 0)


def publish(actor, framework: Framework) -> None:
    policy.require(actor, "manage_frameworks")
    _check_publishable(framework)
    framework.status = "published"
    db.session.flush()
    audit.record(actor, "framework.published", framework, summary=f"{framework.label} published; it can no longer be changed",
                 data={"skills": len(framework.skills), "levels": len(framework.levels)})


def retire(actor, framework: Framework) -> None:
    policy.require(actor, "manage_frameworks")
    if framework.status != "published":
        raise InvalidState(f"{framework.label} is {framework.status}: only a published version can be retired")
    framework.status = "retired"
    db.session.flush()
    audit.record(actor, "framework.retired", framework, summary=f"{framework.label} retired", data={})
