"""The SFIA standard as people actually have it: the publisher's download as
distributed (flag columns under one 'Levels' heading, Office XML escapes, a
'Levels of responsibility' sheet of generic attributes), a spreadsheet's
re-export of it, SFIA 9's attributes and levels files, and skill pages copied
off the website. Each imports whole, or its import report says what was not
kept; counts in the source are made here independently of the importer.

Real files made by others are read from ../shared/realfiles (SKILLS_APP_SHARED
names the shared folder elsewhere) and skipped, with the reason, where absent;
the project's own fixtures in tests/data mirror their layouts (LAYOUTS.md)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.importers import load_file
from skills_app.models import AttributeLevel, Descriptor, Framework, FrameworkAttribute, FrameworkLevel, Skill, SkillLevel
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"

OWN_XLSX = DATA / "sfia-8-download-layout.xlsx"
OWN_CSV = DATA / "sfia-8-sheets-export-layout.csv"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def all_counts() -> tuple:
    return tuple(count(m) for m in (Framework, FrameworkLevel, FrameworkAttribute, AttributeLevel, Skill, SkillLevel, Descriptor))


# -- what the sources hold, counted without the importer ---------------------------

def xlsx_source_counts(path: Path) -> dict:
    book = load_workbook(path, read_only=True, data_only=True)
    rows = list(book["Skills"].iter_rows(values_only=True))
    header = [str(c or "") for c in rows[0]]
    flags = range(header.index("Levels"), header.index("Levels") + 7)
    texts = [header.index(f"Level {n} description") for n in range(1, 8)]
    skills = [r for r in rows[1:] if any(r)]
    lor = [r for r in book["Levels of responsibility"].iter_rows(values_only=True)]
    out = {
        "skills": len(skills),
        "defined": sum(1 for r in skills for i in flags if r[i] not in (None, "")),
        "level texts": sum(1 for r in skills for i in texts if r[i]),
        "escapes": sum(str(c).count("_x000D_") for r in skills for c in r if c),
        "attributes": [c for c in lor[0][1:] if c],
        "attribute levels": sum(1 for r in lor[1:] for c in r[1:] if c),
    }
    book.close()
    return out


def csv_source_counts(path: Path) -> dict:
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    header = rows[0]
    flags = [header.index(f"Level {n}") for n in range(1, 8)]
    texts = [header.index(f"Level {n} description") for n in range(1, 8)]
    skills = [r for r in rows[1:] if any(r)]
    return {
        "skills": len(skills),
        "defined": sum(1 for r in skills for i in flags if r[i].strip()),
        "level texts": sum(1 for r in skills for i in texts if r[i].strip()),
    }


def imported_counts(code: str, version: str) -> dict:
    framework = db.session.scalar(select(Framework).where(Framework.code == code, Framework.version == version))
    levels = [sl for s in framework.skills for sl in s.levels]
    return {
        "skills": len(framework.skills),
        "defined": sum(1 for sl in levels if sl.defined),
        "level texts": sum(1 for sl in levels if sl.defined or sl.note),
        "attributes": [a.name for a in framework.attributes],
        "attribute levels": sum(len(a.levels) for a in framework.attributes),
        "texts": [d.text for sl in levels for d in sl.descriptors] + [sl.note for sl in levels if sl.note]
                 + [s.description or "" for s in framework.skills] + [s.guidance_intro or "" for s in framework.skills]
                 + [g for s in framework.skills for g in s.guidance]
                 + [al.description for a in framework.attributes for al in a.levels],
    }


# -- the publisher's download as distributed -------------------------------------

def test_the_real_sfia_8_download_imports_every_defined_level_and_its_attributes(runner, real_file):
    path = real_file("sfia-8-download.xlsx")
    source = xlsx_source_counts(path)
    result = runner.run("frameworks", "import", path)
    assert result.exit_code == 0, result.output
    got = imported_counts("SFIA", "8")
    assert got["skills"] == source["skills"] == 121
    assert got["defined"] == source["defined"]  # every level the flags mark, none missed
    assert got["level texts"] == source["level texts"]  # every description cell: a defined level or a note
    assert got["attributes"] == source["attributes"] == ["Autonomy", "Influence", "Complexity", "Business skills", "Knowledge"]
    assert got["attribute levels"] == source["attribute levels"] == 35
    assert source["escapes"] > 2000 and not any("_x000D_" in t or "\r" in t for t in got["texts"])
    # Word for word, where a cell held escapes.
    itsp = db.session.scalar(select(Skill).where(Skill.code == "ITSP"))
    assert itsp.defined_levels == [5, 6, 7]
    assert itsp.level(5).descriptors[0].text == "Collates information and creates reports and insights to support strategy management processes."
    assert itsp.guidance_intro == "Activities may include — but are not limited to:"
    assert itsp.guidance[0] == "iterating and reviewing strategic plans"
    # The report: nothing lost, and what it did to the source said.
    assert "not kept: nothing" in result.output
    assert "Office XML escapes decoded" in result.output and "'#' read as row numbers" in result.output
    assert "SFIA's level names supplied" in result.output


def test_the_real_spreadsheet_re_export_imports_the_same_skills(runner, real_file):
    csv_path = real_file("sfia-8-skills-sheets-export.csv")
    xlsx_path = real_file("sfia-8-download.xlsx")
    source = csv_source_counts(csv_path)
    result = runner.run("frameworks", "import", csv_path, "--version", "8")
    assert result.exit_code == 0, result.output
    got = imported_counts("SFIA", "8")
    assert (got["skills"], got["defined"], got["level texts"]) == (source["skills"], source["defined"], source["level texts"]) == (121, 495, 495)
    # It says that no generic attributes came with it.
    assert "no generic attributes in the source" in result.output
    # The re-export and the workbook are the same skills, text for text.
    assert [s.model_dump() for s in load_file(csv_path, version="8")[1].skills] == [s.model_dump() for s in load_file(xlsx_path)[1].skills]


def test_own_fixture_in_the_downloads_layout():
    fmt, doc = load_file(OWN_XLSX, version="8")
    assert fmt == "sfia-xlsx"
    by_code = {s.code: s for s in doc.skills}
    assert {c: [sl.level for sl in s.levels if sl.defined] for c, s in by_code.items()} == {
        "PLAN": [5, 6, 7], "COOR": [6, 7], "HELP": [1, 2, 3, 4, 5], "TEST": [2, 3, 4]}
    plan = by_code["PLAN"]
    assert plan.guidance_intro == "Work here may include:"
    assert plan.guidance == ["drawing up yearly plans", "checking plans against results", "telling people what the plan asks of them."]
    assert plan.levels[4].descriptors == ["Gathers figures and writes summaries for the planning round.",
                                          "Makes sure everyone knows the planning calendar.", "Helps teams keep to it."]
    assert by_code["COOR"].description == "Keeping the information plans of many departments pointed the same way."
    assert by_code["TEST"].levels[3].descriptors == ["Plans the checks for a piece of work.", "Reports what was found, i.e. what failed and why."]
    assert [a.name for a in doc.attributes] == ["Independence", "Reach", "Difficulty", "Working skills", "Understanding"]
    assert [a.code for a in doc.attributes][3] == "WORKING-SKILLS"
    assert doc.attributes[1].levels[6].description == "Reach at level 7: what it looks like.\n\nA second line for level 7."
    assert [lvl.name for lvl in doc.levels][:2] == ["Follow", "Assist"]
    assert not doc.report.lost
    # The spreadsheet re-export of the same sheet reads the same.
    _, again = load_file(OWN_CSV, version="8")
    assert [s.model_dump() for s in again.skills] == [s.model_dump() for s in doc.skills]


def test_a_flag_naming_a_level_without_a_description_column_is_an_error(tmp_path):
    path = tmp_path / "sfia-8-cut.csv"
    path.write_text("#,Levels,,,Code,Skill,Level 1 description,Level 2 description,Level 3 description\n"
                    "1,,2,3,ABC,Abc,,Helps.,Does.\n"
                    "2,,2,4,ABD,Abd,,Helps.,Does.\n", encoding="utf-8")
    with pytest.raises(Exception) as exc:
        load_file(path)
    assert str(exc.value) == (f"{path}: line 3, column 4 (under 'Levels'): level 4 is marked as defined but there is no "
                              "'Level 4 description' column")
    assert [sl.defined for sl in load_file(path.write_text(path.read_text().replace(",4,ABD", ",3,ABD")) and path)[1].skills[1].levels] \
        == [False, True, True]


def test_a_column_this_does_not_read_is_reported_and_strict_refuses_it(runner, tmp_path):
    rows = list(csv.reader(OWN_CSV.open(encoding="utf-8", newline="")))
    rows[0].append("Owner")
    for i, row in enumerate(rows[1:], start=1):
        row.append("Team A" if i % 2 else "")
    path = tmp_path / "sfia-8-owned.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    before = all_counts()
    strict = runner.run("frameworks", "import", path, "--strict")
    assert strict.exit_code != 0
    assert "--strict: 2 values of the source would not be kept" in strict.output
    assert "Nothing was imported." in strict.output
    assert all_counts() == before
    loose = runner.run("frameworks", "import", path)
    assert loose.exit_code == 0, loose.output
    assert "not kept: 2 values: 2 column 'Owner'" in loose.output
    assert "line 2: column 'Owner' = 'Team A'" in loose.output


def test_dry_run_prints_the_report_and_writes_nothing(runner):
    before = all_counts()
    result = runner.run("frameworks", "import", OWN_XLSX, "--version", "8", "--dry-run")
    assert result.exit_code == 0, result.output
    assert all_counts() == before
    assert "(dry run) created SFIA 8 with 4 skills" in result.output
    assert ("would create: 1 framework version, 7 levels, 5 attributes, 35 attribute levels, 6 groups, 4 skills, 28 skill levels, "
            "13 defined skill levels, 24 descriptors") in result.output
    assert "Dry run: nothing was written." in result.output
    # The same import, for real, creates what the dry run said.
    done = runner.run("frameworks", "import", OWN_XLSX, "--version", "8")
    assert "created: 1 framework version, 7 levels, 5 attributes, 35 attribute levels" in done.output
    assert all_counts()[:4] == (before[0] + 1, before[1] + 7, before[2] + 5, before[3] + 35)


# -- SFIA 9: the attributes file and the levels file beside the skills ------------

def test_sfia_9_attributes_and_levels_files_beside_the_skills(runner, tmp_path):
    result = runner.run("frameworks", "import", DATA / "sfia-9-skills.csv",
                    "--levels", DATA / "sfia-9-levels-across-layout.csv", "--levels", DATA / "sfia-9-attributes-layout.csv")
    assert result.exit_code == 0, result.output
    assert "not kept: nothing" in result.output
    framework = db.session.scalar(select(Framework).where(Framework.code == "SFIA"))
    assert [(lvl.number, lvl.name) for lvl in framework.levels][4:] == [(5, "Ensure, advise"), (6, "Start, sway"), (7, "Set the course, inspire")]
    assert framework.levels[0].description == "Does set tasks under close watch."
    assert framework.levels[6].url == "https://example.org/lor/9/7"
    indp, deci = framework.attributes
    assert (indp.code, indp.name, indp.category, deci.category) == ("INDP", "Independence", "Attributes", "Business skills/Behavioural factors")
    assert indp.url == "https://example.org/attributes/9/INDP"
    assert indp.guidance.startswith("Independence grows from following instructions") and indp.guidance.endswith("It goes with planning and leading.")
    assert [al.level for al in deci.levels] == [1, 2, 3, 4, 5, 6, 7]
    assert deci.levels[6].description == "Makes choices for the whole organisation."
    # Kept in the native export, and read back the same.
    exported = runner.run("frameworks", "export", "SFIA", "--format", "yaml")
    data = yaml.safe_load(exported.output)
    assert [a["code"] for a in data["attributes"]] == ["INDP", "DECI"]
    assert list(data)[:3] == ["framework", "levels", "attributes"]
    path = tmp_path / "again.yaml"
    path.write_text(exported.output, encoding="utf-8")
    assert "identical: nothing to do" in runner.run("frameworks", "import", path).output
    as_json = json.loads(runner.run("frameworks", "export", "SFIA", "--format", "json").output)
    assert as_json["attributes"][1]["levels"][0] == {"level": 1, "description": "Makes small choices within set rules."}


def test_the_sfia_9_skills_download_layout_with_its_url_column(runner):
    """SFIA 9's skills file: the flag group under '#, Levels' as in SFIA 8, then a URL
    column before the skill's name; a skill defined at 6-7 only; guidance whose list
    follows a blank line and ends with a line end inside the cell."""
    path = DATA / "sfia-9-skills-download-layout.csv"
    with path.open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:2] == ["#", "Levels"] and header[8:10] == ["Code", "URL"]
    # Counted from the file, independently of the importer: a flag is a defined level;
    # each line of a defined level's cell is a descriptor.
    flags = {row[8]: sorted(int(v) for v in row[1:8] if v) for row in rows}
    descriptors = sum(len(row[14 + level].splitlines()) for row in rows for level in flags[row[8]])
    result = runner.run("frameworks", "import", path, "--framework", "S9D", "--version", "9", "--name", "SFIA 9 download",
                        "--levels", DATA / "sfia-9-levels-across-layout.csv", "--levels", DATA / "sfia-9-attributes-layout.csv")
    assert result.exit_code == 0, result.output
    assert "not kept: nothing" in result.output
    assert f"{sum(map(len, flags.values()))} defined skill levels, {descriptors} descriptors" in result.output
    version = db.session.scalar(select(Framework).where(Framework.code == "S9D"))
    skills = {s.code: s for s in version.skills}
    assert {code: [sl.level for sl in s.levels if sl.defined] for code, s in skills.items()} == flags
    xunc = skills["XUNC"]
    assert xunc.url == "https://example.org/en/skillcode/9/XUNC"
    assert xunc.name == "Cross-unit coordination"
    assert xunc.guidance_intro.endswith("Activities may include, but are not limited to:")
    assert xunc.guidance == ["agreeing shared buying of equipment and licences", "setting up services that several units share",
                             "keeping the units’ plans aligned with the organisation’s aims."]
    level_7 = next(sl for sl in xunc.levels if sl.level == 7)
    assert [d.text for d in level_7.descriptors] == [
        "Sets the organisation’s strategy for shared information and technology and the rules that carry it out.",
        "Speaks for the whole organisation on these matters inside and outside it."]
    assert [a.code for a in version.attributes] == ["INDP", "DECI"]


def test_sfia_9_attributes_file_alone_says_where_it_belongs():
    with pytest.raises(Exception) as exc:
        load_file(DATA / "sfia-9-attributes-layout.csv")
    assert "give it with --levels beside the skills file" in str(exc.value)


def test_native_attributes_are_checked():
    from skills_app.importers import parse_text

    text = ("framework: {code: X, name: X, version: '1'}\nlevels:\n  - {number: 1, name: One}\n"
            "attributes:\n  - code: AUT\n    name: Autonomy\n    levels:\n      - {level: 2, description: Too high.}\n")
    with pytest.raises(Exception) as exc:
        parse_text(text, "x.yaml")
    assert "line 8" in str(exc.value) and "level 2 is not one of the framework's levels (1)" in str(exc.value)


# -- skill pages copied off the website ------------------------------------------

def test_a_page_whose_lower_levels_share_one_heading(runner):
    result = runner.run("frameworks", "import", DATA / "sfia-page-merged-levels.txt")
    assert result.exit_code == 0, result.output
    coor = db.session.scalar(select(Skill).where(Skill.code == "COOR"))
    assert coor.defined_levels == [6, 7]
    note = "This skill is not typically observed or practised at these levels of responsibility and accountability."
    assert [coor.level(n).note for n in range(1, 6)] == [note] * 5
    assert [d.text for d in coor.level(7).descriptors] == ["Sets how information is looked after across the organisation. Answers for it to the board."]
    assert "the heading 'Joined-up information: Levels 1-5' covers levels 1 to 5" in result.output


def test_a_page_with_a_level_pair_heading_and_two_guidance_lists():
    _, doc = load_file(DATA / "sfia-page-level-pair.txt")
    rspt = doc.skills[0]
    assert [(sl.level, sl.defined) for sl in rspt.levels] == [(1, False), (2, False), (3, True), (4, True), (5, True)]
    assert rspt.guidance == ["keeping a list of risks", "scoring each risk", "Risk work differs between small teams and large programmes.",
                             "small teams keep one list", "large programmes keep one list a project"]
    assert [e.where for e in doc.report.changed if e.kind == "guidance"] == ["line 12"]


def test_a_page_kept_as_markdown_without_a_level_1_section():
    _, doc = load_file(DATA / "sfia-page-markdown.md", skill_code="TOOL")
    tool = doc.skills[0]
    assert (tool.code, tool.name) == ("TOOL", "Tool building")
    assert [(sl.level, sl.defined) for sl in tool.levels] == [(2, True), (3, True), (4, True)]
    assert tool.levels[1].descriptors == ["Builds programs of moderate size.", "Reports progress and problems. Suggests fixes."]
    assert tool.guidance[-1] == "Depending on the team, tools may be built in sprints or all at once."


@pytest.mark.parametrize("fmt, suffix", [("yaml", ".yaml"), ("json", ".json"), ("case", ".json"), ("moodle-csv", ".csv")])
def test_attributes_are_kept_in_every_export(runner, tmp_path, fmt, suffix):
    assert runner.run("frameworks", "import", OWN_XLSX, "--version", "8").exit_code == 0
    original = load_file(OWN_XLSX, version="8")[1]
    exported = runner.run("frameworks", "export", "SFIA", "--format", fmt)
    assert exported.exit_code == 0, exported.output
    path = tmp_path / f"again{suffix}"
    path.write_text(exported.output, encoding="utf-8")
    _, again = load_file(path)
    assert again.attributes == original.attributes
    assert [a.levels[6].description for a in again.attributes][0] == "Independence at level 7: what it looks like.\n\nA second line for level 7."
    assert not again.report.lost
    assert "identical: nothing to do" in runner.run("frameworks", "import", path).output


def test_the_framework_page_shows_the_attributes_per_level(runner, client, make_person, auth):
    assert runner.run("frameworks", "import", OWN_XLSX, "--version", "8").exit_code == 0
    auth.login(make_person("Reader"))
    page = client.get("/frameworks/SFIA?version=8").get_data(as_text=True)
    assert "Generic attributes of the levels" in page
    assert 'id="attribute-WORKING-SKILLS"' in page
    assert "<p>Understanding at level 3: what it looks like.</p><p>A second line for level 3.</p>" in page


def test_a_levels_list_followed_by_empty_trailing_columns_is_still_a_list(tmp_path):
    path = tmp_path / "sfia-9-listed.csv"
    path.write_text("Code,Skill,Level 1 description,Level 2 description,Level 3 description,Defined levels,,\n"
                    "ABC,Abc,,Helps.,Does.,2-3,,\n", encoding="utf-8")
    _, doc = load_file(path)
    assert [(sl.level, sl.defined) for sl in doc.skills[0].levels] == [(1, False), (2, True), (3, True)]
