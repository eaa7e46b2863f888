"""Any framework as a Moodle competency framework CSV (what Moodle's
tool_lpimportcsv imports, laid out as Moodle's own export writes it).

The framework row carries the code (ID number), the name (short name), the
levels as the scale ("Follow,Assist,...": every level proficient, the first
the default) and the taxonomy "skill,level". Each skill is a competency at
the top of the tree; each defined level of it is a child competency
("SLMO-L3") whose description lists the descriptors. What Moodle has no field
for (version, publisher, status, the tree of groups, URL, guidance, the levels at which
a skill is not defined, the framework levels' descriptions) goes into the
descriptions as headed HTML lists that read well in Moodle and read back
exactly. docs/formats.md gives the mapping.
"""
from __future__ import annotations

import json
from html import escape

from skills_app.importers.document import FrameworkDoc

HEADER = [
    "Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
    "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
    "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy",
]
FORMAT_HTML = 1
SHORTNAME_MAX = 100  # Moodle keeps the first 100 characters of a short name


def export(doc: FrameworkDoc, **_context) -> str:
    info = doc.framework
    scale = [level.name.replace(",", " /") for level in doc.levels]
    config = [{"scaleid": "0"}] + [
        {"id": i, "scaledefault": 1 if i == 1 else 0, "proficient": 1} for i in range(1, len(scale) + 1)
    ]
    details = [("Version", info.version), ("Publisher", info.publisher), ("Status", info.status)]
    plain = doc.plain_tree() and not any(g.rule for g in doc.tree()[0])
    tree, placed = doc.tree()
    framework_html = _paragraphs(info.description) + _details("Details", details) + _levels(doc) + _attributes(doc)
    if not plain:
        framework_html += _groups(tree)
    framework_html += _associations(doc)
    rows = [HEADER, [
        "", info.code, info.name[:SHORTNAME_MAX], framework_html, FORMAT_HTML, ",".join(scale),
        json.dumps(config, separators=(",", ":")), "", "", "", "", "", True, "skill,level",
    ]]
    exported = 0
    level_names = {level.number: level.name for level in doc.levels}
    # Related skills as Moodle relates competencies: both ways, listed on both rows (the
    # framework description's list of associations is what reads back).
    related: dict[str, list[str]] = {}
    for a in doc.associations:
        if a.type == "isRelatedTo" and a.origin.skill and a.destination.skill:
            related.setdefault(a.origin.skill.upper(), []).append(a.destination.skill)
            related.setdefault(a.destination.skill.upper(), []).append(a.origin.skill)
    for skill, group in zip(doc.skills, placed):
        exported += 1
        html = _paragraphs(skill.description)
        if skill.guidance_intro or skill.guidance:
            html += "<h4>Guidance notes</h4>" + _paragraphs(skill.guidance_intro) + _list(skill.guidance)
        category, subcategory = _names(tree, group)
        html += _details("Details", [("Group", None if plain else group), ("Category", category), ("Subcategory", subcategory),
                                     ("URL", skill.url)])
        undefined = [(f"Level {sl.level}", sl.note or "") for sl in skill.levels if not sl.defined]
        if undefined:
            html += "<h4>Not defined at</h4><dl>" + "".join(f"<dt>{escape(t)}</dt><dd>{_inline(d)}</dd>" for t, d in undefined) + "</dl>"
        rule = skill.rule
        rows.append(["", skill.code, skill.name[:SHORTNAME_MAX], html, FORMAT_HTML, "", "", rule.type if rule else "",
                     rule.outcome if rule else 0, (rule.config or "null") if rule else "null",
                     ",".join(related.get(skill.code.upper(), [])), exported, False, ""])
        for sl in skill.levels:
            if not sl.defined:
                continue
            exported += 1
            name = f"{skill.name}: level {sl.level} ({level_names.get(sl.level, sl.level)})"
            rows.append([skill.code, f"{skill.code}-L{sl.level}", _shorten(name), _list(sl.descriptors), FORMAT_HTML,
                         "", "", "", 0, "null", "", exported, False, ""])
    return "".join(_csv_line(row) for row in rows)


def _shorten(text: str) -> str:
    return text if len(text) <= SHORTNAME_MAX else text[: SHORTNAME_MAX - 1].rstrip() + "…"


def _inline(text: str | None) -> str:
    return escape(text or "", quote=False).replace("\n", "<br>")


def _paragraphs(text: str | None) -> str:
    if not text:
        return ""
    return "".join(f"<p>{_inline(p)}</p>" for p in text.split("\n\n") if p.strip())


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>" if items else ""


def _details(heading: str, pairs: list[tuple[str, str | None]]) -> str:
    pairs = [(k, v) for k, v in pairs if v]
    if not pairs:
        return ""
    return f"<h4>{heading}</h4><dl>" + "".join(f"<dt>{k}</dt><dd>{_inline(v)}</dd>" for k, v in pairs) + "</dl>"


def _levels(doc: FrameworkDoc) -> str:
    entries = "".join(
        f"<dt>Level {level.number}: {_inline(level.name)}</dt><dd>{_inline(level.description)}</dd>" for level in doc.levels
    )
    return f"<h4>Levels</h4><dl>{entries}</dl>"


def _attributes(doc: FrameworkDoc) -> str:
    """The generic attributes of the levels, as terms the importer reads back:
    'Attribute CODE: Name' (its description), 'CODE category', 'CODE url',
    'CODE guidance' and 'CODE level N'."""
    if not doc.attributes:
        return ""
    entries = []
    for a in doc.attributes:
        entries.append((f"Attribute {a.code}: {a.name}", a.description))
        entries += [(f"{a.code} {key}", value) for key, value in (("category", a.category), ("url", a.url), ("guidance", a.guidance)) if value]
        entries += [(f"{a.code} level {al.level}", al.description) for al in a.levels]
    return "<h4>Attributes</h4><dl>" + "".join(f"<dt>{_inline(t)}</dt><dd>{_inline(d)}</dd>" for t, d in entries) + "</dl>"


def _names(tree, code: str | None) -> tuple[str | None, str | None]:
    """The names of the topmost group above a skill and of its own group (when below the topmost)."""
    by_code = {g.code.upper(): g for g in tree}
    chain = []
    while code is not None and code.upper() in by_code and by_code[code.upper()] not in chain:
        chain.append(by_code[code.upper()])
        code = chain[-1].parent
    chain.reverse()
    return (chain[0].name if chain else None), (chain[-1].name if len(chain) > 1 else None)


def _groups(tree) -> str:
    """The framework's tree of groups, as terms the importer reads back: 'Group CODE' (its
    name), 'CODE parent' (the parent's code) and 'CODE description'."""
    entries = []
    for g in tree:
        entries.append((f"Group {g.code}", g.name))
        entries += [(f"{g.code} {key}", value) for key, value in (("parent", g.parent), ("description", g.description)) if value]
        if g.rule:
            entries += [(f"{g.code} rule type", g.rule.type), (f"{g.code} rule outcome", str(g.rule.outcome))]
            entries += [(f"{g.code} rule config", g.rule.config)] if g.rule.config else []
    return "<h4>Groups</h4><dl>" + "".join(f"<dt>{_inline(t)}</dt><dd>{_inline(d)}</dd>" for t, d in entries) + "</dl>"


def _associations(doc: FrameworkDoc) -> str:
    """The relations other than the tree's, as terms the importer reads back: 'Association N'
    (its type), 'N from' and 'N to' ('skill CODE', 'group CODE', or a node elsewhere by its
    address), 'N identifier' and 'N title' (of a node elsewhere), 'N sequence'."""
    if not doc.associations:
        return ""
    entries = []

    def end(node) -> str:
        return f"skill {node.skill}" if node.skill is not None else f"group {node.group}" if node.group is not None else node.uri or ""

    for n, a in enumerate(doc.associations, start=1):
        entries += [(f"Association {n}", a.type), (f"{n} from", end(a.origin)), (f"{n} to", end(a.destination))]
        entries += [(f"{n} {key}", value) for key, value in (("identifier", a.destination.identifier), ("title", a.destination.title),
                                                           ("sequence", None if a.sequence is None else str(a.sequence))) if value]
    return "<h4>Associations</h4><dl>" + "".join(f"<dt>{_inline(t)}</dt><dd>{_inline(d)}</dd>" for t, d in entries) + "</dl>"


def _csv_line(row: list) -> str:
    """One line as PHP's fputcsv writes it (Moodle's csv_export_writer): a field is quoted when it holds
    a space, a comma, a quote, a backslash or a line break; booleans are 1 and empty."""
    out = []
    for value in row:
        if value is True:
            text = "1"
        elif value is False or value is None:
            text = ""
        else:
            text = str(value)
        if any(c in text for c in ' ,"\n\r\t\\'):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    return ",".join(out) + "\n"
