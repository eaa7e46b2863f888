"""Crosswalks: one framework's skill levels mapped onto another's.

The file format (YAML or JSON), documented in docs/crosswalks.md::

    crosswalk:
      name: In-house SLM scale onto SFIA
      from: {framework: SLM, version: "1"}
      to: {framework: SFIA, version: "8"}
    skills:
      - from: SLM          # a skill of the "from" framework
        to: SLMO           # a skill of the "to" framework
        levels: {1: 1, 2: 2, 3: 3, 4: 5, 5: 6}   # from-level: to-level

A level held in the "from" skill counts as the mapped level of the "to" skill;
a level held in the "to" skill counts as the highest "from" level that maps at
or below it. The gap engine uses both directions.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.importers.document import FrameworkFileError, format_path
from skills_app.models import Crosswalk, CrosswalkLevel, Framework
from skills_app.services import by_id
from skills_app.services import audit
from skills_app.services import frameworks as framework_service


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FrameworkRef(_Strict):
    framework: str = Field(min_length=1)
    version: str | None = None


class SkillMap(_Strict):
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    levels: dict[int, int] = Field(min_length=1)


class CrosswalkInfo(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    from_: FrameworkRef = Field(alias="from")
    to: FrameworkRef


class CrosswalkDoc(_Strict):
    crosswalk: CrosswalkInfo
    skills: list[SkillMap] = Field(min_length=1)


def parse(data: Any, file: str) -> CrosswalkDoc:
    if not isinstance(data, dict):
        raise FrameworkFileError(file, None, "expected a mapping with the keys crosswalk and skills")
    try:
        return CrosswalkDoc.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple("from" if part == "from_" else part for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif first["type"] == "missing":
            message = f"missing required field {loc[-1]!r}"
        raise FrameworkFileError(file, format_path(loc), message) from None


def _framework(ref: FrameworkRef, file: str, where: str) -> Framework:
    framework = framework_service.find(ref.framework, ref.version)
    if framework is None:
        what = f"{ref.framework} version {ref.version}" if ref.version else ref.framework
        raise FrameworkFileError(file, where, f"no framework {what} is loaded; import it first")
    return framework


def _rows(items: list[SkillMap], source: Framework, target: Framework, file: str) -> list[tuple]:
    """Check skill maps against the two framework versions: (from skill, to skill, from level, to level) each."""
    rows = []
    pairs: dict[tuple[int, int], int] = {}
    from_levels = {lvl.number for lvl in source.levels}
    to_levels = {lvl.number for lvl in target.levels}
    for i, item in enumerate(items):
        a = next((s for s in source.skills if s.code.upper() == item.from_.upper()), None)
        b = next((s for s in target.skills if s.code.upper() == item.to.upper()), None)
        if a is None:
            raise FrameworkFileError(file, f"skills[{i}].from", f"{source.label} has no skill {item.from_}")
        if b is None:
            raise FrameworkFileError(file, f"skills[{i}].to", f"{target.label} has no skill {item.to}")
        if (a.id, b.id) in pairs:
            raise FrameworkFileError(file, f"skills[{i}]", f"{a.code} → {b.code} is mapped twice (also skills[{pairs[(a.id, b.id)]}])")
        pairs[(a.id, b.id)] = i
        last = None
        for from_level, to_level in sorted(item.levels.items()):
            if from_level not in from_levels:
                raise FrameworkFileError(file, f"skills[{i}].levels.{from_level}", f"{source.label} has no level {from_level}")
            if to_level not in to_levels:
                raise FrameworkFileError(file, f"skills[{i}].levels.{from_level}", f"{target.label} has no level {to_level}")
            if last is not None and to_level < last:
                raise FrameworkFileError(file, f"skills[{i}].levels.{from_level}", "a higher level cannot map to a lower one")
            last = to_level
            rows.append((a, b, from_level, to_level))
    return rows


def import_doc(actor, doc: CrosswalkDoc, file: str, *, replace: bool = False) -> tuple[Crosswalk, str]:
    policy.require(actor, "manage_frameworks")
    source = _framework(doc.crosswalk.from_, file, "crosswalk.from")
    target = _framework(doc.crosswalk.to, file, "crosswalk.to")
    if source.id == target.id:
        raise FrameworkFileError(file, "crosswalk.to", "a crosswalk maps one framework onto another, not onto itself")
    rows = _rows(doc.skills, source, target, file)

    existing = db.session.scalar(select(Crosswalk).where(Crosswalk.from_framework_id == source.id, Crosswalk.to_framework_id == target.id))
    wanted = sorted((a.id, b.id, f, t) for a, b, f, t in rows)
    if existing is not None:
        have = sorted((lvl.from_skill_id, lvl.to_skill_id, lvl.from_level, lvl.to_level) for lvl in existing.levels)
        if have == wanted and existing.name == doc.crosswalk.name and existing.description == doc.crosswalk.description:
            return existing, f"crosswalk {source.label} → {target.label} is already loaded and identical: nothing to do"
        if not replace:
            raise Conflict(f"a crosswalk {source.label} → {target.label} is already loaded with different content; use --replace")
        existing.levels.clear()
        db.session.flush()
        crosswalk = existing
    else:
        crosswalk = Crosswalk(from_framework=source, to_framework=target)
        db.session.add(crosswalk)
    crosswalk.name, crosswalk.description = doc.crosswalk.name, doc.crosswalk.description
    for a, b, f, t in rows:
        crosswalk.levels.append(CrosswalkLevel(from_skill=a, to_skill=b, from_level=f, to_level=t))
    db.session.flush()
    verb = "replaced" if existing is not None else "created"
    audit.record(actor, f"crosswalk.{verb}", crosswalk, summary=f"crosswalk {source.label} → {target.label} {verb}",
                 data={"file": file, "levels": len(rows)})
    return crosswalk, f"{verb} crosswalk {source.label} → {target.label} ({len(rows)} level mappings)"


def list_all(actor) -> list[Crosswalk]:
    policy.require(actor, "view_frameworks")
    stmt = select(Crosswalk).options(
        selectinload(Crosswalk.levels).selectinload(CrosswalkLevel.from_skill),
        selectinload(Crosswalk.levels).selectinload(CrosswalkLevel.to_skill),
        selectinload(Crosswalk.from_framework), selectinload(Crosswalk.to_framework),
    ).order_by(Crosswalk.id)
    return list(db.session.scalars(stmt))


def get(actor, crosswalk_id: int) -> Crosswalk:
    policy.require(actor, "view_frameworks")
    return by_id(Crosswalk, crosswalk_id, "crosswalk")


def export(crosswalk: Crosswalk) -> dict:
    """The crosswalk as its file's plain data."""
    skills: dict[tuple[str, str], dict[int, int]] = {}
    for lvl in crosswalk.levels:
        skills.setdefault((lvl.from_skill.code, lvl.to_skill.code), {})[lvl.from_level] = lvl.to_level
    info: dict[str, Any] = {"name": crosswalk.name}
    if crosswalk.description:
        info["description"] = crosswalk.description
    info["from"] = {"framework": crosswalk.from_framework.code, "version": crosswalk.from_framework.version}
    info["to"] = {"framework": crosswalk.to_framework.code, "version": crosswalk.to_framework.version}
    return {
        "crosswalk": info,
        "skills": [{"from": a, "to": b, "levels": dict(sorted(levels.items()))} for (a, b), levels in skills.items()],
    }


# -- editing in the browser ------------------------------------------------------------
# The same rules as the file import: the crosswalk's info is checked as
# CrosswalkInfo, each skill pair as SkillMap and then against the two framework
# versions by _rows(), so a crosswalk edited here exports as a file that imports.

def _invalid(exc: FrameworkFileError, field: str) -> InvalidInput:
    return InvalidInput.on(field, exc.message)


def _check_info(name: str, description: str | None) -> CrosswalkInfo:
    data = {"name": (name or "").strip(), "description": (description or "").strip() or None,
            "from": {"framework": "x"}, "to": {"framework": "x"}}
    try:
        return CrosswalkInfo.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "name"
        message = "must not be empty" if first["type"] == "string_too_short" else first["msg"]
        raise InvalidInput.on(field, message, f"{field}: {message}") from None


def create(actor, *, name: str, description: str | None, source: Framework | None, target: Framework | None) -> Crosswalk:
    """A new crosswalk between two framework versions, with no skill pairs yet (every problem
    of the name, the description and the versions not chosen told at once)."""
    policy.require(actor, "manage_frameworks")
    problems: dict[str, str] = {}
    try:
        info = _check_info(name, description)
    except InvalidInput as exc:
        problems.update(exc.fields)
    problems.update({k: "choose a framework version" for k, f in (("from", source), ("to", target)) if f is None})
    if problems:
        raise InvalidInput.on_fields(problems)
    if source.id == target.id:
        raise InvalidInput("a crosswalk maps one framework onto another, not onto itself",
                           details={"fields": {"to": "choose another framework version than the one it maps from"}})
    existing = db.session.scalar(select(Crosswalk).where(Crosswalk.from_framework_id == source.id, Crosswalk.to_framework_id == target.id))
    if existing is not None:
        raise Conflict(f"there is already a crosswalk {source.label} → {target.label} ({existing.name}): edit that one",
                       details={"fields": {"to": f"{source.label} → {target.label} already exists"}, "crosswalk_id": existing.id})
    crosswalk = Crosswalk(name=info.name, description=info.description, from_framework=source, to_framework=target)
    db.session.add(crosswalk)
    db.session.flush()
    audit.record(actor, "crosswalk.created", crosswalk, summary=f"crosswalk {source.label} → {target.label} created",
                 data={"name": info.name, "levels": 0})
    return crosswalk


def update_info(actor, crosswalk: Crosswalk, *, name: str, description: str | None) -> None:
    policy.require(actor, "manage_frameworks")
    info = _check_info(name, description)
    if (crosswalk.name, crosswalk.description) != (info.name, info.description):
        before = [crosswalk.name, crosswalk.description]
        crosswalk.name, crosswalk.description = info.name, info.description
        db.session.flush()
        audit.record(actor, "crosswalk.edited", crosswalk, summary=f"crosswalk {_label(crosswalk)}: name or description changed",
                     data={"before": before, "after": [info.name, info.description]})


def _label(crosswalk: Crosswalk) -> str:
    return f"{crosswalk.from_framework.label} → {crosswalk.to_framework.label}"


def skill_maps(crosswalk: Crosswalk) -> list[dict]:
    """The crosswalk's skill pairs: {from, to, from_skill, to_skill, levels: {from level: to level}} each."""
    pairs: dict[tuple[int, int], dict] = {}
    for lvl in crosswalk.levels:
        entry = pairs.setdefault((lvl.from_skill_id, lvl.to_skill_id), {
            "from": lvl.from_skill.code, "to": lvl.to_skill.code, "from_skill": lvl.from_skill, "to_skill": lvl.to_skill, "levels": {}})
        entry["levels"][lvl.from_level] = lvl.to_level
    return sorted(pairs.values(), key=lambda p: (p["from_skill"].position, p["to_skill"].position))


def set_skill_map(actor, crosswalk: Crosswalk, *, from_code: str, to_code: str, levels: dict) -> int:
    """Map one skill pair level by level (replacing its map); returns how many level mappings it has."""
    policy.require(actor, "manage_frameworks")
    clean: dict[int, int] = {}
    for key, value in (levels or {}).items():
        if value in (None, ""):
            continue
        try:
            clean[int(key)] = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"level {key}: choose a level number", details={"fields": {f"level-{key}": "choose a level number"}}) from None
    if not clean:
        raise InvalidInput("map at least one level (to take the pair out, remove it)",
                           details={"fields": {"levels": "map at least one level"}})
    try:
        item = SkillMap.model_validate({"from": from_code, "to": to_code, "levels": clean})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = {"from_": "from"}.get(str(first["loc"][0]), str(first["loc"][0])) if first["loc"] else "from"
        raise InvalidInput(f"{field}: {first['msg']}", details={"fields": {field: first["msg"]}}) from None
    file = f"crosswalk {_label(crosswalk)}"
    try:
        rows = _rows([item], crosswalk.from_framework, crosswalk.to_framework, file)
    except FrameworkFileError as exc:
        where = exc.location or ""
        field = "from" if where.endswith(".from") else "to" if where.endswith(".to") else f"level-{where.rsplit('.', 1)[-1]}" if ".levels." in where else "levels"
        raise _invalid(exc, field) from None
    a, b = rows[0][0], rows[0][1]
    before = {lvl.from_level: lvl.to_level for lvl in crosswalk.levels if lvl.from_skill_id == a.id and lvl.to_skill_id == b.id}
    for lvl in [lvl for lvl in crosswalk.levels if lvl.from_skill_id == a.id and lvl.to_skill_id == b.id]:
        crosswalk.levels.remove(lvl)
    db.session.flush()
    for _, _, f, t in rows:
        crosswalk.levels.append(CrosswalkLevel(from_skill=a, to_skill=b, from_level=f, to_level=t))
    db.session.flush()
    after = {f: t for _, _, f, t in rows}
    if before != after:
        audit.record(actor, "crosswalk.edited", crosswalk,
                     summary=f"crosswalk {_label(crosswalk)}: {a.code} → {b.code} " + ("mapped" if not before else "changed")
                             + f" ({', '.join(f'{f}→{t}' for f, t in sorted(after.items()))})",
                     data={"from": a.code, "to": b.code, "before": {str(k): v for k, v in before.items()},
                           "after": {str(k): v for k, v in after.items()}})
    return len(rows)


def remove_skill_map(actor, crosswalk: Crosswalk, *, from_code: str, to_code: str) -> None:
    policy.require(actor, "manage_frameworks")
    gone = [lvl for lvl in crosswalk.levels
            if lvl.from_skill.code.upper() == (from_code or "").upper() and lvl.to_skill.code.upper() == (to_code or "").upper()]
    if not gone:
        # Named in the form, not the address: the page says so (a second click on Remove, say).
        raise InvalidState(f"the crosswalk does not map {from_code} onto {to_code}")
    for lvl in gone:
        crosswalk.levels.remove(lvl)
    db.session.flush()
    audit.record(actor, "crosswalk.edited", crosswalk, summary=f"crosswalk {_label(crosswalk)}: {from_code} → {to_code} removed",
                 data={"from": from_code, "to": to_code, "removed": {str(lvl.from_level): lvl.to_level for lvl in gone}})


def delete(actor, crosswalk: Crosswalk) -> None:
    policy.require(actor, "manage_frameworks")
    label, crosswalk_id, levels = _label(crosswalk), crosswalk.id, len(crosswalk.levels)
    db.session.delete(crosswalk)
    db.session.flush()
    audit.record(actor, "crosswalk.deleted", crosswalk, summary=f"crosswalk {label} deleted ({levels} level mappings)",
                 data={"crosswalk_id": crosswalk_id, "name": crosswalk.name})
