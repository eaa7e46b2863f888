"""How a skill is named in a report: its framework's code and its own ("SFIA SLMO"),
once where the two are the same ("SLM", not "SLM SLM"); and its framework's version
where two versions of that framework are live ("SLM (v2)")."""
from __future__ import annotations

from skills_app.lazy import pandas as pd


def skill_label(framework: str | None, skill: str | None) -> str:
    """``framework`` before ``skill`` (a code, or a step such as "SLMO 3→4"), unless
    ``skill`` already starts with the framework's code."""
    framework, skill = (framework or "").strip(), (skill or "").strip()
    first = skill.split(" ", 1)[0]
    if not framework or first.upper() == framework.upper():
        return skill
    return f"{framework} {skill}" if skill else framework


def with_version(label: str, version: str | None) -> str:
    """``label`` naming its framework's version: "SLM (v2)"."""
    return f"{label} (v{version})" if version not in (None, "") else label


def skill_labels(frameworks: pd.Series, skills: pd.Series, versions: pd.Series | None = None,
                 versioned=frozenset()) -> pd.Series:
    """:func:`skill_label` of each row; with ``versions``, the version is named
    where the framework's code is in ``versioned`` (two versions live) or where
    the rows hold two versions of it."""
    same = frameworks.str.upper() == skills.str.upper()
    labels = (frameworks + " " + skills).where(~same, skills)
    if versions is None or not len(frameworks):
        return labels
    versions = versions.astype(str)
    several = versions.groupby(frameworks.str.upper()).transform("nunique") > 1
    named = several | frameworks.str.upper().isin({c.upper() for c in versioned})
    return labels.where(~named, labels + " (v" + versions + ")")
