"""The import report hides nothing: for real CASE packages and Moodle CSVs made by
others, what the source holds equals what was imported plus what the report lists as
not kept, counted here from the source itself; long statements are never truncated
silently; --strict refuses a lossy import and --dry-run writes nothing. A package or
CSV this application exported itself reads back with nothing lost."""
from __future__ import annotations

import csv
import re
import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.importers import load_file
from skills_app.importers.case import cut_at_word
from skills_app.importers.report import ImportReport
from skills_app.models import Framework, Skill
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"


def package(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("CFPackage", data)


def lost(report: ImportReport, kind: str) -> Counter:
    return Counter(e.what for e in report.lost if e.kind == kind)


def groups_kept(doc) -> int:
    return len(doc.tree()[0])


def test_every_association_of_a_real_case_package_is_kept_or_reported(real_file):
    path = real_file("case-ccss-ratios-sample.json")
    source = package(path)
    _, doc = load_file(path)
    by_type = Counter(a["associationType"] for a in source["CFAssociations"])
    assert by_type == {"exactMatchOf": 16, "isChildOf": 16, "precedes": 3, "exemplar": 2, "isRelatedTo": 2}
    # Every association other than the tree's own is kept, none reported.
    assert not lost(doc.report, "association")
    assert Counter(a.type for a in doc.associations) == {"exactMatchOf": 16, "precedes": 3, "exemplar": 2, "isRelatedTo": 2}
    # Every isChildOf was used: each item is kept as a skill or a group, or reported.
    items = len(source["CFItems"])
    assert items == len(doc.skills) + groups_kept(doc) + sum(lost(doc.report, "item").values())
    # language and educationalLevel are kept; listEnumeration has no place and is reported, item by item.
    fields = lost(doc.report, "field")
    assert "CFItem educationalLevel" not in fields and "CFItem language" not in fields
    assert fields["CFItem listEnumeration"] == sum(1 for i in source["CFItems"] if i.get("listEnumeration"))
    assert not re.search(r"not kept: \d+ associations?:", doc.report.render())


def test_a_deep_case_tree_keeps_every_group_between_the_document_and_the_skills(real_file):
    path = real_file("case-ordering.json")
    source = package(path)
    _, doc = load_file(path)
    items = len(source["CFItems"])
    assert items == 28
    assert items == len(doc.skills) + groups_kept(doc) + sum(lost(doc.report, "item").values())
    assert (len(doc.skills), groups_kept(doc), sum(lost(doc.report, "item").values())) == (24, 4, 0)
    depth = max(len(doc.group_path(s.group)) for s in doc.skills)
    assert depth == 4  # the document, four groups, the skills: five levels


def test_a_long_case_statement_is_cut_at_a_word_for_the_name_and_kept_whole(real_file):
    path = real_file("case-ccss-ratios-sample.json")
    source = package(path)
    _, doc = load_file(path)
    long_statements = [i["fullStatement"].strip() for i in source["CFItems"] if len(i["fullStatement"].strip()) > 200]
    assert long_statements
    for statement in long_statements:
        skill = next(s for s in doc.skills if s.description == statement)
        assert len(skill.name) <= 200 and skill.name.endswith("…")
        assert statement.startswith(skill.name[:-1])
        assert statement[len(skill.name) - 1] in " ,;:.", "cut inside a word"
    assert sum(1 for e in doc.report.changed if e.kind == "name") == len(long_statements)


def test_cut_at_word():
    assert cut_at_word("short") == "short"
    text = "word " * 60
    cut = cut_at_word(text, 20)
    assert cut == "word word word word…" and len(cut) <= 20


def test_every_competency_of_a_real_moodle_file_is_kept_or_reported(real_file):
    path = real_file("moodle-pharmacy-example.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig", newline="")))
    competencies = [r for r in rows if r["Is framework"] != "1"]
    parents = {r["Parent ID number"] for r in competencies}
    _, doc = load_file(path)
    leaves = [r for r in competencies if r["ID number"] not in parents]
    assert len(doc.skills) == len(leaves) == 178
    reported = lost(doc.report, "value")
    group_rows = len(competencies) - len(leaves)
    assert groups_kept(doc) == group_rows == 31  # every competency with children is a group, code and description kept
    assert not lost(doc.report, "competency")
    groups = {g.code: g for g in doc.tree()[0]}
    described = [r for r in competencies if r["ID number"] in parents and r["Description"].strip()]
    assert all(groups[r["ID number"]].description for r in described)
    assert reported["the framework's taxonomy (the names of its depths)"] == 1


def test_moodle_cross_references_are_kept_once_a_pair_and_rules_kept():
    _, doc = load_file(DATA / "moodle-digital-skills.csv")
    assert not lost(doc.report, "rule")
    rules = {g.code: g.rule for g in doc.tree()[0]}
    assert rules["info-literacy"].model_dump() == {"type": "core_competency\\competency_rule_all", "outcome": 1, "config": None}
    assert rules["communication"] is None
    # IDL-01 names IDL-02 and IDL-02 names IDL-01, as Moodle relates competencies both ways: one relation.
    assert not lost(doc.report, "cross-reference")
    assert [(a.type, a.origin.skill, a.destination.skill) for a in doc.associations] == [("isRelatedTo", "IDL-01", "IDL-02")]


def test_strict_refuses_a_lossy_case_package_and_writes_nothing(runner, real_file):
    path = real_file("case-ccss-ratios-sample.json")
    before = db.session.scalar(select(func.count()).select_from(Framework))
    result = runner.run("frameworks", "import", path, "--strict")
    assert result.exit_code == 1
    assert "--strict:" in result.output and "14 fields" in result.output and "Nothing was imported." in result.output
    assert db.session.scalar(select(func.count()).select_from(Framework)) == before
    dry = runner.run("frameworks", "import", path, "--dry-run")
    assert dry.exit_code == 0 and "would create: 1 framework version" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Framework)) == before


@pytest.mark.parametrize("fmt, suffix", [("case", ".json"), ("moodle-csv", ".csv")])
def test_what_this_application_exports_reads_back_with_nothing_lost(runner, tmp_path, fmt, suffix):
    assert runner.run("frameworks", "import", DATA / "sfia-9-skills.csv", "--levels", DATA / "sfia-9-levels.csv").exit_code == 0
    exported = runner.run("frameworks", "export", "SFIA", "--format", fmt)
    path = tmp_path / f"again{suffix}"
    path.write_text(exported.output, encoding="utf-8")
    _, doc = load_file(path)
    assert doc.report.lost == []
    again = runner.run("frameworks", "import", path, "--strict")
    assert again.exit_code == 0, again.output
    assert "identical: nothing to do" in again.output
    assert db.session.scalar(select(func.count()).select_from(Skill)) == len(doc.skills)


def test_the_report_counts_every_entry_and_says_nothing_was_lost_when_nothing_was():
    report = ImportReport("f.csv", "sfia-csv")
    assert "not kept: nothing" in report.render()
    for i in range(7):
        report.lose("association", "exactMatchOf" if i < 5 else "precedes", f"line {i}", f"a{i}")
    text = report.render()
    assert "not kept: 7 associations: 5 exactMatchOf, 2 precedes" in text
    assert text.count("e.g.") == 5  # three examples of one, both of the other
    summary = report.to_dict()["not_kept"][0]
    assert summary["count"] == 7 and summary["by_what"] == {"exactMatchOf": 5, "precedes": 2}
    assert len(report.to_dict()["not_kept_entries"]) == 7


def test_moodle_html_keeps_non_breaking_spaces_and_paragraph_breaks():
    from skills_app.importers.moodle_csv import html_blocks

    assert html_blocks("<p>10&nbsp;%\u00a0of  it<br><br>Next  part<br></p>") == [("p", "10\u00a0%\u00a0of it\n\nNext part")]
    assert html_blocks("<p>&nbsp;</p><p>Text</p>") == [("p", "Text")]


def test_own_fixture_in_the_layout_of_a_deep_case_tree():
    path = DATA / "case-deep-tree-layout.json"
    source = package(path)
    _, doc = load_file(path)
    assert len(source["CFItems"]) == len(doc.skills) + groups_kept(doc) + sum(lost(doc.report, "item").values()) == 9
    assert [s.code for s in doc.skills] == [f"W.SHOP.HT.CUT.1.{k}" for k in "abcde"]
    assert {(s.category, s.subcategory) for s in doc.skills} == {("Workshop Practice", "Cutting tools")}
    assert not lost(doc.report, "item")  # every group between the document and the skills is kept
    groups, _ = doc.tree()
    assert [(g.code, g.parent) for g in groups] == [("W.SHOP", None), ("W.SHOP.HT", "W.SHOP"), ("W.SHOP.HT.CUT", "W.SHOP.HT"),
                                                    ("W.SHOP.HT.CUT.1", "W.SHOP.HT.CUT")]
    assert groups[2].name == "Tools that cut: saws, chisels and knives"
    assert "CFItem humanCodingScheme" not in lost(doc.report, "field")  # the groups' codes
    long = next(s for s in doc.skills if s.code.endswith(".c"))
    assert long.description.startswith("(COMMON ERROR)") and long.name.endswith("…") and len(long.name) <= 200
    assert doc.skills[1].guidance_intro == "Learners often pick the widest chisel."
    assert lost(doc.report, "identifier")["CFAssociation lastChangeDateTime"] == len(source["CFAssociations"])


def test_own_fixture_in_the_layout_of_a_moodle_plugins_framework_csv():
    path = DATA / "moodle-plugin-layout.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    competencies = [r for r in rows if r["Is framework"] != "1"]
    parents = {r["Parent ID number"] for r in competencies}
    _, doc = load_file(path)
    leaves = [r for r in competencies if r["ID number"] not in parents]
    assert [s.code for s in doc.skills] == [r["ID number"] for r in leaves]  # children listed before their parents
    groups = len(competencies) - len(leaves)
    assert groups_kept(doc) == groups and not lost(doc.report, "competency")
    keeps = next(s for s in doc.skills if s.code == "1.1.2")
    assert keeps.name == "Keeps raw and cooked food apart in the fridge and on..."  # Moodle's cut short name
    assert keeps.levels[2].descriptors == ["Keeps raw and cooked food apart in the fridge and on the worktop, using separate boards"]
    assert (keeps.category, keeps.subcategory) == ("Food safety", "Works hygienically")
    assert [lvl.name for lvl in doc.levels] == ["Not yet", "Getting there", "Confident"]
