"""Plain tables of skills and groups (--format table): columns guessed or given with
--column FIELD=HEADER, parents that make groups, level columns, --scale CODE for
taxonomies without levels, CSV (comma, semicolon, tab; with or without a BOM) and
XLSX; the source's rows and cells counted against what was imported plus what the
report lists as not kept."""
from __future__ import annotations

import csv
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.importers import load_file
from skills_app.models import Framework, Skill
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
ESCO = DATA / "table-esco-collection-layout.csv"
LEVELS = DATA / "table-level-columns-layout.csv"
NAMING = ("--framework", "DIGI", "--version", "1", "--name", "Digital skills")



def framework(code: str) -> Framework:
    return db.session.scalar(select(Framework).where(Framework.code == code))


def test_a_taxonomy_with_a_broader_concept_column(runner):
    result = runner.run("frameworks", "import", ESCO, "--format", "table", *NAMING)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(ESCO.open(encoding="utf-8", newline="")))
    parents = {p.strip() for r in rows for p in r["broaderConceptUri"].split("|") if p.strip()}
    groups = [r for r in rows if r["conceptUri"] in parents]
    fw = framework("DIGI")
    assert len(fw.skills) + len(groups) == len(rows)  # every row: a skill or a group
    by_name = {s.name: s for s in fw.skills}
    assert by_name["search for information online"].category == "working with information"
    assert by_name["share files safely"].category == "communicate through digital tools"
    judge = by_name["judge sources"]
    assert (judge.code, judge.url) == ("a1000000-0000-4000-8000-000000000003",
                                       "http://example.org/taxonomy/skill/a1000000-0000-4000-8000-000000000003")
    assert judge.description == "Weigh how far a source can be trusted."
    assert [(sl.level, sl.defined, [d.text for d in sl.descriptors]) for sl in judge.levels] == [
        (1, True, ["Weigh how far a source can be trusted."])]
    # Every cell of a column not read is in the report, counted.
    for column in ("conceptType", "status", "skillType", "reuseLevel", "altLabels", "broaderConceptPT"):
        n = sum(1 for r in rows if r[column])
        assert f"{n} column '{column}'" in result.output
    assert "1 a second parent (a skill has one place in the tree), 1 a parent that is not a row of the table" in result.output
    assert "2 a group's description, 2 a group's code" in result.output
    assert "columns guessed from their headers: code='conceptUri', name='preferredLabel'" in result.output


def test_level_columns_define_levels_where_a_cell_has_text(runner, tmp_path):
    result = runner.run("frameworks", "import", LEVELS, "--format", "table", "--framework", "SFT", "--version", "8",
                    "--name", "Skills table")
    assert result.exit_code == 0, result.output
    assert "not kept: nothing" in result.output
    rows = list(csv.DictReader(LEVELS.open(encoding="utf-8", newline="")))
    fw = framework("SFT")
    assert [lvl.name for lvl in fw.levels] == [f"Level {n}" for n in range(1, 8)]
    defined = sum(1 for s in fw.skills for sl in s.levels if sl.defined)
    assert defined == sum(1 for r in rows for n in range(1, 8) if r[f"level_{n}"].strip()) == 6
    anim = next(s for s in fw.skills if s.code == "ANIM")
    assert (anim.category, anim.subcategory, anim.url) == ("Building things", "Design", "https://example.org/skills/moving-pictures")
    assert anim.description == "Making animated pictures for screens."
    assert [d.text for d in anim.level(3).descriptors] == ["Draws simple frames.", "Uses ready-made tools."]
    # Exact round trip through the native file.
    exported = runner.run("frameworks", "export", "SFT", "--format", "json").output
    path = tmp_path / "again.json"
    path.write_text(exported, encoding="utf-8")
    assert "identical: nothing to do" in runner.run("frameworks", "import", path).output


def test_columns_given_by_header_in_a_semicolon_file_with_a_bom(runner, tmp_path):
    path = tmp_path / "hr-skills.csv"
    path.write_bytes("\ufeffSkill title;What it is;Area;Owner\r\nPlanning;Making plans that hold;Management;Ann\r\n"
                     "Coaching;Helping others grow;People;\r\n".encode("utf-8"))
    result = runner.run("frameworks", "import", path, "--format", "table", *NAMING,
                    "--column", "name=Skill title", "--column", "description=what it is", "--column", "category=AREA")
    assert result.exit_code == 0, result.output
    fw = framework("DIGI")
    assert [(s.code, s.name, s.description, s.category) for s in fw.skills] == [
        ("Planning", "Planning", "Making plans that hold", "Management"), ("Coaching", "Coaching", "Helping others grow", "People")]
    assert "not kept: 1 value: 1 column 'Owner'" in result.output
    assert "codes made from names" in result.output


def test_scale_gives_every_skill_the_levels_of_a_loaded_framework(runner, load_seed_frameworks):
    load_seed_frameworks()
    scale = framework("SLM")
    result = runner.run("frameworks", "import", ESCO, "--format", "table", *NAMING, "--scale", "SLM")
    assert result.exit_code == 0, result.output
    fw = framework("DIGI")
    assert [(lvl.number, lvl.name, lvl.description) for lvl in fw.levels] == [(lvl.number, lvl.name, lvl.description) for lvl in scale.levels]
    for skill in fw.skills:
        assert [sl.level for sl in skill.levels if sl.defined] == [lvl.number for lvl in scale.levels]
        assert [sl.descriptors[0].text for sl in skill.levels] == [lvl.description or lvl.name for lvl in scale.levels]
    assert "the levels of SLM 1" in result.output


def test_an_xlsx_table_and_a_long_name(runner, tmp_path):
    long_name = "Plans and runs the yearly review of every service the team offers, " * 5
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Competence", "Parent", "Definition"])
    sheet.append(["A", "Area one", None, None])
    sheet.append(["A.1", "Part of area one", "A", None])
    sheet.append(["A.1.1", long_name.strip(), "A.1", "How it is done._x000D_\nIn two lines."])
    sheet.append(["A.1.1.1", "Deep skill", "A.1.1", "Below a skill that is now a group."])
    path = tmp_path / "taxonomy.xlsx"
    book.save(path)
    result = runner.run("frameworks", "import", path, "--format", "table", *NAMING)
    assert result.exit_code == 0, result.output
    fw = framework("DIGI")
    assert [s.code for s in fw.skills] == ["A.1.1.1"]
    deep = fw.skills[0]
    assert (deep.category, deep.subcategory) == ("Area one", long_name.strip()[:199].rsplit(" ", 1)[0].rstrip(",") + "…")
    assert "a group between the category and the subcategory" in result.output
    # The contract: the native JSON keeps the full description and the names of the groups above.
    data = json.loads(runner.run("frameworks", "export", "DIGI", "--format", "json").output)
    assert data["skills"][0]["description"] == "Below a skill that is now a group."
    assert data["skills"][0]["category"] == "Area one"


def test_a_long_skill_name_is_cut_at_a_word_and_kept_whole_in_the_description(runner, tmp_path):
    long_name = ("Agrees targets for the service with its customers and reports against them every month, "
                 "taking part in reviews and improving the service where it falls short of what was agreed in writing with all of them.")
    path = tmp_path / "long.csv"
    path.write_text(f"name,description\n\"{long_name}\",Said more briefly.\n", encoding="utf-8")
    assert len(long_name) > 200
    result = runner.run("frameworks", "import", path, "--format", "table", *NAMING)
    assert result.exit_code == 0, result.output
    skill = framework("DIGI").skills[0]
    assert len(skill.name) <= 200 and skill.name.endswith("…") and long_name.startswith(skill.name[:-1])
    assert skill.description == f"{long_name}\n\nSaid more briefly."
    assert "a name longer than 200 characters" in result.output


@pytest.mark.parametrize("args, message", [
    (("--framework", "X", "--version", "1"), "a table names no framework: give --name"),
    ((*NAMING, "--column", "title=Name"), "'title' is not a field"),
    ((*NAMING, "--column", "name=Nope"), "name='Nope': no column has that header"),
    ((*NAMING, "--column", "name"), "expected FIELD=HEADER"),
    ((*NAMING, "--scale", "NOPE"), "--scale NOPE: no framework NOPE is loaded"),
])
def test_bad_table_options_are_clear_errors_and_write_nothing(runner, args, message):
    result = runner.run("frameworks", "import", ESCO, "--format", "table", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(Skill)) == 0


def test_column_and_scale_belong_to_tables():
    with pytest.raises(Exception) as exc:
        load_file(DATA / "sfia-9-skills.csv", column={"name": "Skill"})
    assert "--column applies to table files only, not to a sfia-csv file" in str(exc.value)


def test_a_csv_of_no_known_layout_points_at_the_table_format(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("Skill,Description\nA,B\n", encoding="utf-8")
    with pytest.raises(Exception) as exc:
        load_file(path)
    assert "give --format table" in str(exc.value)


def test_a_table_without_level_columns_gets_one_level_and_the_report_says_so(runner, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("code,name,description\nANIM,Moving pictures,Making animated pictures for screens.\n", encoding="utf-8")
    result = runner.run("frameworks", "import", path, "--format", "table", *NAMING)
    assert result.exit_code == 0, result.output
    assert ("  kept in another shape: no level columns and no --scale: one level, 'Competent', at which each skill "
            "is defined by its description\n") in result.output
    fw = framework("DIGI")
    assert [(lvl.number, lvl.name) for lvl in fw.levels] == [(1, "Competent")]
