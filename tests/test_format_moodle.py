"""Moodle competency framework CSV (tool_lpimportcsv): a file made by Moodle
imports; any framework exports in Moodle's layout and reads back identical;
bad files name the line and column and write nothing."""
from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from skills_app.exporters import export
from skills_app.extensions import db
from skills_app.importers import FrameworkFileError, detect_format, load_file, parse_file, parse_text
from skills_app.models import Descriptor, Framework, FrameworkLevel, Skill, SkillLevel
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
MOODLE = DATA / "moodle-digital-skills.csv"
NATIVE = [ROOT / "frameworks" / "sfia-8.yaml", ROOT / "frameworks" / "slm-scale.yaml"]
MOODLE_HEADER = ("Parent ID number,ID number,Short name,Description,Description format,Scale values,Scale configuration,"
                 "Rule type (optional),Rule outcome (optional),Rule config (optional),Cross-referenced competency ID numbers,"
                 "Exported ID (optional),Is framework,Taxonomy")


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Framework, FrameworkLevel, Skill, SkillLevel, Descriptor))



def test_a_file_made_by_moodle():
    fmt, doc = load_file(MOODLE)
    assert fmt == "moodle-csv"
    assert (doc.framework.code, doc.framework.name, doc.framework.version) == ("DIGCOMP-STAFF", "Digital skills for staff", "1")
    assert doc.framework.description == ("The digital skills every member of staff is expected to show, adapted from the DigComp areas.")
    # The scale is the levels; the proficient value is where each competency is defined.
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == [(1, "Not yet competent"), (2, "Competent")]
    assert [(s.code, s.category) for s in doc.skills] == [
        ("IDL-01", "Information and data literacy"), ("IDL-02", "Information and data literacy"),
        ("IDL-03", "Information and data literacy"), ("COM-01", "Communication and collaboration"),
        ("COM-02", "Communication and collaboration"),
    ]
    first = doc.skills[0]
    assert [(sl.level, sl.defined) for sl in first.levels] == [(1, False), (2, True)]
    # HTML read as text: the line break in the source is a space, entities decoded.
    assert first.levels[1].descriptors == ["Searches for data, information and content in digital environments, using "
                                           "well-chosen keywords (e.g. in the intranet and the library catalogue)."]
    assert doc.skills[2].levels[1].descriptors == ["Organises, stores and retrieves data in structured environments & shared drives."]
    assert doc.skills[4].levels[1].descriptors == ["Netiquette"]  # no description: the short name


def test_moodles_older_header_spellings():
    text = MOODLE.read_text(encoding="utf-8").replace('"Parent ID number","ID number","Short name"', '"Parent id number","Id number",Shortname', 1)
    text = text.replace('"Cross-referenced competency ID numbers"', '"Cross referenced competency id numbers"', 1)
    assert parse_text(text, "old.csv") == parse_file(MOODLE)


@pytest.mark.parametrize("source", NATIVE + [MOODLE, DATA / "sfia-9-skills.csv", DATA / "case-1.0-communication.json"], ids=lambda p: p.name)
def test_export_reads_back_identical(source):
    doc = parse_file(source)
    text = export("moodle-csv", doc)
    assert parse_text(text, "export.csv") == doc


def test_export_layout_is_moodles():
    text = export("moodle-csv", parse_file(NATIVE[0]))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert ",".join(rows[0]) == MOODLE_HEADER
    framework = dict(zip(rows[0], rows[1]))
    assert (framework["Is framework"], framework["ID number"], framework["Parent ID number"]) == ("1", "SFIA", "")
    assert framework["Scale values"] == "Follow,Assist,Apply,Enable,Ensure/advise,Initiate/influence,Set strategy/inspire/mobilise"
    config = json.loads(framework["Scale configuration"])
    assert config[0] == {"scaleid": "0"} and config[1] == {"id": 1, "scaledefault": 1, "proficient": 1}
    assert framework["Taxonomy"] == "skill,level"
    skill = dict(zip(rows[0], rows[2]))
    assert (skill["Parent ID number"], skill["ID number"], skill["Is framework"], skill["Rule config (optional)"]) == ("", "SLMO", "", "null")
    levels = [dict(zip(rows[0], r)) for r in rows[3:]]
    assert [(r["Parent ID number"], r["ID number"]) for r in levels] == [("SLMO", f"SLMO-L{n}") for n in range(2, 8)]
    assert levels[1]["Description"].startswith("<ul><li>Monitors service delivery performance metrics.</li><li>Liaises")
    assert [r["Exported ID (optional)"] for r in [skill] + levels] == [str(n) for n in range(1, 8)]
    # As PHP's fputcsv quotes: only fields with spaces, commas, quotes or line breaks.
    assert text.splitlines()[0].startswith('"Parent ID number","ID number","Short name",Description,')


def test_detection():
    assert detect_format("framework.csv", MOODLE.read_text(encoding="utf-8")) == "moodle-csv"


# -- bad files ------------------------------------------------------------------------------

def edited(old: str, new: str) -> str:
    text = MOODLE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("text, where, what", [
    (edited("info-literacy,IDL-02,", "info-literacy-x,IDL-02,"), "line 8, column 'Parent ID number'", "no competency has the ID number 'info-literacy-x'"),
    (edited("info-literacy,IDL-02,", "info-literacy,IDL-01,"), "line 8, column 'ID number'", "ID number 'IDL-01' is used twice (also at line 6)"),
    (edited(",,,,,,1,\"domain,competency\"", ",,,,,,,\"domain,competency\""), None, "no framework row"),
    (edited(',communication,"Communication', ',communication,"Communication').replace(",COM-02,\"Netiquette\"", ",COM-02,") , "line 11, column 'Short name'", "short name is empty"),
    (edited('"Not yet competent,Competent"', '""'), "line 2, column 'Scale values'", "no scale values"),
    (edited(',info-literacy,"Information', 'IDL-01,info-literacy,"Information'), "line 4, column 'Parent ID number'", "form a loop"),
    (edited('"Parent ID number","ID number"', '"Parent ID number","Idnum"'), "line 1", "no 'ID number' column"),
])
def test_bad_files_name_line_and_column(text, where, what):
    with pytest.raises(FrameworkFileError) as info:
        parse_text(text, "moodle.csv", fmt="moodle-csv")
    assert info.value.location == where
    assert what in info.value.message


def test_an_unreadable_level_in_our_layout():
    text = export("moodle-csv", parse_file(NATIVE[1])).replace(',SLM-L3,"Service Level Management: level 3 (Apply)",', ',SLM-third,"Applying it",', 1)
    with pytest.raises(FrameworkFileError) as info:
        parse_text(text, "slm.csv")
    assert info.value.location.endswith("column 'ID number'") and "which level this is" in info.value.message


# -- through the command line ---------------------------------------------------------------

def test_moodle_file_in_and_out_and_in_again(runner, tmp_path):
    result = runner.run("frameworks", "import", MOODLE)
    assert result.exit_code == 0, result.output
    assert "created DIGCOMP-STAFF 1 with 5 skills" in result.output
    exported = runner.run("frameworks", "export", "DIGCOMP-STAFF", "--format", "moodle-csv")
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "again.csv"
    path.write_text(exported.output, encoding="utf-8")
    assert parse_file(path) == parse_file(MOODLE)
    assert "identical: nothing to do" in runner.run("frameworks", "import", path).output


def test_native_framework_out_to_moodle_and_back(runner, tmp_path):
    runner.run("frameworks", "import", *NATIVE)
    native = runner.run("frameworks", "export", "SFIA", "--format", "json").output
    path = tmp_path / "sfia.csv"
    path.write_text(runner.run("frameworks", "export", "SFIA", "--format", "moodle-csv").output, encoding="utf-8")
    assert "identical: nothing to do" in runner.run("frameworks", "import", path).output
    assert runner.run("frameworks", "export", "SFIA", "--format", "json").output == native


def test_a_bad_file_writes_nothing(runner, tmp_path):
    runner.run("frameworks", "import", NATIVE[0])
    before = counts()
    bad = tmp_path / "bad.csv"
    bad.write_text(edited("info-literacy,IDL-02,", "nowhere,IDL-02,"), encoding="utf-8")
    result = runner.run("frameworks", "import", "--format", "moodle-csv", MOODLE, bad)
    assert result.exit_code != 0
    assert f"{bad}: line 8, column 'Parent ID number': no competency has the ID number 'nowhere'" in result.output
    assert counts() == before


def test_export_format_choices(runner):
    result = runner.run("frameworks", "export", "--help")
    for fmt in ("yaml", "json", "case", "moodle-csv"):
        assert fmt in result.output
    result = runner.run("frameworks", "import", "--help")
    for fmt in ("sfia-csv", "sfia-xlsx", "case", "moodle-csv"):
        assert fmt in result.output


def test_a_cross_reference_to_a_group_is_kept_with_the_group_as_its_end():
    text = edited('shared drives.</p>",1,,,,0,null,,', 'shared drives.</p>",1,,,,0,null,communication,')
    doc = parse_text(text, "moodle.csv", fmt="moodle-csv")
    related = [(a.origin.skill, a.destination.skill, a.destination.group) for a in doc.associations]
    assert related == [("IDL-01", "IDL-02", None), ("IDL-03", None, "communication")]
    assert "cross-reference" not in doc.report.render()


def test_a_level_described_in_paragraphs_with_inline_marks_gives_one_descriptor_a_paragraph():
    """Our layout's level rows: a list gives a descriptor an item; paragraphs (no list)
    a descriptor a paragraph, inline marks (<strong>) inside one kept in it."""
    text = export("moodle-csv", parse_file(NATIVE[1]))
    start = text.index('SLM,SLM-L1,"Service Level Management: level 1 (Follow)","') + len('SLM,SLM-L1,"Service Level Management: level 1 (Follow)","')
    end = text.index('",1,', start)
    text = text[:start] + "<p>Knows the <strong>SLA</strong> targets.</p><p>Follows the procedures.</p>" + text[end:]
    doc = parse_text(text, "slm.csv")
    levels = {lvl.level: lvl.descriptors for lvl in doc.skills[0].levels}
    assert levels[1] == ["Knows the SLA targets.", "Follows the procedures."]
    assert len(levels[2]) == 3  # a list: one descriptor an item


def test_a_domain_above_the_skills_of_our_layout_makes_their_group():
    """Our layout with a taxonomy of three depths: a domain, its skills, their levels."""
    text = export("moodle-csv", parse_file(NATIVE[1]))
    text = text.replace('"skill,level"', '"domain,skill,level"', 1).replace(
        '\n,SLM,"Service Level Management",', '\n,DOM,"Running services",,1,,,,0,null,,,,\nDOM,SLM,"Service Level Management",', 1)
    doc = parse_text(text, "slm.csv")
    assert [(g.code, g.name) for g in doc.groups] == [("DOM", "Running services")]
    assert [(s.code, s.group, s.category, [lvl.level for lvl in s.levels if lvl.defined]) for s in doc.skills] == [
        ("SLM", "DOM", "Running services", [1, 2, 3, 4, 5])]
    assert "not kept: nothing" in doc.report.render()


def test_a_skill_code_used_twice_in_another_case_names_the_id_number_column():
    with pytest.raises(FrameworkFileError) as info:
        parse_text(edited(",IDL-03,", ",idl-01,"), "moodle.csv", fmt="moodle-csv")
    assert (info.value.location, info.value.message) == ("line 9, column 'ID number'", "duplicate skill code 'idl-01' (also skills[0])")


def test_group_id_numbers_alike_in_their_first_100_characters_get_codes_of_their_own_within_100():
    """A group's code is its ID number up to 100 characters; one taken already is cut to 90
    and numbered, so that it stays within 100."""
    long = "G" * 100
    text = MOODLE.read_text(encoding="utf-8").replace("info-literacy", long + "-one").replace("communication,", long + "-two,")
    doc = parse_text(text, "moodle.csv", fmt="moodle-csv")
    assert [(g.code, g.name) for g in doc.groups] == [(long, "Information and data literacy"),
                                                        ("G" * 90 + "-2", "Communication and collaboration")]
    assert {s.code: s.group for s in doc.skills}["COM-01"] == "G" * 90 + "-2"
