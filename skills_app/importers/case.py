"""1EdTech CASE packages (1.0 and 1.1): a CFPackage as JSON.

docs/formats.md gives the mapping in full; in short, what this reads:

* ``CFDocument`` is the framework (title, version, publisher or creator,
  description, adoptionStatus). Its code is ``extensions.skillsApp.code``
  (what our export writes), else ``--framework``, else made from the title.
* Skills are the items typed "Skill", the origins of ``hasSkillLevel``
  associations and the items a rubric criterion points at; a package with none
  of these (a plain standards tree) takes its leaf items as skills.
* A skill's levels are its ``hasSkillLevel`` destinations (one item a level,
  its number in ``listEnumeration``, else the end of ``humanCodingScheme``, else
  "level N" in its statement); the level's descriptors are the items that are
  ``isChildOf`` it, in ``sequenceNumber`` order, else its full statement.
  Items typed "Skill Level Not Defined" that are children of the skill are
  levels at which it is not defined (the note in ``notes``). Without those, the
  skill's rubric criterion gives its levels (a criterion level a level:
  ``score`` its number, ``description`` its descriptors as a bulleted list;
  no description means not defined).
* The framework levels are the rubric whose one criterion points at no item
  (our export writes it), else every criterion level seen (score, quality),
  else "Level N" for each level number seen, else one level, "Competent",
  at which each skill is defined by its own statement.
* Categories: the item the skill is a child of, and that item's parent, when
  they are not the document: the topmost is the category, the nearest the
  subcategory.
* Whatever of the package this does not carry is listed in the import report:
  associations of other types (``exactMatchOf``, ``precedes``, ...), items that
  are neither skills, levels, descriptors nor a skill's category or subcategory,
  fields no field holds (``educationalLevel``, ``language``, ...), definitions,
  and, for packages other than this application's own, identifiers and change
  times. A statement longer than a name may be is cut at a word for the name,
  and kept whole as the description.

Errors give the path of keys (``CFItems[3].fullStatement``) and its line.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timezone

from skills_app.importers import limits
from skills_app.importers.document import FrameworkDoc, FrameworkFileError, format_path
from skills_app.importers.native import _locator
from skills_app.importers.report import ImportReport
from skills_app.importers.tabular import as_code, build_at

NO_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)  # what our export writes for a framework with no time of change

STATUS_FROM_ADOPTION = {"draft": "draft", "private draft": "draft", "adopted": "published", "implemented": "published",
                        "deprecated": "retired", "retired": "retired"}
NOT_DEFINED_TYPE = "skill level not defined"


class _Package:
    def __init__(self, data: dict, file: str, locate, prefix: tuple):
        self.data = data
        self.file = file
        self.locate = locate
        self.prefix = prefix

    def where(self, *path) -> str:
        full = self.prefix + tuple(path)
        text = format_path(full) or "top level"
        line = self.locate(full)
        return f"line {line} ({text})" if line else text

    def fail(self, path: tuple, message: str):
        raise FrameworkFileError(self.file, self.where(*path), message)

    def text(self, obj: dict, key: str, path: tuple, required: bool = False) -> str | None:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(path + (key,), f"missing required field {key!r}" if value is None else f"{key} must not be empty")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.fail(path + (key,), f"{key} must be text")
        return str(value).strip()

    def array(self, key: str) -> list:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail((key,), f"{key} must be a list")
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                self.fail((key, i), "expected an object")
        return value


def parse(text: str, file: str, *, framework_code: str | None = None, version: str | None = None) -> FrameworkDoc:
    try:
        data = limits.load_json(text, check_strings=False)  # what is kept is checked when built
    except json.JSONDecodeError as exc:
        raise FrameworkFileError(file, f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, exc.message) from None
    locate = _locator(text)
    prefix: tuple = ()
    if isinstance(data, dict) and isinstance(data.get("CFPackage"), dict):
        data, prefix = data["CFPackage"], ("CFPackage",)
    if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
        raise FrameworkFileError(file, None, "not a CASE package: expected an object with a CFDocument")
    pkg = _Package(data, file, locate, prefix)
    return _read(pkg, framework_code, version)


def _read(pkg: _Package, framework_code: str | None, version: str | None) -> FrameworkDoc:
    document = pkg.data["CFDocument"]
    doc_id = pkg.text(document, "identifier", ("CFDocument",), required=True)
    title = pkg.text(document, "title", ("CFDocument",), required=True)
    ours = _extension(document)
    report = ImportReport(pkg.file)

    items: dict[str, dict] = {}
    item_paths: dict[str, tuple] = {}
    order: dict[str, int] = {}
    for i, item in enumerate(pkg.array("CFItems")):
        identifier = pkg.text(item, "identifier", ("CFItems", i), required=True)
        pkg.text(item, "fullStatement", ("CFItems", i), required=True)
        if identifier in items:
            pkg.fail(("CFItems", i, "identifier"), f"identifier {identifier} is used twice")
        items[identifier] = item
        item_paths[identifier] = ("CFItems", i)
        order[identifier] = i

    children: dict[str, list[tuple]] = defaultdict(list)
    parent: dict[str, str] = {}
    skill_levels: dict[str, list[tuple]] = defaultdict(list)
    others: list[tuple] = []
    for i, assoc in enumerate(pkg.array("CFAssociations")):
        path = ("CFAssociations", i)
        kind = pkg.text(assoc, "associationType", path, required=True)
        origin = _node(pkg, assoc, "originNodeURI", path)
        destination = _node(pkg, assoc, "destinationNodeURI", path)
        if kind not in {"isChildOf", "hasSkillLevel"}:
            # Other relations (isRelatedTo, exactMatchOf, ...): kept once the skills and groups are known.
            others.append((i, assoc, kind, origin, destination))
            continue
        sequence = assoc.get("sequenceNumber")
        key = (sequence if isinstance(sequence, (int, float)) else float("inf"), i)
        if kind == "isChildOf":
            if origin not in items or (destination != doc_id and destination not in items):
                report.lose("association", "isChildOf to or from outside the package", pkg.where(*path),
                            f"{_label(items.get(origin), origin)} → {_label(items.get(destination), destination)}")
                continue
            children[destination].append((key, origin))
            parent.setdefault(origin, destination)
        else:
            if origin not in items:
                pkg.fail(path + ("originNodeURI", "identifier"), f"hasSkillLevel from {origin}, which is not an item of this package")
            if destination not in items:
                pkg.fail(path + ("destinationNodeURI", "identifier"), f"hasSkillLevel to {destination}, which is not an item of this package")
            skill_levels[origin].append((key, destination))
    for lists in (children, skill_levels):
        for value in lists.values():
            value.sort()

    rubric_levels, criteria_for = _rubrics(pkg, items)

    # Which items are skills.
    def item_type(identifier: str) -> str:
        return (items[identifier].get("CFItemType") or "").strip().lower()

    attributes, attribute_items = _attributes(pkg, items, item_paths, children, doc_id)
    level_items = {dest for dests in skill_levels.values() for _, dest in dests} | attribute_items
    skills = [i for i in items if item_type(i) in {"skill", "competency"} and i not in level_items]
    skills += [i for i in skill_levels if i not in skills]
    skills += [i for i in criteria_for if i not in skills]
    if not skills:
        skills = [i for i in items if not children.get(i) and i not in level_items]
    skills.sort(key=lambda i: _tree_order(i, parent, children, doc_id, order))

    # The framework levels.
    if rubric_levels:
        levels = rubric_levels
    else:
        seen: dict[int, str] = {}
        for criterion_levels in criteria_for.values():
            for number, name, _ in criterion_levels:
                seen.setdefault(number, name or f"Level {number}")
        for dests in skill_levels.values():
            for _, dest in dests:
                number = _level_number(items[dest])
                if number is not None:
                    seen.setdefault(number, f"Level {number}")
        levels = [{"number": n, "name": seen[n]} for n in sorted(seen)]
    single = not levels
    if single:
        levels = [{"number": 1, "name": "Competent"}]

    # The groups: every item between the document and a skill, as deep as the package nests them.
    kept_groups: set[str] = set()
    for identifier in skills:
        kept_groups.update(_ancestors(identifier, parent, doc_id))
    if ours:  # our own groups that no skill sits in
        for identifier, item in items.items():
            if (item.get("CFItemType") or "").strip().lower() in {"category", "subcategory"} and identifier not in skills:
                kept_groups.update([identifier, *_ancestors(identifier, parent, doc_id)])
    def group_order(identifier: str) -> tuple:  # parents before their children
        key = _tree_order(identifier, parent, children, doc_id, order)
        return key[:-1], key[-1]

    ordered_groups = sorted(kept_groups, key=group_order)
    groups, group_codes = _groups(pkg, ordered_groups, items, item_paths, parent, doc_id, report)
    group_names = {g["code"]: g["name"] for g in groups}
    group_paths = [item_paths[i] for i in ordered_groups]

    skill_data = []
    skill_paths = []
    codes_seen: set[str] = set()
    kept_items: set[str] = set()
    for identifier in skills:
        item = items[identifier]
        path = item_paths[identifier]
        statement = item["fullStatement"].strip()
        label = (item.get("abbreviatedStatement") or "").strip()
        code = (item.get("humanCodingScheme") or "").strip() or label or statement
        code = as_code(code) or identifier[:8]
        if code.upper() in codes_seen:
            code = f"{code[:31]}-{identifier[:8]}"
        codes_seen.add(code.upper())
        name = label or statement
        entry = {
            "code": code,
            "name": name,
            "description": statement if label and statement != label else None,
        }
        if len(name) > NAME_MAX:
            entry["name"] = cut_at_word(name, NAME_MAX)
            entry["description"] = entry["description"] or statement
            report.change("name", f"a statement longer than {NAME_MAX} characters: the name is its start, cut at a word, "
                          "and the whole text is the description", pkg.where(*path), entry["name"])
        ancestors = _ancestors(identifier, parent, doc_id)
        kept_items.add(identifier)
        if ancestors:
            entry["group"] = group_codes[ancestors[-1]]
            entry["category"] = group_names[group_codes[ancestors[0]]]
            if len(ancestors) > 1:
                entry["subcategory"] = group_names[group_codes[ancestors[-1]]]
        entry.update(_language_and_level(pkg, item, path, report))
        intro, guidance = _guidance(item.get("notes"))
        entry["guidance_intro"] = intro
        entry["guidance"] = guidance
        url = _extension(item).get("url")
        if isinstance(url, str) and url.strip():
            entry["url"] = url.strip()
        if isinstance(_extension(item).get("rule"), dict):
            entry["rule"] = _extension(item)["rule"]
        entry["levels"] = _skill_levels(pkg, identifier, items, item_paths, children, skill_levels, criteria_for, single, kept_items)
        skill_data.append(entry)
        skill_paths.append(path)

    info = {
        "code": framework_code or ours.get("code") or as_code(title.upper()) or "CASE",
        "name": title,
        "version": version or pkg.text(document, "version", ("CFDocument",)) or "1",
        "publisher": pkg.text(document, "publisher", ("CFDocument",)) or (None if ours else pkg.text(document, "creator", ("CFDocument",))),
        "description": pkg.text(document, "description", ("CFDocument",)),
        "status": STATUS_FROM_ADOPTION.get((document.get("adoptionStatus") or "").strip().lower(), "published"),
    }

    def place(path: tuple) -> str:
        if path[:1] == ("skills",) and len(path) > 1 and isinstance(path[1], int) and path[1] < len(skill_paths):
            return pkg.where(*skill_paths[path[1]])
        if path[:1] == ("framework",):
            return pkg.where("CFDocument")
        if path[:1] == ("groups",) and len(path) > 1 and isinstance(path[1], int) and path[1] < len(group_paths):
            return pkg.where(*group_paths[path[1]])
        return pkg.where("CFRubrics") if path[:1] == ("levels",) else pkg.where()

    changed = _changed(pkg, document, bool(ours), report)
    if changed is not None:
        info["changed"] = changed
    skill_codes = {identifier: entry["code"] for identifier, entry in zip(skills, skill_data)}
    associations, kept_associations = _associations(pkg, others, items, skill_codes, group_codes, report)
    kept_items |= attribute_items
    _account(pkg, document, items, item_paths, kept_items, kept_groups, set(skills), bool(ours), report, kept_associations,
             changed is not None)
    data = {"framework": info, "levels": levels, "attributes": attributes, "groups": groups, "skills": skill_data,
            "associations": associations}
    return build_at(data, pkg.file, place).with_report(report)


ATTRIBUTE_TYPE = "level attribute"
ATTRIBUTE_LEVEL_TYPE = "attribute level"


def _attributes(pkg: _Package, items: dict, item_paths: dict, children: dict, doc_id: str) -> tuple[list[dict], set[str]]:
    """The generic attributes of the levels: items typed "Level Attribute" (what our export
    writes), each with its "Attribute Level" children, a level number in listEnumeration."""
    attributes: list[dict] = []
    used: set[str] = set()
    for identifier, item in items.items():
        if (item.get("CFItemType") or "").strip().lower() != ATTRIBUTE_TYPE:
            continue
        used.add(identifier)
        ours = _extension(item)
        name = (item.get("abbreviatedStatement") or "").strip() or item["fullStatement"].strip()
        statement = item["fullStatement"].strip()
        levels = []
        for _, child in children.get(identifier, []):
            child_item = items[child]
            if (child_item.get("CFItemType") or "").strip().lower() != ATTRIBUTE_LEVEL_TYPE:
                continue
            number = _level_number(child_item)
            if number is None:
                pkg.fail(item_paths[child] + ("listEnumeration",), "cannot tell which level this is: give its number in listEnumeration")
            used.add(child)
            levels.append({"level": number, "description": child_item["fullStatement"].strip()})
        attributes.append({
            "code": (item.get("humanCodingScheme") or "").strip() or as_code(name).upper(),
            "name": name,
            "category": ours.get("category"),
            "url": ours.get("url"),
            "description": statement if statement != name else None,
            "guidance": (item.get("notes") or "").strip() or None,
            "levels": sorted(levels, key=lambda lv: lv["level"]),
        })
    return attributes, used


# What of a package the framework does not carry (the import report).
BOOKKEEPING = {"identifier", "uri", "CFDocumentURI", "CFItemTypeURI", "CFItemAssociationURI", "lastChangeDateTime", "CFPackageURI"}
DOCUMENT_READ = {"title", "version", "publisher", "description", "adoptionStatus", "extensions", "creator"}
SKILL_READ = {"fullStatement", "abbreviatedStatement", "humanCodingScheme", "notes", "CFItemType", "extensions", "language",
              "educationalLevel"}
LEVEL_READ = {"fullStatement", "abbreviatedStatement", "humanCodingScheme", "listEnumeration", "CFItemType"}
GROUP_READ = {"abbreviatedStatement", "CFItemType", "fullStatement", "humanCodingScheme", "language", "educationalLevel",
              "extensions"}
ASSOCIATION_READ = {"associationType", "originNodeURI", "destinationNodeURI", "sequenceNumber"}


def _account(pkg: _Package, document: dict, items: dict, item_paths: dict, kept_items: set, kept_groups: set, skills: set,
             ours: bool, report: ImportReport, kept_associations: set[int], changed_kept: bool) -> None:
    """Everything of the package not carried into the framework, into the report: items
    nothing kept, fields of kept items that no field holds, definitions, and (for packages
    not written by this application, whose identifiers it makes afresh) identifiers,
    addresses and change times."""
    def present(value) -> bool:
        return value not in (None, "", [], {})

    for key, value in document.items():
        if key in DOCUMENT_READ or not present(value) or (key == "lastChangeDateTime" and changed_kept):
            continue
        if key in BOOKKEEPING or (ours and key in {"frameworkType", "caseVersion"}):
            if not ours:
                report.lose("identifier", f"CFDocument {key}", pkg.where("CFDocument", key), _show(value))
            continue
        report.lose("field", f"CFDocument {key}", pkg.where("CFDocument", key), _show(value))
    if present(document.get("publisher")) and present(document.get("creator")) and document["creator"] != document["publisher"]:
        report.lose("field", "CFDocument creator (beside a publisher)", pkg.where("CFDocument", "creator"), str(document["creator"]))
    for identifier, item in items.items():
        path = item_paths[identifier]
        if identifier not in kept_items and identifier not in kept_groups:
            kind = (item.get("CFItemType") or "item").strip()
            report.lose("item", f"{kind} (neither a skill, a level, a descriptor, nor a group above a skill)",
                        pkg.where(*path), _label(item, identifier))
            continue
        read = SKILL_READ if identifier in skills else GROUP_READ if identifier in kept_groups and identifier not in kept_items else LEVEL_READ
        if (item.get("CFItemType") or "").strip().lower() == ATTRIBUTE_TYPE:
            read = SKILL_READ
        if (item.get("CFItemType") or "").strip().lower() == NOT_DEFINED_TYPE:
            read = read | {"notes"}
        for key, value in item.items():
            if key in read or not present(value):
                continue
            if key in BOOKKEEPING:
                if not ours:
                    report.lose("identifier", f"CFItem {key}", pkg.where(*path, key), _show(value))
                continue
            report.lose("field", f"CFItem {key}", pkg.where(*path, key), _show(value))
    for i, assoc in enumerate(pkg.array("CFAssociations")):
        if assoc.get("associationType") not in {"isChildOf", "hasSkillLevel"} and i not in kept_associations:
            continue  # reported whole
        for key, value in assoc.items():
            if key in ASSOCIATION_READ or not present(value):
                continue
            if key in BOOKKEEPING:
                if not ours:
                    report.lose("identifier", f"CFAssociation {key}", pkg.where("CFAssociations", i, key), _show(value))
                continue
            report.lose("field", f"CFAssociation {key}", pkg.where("CFAssociations", i, key), _show(value))
        definitions = pkg.data.get("CFDefinitions")
    if isinstance(definitions, dict) and not ours:
        for key, value in definitions.items():
            for i, entry in enumerate(value if isinstance(value, list) else []):
                title = entry.get("title") if isinstance(entry, dict) else None
                report.lose("definition", key, pkg.where("CFDefinitions", key, i), str(title or ""))


def _show(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _label(item: dict | None, identifier: str) -> str:
    if not item:
        return identifier
    code = (item.get("humanCodingScheme") or "").strip()
    text = ((item.get("abbreviatedStatement") or "").strip() or (item.get("fullStatement") or "").strip())
    return f"{code} {text}".strip()[:80] if code or text else identifier


NAME_MAX = 200


def cut_at_word(text: str, limit: int = NAME_MAX) -> str:
    """The start of a text, at most ``limit`` characters, cut after a whole word and ended with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " " and " " in head:  # the last word is cut: drop it
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:.–—-") + "…"


def _groups(pkg: _Package, ordered: list[str], items: dict, item_paths: dict, parent: dict, doc_id: str,
            report: ImportReport) -> tuple[list[dict], dict[str, str]]:
    """The items above the skills as groups, parents first: (the groups, {item id: group code}).
    A group's code is its humanCodingScheme (else its abbreviated statement made a code, else
    the start of its identifier), its name the abbreviated statement (else the full one), its
    description the full statement where that is not the name; a statement longer than a name
    may be is cut at a word for the name and kept whole as the description."""
    groups: list[dict] = []
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for identifier in ordered:
        item = items[identifier]
        statement = item["fullStatement"].strip()
        label = (item.get("abbreviatedStatement") or "").strip()
        name = label or statement
        description = statement if label and statement != label else None
        if len(name) > NAME_MAX:
            name, description = cut_at_word(name, NAME_MAX), description or statement
            report.change("name", f"a group's statement longer than {NAME_MAX} characters: the name is its start, cut at a word, "
                          "and the whole text is the description", pkg.where(*item_paths[identifier]), name)
        code = " ".join((item.get("humanCodingScheme") or "").split())[:100] or as_code(label) or identifier[:8]
        if code.upper() in taken:
            code = f"{code[:90]}-{identifier[:8]}"
        taken.add(code.upper())
        codes[identifier] = code
        up = parent.get(identifier)
        groups.append({"code": code, "name": name, "description": description,
                       "parent": codes.get(up) if up and up != doc_id else None,
                       **_language_and_level(pkg, item, item_paths[identifier], report)})
        if isinstance(_extension(item).get("rule"), dict):
            groups[-1]["rule"] = _extension(item)["rule"]
    return groups, codes


def _language_and_level(pkg: _Package, item: dict, path: tuple, report: ImportReport) -> dict:
    """An item's language and educationalLevel (a list of texts; one text is read as a list of one)."""
    out: dict = {}
    language = item.get("language")
    if isinstance(language, str) and language.strip():
        out["language"] = language.strip()
    level = item.get("educationalLevel")
    if isinstance(level, str) and level.strip():
        out["educational_level"] = [level.strip()]
        report.change("value", "educationalLevel given as one text: kept as a list of one", pkg.where(*path, "educationalLevel"), level)
    elif isinstance(level, list):
        out["educational_level"] = [str(v).strip() for v in level if isinstance(v, (str, int)) and str(v).strip()]
    return out


def _changed(pkg: _Package, document: dict, ours: bool, report: ImportReport) -> str | None:
    """The document's lastChangeDateTime, when it reads as a time (without a zone: UTC)."""
    value = document.get("lastChangeDateTime")
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        report.lose("value", "CFDocument lastChangeDateTime that does not read as a time", pkg.where("CFDocument", "lastChangeDateTime"), text)
        return None
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)
    if ours and when == NO_TIME:
        return None  # our export's stand-in for "no time"
    if not re.search(r"(Z|[+-]\d\d:?\d\d)$", text):
        report.change("value", "CFDocument lastChangeDateTime without a time zone: read as UTC", pkg.where("CFDocument", "lastChangeDateTime"), text)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _associations(pkg: _Package, others: list[tuple], items: dict, skill_codes: dict, group_codes: dict,
                  report: ImportReport) -> tuple[list[dict], set[int]]:
    """The associations other than the tree's own: from a kept skill or group, to a kept skill or
    group, or to a node outside the package (kept by its address, identifier and title). Those from
    or to anything else of the package (a level, a descriptor, the document) go into the report."""
    out: list[dict] = []
    kept: set[int] = set()

    def end(identifier: str) -> dict | None:
        if identifier in skill_codes:
            return {"skill": skill_codes[identifier]}
        if identifier in group_codes:
            return {"group": group_codes[identifier]}
        return None

    for i, assoc, kind, origin, destination in others:
        path = ("CFAssociations", i)
        start = end(origin)
        target = end(destination)
        if target is None and destination not in items:
            node = assoc.get("destinationNodeURI") or {}
            target = {"identifier": destination}
            uri = node.get("uri")
            if isinstance(uri, str) and uri.strip():
                target["uri"] = uri.strip()
            title = node.get("title")
            if isinstance(title, str) and title.strip():
                target["title"] = title.strip()
        if start is None or target is None or len(kind) > 100 or any(c.isspace() for c in kind):
            report.lose("association", kind, pkg.where(*path), f"{_label(items.get(origin), origin)} → {_label(items.get(destination), destination)}")
            continue
        entry = {"type": kind, "origin": start, "destination": target}
        sequence = assoc.get("sequenceNumber")
        if isinstance(sequence, int) and not isinstance(sequence, bool) and 0 <= sequence <= 10**9:
            entry["sequence"] = sequence
        out.append(entry)
        kept.add(i)
    return out, kept


def _extension(obj: dict) -> dict:
    ext = obj.get("extensions")
    if isinstance(ext, dict) and isinstance(ext.get("skillsApp"), dict):
        return ext["skillsApp"]
    return {}


def _node(pkg: _Package, assoc: dict, key: str, path: tuple) -> str:
    node = assoc.get(key)
    if not isinstance(node, dict):
        pkg.fail(path + (key,), f"missing required field {key!r}")
    identifier = node.get("identifier")
    if not isinstance(identifier, str) or not identifier.strip():
        uri = node.get("uri")
        if isinstance(uri, str) and (m := re.search(r"([0-9a-fA-F-]{36})/?$", uri)):
            return m.group(1).lower()
        pkg.fail(path + (key, "identifier"), "missing required field 'identifier'")
    return identifier.strip()


def _ancestors(identifier: str, parent: dict[str, str], doc_id: str) -> list[str]:
    chain = []
    current = parent.get(identifier)
    while current and current != doc_id and current not in chain:
        chain.append(current)
        current = parent.get(current)
    return list(reversed(chain))


def _tree_order(identifier: str, parent, children, doc_id: str, order: dict[str, int]) -> tuple:
    """Sort key: the item's position in a depth-first walk of the isChildOf tree, then file order."""
    key = []
    current = identifier
    seen = set()
    while current in parent and current not in seen:
        seen.add(current)
        up = parent[current]
        siblings = [c for _, c in children.get(up, [])]
        key.append(siblings.index(current) if current in siblings else 0)
        current = up
    return tuple(reversed(key)) + (order.get(identifier, 0),)


def _level_number(item: dict) -> int | None:
    for value in (item.get("listEnumeration"), item.get("humanCodingScheme")):
        if isinstance(value, str) and (m := re.search(r"(\d{1,2})$", value.strip())):
            return int(m.group(1))
    m = re.search(r"\blevel\s*(\d{1,2})\b", f"{item.get('abbreviatedStatement') or ''} {item.get('fullStatement')}", re.IGNORECASE)
    return int(m.group(1)) if m else None


def _guidance(notes) -> tuple[str | None, list[str]]:
    """Notes as guidance: paragraphs before the first '- ' bullet are the intro, the bullets the notes."""
    if not isinstance(notes, str) or not notes.strip():
        return None, []
    intro: list[str] = []
    items: list[str] = []
    for block in re.split(r"\n\s*\n", notes.replace("\r\n", "\n").strip()):
        lines = block.split("\n")
        if lines[0].startswith(("- ", "* ", "• ")):
            for line in lines:
                if line.startswith(("- ", "* ", "• ")):
                    items.append(line[2:].strip())
                elif items:
                    items[-1] = f"{items[-1]}\n{line.strip()}"
        elif items:
            items.append(block.strip())
        else:
            intro.append(block.strip())
    return ("\n\n".join(intro) or None), items


def _bullets(text: str) -> list[str]:
    """A criterion level's description as descriptors: its '- ' bullets, else its paragraphs."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    bullets = [line[2:].strip() for line in lines if line.startswith(("- ", "* ", "• "))]
    if bullets:
        return bullets
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _rubrics(pkg: _Package, items: dict) -> tuple[list[dict], dict[str, list]]:
    """(framework levels from a rubric whose criterion points at no item, {item id: [(number, name, description)]})."""
    framework_levels: list[dict] = []
    per_item: dict[str, list] = {}
    for r, rubric in enumerate(pkg.array("CFRubrics")):
        criteria = rubric.get("CFRubricCriteria") or []
        if not isinstance(criteria, list):
            pkg.fail(("CFRubrics", r, "CFRubricCriteria"), "CFRubricCriteria must be a list")
        for c, criterion in enumerate(criteria):
            path = ("CFRubrics", r, "CFRubricCriteria", c)
            if not isinstance(criterion, dict):
                pkg.fail(path, "expected an object")
            levels = []
            for l, level in enumerate(criterion.get("CFRubricCriterionLevels") or []):
                lpath = path + ("CFRubricCriterionLevels", l)
                if not isinstance(level, dict):
                    pkg.fail(lpath, "expected an object")
                score = level.get("score")
                position = level.get("position")
                number = score if isinstance(score, (int, float)) and not isinstance(score, bool) else position
                if not isinstance(number, (int, float)) or isinstance(number, bool) or number != int(number) or not 0 <= number <= 99:
                    pkg.fail(lpath + ("score",), "a criterion level needs a whole-number score (the level number) from 0 to 99")
                levels.append((int(number), (level.get("quality") or "").strip() or None,
                               (level.get("description") or "").strip() or None))
            link = criterion.get("CFItemURI")
            target = link.get("identifier") if isinstance(link, dict) else None
            if target and target in items:
                per_item[target] = levels
            elif not target and not framework_levels:
                framework_levels = [
                    {"number": n, "name": name or f"Level {n}", "description": description}
                    for n, name, description in sorted(levels, key=lambda x: x[0])
                ]
    return framework_levels, per_item


def _skill_levels(pkg, identifier, items, item_paths, children, skill_levels, criteria_for, single, kept) -> list[dict]:
    out: dict[int, dict] = {}
    for _, dest in skill_levels.get(identifier, []):
        level_item = items[dest]
        kept.add(dest)
        kept.update(c for _, c in children.get(dest, []))
        number = _level_number(level_item)
        if number is None:
            pkg.fail(item_paths[dest] + ("listEnumeration",), "cannot tell which level this skill level is: give its number in listEnumeration")
        descriptors = [items[c]["fullStatement"].strip() for _, c in children.get(dest, [])]
        if not descriptors:
            descriptors = [line.strip() for line in level_item["fullStatement"].split("\n") if line.strip()]
        out[number] = {"level": number, "defined": True, "descriptors": descriptors}
    for _, child in children.get(identifier, []):
        child_item = items[child]
        if (child_item.get("CFItemType") or "").strip().lower() == NOT_DEFINED_TYPE:
            kept.add(child)
            number = _level_number(child_item)
            if number is None:
                pkg.fail(item_paths[child] + ("listEnumeration",), "cannot tell which level this is: give its number in listEnumeration")
            entry: dict = {"level": number, "defined": False}
            if isinstance(child_item.get("notes"), str) and child_item["notes"].strip():
                entry["note"] = child_item["notes"].strip()
            out.setdefault(number, entry)
    if not out and identifier in criteria_for:
        for number, _, description in criteria_for[identifier]:
            if description:
                out[number] = {"level": number, "defined": True, "descriptors": _bullets(description)}
            else:
                out[number] = {"level": number, "defined": False}
    if not out and single:
        out[1] = {"level": 1, "defined": True, "descriptors": [items[identifier]["fullStatement"].strip()]}
    return [out[n] for n in sorted(out)]
