"""Levels a new framework version flagged for revalidation: who, in which
skill, because which version changed which level, and whether it is still open.

A flag is the audit event ``assessment.migration_flagged`` that the level
migration (services/level_migration) records on the old assessment: the audit
trail is the record, so nothing here writes. A flag is *open* until the person
holds a validated level of the new version's skill (revalidated, or decided
there since).

Each open flag is keyed twice, so that pages find it from either side: by the
old (person, skill) — the level that is no longer current in the new version —
and by the new (person, skill) — the requirement carried over that now reads
"not assessed".
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, select

from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Framework, Skill

FLAGGED = "assessment.migration_flagged"


@dataclass
class VersionFlag:
    assessment_id: int          # the old, validated assessment
    person_id: int
    skill_id: int               # the old skill
    level: int
    to_framework_id: int
    to_framework: str           # "SLM 2"
    to_skill: str               # "SLM"
    to_skill_id: int | None
    reason: str
    changed_levels: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        """'Revalidate: SLM 2 changed level 3'."""
        if self.changed_levels:
            levels = self.changed_levels
            which = f"level {levels[0]}" if len(levels) == 1 else f"levels {', '.join(map(str, levels[:-1]))} and {levels[-1]}"
            return f"Revalidate: {self.to_framework} changed {which}"
        return f"Revalidate in {self.to_framework}: {self.reason}"


def _changed(data: dict) -> list[int]:
    if data.get("changed_levels"):
        return [int(n) for n in data["changed_levels"]]
    # Flags recorded before the levels were kept: read them from the reason ("changed at levels 2, 3").
    reason = data.get("reason") or ""
    if "changed at level" not in reason:
        return []
    tail = reason.split("changed at level", 1)[1].lstrip("s ").split(" (")[0]
    return [int(p) for p in tail.replace(" and ", ",").split(",") if p.strip().isdigit()]


def flags_statement(person_ids):
    """The flags recorded on the assessments of these people (a list of ids, a select of them,
    or a parameter), oldest first: what ``open_flags_of`` reads."""
    return (select(AuditEvent.data, Assessment.id, Assessment.person_id, Assessment.skill_id)
            .join(Assessment, and_(AuditEvent.entity_type == "assessment", AuditEvent.entity_id == Assessment.id))
            .where(AuditEvent.action == FLAGGED, Assessment.person_id.in_(person_ids))
            .order_by(AuditEvent.id))


@functools.cache
def _listed():
    """``flags_statement`` for a list of ids, the list its parameter ``person_ids``: built once."""
    return flags_statement(bindparam("person_ids", expanding=True))


def open_flags(person_ids) -> list[VersionFlag]:
    """The open flags of these people (a list of ids, or a select of them), oldest first."""
    if isinstance(person_ids, (list, tuple, set, frozenset)):
        return open_flags_of(_listed(), {"person_ids": list(person_ids)})
    return open_flags_of(flags_statement(person_ids))


def open_flags_of(stmt, params: dict | None = None) -> list[VersionFlag]:
    """``open_flags`` of the people ``flags_statement`` names in ``stmt`` (built once by the
    caller, with ``params``)."""
    flags: dict[tuple[int, int, int], VersionFlag] = {}
    for data, assessment_id, person_id, skill_id in db.session.execute(stmt, params or {}):
        data = data or {}
        to_fw = data.get("to_framework_id")
        if not to_fw:
            continue
        flags[(person_id, skill_id, to_fw)] = VersionFlag(
            assessment_id=assessment_id, person_id=person_id, skill_id=skill_id, level=int(data.get("level") or 0),
            to_framework_id=to_fw, to_framework=data.get("to_framework") or "", to_skill=data.get("to_skill") or "",
            to_skill_id=data.get("to_skill_id"), reason=data.get("reason") or "", changed_levels=_changed(data))
    if not flags:
        return []
    # The new skills of flags recorded before their ids were kept.
    missing = {(f.to_framework_id, f.to_skill) for f in flags.values() if f.to_skill_id is None}
    if missing:
        found = {(fw, code): sid for sid, fw, code in db.session.execute(
            select(Skill.id, Skill.framework_id, Skill.code).where(Skill.framework_id.in_({fw for fw, _ in missing})))}
        for f in flags.values():
            if f.to_skill_id is None:
                f.to_skill_id = found.get((f.to_framework_id, f.to_skill))
    people = {f.person_id for f in flags.values()}
    targets = {f.to_skill_id for f in flags.values() if f.to_skill_id}
    held = set(db.session.execute(select(Assessment.person_id, Assessment.skill_id).where(
        Assessment.person_id.in_(people), Assessment.skill_id.in_(targets), Assessment.status == "validated")).all()) if targets else set()
    live = {fid for (fid,) in db.session.execute(select(Framework.id).where(Framework.id.in_({f.to_framework_id for f in flags.values()})))}
    return [f for f in flags.values() if f.to_framework_id in live and (f.person_id, f.to_skill_id) not in held]


def by_skill(flags: list[VersionFlag]) -> dict[tuple[int, int], VersionFlag]:
    """Each flag under (person, old skill) and (person, new skill)."""
    out: dict[tuple[int, int], VersionFlag] = {}
    for f in flags:
        out.setdefault((f.person_id, f.skill_id), f)
        if f.to_skill_id:
            out.setdefault((f.person_id, f.to_skill_id), f)
    return out


def for_assessment(assessment: Assessment) -> VersionFlag | None:
    """The open flag on this (old) assessment, if any."""
    return next((f for f in open_flags([assessment.person_id]) if f.assessment_id == assessment.id), None)
