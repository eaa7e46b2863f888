"""How a skill is named in a report: its framework's code and its own ("SFIA SLMO"),
once where the two are the same ("SLM", not "SLM SLM")."""
from __future__ import annotations

import pandas as pd


def skill_label(framework: str | None, skill: str | None) -> str:
    """``framework`` before ``skill`` (a code, or a step such as "SLMO 3→4"), unless
    ``skill`` already starts with the framework's code."""
    framework, skill = (framework or "").strip(), (skill or "").strip()
    first = skill.split(" ", 1)[0]
    if not framework or first.upper() == framework.upper():
        return skill
    return f"{framework} {skill}" if skill else framework


def skill_labels(frameworks: pd.Series, skills: pd.Series) -> pd.Series:
    """:func:`skill_label` of each row."""
    same = frameworks.str.upper() == skills.str.upper()
    return (frameworks + " " + skills).where(~same, skills)
