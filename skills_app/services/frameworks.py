"""Frameworks: import (create, no-op, merge or replace), look-up and export.

Functions here flush and never commit: the caller (a request or a command)
commits once, so a failure anywhere leaves the database as it was.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from skills_app import paging, policy
from skills_app.errors import Conflict, InvalidInput, NotFound
from skills_app.extensions import db
from skills_app.importers.document import FrameworkDoc, GroupInfo, SkillInfo, group_code
from skills_app.models import (
    Assessment, AttributeLevel, Descriptor, Framework, FrameworkAssociation, FrameworkAttribute, FrameworkLevel, Skill,
    SkillGroup, SkillLevel,
)
from skills_app.services import by_id
from skills_app.services import audit


@dataclass
class ImportResult:
    framework: Framework | None  # None: a dry run of a version that does not exist yet
    outcome: str  # created | unchanged | added | replaced
    message: str
    # What the import wrote, by kind ("skill": 121, ...); empty when it wrote nothing.
    written: dict[str, int] = field(default_factory=dict)


def _written(doc: FrameworkDoc, skills=None, *, whole: bool = True) -> dict[str, int]:
    skills = doc.skills if skills is None else skills
    out: dict[str, int] = {}
    if whole:
        out["framework version"] = 1
        out["level"] = len(doc.levels)
        if doc.attributes:
            out["attribute"] = len(doc.attributes)
            out["attribute level"] = sum(len(a.levels) for a in doc.attributes)
        groups = len(doc.tree()[0])
        if groups:
            out["group"] = groups
        if doc.associations:
            out["association"] = len(doc.associations)
    out["skill"] = len(skills)
    out["skill level"] = sum(len(s.levels) for s in skills)
    out["defined skill level"] = sum(1 for s in skills for sl in s.levels if sl.defined)
    out["descriptor"] = sum(len(sl.descriptors) for s in skills for sl in s.levels)
    return out


def _load_options(*, descriptors: bool = True):
    skills = selectinload(Framework.skills).selectinload(Skill.levels)
    return (
        selectinload(Framework.levels),
        selectinload(Framework.attributes).selectinload(FrameworkAttribute.levels),
        selectinload(Framework.groups),
        selectinload(Framework.associations),
        skills.selectinload(SkillLevel.descriptors) if descriptors else skills,
    )


def with_descriptors(skills) -> None:
    """The descriptors of these skills' levels, read in one statement and set on
    their levels (for a framework read with ``descriptors=False``)."""
    levels = [sl for s in skills for sl in s.levels if "descriptors" in inspect(sl).unloaded]
    if not levels:
        return
    found: dict[int, list[Descriptor]] = {sl.id: [] for sl in levels}
    stmt = select(Descriptor).where(Descriptor.skill_level_id.in_(list(found))).order_by(Descriptor.skill_level_id,
                                                                                         Descriptor.position)
    for d in db.session.scalars(stmt):
        found[d.skill_level_id].append(d)
    for sl in levels:
        set_committed_value(sl, "descriptors", found[sl.id])


def versioned_codes() -> set[str]:
    """The codes of frameworks with two or more versions live (published) side
    by side: wherever a skill of theirs is named, its version is named too
    ("SLM (v2)"). No permission: which versions are live is no secret."""
    stmt = (select(Framework.code).where(Framework.status == "published").group_by(Framework.code)
            .having(func.count(Framework.id) > 1))
    return {code.upper() for code in db.session.scalars(stmt)}


def find(code: str, version: str | None = None, *, descriptors: bool = True) -> Framework | None:
    """The framework with this code (case-insensitive) at this version, or its newest version
    (``descriptors``: with every skill level's descriptors)."""
    stmt = select(Framework).where(func.upper(Framework.code) == code.upper()).options(*_load_options(descriptors=descriptors))
    if version is not None:
        return db.session.scalar(stmt.where(Framework.version == str(version)))
    candidates = db.session.scalars(stmt).all()
    return max(candidates, key=lambda f: _version_key(f.version), default=None)


def _version_key(version: str) -> tuple:
    parts = []
    for piece in version.replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


def _sees_drafts(actor) -> bool:
    """Draft versions are seen by those who edit them only (they may still change)."""
    return policy.can(actor, "manage_frameworks")


def get(actor, code: str, version: str | None = None, *, descriptors: bool = True) -> Framework:
    policy.require(actor, "view_frameworks")
    framework = find(code, version, descriptors=descriptors)
    if framework is not None and framework.status == "draft" and not _sees_drafts(actor):
        # Their newest version that is not a draft; a draft asked for by its version is not there for them.
        framework = None if version is not None else max(
            (f for f in list_all(actor) if f.code.upper() == code.upper()), key=lambda f: _version_key(f.version), default=None)
    if framework is None:
        what = f"{code} version {version}" if version else code
        raise NotFound(f"no framework {what}")
    return framework


def get_skill(actor, skill_id: int | None) -> Skill:
    """A skill by id (of a draft version, for those who edit drafts only)."""
    policy.require(actor, "view_frameworks")
    skill = by_id(Skill, skill_id, "skill")
    if skill.framework.status == "draft" and not _sees_drafts(actor):
        raise NotFound("There is no such skill.")
    return skill


def skill(actor, code: str, skill_code: str, version: str | None = None) -> Skill:
    """A skill of a framework version (the newest when none is given), by codes,
    with its descriptors (not those of the framework's other skills)."""
    found = skill_of(get(actor, code, version, descriptors=False), skill_code)
    with_descriptors([found])
    return found


def skill_of(framework: Framework, code: str | None) -> Skill:
    """The framework's skill with this code (any case)."""
    found = next((s for s in framework.skills if s.code.upper() == (code or "").upper()), None)
    if found is None:
        raise NotFound(f"{framework.label} has no skill {code}")
    return found


def _list_key(framework: Framework) -> tuple:
    return framework.code.upper(), _version_key(framework.version), framework.id


def list_all(actor) -> list[Framework]:
    """Every framework version, by code and version."""
    policy.require(actor, "view_frameworks")
    stmt = select(Framework).options(selectinload(Framework.skills)).order_by(func.upper(Framework.code))
    if not _sees_drafts(actor):
        stmt = stmt.where(Framework.status != "draft")
    return sorted(db.session.scalars(stmt).all(), key=_list_key)


def list_page(actor, *, cursor: str | None, limit: int) -> paging.Page[Framework]:
    return paging.of_list(list_all(actor), _list_key, cursor=cursor, limit=limit)


def skill_counts() -> dict[int, int]:
    rows = db.session.execute(select(Skill.framework_id, func.count()).group_by(Skill.framework_id))
    return {framework_id: count for framework_id, count in rows}


# -- export ----------------------------------------------------------------

def to_doc(framework: Framework) -> FrameworkDoc:
    return FrameworkDoc.model_validate(to_data(framework))


def to_data(framework: Framework) -> dict:
    """The framework as the native file's plain data, not yet validated (a draft
    in the editor may not be valid yet: see services/framework_editor.problems)."""
    return {
        "framework": {
            "code": framework.code,
            "name": framework.name,
            "version": framework.version,
            "publisher": framework.publisher,
            "description": framework.description,
            "status": framework.status,
            "changed": framework.changed_at,
        },
        "levels": [
            {"number": level.number, "name": level.name, "description": level.description, "url": level.url}
            for level in framework.levels
        ],
        "attributes": [
            {
                "code": attribute.code,
                "name": attribute.name,
                "category": attribute.category,
                "url": attribute.url,
                "description": attribute.description,
                "guidance": attribute.guidance,
                "levels": [{"level": al.level, "description": al.description} for al in attribute.levels],
            }
            for attribute in framework.attributes
        ],
        **_tree_data(framework),
        "associations": [_association_data(a) for a in framework.associations],
    }


def _association_data(association: FrameworkAssociation) -> dict:
    def end(kind: str, code: str | None, **elsewhere) -> dict:
        return {kind: code} if kind in ("skill", "group") else {k: v for k, v in elsewhere.items() if v is not None}

    return {
        "type": association.association_type,
        "origin": end(association.origin_kind, association.origin_code),
        "destination": end(association.destination_kind, association.destination_code, uri=association.destination_uri,
                           identifier=association.destination_identifier, title=association.destination_title),
        "sequence": association.sequence,
    }


def _tree_data(framework: Framework) -> dict:
    """The groups and the skills. Where the tree is what the skills' categories and
    subcategories alone make (two levels at most, codes made from the names, no
    descriptions), the skills name their groups that way only, as files made before
    groups had codes did; else every group is listed and each skill gives its group."""
    groups = [{"code": g.code, "name": g.name, "description": g.description, "parent": g.parent.code if g.parent else None,
               "language": g.language, "educational_level": list(g.educational_level or []), "rule": g.rule}
              for g in framework.groups]
    skills = [_skill_data(skill) for skill in framework.skills]
    plain = [{k: v for k, v in skill.items() if k != "group"} for skill in skills]
    try:
        derived, _ = FrameworkDoc.model_validate({"framework": {"code": "X", "name": "X", "version": "1"},
                                                  "levels": [{"number": 1, "name": "X"}],
                                                  "skills": [{"code": s["code"], "name": s["name"], "category": s["category"],
                                                              "subcategory": s["subcategory"]} for s in skills]}).tree()
        simple = [g.model_dump(mode="json") for g in derived] == groups
    except ValidationError:  # a draft's skill that is not valid yet: list the groups
        simple = False
    if simple:
        return {"groups": [], "skills": plain}
    return {"groups": groups, "skills": skills}


def _skill_data(skill: Skill) -> dict:
    return {
        "code": skill.code,
        "name": skill.name,
        "group": skill.group.code if skill.group else None,
        "category": skill.category,
        "subcategory": skill.subcategory,
        "url": skill.url,
        "description": skill.description,
        "guidance_intro": skill.guidance_intro,
        "guidance": list(skill.guidance or []),
        "language": skill.language,
        "educational_level": list(skill.educational_level or []),
        "rule": skill.rule,
        "levels": [
            {
                "level": sl.level,
                "defined": sl.defined,
                "note": sl.note,
                "descriptors": [d.text for d in sl.descriptors],
            }
            for sl in skill.levels
        ],
    }


def export(actor, code: str, version: str | None = None) -> dict:
    """The framework as the native file's plain data (what `frameworks export` prints)."""
    return to_doc(get(actor, code, version)).to_native()


# -- import ----------------------------------------------------------------

def import_doc(actor, doc: FrameworkDoc, *, partial: bool = False, replace: bool = False, source: str | None = None,
               dry_run: bool = False) -> ImportResult:
    """Write one parsed framework document.

    A full document (native file) is the whole framework version: a new one is
    created, an identical one is a no-op, a different one is refused unless
    ``replace``. A partial document (a skill page in plain text) contributes
    its skills to the framework version, creating the version if need be.
    ``dry_run``: every check, the same outcome and counts, and nothing written.
    """
    policy.require(actor, "manage_frameworks")
    info = doc.framework
    existing = find(info.code, info.version)
    label = f"{info.code} {info.version}"
    if existing is None:
        if dry_run:
            return ImportResult(None, "created", f"would create {label} with {_count(len(doc.skills), 'skill')}", _written(doc))
        framework = Framework(code=info.code, version=info.version)
        db.session.add(framework)
        _apply(framework, doc, partial=False)
        db.session.flush()
        audit.record(actor, "framework.imported", framework, summary=f"imported {label}", data={"source": source, "skills": len(doc.skills)})
        return ImportResult(framework, "created", f"created {label} with {_count(len(doc.skills), 'skill')}", _written(doc))

    if partial:
        return _merge(actor, existing, doc, replace=replace, source=source, dry_run=dry_run)

    if to_doc(existing).canonical() == doc.canonical():
        return ImportResult(existing, "unchanged", f"{label} is already loaded and identical: nothing to do")
    if not replace:
        raise Conflict(f"{label} is already loaded with different content; use --replace to overwrite it, or give the file a new version")
    _refuse_if_awarded(existing)
    if dry_run:
        return ImportResult(existing, "replaced", f"would replace {label} ({_count(len(doc.skills), 'skill')})", _written(doc))
    _apply(existing, doc, partial=False)
    db.session.flush()
    audit.record(actor, "framework.replaced", existing, summary=f"replaced {label}", data={"source": source})
    return ImportResult(existing, "replaced", f"replaced {label} ({_count(len(doc.skills), 'skill')})", _written(doc))


def _merge(actor, framework: Framework, doc: FrameworkDoc, *, replace: bool, source: str | None, dry_run: bool = False) -> ImportResult:
    label = f"{framework.code} {framework.version}"
    numbers = {level.number for level in framework.levels}
    by_code = {skill.code.upper(): skill for skill in framework.skills}
    added, changed, same = [], [], []
    for info in doc.skills:
        for sl in info.levels:
            if sl.level not in numbers:
                raise InvalidInput(f"skill {info.code}: level {sl.level} is not one of {label}'s levels")
        current = by_code.get(info.code.upper())
        if current is None:
            added.append(info)
        elif _skill_data_clean(current) == _skill_data_clean_info(info):
            same.append(info)
        else:
            changed.append(info)
    if changed and not replace:
        codes = ", ".join(s.code for s in changed)
        raise Conflict(f"{label} already has skill {codes} with different content; use --replace to overwrite it")
    if changed:
        _refuse_if_awarded(framework)
    if not added and not changed:
        return ImportResult(framework, "unchanged", f"{label} already has {', '.join(s.code for s in same)}, identical: nothing to do")
    if dry_run:
        parts = [f"would add {', '.join(s.code for s in added)}"] if added else []
        parts += [f"would replace {', '.join(s.code for s in changed)}"] if changed else []
        return ImportResult(framework, "replaced" if changed else "added", f"{label}: {'; '.join(parts)}",
                            _written(doc, added + changed, whole=False))
    position = max((s.position for s in framework.skills), default=-1) + 1
    for info in added:
        skill = Skill(code=info.code, position=position)
        position += 1
        framework.skills.append(skill)
        _apply_skill(skill, info)
    for info in changed:
        _apply_skill(by_code[info.code.upper()], info)
    db.session.flush()
    parts = []
    if added:
        parts.append(f"added {', '.join(s.code for s in added)}")
    if changed:
        parts.append(f"replaced {', '.join(s.code for s in changed)}")
    summary = f"{label}: {'; '.join(parts)}"
    audit.record(actor, "framework.skills_merged", framework, summary=summary, data={"source": source, "added": [s.code for s in added], "replaced": [s.code for s in changed]})
    return ImportResult(framework, "replaced" if changed else "added", summary, _written(doc, added + changed, whole=False))


def _refuse_if_awarded(framework: Framework) -> None:
    """A published version that people have been assessed against is immutable:
    replacing its content would change, silently, what their levels mean. (One
    nobody has been assessed against yet may still be corrected by --replace.)"""
    if framework.status == "draft":
        return
    n = db.session.scalar(select(func.count()).select_from(Assessment).where(Assessment.framework_id == framework.id)) or 0
    if n:
        raise Conflict(
            f"{framework.label} is {framework.status} and {_count(n, 'assessment')} refer to it, so its content cannot be "
            f"replaced; import the changed file as a new version (--version) and migrate the validated levels "
            f"(skills-app frameworks migrate-levels {framework.code} --from {framework.version} --to NEW)")


def _skill_data_clean(skill: Skill) -> dict:
    data = _skill_data(skill)
    data["group"] = None
    return SkillInfo.model_validate(data).model_dump(mode="json")


def _skill_data_clean_info(info: SkillInfo) -> dict:
    """A skill of a partial document (a skill page), placed by category and subcategory."""
    return info.model_copy(update={"group": None}).model_dump(mode="json")


def _code(row) -> str:
    return row.code.upper()


def _level(row) -> int:
    return row.level


def _sync_children(children: list, infos, key, make) -> Iterator[tuple]:
    """Make the collection ``children`` hold one child per item of ``infos``,
    matched by ``key`` (which reads a child and an item alike): a child no item
    matches is removed, a missing one is ``make(item)`` and appended. Yields
    (child, item) in the items' order for the caller to fill in, each before
    the next is made, so that a flush on the way never meets a half-made row."""
    current = {key(child): child for child in children}
    wanted = {key(info) for info in infos}
    for child in list(children):
        if key(child) not in wanted:
            children.remove(child)
    for info in infos:
        child = current.get(key(info))
        if child is None:
            child = make(info)
            children.append(child)
        yield child, info


def _apply(framework: Framework, doc: FrameworkDoc, *, partial: bool) -> None:
    info = doc.framework
    framework.name = info.name
    framework.publisher = info.publisher
    framework.description = info.description
    framework.status = info.status
    framework.changed_at = info.changed

    for level, level_info in _sync_children(framework.levels, doc.levels, lambda x: x.number,
                                            lambda info: FrameworkLevel(number=info.number)):
        level.name = level_info.name
        level.description = level_info.description
        level.url = level_info.url

    _apply_attributes(framework, doc)
    groups, placed = doc.tree()
    by_code = _apply_groups(framework, groups)

    for position, (skill, skill_info) in enumerate(_sync_children(framework.skills, doc.skills, _code,
                                                                  lambda info: Skill(code=info.code))):
        skill.position = position
        _apply_skill(skill, skill_info, group=by_code[placed[position].upper()] if placed[position] else None)

    framework.associations[:] = [_association(position, info) for position, info in enumerate(doc.associations)]


def _association(position: int, info) -> FrameworkAssociation:
    def end(node) -> tuple[str, str | None]:
        if node.skill is not None:
            return "skill", node.skill
        if node.group is not None:
            return "group", node.group
        return "elsewhere", None

    origin_kind, origin_code = end(info.origin)
    destination_kind, destination_code = end(info.destination)
    return FrameworkAssociation(
        position=position, association_type=info.type, origin_kind=origin_kind, origin_code=origin_code,
        destination_kind=destination_kind, destination_code=destination_code, destination_uri=info.destination.uri,
        destination_identifier=info.destination.identifier, destination_title=info.destination.title, sequence=info.sequence)


def _copy(row, info, names) -> None:
    """The document's values of ``names`` onto the row."""
    for name in names:
        setattr(row, name, getattr(info, name))


def _apply_groups(framework: Framework, groups: list[GroupInfo]) -> dict[str, SkillGroup]:
    """The framework's groups made those of the document (kept by code); {code upper: group}."""
    wanted = {_code(g) for g in groups}
    for skill in framework.skills:  # a skill of a group that goes moves with its new place below
        if skill.group is not None and _code(skill.group) not in wanted:
            skill.group = None
    out: dict[str, SkillGroup] = {}
    for position, (group, info) in enumerate(_sync_children(framework.groups, groups, _code,
                                                            lambda info: SkillGroup(code=info.code))):
        group.position = position
        _copy(group, info, ("code", "name", "description", "language"))
        group.educational_level = list(info.educational_level) or None
        group.rule = info.rule.model_dump(mode="json") if info.rule else None
        group.parent = out[info.parent.upper()] if info.parent else None
        out[info.code.upper()] = group
    return out


def place(framework: Framework, category: str | None, subcategory: str | None) -> SkillGroup | None:
    """The group a skill named by category and subcategory sits in: the topmost group named
    as the category, the group below it named as the subcategory, each made where missing."""
    parent = None
    for name in (n for n in (category, subcategory) if n):
        found = next((g for g in framework.groups if g.parent is parent and g.name == name), None)
        if found is None:
            taken = {g.code.upper() for g in framework.groups}
            found = SkillGroup(code=group_code(name, taken), name=name, parent=parent,
                               position=max((g.position for g in framework.groups), default=-1) + 1)
            framework.groups.append(found)
        parent = found
    return parent


def _apply_attributes(framework: Framework, doc: FrameworkDoc) -> None:
    for position, (attribute, info) in enumerate(_sync_children(framework.attributes, doc.attributes, _code,
                                                                lambda info: FrameworkAttribute(code=info.code))):
        attribute.position = position
        _copy(attribute, info, ("code", "name", "category", "url", "description", "guidance"))
        for al, level_info in _sync_children(attribute.levels, info.levels, _level, lambda li: AttributeLevel(level=li.level)):
            al.description = level_info.description


def _apply_skill(skill: Skill, info, *, group: SkillGroup | None | bool = False) -> None:
    """``group``: the skill's group; left out, the group its category and subcategory name."""
    skill.code = info.code
    skill.name = info.name
    if group is False:
        group = place(skill.framework, info.category, info.subcategory)
    skill.group = group
    skill.url = info.url
    skill.description = info.description
    skill.guidance_intro = info.guidance_intro
    skill.guidance = list(info.guidance)
    skill.language = info.language
    skill.educational_level = list(info.educational_level) or None
    skill.rule = info.rule.model_dump(mode="json") if info.rule else None

    for sl, level_info in _sync_children(skill.levels, info.levels, _level, lambda li: SkillLevel(level=li.level)):
        sl.defined = level_info.defined
        sl.note = level_info.note
        # Descriptors keep their identity by position, so evidence attached to
        # them survives a reworded descriptor.
        for descriptor in sl.descriptors[len(level_info.descriptors):]:
            sl.descriptors.remove(descriptor)
        for position, text in enumerate(level_info.descriptors):
            if position < len(sl.descriptors):
                sl.descriptors[position].text = text
            else:
                sl.descriptors.append(Descriptor(position=position, text=text))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
