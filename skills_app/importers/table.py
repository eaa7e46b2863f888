"""A plain table of skills and groups (``--format table``): CSV or XLSX, one row a
skill or a group, such as HR's spreadsheet of skill names and descriptions or a
taxonomy of areas and competences with a parent column (DigComp- and ESCO-style
lists with a ``BroaderConcept`` column).

Fields, each a column found by its header (common names are guessed; ``--column
FIELD=HEADER`` names it):

==============  ==============================================================
field           headers guessed (case, spaces and punctuation aside)
==============  ==============================================================
code            code, id, identifier, skill code, ref, notation, concept uri, uri
name            name, skill, skill name, title, label, preferred label, competence
description     description, definition, details, skill description, scope note
parent          parent, parent code, parent id, parent name, broader, broader concept,
                broader concept uri, broader uri
category        category, area, domain, competence area, skill area, group
subcategory     subcategory, sub-category, sub-area
url             url, link, web link
level_1 … 9     level 1, level_1, l1, level 1 description
==============  ==============================================================

A row that another row names as its ``parent`` (by code or by name) is a
group; every other row is a skill. A skill keeps the name of its topmost group
as its category and of its nearest as its subcategory (a ``category`` cell, when
given, is its category); the report lists what of the groups is not kept.

Levels: the ``level_N`` columns give the framework levels 1…N ("Level N") and
each skill is defined where its cell has text (each line of the cell a
descriptor). ``scale=`` (``--scale CODE``: the levels of a framework already
loaded) gives every skill each of the scale's levels, with the scale's names and
descriptions, the level's description (else its name) as the one descriptor.
With neither, one level "Competent" at which each skill is defined by its
description (else its name); the report says so.

A code is letters, digits, ``.``, ``_`` or ``-``: a URI gives its last segment
(and the skill keeps the URI as its url); a row without a code gets one made
from its name. Long names are cut at a word, the whole text kept as the
description. Columns not mapped to a field are listed, value by value, in the
import report.
"""
from __future__ import annotations

import re
from typing import Any

from skills_app.importers import limits
from skills_app.importers.document import FrameworkDoc, FrameworkFileError
from skills_app.importers.report import ImportReport
from skills_app.importers.tabular import (
    CODE_PATTERN, Row, as_code, build_at, clean, csv_rows, decode, header_key, unescape_ooxml, xlsx_sheets,
)

FIELDS = ("code", "name", "description", "parent", "category", "subcategory", "url", *(f"level_{n}" for n in range(1, 10)))
GUESSES: dict[str, tuple[str, ...]] = {
    "code": ("code", "id", "identifier", "skillcode", "ref", "reference", "notation", "concepturi", "uri", "skillid"),
    "name": ("name", "skill", "skillname", "title", "label", "preferredlabel", "competence", "competency", "term"),
    "description": ("description", "definition", "details", "skilldescription", "scopenote", "desc"),
    "parent": ("parent", "parentcode", "parentid", "parentname", "broader", "broaderconcept", "broaderconcepturi",
               "broaderuri", "parentidnumber"),
    "category": ("category", "area", "domain", "competencearea", "skillarea", "group", "skillgroup"),
    "subcategory": ("subcategory", "skillsubcategory", "subarea"),
    "url": ("url", "link", "weblink", "skillurl"),
}
LEVEL_HEADER = re.compile(r"^(?:level|lvl|l)(\d)(?:description|descriptor|descriptors|text)?$")
NAME_MAX = 200
MULTI = re.compile(r"\s*\|\s*")  # several values in one cell, as ESCO writes them


def parse_columns(specs: list[str] | tuple[str, ...] | None) -> dict[str, str]:
    """``["name=Skill title", ...]`` as ``{field: header}``; an unknown field is an error."""
    out: dict[str, str] = {}
    for spec in specs or ():
        field, sep, header = spec.partition("=")
        field = field.strip().lower()
        if not sep or not header.strip():
            raise FrameworkFileError("--column", None, f"{spec!r}: expected FIELD=HEADER, such as name='Skill title'")
        if field not in FIELDS:
            raise FrameworkFileError("--column", None, f"{field!r} is not a field; the fields are {', '.join(FIELDS)}")
        out[field] = header.strip()
    return out


def parse_csv(text: str, file: str, **options) -> FrameworkDoc:
    return _parse(csv_rows(text, file), file, **options)


def parse_xlsx(data: bytes, file: str, **options) -> FrameworkDoc:
    sheets = xlsx_sheets(data, file)
    for rows in sheets.values():
        if any(not r.empty for r in rows):
            return _parse(rows, file, **options)
    raise FrameworkFileError(file, None, "every sheet of the workbook is empty")


def parse(content: str | bytes, file: str, **options) -> FrameworkDoc:
    """A table from a file's bytes: an XLSX workbook, else CSV text (UTF-8, with or without a byte-order mark)."""
    if isinstance(content, bytes):
        if content[:4] == b"PK\x03\x04":
            return parse_xlsx(content, file, **options)
        text = decode(content, file)
        try:
            limits.check_text(text)
        except limits.LimitExceeded as exc:
            raise FrameworkFileError(file, exc.place, exc.message) from None
        return parse_csv(text, file, **options)
    return parse_csv(content, file, **options)


def guess_columns(headers: list[str], given: dict[str, str] | None = None) -> dict[str, int]:
    """Field -> column index: the ones given by header, then guesses for the rest."""
    keys = [header_key(h) for h in headers]
    out: dict[str, int] = {}
    for field, header in (given or {}).items():
        key = header_key(header)
        if key not in keys:
            raise FrameworkFileError("--column", None, f"{field}={header!r}: no column has that header "
                                     f"(the headers are {', '.join(repr(h) for h in headers if h)})")
        out[field] = keys.index(key)
    taken = set(out.values())
    for field, names in GUESSES.items():
        if field in out:
            continue
        for name in names:
            if name in keys and keys.index(name) not in taken:
                out[field] = keys.index(name)
                taken.add(out[field])
                break
    for index, key in enumerate(keys):
        if index in taken:
            continue
        if m := LEVEL_HEADER.match(key):
            field = f"level_{m.group(1)}"
            if field not in out and m.group(1) != "0":
                out[field] = index
                taken.add(index)
    return out


def _code_of(value: str) -> tuple[str, str | None]:
    """A code from a cell: itself when it is one, a URI's last segment (with the URI), else made from it."""
    value = value.strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
        tail = value.rstrip("/").rsplit("/", 1)[-1]
        return as_code(tail), value
    if CODE_PATTERN.match(value) and len(value) <= 40:
        return value, None
    return as_code(value), None


def cut_at_word(text: str, limit: int = NAME_MAX) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:.–—-") + "…"


def _parse(rows: list[Row], file: str, *, framework_code: str | None = None, framework_name: str | None = None,
           version: str | None = None, publisher: str | None = None, column: dict[str, str] | None = None,
           scale: dict | None = None) -> FrameworkDoc:
    """``column``: {field: header} (``--column``); ``scale``: {"code": ..., "levels": [{number, name,
    description}]} (``--scale``, the levels of a framework already loaded, looked up by the caller)."""
    columns = column
    scale_code = scale["code"] if scale else None
    scale = scale["levels"] if scale else None
    missing = [f"--{flag}" for flag, value in (("framework", framework_code), ("version", version), ("name", framework_name))
               if not value]
    if missing:
        raise FrameworkFileError(file, None, f"a table names no framework: give {', '.join(missing)}")
    rows = [Row(r.place, [clean(unescape_ooxml(c)) for c in r.cells]) for r in rows]
    at = next((i for i, r in enumerate(rows) if not r.empty), None)
    if at is None:
        raise FrameworkFileError(file, None, "the table is empty")
    header = rows[at]
    cols = guess_columns(header.cells, columns)
    if "name" not in cols:
        raise FrameworkFileError(file, header.place, "no column for the skills' names: name it with --column name=HEADER "
                                 f"(the headers are {', '.join(repr(h) for h in header.cells if h)})")
    names = header.cells
    report = ImportReport(file)
    report.columns = {"headers": [h for h in names if h], "mapping": {field: names[index] for field, index in cols.items()}}
    guessed = ", ".join(f"{field}={names[index]!r}" for field, index in cols.items() if field not in (columns or {}))
    if guessed:
        report.change("column", f"columns guessed from their headers: {guessed}", header.place)
    data_rows = [r for r in rows[at + 1:] if not r.empty]
    if not data_rows:
        raise FrameworkFileError(file, header.place, "the header is there but no rows follow it")

    def cell(row: Row, field: str) -> str:
        return row.get(cols.get(field))

    def where(row: Row, field: str) -> str:
        return f"{row.place}, column {names[cols[field]]!r}" if field in cols else row.place

    # Each row's code and name; which rows are named as a parent (groups).
    entries: list[dict[str, Any]] = []
    by_key: dict[str, dict] = {}
    codes: set[str] = set()
    made_codes = 0
    for row in data_rows:
        name = cell(row, "name")
        if not name:
            raise FrameworkFileError(file, where(row, "name"), "the name is empty")
        raw_code = cell(row, "code")
        code, url = _code_of(raw_code) if raw_code else (as_code(name), None)
        if not raw_code:
            made_codes += 1
        if not code:
            raise FrameworkFileError(file, where(row, "code"), f"cannot make a code of {raw_code or name!r}")
        if code.upper() in codes:
            if raw_code:
                raise FrameworkFileError(file, where(row, "code"), f"the code {code!r} is used twice")
            base, n = code[:36], 2
            while f"{base}-{n}".upper() in codes:
                n += 1
            code = f"{base}-{n}"
        codes.add(code.upper())
        entry = {"row": row, "code": code, "url": url, "name": name, "parent": None, "children": 0}
        entries.append(entry)
        for key in filter(None, (raw_code, code, name)):
            by_key.setdefault(key.strip().upper(), entry)
    if made_codes:
        report.change("code", "codes made from names (the table has no codes for these rows)", None, f"{made_codes} rows")
    for entry in entries:
        row = entry["row"]
        raw = cell(row, "parent")
        if not raw:
            continue
        first, *others = [p for p in MULTI.split(raw) if p]
        parent = by_key.get(first.strip().upper())
        if parent is None:
            report.lose("parent", "a parent that is not a row of the table", where(row, "parent"), first)
        elif parent is entry:
            raise FrameworkFileError(file, where(row, "parent"), "a row is its own parent")
        else:
            entry["parent"] = parent
            parent["children"] += 1
        for other in others:
            report.lose("parent", "a second parent (a skill has one place in the tree)", where(row, "parent"), other)
    for entry in entries:  # loops
        seen, current = set(), entry
        while current is not None:
            if id(current) in seen:
                raise FrameworkFileError(file, where(entry["row"], "parent"), "the parents form a loop")
            seen.add(id(current))
            current = current["parent"]

    level_fields = sorted((int(f.split("_")[1]), i) for f, i in cols.items() if f.startswith("level_"))
    if scale:
        levels = [{k: v for k, v in lvl.items() if k in {"number", "name", "description"}} for lvl in scale]
        report.change("level", f"the levels of {scale_code}: each skill is defined at each of them, the level's description its descriptor")
    elif level_fields:
        top = max(n for n, _ in level_fields)
        levels = [{"number": n, "name": f"Level {n}"} for n in range(1, top + 1)]
    else:
        levels = [{"number": 1, "name": "Competent"}]
        report.change("level", "no level columns and no --scale: one level, 'Competent', at which each skill is defined by its description")

    skills: list[dict] = []
    places: list[Row] = []
    lost_groups: set[int] = set()
    for entry in entries:
        row = entry["row"]
        if entry["children"]:
            # A group: its name becomes the category or subcategory of the skills below it.
            description = cell(row, "description")
            if description:
                report.lose("value", "a group's description", where(row, "description"), description)
            if cell(row, "code"):
                report.lose("value", "a group's code", where(row, "code"), cell(row, "code"))
            for number, index in level_fields:
                if row.get(index):
                    report.lose("value", "a group's level text", f"{row.place}, column {names[index]!r}", row.get(index))
            continue
        chain = []
        current = entry["parent"]
        while current is not None:
            chain.append(current)
            current = current["parent"]
        chain.reverse()
        name = entry["name"]
        description = cell(row, "description") or None
        skill: dict[str, Any] = {"code": entry["code"], "name": name, "url": cell(row, "url") or entry["url"]}
        if cell(row, "url") and entry["url"]:
            report.change("url", "the code's URI gave the code; the url column gave the url", where(row, "code"), entry["url"])
        if len(name) > NAME_MAX:
            skill["name"] = cut_at_word(name)
            description = f"{name}\n\n{description}" if description else name
            report.change("name", f"a name longer than {NAME_MAX} characters: cut at a word, the whole text begins the description",
                          where(row, "name"), skill["name"])
        skill["description"] = description
        category = cell(row, "category") or (chain[0]["name"] if chain else None)
        subcategory = chain[-1]["name"] if chain and (cell(row, "category") or len(chain) > 1) else None
        if cell(row, "subcategory"):
            if subcategory and subcategory != cell(row, "subcategory"):
                report.lose("group", "a parent where the subcategory column names another", where(row, "parent"), subcategory)
            subcategory = cell(row, "subcategory")
        skill["category"] = cut_at_word(category) if category else None
        skill["subcategory"] = cut_at_word(subcategory) if subcategory else None
        for middle in chain[1:-1] if not cell(row, "category") else chain[:-1]:
            if id(middle) not in lost_groups:
                lost_groups.add(id(middle))
                report.lose("group", "a group between the category and the subcategory", where(middle["row"], "name"), middle["name"])
        skill["levels"] = _levels(row, level_fields, levels, scale, description or name)
        skills.append(skill)
        places.append(row)
    if not skills:
        raise FrameworkFileError(file, header.place, "every row is a group (a parent of others): no skills")
    for index, name in enumerate(names):
        if index in cols.values():
            continue
        for row in data_rows:
            if row.get(index):
                report.lose("value", f"column {name or f'{index + 1} (unnamed)'!r}", row.place, row.get(index))
    info = {"code": framework_code, "name": framework_name, "version": version, "publisher": publisher}

    def place(path: tuple) -> str | None:
        if path[:1] == ("skills",) and len(path) > 1 and isinstance(path[1], int) and path[1] < len(places):
            return places[path[1]].place
        if path[:1] == ("framework",):
            return f"framework {path[-1]} (from the command line options)"
        return header.place

    return build_at({"framework": info, "levels": levels, "skills": skills}, file, place).with_report(report)


def _levels(row: Row, level_fields, levels: list[dict], scale, statement: str) -> list[dict]:
    if scale:
        return [{"level": lvl["number"], "defined": True, "descriptors": [lvl.get("description") or lvl["name"]]} for lvl in levels]
    if level_fields:
        out = []
        for number, index in level_fields:
            text = row.get(index)
            lines = [line.strip() for line in text.split("\n") if line.strip()]
            out.append({"level": number, "defined": True, "descriptors": lines} if lines else {"level": number, "defined": False})
        return out
    return [{"level": 1, "defined": True, "descriptors": [statement]}]
