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
from skills_app.importers.report import ImportReport
from skills_app.importers.tabular import (
    OOXML_ESCAPE, Row, as_code, build_at, clean, column, csv_rows, decode, find_header, header_key, unescape_ooxml, xlsx_sheets,
)

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
    """Guidance notes as an introduction and a list. The list is the bulleted lines; without any
    bullet (the publisher's download has none), the lines after a line ending with ':'."""
    intro: list[str] = []
    items: list[str] = []
    lines = [line.strip() for line in cell.split("\n") if line.strip()]
    if not any(BULLET.match(line) for line in lines):
        colon = next((i for i, line in enumerate(lines) if line.endswith(":")), None)
        if colon is not None and colon + 1 < len(lines):
            return "\n\n".join(lines[:colon + 1]), lines[colon + 1:]
    for line in lines:
        bullet = BULLET.match(line)
        if bullet or items:
            items.append(bullet.group("text").strip() if bullet else line)
        else:
            intro.append(line)
    return ("\n\n".join(intro) or None), items


def _paragraphs(cell: str) -> str | None:
    lines = [line.strip() for line in cell.split("\n") if line.strip()]
    return "\n\n".join(lines) or None


ROW_NUMBER_KEYS = ("", "id", "no", "number", "row", "rownumber")
ATTRIBUTE_NAME_KEYS = ("attributename", "attribute", "genericattribute")
ATTRIBUTE_TYPE_KEYS = ("type", "attributetype", "category")
LEVEL_ROW = re.compile(r"^\s*(?:level\s*)?(?P<number>\d{1,2})\s*(?:[-–—:.)]\s*(?P<name>.*?))?\s*$", re.IGNORECASE)


def _is_skills_header(keys: list[str]) -> bool:
    return any(k in CODE_KEYS for k in keys) and any(LEVEL_DESCRIPTION.match(k) for k in keys) \
        and not any(k in ATTRIBUTE_NAME_KEYS for k in keys)


def _is_attributes_header(keys: list[str]) -> bool:
    """SFIA 9's attributes file: laid out as the skills sheet, with 'Attribute name' and 'Type'."""
    return any(k in CODE_KEYS for k in keys) and any(LEVEL_DESCRIPTION.match(k) for k in keys) \
        and any(k in ATTRIBUTE_NAME_KEYS for k in keys)


def _is_levels_header(keys: list[str]) -> bool:
    return any(k in LOR_NUMBER_KEYS for k in keys) and any(k in LOR_NAME_KEYS + LOR_DESCRIPTION_KEYS for k in keys) \
        and not any(LEVEL_DESCRIPTION.match(k) for k in keys)


def _levels_across_at(rows: list[Row]) -> int | None:
    """SFIA 9's levels file: one row per property, one column per level ('Level', 1, 2, ... then
    'Guiding phrase', 'Essence of the level', 'URL' rows)."""
    for i, row in enumerate(rows[:10]):
        if header_key(row.get(0)) in ("level", "levels", "levelofresponsibility") and \
                len([c for c in row.cells[1:] if re.fullmatch(r"\d{1,2}", c)]) >= 2:
            return i
    return None


def _matrix_at(rows: list[Row]) -> int | None:
    """SFIA 8's 'Levels of responsibility' sheet: one row per level ('1 - ', or '1 - Follow'),
    one column per attribute under a header of attribute names."""
    for i, row in enumerate(rows[:10]):
        names = [c for c in row.cells[1:] if c]
        if len(names) < 2 or LEVEL_ROW.match(row.get(0) or "x") and row.get(0):
            continue
        if any(LEVEL_DESCRIPTION.match(header_key(c)) or re.fullmatch(r"\d{1,2}", c) for c in names):
            continue
        following = [r for r in rows[i + 1:] if not r.empty]
        if len(following) >= 2 and all(LEVEL_ROW.match(r.get(0)) for r in following):
            return i
    return None


def looks_like_skills_csv(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    keys = [header_key(c) for c in re.split(r"[,;\t]", first)]
    return any(LEVEL_DESCRIPTION.match(k) for k in keys)


# -- entry points ---------------------------------------------------------------

def _new_report(file: str) -> ImportReport:
    return ImportReport(file)


def parse_csv(text: str, file: str, *, levels=None, **options) -> FrameworkDoc:
    report = _new_report(file)
    rows = _unescaped(csv_rows(text, file), file, report)
    tables = _tables_of(levels, report)
    if find_header(rows, _is_attributes_header) is not None and find_header(rows, _is_skills_header) is None:
        raise FrameworkFileError(file, None, "this is SFIA's attributes file (an 'Attribute name' column), not a skills "
                                 "file: give it with --levels beside the skills file")
    return _parse(rows, file, tables, report, **options)


def parse_xlsx(data: bytes, file: str, *, levels=None, **options) -> FrameworkDoc:
    report = _new_report(file)
    escapes: list[tuple[str, int]] = []
    sheets = xlsx_sheets(data, file, escapes=escapes)
    _say_escapes(escapes, report)
    skills_rows = None
    skills_sheet = None
    others: list[tuple[str, str, list[Row]]] = []
    for title, rows in sheets.items():
        if skills_rows is None and find_header(rows, _is_skills_header) is not None:
            skills_rows, skills_sheet = rows, title
        else:
            others.append((file, title, rows))
    if skills_rows is None:
        names = ", ".join(sheets) or "none"
        raise FrameworkFileError(file, None, f"no sheet has a header with a Code column and 'Level N description' columns (sheets: {names})")
    tables = _classify(others, report)
    if levels:
        tables = _tables_of(levels, report)
    return _parse(skills_rows, file, tables, report, **options)


def _unescaped(rows: list[Row], file: str, report: ImportReport) -> list[Row]:
    """CSV saved from a workbook by a reader that left its escapes (``_x000D_``) in the text."""
    found: list[tuple[str, int]] = []
    for row in rows:
        n = sum(len(OOXML_ESCAPE.findall(c)) for c in row.cells)
        if n:
            found.append((row.place, n))
            row.cells = [clean(unescape_ooxml(c)) for c in row.cells]
    _say_escapes(found, report)
    return rows


def _say_escapes(found: list[tuple[str, int]], report: ImportReport) -> None:
    if found:
        total = sum(n for _, n in found)
        report.change("escape", "Office XML escapes decoded (such as _x000D_ for a line break)", found[0][0],
                      f"{total} in {len(found)} rows")


def _tables_of(paths, report: ImportReport) -> list[tuple[str, str, str, list[Row]]]:
    if not paths:
        return []
    if isinstance(paths, (str, Path)):
        paths = [paths]
    found: list[tuple[str, str, list[Row]]] = []
    for path in paths:
        found.extend(_read_levels_file(path))
    return _classify(found, report, named=True)


def _classify(sheets: list[tuple[str, str, list[Row]]], report: ImportReport, *, named: bool = False):
    """The sheets (or files) beside the skills: which hold levels, attributes, or nothing read.
    Each comes back as (kind, file, sheet, rows) with kind 'levels', 'levels-across',
    'matrix' or 'attributes'."""
    tables = []
    for file, title, rows in sheets:
        if not any(not r.empty for r in rows):
            continue
        if find_header(rows, _is_attributes_header) is not None:
            tables.append(("attributes", file, title, rows))
        elif find_header(rows, _is_levels_header) is not None:
            tables.append(("levels", file, title, rows))
        elif _levels_across_at(rows) is not None:
            tables.append(("levels-across", file, title, rows))
        elif _matrix_at(rows) is not None:
            tables.append(("matrix", file, title, rows))
        elif named:
            raise FrameworkFileError(file, f"sheet {title}" if title else None,
                                     "no levels header: expected columns such as 'Level', 'Guiding phrase' and 'Essence of the "
                                     "level', a row per level with attribute columns, or SFIA's attributes layout")
        else:
            cells = sum(1 for r in rows for c in r.cells if c)
            report.lose("sheet", f"sheet {title!r} (not a layout this reads)", f"sheet {title}", f"{cells} cells")
    return tables


def _read_levels_file(path: str | Path) -> list[tuple[str, str, list[Row]]]:
    path = Path(path)
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError:
        raise FrameworkFileError(name, None, "no such levels file") from None
    if path.suffix.lower() in {".xlsx", ".xlsm"} or data[:4] == b"PK\x03\x04":
        return [(name, title, rows) for title, rows in xlsx_sheets(data, name).items()]
    return [(name, "", csv_rows(decode(data, name), name))]


# -- the work -------------------------------------------------------------------

def _flag_group(keys: list[str], start: int | None, rows: list[Row] | None = None) -> list[int]:
    """The publisher's 'Levels' heading over unnamed columns (one a level, each holding the
    number of the level where the skill is defined): the heading's column and the empty-headed
    ones after it. Empty when the heading stands alone (a list of levels in one cell), or when
    the cells under it are not single level numbers (a list such as '2-7' followed by empty
    trailing columns)."""
    if start is None:
        return []
    group = [start]
    while start + len(group) < len(keys) and keys[start + len(group)] == "":
        group.append(start + len(group))
    if len(group) < 2:
        return []
    cells = [row.get(i).strip() for row in rows or [] for i in group if row.get(i).strip()]
    if rows is not None and (not cells or not all(re.fullmatch(r"\d{1,2}", c) for c in cells)):
        return []
    return group


def _flagged(row: Row, group: list[int], known: set[int], file: str, names: list[str]) -> set[int]:
    numbers: set[int] = set()
    for position, index in enumerate(group, start=1):
        value = row.get(index).strip()
        if value.lower() in FALSE_FLAGS:
            continue
        if re.fullmatch(r"\d{1,2}", value):
            number = int(value)
            if number not in known:
                raise FrameworkFileError(file, f"{row.place}, column {index + 1} (under {names[group[0]]!r})",
                                         f"level {number} is marked as defined but there is no 'Level {number} description' column")
            numbers.add(number)
        else:
            numbers.add(position)
    return numbers


def _parse(rows: list[Row], file: str, tables, report: ImportReport, *, framework_code=None, framework_name=None,
           version=None, publisher=None) -> FrameworkDoc:
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
    group = _flag_group(keys, levels_list_col, [row for row in rows[header_at + 1:] if not row.empty])
    if group:
        levels_list_col = None
    description_cols: dict[int, int] = {}
    flag_cols: dict[int, int] = {}
    for index, key in enumerate(keys):
        if m := LEVEL_DESCRIPTION.match(key):
            description_cols.setdefault(int(m.group(1)), index)
        elif (m := LEVEL_FLAG.match(key)) and index not in (code_col, name_col) and index not in group:
            number = int(next(g for g in m.groups() if g))
            flag_cols.setdefault(number, index)
    level_numbers = sorted(description_cols)
    used = {code_col, name_col, url_col, category_col, subcategory_col, description_col, guidance_col, levels_list_col,
            *group, *description_cols.values(), *flag_cols.values()}

    skills: list[dict] = []
    places: list[tuple[Row, dict[str, int]]] = []  # per skill: its row and field -> column index
    urls: list[str] = []
    data_rows = [row for row in rows[header_at + 1:] if not row.empty]
    for row in data_rows:
        where = f"{row.place}, column {names[code_col]!r}"
        code = row.get(code_col)
        if not code:
            raise FrameworkFileError(file, where, "the skill code is empty")
        listed = _level_list(row.get(levels_list_col), file, f"{row.place}, column {names[levels_list_col]!r}") if levels_list_col is not None else None
        flagged = _flagged(row, group, set(level_numbers), file, names) if group else None
        skill_levels = []
        for number in level_numbers:
            text = row.get(description_cols[number])
            if flagged is not None:
                defined = number in flagged
            elif number in flag_cols:
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
    _other_columns(keys, names, used, data_rows, header, report)

    levels, level_places, levels_file, attributes = _levels_and_attributes(tables, level_numbers, report)
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
        if path and path[0] == "attributes":
            return "the levels of responsibility (attributes)"
        if path and path[0] == "framework":
            return f"framework {path[-1]} (from the command line options)"
        return None

    data = {"framework": info, "levels": levels, "attributes": attributes, "skills": skills}
    return build_at(data, file, place).with_report(report)


def _other_columns(keys, names, used, data_rows, header, report: ImportReport) -> None:
    """Columns this does not read: row numbers are said (the order is kept); any other column with values is not kept."""
    for index, name in enumerate(names):
        if index in used:
            continue
        values = [row.get(index) for row in data_rows]
        filled = [v for v in values if v]
        if not filled:
            continue
        if keys[index] in ROW_NUMBER_KEYS and all(v.isdigit() for v in filled):
            report.change("column", f"{name or 'unnamed'!r} read as row numbers: the skills keep the rows' order",
                          f"{header.place}, column {index + 1}")
            continue
        label = name or f"{index + 1} (unnamed)"
        for row in data_rows:
            if row.get(index):
                report.lose("value", f"column {label!r}", row.place, row.get(index))


def _levels_and_attributes(tables, level_numbers: list[int], report: ImportReport):
    """The framework's levels (number, name, description) and its generic attributes, from the
    tables beside the skills. Without a levels table, SFIA's level names (and the report says so)."""
    levels: list[dict] | None = None
    places: list[str] = []
    levels_file = None
    attributes: list[dict] = []
    matrix_names: dict[int, str] = {}
    for kind, file, title, rows in tables:
        if kind == "levels" and levels is None:
            levels, places, levels_file = _levels((file, rows), level_numbers, report)
        elif kind == "levels-across" and levels is None:
            levels, places = _levels_across(file, title, rows, report)
            levels_file = file
        elif kind == "matrix":
            found, names = _matrix(file, title, rows, report)
            attributes.extend(found)
            matrix_names.update(names)
        elif kind == "attributes":
            attributes.extend(_attribute_rows(file, title, rows, report))
        else:
            report.lose("sheet", f"a second levels table ({title or file})", title or file)
    if levels is None:
        numbers = sorted(set(SFIA_LEVEL_NAMES) | set(level_numbers))
        levels = [{"number": n, "name": matrix_names.get(n) or SFIA_LEVEL_NAMES.get(n, f"Level {n}")} for n in numbers]
        supplied = [n for n in numbers if n not in matrix_names]
        if supplied:
            report.change("level name", "SFIA's level names supplied: the source names no levels",
                          None, ", ".join(f"{n} {SFIA_LEVEL_NAMES.get(n, f'Level {n}')}" for n in supplied))
    if not attributes:
        report.change("attribute", "no generic attributes in the source: no 'Levels of responsibility' sheet or attributes file "
                      "(autonomy, influence, complexity, ...); give one with --levels")
    return levels, places, levels_file, attributes


def _matrix(file: str, title: str, rows: list[Row], report: ImportReport) -> tuple[list[dict], dict[int, str]]:
    at = _matrix_at(rows)
    header = rows[at]
    columns = [(i, name) for i, name in enumerate(header.cells) if i > 0 and name]
    per_attribute: dict[int, list[dict]] = {i: [] for i, _ in columns}
    names: dict[int, str] = {}
    for row in rows[at + 1:]:
        if row.empty:
            continue
        m = LEVEL_ROW.match(row.get(0))
        number = int(m.group("number"))
        if m.group("name"):
            names[number] = m.group("name")
        for i, _ in columns:
            text = _paragraphs(row.get(i))
            if text:
                per_attribute[i].append({"level": number, "description": text})
        for i, value in enumerate(row.cells):
            if i > 0 and value and i not in per_attribute:
                report.lose("value", "cell under no attribute heading", f"{row.place}, column {i + 1}", value)
    attributes = [{"code": _attribute_code(name), "name": name, "levels": per_attribute[i]} for i, name in columns]
    return attributes, names


def _attribute_code(name: str) -> str:
    return as_code(name).upper() or "ATTRIBUTE"


def _attribute_rows(file: str, title: str, rows: list[Row], report: ImportReport) -> list[dict]:
    at = find_header(rows, _is_attributes_header)
    header = rows[at]
    keys = [header_key(c) for c in header.cells]
    code_col = column(keys, *CODE_KEYS)
    name_col = column(keys, *ATTRIBUTE_NAME_KEYS)
    type_col = column(keys, *ATTRIBUTE_TYPE_KEYS)
    url_col = column(keys, *URL_KEYS)
    description_col = column(keys, *DESCRIPTION_KEYS)
    guidance_col = column(keys, *GUIDANCE_KEYS)
    group = _flag_group(keys, column(keys, *LEVELS_LIST_KEYS), [row for row in rows[at + 1:] if not row.empty])
    description_cols = {int(m.group(1)): i for i, k in enumerate(keys) if (m := LEVEL_DESCRIPTION.match(k))}
    used = {code_col, name_col, type_col, url_col, description_col, guidance_col, *group, *description_cols.values()}
    data_rows = [row for row in rows[at + 1:] if not row.empty]
    out = []
    for row in data_rows:
        levels = []
        for number, index in sorted(description_cols.items()):
            text = _paragraphs(row.get(index))
            if text:
                levels.append({"level": number, "description": text})
        out.append({
            "code": row.get(code_col) or _attribute_code(row.get(name_col)),
            "name": row.get(name_col),
            "category": row.get(type_col) or None,
            "url": row.get(url_col) or None,
            "description": _paragraphs(row.get(description_col)),
            "guidance": _paragraphs(row.get(guidance_col)),
            "levels": levels,
        })
    _other_columns(keys, header.cells, used, data_rows, header, report)
    return out


def _levels_across(file: str, title: str, rows: list[Row], report: ImportReport) -> tuple[list[dict], list[str]]:
    at = _levels_across_at(rows)
    numbers = {i: int(c) for i, c in enumerate(rows[at].cells) if i > 0 and re.fullmatch(r"\d{1,2}", c)}
    by_key: dict[str, Row] = {}
    for row in rows[at + 1:]:
        if row.empty:
            continue
        key = header_key(row.get(0))
        if key in LOR_NAME_KEYS and "name" not in by_key:
            by_key["name"] = row
        elif key in LOR_DESCRIPTION_KEYS and "description" not in by_key:
            by_key["description"] = row
        elif key in URL_KEYS and "url" not in by_key:
            by_key["url"] = row
        else:
            for i in numbers:
                if row.get(i):
                    report.lose("value", f"levels row {row.get(0)!r}", f"{row.place}, column {i + 1}", row.get(i))
    levels = []
    for i, number in numbers.items():
        name = by_key["name"].get(i) if "name" in by_key else ""
        description = by_key["description"].get(i) if "description" in by_key else ""
        levels.append({"number": number, "name": name or SFIA_LEVEL_NAMES.get(number, f"Level {number}"),
                       "description": _paragraphs(description),
                       "url": (by_key["url"].get(i) or None) if "url" in by_key else None})
    return levels, [f"{rows[at].place}, column {i + 1}" for i in numbers]


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


def _levels(level_rows, level_numbers: list[int], report: ImportReport) -> tuple[list[dict], list[str], str | None]:
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
