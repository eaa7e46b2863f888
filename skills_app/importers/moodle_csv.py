"""Moodle competency frameworks as CSV: the format of Moodle's tool_lpimportcsv.

The header (columns found by name, case and punctuation aside; Moodle's older
spellings such as "Parent id number", "Shortname" and "Cross referenced
competency id numbers" too)::

    Parent ID number, ID number, Short name, Description, Description format,
    Scale values, Scale configuration, Rule type (optional),
    Rule outcome (optional), Rule config (optional),
    Cross-referenced competency ID numbers, Exported ID (optional),
    Is framework, Taxonomy

One row, with "Is framework" set, is the framework: its ID number the
framework code, its short name the name, its scale ("Not yet competent,
Competent") and its taxonomy (one word a depth: "domain,competency"). Every
other row is a competency whose parent is the row with its "Parent ID number"
(none: a child of the framework). docs/formats.md gives the mapping in full:

* **A tree with a "level" depth** (our export writes "skill,level"): the
  competencies one depth above it are skills, those at it are the skills'
  levels (number from the ID number's end, "SLMO-L3", or "Level 3" in the
  short name), whose descriptors are the list items (else paragraphs) of
  their description, or their own child competencies. The competencies above
  the skills are the groups of the framework's tree, as deep as they go.
* **Any other tree** (as Moodle users build them): every leaf competency is a
  skill, the competencies above it the groups of the framework's tree; the
  levels are the framework scale's values, and each skill is defined at every
  proficient value with its description (else its short name) as the one
  descriptor, and not defined at the others.

Descriptions in HTML (format 1) are read as text: paragraphs and list items
are blocks, ``<br>`` a line break, other whitespace collapses to one space.
Our export adds a details list (version, publisher, category, URL, guidance,
levels not defined, the framework's levels, and the groups where the tree is
more than categories and subcategories) that reads back exactly.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from skills_app.importers import limits
from skills_app.importers.document import FrameworkDoc, FrameworkFileError
from skills_app.importers.report import ImportReport
from skills_app.importers.tabular import CODE_PATTERN, Row, as_code, build_at, column, csv_rows, header_key

HEADERS = {
    "parent": ("parentidnumber", "parentid"),
    "idnumber": ("idnumber", "id"),
    "shortname": ("shortname", "name"),
    "description": ("description",),
    "format": ("descriptionformat",),
    "scalevalues": ("scalevalues", "scale"),
    "scaleconfig": ("scaleconfiguration",),
    "ruletype": ("ruletype",),
    "ruleoutcome": ("ruleoutcome",),
    "ruleconfig": ("ruleconfig",),
    "related": ("crossreferencedcompetencyidnumbers", "relatedidnumbers", "relatedcompetencies"),
    "exportid": ("exportedid", "exportid"),
    "isframework": ("isframework",),
    "taxonomy": ("taxonomy", "taxonomies"),
}
REQUIRED = ("parent", "idnumber", "shortname", "isframework")
LABELS = {"parent": "Parent ID number", "idnumber": "ID number", "shortname": "Short name", "isframework": "Is framework",
          "description": "Description", "scalevalues": "Scale values"}
FORMAT_HTML = "1"
DETAIL_HEADINGS = {"details", "guidance notes", "not defined at", "levels", "attributes", "groups", "associations"}


def looks_like(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    keys = {header_key(c) for c in re.split(r"[,;\t]", first)}
    return "isframework" in keys and bool(keys & {"parentidnumber", "parentid"})


# -- HTML to text ------------------------------------------------------------------

BLOCK_TAGS = {"p", "li", "dt", "dd", "div", "blockquote", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}


class _Blocks(HTMLParser):
    """HTML as a list of (tag, text) blocks: paragraphs, list items, headings, terms and definitions."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.tag: str | None = None
        self.parts: list[str] = []

    def _flush(self):
        if self.tag is not None or self.parts:
            # HTML's own whitespace collapses; a non-breaking space (&nbsp;) is text and stays.
            lines = [re.sub(r"[ \t\r\n\f\v]+", " ", line).strip(" \t\r\n\f\v") for line in "".join(self.parts).split("\n\x00")]
            # Consecutive <br>s are kept as an empty line (a paragraph break); those at the ends go.
            while len(lines) > 1 and not lines[-1]:
                lines.pop()
            while len(lines) > 1 and not lines[0]:
                lines.pop(0)
            text = "\n".join(lines) if len(lines) > 1 else lines[0]
            if not text.strip():
                text = ""  # a block of nothing but non-breaking spaces, as editors leave: empty
            if text or self.tag in {"dd", "dt"}:
                self.blocks.append((self.tag or "p", text))
        self.tag, self.parts = None, []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self._flush()
            self.tag = tag
        elif tag == "br":
            self.parts.append("\n\x00")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        self.parts.append(data)

    def close(self):
        super().close()
        self._flush()


def html_blocks(html: str) -> list[tuple[str, str]]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


def text_blocks(description: str, fmt: str) -> list[tuple[str, str]]:
    if fmt == FORMAT_HTML or re.search(r"<(p|br|ul|li|div)\b", description, re.IGNORECASE):
        return html_blocks(description)
    return [("p", re.sub(r"[ \t]+", " ", p).strip()) for p in re.split(r"\n\s*\n", description) if p.strip()]


def read_sections(blocks: list[tuple[str, str]]) -> dict:
    """Blocks split at our headings: {'text': [...], 'guidance': [...], 'details': {...}, 'not defined': [...], 'levels': [...]}."""
    out: dict = {"text": [], "guidance": [], "details": {}, "not defined at": [], "levels": [], "attributes": [], "groups": [], "associations": []}
    section = "text"
    term: str | None = None
    for tag, text in blocks:
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"} and text.lower() in DETAIL_HEADINGS:
            section = text.lower()
            continue
        if section == "text":
            out["text"].append((tag, text))
        elif section == "guidance notes":
            out["guidance"].append((tag, text))
        elif tag == "dt":
            term = text
            if section == "details":
                out["details"][text.lower()] = ""
            else:
                out[section].append([text, ""])
        elif tag == "dd" and term is not None:
            if section == "details":
                out["details"][term.lower()] = text
            else:
                out[section][-1][1] = text
    return out


# -- parsing -------------------------------------------------------------------------

class _Node:
    def __init__(self, row: Row, cells: dict[str, str]):
        self.row = row
        self.cells = cells
        self.children: list[_Node] = []
        self.depth = 0

    def __getattr__(self, name):
        cells = self.__dict__.get("cells", {})
        if name in cells:
            return cells[name]
        raise AttributeError(name)


def parse(text: str, file: str, *, framework_code=None, framework_name=None, version=None, publisher=None) -> FrameworkDoc:
    rows = [r for r in csv_rows(text, file) if not r.empty]
    if not rows:
        raise FrameworkFileError(file, None, "the file is empty")
    header = rows[0]
    keys = [header_key(c) for c in header.cells]
    cols = {field: column(keys, *names) for field, names in HEADERS.items()}
    for field in REQUIRED:
        if cols[field] is None:
            raise FrameworkFileError(file, header.place, f"no {LABELS[field]!r} column: is this a Moodle competency framework CSV?")
    names = header.cells

    def at(node_or_row, field: str) -> str:
        row = node_or_row.row if isinstance(node_or_row, _Node) else node_or_row
        return f"{row.place}, column {names[cols[field]]!r}" if cols.get(field) is not None else row.place

    framework: _Node | None = None
    nodes: dict[str, _Node] = {}
    order: list[_Node] = []
    for row in rows[1:]:
        cells = {field: row.get(index) for field, index in cols.items()}
        node = _Node(row, cells)
        if _truthy(cells["isframework"]):
            if framework is not None:
                raise FrameworkFileError(file, at(row, "isframework"), f"a second framework row (the first is at {framework.row.place}); a file holds one framework")
            framework = node
            continue
        if not cells["idnumber"]:
            raise FrameworkFileError(file, at(row, "idnumber"), "the competency's ID number is empty")
        if not cells["shortname"]:
            raise FrameworkFileError(file, at(row, "shortname"), "the competency's short name is empty")
        if cells["idnumber"] in nodes:
            raise FrameworkFileError(file, at(row, "idnumber"), f"ID number {cells['idnumber']!r} is used twice (also at {nodes[cells['idnumber']].row.place})")
        nodes[cells["idnumber"]] = node
        order.append(node)
    if framework is None:
        raise FrameworkFileError(file, None, "no framework row: one row must have 'Is framework' set to 1")
    if not framework.idnumber and not framework_code:
        raise FrameworkFileError(file, at(framework, "idnumber"), "the framework's ID number is empty")
    if not framework.shortname and not framework_name:
        raise FrameworkFileError(file, at(framework, "shortname"), "the framework's short name is empty")

    roots: list[_Node] = []
    for node in order:
        if not node.parent:
            roots.append(node)
        elif node.parent in nodes:
            nodes[node.parent].children.append(node)
        else:
            raise FrameworkFileError(file, at(node, "parent"), f"no competency has the ID number {node.parent!r}")
    reached = 0
    stack = [(n, 1) for n in roots]
    while stack:
        node, depth = stack.pop()
        node.depth = depth
        reached += 1
        stack.extend((c, depth + 1) for c in node.children)
    if reached != len(order):
        lost = next(n for n in order if n.depth == 0)
        raise FrameworkFileError(file, at(lost, "parent"), "this competency's parents form a loop: it is not connected to the framework")

    taxonomy = [t.strip().lower() for t in (framework.cells.get("taxonomy") or "").split(",")]
    fw_sections = read_sections(text_blocks(framework.description, framework.cells.get("format", "")))
    details = fw_sections["details"]
    info = {
        "code": framework_code or as_code(framework.idnumber),
        "name": framework_name or framework.shortname,
        "version": version or details.get("version") or "1",
        "publisher": publisher or details.get("publisher") or None,
        "description": "\n\n".join(t for _, t in fw_sections["text"]) or None,
        "status": details.get("status") or "published",
    }
    if not CODE_PATTERN.match(info["code"] or "-"):
        raise FrameworkFileError(file, at(framework, "idnumber"), f"cannot make a framework code of {framework.idnumber!r}")

    attributes = _declared_attributes(fw_sections, framework, file, at)
    tree = _Tree(_declared_groups(fw_sections, framework, file, at))
    skill_places: list[_Node] = []
    if "level" in taxonomy and taxonomy.index("level") >= 1:
        levels, level_place = _declared_levels(fw_sections, framework, file, at)
        skills = _leveled(taxonomy.index("level") + 1, roots, file, at, skill_places, tree)
        if not levels:
            numbers = sorted({sl["level"] for s in skills for sl in s["levels"]})
            scale = _scale(framework, file, at)[0]
            levels = [{"number": n, "name": scale[n - 1] if 0 < n <= len(scale) else f"Level {n}"} for n in numbers]
    else:
        scale, proficient = _scale(framework, file, at)
        levels = [{"number": i, "name": name} for i, name in enumerate(scale, start=1)]
        level_place = at(framework, "scalevalues")
        skills = _leaves(roots, proficient, len(scale), skill_places, tree)

    def place(path: tuple) -> str | None:
        if path[:1] == ("skills",) and len(path) > 1 and isinstance(path[1], int) and path[1] < len(skill_places):
            node = skill_places[path[1]]
            field = {"code": "idnumber", "name": "shortname"}.get(path[2] if len(path) > 2 else "", "description")
            return at(node, field)
        if path[:1] == ("levels",):
            return level_place
        if path[:1] == ("groups",) and len(path) > 1 and isinstance(path[1], int) and path[1] < len(tree.places):
            node = tree.places[path[1]]
            return at(node, "idnumber") if node is not None else at(framework, "description")
        return at(framework, "idnumber")

    report = ImportReport(file)
    _account(framework, order, skill_places, "level" in taxonomy, taxonomy, at, report)
    for node, entry in zip(skill_places, skills):
        if (rule := _rule(node)) is not None:
            entry["rule"] = rule
    for node, group in zip(tree.places, tree.groups):
        if node is not None and (rule := _rule(node)) is not None:
            group["rule"] = rule
    associations = _declared_associations(fw_sections, framework, file, at)
    if not fw_sections["associations"]:  # our export lists them all there; the column only repeats some
        associations += _cross_references(order, nodes, skill_places, skills, tree, at, report)
    data = {"framework": info, "levels": levels, "attributes": attributes, "groups": tree.groups, "skills": skills,
            "associations": associations}
    return build_at(data, file, place).with_report(report)


class _Tree:
    """The groups above the skills: those our export declares, then the competencies above
    the skills, each made a group (ID number its code, short name its name, description its
    description) the first time a skill below it is read, parents first."""

    def __init__(self, declared: list[dict]):
        self.groups: list[dict] = list(declared)
        self.places: list[_Node | None] = [None] * len(declared)
        self.codes: dict[int, str] = {}
        self.taken = {g["code"].upper() for g in declared}

    def place(self, entry: dict, ancestors: list[_Node]) -> None:
        """Put a skill below its ancestors: its group, and the names of its topmost and own groups."""
        if not ancestors or entry.get("group") or entry.get("category"):
            return
        parent = None
        for node in ancestors:
            if id(node) not in self.codes:
                code = " ".join(node.idnumber.split())[:100]
                if code.upper() in self.taken:
                    code = f"{code[:90]}-{len(self.groups) + 1}"
                self.taken.add(code.upper())
                self.codes[id(node)] = code
                self.groups.append({"code": code, "name": node.shortname, "parent": parent,
                                    "description": "\n\n".join(t for _, t in text_blocks(node.description, node.cells.get("format", ""))) or None})
                self.places.append(node)
            parent = self.codes[id(node)]
        entry["group"] = parent
        entry["category"] = ancestors[0].shortname
        entry["subcategory"] = ancestors[-1].shortname if len(ancestors) > 1 else None


def _declared_groups(sections: dict, framework: _Node, file: str, at) -> list[dict]:
    """The groups our export lists under 'Groups' in the framework's description."""
    groups: list[dict] = []
    by_code: dict[str, dict] = {}
    for term, definition in sections["groups"]:
        if m := re.match(r"group\s+(.+)$", term, re.IGNORECASE):
            entry = {"code": m.group(1).strip(), "name": definition, "description": None, "parent": None}
            groups.append(entry)
            by_code[entry["code"].upper()] = entry
            continue
        m = re.match(r"(.+?)\s+(parent|description|rule type|rule outcome|rule config)$", term, re.IGNORECASE)
        entry = by_code.get(m.group(1).strip().upper()) if m else None
        if entry is None:
            raise FrameworkFileError(file, at(framework, "description"),
                                     f"cannot read the group entry {term!r} (expected 'Group CODE', 'CODE parent' or 'CODE description')")
        key = m.group(2).lower()
        if key.startswith("rule "):
            rule = entry.setdefault("rule", {"type": "", "outcome": 0, "config": None})
            rule[key[5:]] = int(definition) if key == "rule outcome" and definition.isdigit() else (definition or None)
        else:
            entry[key] = definition or None
    return groups


def _rule(node: _Node) -> dict | None:
    """A competency's rule (type, outcome, configuration), where it has one."""
    cells = node.cells
    kind = (cells.get("ruletype") or "").strip()
    outcome = (cells.get("ruleoutcome") or "").strip()
    config = (cells.get("ruleconfig") or "").strip()
    if not kind or not outcome.isdigit() or int(outcome) > 9:
        return None
    return {"type": kind, "outcome": int(outcome), "config": None if config.lower() in {"", "null"} else config}


def _cross_references(order: list[_Node], nodes: dict[str, _Node], skill_places: list[_Node], skills: list[dict],
                      tree: _Tree, at, report: ImportReport) -> list[dict]:
    """Cross-referenced competencies as isRelatedTo associations between the skills and groups
    they are. Moodle relates two competencies both ways and lists the relation on both rows:
    each pair is kept once, from the first row that names it."""
    ends: dict[int, dict] = {id(node): {"skill": entry["code"]} for node, entry in zip(skill_places, skills)}
    by_id = {id(node): node for node in order}
    ends.update({key: {"group": code} for key, code in tree.codes.items() if key in by_id})
    out: list[dict] = []
    seen: set[frozenset] = set()
    for node in order:
        for related in (r.strip() for r in (node.cells.get("related") or "").split(",")):
            if not related:
                continue
            target = nodes.get(related)
            if target is None or id(node) not in ends or id(target) not in ends:
                what = ("a cross-reference to no competency of the file" if target is None
                        else "a cross-reference from or to a competency that is neither a skill nor a group")
                report.lose("cross-reference", what, at(node, "related"), f"{node.idnumber} → {related}")
                continue
            pair = frozenset((id(node), id(target)))
            if pair in seen:
                continue
            seen.add(pair)
            out.append({"type": "isRelatedTo", "origin": ends[id(node)], "destination": ends[id(target)]})
    return out


def _declared_associations(sections: dict, framework: _Node, file: str, at) -> list[dict]:
    """The associations our export lists under 'Associations' in the framework's description."""
    out: list[dict] = []
    by_number: dict[str, dict] = {}

    def end(text: str) -> dict:
        m = re.match(r"(skill|group)\s+(.+)$", text)
        return {m.group(1): m.group(2).strip()} if m else {"uri": text}

    for term, definition in sections["associations"]:
        if m := re.match(r"association\s+(\d+)$", term, re.IGNORECASE):
            entry = by_number[m.group(1)] = {"type": definition}
            out.append(entry)
            continue
        m = re.match(r"(\d+)\s+(from|to|identifier|title|sequence)$", term, re.IGNORECASE)
        entry = by_number.get(m.group(1)) if m else None
        if entry is None:
            raise FrameworkFileError(file, at(framework, "description"),
                                     f"cannot read the association entry {term!r} (expected 'Association 1', '1 from', '1 to', ...)")
        key = m.group(2).lower()
        if key == "from":
            entry["origin"] = end(definition)
        elif key == "to":
            entry.setdefault("destination", {}).update(end(definition))
        elif key == "sequence":
            entry["sequence"] = int(definition) if definition.isdigit() else definition
        else:
            entry.setdefault("destination", {})[key] = definition
    return out


def _declared_attributes(sections: dict, framework: _Node, file: str, at) -> list[dict]:
    """The attributes our export lists under 'Attributes' in the framework's description."""
    attributes: list[dict] = []
    by_code: dict[str, dict] = {}
    for term, definition in sections["attributes"]:
        if m := re.match(r"attribute\s+(\S+)\s*:\s*(.+)$", term, re.IGNORECASE):
            entry = {"code": m.group(1), "name": m.group(2).strip(), "description": definition or None, "levels": []}
            attributes.append(entry)
            by_code[m.group(1).upper()] = entry
            continue
        m = re.match(r"(\S+)\s+(category|url|guidance|level\s+(\d{1,2}))$", term, re.IGNORECASE)
        entry = by_code.get(m.group(1).upper()) if m else None
        if entry is None:
            raise FrameworkFileError(file, at(framework, "description"),
                                     f"cannot read the attribute entry {term!r} (expected 'Attribute CODE: Name', 'CODE level 2', ...)")
        if m.group(3):
            entry["levels"].append({"level": int(m.group(3)), "description": definition})
        else:
            entry[m.group(2).lower()] = definition or None
    return attributes


SIMPLE_TAGS = {"p", "br", "ul", "ol", "li", "dl", "dt", "dd", "h4", "div"}


def _account(framework: _Node, order: list[_Node], skill_places: list[_Node], ours: bool, taxonomy: list[str], at,
             report: ImportReport) -> None:
    """What of the file the framework does not carry, into the import report: competencies
    above the skills (a skill keeps the names of its top and nearest ones as its category and
    subcategory; their ID numbers and descriptions, and any competency between them, are not
    kept), rules, cross-references, exported ids, the taxonomy, and markup beyond paragraphs,
    line breaks and lists."""
    skills = {id(n) for n in skill_places}
    below: set[int] = set()
    for node in skill_places:
        stack = list(node.children)
        while stack:
            child = stack.pop()
            below.add(id(child))
            stack.extend(child.children)
    parents: dict[int, _Node] = {}
    for node in order:
        for child in node.children:
            parents[id(child)] = node
    groups: set[int] = set()  # every competency above a skill is a group
    for node in skill_places:
        current = parents.get(id(node))
        while current is not None and id(current) not in groups:
            groups.add(id(current))
            current = parents.get(id(current))
    for node in order:
        if id(node) in skills or id(node) in below or id(node) in groups:
            pass
        else:
            report.lose("competency", "a competency above the skills with no skill below it",
                        at(node, "shortname"), f"{node.idnumber} {node.shortname}")
        cells = node.cells
        config = cells.get("ruleconfig") if (cells.get("ruleconfig") or "").lower() not in {"", "null"} else ""
        kept_rule = (id(node) in skills or id(node) in groups) and _rule(node) is not None
        if not kept_rule and (cells.get("ruletype") or config or (cells.get("ruleoutcome") or "0") != "0"):
            report.lose("rule", cells.get("ruletype") or "rule", at(node, "ruletype"),
                        f"type {cells.get('ruletype') or '-'}, outcome {cells.get('ruleoutcome') or '-'}, config {cells.get('ruleconfig') or '-'}")
        if cells.get("exportid") and not ours:
            report.lose("identifier", "exported id", at(node, "exportid"), cells["exportid"])
        for tag in sorted(set(re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", node.description)) - SIMPLE_TAGS):
            report.lose("markup", f"<{tag.lower()}>", at(node, "description"), node.description)
    fw = framework.cells
    if fw.get("taxonomy") and not ours:
        report.lose("value", "the framework's taxonomy (the names of its depths)", at(framework, "taxonomy"), fw["taxonomy"])
    if fw.get("exportid") and not ours:
        report.lose("identifier", "exported id", at(framework, "exportid"), fw["exportid"])
    if "scaledefault" in (fw.get("scaleconfig") or "") and not ours:
        report.lose("value", "the scale's default value", at(framework, "scaleconfig"), fw["scaleconfig"])
    if any(re.search(r"<\s*(p|br|li)\b", n.description) for n in [framework, *order]):
        report.change("markup", "descriptions in HTML are read as text: paragraphs, line breaks and list items kept as such")


def _truthy(value: str) -> bool:
    return value.strip().lower() not in {"", "0", "false", "no", "n"}


def _scale(framework: _Node, file: str, at) -> tuple[list[str], set[int]]:
    values = [v.strip() for v in framework.cells.get("scalevalues", "").split(",") if v.strip()]
    if not values:
        raise FrameworkFileError(file, at(framework, "scalevalues"), "the framework has no scale values (such as 'Not yet competent,Competent')")
    proficient: set[int] = set()
    raw = framework.cells.get("scaleconfig", "")
    if raw:
        try:
            config = limits.load_json(raw)
        except ValueError:  # not JSON, or beyond the budgets of importers/limits.py
            raise FrameworkFileError(file, at(framework, "scaleconfig"), "the scale configuration is not valid JSON") from None
        if isinstance(config, list):
            for entry in config[1:]:
                if isinstance(entry, dict) and str(entry.get("proficient", "0")) not in {"0", "", "False", "false"}:
                    try:
                        proficient.add(int(entry.get("id")))
                    except (TypeError, ValueError):
                        pass
    if not proficient:
        proficient = {len(values)}  # Moodle's default: the top value is proficient
    return values, proficient


def _declared_levels(sections: dict, framework: _Node, file: str, at) -> tuple[list[dict], str]:
    levels = []
    for term, definition in sections["levels"]:
        m = re.match(r"level\s+(\d{1,2})\s*:\s*(.*)$", term, re.IGNORECASE)
        if not m:
            raise FrameworkFileError(file, at(framework, "description"), f"cannot read the level {term!r} (expected 'Level 3: Apply')")
        levels.append({"number": int(m.group(1)), "name": m.group(2).strip(), "description": definition or None})
    return levels, at(framework, "description")


def _skill_entry(node: _Node, file: str, at) -> dict:
    sections = read_sections(text_blocks(node.description, node.cells.get("format", "")))
    intro: list[str] = []
    guidance: list[str] = []
    for tag, text in sections["guidance"]:
        if tag == "li" or guidance:
            guidance.append(text)
        else:
            intro.append(text)
    details = sections["details"]
    code = node.idnumber if CODE_PATTERN.match(node.idnumber) and len(node.idnumber) <= 40 else as_code(node.idnumber)
    if not code:
        raise FrameworkFileError(file, at(node, "idnumber"), f"cannot make a skill code of {node.idnumber!r}")
    entry = {
        "code": code,
        "name": node.shortname,
        "group": details.get("group") or None,
        "category": details.get("category") or None,
        "subcategory": details.get("subcategory") or None,
        "url": details.get("url") or None,
        "description": "\n\n".join(t for _, t in sections["text"]) or None,
        "guidance_intro": "\n\n".join(intro) or None,
        "guidance": guidance,
        "levels": [],
    }
    for term, note in sections["not defined at"]:
        m = re.match(r"level\s+(\d{1,2})$", term, re.IGNORECASE)
        if not m:
            raise FrameworkFileError(file, at(node, "description"), f"cannot read the level {term!r} (expected 'Level 1')")
        level = {"level": int(m.group(1)), "defined": False}
        if note:
            level["note"] = note
        entry["levels"].append(level)
    return entry


def _leveled(level_depth: int, roots: list[_Node], file: str, at, places: list[_Node], tree: _Tree) -> list[dict]:
    skills = []

    def walk(node: _Node, ancestors: list[_Node]):
        if node.depth == level_depth - 1:
            entry = _skill_entry(node, file, at)
            tree.place(entry, ancestors)
            for child in node.children:
                number = _level_number(child)
                if number is None:
                    raise FrameworkFileError(file, at(child, "idnumber"), "cannot tell which level this is: end the ID number with L and the level ('SLMO-L3') or name it 'Level 3'")
                if child.children:
                    descriptors = [c.shortname if not c.description else _one_text(c) for c in child.children]
                else:
                    blocks = text_blocks(child.description, child.cells.get("format", ""))
                    items = [t for tag, t in blocks if tag == "li"]
                    descriptors = items or [t for _, t in blocks]
                entry["levels"].append({"level": number, "defined": True, "descriptors": descriptors})
            entry["levels"].sort(key=lambda sl: sl["level"])
            skills.append(entry)
            places.append(node)
        elif node.depth < level_depth - 1:
            for child in node.children:
                walk(child, ancestors + [node])

    for root in roots:
        walk(root, [])
    return skills


def _one_text(node: _Node) -> str:
    return "\n".join(t for _, t in text_blocks(node.description, node.cells.get("format", ""))) or node.shortname


def _leaves(roots: list[_Node], proficient: set[int], scale_size: int, places: list[_Node], tree: _Tree) -> list[dict]:
    skills = []

    def walk(node: _Node, ancestors: list[_Node]):
        if node.children:
            for child in node.children:
                walk(child, ancestors + [node])
            return
        code = node.idnumber if CODE_PATTERN.match(node.idnumber) and len(node.idnumber) <= 40 else as_code(node.idnumber)
        entry = {"code": code, "name": node.shortname, "category": None, "subcategory": None, "levels": []}
        tree.place(entry, ancestors)
        statement = _one_text(node)
        for number in range(1, scale_size + 1):
            if number in proficient:
                entry["levels"].append({"level": number, "defined": True, "descriptors": [statement]})
            else:
                entry["levels"].append({"level": number, "defined": False})
        skills.append(entry)
        places.append(node)

    for root in roots:
        walk(root, [])
    return skills


def _level_number(node: _Node) -> int | None:
    m = re.search(r"(?:^|[^0-9])L?(\d{1,2})$", node.idnumber, re.IGNORECASE)
    if m:
        return int(m.group(1))
    m = re.search(r"\blevel\s*(\d{1,2})\b", node.shortname, re.IGNORECASE)
    return int(m.group(1)) if m else None
