"""1EdTech CASE packages: export valid against the shipped CASE 1.1 schema,
stable identifiers, CASE 1.0 and 1.1 packages made elsewhere, round trips,
and bad packages that name the place and write nothing."""
from __future__ import annotations

import json
import uuid

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from skills_app.exporters import export
from skills_app.extensions import db
from skills_app.importers import FrameworkFileError, detect_format, load_file, parse_file, parse_text
from skills_app.models import Descriptor, Framework, FrameworkLevel, Skill, SkillLevel
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
SCHEMA = json.loads((ROOT / "skills_app" / "schemas" / "case-v1p1.json").read_text(encoding="utf-8"))
CASE_10 = DATA / "case-1.0-communication.json"
CASE_11 = DATA / "case-1.1-data-skills.json"
NATIVE = [ROOT / "frameworks" / "sfia-8.yaml", ROOT / "frameworks" / "slm-scale.yaml"]


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Framework, FrameworkLevel, Skill, SkillLevel, Descriptor))



def validate(package: dict) -> list:
    validator = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]


def test_the_shipped_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)
    # It is strict: what CASE 1.1 does not define is refused.
    assert validate({"CFDocument": {"identifier": "x"}, "colour": "red"})


@pytest.mark.parametrize("source", NATIVE + [CASE_10, CASE_11, DATA / "sfia-9-skills.csv", DATA / "moodle-digital-skills.csv"],
                         ids=lambda p: p.name)
def test_every_framework_exports_as_a_valid_package_that_reads_back_identical(source):
    doc = parse_file(source)
    text = export("case", doc)
    package = json.loads(text)
    assert validate(package) == []
    assert package["CFDocument"]["caseVersion"] == "1.1"
    assert parse_text(text, "export.json") == doc


def test_identifiers_are_stable_name_based_uuids():
    doc = parse_file(NATIVE[0])
    first, second = json.loads(export("case", doc)), json.loads(export("case", doc))
    assert first == second
    identifiers = [first["CFDocument"]["identifier"]] + [i["identifier"] for i in first["CFItems"]] + [a["identifier"] for a in first["CFAssociations"]]
    assert len(identifiers) == len(set(identifiers))
    assert all(uuid.UUID(i).version == 5 for i in identifiers)
    # Another version of the framework gets other identifiers; an unchanged skill's items keep their form.
    other = doc.model_copy(update={"framework": doc.framework.model_copy(update={"version": "9"})})
    assert json.loads(export("case", other))["CFDocument"]["identifier"] != first["CFDocument"]["identifier"]


def test_the_mapping_of_skills_levels_and_descriptors():
    package = json.loads(export("case", parse_file(NATIVE[0])))
    items = {i["identifier"]: i for i in package["CFItems"]}
    by_type: dict[str, list] = {}
    for item in package["CFItems"]:
        by_type.setdefault(item["CFItemType"], []).append(item)
    skill = by_type["Skill"][0]
    assert (skill["humanCodingScheme"], skill["abbreviatedStatement"]) == ("SLMO", "Service level management")
    assert skill["notes"].startswith("Activities may include — but are not limited to:\n\n- planning, implementation")
    levels = [a for a in package["CFAssociations"] if a["associationType"] == "hasSkillLevel"]
    assert [items[a["destinationNodeURI"]["identifier"]]["listEnumeration"] for a in levels] == ["2", "3", "4", "5", "6", "7"]
    undefined = by_type["Skill Level Not Defined"][0]
    assert undefined["listEnumeration"] == "1" and "not typically observed" in undefined["notes"]
    level3 = next(i for i in by_type["Skill Level"] if i["listEnumeration"] == "3")
    children = sorted((a["sequenceNumber"], items[a["originNodeURI"]["identifier"]]["fullStatement"]) for a in package["CFAssociations"]
                      if a["associationType"] == "isChildOf" and a["destinationNodeURI"]["identifier"] == level3["identifier"])
    assert [text for _, text in children] == ["Monitors service delivery performance metrics.",
                                               "Liaises with stakeholders to help them plan for a deterioration in service and/or breaches of service level agreements."]
    levels_rubric = package["CFRubrics"][0]["CFRubricCriteria"][0]
    assert "CFItemURI" not in levels_rubric
    assert [(cl["score"], cl["quality"]) for cl in levels_rubric["CFRubricCriterionLevels"]][:2] == [(1, "Follow"), (2, "Assist")]


def test_a_case_1_0_package_made_elsewhere():
    fmt, doc = load_file(CASE_10)
    assert fmt == "case"
    assert (doc.framework.name, doc.framework.version, doc.framework.publisher) == ("Clinical Communication Competencies", "2019", "Regional Health Education Board")
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == [(1, "Novice"), (2, "Practitioner"), (3, "Expert")]
    assert [(s.code, s.name, s.category) for s in doc.skills] == [
        ("CC.1", "Explaining clearly", "Communicating with patients"),
        ("CC.2", "Active listening", "Communicating with patients"),
        ("CC.3", "Structured handover", "Communicating with colleagues"),
    ]
    assert doc.skills[0].levels[1].descriptors == ["Explains common diagnoses unaided.", "Checks understanding by teach-back."]
    assert not doc.skills[1].levels[2].defined  # a criterion level with no description


def test_a_case_1_1_package_with_skill_levels_in_the_cfpackage_wrapper():
    doc = parse_file(CASE_11, framework_code="DATA")
    assert (doc.framework.code, doc.framework.status, doc.framework.publisher) == ("DATA", "draft", "Data Guild Ltd")
    datm, daan = doc.skills
    assert [(sl.level, sl.descriptors) for sl in datm.levels] == [
        (2, ["Documents existing data models.", "Applies naming standards."]), (4, ["Designs data models for new systems."])]
    assert (daan.guidance_intro, daan.guidance) == ("Covers:", ["descriptive and diagnostic analysis", "visualisation"])
    assert [lvl.number for lvl in doc.levels] == [2, 3, 4, 5]


def test_detection_tells_a_package_from_a_native_json_file():
    assert detect_format("x.json", CASE_10.read_text(encoding="utf-8")) == "case"
    assert detect_format("x.json", json.dumps({"framework": {}})) == "json"


# -- bad packages ------------------------------------------------------------------------

def broken(change) -> str:
    package = json.loads(CASE_10.read_text(encoding="utf-8"))
    change(package)
    return json.dumps(package, indent=2)


def error_of(text: str) -> FrameworkFileError:
    with pytest.raises(FrameworkFileError) as info:
        parse_text(text, "pkg.json", fmt="case")
    return info.value


def test_missing_full_statement_names_path_and_line():
    error = error_of(broken(lambda p: p["CFItems"][2].pop("fullStatement")))
    assert error.location.endswith("(CFItems[2].fullStatement)") and error.location.startswith("line ")
    assert error.message == "missing required field 'fullStatement'"


@pytest.mark.parametrize("change, where, what", [
    (lambda p: p["CFItems"][1].update(identifier=p["CFItems"][0]["identifier"]), "CFItems[1].identifier", "is used twice"),
    (lambda p: p["CFAssociations"][0].pop("associationType"), "CFAssociations[0]", "missing required field 'associationType'"),
    (lambda p: p["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0].pop("score") and
     p["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0].pop("position"),
     "CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0]", "whole-number score"),
    (lambda p: p["CFDocument"].pop("title"), "CFDocument", "missing required field 'title'"),
])
def test_bad_packages(change, where, what):
    error = error_of(broken(change))
    assert f"({where}" in error.location
    assert what in error.message


def test_not_json_and_not_a_package():
    assert error_of('{"CFDocument": {,}}').location == "line 1, column 17"
    assert "not a CASE package" in error_of('{"CFItems": []}').message


def test_has_skill_level_to_an_unknown_item():
    def change(p):
        p["CFAssociations"].append({**p["CFAssociations"][0], "associationType": "hasSkillLevel",
                                    "destinationNodeURI": {"title": "x", "identifier": str(uuid.uuid4()), "uri": "urn:x"}})
    error = error_of(broken(change))
    assert "destinationNodeURI.identifier" in error.location and "not an item of this package" in error.message


# -- through the command line -----------------------------------------------------------------

def test_import_export_import_through_the_database(runner, tmp_path):
    result = runner.run("frameworks", "import", CASE_10)
    assert result.exit_code == 0, result.output
    exported = runner.run("frameworks", "export", "CLINICAL-COMMUNICATION-COMPETENCIES", "--format", "case")
    assert exported.exit_code == 0, exported.output
    package = json.loads(exported.output)
    assert validate(package) == []
    path = tmp_path / "again.json"
    path.write_text(exported.output, encoding="utf-8")
    assert parse_file(path) == parse_file(CASE_10)
    again = runner.run("frameworks", "import", path)
    assert "identical: nothing to do" in again.output
    # And exporting again gives the same package, identifiers and all.
    assert runner.run("frameworks", "export", "CLINICAL-COMMUNICATION-COMPETENCIES", "--format", "case").output == exported.output


def test_native_framework_out_as_case_and_back_in(runner, tmp_path):
    runner.run("frameworks", "import", *NATIVE)
    for code in ("SFIA", "SLM"):
        native = runner.run("frameworks", "export", code).output
        path = tmp_path / f"{code}.json"
        path.write_text(runner.run("frameworks", "export", code, "--format", "case").output, encoding="utf-8")
        assert "identical: nothing to do" in runner.run("frameworks", "import", path).output
        assert runner.run("frameworks", "export", code).output == native


def test_a_bad_package_writes_nothing(runner, tmp_path):
    runner.run("frameworks", "import", NATIVE[1])
    before = counts()
    bad = tmp_path / "bad.json"
    bad.write_text(broken(lambda p: p["CFItems"][3].update(fullStatement="  ")), encoding="utf-8")
    result = runner.run("frameworks", "import", CASE_11, bad)
    assert result.exit_code != 0
    assert f"{bad}: line " in result.output and "(CFItems[3].fullStatement): fullStatement must not be empty" in result.output
    assert "Nothing was imported." in result.output
    assert counts() == before


def test_export_of_an_unknown_framework(runner):
    result = runner.run("frameworks", "export", "NOPE", "--format", "case")
    assert result.exit_code != 0 and "no framework NOPE" in result.output


def test_a_level_not_defined_keeps_its_note_and_a_defined_levels_note_is_reported_not_kept():
    """A skill's "not defined" level item carries its note (kept on the level); a defined
    level's item has no place for one, and the report says so."""
    package = json.loads(export("case", parse_file(NATIVE[0])))
    doc = parse_text(json.dumps(package), "pkg.json", fmt="case")
    assert doc.report.lost == []
    assert (doc.skills[0].levels[0].defined, doc.skills[0].levels[0].note) == (
        False, "This skill is not typically observed or practiced at this level of responsibility and accountability.")
    level = next(i for i in package["CFItems"] if i["CFItemType"] == "Skill Level")
    level["notes"] = "A note on a level."
    doc = parse_text(json.dumps(package), "pkg.json", fmt="case")
    assert [(e.kind, e.what, e.example) for e in doc.report.lost] == [("field", "CFItem notes", "A note on a level.")]


@pytest.mark.parametrize("node", [{"identifier": "ext-1", "title": "Elsewhere"},
                                  {"identifier": "ext-1", "title": "Elsewhere", "uri": "  "}])
def test_an_association_to_an_item_outside_the_package_without_a_uri_keeps_its_identifier_and_title(node):
    def relate(package):
        a = dict(next(x for x in package["CFAssociations"] if x["associationType"] == "isChildOf"))
        a.update(identifier="0b0b0b0b-7565-507f-a694-28343a53f0d4", associationType="isRelatedTo", destinationNodeURI=node)
        package["CFAssociations"].append(a)

    doc = parse_text(broken(relate), "pkg.json", fmt="case")
    outside = [a.destination for a in doc.associations if a.destination.identifier == "ext-1"]
    assert [(d.identifier, d.title, d.uri) for d in outside] == [("ext-1", "Elsewhere", None)]


def test_an_association_from_an_item_not_in_the_package_is_reported_with_both_ends_named():
    def relate(package):
        a = dict(next(x for x in package["CFAssociations"] if x["associationType"] == "isRelatedTo"))
        a.update(identifier="0c0c0c0c-7565-507f-a694-28343a53f0d4", originNodeURI={"identifier": "nowhere-1", "title": "Gone"})
        package["CFAssociations"].append(a)

    doc = parse_text(broken(relate), "pkg.json", fmt="case")
    assert [(e.what, e.example) for e in doc.report.lost if e.kind == "association"] == [
        ("isRelatedTo", "nowhere-1 → CC.2 Active listening")]


def test_the_first_rubric_criterion_for_no_item_gives_the_frameworks_levels():
    package = json.loads(export("case", parse_file(NATIVE[1])))
    criteria = package["CFRubrics"][0]["CFRubricCriteria"]
    assert ["CFItemURI" in c for c in criteria] == [False]
    later = json.loads(json.dumps(criteria[0]))
    later["identifier"] = "0d0d0d0d-7565-507f-a694-28343a53f0d4"
    for level in later["CFRubricCriterionLevels"]:
        level["quality"], level["identifier"] = "Other", level["identifier"][:-4] + "abcd"
    criteria.append(later)
    doc = parse_text(json.dumps(package), "pkg.json", fmt="case")
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == [(1, "Follow"), (2, "Assist"), (3, "Apply"), (4, "Ensure"), (5, "Strategise")]
