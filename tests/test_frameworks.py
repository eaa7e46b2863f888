"""Framework import into the database, the command line, export round trip,
and the framework pages."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import Descriptor, Framework, FrameworkLevel, Skill, SkillLevel
from tests.conftest import ROOT, SEEDS

SFIA_YAML = ROOT / "frameworks" / "sfia-8.yaml"
SLM_YAML = ROOT / "frameworks" / "slm-scale.yaml"
SFIA_TEXT = SEEDS / "001_9f8ee5298ac564fd.txt"
SLM_TEXT = SEEDS / "000_8eb8375765e9014d.txt"


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Framework, FrameworkLevel, Skill, SkillLevel, Descriptor))



def test_import_both_frameworks_and_list_json(runner):
    result = runner.run("frameworks", "import", str(SFIA_YAML), str(SLM_YAML))
    assert result.exit_code == 0, result.output
    assert "created SFIA 8 with 1 skill" in result.output
    listed = json.loads(runner.run("frameworks", "list", "--json").output)
    assert listed == [
        {"code": "SFIA", "name": "Skills Framework for the Information Age", "version": "8", "publisher": "SFIA Foundation", "status": "published", "skills": 1},
        {"code": "SLM", "name": "Service Level Management proficiency scale", "version": "1", "publisher": "In-house", "status": "published", "skills": 1},
    ]
    assert counts() == (2, 12, 2, 12, 5 * 3 + 18)


def test_seed_text_files_import_directly_and_equal_the_yaml(runner):
    assert runner.run("frameworks", "import", str(SFIA_TEXT), str(SLM_TEXT)).exit_code == 0
    from_text = [runner.run("frameworks", "export", code).output for code in ("SFIA", "SLM")]
    db.session.remove()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    assert runner.run("frameworks", "import", str(SFIA_YAML), str(SLM_YAML)).exit_code == 0
    from_yaml = [runner.run("frameworks", "export", code).output for code in ("SFIA", "SLM")]
    # The YAML adds SFIA 8's generic attributes (from the SFIA 8 download), which the SLMO page does not carry.
    import yaml

    def without_attributes(text):
        doc = yaml.safe_load(text)
        doc.pop("attributes", None)
        return doc

    assert "attributes" in yaml.safe_load(from_yaml[0])
    assert [without_attributes(t) for t in from_text] == [without_attributes(t) for t in from_yaml]


def test_reimport_identical_is_a_no_op_that_says_so(runner):
    runner.run("frameworks", "import", str(SFIA_YAML))
    before = counts()
    result = runner.run("frameworks", "import", str(SFIA_YAML), str(SFIA_TEXT))
    assert result.exit_code == 0
    assert "SFIA 8 is already loaded and identical: nothing to do" in result.output
    assert "SFIA 8 already has SLMO, identical: nothing to do" in result.output
    assert counts() == before


def test_changed_file_under_existing_version_refused_unless_replace(runner, tmp_path):
    runner.run("frameworks", "import", str(SFIA_YAML))
    changed = tmp_path / "sfia.yaml"
    changed.write_text(SFIA_YAML.read_text().replace("Monitors service delivery performance metrics.", "Watches the dashboards."))
    result = runner.run("frameworks", "import", str(changed))
    assert result.exit_code != 0
    assert "SFIA 8 is already loaded with different content; use --replace" in result.output
    descriptor_ids = db.session.scalars(select(Descriptor.id).order_by(Descriptor.id)).all()

    result = runner.run("frameworks", "import", "--replace", str(changed))
    assert result.exit_code == 0, result.output
    assert "replaced SFIA 8" in result.output
    texts = db.session.scalars(select(Descriptor.text)).all()
    assert "Watches the dashboards." in texts and "Monitors service delivery performance metrics." not in texts
    # Descriptors keep their identity, so evidence attached to them survives a rewording.
    assert db.session.scalars(select(Descriptor.id).order_by(Descriptor.id)).all() == descriptor_ids


def test_replace_adds_and_removes_skills_levels_and_descriptors(runner, tmp_path):
    runner.run("frameworks", "import", str(SLM_YAML))
    from skills_app.importers import parse_file

    data = parse_file(SLM_YAML).to_native()
    data["skills"][0]["levels"][4]["descriptors"] = data["skills"][0]["levels"][4]["descriptors"][:1]
    data["skills"][0]["levels"] = data["skills"][0]["levels"][1:]
    data["skills"].append({"code": "NEW", "name": "New skill", "levels": [{"level": 2, "defined": True, "descriptors": ["Does new things."]}]})
    path = tmp_path / "slm.json"
    path.write_text(json.dumps(data))
    assert runner.run("frameworks", "import", "--replace", str(path)).exit_code == 0
    exported = json.loads(runner.run("frameworks", "export", "SLM", "--format", "json").output)
    assert exported == data
    assert counts() == (1, 5, 2, 5, 3 * 3 + 1 + 1)


def test_a_broken_file_writes_nothing_and_says_where(runner, tmp_path):
    runner.run("frameworks", "import", str(SLM_YAML))
    before = counts()
    broken = tmp_path / "broken.yaml"
    broken.write_text(SFIA_YAML.read_text().replace("  - level: 3\n", "  - level: 9\n", 1))
    # A good file first and the broken one second: neither is written.
    result = runner.run("frameworks", "import", str(SFIA_TEXT), str(broken))
    assert result.exit_code != 0
    assert f"{broken}: line " in result.output
    assert "level 9 is not one of the framework's levels (1, 2, 3, 4, 5, 6, 7)" in result.output
    assert "Nothing was imported." in result.output
    assert counts() == before


def test_a_conflict_in_the_second_file_rolls_back_the_first(runner, tmp_path):
    runner.run("frameworks", "import", str(SLM_YAML))
    before = counts()
    changed = tmp_path / "slm.yaml"
    changed.write_text(SLM_YAML.read_text().replace("Knows how to find", "Can find"))
    result = runner.run("frameworks", "import", str(SFIA_YAML), str(changed))
    assert result.exit_code != 0
    assert counts() == before
    assert db.session.scalar(select(func.count()).select_from(Framework).where(Framework.code == "SFIA")) == 0


def test_versions_live_side_by_side(runner, tmp_path):
    runner.run("frameworks", "import", str(SFIA_YAML))
    v9 = tmp_path / "sfia9.yaml"
    v9.write_text(SFIA_YAML.read_text().replace("version: '8'", "version: '9'").replace("Monitors and logs", "Tracks and logs"))
    assert runner.run("frameworks", "import", str(v9)).exit_code == 0
    assert [(r["code"], r["version"]) for r in json.loads(runner.run("frameworks", "list", "--json").output)] == [("SFIA", "8"), ("SFIA", "9")]
    assert "Tracks and logs" in runner.run("frameworks", "export", "SFIA").output  # newest by default
    assert "Monitors and logs" in runner.run("frameworks", "export", "SFIA", "--version", "8").output


def test_a_skill_page_merges_into_an_existing_version(runner, tmp_path):
    runner.run("frameworks", "import", str(SFIA_YAML))
    page = tmp_path / "scty.txt"
    page.write_text("Information security SCTY\n\nKeeping information safe.\n\nInformation security: Level 3\n\nApplies controls.\n")
    result = runner.run("frameworks", "import", str(page))
    assert result.exit_code == 0, result.output
    assert "SFIA 8: added SCTY" in result.output
    framework = db.session.scalar(select(Framework).where(Framework.code == "SFIA"))
    assert [s.code for s in framework.skills] == ["SLMO", "SCTY"]
    changed = tmp_path / "scty2.txt"
    changed.write_text(page.read_text().replace("Applies controls.", "Operates controls."))
    assert "use --replace" in runner.run("frameworks", "import", str(changed)).output
    assert runner.run("frameworks", "import", "--replace", str(changed)).exit_code == 0


def test_export_round_trip_is_identical(runner, tmp_path):
    runner.run("frameworks", "import", str(SFIA_YAML), str(SLM_YAML))
    for fmt in ("yaml", "json"):
        first = {code: runner.run("frameworks", "export", code, "--format", fmt).output for code in ("SFIA", "SLM")}
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        paths = []
        for code, text in first.items():
            path = tmp_path / f"{code}.{fmt}"
            path.write_text(text)
            paths.append(str(path))
        assert runner.run("frameworks", "import", *paths).exit_code == 0
        again = {code: runner.run("frameworks", "export", code, "--format", fmt).output for code in ("SFIA", "SLM")}
        assert again == first


def test_export_unknown_framework(runner):
    result = runner.run("frameworks", "export", "NOPE")
    assert result.exit_code != 0
    assert "no framework NOPE" in result.output


def test_import_records_an_audit_event(runner):
    from skills_app.models import AuditEvent

    runner.run("frameworks", "import", str(SFIA_YAML))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "framework.imported"))
    assert event.actor_label == "system (command line)"
    assert event.summary == "imported SFIA 8"


# -- pages ----------------------------------------------------------------------

@pytest.fixture
def reader(make_person, auth, load_seed_frameworks):
    load_seed_frameworks()
    person = make_person("Reader")
    auth.login(person)
    return person


def test_frameworks_page_lists_versions(client, reader):
    page = client.get("/frameworks").get_data(as_text=True)
    assert "Skills Framework for the Information Age" in page
    assert "Service Level Management proficiency scale" in page


def test_framework_page_shows_levels_skills_and_descriptors(client, reader):
    page = client.get("/frameworks/SFIA").get_data(as_text=True)
    for name in ("Follow", "Enable", "Set strategy/inspire/mobilise"):
        assert name in page
    assert "Not defined at this level." in page
    assert "This skill is not typically observed or practiced" in page
    assert "Activities may include — but are not limited to:" in page
    assert "Negotiates with relevant parties in respect of disruptions" in page
    skill_page = client.get("/frameworks/sfia/skills/slmo?version=8").get_data(as_text=True)
    assert "Defined at levels: 2, 3, 4, 5, 6, 7" in skill_page


def test_framework_pages_unknown(client, reader):
    assert client.get("/frameworks/NOPE").status_code == 404
    assert client.get("/frameworks/SFIA?version=99").status_code == 404
    assert client.get("/frameworks/SFIA/skills/NOPE").status_code == 404


def test_framework_pages_need_sign_in(client):
    response = client.get("/frameworks/SFIA")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_framework_text_is_escaped(client, make_person, auth, tmp_path, runner):
    page = tmp_path / "xss.txt"
    page.write_text("Evil skill EVIL\n\n<script>alert(1)</script>\n\nLevel 1 (One)\n- <img src=x onerror=alert(2)>\n")
    assert runner.run("frameworks", "import", str(page)).exit_code == 0
    auth.login(make_person())
    html = client.get("/frameworks/EVIL").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
