"""The SFIA Foundation's whole-version download (CSV and XLSX): reading what
such files contain in practice, splitting descriptions into statements, a
whole version in one command, round trips, and bad files that write nothing."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.importers import FrameworkFileError, detect_format, load_file, parse_file, parse_text
from skills_app.importers.sfia_sheet import split_sentences, statements
from skills_app.models import Descriptor, Framework, FrameworkLevel, Skill, SkillLevel
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
SKILLS_CSV = DATA / "sfia-9-skills.csv"
LEVELS_CSV = DATA / "sfia-9-levels.csv"
HEADER = ["Code", "URL", "Skill", "Category", "Subcategory", "Overall description", "Guidance notes",
          *[f"Level {n} description" for n in range(1, 8)]]


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Framework, FrameworkLevel, Skill, SkillLevel, Descriptor))



def skill_row(n: int) -> list:
    """A skill in the publisher's layout, defined at levels 2-6, with the things real cells hold."""
    code = f"S{n:03d}"
    return [
        code, f"https://sfia-online.org/en/sfia-9/skills/skill-{n}", f"Skill number {n}",
        f"Category {n % 6}", f"Subcategory {n % 22}",
        f"Doing thing {n} well — for the organisation’s benefit.",
        "Activities may include:\n• planning\n• doing",
        None,
        *[f"Works on {code} at level {lvl}. Uses tools, e.g. “checklists”, and reports.\nEscalates problems." for lvl in range(2, 7)],
        None,
    ]


def write_xlsx(path, rows, *, title_rows=1, levels=True):
    book = Workbook()
    sheet = book.active
    sheet.title = "Skills"
    for _ in range(title_rows):
        sheet.append(["SFIA 9 — the skills (downloaded from the SFIA Foundation)"])
    sheet.append(HEADER + [None, None])  # trailing empty header cells
    for row in rows:
        sheet.append(row)
    if levels:
        lor = book.create_sheet("Levels of responsibility")
        lor.append(["Level", "Guiding phrase", "Essence of the level"])
        for number, name in enumerate(["Follow", "Assist", "Apply", "Enable", "Ensure, advise", "Initiate, influence", "Set strategy, inspire, mobilise"], 1):
            lor.append([number, name, f"The essence of level {number}."])
    book.save(path)
    return path


# -- reading -----------------------------------------------------------------------

def test_publisher_csv_with_bom_crlf_multiline_cells_and_flags():
    fmt, doc = load_file(SKILLS_CSV)
    assert fmt == "sfia-csv"
    assert (doc.framework.code, doc.framework.version, doc.framework.publisher) == ("SFIA", "9", "SFIA Foundation")
    slmo, scty = doc.skills
    assert (slmo.code, slmo.category, slmo.subcategory) == ("SLMO", "Delivery and operation", "Service management")
    assert slmo.url == "https://sfia-online.org/en/sfia-9/skills/service-level-management"
    assert slmo.guidance_intro == "Activities may include — but are not limited to:"
    assert slmo.guidance == ["negotiating, implementing and monitoring service level agreements",
                             "identifying opportunities to improve service delivery"]
    by_level = {sl.level: sl for sl in slmo.levels}
    assert not by_level[1].defined and by_level[1].note is None
    assert by_level[3].descriptors == [
        "Monitors service delivery performance metrics.",
        "Liaises with stakeholders to help them plan for a deterioration in service and/or breaches of service level agreements.",
    ]
    # A line break in the cell starts a statement; "e.g." does not end one.
    assert by_level[4].descriptors == [
        "Performs defined tasks to monitor service delivery against service level agreements and maintains records of relevant information.",
        "Analyses service delivery performance, e.g. availability and response times.",
        "Initiates and reports on actions to maintain or improve levels of service.",
    ]
    assert by_level[7].descriptors == [
        "Sets the strategy for service level management (i.e. the organisation’s approach).",
        "Acts as the “owner” of service levels.",
    ]
    # The flags decide; "NaN" cells are empty.
    assert [sl.level for sl in scty.levels if sl.defined] == [1, 2, 3, 4, 5]
    assert scty.guidance == [] and scty.guidance_intro is None
    assert [level.name for level in doc.levels][:3] == ["Follow", "Assist", "Apply"]  # built-in names


def test_levels_of_responsibility_from_a_csv_alongside():
    doc = parse_file(SKILLS_CSV, levels=LEVELS_CSV)
    assert [(lvl.number, lvl.name) for lvl in doc.levels][4:] == [(5, "Ensure, advise"), (6, "Initiate, influence"), (7, "Set strategy, inspire, mobilise")]
    assert doc.levels[0].description == "Performs routine tasks under close supervision, follows instructions."


def test_xlsx_with_title_rows_levels_sheet_empty_cells_and_no_flags(tmp_path):
    path = write_xlsx(tmp_path / "sfia-9_en_240924.xlsx", [skill_row(1), skill_row(2)], title_rows=2)
    fmt, doc = load_file(path)
    assert fmt == "sfia-xlsx"
    assert doc.framework.version == "9"
    assert doc.levels[4].name == "Ensure, advise" and doc.levels[4].description == "The essence of level 5."
    skill = doc.skills[0]
    assert [sl.level for sl in skill.levels if sl.defined] == [2, 3, 4, 5, 6]  # without flags, text means defined
    assert skill.levels[2].descriptors == ["Works on S001 at level 3.", "Uses tools, e.g. “checklists”, and reports.", "Escalates problems."]
    assert skill.description == "Doing thing 1 well — for the organisation’s benefit."


def test_headers_are_found_whatever_their_spelling():
    text = "SKILL_CODE;skill name;Overall-Description;level 2 DESCRIPTION;Defined levels\r\nABC;Abc;Does abc.;Helps. Learns.;2\r\n"
    doc = parse_text(text, "sfia-8.csv", fmt="sfia-csv")
    assert doc.skills[0].levels[0].descriptors == ["Helps.", "Learns."]
    assert [sl.level for sl in doc.skills[0].levels if sl.defined] == [2]


@pytest.mark.parametrize("text, expected", [
    ("Plans work. Reviews it.", ["Plans work.", "Reviews it."]),
    ("Uses e.g. ISO 27001 controls. Reports.", ["Uses e.g. ISO 27001 controls.", "Reports."]),
    ("Acts (i.e. Leads) the team.", ["Acts (i.e. Leads) the team."]),
    ("Works with J. Smith. Then reports.", ["Works with J. Smith.", "Then reports."]),
    ("Handles tools, etc. Then more.", ["Handles tools, etc.", "Then more."]),
    ("Handles tools, etc. and more.", ["Handles tools, etc. and more."]),
    ("Says “stop.” Then waits.", ["Says “stop.”", "Then waits."]),
    ("Version 2.5 is used. 3 teams adopt it!", ["Version 2.5 is used.", "3 teams adopt it!"]),
])
def test_sentence_rule(text, expected):
    assert split_sentences(text) == expected


def test_statements_drop_bullets_and_split_lines():
    assert statements("• One thing.\n\n- Two things. Three.") == ["One thing.", "Two things.", "Three."]


def test_detection():
    assert detect_format("anything.xlsx", data=b"") == "sfia-xlsx"
    assert detect_format("download", data=b"PK\x03\x04rest") == "sfia-xlsx"
    assert detect_format("x.csv", "\ufeffCode,Skill,Level 1 description\n") == "sfia-csv"
    with pytest.raises(FrameworkFileError, match="a CSV file this does not know"):
        detect_format("people.csv", "email,name\n")


# -- bad files -----------------------------------------------------------------------

def bad_csv(rows, name="sfia-9.csv", **options) -> FrameworkFileError:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    with pytest.raises(FrameworkFileError) as info:
        parse_text(out.getvalue(), name, fmt="sfia-csv", **options)
    return info.value


def test_empty_code_names_line_and_column():
    error = bad_csv([HEADER, ["ABCD", "", "A skill", "", "", "", "", "Does.", *[""] * 6],
                     ["", "", "Another\nskill", "", "", "", "", "Does.", *[""] * 6],
                     ["", "", "", "", "", "", "", "", *[""] * 6]])
    assert (error.location, error.message) == ("line 3, column 'Code'", "the skill code is empty")


def test_flagged_level_without_text_names_row_and_column():
    header = ["Code", "Skill", "Level 1 description", "Level 2 description", "Level 1", "Level 2"]
    error = bad_csv([header, ["ABCD", "A skill", "Does.", "", "x", "x"]])
    assert error.location == "line 2, column 'Level 2 description'"
    assert "level 2 of skill ABCD is defined but has no descriptors" in error.message


def test_bad_code_and_duplicate_codes_and_unknown_version():
    header = ["Code", "Skill", "Level 1 description"]
    assert bad_csv([header, ["AB CD", "A", "Does."]]).location == "line 2, column 'Code'"
    error = bad_csv([header, ["ABCD", "A", "Does."], ["abcd", "B", "Does."]])
    assert error.location == "line 3, column 'Code'" and "duplicate skill code" in error.message
    error = bad_csv([header, ["ABCD", "A", "Does."]], name="skills.csv")
    assert error.location is None and "--version" in error.message
    assert parse_text("Code,Skill,Level 1 description\nABCD,A,Does.\n", "skills.csv", version="9").framework.version == "9"


def test_no_header_and_no_code_column():
    assert "no header row" in bad_csv([["a", "b"], ["c", "d"]]).message
    error = bad_csv([["Skill", "Level 1 description"], ["A", "Does."]])
    assert "no header row with a Code column" in error.message


def test_xlsx_errors_name_sheet_and_row(tmp_path):
    row = skill_row(1)
    row[0] = None
    path = write_xlsx(tmp_path / "sfia-9.xlsx", [skill_row(2), row])
    with pytest.raises(FrameworkFileError) as info:
        parse_file(path)
    assert info.value.location == "sheet Skills, row 4, column 'Code'"
    broken = tmp_path / "sfia-9-broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(FrameworkFileError, match="not an Excel workbook"):
        parse_file(broken)


# -- through the command line, on the database ----------------------------------------

@pytest.fixture
def whole_version(tmp_path):
    """A whole SFIA-shaped version: 150 skills in the publisher's XLSX layout, with its levels sheet."""
    return write_xlsx(tmp_path / "sfia-9_en.xlsx", [skill_row(n) for n in range(1, 151)])


def test_a_whole_version_imports_in_one_command(runner, whole_version):
    result = runner.run("frameworks", "import", whole_version)
    assert result.exit_code == 0, result.output
    assert "created SFIA 9 with 150 skills" in result.output
    listed = json.loads(runner.run("frameworks", "list", "--json").output)
    assert listed == [{"code": "SFIA", "name": "Skills Framework for the Information Age", "version": "9",
                       "publisher": "SFIA Foundation", "status": "published", "skills": 150}]
    assert counts() == (1, 7, 150, 150 * 7, 150 * 5 * 3)
    # Importing it again is a no-op that says so.
    assert "already loaded and identical" in runner.run("frameworks", "import", whole_version).output


def test_import_export_import_round_trip(runner, tmp_path):
    result = runner.run("frameworks", "import", "--levels", LEVELS_CSV, SKILLS_CSV)
    assert result.exit_code == 0, result.output
    original = parse_file(SKILLS_CSV, levels=LEVELS_CSV)
    for fmt, suffix in (("yaml", ".yaml"), ("json", ".json"), ("case", ".json"), ("moodle-csv", ".csv")):
        exported = runner.run("frameworks", "export", "SFIA", "--format", fmt)
        assert exported.exit_code == 0, exported.output
        path = tmp_path / f"again-{fmt}{suffix}"
        path.write_text(exported.output, encoding="utf-8")
        assert parse_file(path) == original, fmt
        again = runner.run("frameworks", "import", path)
        assert "identical: nothing to do" in again.output, (fmt, again.output)


@pytest.mark.parametrize("change, where", [
    (lambda rows: rows[2].__setitem__(0, ""), "line 7, column 'Code'"),
    (lambda rows: rows[1].__setitem__(9, ""), "line 2, column 'Level 3 description'"),
])
def test_a_bad_file_among_good_ones_writes_nothing(runner, tmp_path, change, where):
    runner.run("frameworks", "import", ROOT / "frameworks" / "slm-scale.yaml")
    before = counts()
    rows = list(csv.reader(io.StringIO(SKILLS_CSV.read_bytes().decode("utf-8-sig"), newline="")))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    broken = tmp_path / "sfia-9-broken.csv"
    broken.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    good = write_xlsx(tmp_path / "sfia-8.xlsx", [skill_row(1)])
    result = runner.run("frameworks", "import", good, broken)
    assert result.exit_code != 0
    assert f"{broken}: {where}: " in result.output
    assert "Nothing was imported." in result.output
    assert counts() == before


def test_options_that_do_not_apply_are_refused(runner):
    before = counts()
    result = runner.run("frameworks", "import", "--skill-code", "X", SKILLS_CSV)
    assert result.exit_code != 0 and "--skill-code applies to plain-text files only" in result.output
    assert counts() == before


def test_a_levels_heading_over_two_columns_flags_the_levels_where_each_skill_is_defined():
    """The publisher's 'Levels' heading over its own and one unnamed column: a level number
    under it defines the skill at that level; a description with no flag is not a level."""
    text = "Code,Skill,Levels,,Level 1 description,Level 2 description\nABCD,A skill,,2,Does one.,Does two.\nEFGH,Another,1,2,Does one.,Does two.\n"
    doc = parse_text(text, "sfia-9.csv", fmt="sfia-csv")
    assert {s.code: [(lvl.level, lvl.defined, lvl.descriptors) for lvl in s.levels] for s in doc.skills} == {
        "ABCD": [(1, False, []), (2, True, ["Does two."])],
        "EFGH": [(1, True, ["Does one."]), (2, True, ["Does two."])],
    }
    assert "not kept: nothing" in doc.report.render()


def test_an_attributes_file_with_a_title_line_above_its_header_reads_as_without_it(tmp_path):
    attributes = DATA / "sfia-9-attributes-layout.csv"
    titled = tmp_path / "attributes.csv"
    titled.write_text("SFIA 9 generic attributes (downloaded)\n" + attributes.read_text(encoding="utf-8"), encoding="utf-8")
    across = DATA / "sfia-9-levels-across-layout.csv"
    plain = parse_file(SKILLS_CSV, levels=[across, attributes])
    doc = parse_file(SKILLS_CSV, levels=[across, titled])
    assert [(a.code, [lvl.level for lvl in a.levels]) for a in doc.attributes] == [("INDP", list(range(1, 8))), ("DECI", list(range(1, 8)))]
    assert doc.attributes == plain.attributes
    assert "not kept: nothing" in doc.report.render()


def test_a_levels_file_with_a_header_and_no_levels_is_refused_saying_so(tmp_path):
    levels = tmp_path / "levels.csv"
    levels.write_text(LEVELS_CSV.read_text(encoding="utf-8").splitlines(True)[0], encoding="utf-8")
    with pytest.raises(FrameworkFileError) as caught:
        parse_file(SKILLS_CSV, levels=levels)
    assert (caught.value.location, caught.value.message) == ("the levels of responsibility", "a framework needs at least one level")
