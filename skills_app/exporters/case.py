"""Any framework as a 1EdTech CASE 1.1 package (JSON), valid against
skills_app/schemas/case-v1p1.json. docs/formats.md gives the mapping.

Every identifier is a name-based UUID (uuid5) of the framework's code and
version and the thing's place in it (skill code, level number, descriptor
position), so exporting the same framework twice gives the same identifiers,
and a re-exported skill keeps its identifier across versions' exports only
where its code and level do. URIs are ``urn:uuid:<identifier>`` unless a
``base_uri`` is given (``<base_uri>/<kind>/<identifier>``).
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from skills_app.importers.document import FrameworkDoc

# The namespace of every identifier this exporter makes (a fixed, random UUID).
NAMESPACE = uuid.UUID("6b1f3c52-8f0e-4d7a-9a63-2f5d1c0e7b94")
ADOPTION_STATUS = {"draft": "Draft", "published": "Adopted", "retired": "Deprecated"}
ITEM_TYPES = {
    "Category": "A group of skills at the top of the framework's tree.",
    "Subcategory": "A group of skills within another group.",
    "Skill": "A skill, assessed at the framework's levels.",
    "Skill Level": "What a skill looks like at one level; its descriptors are its children.",
    "Descriptor": "One statement that describes a skill at a level.",
    "Skill Level Not Defined": "A level at which the skill is not defined; the reason in its notes.",
    "Level Attribute": "A generic attribute of the framework's levels (such as autonomy), described per level.",
    "Attribute Level": "What a generic attribute is at one level of the framework.",
}


# The time of change written for a framework that has none (read back as none).
NO_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)


def export(doc: FrameworkDoc, *, changed: datetime | None = None, base_uri: str | None = None) -> str:
    return json.dumps(package(doc, changed=changed, base_uri=base_uri), ensure_ascii=False, indent=2) + "\n"


def package(doc: FrameworkDoc, *, changed: datetime | None = None, base_uri: str | None = None) -> dict:
    info = doc.framework
    key = f"{info.code}|{info.version}"
    stamp = info.changed or changed or NO_TIME
    stamp = (stamp.replace(tzinfo=timezone.utc) if stamp.tzinfo is None else stamp.astimezone(timezone.utc)).replace(microsecond=0)
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")

    def ident(*parts) -> str:
        return str(uuid.uuid5(NAMESPACE, "|".join([key, *map(str, parts)])))

    def uri(kind: str, identifier: str) -> str:
        return f"{base_uri.rstrip('/')}/{kind}/{identifier}" if base_uri else f"urn:uuid:{identifier}"

    def link(kind: str, identifier: str, title: str) -> dict:
        return {"title": title, "identifier": identifier, "uri": uri(kind, identifier)}

    doc_id = ident("document")
    document = {
        "identifier": doc_id,
        "uri": uri("CFDocuments", doc_id),
        "frameworkType": "Skills framework",
        "caseVersion": "1.1",
        "creator": info.publisher or info.name,
        "title": info.name,
        "lastChangeDateTime": when,
    }
    if info.publisher:
        document["publisher"] = info.publisher
    if info.description:
        document["description"] = info.description
    document["version"] = info.version
    document["adoptionStatus"] = ADOPTION_STATUS[info.status]
    document["extensions"] = {"skillsApp": {"code": info.code}}
    doc_link = link("CFDocuments", doc_id, info.name)

    types = {name: ident("itemtype", name) for name in ITEM_TYPES}
    used_types: list[str] = []
    items: list[dict] = []
    associations: list[dict] = []
    sequence: dict[str, int] = {}

    def add_item(identifier: str, kind: str, statement: str, **fields) -> dict:
        item = {"identifier": identifier, "uri": uri("CFItems", identifier), "fullStatement": statement}
        item.update({k: v for k, v in fields.items() if v not in (None, "", [])})
        item["CFItemType"] = kind
        item["CFItemTypeURI"] = link("CFItemTypes", types[kind], kind)
        item["lastChangeDateTime"] = when
        if kind not in used_types:
            used_types.append(kind)
        items.append(item)
        return item

    def associate(kind: str, origin: dict, destination: dict, dest_kind: str = "CFItems", number: int | None = None,
                  sequence_given: bool = False) -> None:
        dest_id = destination["identifier"]
        if number is None and not sequence_given:
            sequence[dest_id] = sequence.get(dest_id, 0) + 1
            number = sequence[dest_id]
        identifier = ident("association", kind, origin["identifier"], dest_id)
        entry = {"identifier": identifier, "associationType": kind}
        if number is not None:
            entry["sequenceNumber"] = number
        if dest_kind == "elsewhere":  # a node of another package, or a page: as the source gave it
            target = {"title": destination["title"], "identifier": dest_id, "uri": destination["uri"] or f"urn:uuid:{dest_id}"}
        else:
            target = link(dest_kind, dest_id, destination.get("title") or _title(destination))
        entry.update({
            "uri": uri("CFAssociations", identifier),
            "originNodeURI": link("CFItems", origin["identifier"], _title(origin)),
            "destinationNodeURI": target,
            "lastChangeDateTime": when,
        })
        associations.append(entry)

    for attribute in doc.attributes:
        ours = {k: v for k, v in {"category": attribute.category, "url": attribute.url}.items() if v}
        attribute_item = add_item(
            ident("attribute", attribute.code), "Level Attribute", attribute.description or attribute.name,
            abbreviatedStatement=attribute.name, humanCodingScheme=attribute.code, notes=attribute.guidance,
            extensions={"skillsApp": {"attribute": True, **ours}},
        )
        associate("isChildOf", attribute_item, {"identifier": doc_id, "title": info.name}, "CFDocuments")
        for al in attribute.levels:
            level_item = add_item(
                ident("attributelevel", attribute.code, al.level), "Attribute Level", al.description,
                humanCodingScheme=f"{attribute.code}.{al.level}", listEnumeration=str(al.level),
            )
            associate("isChildOf", level_item, attribute_item, number=al.level)

    level_names = {level.number: level.name for level in doc.levels}
    doc_node: dict = {"identifier": doc_id, "title": info.name}
    tree, placed = doc.tree()
    by_code = {g.code.upper(): g for g in tree}
    group_items: dict[str, dict] = {}

    def group_item(code: str) -> dict:
        """The item of a group, made (after its parent's) the first time a skill needs it."""
        key = code.upper()
        if key not in group_items:
            group = by_code[key]
            parent = group_item(group.parent) if group.parent else None
            item = group_items[key] = add_item(
                ident("group", group.code), "Subcategory" if parent else "Category", group.description or group.name,
                abbreviatedStatement=group.name if group.description else None, humanCodingScheme=group.code,
                language=group.language, educationalLevel=list(group.educational_level),
                extensions={"skillsApp": {"rule": group.rule.model_dump(mode="json")}} if group.rule else None)
            associate("isChildOf", item, parent or doc_node, "CFItems" if parent else "CFDocuments")
        return group_items[key]

    rubrics: list[dict] = [_levels_rubric(doc, ident, uri, when)]
    skill_items: dict[str, dict] = {}
    for skill, group_code in zip(doc.skills, placed):
        if group_code:
            container, container_kind = group_item(group_code), "CFItems"
        else:
            container, container_kind = doc_node, "CFDocuments"
        skill_id = ident("skill", skill.code)
        ours = {k: v for k, v in (("url", skill.url), ("rule", skill.rule.model_dump(mode="json") if skill.rule else None)) if v}
        extensions = {"skillsApp": ours} if ours else None
        skill_item = add_item(
            skill_id, "Skill", skill.description or skill.name,
            abbreviatedStatement=skill.name, humanCodingScheme=skill.code,
            notes=_guidance_notes(skill.guidance_intro, skill.guidance), language=skill.language,
            educationalLevel=list(skill.educational_level), extensions=extensions,
        )
        skill_items[skill.code.upper()] = skill_item
        associate("isChildOf", skill_item, container, container_kind)
        for sl in skill.levels:
            level_name = level_names.get(sl.level, f"Level {sl.level}")
            if sl.defined:
                level_item = add_item(
                    ident("skilllevel", skill.code, sl.level), "Skill Level",
                    f"{skill.name} at level {sl.level} ({level_name})",
                    abbreviatedStatement=f"{skill.name}: level {sl.level}",
                    humanCodingScheme=f"{skill.code}.{sl.level}", listEnumeration=str(sl.level),
                )
                associate("hasSkillLevel", skill_item, level_item, number=sl.level)
                associate("isChildOf", level_item, skill_item)
                for position, text in enumerate(sl.descriptors, start=1):
                    descriptor = add_item(
                        ident("descriptor", skill.code, sl.level, position), "Descriptor", text,
                        humanCodingScheme=f"{skill.code}.{sl.level}.{position}", listEnumeration=str(position),
                    )
                    associate("isChildOf", descriptor, level_item, number=position)
            else:
                undefined = add_item(
                    ident("undefinedlevel", skill.code, sl.level), "Skill Level Not Defined",
                    f"{skill.name} is not defined at level {sl.level} ({level_name}).",
                    humanCodingScheme=f"{skill.code}.{sl.level}", listEnumeration=str(sl.level), notes=sl.note,
                )
                associate("isChildOf", undefined, skill_item)
        rubrics.append(_skill_rubric(skill, skill_item, level_names, ident, uri, link, when))

    for group in tree:  # groups no skill sits in
        group_item(group.code)

    # Relations other than the tree's own, in their order.
    for association in doc.associations:
        def node(end) -> tuple[dict, str]:
            if end.skill is not None:
                return skill_items[end.skill.upper()], "CFItems"
            if end.group is not None:
                return group_item(end.group), "CFItems"
            return {"identifier": end.identifier or str(uuid.uuid5(NAMESPACE, end.uri)), "uri": end.uri,
                    "title": end.title or end.uri or end.identifier}, "elsewhere"

        origin, _ = node(association.origin)
        destination, kind = node(association.destination)
        associate(association.type, origin, destination, kind, number=association.sequence, sequence_given=True)

    definitions = {
        "CFItemTypes": [
            {
                "identifier": types[name],
                "uri": uri("CFItemTypes", types[name]),
                "title": name,
                "description": ITEM_TYPES[name],
                "hierarchyCode": name.lower().replace(" ", "-"),
                "typeCode": name.replace(" ", ""),
                "lastChangeDateTime": when,
            }
            for name in used_types
        ]
    }
    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": definitions,
        "CFRubrics": rubrics,
    }


def _title(item: dict) -> str:
    return item.get("abbreviatedStatement") or item.get("title") or item["fullStatement"]


def _guidance_notes(intro: str | None, guidance: list[str]) -> str | None:
    parts = [intro] if intro else []
    if guidance:
        parts.append("\n".join("- " + g.replace("\n", "\n  ") for g in guidance))
    return "\n\n".join(parts) or None


def _levels_rubric(doc: FrameworkDoc, ident, uri, when: str) -> dict:
    levels = [(level.number, level.name, {"description": level.description} if level.description else {})
              for level in doc.levels]
    return _rubric("levels", f"{doc.framework.name}: levels", "Levels", levels, ident, uri, when,
                   description="The framework's levels: each criterion level is one (score = level number, quality = its name).")


def _skill_rubric(skill, skill_item: dict, level_names: dict, ident, uri, link, when: str) -> dict:
    levels = []
    for sl in skill.levels:
        if sl.defined:
            text = {"description": "\n".join(f"- {d}" for d in sl.descriptors)}
        else:
            text = {"feedback": sl.note} if sl.note else {}
        levels.append((sl.level, level_names.get(sl.level, f"Level {sl.level}"), text))
    return _rubric(skill.code, f"{skill.code} {skill.name}", skill.name, levels, ident, uri, when,
                   item_uri=link("CFItems", skill_item["identifier"], skill.name))


def _rubric(key: str, title: str, category: str, levels: list[tuple[int, str, dict]], ident, uri, when: str, *,
            description: str | None = None, item_uri: dict | None = None) -> dict:
    """A CFRubric with one criterion, ``key``'s; ``levels`` are its criterion
    levels as (score, quality, the level's description or feedback)."""
    rubric_id, criterion_id = ident("rubric", key), ident("criterion", key)
    criterion_levels = []
    for position, (score, quality, text) in enumerate(levels):
        level_id = ident("criterionlevel", key, score)
        criterion_levels.append({"identifier": level_id, "uri": uri("CFRubricCriterionLevels", level_id), **text,
                                 "quality": quality, "score": score, "position": position,
                                 "rubricCriterionId": criterion_id, "lastChangeDateTime": when})
    rubric = {"identifier": rubric_id, "uri": uri("CFRubrics", rubric_id), "title": title}
    if description:
        rubric["description"] = description
    rubric["lastChangeDateTime"] = when
    criterion = {"identifier": criterion_id, "uri": uri("CFRubricCriteria", criterion_id), "category": category}
    if item_uri:
        criterion["CFItemURI"] = item_uri
    criterion.update({"position": 0, "rubricId": rubric_id, "lastChangeDateTime": when,
                      "CFRubricCriterionLevels": criterion_levels})
    rubric["CFRubricCriteria"] = [criterion]
    return rubric
