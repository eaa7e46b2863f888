"""Writes sfia-8-download-layout.xlsx: the layout of the SFIA Foundation's SFIA 8
download (see LAYOUTS.md), with this project's own text.

Quirks kept: sheet "Skills" whose header is '#', 'Levels' merged over seven
columns (B1:H1, the six after it unnamed), then Code, Skill, Category,
Subcategory, Overall description, Guidance notes, Level 1-7 description; each
flag cell holds the number of the level where the skill is defined, as text;
line breaks stored as the Office escape '_x000D_' before a line feed; guidance
notes as lines without bullets after a line ending with ':'; trailing spaces at
line ends. Sheet "Levels of responsibility": an empty corner cell, one column
per generic attribute, one row per level headed '1 - ' (a number, a dash and
no name).

Run: python tests/data/make_sfia8_layout.py
"""
from pathlib import Path

from openpyxl import Workbook

CR = "_x000D_\n"  # as the publisher's workbook stores a line break

SKILLS = [
    # code, name, category, subcategory, description, guidance, {level: text}
    ("PLAN", "Forward planning", "Direction and design", "Planning",
     "Setting out where a team is going and keeping its plans in line with what it is for.",
     f"Work here may include:{CR}drawing up yearly plans {CR}checking plans against results{CR}telling people what the plan asks of them.",
     {5: f"Gathers figures and writes summaries for the planning round.{CR}Makes sure everyone knows the planning calendar. Helps teams keep to it.",
      6: f"Sets the rules for how plans are made.{CR}Leads the writing of the plan. ",
      7: "Decides how the whole organisation plans. Answers for the plan to the board."}),
    ("COOR", "Joined-up information", "Direction and design", "Planning",
     f"Keeping the information plans of many departments pointed the same way.{CR}",
     "This skill belongs in large organisations with many departments.",
     {6: "Keeps in view what the whole organisation needs from its information.",
      7: f"Sets how information is looked after across the organisation.{CR}Answers for it."}),
    ("HELP", "First-line help", "Running services", "Support",
     "Answering people who need help with their tools, and writing down what was done.",
     f"Work here may include:{CR}taking calls{CR}logging requests",
     {1: "Answers simple questions using a script.",
      2: f"Answers questions and logs each one. {CR}Passes on what cannot be solved.",
      3: "Solves most requests alone. Spots repeating problems.",
      4: "Runs a help rota. Checks the quality of answers.",
      5: "Owns the help service for a site. Reports on it to managers."}),
    ("TEST", "Checking work", "Building things", "Quality",
     "Making sure that what is built does what was asked, e.g. by trying it out.",
     "",
     {2: "Runs prepared checks and writes down the results.",
      3: f"Writes checks from a list of needs.{CR}Repeats them after each change.",
      4: "Plans the checks for a piece of work. Reports what was found, i.e. what failed and why."}),
]

ATTRIBUTES = ["Independence", "Reach", "Difficulty", "Working skills", "Understanding"]


def build(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Skills"
    sheet.append(["#", "Levels", None, None, None, None, None, None, "Code", "Skill", "Category", "Subcategory",
                  "Overall description", "Guidance notes", *[f"Level {n} description" for n in range(1, 8)]])
    sheet.merge_cells("B1:H1")
    for number, (code, name, category, subcategory, description, guidance, levels) in enumerate(SKILLS, start=1):
        flags = [str(n) if n in levels else None for n in range(1, 8)]
        texts = [levels.get(n) for n in range(1, 8)]
        sheet.append([str(number), *flags, code, name, category, subcategory, description, guidance or None, *texts])
    lor = book.create_sheet("Levels of responsibility")
    lor.append([None, *ATTRIBUTES])
    for level in range(1, 8):
        lor.append([f"{level} - ", *[f"{attribute} at level {level}: what it looks like.{CR}A second line for level {level}."
                                     for attribute in ATTRIBUTES]])
    book.save(path)


if __name__ == "__main__":
    build(Path(__file__).with_name("sfia-8-download-layout.xlsx"))
