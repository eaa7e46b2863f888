"""SFIA-style plain text: one skill, its description, guidance and levels.

Two layouts are read, and anything between them:

* a skill's page copied off the SFIA website::

      Service level management SLMO
      <description>
      Guidance notes
      <intro>  • <note>  • <note>
      Defined at these levels: 2 3 4 5 6 7
      Service level management: Level 1
      <"not typically observed" note>
      Service level management: Level 2
      <descriptor paragraph> ...

* an in-house proficiency document with bulleted levels::

      Service Level Management (SLM)
      <description>
      Proficiency Level
      Level 1 (Follow)
        • <descriptor>  • <descriptor>

A heading may cover several levels ("Information systems coordination:
Levels 1-5", "Level 1-2"): each of them gets what follows it. Markdown
heading marks ('## ', '### ') are dropped.

Paragraphs are separated by blank lines; a line that starts with a bullet
starts a new item; wrapped lines are joined. Nothing here knows a particular
skill, code or range of levels.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from skills_app.importers.document import FrameworkDoc, FrameworkFileError, build
from skills_app.importers.report import ImportReport

# The levels of responsibility, common to every SFIA skill (SFIA 8 and 9 name them alike).
SFIA_LEVEL_NAMES = {
    1: "Follow",
    2: "Assist",
    3: "Apply",
    4: "Enable",
    5: "Ensure/advise",
    6: "Initiate/influence",
    7: "Set strategy/inspire/mobilise",
}
DEFAULT_SFIA_VERSION = "8"

BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙●○■□➢►*\-–—]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
LEVEL_HEADING = re.compile(
    r"^(?:(?P<skill>[^:]{2,120}?)\s*[:\-–—]\s*)?levels?\s+(?P<number>\d{1,2})(?:\s*(?:[-–—]|to)\s*(?P<to>\d{1,2}))?"
    r"(?:\s*\((?P<paren>[^)]{1,80})\)|\s*[:\-–—]\s*(?P<after>[^.]{1,80}))?\s*$",
    re.IGNORECASE,
)
GUIDANCE_HEADING = re.compile(r"^guidance(?:\s+notes)?\s*:?$", re.IGNORECASE)
DEFINED_AT = re.compile(r"^defined at (?:these|the following)?\s*levels?\s*:?\s*(?P<levels>[\d\s,\-–]*)$", re.IGNORECASE)
STRUCTURAL = re.compile(r"^(?:(?:proficiency|competency|skill)\s+)?levels?(?:\s+descriptors?)?\s*:?$|^(?:description|overview)\s*:?$", re.IGNORECASE)
DESCRIPTION_HEADING = re.compile(r"^(?:description|overview)\s*:?$", re.IGNORECASE)
TITLE_PAREN = re.compile(r"^(?P<name>.*[a-z].*?)\s*\((?P<code>[A-Za-z][A-Za-z0-9&._\-]{0,15})\)$")
TITLE_TRAILING_CODE = re.compile(r"^(?P<name>.*[a-z].*?)\s+(?P<code>[A-Z][A-Z0-9]{1,7})$")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
NOT_OBSERVED = re.compile(r"not (?:typically )?(?:observed|practi[cs]ed|defined)", re.IGNORECASE)


@dataclass
class Item:
    line: int
    text: str
    bullet: bool = False


@dataclass
class LevelSection:
    number: int
    name: str | None
    line: int
    items: list[Item] = field(default_factory=list)


def _items(text: str) -> list[Item]:
    items: list[Item] = []
    current: Item | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        # A page kept as Markdown heads its parts '## Skill', '### Guidance notes'.
        raw = MARKDOWN_HEADING.sub("", raw)
        line = raw.strip()
        if not line:
            current = None
            continue
        bullet = BULLET.match(raw)
        # The first line, when it reads as a skill's title with its code, stands alone:
        # a description pasted right under it is not part of the title.
        title = len(items) == 1 and current is items[0] and _is_title(current.text)
        if bullet:
            current = Item(number, bullet.group("text").strip(), bullet=True)
            items.append(current)
        elif current is not None and not title and not _is_heading(line) and not _is_heading(current.text):
            current.text = f"{current.text} {line}"
        else:
            current = Item(number, line)
            items.append(current)
    for item in items:
        item.text = re.sub(r"\s+", " ", item.text).strip()
    return items


def _is_title(line: str) -> bool:
    return bool(len(line) <= 150 and (TITLE_PAREN.match(line) or TITLE_TRAILING_CODE.match(line)))


def _is_heading(line: str) -> bool:
    return bool(
        LEVEL_HEADING.match(line) or GUIDANCE_HEADING.match(line) or DEFINED_AT.match(line) or STRUCTURAL.match(line)
    )


def _numbers(spec: str, file: str, line: int) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"[\s,]+", spec.strip()):
        if not part:
            continue
        if re.fullmatch(r"\d+\s*[\-–]\s*\d+", part):
            low, high = (int(n) for n in re.split(r"[\-–]", part))
            numbers.extend(range(low, high + 1))
        elif part.isdigit():
            numbers.append(int(part))
        else:
            raise FrameworkFileError(file, f"line {line}", f"cannot read the level list {spec!r}")
    return numbers


def parse(
    text: str,
    file: str,
    *,
    framework_code: str | None = None,
    framework_name: str | None = None,
    version: str | None = None,
    publisher: str | None = None,
    skill_code: str | None = None,
) -> FrameworkDoc:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    items = _items(text)
    if not items:
        raise FrameworkFileError(file, None, "the file is empty")

    headings = [(i, LEVEL_HEADING.match(item.text)) for i, item in enumerate(items) if not item.bullet]
    headings = [(i, m) for i, m in headings if m]
    if not headings:
        raise FrameworkFileError(
            file, None,
            "no level headings found: expected lines such as 'Level 1 (Follow)' or 'Service level management: Level 2'",
        )
    prefixed = {m.group("skill").strip().lower() for _, m in headings if m.group("skill")}

    # The title: the line naming the skill and its code.
    title_index, name, code = _find_title(items, headings[0][0], prefixed, skill_code, file)
    # SFIA's pages head each level "<skill>: Level N" and list the defined levels;
    # an in-house document heads them "Level N (Name)" and names its own levels.
    sfia = bool(prefixed) or any(DEFINED_AT.match(it.text) for it in items if not it.bullet)

    preamble = [it.text for it in items[:title_index] if not it.bullet]

    description: list[str] = []
    guidance_intro: list[str] = []
    guidance: list[str] = []
    defined_at: list[int] | None = None
    sections: list[LevelSection] = []
    current: list[LevelSection] = []
    merged: list[tuple[Item, int, int]] = []
    between: list[Item] = []  # paragraphs among the guidance lists
    section = "description"
    for item in items[title_index + 1:]:
        heading = None if item.bullet else LEVEL_HEADING.match(item.text)
        if heading:
            low = int(heading.group("number"))
            high = int(heading.group("to") or low)
            if high < low:
                raise FrameworkFileError(file, f"line {item.line}", f"the levels {low}-{high} run backwards")
            level_name = heading.group("paren") or heading.group("after")
            current = []
            for number in range(low, high + 1):
                for other in sections:
                    if other.number == number:
                        raise FrameworkFileError(file, f"line {item.line}", f"level {number} appears twice (first at line {other.line})")
                # One heading over several levels ("Levels 1-5") gives each of them what follows it.
                current.append(LevelSection(number, level_name.strip() if level_name and low == high else None, item.line))
            sections.extend(current)
            if high > low:
                merged.append((item, low, high))
            section = "level"
            continue
        if not item.bullet and GUIDANCE_HEADING.match(item.text):
            section = "guidance"
            continue
        defined = None if item.bullet else DEFINED_AT.match(item.text)
        if defined:
            defined_at = _numbers(defined.group("levels"), file, item.line)
            section = "after-guidance"
            continue
        if not item.bullet and STRUCTURAL.match(item.text):
            # "Description:" heads the description (and inside a level is skipped);
            # "Proficiency levels" ends the description and the guidance.
            if not DESCRIPTION_HEADING.match(item.text):
                section = "levels-intro" if section in {"description", "guidance", "after-guidance"} else section
            continue
        if section == "description":
            description.append(item.text)
        elif section == "guidance":
            if item.bullet or guidance:
                if not item.bullet:
                    between.append(item)
                guidance.append(item.text)
            else:
                guidance_intro.append(item.text)
        elif section == "level":
            for level_section in current:
                level_section.items.append(item)
        else:
            raise FrameworkFileError(
                file, f"line {item.line}",
                f"text outside any section: {item.text[:60]!r} (expected it under the description, the guidance notes or a level)",
            )

    if defined_at is not None:
        numbers = {s.number for s in sections}
        for number in defined_at:
            if number not in numbers:
                raise FrameworkFileError(file, "'Defined at these levels'", f"level {number} is listed as defined but has no section of its own")

    skill_levels = []
    for s in sorted(sections, key=lambda s: s.number):
        texts = [it.text for it in s.items]
        if defined_at is not None:
            is_defined = s.number in defined_at
        else:
            is_defined = bool(texts) and not (len(texts) == 1 and NOT_OBSERVED.search(texts[0]))
        if is_defined:
            if not texts:
                raise FrameworkFileError(file, f"line {s.line}", f"level {s.number} has no descriptors")
            skill_levels.append({"level": s.number, "defined": True, "descriptors": texts})
        else:
            entry: dict = {"level": s.number, "defined": False}
            if texts:
                entry["note"] = "\n\n".join(texts)
            skill_levels.append(entry)

    if sfia:
        level_numbers = sorted(set(SFIA_LEVEL_NAMES) | {s.number for s in sections})
        names = {s.number: s.name for s in sections if s.name}
        levels = [{"number": n, "name": names.get(n) or SFIA_LEVEL_NAMES.get(n) or f"Level {n}"} for n in level_numbers]
        info = {
            "code": framework_code or "SFIA",
            "name": framework_name or "Skills Framework for the Information Age",
            "version": version or DEFAULT_SFIA_VERSION,
            "publisher": publisher or "SFIA Foundation",
        }
    else:
        levels = [{"number": s.number, "name": s.name or f"Level {s.number}"} for s in sorted(sections, key=lambda s: s.number)]
        info = {
            "code": framework_code or code,
            "name": framework_name or f"{name} proficiency scale",
            "version": version or "1",
            "publisher": publisher or "In-house",
        }
    if preamble:
        info["description"] = "\n\n".join(preamble)

    skill: dict = {"code": code, "name": name}
    if description:
        skill["description"] = "\n\n".join(description)
    if guidance_intro:
        skill["guidance_intro"] = "\n\n".join(guidance_intro)
    if guidance:
        skill["guidance"] = guidance
    skill["levels"] = skill_levels
    report = ImportReport(file)
    for item, low, high in merged:
        report.change("heading", f"the heading {item.text!r} covers levels {low} to {high}: each of them has what follows it",
                      f"line {item.line}")
    for item in between:
        report.change("guidance", "a paragraph among the guidance lists is kept as a guidance item, in its place",
                      f"line {item.line}")
    return build({"framework": info, "levels": levels, "skills": [skill]}, file).with_report(report)


def _find_title(items: list[Item], first_heading: int, prefixed: set[str], skill_code: str | None, file: str):
    candidates = [(i, it) for i, it in enumerate(items[:first_heading]) if not it.bullet]
    for i, item in candidates:
        text = item.text
        for prefix in prefixed:
            if text.lower().startswith(prefix):
                rest = text[len(prefix):].strip().strip("()").strip()
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9&._\-]{0,15}", rest):
                    return i, text[: len(prefix)].strip(), skill_code or rest
                if not rest and skill_code:
                    return i, text.strip(), skill_code
    for pattern in (TITLE_PAREN, TITLE_TRAILING_CODE):
        for i, item in candidates:
            if len(item.text) <= 150 and (m := pattern.match(item.text)):
                return i, m.group("name").strip(), skill_code or m.group("code")
    if skill_code and candidates:
        i, item = candidates[0]
        return i, item.text, skill_code
    raise FrameworkFileError(
        file, f"line {items[0].line}",
        "cannot find the skill's title with its code, such as 'Service level management SLMO' or "
        "'Service Level Management (SLM)'; name the code with --skill-code",
    )
