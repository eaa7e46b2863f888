"""What changed between two versions of a framework: pure functions over two
:class:`FrameworkDoc` documents (no database), so the diff page, the
``frameworks diff`` command and the migration of validated levels all see the
same changes.

How skills are matched (docs/versions.md says the same):

1. An explicit mapping ``OLD=NEW`` pairs two skills whatever their codes.
2. Otherwise skills with the same code (ignoring case) are the same skill.
3. Of the skills left over on both sides, a removed and an added skill are the
   same skill under a new code when their descriptors are alike: the word
   similarity of all their descriptors (in level order) is at least
   :data:`RENAME_THRESHOLD`; when neither has descriptors, their descriptions
   are compared instead. Pairs are taken best first, each skill once.

A matched skill is *renamed* when its code or its name changed, and *moved*
when its category or subcategory changed. Per level, the diff tells whether
the level became defined or undefined and which descriptors were added,
removed or changed; descriptors are aligned in order, and a removed and an
added descriptor next to each other are one *changed* descriptor when their
words are at least :data:`CHANGED_THRESHOLD` alike.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from skills_app.importers.document import FrameworkDoc, SkillInfo

RENAME_THRESHOLD = 0.6
CHANGED_THRESHOLD = 0.5

_TOKENS = re.compile(r"\w+|[^\w\s]+|\s+")


# -- words -------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return [t.lower() for t in _TOKENS.findall(text or "") if not t.isspace()]


def similarity(a: str, b: str) -> float:
    """How alike two texts are, word by word: 0 (nothing shared) to 1 (the same words)."""
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` as segments ``(kind, text)``, kind one of
    ``same``, ``removed``, ``added``; joining the same and removed segments gives
    ``old``, the same and added ones ``new``."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    segments: list[tuple[str, str]] = []

    def push(kind: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == kind:
            segments[-1] = (kind, segments[-1][1] + text)
        else:
            segments.append((kind, text))

    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            push("same", "".join(a[i1:i2]))
        else:
            push("removed", "".join(a[i1:i2]))
            push("added", "".join(b[j1:j2]))
    return segments


def word_diff_text(segments: list[tuple[str, str]]) -> str:
    """A word diff as plain text: ``[-removed-]`` and ``{+added+}`` (as git's --word-diff)."""
    marks = {"same": "{}", "removed": "[-{}-]", "added": "{{+{}+}}"}
    return "".join(marks[kind].format(text) for kind, text in segments)


# -- the diff ----------------------------------------------------------------------

@dataclass
class DescriptorChange:
    kind: str  # added | removed | changed | same
    position_old: int | None  # 1-based
    position_new: int | None
    old: str | None
    new: str | None
    words: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class LevelChange:
    level: int
    defined_old: bool | None  # None: the skill had no entry at this level
    defined_new: bool | None
    note_old: str | None = None
    note_new: str | None = None
    descriptors: list[DescriptorChange] = field(default_factory=list)

    @property
    def definition_changed(self) -> bool:
        return bool(self.defined_old) != bool(self.defined_new)

    @property
    def descriptors_changed(self) -> bool:
        return any(d.kind != "same" for d in self.descriptors)

    @property
    def note_changed(self) -> bool:
        return (self.note_old or None) != (self.note_new or None)

    @property
    def changed(self) -> bool:
        return self.definition_changed or self.descriptors_changed or self.note_changed


@dataclass
class SkillChange:
    """One skill present in both versions (matched by code, mapping or likeness)."""

    old_code: str
    new_code: str
    old_name: str
    new_name: str
    matched_by: str  # code | mapping | descriptors | description
    similarity: float | None = None
    old_place: tuple[str | None, str | None] = (None, None)  # (category, subcategory)
    new_place: tuple[str | None, str | None] = (None, None)
    fields: dict[str, tuple] = field(default_factory=dict)  # description, guidance, ...: (old, new)
    levels: list[LevelChange] = field(default_factory=list)

    @property
    def renamed(self) -> bool:
        return self.old_code != self.new_code or self.old_name != self.new_name

    @property
    def code_changed(self) -> bool:
        return self.old_code.upper() != self.new_code.upper()

    @property
    def moved(self) -> bool:
        return self.old_place != self.new_place

    @property
    def levels_changed(self) -> list[LevelChange]:
        return [lc for lc in self.levels if lc.changed]

    @property
    def changed(self) -> bool:
        return self.renamed or self.moved or bool(self.fields) or bool(self.levels_changed)

    def changed_up_to(self, level: int) -> list[int]:
        """The levels at or below ``level`` whose definition or descriptors changed:
        a level held there must be validated again."""
        return [lc.level for lc in self.levels
                if lc.level <= level and (lc.definition_changed or lc.descriptors_changed)]


@dataclass
class SkillRef:
    code: str
    name: str
    category: str | None
    subcategory: str | None
    defined_levels: list[int]


@dataclass
class FrameworkDiff:
    code: str
    old_version: str
    new_version: str
    info: dict[str, tuple] = field(default_factory=dict)  # name, publisher, description, status: (old, new)
    levels_added: list[tuple[int, str]] = field(default_factory=list)
    levels_removed: list[tuple[int, str]] = field(default_factory=list)
    levels_changed: list[dict] = field(default_factory=list)  # {number, name: (old, new)?, description: (old, new)?}
    added: list[SkillRef] = field(default_factory=list)
    removed: list[SkillRef] = field(default_factory=list)
    matched: list[SkillChange] = field(default_factory=list)

    @property
    def renamed(self) -> list[SkillChange]:
        return [s for s in self.matched if s.renamed]

    @property
    def moved(self) -> list[SkillChange]:
        return [s for s in self.matched if s.moved]

    @property
    def changed(self) -> list[SkillChange]:
        return [s for s in self.matched if s.changed]

    @property
    def unchanged(self) -> list[SkillChange]:
        return [s for s in self.matched if not s.changed]

    def mapping(self) -> dict[str, str]:
        """Old skill code → new skill code, for every matched skill."""
        return {s.old_code: s.new_code for s in self.matched}

    def for_old_code(self, code: str) -> SkillChange | None:
        return next((s for s in self.matched if s.old_code.upper() == code.upper()), None)

    @property
    def is_empty(self) -> bool:
        return not (self.info or self.levels_added or self.levels_removed or self.levels_changed
                    or self.added or self.removed or self.changed)

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added), "removed": len(self.removed), "renamed": len(self.renamed),
            "moved": len(self.moved), "changed": len(self.changed), "unchanged": len(self.unchanged),
        }


def _ref(skill: SkillInfo) -> SkillRef:
    return SkillRef(skill.code, skill.name, skill.category, skill.subcategory,
                    [sl.level for sl in skill.levels if sl.defined])


def _all_descriptors(skill: SkillInfo) -> str:
    return "\n".join(d for sl in sorted(skill.levels, key=lambda sl: sl.level) for d in sl.descriptors)


def _likeness(a: SkillInfo, b: SkillInfo) -> tuple[float, str]:
    da, db_ = _all_descriptors(a), _all_descriptors(b)
    if da or db_:
        return similarity(da, db_), "descriptors"
    if a.description or b.description:
        return similarity(a.description or "", b.description or ""), "description"
    return 0.0, "description"


def _descriptor_changes(old: list[str], new: list[str]) -> list[DescriptorChange]:
    out: list[DescriptorChange] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                out.append(DescriptorChange("same", i1 + k + 1, j1 + k + 1, old[i1 + k], new[j1 + k]))
            continue
        olds, news = list(range(i1, i2)), list(range(j1, j2))
        # Pair the removed and added descriptors of this block in order, where alike.
        while olds and news:
            i, j = olds[0], news[0]
            if similarity(old[i], new[j]) >= CHANGED_THRESHOLD:
                out.append(DescriptorChange("changed", i + 1, j + 1, old[i], new[j], word_diff(old[i], new[j])))
                olds.pop(0)
                news.pop(0)
            elif len(olds) >= len(news):
                out.append(DescriptorChange("removed", i + 1, None, old[i], None))
                olds.pop(0)
            else:
                out.append(DescriptorChange("added", None, j + 1, None, new[j]))
                news.pop(0)
        out.extend(DescriptorChange("removed", i + 1, None, old[i], None) for i in olds)
        out.extend(DescriptorChange("added", None, j + 1, None, new[j]) for j in news)
    return out


def _changed(a, b, names) -> dict[str, tuple]:
    """{name: (before, after)} of the attributes ``names`` that differ from ``a`` to ``b``."""
    return {name: (getattr(a, name), getattr(b, name)) for name in names if getattr(a, name) != getattr(b, name)}


def _by_number(old, new, number) -> list[tuple[int, object, object]]:
    """``(number, old item or None, new item or None)`` for every number either list has, in order."""
    olds, news = {number(x): x for x in old}, {number(x): x for x in new}
    return [(n, olds.get(n), news.get(n)) for n in sorted(olds.keys() | news.keys())]


def _skill_change(a: SkillInfo, b: SkillInfo, matched_by: str, score: float | None) -> SkillChange:
    change = SkillChange(a.code, b.code, a.name, b.name, matched_by, score,
                         (a.category, a.subcategory), (b.category, b.subcategory))
    change.fields.update(_changed(a, b, ("description", "guidance_intro", "guidance", "url")))
    for number, o, n in _by_number(a.levels, b.levels, lambda sl: sl.level):
        change.levels.append(LevelChange(
            level=number,
            defined_old=o.defined if o else None,
            defined_new=n.defined if n else None,
            note_old=o.note if o else None,
            note_new=n.note if n else None,
            descriptors=_descriptor_changes(list(o.descriptors) if o else [], list(n.descriptors) if n else []),
        ))
    return change


def diff(old: FrameworkDoc, new: FrameworkDoc, mapping: dict[str, str] | None = None) -> FrameworkDiff:
    """The changes from ``old`` to ``new``; ``mapping`` pairs old skill codes with new ones explicitly."""
    result = FrameworkDiff(old.framework.code, old.framework.version, new.framework.version)
    result.info.update(_changed(old.framework, new.framework, ("name", "publisher", "description", "status")))
    for number, o, n in _by_number(old.levels, new.levels, lambda lvl: lvl.number):
        if o is None:
            result.levels_added.append((number, n.name))
        elif n is None:
            result.levels_removed.append((number, o.name))
        else:
            changed = _changed(o, n, ("name", "description"))
            if changed:
                result.levels_changed.append({"number": number, **changed})

    old_skills = {s.code.upper(): s for s in old.skills}
    new_skills = {s.code.upper(): s for s in new.skills}
    pairs: list[tuple[SkillInfo, SkillInfo, str, float | None]] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    for from_code, to_code in (mapping or {}).items():
        a, b = old_skills.get(from_code.upper()), new_skills.get(to_code.upper())
        if a is None or b is None or a.code.upper() in used_old or b.code.upper() in used_new:
            continue
        pairs.append((a, b, "mapping", None))
        used_old.add(a.code.upper())
        used_new.add(b.code.upper())
    for key, a in old_skills.items():
        if key in used_old or key not in new_skills or key in used_new:
            continue
        pairs.append((a, new_skills[key], "code", None))
        used_old.add(key)
        used_new.add(key)
    left_old = [s for k, s in old_skills.items() if k not in used_old]
    left_new = [s for k, s in new_skills.items() if k not in used_new]
    candidates = []
    for a in left_old:
        for b in left_new:
            score, by = _likeness(a, b)
            if score >= RENAME_THRESHOLD:
                candidates.append((score, a, b, by))
    candidates.sort(key=lambda c: (-c[0], c[1].code, c[2].code))
    for score, a, b, by in candidates:
        if a.code.upper() in used_old or b.code.upper() in used_new:
            continue
        pairs.append((a, b, by, round(score, 3)))
        used_old.add(a.code.upper())
        used_new.add(b.code.upper())

    order = {s.code.upper(): i for i, s in enumerate(new.skills)}
    for a, b, by, score in sorted(pairs, key=lambda p: order[p[1].code.upper()]):
        result.matched.append(_skill_change(a, b, by, score))
    result.added = [_ref(s) for k, s in new_skills.items() if k not in used_new]
    result.removed = [_ref(s) for k, s in old_skills.items() if k not in used_old]
    return result


# -- output ------------------------------------------------------------------------

def to_json(d: FrameworkDiff) -> dict:
    """The diff as plain data (what ``frameworks diff --format json`` prints)."""

    def level(lc: LevelChange) -> dict:
        return {
            "level": lc.level, "defined": [lc.defined_old, lc.defined_new],
            **({"note": [lc.note_old, lc.note_new]} if lc.note_changed else {}),
            "descriptors": [
                {k: v for k, v in asdict(dc).items() if k != "words" or dc.kind == "changed"}
                | ({"word_diff": word_diff_text(dc.words)} if dc.kind == "changed" else {})
                for dc in lc.descriptors if dc.kind != "same"
            ],
        }

    def skill(s: SkillChange) -> dict:
        return {
            "from": s.old_code, "to": s.new_code, "matched_by": s.matched_by, "similarity": s.similarity,
            "name": [s.old_name, s.new_name] if s.old_name != s.new_name else None,
            "renamed": s.renamed, "moved": s.moved,
            "place": {"from": list(s.old_place), "to": list(s.new_place)} if s.moved else None,
            "fields": {k: list(v) for k, v in s.fields.items()},
            "levels": [level(lc) for lc in s.levels_changed],
        }

    return {
        "framework": d.code, "from": d.old_version, "to": d.new_version,
        "summary": d.summary(),
        "info": {k: list(v) for k, v in d.info.items()},
        "levels": {
            "added": [{"number": n, "name": name} for n, name in d.levels_added],
            "removed": [{"number": n, "name": name} for n, name in d.levels_removed],
            "changed": [{k: (list(v) if isinstance(v, tuple) else v) for k, v in e.items()} for e in d.levels_changed],
        },
        "skills": {
            "added": [asdict(s) for s in d.added],
            "removed": [asdict(s) for s in d.removed],
            "changed": [skill(s) for s in d.changed],
            "unchanged": [s.new_code for s in d.unchanged],
        },
    }


def _place(place: tuple[str | None, str | None]) -> str:
    return " › ".join(p for p in place if p) or "(no category)"


def to_text(d: FrameworkDiff) -> str:
    """The diff for people: what ``frameworks diff`` prints."""
    out = [f"{d.code} {d.old_version} → {d.new_version}"]
    s = d.summary()
    out.append(f"skills: {s['added']} added, {s['removed']} removed, {s['renamed']} renamed, {s['moved']} moved, "
               f"{s['changed']} changed, {s['unchanged']} unchanged")
    if d.is_empty:
        out.append("No differences.")
        return "\n".join(out) + "\n"
    for name, (before, after) in d.info.items():
        out.append(f"framework {name}: {before!r} → {after!r}")
    for n, name in d.levels_added:
        out.append(f"level added: {n} {name}")
    for n, name in d.levels_removed:
        out.append(f"level removed: {n} {name}")
    for e in d.levels_changed:
        for key in ("name", "description"):
            if key in e:
                out.append(f"level {e['number']} {key}: {e[key][0]!r} → {e[key][1]!r}")
    if d.added:
        out.append("")
        out.append("Added skills:")
        out.extend(f"  + {r.code} {r.name} ({_place((r.category, r.subcategory))})" for r in d.added)
    if d.removed:
        out.append("")
        out.append("Removed skills:")
        out.extend(f"  - {r.code} {r.name} ({_place((r.category, r.subcategory))})" for r in d.removed)
    for c in d.changed:
        out.append("")
        title = c.old_code if not c.code_changed else f"{c.old_code} → {c.new_code}"
        how = {"code": "", "mapping": " (by the mapping)",
               "descriptors": f" (code changed; descriptors {c.similarity:.0%} alike)" if c.similarity is not None else "",
               "description": f" (code changed; descriptions {c.similarity:.0%} alike)" if c.similarity is not None else ""}[c.matched_by]
        out.append(f"~ {title} {c.new_name}{how}")
        if c.old_name != c.new_name:
            out.append(f"    renamed: {c.old_name!r} → {c.new_name!r}")
        if c.moved:
            out.append(f"    moved: {_place(c.old_place)} → {_place(c.new_place)}")
        for name, (before, after) in c.fields.items():
            if isinstance(before, str) and isinstance(after, str):
                out.append(f"    {name}: {word_diff_text(word_diff(before, after))}")
            else:
                out.append(f"    {name}: {before!r} → {after!r}")
        for lc in c.levels_changed:
            if lc.definition_changed:
                state = {True: "defined", False: "not defined", None: "not listed"}
                out.append(f"    level {lc.level}: {state[lc.defined_old]} → {state[lc.defined_new]}")
            elif lc.note_changed and not lc.descriptors_changed:
                out.append(f"    level {lc.level}: note changed")
            for dc in lc.descriptors:
                if dc.kind == "added":
                    out.append(f"    level {lc.level} + descriptor {dc.position_new}: {dc.new}")
                elif dc.kind == "removed":
                    out.append(f"    level {lc.level} - descriptor {dc.position_old}: {dc.old}")
                elif dc.kind == "changed":
                    where = f"{dc.position_old}" if dc.position_old == dc.position_new else f"{dc.position_old} → {dc.position_new}"
                    out.append(f"    level {lc.level} ~ descriptor {where}: {word_diff_text(dc.words)}")
    return "\n".join(out) + "\n"
