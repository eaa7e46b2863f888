"""The framework editor (drafts, validation, publish, immutability) and the
crosswalk editor, through the services and through the pages."""
from __future__ import annotations

import re

import pytest
import yaml
from sqlalchemy import func, select

from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.models import AuditEvent, Crosswalk, Framework
from skills_app.policy import SYSTEM
from skills_app.services import assessments, crosswalks
from skills_app.services import framework_editor as editor
from skills_app.services import frameworks as framework_service
from tests.pages import confirm, field_error


@pytest.fixture
def hr(make_person):
    return make_person("Hana HR", roles=("employee", "hr"))


def draft(**extra) -> Framework:
    framework = editor.create(SYSTEM, code="DATA", name="Data skills", version="1", publisher="In-house",
                              level_names=["Aware", "Practitioner", "Expert"], **extra)
    db.session.commit()
    return framework


def _audit(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# -- services ----------------------------------------------------------------------

def test_a_draft_is_checked_with_the_importers_rules_and_published_when_valid(app):
    framework = draft()
    assert framework.status == "draft" and [(lvl.number, lvl.name) for lvl in framework.levels] == [(1, "Aware"), (2, "Practitioner"), (3, "Expert")]
    skill = editor.add_skill(SYSTEM, framework, code="DMOD", name="Data modelling")
    editor.save_skill_level(SYSTEM, skill, 2, defined=True, note=None)
    problems = editor.problems(framework)
    assert [(p.where, p.message, p.skill_code, p.anchor) for p in problems] == [
        ("skills[0].levels[0].descriptors", "level 2 of skill DMOD is defined but has no descriptors", "DMOD", "level-2-descriptors")]
    with pytest.raises(InvalidInput, match="cannot be published yet: 1 problem to fix, the first at skills\\[0\\].levels\\[0\\].descriptors"):
        editor.publish(SYSTEM, framework)

    editor.add_descriptor(SYSTEM, skill, 2, "Builds logical data models.")
    editor.add_descriptor(SYSTEM, skill, 2, "Reviews models with the data owners.")
    editor.add_descriptor(SYSTEM, skill, 2, "Documents entities.")
    editor.move_descriptor(SYSTEM, skill, 2, 3, "up")
    editor.edit_descriptor(SYSTEM, skill, 2, 1, "Builds logical and physical data models.")
    editor.remove_descriptor(SYSTEM, skill, 2, 3)
    assert [d.text for d in skill.level(2).descriptors] == ["Builds logical and physical data models.", "Documents entities."]
    assert [d.position for d in skill.level(2).descriptors] == [0, 1]
    assert editor.problems(framework) == []
    editor.publish(SYSTEM, framework)
    db.session.commit()
    assert framework.status == "published"
    # What was built is a framework file that the importers accept, word for word.
    exported = framework_service.export(SYSTEM, "DATA", "1")
    assert exported["skills"][0]["levels"] == [{"level": 2, "defined": True, "descriptors": [
        "Builds logical and physical data models.", "Documents entities."]}]
    assert _audit("framework.edited") >= 8 and _audit("framework.published") == 1


def test_field_rules_are_the_framework_files(app):
    framework = draft()
    with pytest.raises(InvalidInput) as bad:
        editor.add_skill(SYSTEM, framework, code="has space", name=" ")
    assert bad.value.details["fields"] == {
        "new-skill-code": "a code is letters, digits, '.', '_' or '-', starting with a letter or digit",
        "new-skill-name": "must not be empty"}
    skill = editor.add_skill(SYSTEM, framework, code="DMOD", name="Data modelling")
    with pytest.raises(Conflict, match="already has a skill DMOD"):
        editor.add_skill(SYSTEM, framework, code="dmod", name="Again")
    with pytest.raises(InvalidInput) as empty:
        editor.add_descriptor(SYSTEM, skill, 1, "   ")
    assert "level-1-new" in empty.value.details["fields"]
    editor.add_descriptor(SYSTEM, skill, 1, "Knows what a data model is.")
    with pytest.raises(InvalidInput, match="remove it before marking the level not defined"):
        editor.save_skill_level(SYSTEM, skill, 1, defined=False, note="Not at level 1")
    with pytest.raises(Conflict, match="already has a level 2"):
        editor.save_level(SYSTEM, framework, number=2, name="Again", description=None, new=True)
    with pytest.raises(Conflict, match="there is already a framework DATA"):
        editor.create(SYSTEM, code="DATA", name="x", version="9", level_names=["One"])
    with pytest.raises(InvalidInput, match="give the framework's levels"):
        editor.create(SYSTEM, code="NEW", name="x", version="1", level_names=["", "  "])


def test_a_published_version_is_immutable(app, load_seed_frameworks):
    sfia = load_seed_frameworks()["SFIA"]
    slmo = sfia.skills[0]
    attempts = [
        lambda: editor.update_info(SYSTEM, sfia, name="x", version="8", publisher=None, description=None),
        lambda: editor.save_level(SYSTEM, sfia, number=1, name="x", description=None),
        lambda: editor.remove_level(SYSTEM, sfia, 1),
        lambda: editor.add_skill(SYSTEM, sfia, code="NEW", name="New"),
        lambda: editor.update_skill(SYSTEM, slmo, code="SLMO", name="x"),
        lambda: editor.move_skill(SYSTEM, slmo, "down"),
        lambda: editor.remove_skill(SYSTEM, slmo),
        lambda: editor.save_skill_level(SYSTEM, slmo, 3, defined=True, note=None),
        lambda: editor.add_descriptor(SYSTEM, slmo, 3, "More."),
        lambda: editor.edit_descriptor(SYSTEM, slmo, 3, 1, "Reworded."),
        lambda: editor.move_descriptor(SYSTEM, slmo, 3, 1, "down"),
        lambda: editor.remove_descriptor(SYSTEM, slmo, 3, 1),
        lambda: editor.publish(SYSTEM, sfia),
    ]
    before = framework_service.export(SYSTEM, "SFIA")
    for attempt in attempts:
        with pytest.raises(InvalidState, match="SFIA 8 is published, and a published version cannot be changed"):
            attempt()
    assert framework_service.export(SYSTEM, "SFIA") == before
    editor.retire(SYSTEM, sfia)
    assert sfia.status == "retired"
    with pytest.raises(InvalidState, match="only a published version can be retired"):
        editor.retire(SYSTEM, sfia)


def test_a_new_version_is_a_draft_copy_that_diffs_against_its_source(app, load_seed_frameworks, make_person):
    sfia = load_seed_frameworks()["SFIA"]
    nine = editor.new_version(SYSTEM, sfia, "9")
    db.session.commit()
    assert nine.status == "draft" and nine.validity_months == sfia.validity_months
    assert framework_service.to_doc(nine).skills == framework_service.to_doc(sfia).skills
    with pytest.raises(Conflict, match="already has a version 9"):
        editor.new_version(SYSTEM, sfia, "9")
    slmo = editor.get_skill(nine, "SLMO")
    editor.edit_descriptor(SYSTEM, slmo, 4, 1, "Ensures that service levels are agreed and met.")
    db.session.commit()
    from skills_app.services import level_migration

    d = level_migration.diff_versions(SYSTEM, "SFIA", "8", "9")
    assert [lc.level for lc in d.matched[0].levels_changed] == [4]
    # A draft is not assessed against, so it can still change.
    person = make_person("Eve Employee")
    with pytest.raises(InvalidState, match="SFIA 9 is draft: only a published framework version can be assessed against"):
        assessments.start(person, slmo, 4)
    assert all("SFIA 9" not in label for _, label in assessments.skill_choices(person))


# -- pages -------------------------------------------------------------------------

def _error_at(body: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error"><span class="visually-hidden">Error: </span>([^<]*)</p>', body)
    assert match, f"no error shown at {field_id}"
    return match.group(1)


def test_hr_drafts_edits_and_publishes_a_framework_in_the_browser(client, auth, hr):
    auth.login(hr)
    form = client.get("/frameworks/new").get_data(as_text=True)
    for field in ("code", "name", "version", "publisher", "description", "levels"):
        assert f'<label for="{field}">' in form
    bad = client.post("/frameworks/new", data={"code": "bad code", "name": "Data", "version": "1", "levels": "One\nTwo"})
    assert bad.status_code == 400
    assert _error_at(bad.get_data(as_text=True), "code").startswith("A code is letters, digits")
    assert db.session.scalar(select(func.count()).select_from(Framework)) == 0

    created = client.post("/frameworks/new", data={"code": "DATA", "name": "Data skills", "version": "1", "levels": "Aware\nPractitioner"})
    assert created.status_code == 302 and created.location.endswith("/frameworks/DATA/edit?version=1")
    added = client.post("/frameworks/DATA/edit?version=1", data={"action": "add_skill", "code": "DMOD", "name": "Data modelling"})
    assert added.location.endswith("/frameworks/DATA/edit/skills/DMOD?version=1")
    skill_url = "/frameworks/DATA/edit/skills/DMOD?version=1"
    page = client.get(skill_url).get_data(as_text=True)
    for field in ("skill-code", "skill-name", "skill-category", "skill-guidance", "level-1-defined", "level-1-note", "level-2-new"):
        assert f'<label for="{field}">' in page

    saved = client.post(skill_url, data={"action": "skill", "code": "DMOD", "name": "Data modelling", "category": "Data",
                                         "guidance": "Covers conceptual models.\n\nCovers logical models.\n"})
    assert saved.status_code == 302
    client.post(skill_url, data={"action": "level", "level": "1", "note": "Not at level 1."})
    assert client.post(skill_url, data={"action": "add_descriptor", "level": "2", "text": "Designs data models."}).status_code == 302
    client.post(skill_url, data={"action": "add_descriptor", "level": "2", "text": "Reviews models."})
    client.post(skill_url, data={"action": "descriptor_up", "level": "2", "position": "2"})
    empty = client.post(skill_url, data={"action": "save_descriptor", "level": "2", "position": "1", "text": " "})
    assert empty.status_code == 400
    assert _error_at(empty.get_data(as_text=True), "level-2-d-1") == "A descriptor must not be empty (remove it instead)"

    doc = framework_service.export(SYSTEM, "DATA", "1")
    assert doc["skills"] == [{"code": "DMOD", "name": "Data modelling", "category": "Data",
                              "guidance": ["Covers conceptual models.", "Covers logical models."],
                              "levels": [{"level": 1, "defined": False, "note": "Not at level 1."},
                                         {"level": 2, "defined": True, "descriptors": ["Reviews models.", "Designs data models."]}]}]

    asked = client.post("/frameworks/DATA/edit?version=1", data={"action": "publish"})
    assert asked.status_code == 200 and "Publish DATA 1?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert framework_service.find("DATA", "1").status == "draft"  # not without its confirmation
    published = confirm(client, asked)
    assert published.status_code == 302
    db.session.expire_all()
    assert framework_service.find("DATA", "1").status == "published"
    refused = client.post(skill_url, data={"action": "add_descriptor", "level": "2", "text": "One more."})
    assert refused.status_code == 409
    assert "DATA 1 is published, and a published version cannot be changed" in refused.get_data(as_text=True)
    assert framework_service.export(SYSTEM, "DATA", "1") == {**doc, "framework": {**doc["framework"], "status": "published"}}


def test_the_editor_shows_every_problem_at_its_field(client, auth, hr):
    framework = draft()
    skill = editor.add_skill(SYSTEM, framework, code="DMOD", name="Data modelling")
    editor.save_skill_level(SYSTEM, skill, 1, defined=True, note=None)
    editor.save_skill_level(SYSTEM, skill, 3, defined=True, note=None)
    db.session.commit()
    auth.login(hr)
    page = client.get("/frameworks/DATA/edit?version=1").get_data(as_text=True)
    assert "2 problems to fix before DATA 1 can be published" in page
    assert 'href="/frameworks/DATA/edit/skills/DMOD?version=1#level-3-descriptors"' in page
    assert re.search(r'<button type="submit" class="primary"\s+disabled>Publish DATA 1</button>', page)
    skill_page = client.get("/frameworks/DATA/edit/skills/DMOD?version=1").get_data(as_text=True)
    assert skill_page.count("is defined but has no descriptors") >= 2
    refused = client.post("/frameworks/DATA/edit?version=1", data={"action": "publish"})
    assert refused.status_code == 400 and "cannot be published yet: 2 problems" in refused.get_data(as_text=True)


def test_new_version_from_the_framework_page(client, auth, hr, load_seed_frameworks):
    load_seed_frameworks()
    auth.login(hr)
    page = client.get("/frameworks/SFIA").get_data(as_text=True)
    assert '<label for="new_version">New version label</label>' in page
    unlabelled = client.post("/frameworks/SFIA/new-version?version=8", data={"new_version": ""})
    assert unlabelled.status_code == 400 and "Give the new version a label." in field_error(unlabelled, "new_version")
    taken = client.post("/frameworks/SFIA/new-version?version=8", data={"new_version": "8"})
    assert taken.status_code == 409 and "SFIA already has a version 8" in field_error(taken, "new_version")
    assert 'value="8"' in taken.get_data(as_text=True)
    assert framework_service.find("SFIA", "9") is None
    made = client.post("/frameworks/SFIA/new-version?version=8", data={"new_version": "9"})
    assert made.location.endswith("/frameworks/SFIA/edit?version=9")
    assert framework_service.find("SFIA", "9").status == "draft"


# -- crosswalks --------------------------------------------------------------------

def test_crosswalks_are_created_and_edited_with_the_file_imports_rules(app, load_seed_frameworks):
    fw = load_seed_frameworks()
    slm, sfia = fw["SLM"], fw["SFIA"]
    with pytest.raises(InvalidInput, match="not onto itself"):
        crosswalks.create(SYSTEM, name="x", description=None, source=slm, target=slm)
    with pytest.raises(InvalidInput) as unnamed:
        crosswalks.create(SYSTEM, name=" ", description=None, source=slm, target=sfia)
    assert "name" in unnamed.value.details["fields"]
    crosswalk = crosswalks.create(SYSTEM, name="SLM onto SFIA", description=None, source=slm, target=sfia)
    with pytest.raises(Conflict):
        crosswalks.create(SYSTEM, name="again", description=None, source=slm, target=sfia)
    with pytest.raises(InvalidInput, match="a higher level cannot map to a lower one") as down:
        crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO", levels={"2": "4", "3": "3"})
    assert "level-3" in down.value.details["fields"]
    with pytest.raises(InvalidInput, match="SFIA 8 has no skill NOPE"):
        crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="NOPE", levels={"1": "1"})
    with pytest.raises(InvalidInput, match="map at least one level"):
        crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO", levels={"1": ""})
    assert crosswalks.set_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO",
                                    levels={"1": "", "2": "2", "3": "3", "4": "5", "5": "6"}) == 4
    db.session.commit()
    exported = crosswalks.export(crosswalk)
    assert exported["skills"] == [{"from": "SLM", "to": "SLMO", "levels": {2: 2, 3: 3, 4: 5, 5: 6}}]
    # The file it exports imports back as the same crosswalk.
    again, message = crosswalks.import_doc(SYSTEM, crosswalks.parse(yaml.safe_load(yaml.safe_dump(exported)), "x.yaml"), "x.yaml")
    assert again.id == crosswalk.id and "identical: nothing to do" in message
    crosswalks.remove_skill_map(SYSTEM, crosswalk, from_code="SLM", to_code="SLMO")
    assert crosswalk.levels == []
    assert _audit("crosswalk.created") == 1 and _audit("crosswalk.edited") == 2


def test_crosswalk_pages(client, auth, hr, load_seed_frameworks):
    fw = load_seed_frameworks()
    auth.login(hr)
    new = client.get("/crosswalks/new").get_data(as_text=True)
    assert '<label for="from">' in new and '<label for="to">' in new
    same = client.post("/crosswalks/new", data={"name": "x", "from": fw["SLM"].id, "to": fw["SLM"].id})
    assert same.status_code == 400 and _error_at(same.get_data(as_text=True), "to")
    made = client.post("/crosswalks/new", data={"name": "SLM onto SFIA", "from": fw["SLM"].id, "to": fw["SFIA"].id})
    assert made.status_code == 302
    crosswalk = db.session.scalar(select(Crosswalk))
    url = f"/crosswalks/{crosswalk.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert '<label for="new-level-3">SLM level 3 (Apply) counts as</label>' in page
    wrong = client.post(url, data={"action": "map", "new": "1", "from": "SLM", "to": "SLMO", "level-2": "5", "level-3": "3"})
    assert wrong.status_code == 400
    assert _error_at(wrong.get_data(as_text=True), "level-3") == "A higher level cannot map to a lower one"
    assert client.post(url, data={"action": "map", "new": "1", "from": "SLM", "to": "SLMO", "level-2": "2", "level-3": "3"}).status_code == 302
    db.session.expire_all()
    assert sorted((lvl.from_level, lvl.to_level) for lvl in crosswalk.levels) == [(2, 2), (3, 3)]
    listing = client.get("/crosswalks").get_data(as_text=True)
    assert f'href="/crosswalks/{crosswalk.id}/edit"' in listing
    assert client.post(f"/crosswalks/{crosswalk.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Crosswalk)) == 0


def test_a_draft_version_is_seen_only_by_those_who_edit_drafts(client, auth, load_seed_frameworks, make_person):
    """Issue 15: drafts were listed to staff, and led to "Not a valid choice."."""
    sfia = load_seed_frameworks()["SFIA"]
    nine = editor.new_version(SYSTEM, sfia, "9")
    staff, hr = make_person("Stan Staff"), make_person("Hilda HR", roles=("employee", "hr"))
    db.session.commit()
    draft_skill = editor.get_skill(nine, "SLMO")
    assert [f.version for f in framework_service.list_all(staff) if f.code == "SFIA"] == ["8"]
    assert framework_service.get(staff, "SFIA").version == "8"  # the newest they may see
    assert {f.version for f in framework_service.list_all(hr) if f.code == "SFIA"} == {"8", "9"}
    auth.login(staff)
    assert "SFIA 9" not in client.get("/frameworks").get_data(as_text=True)
    assert client.get("/frameworks/SFIA?version=9").status_code == 404
    assert client.get(f"/assessments/new?skill_id={draft_skill.id}").status_code == 404
    auth.logout()
    auth.login(hr)
    assert client.get("/frameworks/SFIA?version=9").status_code == 200
