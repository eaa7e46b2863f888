"""Both source documents land word for word on the right skill and level,
from the plain text and from the YAML in frameworks/, and nothing is invented.

The expectations are read off the seed files here, by a reading independent
of the importer: headings split the text into sections; every other line
(bullets stripped) is a sentence that must land in that section.
"""
from __future__ import annotations

import re

import pytest

from skills_app.importers import parse_file
from tests.conftest import ROOT, SEEDS

SLM_SEED = SEEDS / "000_8eb8375765e9014d.txt"
SFIA_SEED = SEEDS / "001_9f8ee5298ac564fd.txt"


def content_lines(path):
    text = path.read_text(encoding="utf-8")
    return [re.sub(r"^\s*•\s*", "", line).strip() for line in text.splitlines() if line.strip()]


def sections(path, heading):
    """{level number: [lines]} under each level heading."""
    out, current = {}, None
    for line in content_lines(path):
        m = heading.match(line)
        if m:
            current = int(m.group(1))
            out[current] = []
        elif current is not None:
            out[current].append(line)
    return out


def every_text(doc) -> list[str]:
    """Every piece of prose the document holds (not codes, names or numbers)."""
    texts = [doc.framework.description or ""]
    for skill in doc.skills:
        texts += [skill.description or "", skill.guidance_intro or "", *skill.guidance]
        for level in skill.levels:
            texts += [level.note or "", *level.descriptors]
    return [t for t in texts if t]


@pytest.fixture(params=["text", "yaml"])
def slm(request):
    return parse_file(SLM_SEED if request.param == "text" else ROOT / "frameworks" / "slm-scale.yaml")


@pytest.fixture(params=["text", "yaml"])
def sfia(request):
    return parse_file(SFIA_SEED if request.param == "text" else ROOT / "frameworks" / "sfia-8.yaml")


def test_in_house_scale_every_sentence_on_its_level(slm):
    expected = sections(SLM_SEED, re.compile(r"^Level (\d+) \((\w+)\)$"))
    assert sorted(expected) == [1, 2, 3, 4, 5]
    skill = slm.skills[0]
    assert (skill.code, skill.name) == ("SLM", "Service Level Management")
    assert [(lvl.number, lvl.name) for lvl in slm.levels] == [
        (1, "Follow"), (2, "Assist"), (3, "Apply"), (4, "Ensure"), (5, "Strategise")]
    for level in skill.levels:
        assert level.defined
        assert level.descriptors == expected[level.level], f"level {level.level}"
        assert len(level.descriptors) == 3
    lines = content_lines(SLM_SEED)
    assert skill.description == lines[1]


def test_in_house_scale_invents_nothing(slm):
    lines = set(content_lines(SLM_SEED))
    for text in every_text(slm):
        assert text in lines, f"not in the seed: {text!r}"
    structure = {"Service Level Management (SLM)", "Proficiency Level"} | {f"Level {l.number} ({l.name})" for l in slm.levels}
    landed = set(every_text(slm))
    assert lines - landed == structure


def test_sfia_every_sentence_on_its_level(sfia):
    expected = sections(SFIA_SEED, re.compile(r"^Service level management: Level (\d+)$"))
    skill = sfia.skills[0]
    assert (sfia.framework.code, sfia.framework.version) == ("SFIA", "8")
    assert (skill.code, skill.name) == ("SLMO", "Service level management")
    assert [lvl.number for lvl in sfia.levels] == [1, 2, 3, 4, 5, 6, 7]
    assert [lvl.name for lvl in sfia.levels] == [
        "Follow", "Assist", "Apply", "Enable", "Ensure/advise", "Initiate/influence", "Set strategy/inspire/mobilise"]
    by_level = {lvl.level: lvl for lvl in skill.levels}
    assert sorted(by_level) == sorted(expected) == [1, 2, 3, 4, 5, 6, 7]
    assert not by_level[1].defined and by_level[1].descriptors == []
    assert by_level[1].note == expected[1][0]
    assert [n for n, lvl in by_level.items() if lvl.defined] == [2, 3, 4, 5, 6, 7]
    for number in range(2, 8):
        assert by_level[number].descriptors == expected[number], f"level {number}"
    assert [len(by_level[n].descriptors) for n in range(2, 8)] == [1, 2, 3, 4, 4, 4]


def test_sfia_description_and_guidance_word_for_word(sfia):
    lines = content_lines(SFIA_SEED)
    skill = sfia.skills[0]
    start = lines.index("Guidance notes")
    end = next(i for i, line in enumerate(lines) if line.startswith("Defined at these levels"))
    assert skill.description == lines[2]
    assert skill.guidance_intro == lines[start + 1] == "Activities may include — but are not limited to:"
    assert skill.guidance == lines[start + 2:end]
    assert skill.guidance[0].startswith("planning, implementation, control, review and audit of")
    assert len(skill.guidance) == 6


def test_sfia_invents_nothing(sfia):
    lines = set(content_lines(SFIA_SEED))
    landed = set(every_text(sfia))
    for text in landed:
        assert text in lines, f"not in the seed: {text!r}"
    structure = {
        "Service level management SLMO", "Guidance notes", "Defined at these levels: 2 3 4 5 6 7",
        *(f"Service level management: Level {n}" for n in range(1, 8)),
    }
    assert lines - landed == structure


def test_text_import_gives_the_same_as_the_yaml():
    # frameworks/sfia-8.yaml adds SFIA 8's generic attributes of the levels of responsibility
    # (from the SFIA 8 download), which the SLMO page does not carry; all else is the page's.
    for seed, yaml_file in ((SFIA_SEED, "sfia-8.yaml"), (SLM_SEED, "slm-scale.yaml")):
        from_yaml = parse_file(ROOT / "frameworks" / yaml_file).to_native()
        if yaml_file == "sfia-8.yaml":
            assert [a["name"] for a in from_yaml.pop("attributes")] == ["Autonomy", "Influence", "Complexity",
                                                                        "Business skills", "Knowledge"]
        assert parse_file(seed).to_native() == from_yaml


def test_kept_copies_match_the_shared_seeds():
    from tests.conftest import SHARED_SEEDS

    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"{SHARED_SEEDS} is not beside this checkout; the copies in {SEEDS} are used")
    for original in sorted(SHARED_SEEDS.glob("*.txt")):
        assert (SEEDS / original.name).read_bytes() == original.read_bytes(), original.name
