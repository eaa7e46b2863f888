"""CASE packages as their publishers make them: every association, language,
educational level and time of change kept and written again; statements whole."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from skills_app.exporters import case as case_export
from skills_app.extensions import db
from skills_app.importers import FrameworkFileError, load_file, parse_text
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
OWN = DATA / "case-associations-layout.json"


def package(path) -> dict:
    data = json.loads(open(path, encoding="utf-8").read())
    return data.get("CFPackage", data)


def empty_database() -> None:
    db.session.remove()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def others(pkg: dict) -> list[dict]:
    return [a for a in pkg["CFAssociations"] if a["associationType"] not in {"isChildOf", "hasSkillLevel"}]


@pytest.mark.parametrize("path", [OWN, "real"], ids=["own layout", "real package"])
def test_every_association_is_kept_and_written_again(runner, tmp_path, path, real_file):
    path = real_file("case-ccss-ratios-sample.json") if path == "real" else path
    source = package(path)
    result = runner.run("frameworks", "import", str(path))
    assert result.exit_code == 0, result.output
    assert not re.search(r"not kept: \d+ associations?:", result.output), result.output
    code = json.loads(runner.run("frameworks", "list", "--json").output)[0]["code"]
    first = runner.run("frameworks", "export", code, "--format", "case").output
    exported = json.loads(first)
    # The same relations, from the same statements to the same nodes.
    statements = {i["identifier"]: i["humanCodingScheme"] for i in source["CFItems"]}
    written = {i["identifier"]: i["humanCodingScheme"] for i in exported["CFItems"]}

    def relations(pkg, codes):
        return Counter((a["associationType"], codes[a["originNodeURI"]["identifier"]],
                        codes.get(a["destinationNodeURI"]["identifier"], a["destinationNodeURI"]["uri"])) for a in others(pkg))

    assert relations(exported, written) == relations(source, statements)
    assert len(others(exported)) == len(others(source))
    # language and educationalLevel on every item that had them; the source's time of change, not the clock's.
    by_code = {i["humanCodingScheme"]: i for i in exported["CFItems"]}
    for item in source["CFItems"]:
        assert by_code[item["humanCodingScheme"]]["language"] == item["language"]
        assert by_code[item["humanCodingScheme"]]["educationalLevel"] == [item["educationalLevel"]]
    stamp = source["CFDocument"]["lastChangeDateTime"] + "Z"
    assert exported["CFDocument"]["lastChangeDateTime"] == stamp
    assert {i["lastChangeDateTime"] for i in exported["CFItems"] + exported["CFAssociations"]} == {stamp}
    # Imported again elsewhere, the export is byte for byte the same.
    again = tmp_path / "again.json"
    again.write_text(first, encoding="utf-8")
    empty_database()
    assert runner.run("frameworks", "import", str(again)).exit_code == 0
    assert runner.run("frameworks", "export", code, "--format", "case").output == first


def test_own_layout_counts_and_words():
    source = package(OWN)
    _, doc = load_file(OWN)
    items = source["CFItems"]
    groups, _ = doc.tree()
    lost_items = [e for e in doc.report.lost if e.kind == "item"]
    assert len(items) == len(doc.skills) + len(groups) + len(lost_items) == 13
    assert (len(doc.skills), len(groups)) == (9, 4)
    assert [(g.code, g.parent) for g in groups] == [
        ("KS.Knife.6.A", None), ("KS.Knife.6.A.3", "KS.Knife.6.A"), ("KS.Knife.7.A", None), ("KS.Knife.7.A.2", "KS.Knife.7.A")]
    assert len(doc.associations) == len(others(source)) == 10
    assert not [e for e in doc.report.lost if e.kind == "association"]
    # Word for word: a statement over 200 characters is the description, whole; its start the name.
    long = next(s for s in doc.skills if s.code == "KS.Knife.7.A.2a")
    whole = next(i["fullStatement"] for i in items if i["humanCodingScheme"] == "KS.Knife.7.A.2a")
    assert len(whole) > 200 and long.description == whole and whole.startswith(long.name[:-1])
    carry = next(s for s in doc.skills if s.code == "KS.Knife.6.A.1")
    assert carry.name.endswith('say "knife" when passing behind someone.')
    assert carry.guidance_intro.startswith("For example, a learner walking")
    assert (carry.language, carry.educational_level) == ("en", ["06"])
    exemplar = next(a for a in doc.associations if a.type == "exemplar")
    assert exemplar.destination.uri == "http://standards.example.org/uri/https://videos.example.net/kitchen/claw-grip/204"
    inside = [a for a in doc.associations if a.type == "precedes" and a.destination.uri is None]
    assert [(a.origin.skill or a.origin.group, a.destination.skill) for a in inside] == [
        ("KS.Knife.6.A.1", "KS.Knife.6.A.2"), ("KS.Knife.6.A.3", "KS.Knife.7.A.3")]
    assert doc.framework.changed.isoformat() == "2019-03-14T09:26:53+00:00"
    # Nothing else unaccounted for: what is not kept is listEnumeration, the item types' definitions and bookkeeping.
    assert {e.kind for e in doc.report.lost} == {"field", "definition", "identifier"}
    assert {e.what for e in doc.report.lost if e.kind == "field"} == {"CFItem listEnumeration"}


def test_the_package_round_trips_through_our_export():
    _, doc = load_file(OWN)
    first = case_export.export(doc)
    again = parse_text(first, "again.json", "case")
    assert again == doc
    assert case_export.export(again) == first


def test_associations_in_the_native_file(tmp_path):
    _, doc = load_file(OWN)
    native = doc.to_native()
    assert native["associations"][0] == {"type": "exactMatchOf", "origin": {"group": "KS.Knife.6.A"}, "destination": {
        "uri": "http://standards.example.org/uri/" + native["associations"][0]["destination"]["identifier"],
        "identifier": native["associations"][0]["destination"]["identifier"], "title": "Destination"}}
    assert native["skills"][0]["language"] == "en" and native["skills"][0]["educational_level"] == ["06"]
    assert native["framework"]["changed"] == "2019-03-14T09:26:53Z"
    text = json.dumps(native)
    assert parse_text(text, "native.json", "json") == doc
    bad = json.loads(text)
    bad["associations"][1]["origin"] = {"skill": "NOPE"}
    with pytest.raises(FrameworkFileError, match=r"associations\[1\]\.origin\.skill\): no skill has the code 'NOPE'"):
        parse_text(json.dumps(bad, indent=1), "native.json", "json")
    bad["associations"][1]["origin"] = {"skill": "KS.Knife.6.A.1", "group": "KS.Knife.6.A"}
    with pytest.raises(FrameworkFileError, match=r"associations\[1\]\.origin\): give one of skill, group"):
        parse_text(json.dumps(bad, indent=1), "native.json", "json")
