"""Framework importers: good files, and each kind of bad file, which gets a
message naming the file, the place (line, or path of keys) and the problem."""
from __future__ import annotations

import json
import textwrap

import pytest

from skills_app.importers import FrameworkFileError, detect_format, parse_file, parse_text
from skills_app.importers.native import dump_json, dump_yaml

GOOD = textwrap.dedent("""\
    framework: {code: ACME, name: Acme skills, version: 2, publisher: Acme}
    levels:
      - {number: 1, name: Basic}
      - {number: 2, name: Good, description: Works alone}
      - {number: 3, name: Expert}
    skills:
      - code: PLAN
        name: Planning
        category: Delivery
        description: Making plans.
        guidance: ["one note", "two notes"]
        levels:
          - {level: 1, defined: false, note: Not at this level.}
          - level: 2
            defined: true
            descriptors: ["Plans own work.", "Keeps the plan up to date."]
          - level: 3
            descriptors: ["Plans for others."]
    """)


def test_native_yaml_good():
    doc = parse_text(GOOD, "acme.yaml")
    assert doc.framework.version == "2"  # a number in YAML is read as a version label
    skill = doc.skills[0]
    assert skill.guidance == ["one note", "two notes"]
    assert [(lvl.level, lvl.defined, lvl.descriptors) for lvl in skill.levels] == [
        (1, False, []), (2, True, ["Plans own work.", "Keeps the plan up to date."]), (3, True, ["Plans for others."])]


def test_native_json_equals_yaml():
    doc = parse_text(GOOD, "acme.yaml")
    again = parse_text(dump_json(doc.to_native()), "acme.json")
    assert again == doc
    assert parse_text(dump_yaml(doc.to_native()), "again.yaml") == doc


def bad(text: str, name: str = "broken.yaml", **options) -> FrameworkFileError:
    with pytest.raises(FrameworkFileError) as info:
        parse_text(text, name, **options)
    return info.value


@pytest.mark.parametrize(
    "change, where, what",
    [
        (("publisher: Acme}", "publisher: Acme, colour: red}"), "line 1 (framework.colour)", "unknown key 'colour'"),
        (("name: Acme skills, ", ""), "line 1 (framework.name)", "missing required field 'name'"),
        (("  - code: PLAN\n", "  - code: PLAN\n    owner: me\n"), "line 8 (skills[0].owner)", "unknown key 'owner'"),
        (('descriptors: ["Plans for others."]', 'descriptors: ["Plans for others.", "  "]'), "line 18 (skills[0].levels[2].descriptors[1])", "must not be empty"),
        (("- level: 3", "- level: 4"), "line 17 (skills[0].levels[2].level)", "level 4 is not one of the framework's levels (1, 2, 3)"),
        (("{level: 1, defined: false, note: Not at this level.}", "{level: 1, defined: false, descriptors: [Sneaky.]}"), "line 13 (skills[0].levels[0])", "level 1 is not defined (defined: false) but has descriptors"),
        (("{number: 3, name: Expert}", "{number: 2, name: Expert}"), "line 5 (levels[2].number)", "level 2 is listed twice"),
        (('descriptors: ["Plans for others."]', "descriptors: []"), "line 18 (skills[0].levels[2].descriptors)", "level 3 of skill PLAN is defined but has no descriptors"),
        (("code: ACME", "code: 'AC ME'"), "line 1 (framework.code)", "a code is letters, digits"),
        (("- {level: 1, defined: false", "- {level: one, defined: false"), "line 13 (skills[0].levels[0].level)", "valid integer"),
    ],
)
def test_native_bad_input_names_place_and_problem(change, where, what):
    old, new = change
    assert old in GOOD
    error = bad(GOOD.replace(old, new, 1))
    assert error.file == "broken.yaml"
    assert error.location == where
    assert what in error.message
    assert str(error).startswith(f"broken.yaml: {where}: ")


def test_duplicate_skill_code():
    skill = GOOD[GOOD.index("  - code: PLAN"):]
    error = bad(GOOD + skill.replace("code: PLAN", "code: plan"))
    assert error.location == "line 19 (skills[1].code)"
    assert "duplicate skill code 'plan' (also skills[0])" in error.message


def test_yaml_syntax_error_gives_line_and_column():
    error = bad(GOOD.replace("levels:\n  - {number: 1", "levels:\n  - {number: 1,,"))
    assert error.location.startswith("line 3, column")
    assert "not valid YAML" in error.message


def test_json_syntax_error_gives_line_and_column():
    text = json.dumps(parse_text(GOOD, "a.yaml").to_native(), indent=2).replace('"Basic"', '"Basic",,')
    error = bad(text, "broken.json")
    assert error.location.startswith("line ")
    assert "not valid JSON" in error.message


def test_json_validation_error_gives_line_too():
    data = parse_text(GOOD, "a.yaml").to_native()
    data["skills"][0]["levels"][1]["descriptors"][1] = ""
    error = bad(json.dumps(data, indent=2), "broken.json")
    assert error.location.endswith("(skills[0].levels[1].descriptors[1])")
    assert error.location.startswith("line ")


@pytest.mark.parametrize("text, message", [
    ("", "expected a mapping"),
    ("- just\n- a list\n", "expected a mapping"),
    ("framework: {code: A, name: B, version: '1'}\nlevels: []\n", "at least one level"),
])
def test_native_shapes_that_are_not_frameworks(text, message):
    assert message in bad(text).message


def test_not_utf8_and_missing_files(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("Making plans.", "Café plans.").encode("latin-1"))
    with pytest.raises(FrameworkFileError, match=r"latin1.yaml: line 10: not UTF-8"):
        parse_file(path)
    with pytest.raises(FrameworkFileError, match="no such file"):
        parse_file(tmp_path / "missing.yaml")


def test_format_detection():
    assert detect_format("a.yml", "") == "yaml"
    assert detect_format("a.json", "") == "json"
    assert detect_format("a.txt", "") == "text"
    assert detect_format("export", '{"framework": {}}') == "json"
    assert detect_format("export", GOOD) == "yaml"
    assert detect_format("export", "Planning PLAN\n\nLevel 1 (Basic)\n") == "text"


def test_text_options_refused_for_native_files():
    assert "--version applies to plain-text files only" in bad(GOOD, version="3").message


# -- SFIA-style plain text -------------------------------------------------------

SFIA_PAGE = textwrap.dedent("""\
    Information security SCTY

    Defining and operating a framework of security controls
    and security management strategies.

    Guidance notes

    Activities may include:

      • developing security policies
      • auditing controls

    Defined at these levels: 1-5

    Information security: Level 1

    Applies basic security practices.

    Information security: Level 2

    Follows standard approaches.

    Takes action on a possible breach.

    Information security: Level 3

    Explains the purpose of controls.

    Information security: Level 4

    Leads the operation of controls.

    Information security: Level 5

    Provides advice on security.

    Information security: Level 6

    This skill is not typically observed or practiced at this level of responsibility and accountability.

    Information security: Level 7

    This skill is not typically observed or practiced at this level of responsibility and accountability.
    """)


def test_any_sfia_page_defined_at_1_to_5():
    doc = parse_text(SFIA_PAGE, "scty.txt")
    skill = doc.skills[0]
    assert (skill.code, skill.name) == ("SCTY", "Information security")
    # Wrapped lines join into one paragraph.
    assert skill.description == "Defining and operating a framework of security controls and security management strategies."
    assert skill.guidance_intro == "Activities may include:"
    assert skill.guidance == ["developing security policies", "auditing controls"]
    assert [lvl.level for lvl in skill.levels if lvl.defined] == [1, 2, 3, 4, 5]
    assert skill.levels[1].descriptors == ["Follows standard approaches.", "Takes action on a possible breach."]
    assert not skill.levels[6].defined and "not typically observed" in skill.levels[6].note
    assert doc.framework.code == "SFIA" and len(doc.levels) == 7


def test_sfia_page_without_the_defined_at_line_and_with_crlf():
    text = SFIA_PAGE.replace("Defined at these levels: 1-5\n\n", "").replace("\n", "\r\n")
    skill = parse_text("\ufeff" + text, "scty.txt").skills[0]
    assert [lvl.level for lvl in skill.levels if lvl.defined] == [1, 2, 3, 4, 5]


def test_sfia_page_that_lists_only_levels_3_to_7():
    text = "Enterprise architecture STPL\n\nCreating architecture.\n\n" + "\n\n".join(
        f"Enterprise architecture: Level {n}\n\nDescriptor {n}." for n in range(3, 8))
    skill = parse_text(text, "stpl.txt", version="9").skills[0]
    assert [(lvl.level, lvl.descriptors) for lvl in skill.levels] == [(n, [f"Descriptor {n}."]) for n in range(3, 8)]


IN_HOUSE = textwrap.dedent("""\
    Incident Management (INC)

    Restoring normal service quickly.

    Proficiency Levels

    Level 1 - Aware
    - Knows what an incident is.
    - Logs incidents.

    Level 2 - Practitioner
    1. Resolves common incidents,
       using the knowledge base.
    2. Escalates when stuck.

    Level 3: Lead
      * Runs major incidents.
    """)


def test_any_bullet_list_proficiency_document():
    doc = parse_text(IN_HOUSE, "inc.txt")
    assert (doc.framework.code, doc.framework.version) == ("INC", "1")
    assert [(lvl.number, lvl.name) for lvl in doc.levels] == [(1, "Aware"), (2, "Practitioner"), (3, "Lead")]
    skill = doc.skills[0]
    assert (skill.code, skill.name, skill.description) == ("INC", "Incident Management", "Restoring normal service quickly.")
    assert [lvl.descriptors for lvl in skill.levels] == [
        ["Knows what an incident is.", "Logs incidents."],
        ["Resolves common incidents, using the knowledge base.", "Escalates when stuck."],
        ["Runs major incidents."],
    ]


def test_text_options_name_the_framework():
    doc = parse_text(IN_HOUSE, "inc.txt", framework_code="OPS", framework_name="Operations", version="2024")
    assert (doc.framework.code, doc.framework.name, doc.framework.version) == ("OPS", "Operations", "2024")


@pytest.mark.parametrize("text, where, what", [
    ("", None, "the file is empty"),
    ("Just some prose.\n\nWith no levels.\n", None, "no level headings found"),
    ("Incident Management (INC)\n\nLevel 1 (A)\n- one\n\nLevel 1 (B)\n- two\n", "line 6", "level 1 appears twice (first at line 3)"),
    ("just a title\n\nLevel 1 (A)\n- one\n", "line 1", "cannot find the skill's title with its code"),
    ("Security SCTY\n\nDefined at these levels: 2 3\n\nSecurity: Level 2\n\nDoes.\n", "'Defined at these levels'", "level 3 is listed as defined but has no section"),
    ("Security SCTY\n\nDefined at these levels: 2 3\n\nSecurity: Level 2\n\nSecurity: Level 3\n\nDoes.\n", "line 5", "level 2 has no descriptors"),
])
def test_text_bad_input(text, where, what):
    error = bad(text, "page.txt")
    assert error.location == where
    assert what in error.message


def test_skill_code_option_for_a_title_without_code():
    doc = parse_text("just a title\n\nLevel 1 (A)\n- one\n", "page.txt", skill_code="JAT")
    assert (doc.skills[0].code, doc.skills[0].name) == ("JAT", "just a title")


def test_control_characters_are_refused_where_they_are():
    error = bad(GOOD.replace("Plans own work.", "Plans own\\u0000 work."))
    assert error.location == "line 16 (skills[0].levels[1].descriptors[0])"
    assert "control character U+0000" in error.message
    text_error = bad("Planning (PLN)\n\nLevel 1 (Basic)\n- Plans\x07 well.\n", "page.txt")
    assert "U+0007" in text_error.message


def test_a_skill_whose_subcategory_is_not_its_groups_name_is_refused_saying_where():
    """A skill placed by its group may repeat the group's names as category and
    subcategory; a subcategory naming another group is refused, not quietly dropped."""
    text = textwrap.dedent("""\
        framework: {code: CRAFT, name: Crafts, version: 1, publisher: Acme}
        levels:
          - {number: 1, name: Basic}
        groups:
          - {code: MAKE, name: Making things}
          - {code: MAKE.WOOD, name: Woodwork, parent: MAKE}
        skills:
          - code: JOIN
            name: Joinery
            group: MAKE.WOOD
            category: Making things
            subcategory: Woodwork
            levels:
              - {level: 1, descriptors: ["Joins two boards."]}
        """)
    doc = parse_text(text, "craft.yaml")
    assert (doc.skills[0].category, doc.skills[0].subcategory) == ("Making things", "Woodwork")
    error = bad(text.replace("subcategory: Woodwork", "subcategory: Metalwork"), "craft.yaml")
    assert str(error) == ("craft.yaml: line 12 (skills[0].subcategory): the subcategory 'Metalwork' is not the name of "
                          "the group the skill sits in ('Woodwork'); give the group only")


def test_a_group_made_from_a_category_gets_a_code_no_listed_group_has():
    """A skill placed by category only gets a group made from the name; a listed group
    already holding that code (in any case) keeps it, and the made one is numbered."""
    doc = parse_text(GOOD.replace("skills:\n", "groups:\n  - {code: DELIVERY, name: Shipping}\nskills:\n", 1), "acme.yaml")
    groups, codes = doc.tree()
    assert [(g.code, g.name) for g in groups] == [("DELIVERY", "Shipping"), ("Delivery-2", "Delivery")]
    assert codes == ["Delivery-2"]
