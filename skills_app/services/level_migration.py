"""Carrying validated levels from one version of a framework to the next.

Through a skill mapping (the same code by default; explicit ``OLD=NEW`` pairs
for skills whose code changed), each person's current level in a skill of the
old version (their latest validated, unexpired assessment) becomes a validated
assessment of the mapped skill of the new version, at the same level and valid
until the same date, with the migrating actor as its reviewer and a decision
comment that says where it came from.

Except where the new version changed what the level means: when the
definition or the descriptors of the skill at any level at or below the one
held changed (or the new skill is not defined at that level), the level is
*flagged for re-validation* instead: nothing is awarded, the person and their
line manager are told, and the result lists it. What people were awarded is
never changed silently, and their old-version assessments stay as they were.

One call is one transaction (the caller commits): an audit event per migrated
assessment, one per flagged level, and a summary event. Running it again does
nothing more: a person who already holds a validated level of the new skill is
left alone, and a level flagged once is not flagged (nor notified) again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import InvalidInput, InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, DescriptorRating, Framework, Person, Skill
from skills_app.models.campaigns import Campaign, campaign_skill
from skills_app.models.learning import Goal, LearningResource
from skills_app.models.requirements import Crosswalk, CrosswalkLevel, Requirement
from skills_app.words import plural
from skills_app.models.framework import utcnow
from skills_app.services import audit, framework_diff, notifications
from skills_app.services import frameworks as framework_service
from skills_app.services.assessments import aware, current_levels


@dataclass
class Item:
    person_id: int
    person: str
    email: str
    from_skill: str
    to_skill: str | None
    level: int
    valid_until: datetime | None
    from_assessment_id: int
    reason: str = ""
    to_assessment_id: int | None = None
    changed_levels: list[int] = field(default_factory=list)
    editorial_levels: list[int] = field(default_factory=list)  # reworded, marked editorial: carried all the same

    def as_dict(self) -> dict:
        return {
            "person": self.person, "email": self.email, "from_skill": self.from_skill, "to_skill": self.to_skill,
            "level": self.level, "valid_until": self.valid_until.date().isoformat() if self.valid_until else None,
            "from_assessment_id": self.from_assessment_id, "to_assessment_id": self.to_assessment_id,
            "reason": self.reason,
        }


@dataclass
class MigrationResult:
    code: str
    from_version: str
    to_version: str
    dry_run: bool
    mapping: dict[str, str]
    migrated: list[Item] = field(default_factory=list)
    flagged: list[Item] = field(default_factory=list)
    already: list[Item] = field(default_factory=list)  # migrated or flagged before, or held in the new version
    not_carried: list[Item] = field(default_factory=list)  # the old skill has no counterpart
    expired: list[Item] = field(default_factory=list)
    # What else follows the skills to the new version, one sentence each (services/level_migration._carry).
    carried: list[str] = field(default_factory=list)
    retired: str | None = None  # the old version, superseded: no longer offered for self-assessment
    unmapped_skills: list[str] = field(default_factory=list)
    suggestions: dict[str, str] = field(default_factory=dict)  # old code -> new code, from the diff's likeness rule

    @property
    def label(self) -> str:
        return f"{self.code} {self.from_version} → {self.to_version}"

    def counts(self) -> dict[str, int]:
        return {"migrated": len(self.migrated), "flagged": len(self.flagged), "already": len(self.already),
                "not_carried": len(self.not_carried), "expired": len(self.expired)}

    def as_dict(self) -> dict:
        return {
            "framework": self.code, "from": self.from_version, "to": self.to_version, "dry_run": self.dry_run,
            "mapping": self.mapping, "counts": self.counts(),
            **{name: [i.as_dict() for i in getattr(self, name)] for name in ("migrated", "flagged", "already", "not_carried", "expired")},
            "unmapped_skills": self.unmapped_skills, "suggestions": self.suggestions,
            "carried": self.carried, "retired": self.retired,
        }

    def text(self) -> str:
        verb = "would be" if self.dry_run else "were"
        c = self.counts()
        lines = [f"{self.label}{' (dry run: nothing written)' if self.dry_run else ''}",
                 f"{c['migrated']} level{'s' if c['migrated'] != 1 else ''} {verb} migrated, "
                 f"{c['flagged']} flagged for re-validation, {c['already']} already done, "
                 f"{c['expired']} expired (not migrated), {c['not_carried']} with no skill to go to"]
        for title, items in (("Migrated", self.migrated), ("Flagged for re-validation", self.flagged),
                             ("Already done", self.already), ("Not carried (no skill in the new version)", self.not_carried),
                             ("Expired, not migrated", self.expired)):
            if items:
                lines.append(f"{title}:")
                for i in items:
                    target = f" → {i.to_skill}" if i.to_skill and i.to_skill != i.from_skill else ""
                    lines.append(f"  {i.person} <{i.email}>: {i.from_skill}{target} level {i.level}" + (f" — {i.reason}" if i.reason else ""))
        if self.carried:
            lines.append(f"Carried to {self.to_version}{' (would be)' if self.dry_run else ''}:")
            lines.extend(f"  {line}" for line in self.carried)
        if self.retired:
            lines.append(f"{self.retired} {'would be' if self.dry_run else 'is'} retired: no longer offered for new self-assessments.")
        for old, new in self.suggestions.items():
            lines.append(f"Hint: {old} has no skill of the same code in {self.to_version}; the diff pairs it with {new}: add --map {old}={new}")
        return "\n".join(lines) + "\n"


def parse_mapping(pairs) -> dict[str, str]:
    """``["OLD=NEW", ...]`` (or one string with pairs separated by commas or lines) as a dict."""
    if isinstance(pairs, str):
        pairs = [p for chunk in pairs.replace(",", "\n").splitlines() for p in [chunk.strip()] if p]
    out: dict[str, str] = {}
    for pair in pairs or []:
        old, sep, new = str(pair).partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise InvalidInput(f"a skill mapping is OLD=NEW (an old skill code, '=', a new skill code), not {pair!r}")
        if old.upper() in {k.upper() for k in out}:
            raise InvalidInput(f"the skill {old} is mapped twice")
        out[old] = new
    return out


def _versions(code: str, from_version: str, to_version: str) -> tuple[Framework, Framework]:
    old = framework_service.find(code, from_version)
    new = framework_service.find(code, to_version)
    if old is None:
        raise NotFound(f"no framework {code} version {from_version}")
    if new is None:
        raise NotFound(f"no framework {code} version {to_version}")
    if old.id == new.id:
        raise InvalidInput("choose two different versions: the levels go from one version to another")
    return old, new


def diff_versions(actor, code: str, from_version: str, to_version: str, mapping: dict[str, str] | None = None):
    """The diff between two stored versions (see services/framework_diff)."""
    policy.require(actor, "view_frameworks")
    old, new = _versions(code, from_version, to_version)
    return framework_diff.diff(framework_service.to_doc(old), framework_service.to_doc(new), mapping)


def _editorial_only(change, level: int, to_skill: Skill) -> bool:
    """Did the level change in wording only: every change of it a reworded
    descriptor the new version marks editorial (none added or removed, the
    definition the same)?"""
    lc = next((lc for lc in change.levels if lc.level == level), None)
    if lc is None or lc.definition_changed:
        return False
    moved = [dc for dc in lc.descriptors if dc.kind != "same"]
    entry = to_skill.level(level)
    if not moved or entry is None or any(dc.kind != "changed" or not dc.position_new for dc in moved):
        return False
    by_position = {d.position + 1: d for d in entry.descriptors}
    return all(getattr(by_position.get(dc.position_new), "change", None) == "editorial" for dc in moved)


def change_marks(framework: Framework) -> dict[tuple[str, int, int], str]:
    """(skill code, level, position from 1) -> "editorial" | "substantive", as the version marks them."""
    return {(skill.code, sl.level, d.position + 1): d.change
            for skill in framework.skills for sl in skill.levels for d in sl.descriptors if d.change}


def _flagged_before(assessment_ids: list[int], to_framework_id: int) -> set[int]:
    if not assessment_ids:
        return set()
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "assessment.migration_flagged", AuditEvent.entity_type == "assessment",
        AuditEvent.entity_id.in_(assessment_ids)))
    return {e.entity_id for e in events if (e.data or {}).get("to_framework_id") == to_framework_id}


def _carry(actor, old: Framework, new: Framework, targets: dict[int, Skill | None], result: MigrationResult, *,
           dry_run: bool) -> None:
    """Carry what points at the old version's skills to their new skills, in the
    same step: job role and service requirements (moved), crosswalks (a copy for
    the new version, with its skill mapping), open campaigns (the new skill in
    place of the old), open development goals (likewise) and learning resources
    (mapped to the new skill too).
    Each carried thing is one sentence of ``result.carried`` and, unless
    ``dry_run``, one audit event."""
    old_ids = [sid for sid, t in targets.items() if t is not None]
    if not old_ids:
        return
    lines = result.carried

    # Requirements: moved, unless the owner already requires the new skill.
    for req in db.session.scalars(select(Requirement).where(Requirement.skill_id.in_(old_ids))
                                  .order_by(Requirement.job_role_id, Requirement.service_id, Requirement.id)):
        to = targets[req.skill_id]
        owner = req.job_role or req.service
        what = f"{'Job role' if req.job_role else 'Service'} {owner.name}"
        clash = db.session.scalar(select(Requirement.id).where(
            Requirement.skill_id == to.id,
            (Requirement.job_role_id == req.job_role_id) if req.job_role_id else (Requirement.service_id == req.service_id)))
        if clash:
            lines.append(f"{what}: already requires {to.code} in {new.label}; its {old.label} requirement of {req.skill.code} "
                         "is left as it is")
            continue
        lines.append(f"{what}: requires {to.code} level {req.min_level} in {new.label} (was {req.skill.code} in {old.label})")
        if not dry_run:
            before, before_id = req.skill.code, req.skill_id
            req.skill = to
            audit.record(actor, "requirement.carried", req, summary=f"{what}: requirement of {before} level {req.min_level} "
                                                                   f"carried from {old.label} to {to.code} in {new.label}",
                         data={"from_skill_id": before_id, "to_skill_id": to.id, "min_level": req.min_level})

    # Crosswalks from or to the old version: a copy from or to the new one.
    for cw in db.session.scalars(select(Crosswalk).where(or_(Crosswalk.from_framework_id == old.id, Crosswalk.to_framework_id == old.id))
                                 .options(selectinload(Crosswalk.levels)).order_by(Crosswalk.id)):
        from_fw = new if cw.from_framework_id == old.id else cw.from_framework
        to_fw = new if cw.to_framework_id == old.id else cw.to_framework
        exists = db.session.scalar(select(Crosswalk.name).where(Crosswalk.from_framework_id == from_fw.id,
                                                                Crosswalk.to_framework_id == to_fw.id))
        if exists == f"{cw.name} ({new.label})":
            continue  # carried before
        if exists:
            lines.append(f"Crosswalk {from_fw.label} → {to_fw.label} exists already; {cw.name!r} is left as it is")
            continue
        rows = []
        for lv in cw.levels:
            f_skill = targets.get(lv.from_skill_id, lv.from_skill) if cw.from_framework_id == old.id else lv.from_skill
            t_skill = targets.get(lv.to_skill_id, lv.to_skill) if cw.to_framework_id == old.id else lv.to_skill
            if f_skill is None or t_skill is None:
                continue
            rows.append((f_skill, t_skill, lv.from_level, lv.to_level))
        pairs = sorted({f"{f.code}→{t.code}" for f, t, _, _ in rows})
        lines.append(f"Crosswalk {cw.from_framework.label} → {cw.to_framework.label} copied as {from_fw.label} → {to_fw.label} "
                     f"({plural(len(rows), 'level mapping')}: {', '.join(pairs) or 'none'})")
        if not dry_run:
            copy = Crosswalk(name=f"{cw.name} ({new.label})", description=cw.description, from_framework=from_fw, to_framework=to_fw)
            seen = set()
            for f, t, fl, tl in rows:
                if (f.id, t.id, fl) not in seen:
                    seen.add((f.id, t.id, fl))
                    copy.levels.append(CrosswalkLevel(from_skill=f, to_skill=t, from_level=fl, to_level=tl))
            db.session.add(copy)
            db.session.flush()
            audit.record(actor, "crosswalk.carried", copy, summary=f"crosswalk {cw.name!r} carried to {new.label}",
                         data={"from_crosswalk_id": cw.id, "levels": len(rows)})

    # Open campaigns asking for an old skill: the new skill takes its place.
    for campaign in db.session.scalars(select(Campaign).where(Campaign.status == "open").join(
            campaign_skill, campaign_skill.c.campaign_id == Campaign.id).where(campaign_skill.c.skill_id.in_(old_ids))
            .distinct().order_by(Campaign.id)):
        swapped = [(s, targets[s.id]) for s in campaign.skills if targets.get(s.id) is not None]
        lines.append(f"Open campaign {campaign.name!r}: asks for "
                     f"{', '.join(t.code for _, t in swapped)} in {new.label} instead of {old.label}")
        if not dry_run:
            skills = [targets.get(s.id) or s for s in campaign.skills]
            campaign.skills = list(dict.fromkeys(skills))
            audit.record(actor, "campaign.skills_carried", campaign,
                         summary=f"campaign {campaign.name!r}: skills carried from {old.label} to {new.label}",
                         data={"from": [s.id for s, _ in swapped], "to": [t.id for _, t in swapped]})

    # Open development goals (services/plans.py): the new skill in place of the old, so that a
    # validation in the new version reaches them.
    for goal in db.session.scalars(select(Goal).where(Goal.skill_id.in_(old_ids), Goal.state.in_(("proposed", "agreed")))
                                   .order_by(Goal.id)):
        to = targets[goal.skill_id]
        lines.append(f"Development goal of {goal.person.name}: {to.code} level {goal.target_level} in {new.label} "
                     f"instead of {old.label}")
        if not dry_run:
            before = goal.skill_id
            goal.skill = to
            db.session.flush()
            audit.record(actor, "goal.carried", goal, summary=f"goal {to.code} level {goal.target_level} of {goal.person.email} "
                                                           f"carried from {old.label} to {new.label}",
                         data={"person_id": goal.person_id, "from_skill_id": before, "to_skill_id": to.id})

    # Learning resources: mapped to the new skill too (a copy), unless one like it is there.
    for res in db.session.scalars(select(LearningResource).where(LearningResource.skill_id.in_(old_ids))
                                  .order_by(LearningResource.id)):
        to = targets[res.skill_id]
        twin = db.session.scalar(select(LearningResource.id).where(LearningResource.skill_id == to.id,
                                                                   LearningResource.title == res.title,
                                                                   LearningResource.target_level == res.target_level))
        if twin:
            continue
        lines.append(f"Learning resource {res.title!r}: mapped to {to.code} level {res.target_level} in {new.label}")
        if not dry_run:
            copy = LearningResource(title=res.title, kind=res.kind, provider=res.provider, url=res.url,
                                    duration_hours=res.duration_hours, description=res.description, skill=to,
                                    target_level=res.target_level)
            db.session.add(copy)
            db.session.flush()
            audit.record(actor, "learning_resource.carried", copy,
                         summary=f"learning resource {res.title!r} mapped to {to.code} in {new.label}",
                         data={"from_resource_id": res.id})


def migrate(actor, code: str, from_version: str, to_version: str, mapping: dict[str, str] | None = None,
            *, dry_run: bool = False) -> MigrationResult:
    policy.require(actor, "manage_frameworks")
    old, new = _versions(code, from_version, to_version)
    if new.status != "published":
        raise InvalidState(f"{new.label} is {new.status}: levels can only be migrated into a published version; publish it first")
    mapping = dict(mapping or {})
    old_by_code = {s.code.upper(): s for s in old.skills}
    new_by_code = {s.code.upper(): s for s in new.skills}
    for from_code, to_code in mapping.items():
        if from_code.upper() not in old_by_code:
            raise InvalidInput(f"--map {from_code}={to_code}: {old.label} has no skill {from_code}")
        if to_code.upper() not in new_by_code:
            raise InvalidInput(f"--map {from_code}={to_code}: {new.label} has no skill {to_code}")
    # The skill each old skill goes to: the mapping, else the same code.
    explicit = {k.upper(): new_by_code[v.upper()] for k, v in mapping.items()}
    targets: dict[int, Skill | None] = {}
    for skill in old.skills:
        targets[skill.id] = explicit.get(skill.code.upper(), new_by_code.get(skill.code.upper()))
    full_mapping = {s.code: targets[s.id].code for s in old.skills if targets[s.id] is not None}
    changes = framework_diff.diff(framework_service.to_doc(old), framework_service.to_doc(new), full_mapping)
    result = MigrationResult(old.code, old.version, new.version, dry_run, full_mapping)
    result.unmapped_skills = [s.code for s in old.skills if targets[s.id] is None]
    result.suggestions = {c.old_code: c.new_code for c in changes.matched
                          if c.old_code in result.unmapped_skills}
    result.unmapped_skills = [c for c in result.unmapped_skills if c not in result.suggestions]

    # Everyone with a validated assessment of the old version, and their current levels.
    validated = db.session.scalars(
        select(Assessment).where(Assessment.framework_id == old.id, Assessment.status == "validated")
        .options(selectinload(Assessment.person).selectinload(Person.manager))
        .order_by(Assessment.person_id, Assessment.skill_id, Assessment.id)
    ).all()
    people = {a.person_id: a.person for a in validated}
    levels_now = current_levels(people)
    current = {key: level for key, level in levels_now.items() if key[1] in targets}
    new_skill_ids = {s.id for s in new.skills}
    # (person, new skill) -> (level, assessment id): a validated level of the new
    # skill, current or not, is the new version's own decision and is left alone.
    held_new: dict[tuple[int, int], tuple[int, int]] = {
        key: (lvl.level, lvl.assessment_id) for key, lvl in levels_now.items() if key[1] in new_skill_ids}
    if people and new_skill_ids:
        for a in db.session.scalars(select(Assessment).where(
                Assessment.skill_id.in_(new_skill_ids), Assessment.person_id.in_(list(people)),
                Assessment.status == "validated").order_by(Assessment.id.desc())):
            held_new.setdefault((a.person_id, a.skill_id), (a.validated_level, a.id))
    flagged_before = _flagged_before([lvl.assessment_id for lvl in current.values()], new.id)
    skills = {s.id: s for s in old.skills}

    seen_expired: set[tuple[int, int]] = set()
    for a in validated:
        key = (a.person_id, a.skill_id)
        if key in current or key in seen_expired:
            continue
        seen_expired.add(key)
        person = a.person
        result.expired.append(Item(person.id, person.name, person.email, skills[a.skill_id].code, None, a.validated_level,
                                   aware(a.valid_until), a.id, reason=f"expired on {aware(a.valid_until).date().isoformat()}"
                                   if a.valid_until else "expired"))

    now = utcnow()
    who = actor.name if isinstance(actor, Person) else "the system (command line)"
    for (person_id, skill_id), held in sorted(current.items(), key=lambda kv: (people[kv[0][0]].name, skills[kv[0][1]].position)):
        person, from_skill, to_skill = people[person_id], skills[skill_id], targets[skill_id]
        item = Item(person.id, person.name, person.email, from_skill.code, to_skill.code if to_skill else None,
                    held.level, held.valid_until, held.assessment_id)
        if to_skill is None:
            hint = result.suggestions.get(from_skill.code)
            item.reason = f"{new.label} has no skill {from_skill.code}" + (f" (the diff pairs it with {hint}: map it)" if hint else "")
            result.not_carried.append(item)
            continue
        existing = held_new.get((person_id, to_skill.id))
        if existing is not None:
            item.reason = f"already holds a validated level of {to_skill.code} in {new.label} (level {existing[0]})"
            item.to_assessment_id = existing[1]
            result.already.append(item)
            continue
        change = changes.for_old_code(from_skill.code)
        changed = change.changed_up_to(held.level) if change else []
        editorial = [n for n in changed if _editorial_only(change, n, to_skill)]
        changed = [n for n in changed if n not in editorial]
        defined = held.level in to_skill.defined_levels
        item.changed_levels, item.editorial_levels = list(changed), editorial
        if changed or not defined:
            if not defined:
                item.reason = f"{to_skill.code} is not defined at level {held.level} in {new.label}"
            else:
                which = ", ".join(str(n) for n in changed)
                item.reason = f"the descriptors of {to_skill.code} changed at level{'s' if len(changed) > 1 else ''} {which}"
            if held.assessment_id in flagged_before:
                item.reason += " (flagged before)"
                result.already.append(item)
                continue
            result.flagged.append(item)
            continue
        result.migrated.append(item)

    _carry(actor, old, new, targets, result, dry_run=dry_run)
    if old.status == "published":
        result.retired = old.label
    if dry_run:
        return result
    if old.status == "published":
        old.status = "retired"
        audit.record(actor, "framework.retired", old, summary=f"{old.label} retired: superseded by {new.label}, its levels migrated",
                     data={"superseded_by": new.id})

    old_assessments = {a.id: a for a in validated}
    for item in result.migrated:
        source = old_assessments[item.from_assessment_id]
        to_skill = next(s for s in new.skills if s.code == item.to_skill)
        reviewer = source.reviewer.name if source.reviewer else "the system"
        decided = aware(source.decided_at).date().isoformat() if source.decided_at else "an earlier date"
        comment = (f"Migrated from {old.label} {source.skill.code} level {item.level} (assessment #{source.id}, validated by "
                   f"{reviewer} on {decided}) by {who}: the descriptors of {to_skill.code} at levels up to {item.level} "
                   f"did not change in {new.label}"
                   + (f" but in wording (level {', '.join(map(str, item.editorial_levels))}, marked editorial)."
                      if item.editorial_levels else "."))
        moved = Assessment(person_id=item.person_id, framework_id=new.id, skill=to_skill, claimed_level=item.level,
                           status="validated", validated_level=item.level, valid_until=source.valid_until,
                           reviewer=actor if isinstance(actor, Person) else None, decided_at=now,
                           submitted_at=source.submitted_at, decision_comment=comment)
        # The self-ratings and verdicts, descriptor by descriptor: those levels are unchanged.
        by_place = {(sl.level, d.position): d for sl in to_skill.levels for d in sl.descriptors}
        for rating in source.ratings:
            d = rating.descriptor
            target = by_place.get((d.skill_level.level, d.position))
            if target is not None and d.skill_level.level <= item.level:
                moved.ratings.append(DescriptorRating(descriptor_id=target.id, rating=rating.rating, verdict=rating.verdict,
                                                      verdict_comment=rating.verdict_comment))
        db.session.add(moved)
        db.session.flush()
        item.to_assessment_id = moved.id
        audit.record(actor, "assessment.migrated", moved,
                     summary=f"{item.person}'s {source.skill.code} level {item.level} ({old.label}) migrated to "
                             f"{to_skill.code} level {item.level} ({new.label})",
                     data={"from_assessment_id": source.id, "from_framework": old.label, "from_skill": source.skill.code,
                           "to_framework": new.label, "to_skill": to_skill.code, "level": item.level,
                           "valid_until": item.valid_until.date().isoformat() if item.valid_until else None})
    for item in result.flagged:
        source = old_assessments[item.from_assessment_id]
        audit.record(actor, "assessment.migration_flagged", source,
                     summary=f"{item.person}'s {item.from_skill} level {item.level} ({old.label}) not migrated to "
                             f"{new.label}: {item.reason}; flagged for re-validation",
                     data={"to_framework_id": new.id, "to_framework": new.label, "to_skill": item.to_skill,
                           "to_skill_id": next((s.id for s in new.skills if s.code == item.to_skill), None),
                           "changed_levels": item.changed_levels, "level": item.level, "reason": item.reason})
        person = source.person
        message = (f"{new.label} changed {item.to_skill} ({item.reason}), so your validated level {item.level} in "
                   f"{old.label} was not carried over: please self-assess {item.to_skill} again in {new.label} "
                   f"for your line manager to validate. Your {old.label} level stays on record.")
        notifications.notify(person, message, f"/assessments/{source.id}")
        if person.manager is not None and person.manager.active:
            notifications.notify(person.manager, f"{person.name}'s validated level {item.level} in {item.from_skill} "
                                                 f"({old.label}) needs re-validation in {new.label}: {item.reason}.",
                                 f"/people/{person.id}")
    db.session.flush()
    audit.record(actor, "framework.levels_migrated", new,
                 summary=f"validated levels migrated {result.label}: {len(result.migrated)} migrated, "
                         f"{len(result.flagged)} flagged for re-validation, {len(result.already)} already done",
                 data={"from_framework_id": old.id, "mapping": full_mapping, "counts": result.counts(),
                       "flagged": [i.as_dict() for i in result.flagged], "carried": result.carried,
                       "retired": result.retired})
    return result
