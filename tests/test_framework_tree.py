"""Frameworks as trees: groups of skills nested to any depth, in the native file,
the database, the pages and the migration that carried categories into groups."""
from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import select, text

from skills_app.extensions import db
from skills_app.importers import FrameworkFileError, parse_text
from skills_app.models import Framework, Skill, SkillGroup
from skills_app.policy import SYSTEM
from skills_app.services import frameworks

DEEP = """\
framework: {code: CRAFT, name: Craft skills, version: "1"}
levels:
  - {number: 1, name: Learning}
  - {number: 2, name: Practising}
groups:
  - {code: MAKE, name: Making things, description: Everything made by hand.}
  - {code: MAKE.WOOD, name: Woodwork, parent: MAKE}
  - {code: MAKE.WOOD.JOIN, name: Joinery, parent: MAKE.WOOD}
  - {code: MAKE.WOOD.JOIN.HAND, name: Hand-cut joints, description: Joints cut without machines., parent: MAKE.WOOD.JOIN}
  - {code: MEND, name: Mending things}
skills:
  - code: DOVE
    name: Dovetails
    group: MAKE.WOOD.JOIN.HAND
    levels:
      - {level: 1, defined: true, descriptors: ["Marks out a through dovetail from a drawing."]}
      - {level: 2, defined: false, note: Not yet written.}
  - code: PLANE
    name: Planing
    group: MAKE.WOOD
    levels:
      - {level: 1, defined: true, descriptors: ["Sets a plane's blade for a fine shaving."]}
  - code: DARN
    name: Darning
    category: Mending things
    subcategory: Textiles
    levels:
      - {level: 1, defined: true, descriptors: ["Darns a hole in a sock so the darn lies flat."]}
  - code: LOOSE
    name: A skill in no group
    levels:
      - {level: 1, defined: true, descriptors: ["Is in no group at all."]}
"""



def test_a_tree_four_groups_deep_is_kept_with_every_group(runner, tmp_path):
    path = tmp_path / "craft.yaml"
    path.write_text(DEEP, encoding="utf-8")
    result = runner.run("frameworks", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "6 groups" in result.output  # five listed, and Textiles made from the subcategory
    framework = frameworks.find("CRAFT")
    groups = {g.code: g for g in framework.groups}
    assert [g.code for g in framework.groups] == ["MAKE", "MAKE.WOOD", "MAKE.WOOD.JOIN", "MAKE.WOOD.JOIN.HAND", "MEND", "Textiles"]
    assert groups["MAKE.WOOD.JOIN.HAND"].parent is groups["MAKE.WOOD.JOIN"]
    assert groups["Textiles"].parent is groups["MEND"]
    dove = frameworks.skill_of(framework, "DOVE")
    assert [g.name for g in dove.path] == ["Making things", "Woodwork", "Joinery", "Hand-cut joints"]
    assert (dove.category, dove.subcategory) == ("Making things", "Hand-cut joints")
    darn = frameworks.skill_of(framework, "DARN")
    assert (darn.category, darn.subcategory) == ("Mending things", "Textiles")
    assert frameworks.skill_of(framework, "LOOSE").group is None


def test_the_tree_is_exported_whole_and_round_trips(runner, tmp_path):
    path = tmp_path / "craft.yaml"
    path.write_text(DEEP, encoding="utf-8")
    runner.run("frameworks", "import", str(path))
    exported = json.loads(runner.run("frameworks", "export", "CRAFT", "--format", "json").output)
    assert exported["groups"][3] == {"code": "MAKE.WOOD.JOIN.HAND", "name": "Hand-cut joints",
                                     "description": "Joints cut without machines.", "parent": "MAKE.WOOD.JOIN"}
    dove = exported["skills"][0]
    # Each skill names its group, and the names of the topmost group and its own.
    assert (dove["group"], dove["category"], dove["subcategory"]) == ("MAKE.WOOD.JOIN.HAND", "Making things", "Hand-cut joints")
    assert "group" not in exported["skills"][3]
    again = tmp_path / "again.json"
    again.write_text(json.dumps(exported), encoding="utf-8")
    db.session.remove()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    assert runner.run("frameworks", "import", str(again)).exit_code == 0
    assert json.loads(runner.run("frameworks", "export", "CRAFT", "--format", "json").output) == exported
    # The same framework, named either way, is the same: importing again is a no-op.
    result = runner.run("frameworks", "import", str(path))
    assert "already loaded and identical" in result.output, result.output


def test_a_file_with_categories_only_exports_as_it_was(app):
    """Files made before groups had codes keep their shape: category and subcategory, no groups."""
    doc = parse_text(DEEP.split("groups:")[0] + "skills:\n" + """\
  - code: A
    name: Alpha
    category: Big things
    subcategory: Small part
    levels: [{level: 1, defined: true, descriptors: [One.]}]
  - code: B
    name: Beta
    subcategory: Orphan part
    levels: [{level: 1, defined: true, descriptors: [Two.]}]
""", "old.yaml")
    result = frameworks.import_doc(SYSTEM, doc)
    db.session.flush()
    exported = frameworks.to_doc(result.framework).to_native()
    assert "groups" not in exported
    assert exported["skills"][0]["category"] == "Big things" and exported["skills"][0]["subcategory"] == "Small part"
    assert "group" not in exported["skills"][0]
    # A subcategory without a category stands as a group of its own at the top.
    assert exported["skills"][1]["category"] == "Orphan part"


@pytest.mark.parametrize("change, where, message", [
    ("  - {code: MEND, name: Mending things}\n", "line 11 (groups[5].code)", "duplicate group code 'MEND' (also groups[4])"),
    ("  - {code: ODD, name: Odd, parent: NOWHERE}\n", "line 11 (groups[5].parent)", "no group has the code 'NOWHERE'"),
])
def test_bad_groups_are_refused_saying_where(change, where, message):
    bad = DEEP.replace("skills:\n", change + "skills:\n", 1)
    with pytest.raises(FrameworkFileError) as caught:
        parse_text(bad, "craft.yaml")
    assert str(caught.value) == f"craft.yaml: {where}: {message}"


def test_a_parent_listed_after_its_child_and_an_unknown_group_are_refused():
    later = DEEP.replace("  - {code: MAKE.WOOD, name: Woodwork, parent: MAKE}\n", "").replace(
        "  - {code: MEND, name: Mending things}\n", "  - {code: MEND, name: Mending things}\n  - {code: MAKE.WOOD, name: Woodwork, parent: MAKE}\n")
    with pytest.raises(FrameworkFileError, match=r"groups\[1\]\.parent\): group 'MAKE.WOOD' is listed after this group"):
        parse_text(later, "craft.yaml")
    with pytest.raises(FrameworkFileError, match=r"skills\[0\]\.group\): no group has the code 'NOPE'"):
        parse_text(DEEP.replace("group: MAKE.WOOD.JOIN.HAND", "group: NOPE"), "craft.yaml")
    with pytest.raises(FrameworkFileError, match=r"skills\[1\]\.category\): the category 'Mending things' is not the name of the topmost"):
        parse_text(DEEP.replace("    group: MAKE.WOOD\n", "    group: MAKE.WOOD\n    category: Mending things\n"), "craft.yaml")


def test_the_pages_show_the_path(runner, tmp_path, make_person, sign_in):
    path = tmp_path / "craft.yaml"
    path.write_text(DEEP, encoding="utf-8")
    runner.run("frameworks", "import", str(path))
    client = sign_in(make_person("Reader"))
    page = client.get("/frameworks/CRAFT").get_data(as_text=True)
    assert "<h3" in page and "Making things</h3>" in page
    assert "Woodwork › Joinery › Hand-cut joints</h4>" in page
    assert "Joints cut without machines." in page
    skill = client.get("/frameworks/CRAFT/skills/DOVE").get_data(as_text=True)
    assert "Making things › Woodwork › Joinery › Hand-cut joints" in skill


def test_the_migration_carries_categories_into_groups_and_back(app, load_seed_frameworks):
    from flask_migrate import downgrade, upgrade

    doc = parse_text(DEEP, "craft.yaml")
    frameworks.import_doc(SYSTEM, doc)
    db.session.commit()
    db.session.remove()

    def rows(sql):
        with db.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]

    try:
        downgrade(revision="0012")
        assert rows("SELECT code, category, subcategory FROM skill ORDER BY position") == [
            ("DOVE", "Making things", "Hand-cut joints"), ("PLANE", "Making things", "Woodwork"),
            ("DARN", "Mending things", "Textiles"), ("LOOSE", None, None)]
    finally:
        upgrade()
    framework = db.session.scalar(select(Framework).where(Framework.code == "CRAFT"))
    assert [(g.code, g.name, g.parent.code if g.parent else None) for g in framework.groups] == [
        ("Making-things", "Making things", None), ("Hand-cut-joints", "Hand-cut joints", "Making-things"),
        ("Woodwork", "Woodwork", "Making-things"), ("Mending-things", "Mending things", None),
        ("Textiles", "Textiles", "Mending-things")]
    assert {s.code: s.subcategory for s in framework.skills} == {
        "DOVE": "Hand-cut joints", "PLANE": "Woodwork", "DARN": "Textiles", "LOOSE": None}
    assert db.session.scalar(select(SkillGroup.id).limit(1)) is not None
    assert db.session.get(Skill, framework.skills[0].id).group.name == "Hand-cut joints"


@pytest.mark.parametrize("fmt", ["case", "moodle-csv"])
def test_the_tree_goes_out_and_back_in_case_and_moodle(fmt):
    from skills_app.exporters import case as case_export, moodle_csv as moodle_export

    doc = parse_text(DEEP, "craft.yaml")
    export = case_export.export if fmt == "case" else moodle_export.export
    name = "craft.json" if fmt == "case" else "craft.csv"
    first = export(doc)
    again = parse_text(first, name, fmt)
    assert again == doc
    groups, placed = again.tree()
    assert [(g.code, g.name, g.description, g.parent) for g in groups] == [
        (g.code, g.name, g.description, g.parent) for g in doc.tree()[0]]
    assert placed == ["MAKE.WOOD.JOIN.HAND", "MAKE.WOOD", "Textiles", None]
    assert export(again) == first
