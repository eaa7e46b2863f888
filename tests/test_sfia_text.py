"""The SFIA-style plain-text importer (importers/sfia_text.py): each option asserted
on what it produces, and the layouts people paste, each asserted on the framework it
gives. No database: the importer parses to plain data."""
from __future__ import annotations

import textwrap

import pytest

from skills_app.importers import FrameworkFileError, parse_text
from skills_app.importers.sfia_text import SFIA_LEVEL_NAMES

SFIA_NAMES = [(n, SFIA_LEVEL_NAMES[n]) for n in range(1, 8)]


def page(*levels: int, title: str = "Service level management SLMO", defined: str | None = None,
         headings: str = "Service level management: Level {n}") -> str:
    parts = [title, "Agreeing targets for services."]
    if defined is not None:
        parts.append(f"Defined at these levels: {defined}")
    parts += [f"{headings.format(n=n)}\n\nDoes the level {n} work." for n in levels]
    return "\n\n".join(parts) + "\n"


def levels(doc) -> list[tuple[int, bool]]:
    return [(lvl.level, lvl.defined) for lvl in doc.skills[0].levels]


# -- options -------------------------------------------------------------------------------

def test_version_option_names_the_version():
    assert parse_text(page(3, 4), "slmo.txt", version="9").framework.version == "9"
    assert parse_text(page(3, 4), "slmo.txt").framework.version == "8"  # SFIA's default
    in_house = "Planning (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n"
    assert parse_text(in_house, "plan.txt", version="2024").framework.version == "2024"
    assert parse_text(in_house, "plan.txt").framework.version == "1"


def test_naming_options_name_the_framework_of_an_sfia_page():
    doc = parse_text(page(3), "slmo.txt", framework_code="SFIA9", framework_name="SFIA nine", publisher="Us")
    assert (doc.framework.code, doc.framework.name, doc.framework.publisher) == ("SFIA9", "SFIA nine", "Us")
    doc = parse_text(page(3), "slmo.txt")
    assert (doc.framework.code, doc.framework.name, doc.framework.publisher) == (
        "SFIA", "Skills Framework for the Information Age", "SFIA Foundation")


def test_in_house_defaults_come_from_the_title():
    doc = parse_text("Planning (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n", "plan.txt")
    assert (doc.framework.code, doc.framework.name, doc.framework.publisher) == ("PLAN", "Planning proficiency scale", "In-house")
    assert doc.framework.publisher == "In-house"


@pytest.mark.parametrize("title", [
    "Service level management SLMO",      # SFIA's trailing code
    "Service level management (SLMO)",    # a code in brackets
])
def test_skill_code_option_wins_over_the_code_in_the_title(title):
    doc = parse_text(page(3, 4, title=title), "slmo.txt", skill_code="SLM9")
    assert (doc.skills[0].code, doc.skills[0].name) == ("SLM9", "Service level management")
    assert parse_text(page(3, 4, title=title), "slmo.txt").skills[0].code == "SLMO"


def test_skill_code_option_wins_in_an_in_house_document():
    doc = parse_text("Planning (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n", "plan.txt", skill_code="PLN2")
    assert (doc.skills[0].code, doc.skills[0].name) == ("PLN2", "Planning")


def test_skill_code_option_for_an_sfia_title_without_a_code():
    doc = parse_text(page(3, title="Service level management"), "slmo.txt", skill_code="SLMO")
    assert (doc.skills[0].code, doc.skills[0].name) == ("SLMO", "Service level management")


# -- levels --------------------------------------------------------------------------------

def test_a_page_defined_at_3_to_7_gives_the_skill_only_levels_3_to_7():
    doc = parse_text(page(3, 4, 5, 6, 7, defined="3-7"), "slmo.txt")
    assert levels(doc) == [(3, True), (4, True), (5, True), (6, True), (7, True)]
    # ... and the framework all seven levels of responsibility, by SFIA's names
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == SFIA_NAMES


def test_a_defined_at_list_marks_a_level_with_text_as_not_defined():
    doc = parse_text(page(2, 3, 4, defined="3, 4"), "slmo.txt")
    assert levels(doc) == [(2, False), (3, True), (4, True)]
    assert doc.skills[0].levels[0].note == "Does the level 2 work."


def test_plain_level_headings_with_a_defined_at_line_are_an_sfia_page():
    doc = parse_text(page(3, 4, defined="3 4", headings="Level {n}"), "slmo.txt")
    assert doc.framework.code == "SFIA"
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == SFIA_NAMES
    assert levels(doc) == [(3, True), (4, True)]


def test_plain_level_headings_without_one_are_an_in_house_scale():
    doc = parse_text(page(1, 2, headings="Level {n}", title="Service level management (SLM)"), "slm.txt")
    assert doc.framework.code == "SLM"
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == [(1, "Level 1"), (2, "Level 2")]


def test_a_heading_over_several_levels_gives_each_of_them_what_follows():
    text = "Planning (PLAN)\n\nLevels 1-3\n- Plans.\n\nLevel 4 (Lead)\n- Leads.\n"
    doc = parse_text(text, "plan.txt")
    assert [(lvl.level, lvl.descriptors) for lvl in doc.skills[0].levels] == [
        (1, ["Plans."]), (2, ["Plans."]), (3, ["Plans."]), (4, ["Leads."])]
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == [(1, "Level 1"), (2, "Level 2"), (3, "Level 3"), (4, "Lead")]


def test_a_not_observed_level_is_not_defined():
    text = page(5, 6) + "\nService level management: Level 7\n\nThis skill is not typically observed at this level.\n"
    doc = parse_text(text, "slmo.txt")
    assert levels(doc) == [(5, True), (6, True), (7, False)]
    assert "not typically observed" in doc.skills[0].levels[2].note


# -- layout --------------------------------------------------------------------------------

GUIDANCE = textwrap.dedent("""\
    Service level management SLMO

    Agreeing targets.

    Guidance notes

    First paragraph of the guidance.

    Second paragraph of the guidance.

    • note one
    • note two

    A paragraph between the lists.

    • note three

    Service level management: Level 3

    Does it.
    """)


def test_guidance_in_several_paragraphs_stays_guidance_in_its_place():
    doc = parse_text(GUIDANCE, "slmo.txt")
    skill = doc.skills[0]
    assert skill.description == "Agreeing targets."
    assert skill.guidance_intro == "First paragraph of the guidance.\n\nSecond paragraph of the guidance."
    assert skill.guidance == ["note one", "note two", "A paragraph between the lists.", "note three"]
    assert [(c.kind, c.where) for c in doc.report.changed] == [("guidance", "line 14")]


def test_a_line_right_under_a_heading_is_not_glued_onto_it():
    text = ("Service level management SLMO\nAgreeing targets.\n\nGuidance notes\nAn intro under its heading.\n\n"
            "Service level management: Level 3\nDoes it right under the heading.\n")
    skill = parse_text(text, "slmo.txt").skills[0]
    assert (skill.name, skill.code) == ("Service level management", "SLMO")
    assert skill.description == "Agreeing targets."
    assert skill.guidance_intro == "An intro under its heading."
    assert skill.levels[0].descriptors == ["Does it right under the heading."]


def test_wrapped_lines_join_and_numbered_items_stay_apart():
    text = "Planning (PLAN)\n\nLevel 1 (Basic)\n1) Plans own\n   work.\n2) Keeps plans.\n10. Reports.\n"
    skill = parse_text(text, "plan.txt").skills[0]
    assert skill.levels[0].descriptors == ["Plans own work.", "Keeps plans.", "Reports."]


def test_a_byte_order_mark_is_not_part_of_the_name():
    doc = parse_text("\ufeffPlanning (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n", "plan.txt")
    assert (doc.skills[0].name, doc.skills[0].code, doc.framework.name) == ("Planning", "PLAN", "Planning proficiency scale")


def test_a_description_line_inside_a_level_is_skipped_not_an_error():
    text = "Planning (PLAN)\n\nDescription:\n\nMaking plans.\n\nLevel 1 (Basic)\n\nDescription:\n\n- Plans.\n\nLevel 2 (Good)\n- Plans for others.\n"
    skill = parse_text(text, "plan.txt").skills[0]
    assert skill.description == "Making plans."
    assert [lvl.descriptors for lvl in skill.levels] == [["Plans."], ["Plans for others."]]


def test_markdown_heading_marks_are_dropped():
    text = "## Planning (PLAN)\n\nMaking plans.\n\n### Level 1 (Basic)\n- Plans.\n"
    skill = parse_text(text, "plan.txt").skills[0]
    assert (skill.name, skill.code, skill.description) == ("Planning", "PLAN", "Making plans.")


def test_text_before_the_title_is_the_frameworks_description():
    text = "Our skills, 2026 edition.\n\nPlanning (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n"
    doc = parse_text(text, "plan.txt")
    assert doc.framework.description == "Our skills, 2026 edition."
    assert doc.skills[0].code == "PLAN"


@pytest.mark.parametrize("text, where, what", [
    ("Planning (PLAN)\n\nLevels 3-1\n- Plans.\n", "line 3", "the levels 3-1 run backwards"),
    ("Planning (PLAN)\n\nLevels 1-2\n- a\n\nLevel 2 (X)\n- b\n", "line 6", "level 2 appears twice (first at line 3)"),
    ("Security SCTY\n\nDefined at these levels: 2--3\n\nSecurity: Level 2\n\nDoes.\n", "line 3", "cannot read the level list"),
    ("Security SCTY\n\nDefined at these levels: 2-3\n\nSecurity: Level 2\n\nDoes.\n", "'Defined at these levels'",
     "level 3 is listed as defined"),
    ("Security SCTY\n\nDefined at these levels: 2 3\n\nSecurity: Level 2\n\nSecurity: Level 3\n\nDoes.\n", "line 5",
     "level 2 has no descriptors"),
])
def test_what_cannot_be_read_says_where(text, where, what):
    with pytest.raises(FrameworkFileError) as caught:
        parse_text(text, "page.txt")
    assert caught.value.location == where
    assert what in caught.value.message


def test_text_between_the_levels_heading_and_the_first_level_is_named_in_the_error():
    stray = "This paragraph sits between the levels heading and the first level, where nothing is expected."
    text = f"Planning (PLAN)\n\nProficiency levels\n\n{stray}\n\nLevel 1 (Basic)\n- Plans.\n"
    with pytest.raises(FrameworkFileError) as caught:
        parse_text(text, "plan.txt")
    assert caught.value.location == "line 5"
    assert f"text outside any section: {stray[:60]!r} (expected" in caught.value.message


def test_a_title_is_at_most_150_characters():
    name = "Planning " + "p" * 134  # with " (PLAN)": 150 characters
    doc = parse_text(f"{name} (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n", "plan.txt")
    assert (doc.skills[0].name, doc.skills[0].code) == (name, "PLAN")
    with pytest.raises(FrameworkFileError, match="cannot find the skill's title"):
        parse_text(f"{name}p (PLAN)\n\nLevel 1 (Basic)\n- Plans.\n", "plan.txt")
