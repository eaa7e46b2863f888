"""The SFIA standard as its publisher distributes it: a whole version as CSV or XLSX.

One row a skill. Columns are found by header name, whatever their order, case,
spacing or punctuation ("Level 1 description", "level_1_description" and
"LEVEL 1 DESCRIPTION" are one column); columns not listed here are ignored,
and the header may sit below a few title rows (the first ten rows are searched).

=====================  =====================================================
column                 headers accepted
=====================  =====================================================
code                   Code, Skill code
url                    URL, Link
skill name             Skill, Skill name, Name
category               Category
subcategory            Subcategory, Sub-category
description            Overall description, Description, Skill description
guidance               Guidance notes, Guidance
level N descriptors    Level N description, Level N descriptor(s), LN description
level N defined flag   Level N, Level N defined, LN, Defined at level N
defined levels         Levels, Defined levels, Defined at levels ("2-7", "3, 4, 5")
=====================  =====================================================

A level is defined where its flag says so (any value but empty, 0, no, false,
n or -), or, without flag columns, where its description cell has text. A
level whose description says the skill is "not typically observed" at it is
not defined, and that text becomes the level's note; so does any text under a
level that the flags mark as not defined.

**Descriptor statements.** Each level description is split into statements:
first at line breaks (a bullet at the start of a line is dropped), then into
sentences. A sentence ends at '.', '!' or '?' (after any closing quotes or
brackets) followed by a space and a capital letter, a digit or an opening
quote or bracket. It does not end after "e.g.", "i.e.", "cf.", "viz.", "vs.",
"incl.", "approx.", "no.", "et al.", a title (Mr., Dr., ...) or a single
capital initial; "etc." ends a sentence only when a capital follows, as above.

The levels of responsibility come from a sheet of the workbook (or a CSV given
with ``levels=PATH``) whose header has a level number column (Level, Number)
and a name (Guiding phrase, Name, Title) and, optionally, a description
(Essence of the level, Description). Without one, the SFIA level names are used.

The version is ``version=`` when given, else read from the file name
("sfia-9_en.xlsx") or the skills' URLs (".../sfia-9/...", ".../skillcode/9/...").
"""
from __future__ import annotations

import re
from pathlib import Path

from skills_app.importers.document import FrameworkDoc, FrameworkFileError
from skills_app.importers.sfia_text import BULLET, NOT_OBSERVED, SFIA_LEVEL_NAMES
from skills_app.importers.tabular import Row, build_at, column, csv_rows, decode, find_header, header_key, xlsx_sheets

CODE_KEYS = ("code", "skillcode", "sfiacode")
URL_KEYS = ("url", "link", "skillurl", "weblink")
NAME_KEYS = ("skill", "skillname", "name", "title")
CATEGORY_KEYS = ("category", "skillcategory")
SUBCATEGORY_KEYS = ("subcategory", "skillsubcategory")
DESCRIPTION_KEYS = ("overalldescription", "description", "skilldescription", "overalldescriptor")
GUIDANCE_KEYS = ("guidancenotes", "guidance", "guidancenote", "notes")
LEVELS_LIST_KEYS = ("levels", "definedlevels", "definedatlevels", "levelsdefined")

LEVEL_DESCRIPTION = re.compile(r"^(?:level|lvl|l)(\d{1,2})(?:description|descriptions|descriptor|descriptors|desc|text)$")
LEVEL_FLAG = re.compile(r"^(?:(?:level|lvl|l)(\d{1,2})(?:defined|flag)?|definedatlevel(\d{1,2})|(\d{1,2}))$")

LOR_NUMBER_KEYS = ("level", "levelnumber", "number", "lor", "levelofresponsibility", "no")
LOR_NAME_KEYS = ("guidingphrase", "levelname", "name", "title", "guidingword", "guidingwords")
LOR_DESCRIPTION_KEYS = ("essenceofthelevel", "essence", "description", "leveldescription", "overalldescription")

FALSE_FLAGS = {"", "0", "n", "no", "false", "f", "-", "–", "—", "none", "not defined"}

ABBREVIATIONS = {"e.g", "i.e", "eg", "ie", "cf", "viz", "vs", "incl", "approx", "no", "al", "mr", "mrs", "ms", "dr", "prof", "st"}
SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*\s+")
OPENERS = "\"'‘“([–—•"

DEFAULT_INFO = {"code": "SFIA", "name": "Skills Framework for the Information Age", "publisher": "SFIA Foundation"}


def split_sentences(text: str) -> list[str]:
    """A paragraph as its sentences, by the rule in the module docstring."""
    out: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        end = match.end()
        if end >= len(text):
            break
        following = text[end]
        if not (following.isupper() or following.isdigit() or following in OPENERS):
            continue
        if text[match.start()] == ".":
            word = re.search(r"(\S+)$", text[start:match.start()])
            last = word.group(1) if word else ""
            if last.lower().lstrip("(\"'‘“") in ABBREVIATIONS:
                continue
            if re.fullmatch(r"[A-Z]", last):
                continue  # an initial, as in "J. Smith"
        out.append(text[start:match.start() + len(match.group(0).rstrip())].strip())
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def statements(cell: str) -> list[str]:
    """A level description cell as descriptor statements: lines, bullets dropped, then sentences."""
    result: list[str] = []
    for line in cell.split("\n"):
        line = line.strip()
        if not line:
            continue
        bullet = BULLET.match(line)
        if bullet:
            line = bullet.group("text").strip()
        result.extend(split_sentences(re.sub(r"[ \t]+", " ", line)))
    return result


def _guidance(cell: str) -> tuple[str | None, list[str]]:
    intro: list[str] = []
    items: list[str] = []
    for line in cell.split("\n"):
        line = line.strip()
        if not line:
            continue
        bullet = BULLET.match(line)
        if bullet or items:
            items.append(bullet.group("text").strip() if bullet else line)
        else:
            intro.append(line)
    return ("\n\n".join(intro) or None), items


def _paragraphs(cell: str) -> str | None:
    lines = [line.strip() for line in cell.split("\n") if line.strip()]
    return "\n\n".join(lines) or None


def _is_skills_header(keys: list[str]) -> bool:
    return any(k in CODE_KEYS for k in keys) and any(LEVEL_DESCRIPTION.match(k) for k in keys)


def _is_levels_header(keys: list[str]) -> bool:
    return any(k in LOR_NUMBER_KEYS for k in keys) and any(k in LOR_NAME_KEYS + LOR_DESCRIPTION_KEYS for k in keys) \
        and not any(LEVEL_DESCRIPTION.match(k) for k in keys)


def looks_like_skills_csv(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    keys = [header_key(c) for c in re.split(r"[,;\t]", first)]
    return any(LEVEL_DESCRIPTION.match(k) for k in keys)


# -- entry points ---------------------------------------------------------------

def parse_csv(text: str, file: str, *, levels: str | Path | None = None, **options) -> FrameworkDoc:
    rows = csv_rows(text, file)
    level_rows = _read_levels_file(levels) if levels else None
    return _parse(rows, file, level_rows, **options)


def parse_xlsx(data: bytes, file: str, *, levels: str | Path | None = None, **options) -> FrameworkDoc:
    sheets = xlsx_sheets(data, file)
    skills_rows = None
    level_rows = None
    for rows in sheets.values():
        if skills_rows is None and find_header(rows, _is_skills_header) is not None:
            skills_rows = rows
        elif level_rows is None and find_header(rows, _is_levels_header) is not None:
            level_rows = (file, rows)
    if skills_rows is None:
        names = ", ".join(sheets) or "none"
        raise FrameworkFileError(file, None, f"no sheet has a header with a Code column and 'Level N description' columns (sheets: {names})")
    if levels:
        level_rows = _read_levels_file(levels)
    return _parse(skills_rows, file, level_rows, **options)


def _read_levels_file(path: str | Path) -> tuple[str, list[Row]]:
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError:
        raise FrameworkFileError(name, None, "no such levels file") from None
    if path.suffix.lower() in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04":
        for rows in xlsx_sheets(data, name).values():
            if find_header(rows, _is_levels_header) is not None:
                return name, rows
        raise FrameworkFileError(name, None, "no sheet has a levels header (Level and Guiding phrase or Description columns)")
    return name, csv_rows(decode(data, name), name)


# -- the work -------------------------------------------------------------------

def _parse(rows: list[Row], file: str, level_rows, *, framework_code=None, framework_name=None, version=None, publisher=None) -> FrameworkDoc:
    header_at = find_header(rows, _is_skills_header)
    if header_at is None:
        raise FrameworkFileError(file, None, "no header row with a Code column and 'Level 1 description' … columns in the first 10 rows")
    header = rows[header_at]
    keys = [header_key(c) for c in header.cells]
    names = header.cells

    def required(options: tuple[str, ...], label: str) -> int:
        index = column(keys, *options)
        if index is None:
            raise FrameworkFileError(file, header.place, f"no {label} column (looked for a header such as {label!r})")
        return index

    code_col = required(CODE_KEYS, "Code")
    name_col = required(NAME_KEYS, "Skill")
    url_col = column(keys, *URL_KEYS)
    category_col = column(keys, *CATEGORY_KEYS)
    subcategory_col = column(keys, *SUBCATEGORY_KEYS)
    description_col = column(keys, *DESCRIPTION_KEYS)
    guidance_col = column(keys, *GUIDANCE_KEYS)
    levels_list_col = column(keys, *LEVELS_LIST_KEYS)
    description_cols: dict[int, int] = {}
    flag_cols: dict[int, int] = {}
    for index, key in enumerate(keys):
        if m := LEVEL_DESCRIPTION.match(key):
            description_cols.setdefault(int(m.group(1)), index)
        elif (m := LEVEL_FLAG.match(key)) and index not in (code_col, name_col):
            number = int(next(g for g in m.groups() if g))
            flag_cols.setdefault(number, index)
    level_numbers = sorted(description_cols)

    skills: list[dict] = []
    places: list[tuple[Row, dict[str, int]]] = []  # per skill: its row and field -> column index
    urls: list[str] = []
    for row in rows[header_at + 1:]:
        if row.empty:
            continue
        where = f"{row.place}, column {names[code_col]!r}"
        code = row.get(code_col)
        if not code:
            raise FrameworkFileError(file, where, "the skill code is empty")
        listed = _level_list(row.get(levels_list_col), file, f"{row.place}, column {names[levels_list_col]!r}") if levels_list_col is not None else None
        skill_levels = []
        for number in level_numbers:
            text = row.get(description_cols[number])
            if number in flag_cols:
                defined = row.get(flag_cols[number]).strip().lower() not in FALSE_FLAGS
            elif listed is not None:
                defined = number in listed
            else:
                defined = bool(text) and not NOT_OBSERVED.search(text)
            if defined:
                skill_levels.append({"level": number, "defined": True, "descriptors": statements(text)})
            else:
                entry: dict = {"level": number, "defined": False}
                if text:
                    entry["note"] = _paragraphs(text)
                skill_levels.append(entry)
        intro, items = _guidance(row.get(guidance_col))
        skill = {
            "code": code,
            "name": row.get(name_col),
            "category": row.get(category_col) or None,
            "subcategory": row.get(subcategory_col) or None,
            "url": row.get(url_col) or None,
            "description": _paragraphs(row.get(description_col)),
            "guidance_intro": intro,
            "guidance": items,
            "levels": skill_levels,
        }
        if skill["url"]:
            urls.append(skill["url"])
        skills.append(skill)
        places.append((row, {
            "code": code_col, "name": name_col, "category": category_col, "subcategory": subcategory_col,
            "url": url_col, "description": description_col, "guidance_intro": guidance_col, "guidance": guidance_col,
        }))
    if not skills:
        raise FrameworkFileError(file, header.place, "the header is there but no skill rows follow it")

    levels, level_places, levels_file = _levels(level_rows, level_numbers)
    version = version or _version(file, urls)
    if not version:
        raise FrameworkFileError(file, None, "cannot tell which SFIA version this is from the file name or the URLs; name it with --version")
    info = {
        "code": framework_code or DEFAULT_INFO["code"],
        "name": framework_name or DEFAULT_INFO["name"],
        "version": version,
        "publisher": publisher or DEFAULT_INFO["publisher"],
    }

    def place(path: tuple) -> str | None:
        if path and path[0] == "skills" and len(path) > 1 and isinstance(path[1], int) and path[1] < len(places):
            row, cols = places[path[1]]
            if len(path) > 3 and path[2] == "levels" and isinstance(path[3], int):
                number = skills[path[1]]["levels"][path[3]]["level"] if path[3] < len(skills[path[1]]["levels"]) else None
                col = description_cols.get(number)
                if len(path) > 4 and path[4] == "level" and col is not None:
                    return f"{header.place}, column {names[col]!r}"
                return f"{row.place}, column {names[col]!r}" if col is not None else row.place
            col = cols.get(path[2]) if len(path) > 2 else None
            return f"{row.place}, column {names[col]!r}" if col is not None else row.place
        if path and path[0] == "levels":
            if levels_file and len(path) > 1 and isinstance(path[1], int) and path[1] < len(level_places):
                return f"{levels_file}: {level_places[path[1]]}"
            return "the levels of responsibility"
        if path and path[0] == "framework":
            return f"framework {path[-1]} (from the command line options)"
        return None

    return build_at({"framework": info, "levels": levels, "skills": skills}, file, place)


def _level_list(text: str, file: str, where: str) -> set[int] | None:
    if not text:
        return set()
    numbers: set[int] = set()
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        if m := re.fullmatch(r"(\d{1,2})\s*[-–]\s*(\d{1,2})", part):
            numbers.update(range(int(m.group(1)), int(m.group(2)) + 1))
        elif part.isdigit():
            numbers.add(int(part))
        else:
            raise FrameworkFileError(file, where, f"cannot read the list of levels {text!r} (expected such as '2-7' or '3, 4, 5')")
    return numbers


def _levels(level_rows, level_numbers: list[int]) -> tuple[list[dict], list[str], str | None]:
    if level_rows is None:
        numbers = sorted(set(SFIA_LEVEL_NAMES) | set(level_numbers))
        return [{"number": n, "name": SFIA_LEVEL_NAMES.get(n, f"Level {n}")} for n in numbers], [], None
    file, rows = level_rows
    at = find_header(rows, _is_levels_header)
    if at is None:
        raise FrameworkFileError(file, None, "no levels header: expected columns such as 'Level', 'Guiding phrase' and 'Essence of the level'")
    keys = [header_key(c) for c in rows[at].cells]
    names = rows[at].cells
    number_col = column(keys, *LOR_NUMBER_KEYS)
    name_col = column(keys, *LOR_NAME_KEYS)
    description_col = column(keys, *LOR_DESCRIPTION_KEYS)
    levels, places = [], []
    for row in rows[at + 1:]:
        if row.empty:
            continue
        raw = row.get(number_col)
        m = re.search(r"\d{1,2}", raw)
        if not m:
            raise FrameworkFileError(file, f"{row.place}, column {names[number_col]!r}", f"expected a level number, found {raw!r}")
        number = int(m.group())
        name = row.get(name_col) if name_col is not None else ""
        levels.append({
            "number": number,
            "name": name or SFIA_LEVEL_NAMES.get(number, f"Level {number}"),
            "description": _paragraphs(row.get(description_col)) if description_col is not None else None,
        })
        places.append(row.place)
    return levels, places, file


def _version(file: str, urls: list[str]) -> str | None:
    m = re.search(r"sfia[\s_\-]*v?(\d+(?:\.\d+)?)", Path(file).name, re.IGNORECASE)
    if m:
        return m.group(1)
    for url in urls:
        m = re.search(r"/sfia-?(\d+(?:\.\d+)?)/|/skillcode/(\d+)/|/(\d+)/skills?/", url, re.IGNORECASE)
        if m:
            return next(g for g in m.groups() if g)
    return None
