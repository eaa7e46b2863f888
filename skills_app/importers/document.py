"""The plain data every framework importer parses to, and its validation.

A :class:`FrameworkDoc` mirrors the native framework file of PRODUCT.md, so
the native importer validates a file by building one, and every other
importer builds one from its own layout. Validation errors carry a location:
a path of keys (``skills[0].levels[2].descriptors[1]``) that the native
importer turns into a line number where it knows one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import (
    BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, ValidationError, field_validator, model_validator,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")]
# A group's code: whatever the source codes it with (CASE's humanCodingScheme "6.RP.A"), on one line.
GroupCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\r\n]+$")]


@dataclass
class FrameworkFileError(Exception):
    """A framework file that cannot be imported: which file, where in it, and what is wrong."""

    file: str
    location: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        return f"{where}: {self.message}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FrameworkInfo(_Strict):
    code: Code
    name: Text
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    publisher: Text | None = None
    description: Text | None = None
    status: Annotated[str, StringConstraints(pattern=r"^(draft|published|retired)$")] = "published"
    # When the source says the framework last changed (CASE's lastChangeDateTime), in UTC
    # to the second; exports write it rather than the time of import.
    changed: datetime | None = None

    @field_validator("changed", mode="after")
    @classmethod
    def _utc_to_the_second(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value.replace(microsecond=0)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        # `version: 9` in YAML is a number; a version is a label.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value


class LevelInfo(_Strict):
    number: Annotated[int, Field(ge=0, le=99, strict=True)]
    name: Text
    description: Text | None = None
    url: Text | None = None


class AttributeLevelInfo(_Strict):
    level: Annotated[int, Field(ge=0, le=99, strict=True)]
    description: Text


class AttributeInfo(_Strict):
    """A generic attribute of the levels (SFIA's Autonomy, Influence, ...), described per level."""

    code: Code
    name: Text
    category: Text | None = None
    url: Text | None = None
    description: Text | None = None
    guidance: Text | None = None
    levels: list[AttributeLevelInfo] = Field(default_factory=list)


class SkillLevelInfo(_Strict):
    level: Annotated[int, Field(ge=0, le=99, strict=True)]
    defined: bool = True
    note: Text | None = None
    descriptors: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _descriptors_only_when_defined(self) -> SkillLevelInfo:
        if not self.defined and self.descriptors:
            raise ValueError(f"level {self.level} is not defined (defined: false) but has descriptors")
        return self


class GroupInfo(_Strict):
    """A group of skills in the framework's tree; ``parent`` is the code of a group listed before it."""

    code: GroupCode
    name: Text
    description: Text | None = None
    parent: GroupCode | None = None
    language: Language | None = None
    educational_level: EducationLevels = Field(default_factory=list)
    rule: RuleInfo | None = None


EducationLevels = list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]]
Language = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")]


class RuleInfo(_Strict):
    """How a group or skill is completed from what is below it (Moodle's competency rules:
    ``core_competency\\competency_rule_all``, ``..._points`` with its configuration)."""

    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    outcome: Annotated[int, Field(ge=0, le=9, strict=True)] = 0
    config: Text | None = None


class AssociationEnd(_Strict):
    """One end of an association: a skill or a group of the framework (by code), or a node
    elsewhere (a CASE item of another package, a web page) by its address, identifier and title."""

    skill: Code | None = None
    group: GroupCode | None = None
    uri: Text | None = None
    identifier: Text | None = None
    title: Text | None = None

    @model_validator(mode="after")
    def _one_node(self) -> AssociationEnd:
        inside = [k for k in ("skill", "group") if getattr(self, k) is not None]
        outside = self.uri is not None or self.identifier is not None
        if len(inside) + bool(outside) != 1:
            raise ValueError("give one of skill, group, or (for a node elsewhere) uri and identifier")
        if inside and self.title is not None:
            raise ValueError("a title is for a node elsewhere only")
        return self


class AssociationInfo(_Strict):
    """A relation of a skill or group to another node other than the tree's own (CASE's
    exactMatchOf, isRelatedTo, precedes, exemplar, ...; Moodle's cross-references)."""

    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^\S+$")]
    origin: AssociationEnd
    destination: AssociationEnd
    sequence: Annotated[int, Field(ge=0, le=10**9, strict=True)] | None = None


class SkillInfo(_Strict):
    code: Code
    name: Text
    # The group it sits in (a code of the document's groups). Without one, the
    # category (topmost group) and subcategory (the group below it) name it.
    group: GroupCode | None = None
    category: Text | None = None
    subcategory: Text | None = None
    url: Text | None = None
    description: Text | None = None
    guidance_intro: Text | None = None
    guidance: list[Text] = Field(default_factory=list)
    # CASE's language and educationalLevel of the item, where the source gives them.
    language: Language | None = None
    educational_level: EducationLevels = Field(default_factory=list)
    rule: RuleInfo | None = None
    levels: list[SkillLevelInfo] = Field(default_factory=list)

    @field_validator("guidance", mode="before")
    @classmethod
    def _guidance_as_list(cls, value: Any) -> Any:
        # A single paragraph of guidance is accepted as a list of one.
        return [value] if isinstance(value, str) else value


class FrameworkDoc(_Strict):
    framework: FrameworkInfo
    levels: list[LevelInfo] = Field(min_length=1)
    attributes: list[AttributeInfo] = Field(default_factory=list)
    groups: list[GroupInfo] = Field(default_factory=list)
    skills: list[SkillInfo] = Field(default_factory=list)
    associations: list[AssociationInfo] = Field(default_factory=list)
    # What the importer did not keep of its source, or kept in another shape
    # (importers/report.py); not part of the document's data.
    _report: Any = PrivateAttr(default=None)

    @property
    def report(self):
        return self._report

    def __eq__(self, other: object) -> bool:
        # Two documents are equal by their data, whichever way they name the groups of their
        # tree (see canonical); the report of how one was read is not part of it.
        if not isinstance(other, FrameworkDoc):
            return NotImplemented
        return self.canonical() == other.canonical()

    __hash__ = None  # type: ignore[assignment]

    def with_report(self, report) -> FrameworkDoc:
        self._report = report
        return self

    def check(self) -> list[tuple[tuple, str]]:
        """Rules across entries that field validation cannot see: (path, message) each."""
        problems: list[tuple[tuple, str]] = []
        numbers: dict[int, int] = {}
        for i, level in enumerate(self.levels):
            if level.number in numbers:
                problems.append((("levels", i, "number"), f"level {level.number} is listed twice (also levels[{numbers[level.number]}])"))
            numbers.setdefault(level.number, i)
        attribute_codes: dict[str, int] = {}
        for a, attribute in enumerate(self.attributes):
            key = attribute.code.upper()
            if key in attribute_codes:
                problems.append((("attributes", a, "code"), f"duplicate attribute code {attribute.code!r} (also attributes[{attribute_codes[key]}])"))
            attribute_codes.setdefault(key, a)
            seen_levels: set[int] = set()
            for j, attribute_level in enumerate(attribute.levels):
                path = ("attributes", a, "levels", j, "level")
                if attribute_level.level not in numbers:
                    known = ", ".join(str(n) for n in sorted(numbers))
                    problems.append((path, f"level {attribute_level.level} is not one of the framework's levels ({known})"))
                if attribute_level.level in seen_levels:
                    problems.append((path, f"level {attribute_level.level} of attribute {attribute.code} is listed twice"))
                seen_levels.add(attribute_level.level)
        group_codes: dict[str, int] = {}
        for g, group in enumerate(self.groups):
            key = group.code.upper()
            if key in group_codes:
                problems.append((("groups", g, "code"), f"duplicate group code {group.code!r} (also groups[{group_codes[key]}])"))
            if group.parent is not None and group.parent.upper() not in group_codes:
                later = any(other.code.upper() == group.parent.upper() for other in self.groups[g:])
                problems.append((("groups", g, "parent"), f"group {group.parent!r} is listed after this group; list a parent before its children"
                                 if later else f"no group has the code {group.parent!r}"))
            group_codes.setdefault(key, g)
        paths = {code: self.group_path(code) for code in group_codes}
        codes: dict[str, int] = {}
        for s, skill in enumerate(self.skills):
            if skill.group is not None:
                if skill.group.upper() not in group_codes:
                    problems.append((("skills", s, "group"), f"no group has the code {skill.group!r}"))
                else:
                    names = [self.groups[group_codes[c]].name for c in paths[skill.group.upper()]]
                    category, subcategory = names[0], (names[-1] if len(names) > 1 else None)
                    if skill.category is not None and skill.category != category:
                        problems.append((("skills", s, "category"), f"the category {skill.category!r} is not the name of the topmost group "
                                         f"above the skill ({category!r}); give the group only"))
                    elif skill.subcategory is not None and skill.subcategory != subcategory:
                        problems.append((("skills", s, "subcategory"), f"the subcategory {skill.subcategory!r} is not the name of the group "
                                         f"the skill sits in ({subcategory or names[-1]!r}); give the group only"))
            key = skill.code.upper()
            if key in codes:
                problems.append((("skills", s, "code"), f"duplicate skill code {skill.code!r} (also skills[{codes[key]}])"))
            codes.setdefault(key, s)
            seen: dict[int, int] = {}
            for j, skill_level in enumerate(skill.levels):
                path = ("skills", s, "levels", j, "level")
                if skill_level.level not in numbers:
                    known = ", ".join(str(n) for n in sorted(numbers))
                    problems.append((path, f"level {skill_level.level} is not one of the framework's levels ({known})"))
                if skill_level.level in seen:
                    problems.append((path, f"level {skill_level.level} of skill {skill.code} is listed twice"))
                seen.setdefault(skill_level.level, j)
                if skill_level.defined and not skill_level.descriptors:
                    problems.append((("skills", s, "levels", j, "descriptors"), f"level {skill_level.level} of skill {skill.code} is defined but has no descriptors"))
        skill_codes = set(codes)
        for a, association in enumerate(self.associations):
            for end in ("origin", "destination"):
                node = getattr(association, end)
                if node.skill is not None and node.skill.upper() not in skill_codes:
                    problems.append((("associations", a, end, "skill"), f"no skill has the code {node.skill!r}"))
                if node.group is not None and node.group.upper() not in group_codes:
                    problems.append((("associations", a, end, "group"), f"no group has the code {node.group!r}"))
            if association.origin.skill is None and association.origin.group is None:
                problems.append((("associations", a, "origin"), "an association starts at a skill or a group of the framework"))
        return problems

    def group_path(self, code: str) -> list[str]:
        """The codes (upper case) of the groups from the top down to the group ``code``."""
        parents = {g.code.upper(): (g.parent.upper() if g.parent else None) for g in self.groups}
        chain: list[str] = []
        current: str | None = code.upper()
        while current is not None and current in parents and current not in chain:
            chain.append(current)
            current = parents[current]
        return list(reversed(chain))

    def tree(self) -> tuple[list[GroupInfo], list[str | None]]:
        """The groups of the framework, and the code of each skill's group (None: no group).

        Skills that name their group by category and subcategory get the groups of those
        names (the topmost group named as the category, the group below it named as the
        subcategory), made where the document does not list them, in the order the skills
        first name them, with codes made from the names (see :func:`group_code`)."""
        groups = list(self.groups)
        by_place: dict[tuple, str] = {}
        taken: set[str] = set()
        for group in groups:
            taken.add(group.code.upper())
        for group in groups:
            parent = by_place.get(("code", group.parent.upper())) if group.parent else None
            by_place.setdefault(("code", group.code.upper()), group.code)
            by_place.setdefault(("name", parent, group.name), group.code)
        out: list[str | None] = []
        for skill in self.skills:
            if skill.group is not None:
                out.append(by_place.get(("code", skill.group.upper()), skill.group))
                continue
            names = [n for n in (skill.category, skill.subcategory) if n]
            parent = None
            for name in names:
                code = by_place.get(("name", parent, name))
                if code is None:
                    code = group_code(name, taken)
                    taken.add(code.upper())
                    groups.append(GroupInfo(code=code, name=name, parent=parent))
                    by_place[("code", code.upper())] = code
                    by_place[("name", parent, name)] = code
                parent = code
            out.append(parent)
        return groups, out

    def plain_tree(self) -> bool:
        """Whether the tree is what the skills' categories and subcategories alone make (two
        levels at most, codes made from the names, no descriptions, every group holding a
        skill): then a file may name the groups that way only, as files made before groups
        had codes did."""
        canon = self.canonical()
        names = FrameworkDoc.model_construct(groups=[], skills=[
            SkillInfo.model_construct(group=None, category=s.get("category"), subcategory=s.get("subcategory"))
            for s in canon["skills"]])
        derived, _ = names.tree()
        return [_prune(g.model_dump(mode="json")) for g in derived] == canon.get("groups", [])

    def canonical(self) -> dict:
        """The document's data with its tree spelled out (every group listed, every skill's
        group given with its category and subcategory) and without its time of change: two
        documents that mean the same framework have the same canonical form, whichever way
        they name their groups."""
        groups, placed = self.tree()
        data = self.model_dump(mode="json")
        data["framework"].pop("changed", None)  # when it changed is not what it is
        data["groups"] = [g.model_dump(mode="json") for g in groups]
        names = {g.code.upper(): g for g in groups}
        parents = {g.code.upper(): g.parent for g in groups}
        for skill, code in zip(data["skills"], placed):
            chain: list[str] = []
            current = code
            while current is not None and current.upper() not in chain:
                chain.append(current.upper())
                current = parents.get(current.upper())
            chain.reverse()
            skill["group"] = names[chain[-1]].code if chain else None
            skill["category"] = names[chain[0]].name if chain else None
            skill["subcategory"] = names[chain[-1]].name if len(chain) > 1 else None
        return _prune(data)

    def to_native(self) -> dict:
        """The native file as plain data, in the order PRODUCT.md gives, without empty keys."""
        return _prune(self.model_dump(mode="json"))


def group_code(name: str, taken: set[str]) -> str:
    """A code for a group known by its name only: the name made a code (runs of other
    characters become '-', at most 40 long), with -2, -3, ... where that is taken (upper case)."""
    base = re.sub(r"[^A-Za-z0-9._\-]+", "-", name.strip()).strip("-._")[:40].rstrip("-._") or "group"
    code, n = base, 2
    while code.upper() in taken:
        code = f"{base[:36].rstrip('-._')}-{n}"
        n += 1
    return code


def _prune(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None or item == [] and key in {"guidance", "descriptors", "attributes", "groups", "associations", "educational_level"}:
                continue
            out[key] = _prune(item)
        return out
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def format_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def build(data: Any, file: str, locate=None) -> FrameworkDoc:
    """Validate plain data as a framework document, raising FrameworkFileError at the first problem.

    ``locate(path) -> str | None`` turns a path of keys into a line reference.
    """

    def where(path: tuple) -> str:
        text = format_path(path) or "top level"
        line = locate(path) if locate else None
        return f"line {line} ({text})" if line else text

    if not isinstance(data, dict):
        raise FrameworkFileError(file, None, "expected a mapping with the keys framework, levels and skills")
    bad = _control_characters(data)
    if bad is not None:
        path, char = bad
        raise FrameworkFileError(file, where(path), f"contains the control character U+{ord(char):04X}; only tabs and line breaks are allowed in text")
    return build_at(data, file, where)


def build_at(data: dict, file: str, place) -> FrameworkDoc:
    """Validate plain data as a framework document; errors name the place that
    ``place(path)`` gives for the path of keys at fault."""
    try:
        doc = FrameworkDoc.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FrameworkFileError(file, place(tuple(first["loc"])), _message(first)) from None
    problems = doc.check()
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        raise FrameworkFileError(file, place(path), message + more)
    return doc


_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def _control_characters(value, path: tuple = ()) -> tuple[tuple, str] | None:
    """The first string (or key) holding a control character no text should hold
    (NUL and the like: databases refuse some, and no person typed them)."""
    if isinstance(value, str):
        for char in value:
            if (ord(char) < 32 and char not in _ALLOWED_CONTROLS) or ord(char) == 127:
                return path, char
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _control_characters(key, path) if isinstance(key, str) else None
            found = found or _control_characters(item, path + (key,))
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _control_characters(item, path + (i,))
            if found:
                return found
    return None


def _message(error: dict) -> str:
    kind = error["type"]
    loc = error["loc"]
    key = loc[-1] if loc else ""
    if kind == "missing":
        return f"missing required field {key!r}"
    if kind == "extra_forbidden":
        return f"unknown key {key!r}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch" and key == "code":
        return "a code is letters, digits, '.', '_' or '-', starting with a letter or digit"
    if kind == "string_pattern_mismatch" and key == "status":
        return "status is one of draft, published, retired"
    if kind == "too_short" and key == "levels":
        return "a framework needs at least one level"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message[0].lower() + message[1:] if message else kind
