"""Framework versions: the diff between two versions, and the migration of
validated levels from one version to the next (service, command line, pages)."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skills_app.errors import Conflict, InvalidInput, InvalidState
from skills_app.extensions import db
from skills_app.importers.document import FrameworkDoc
from skills_app.models import Assessment, AuditEvent, Notification
from skills_app.models.framework import utcnow
from skills_app.policy import SYSTEM
from skills_app.services import assessments, framework_diff, level_migration
from skills_app.services import frameworks as framework_service
from tests.pages import confirm


def _skill(code, name, descriptors, category="Delivery", **extra):
    return {"code": code, "name": name, "category": category, **extra,
            "levels": [{"level": n, "defined": True, "descriptors": list(ds)} for n, ds in descriptors.items()]}


LEVELS = [{"number": 1, "name": "Follow"}, {"number": 2, "name": "Assist"}, {"number": 3, "name": "Apply"}]

V1 = {
    "framework": {"code": "DEMO", "name": "Demo framework", "version": "1", "publisher": "In-house"},
    "levels": LEVELS,
    "skills": [
        _skill("AAA", "Alpha", {1: ["Follows the alpha checklist."], 2: ["Assists with alpha reviews."], 3: ["Applies alpha methods."]}),
        _skill("BBB", "Beta", {1: ["Logs beta tickets."], 2: ["Assists beta triage under guidance."], 3: ["Runs beta triage for the team."]}),
        _skill("CCC", "Gamma", {1: ["Reads the gamma runbook and follows it step by step."],
                                 2: ["Maintains gamma dashboards and reports anomalies to the service owner."]}),
        _skill("DDD", "Delta", {1: ["Does delta things."]}),
    ],
}


def _v2() -> dict:
    data = copy.deepcopy(V1)
    data["framework"]["version"] = "2"
    skills = {s["code"]: s for s in data["skills"]}
    skills["AAA"]["category"] = "Strategy"                                      # moved, descriptors unchanged
    skills["BBB"]["levels"][2]["descriptors"] = ["Leads beta triage for the whole team."]  # level 3 reworded
    gamma = skills.pop("CCC")
    gamma["code"] = "GGG"                                                        # new code, same descriptors
    data["skills"] = [skills["AAA"], skills["BBB"], gamma,
                      _skill("EEE", "Epsilon", {2: ["Designs epsilon pipelines."]})]  # DDD removed, EEE added
    return data


def doc(data) -> FrameworkDoc:
    return FrameworkDoc.model_validate(data)


# -- the diff, as pure functions -------------------------------------------------------

def test_diff_finds_added_removed_renamed_moved_and_changed_descriptors():
    d = framework_diff.diff(doc(V1), doc(_v2()))
    assert [r.code for r in d.added] == ["EEE"]
    assert [r.code for r in d.removed] == ["DDD"]
    gamma = d.for_old_code("CCC")
    assert gamma.new_code == "GGG" and gamma.matched_by == "descriptors" and gamma.similarity == 1.0
    assert gamma.renamed and gamma.code_changed and not gamma.levels_changed
    alpha = d.for_old_code("AAA")
    assert alpha.moved and alpha.old_place == ("Delivery", None) and alpha.new_place == ("Strategy", None)
    assert alpha.changed_up_to(3) == []
    beta = d.for_old_code("BBB")
    assert [lc.level for lc in beta.levels_changed] == [3]
    (change,) = [dc for dc in beta.levels_changed[0].descriptors if dc.kind != "same"]
    assert change.kind == "changed"
    assert framework_diff.word_diff_text(change.words) == "[-Runs-]{+Leads+} beta triage for the {+whole +}team."
    assert beta.changed_up_to(2) == [] and beta.changed_up_to(3) == [3]
    assert d.summary() == {"added": 1, "removed": 1, "renamed": 1, "moved": 1, "changed": 3, "unchanged": 0}


def test_an_explicit_mapping_beats_the_likeness_rule_and_unlike_skills_are_not_paired():
    v2 = _v2()
    v2["skills"][2]["levels"] = [{"level": 1, "defined": True, "descriptors": ["Something else entirely, about ponies."]}]
    d = framework_diff.diff(doc(V1), doc(v2))
    assert {r.code for r in d.removed} == {"CCC", "DDD"} and {r.code for r in d.added} == {"GGG", "EEE"}
    d = framework_diff.diff(doc(V1), doc(v2), {"CCC": "GGG"})
    gamma = d.for_old_code("CCC")
    assert gamma.matched_by == "mapping" and gamma.changed_up_to(1) == [1] and gamma.changed_up_to(2) == [1, 2]


def test_definition_changes_and_descriptors_added_and_removed_per_level():
    v2 = copy.deepcopy(V1)
    alpha = v2["skills"][0]
    alpha["levels"][0] = {"level": 1, "defined": False, "note": "Not observed at level 1."}
    alpha["levels"][1]["descriptors"].append("Writes the alpha report.")
    alpha["levels"][2]["descriptors"] = []
    alpha["levels"][2]["descriptors"] = ["Applies alpha methods."]
    d = framework_diff.diff(doc(V1), doc(v2))
    (alpha_change,) = d.changed
    by_level = {lc.level: lc for lc in alpha_change.levels_changed}
    assert by_level[1].definition_changed and (by_level[1].defined_old, by_level[1].defined_new) == (True, False)
    assert [dc.kind for dc in by_level[1].descriptors] == ["removed"]
    assert [(dc.kind, dc.new) for dc in by_level[2].descriptors if dc.kind != "same"] == [("added", "Writes the alpha report.")]
    assert 3 not in by_level
    text = framework_diff.to_text(d)
    assert "level 1: defined → not defined" in text and "level 2 + descriptor 2: Writes the alpha report." in text


@pytest.mark.parametrize("old, new", [
    ("Monitors and logs the service.", "Monitors, logs and reports the service!"),
    ("", "Brand new text."),
    ("Gone — entirely “quoted”.", ""),
    ("a  b\nc", "a b c"),
])
def test_a_word_diff_rebuilds_both_texts(old, new):
    segments = framework_diff.word_diff(old, new)
    assert "".join(t for k, t in segments if k != "added") == old
    assert "".join(t for k, t in segments if k != "removed") == new


# -- stored versions ---------------------------------------------------------------

@pytest.fixture
def versions(app):
    v1 = framework_service.import_doc(SYSTEM, doc(V1)).framework
    v2 = framework_service.import_doc(SYSTEM, doc(_v2())).framework
    db.session.commit()
    return v1, v2


def _skill_of(framework, code):
    return next(s for s in framework.skills if s.code == code)


def validate(person, manager, skill, level):
    assessment = assessments.start(person, skill, level)
    assessments.save_draft(person, assessment, claimed_level=assessment.claimed_level, ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(person, assessment)
    assessments.decide(manager, assessment, outcome="approve")
    db.session.commit()
    return assessment


@pytest.fixture
def people(versions, make_person):
    v1, _ = versions
    manager = make_person("Mia Manager", roles=("employee", "manager"))
    ann = make_person("Ann Able", manager=manager)
    bob = make_person("Bob Baker", manager=manager)
    cat = make_person("Cat Cole", manager=manager)
    held = {
        "ann_alpha": validate(ann, manager, _skill_of(v1, "AAA"), 2),
        "ann_beta": validate(ann, manager, _skill_of(v1, "BBB"), 3),   # level 3 reworded in v2: flagged
        "bob_beta": validate(bob, manager, _skill_of(v1, "BBB"), 2),   # only level 3 changed: migrated
        "bob_gamma": validate(bob, manager, _skill_of(v1, "CCC"), 2),  # renamed to GGG: needs --map
        "cat_alpha": validate(cat, manager, _skill_of(v1, "AAA"), 3),  # expired: not migrated
    }
    held["cat_alpha"].valid_until = utcnow() - timedelta(days=3)
    db.session.commit()
    return {"manager": manager, "ann": ann, "bob": bob, "cat": cat, **held}


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Assessment, AuditEvent, Notification))


def test_diff_of_stored_versions_on_the_command_line(runner, versions):
    result = runner.invoke(args=["frameworks", "diff", "DEMO", "1", "2"])
    assert result.exit_code == 0, result.output
    assert "DEMO 1 → 2" in result.output
    assert "+ EEE Epsilon" in result.output and "- DDD Delta" in result.output
    assert "~ CCC → GGG Gamma (code changed; descriptors 100% alike)" in result.output
    assert "moved: Delivery → Strategy" in result.output
    assert "level 3 ~ descriptor 1: [-Runs-]{+Leads+} beta triage" in result.output
    data = json.loads(runner.invoke(args=["frameworks", "diff", "DEMO", "1", "2", "--format", "json"]).output)
    assert data["summary"]["added"] == 1 and data["skills"]["removed"][0]["code"] == "DDD"
    assert {c["from"]: c["to"] for c in data["skills"]["changed"]}["CCC"] == "GGG"
    missing = runner.invoke(args=["frameworks", "diff", "DEMO", "1", "7"])
    assert missing.exit_code != 0 and "no framework DEMO version 7" in missing.output


def test_diff_page_shows_the_changes_word_by_word(client, auth, make_person, versions):
    auth.login(make_person("Eve Employee"))
    page = client.get("/frameworks/DEMO/diff?from=1&to=2")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<del>Runs</del><ins>Leads</ins> beta triage" in body
    assert "Epsilon" in body and "Delta" in body and "Code changed" in body and "Moved" in body


def test_migration_carries_unchanged_levels_and_flags_changed_ones(people, versions):
    v1, v2 = versions
    before = {a.id: (a.status, a.validated_level, a.valid_until) for a in db.session.scalars(select(Assessment))}
    result = level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    db.session.commit()

    assert sorted((i.person, i.from_skill, i.level) for i in result.migrated) == [("Ann Able", "AAA", 2), ("Bob Baker", "BBB", 2)]
    assert [(i.person, i.from_skill, i.level) for i in result.flagged] == [("Ann Able", "BBB", 3)]
    assert "descriptors of BBB changed at level 3" in result.flagged[0].reason
    assert [(i.person, i.from_skill) for i in result.expired] == [("Cat Cole", "AAA")]
    assert [(i.person, i.from_skill) for i in result.not_carried] == [("Bob Baker", "CCC")]
    assert result.suggestions == {"CCC": "GGG"}

    # The migrated levels: validated in v2, same level and expiry, and saying where they came from.
    migrated = db.session.scalars(select(Assessment).where(Assessment.framework_id == v2.id)).all()
    assert len(migrated) == 2
    for a in migrated:
        source = people["ann_alpha"] if a.person_id == people["ann"].id else people["bob_beta"]
        assert a.status == "validated" and a.validated_level == source.validated_level
        assert assessments.aware(a.valid_until) == assessments.aware(source.valid_until)
        assert f"Migrated from DEMO 1 {source.skill.code} level {source.validated_level} (assessment #{source.id}" in a.decision_comment
    current = assessments.current_levels([people["ann"].id])
    assert current[(people["ann"].id, _skill_of(v2, "AAA").id)].level == 2
    assert (people["ann"].id, _skill_of(v2, "BBB").id) not in current  # flagged: no level in v2

    # Nothing people were awarded in v1 changed.
    for a in db.session.scalars(select(Assessment).where(Assessment.framework_id == v1.id)):
        assert before[a.id] == (a.status, a.validated_level, a.valid_until)

    # The audit trail: one event per migrated assessment, one per flagged level, and a summary.
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.in_(
        ["assessment.migrated", "assessment.migration_flagged", "framework.levels_migrated"]))).all()
    assert sorted(actions) == ["assessment.migrated", "assessment.migrated", "assessment.migration_flagged", "framework.levels_migrated"]

    # The flagged person and their manager are told.
    notes = {n.person_id: n.message for n in db.session.scalars(select(Notification).where(Notification.message.contains("DEMO 2")))}
    assert set(notes) == {people["ann"].id, people["manager"].id}
    assert "was not carried over" in notes[people["ann"].id]
    assert "needs re-validation" in notes[people["manager"].id]


def test_a_mapping_carries_a_skill_whose_code_changed(people, versions):
    result = level_migration.migrate(SYSTEM, "DEMO", "1", "2", {"CCC": "GGG"})
    assert ("Bob Baker", "CCC", "GGG", 2) in [(i.person, i.from_skill, i.to_skill, i.level) for i in result.migrated]
    assert not result.not_carried


def test_running_it_again_does_nothing(people, versions):
    level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    db.session.commit()
    before = counts()
    again = level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    db.session.commit()
    assert not again.migrated and not again.flagged
    assert len(again.already) == 3
    assert any("flagged before" in i.reason for i in again.already)
    # Only the summary event is new: no assessment, no notification.
    after = counts()
    assert (after[0], after[2]) == (before[0], before[2])
    assert after[1] == before[1] + 1


def test_a_dry_run_writes_nothing(people, versions):
    before = counts()
    result = level_migration.migrate(SYSTEM, "DEMO", "1", "2", dry_run=True)
    db.session.rollback()
    assert len(result.migrated) == 2 and len(result.flagged) == 1
    assert counts() == before
    db.session.rollback()
    assert counts() == before


def test_migration_refusals(people, versions):
    _, v2 = versions
    with pytest.raises(InvalidInput, match="DEMO 1 has no skill ZZZ"):
        level_migration.migrate(SYSTEM, "DEMO", "1", "2", {"ZZZ": "AAA"})
    with pytest.raises(InvalidInput, match="DEMO 2 has no skill QQQ"):
        level_migration.migrate(SYSTEM, "DEMO", "1", "2", {"CCC": "QQQ"})
    with pytest.raises(InvalidInput, match="OLD=NEW"):
        level_migration.parse_mapping(["CCC"])
    with pytest.raises(InvalidInput, match="two different versions"):
        level_migration.migrate(SYSTEM, "DEMO", "1", "1")
    v2.status = "draft"
    with pytest.raises(InvalidState, match="publish it first"):
        level_migration.migrate(SYSTEM, "DEMO", "1", "2")


def test_migrate_levels_on_the_command_line(runner, people, versions):
    before = counts()
    dry = runner.invoke(args=["frameworks", "migrate-levels", "DEMO", "--from", "1", "--to", "2", "--map", "CCC=GGG", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing written" in dry.output and "3 levels would be migrated, 1 flagged for re-validation" in dry.output
    assert counts() == before
    result = runner.invoke(args=["frameworks", "migrate-levels", "DEMO", "--from", "1", "--to", "2", "--map", "CCC=GGG", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["migrated"] == 3 and data["flagged"][0]["to_skill"] == "BBB"
    bad = runner.invoke(args=["frameworks", "migrate-levels", "DEMO", "--from", "1", "--to", "2", "--map", "nonsense"])
    assert bad.exit_code != 0 and "OLD=NEW" in bad.output and "Nothing was migrated" in bad.output


def test_migrate_page_previews_then_migrates(client, auth, make_person, people, versions):
    hr = make_person("Hal HR", roles=("employee", "hr"))
    auth.login(hr)
    page = client.get("/frameworks/DEMO/migrate?from=1&to=2")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<label class="visually-hidden" for="map-CCC">CCC goes to</label>' in body
    assert '<option value="GGG" selected>' in body  # suggested by the diff
    before = counts()
    preview = client.post("/frameworks/DEMO/migrate?from=1&to=2", data={"action": "preview", "map-CCC": "GGG", "map-DDD": ""})
    assert preview.status_code == 200 and "Preview: what would happen" in preview.get_data(as_text=True)
    assert counts() == before
    asked = client.post("/frameworks/DEMO/migrate?from=1&to=2", data={"action": "migrate", "map-CCC": "GGG", "map-DDD": ""})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Carries 3 validated levels to DEMO 2" in text and "Flags 1 person for revalidation" in text
    assert '<input type="hidden" name="map-CCC" value="GGG">' in text
    assert counts() == before  # not without its confirmation
    done = confirm(client, asked)
    assert done.status_code == 200
    assert "3 validated levels migrated to DEMO 2; 1 level flagged for re-validation." in done.get_data(as_text=True)
    migrated = db.session.scalars(select(Assessment).where(Assessment.framework_id == versions[1].id)).all()
    assert {a.reviewer_id for a in migrated} == {hr.id}


def test_replace_refuses_a_published_version_people_were_assessed_against(runner, people, tmp_path):
    changed = copy.deepcopy(V1)
    changed["skills"][0]["levels"][0]["descriptors"] = ["Follows a different checklist."]
    path = tmp_path / "demo-1.json"
    path.write_text(json.dumps(changed))
    result = runner.invoke(args=["frameworks", "import", "--replace", str(path)])
    assert result.exit_code != 0
    assert "DEMO 1 is published and 5 assessments refer to it, so its content cannot be replaced" in result.output
    with pytest.raises(Conflict):
        framework_service.import_doc(SYSTEM, doc(changed), replace=True)


# -- the version journey: what follows the levels, and the people flagged -------------------

def test_migration_carries_requirements_crosswalks_campaigns_and_resources_with_a_dry_run(people, versions, make_person):
    from skills_app.models.campaigns import Campaign
    from skills_app.models.learning import LearningResource
    from skills_app.models.requirements import Crosswalk, CrosswalkLevel, JobRole, Requirement
    from skills_app.services import campaigns, requirements

    v1, v2 = versions
    beta1, beta2 = _skill_of(v1, "BBB"), _skill_of(v2, "BBB")
    role = requirements.save_job_role(SYSTEM, None, name="Triage lead", description=None)
    requirements.set_role_requirement(SYSTEM, role, beta1, min_level=3, essential=True)
    other = framework_service.import_doc(SYSTEM, doc({**copy.deepcopy(V1), "framework": {
        "code": "OTHER", "name": "Other", "version": "1", "publisher": "x"}})).framework
    cw = Crosswalk(name="Demo to other", from_framework=v1, to_framework=other)
    cw.levels.append(CrosswalkLevel(from_skill=beta1, to_skill=_skill_of(other, "BBB"), from_level=3, to_level=3))
    db.session.add(cw)
    db.session.add(LearningResource(title="Triage course", skill=beta1, target_level=3))
    hr = make_person("Hal HR", roles=("employee", "hr"))
    campaign = campaigns.open_campaign(hr, name="Beta check", skills=[beta1], opens_on=utcnow().date(),
                                       due_on=utcnow().date() + timedelta(days=9), job_role=role)
    from skills_app.services import plans

    gail = make_person("Gail Goal")
    goal = plans.propose(gail, gail, skill=beta1, target_level=3)
    db.session.commit()

    preview = level_migration.migrate(SYSTEM, "DEMO", "1", "2", dry_run=True)
    assert preview.carried == [
        "Job role Triage lead: requires BBB level 3 in DEMO 2 (was BBB in DEMO 1)",
        "Crosswalk DEMO 1 → OTHER 1 copied as DEMO 2 → OTHER 1 (1 level mapping: BBB→BBB)",
        "Open campaign 'Beta check': asks for BBB in DEMO 2 instead of DEMO 1",
        "Development goal of Gail Goal: BBB level 3 in DEMO 2 instead of DEMO 1",
        "Learning resource 'Triage course': mapped to BBB level 3 in DEMO 2",
    ]
    assert preview.retired == "DEMO 1"
    db.session.expire_all()
    assert db.session.get(Requirement, role.requirements[0].id).skill_id == beta1.id and v1.status == "published"

    result = level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    db.session.commit()
    db.session.expire_all()
    assert result.carried == preview.carried
    assert db.session.scalar(select(Requirement.skill_id).where(Requirement.job_role_id == role.id)) == beta2.id
    copied = db.session.scalar(select(Crosswalk).where(Crosswalk.from_framework_id == v2.id))
    assert [(lv.from_skill_id, lv.from_level, lv.to_level) for lv in copied.levels] == [(beta2.id, 3, 3)]
    assert [s.id for s in db.session.get(Campaign, campaign.id).skills] == [beta2.id]
    assert db.session.get(type(goal), goal.id).skill_id == beta2.id   # a validation in DEMO 2 reaches it
    assert {r.skill_id for r in db.session.scalars(select(LearningResource))} == {beta1.id, beta2.id}
    # The superseded version is retired: no longer offered for a new self-assessment.
    assert db.session.get(type(v1), v1.id).status == "retired"
    assert all("DEMO 1" not in label for _, label in assessments.skill_choices(SYSTEM))
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"requirement.carried", "crosswalk.carried", "campaign.skills_carried", "learning_resource.carried",
            "goal.carried", "framework.retired"} <= actions
    # Again: nothing more.
    again = level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    assert again.carried == [] and again.retired is None and again.migrated == []


def test_a_flagged_level_says_so_everywhere_and_revalidates_against_the_new_version(people, versions, client, auth):
    from skills_app.services import revalidation, version_flags

    v1, v2 = versions
    level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    db.session.commit()
    ann, manager = people["ann"], people["manager"]
    [flag] = version_flags.open_flags([ann.id, people["bob"].id])
    assert (flag.person_id, flag.level, flag.changed_levels, flag.label) == (ann.id, 3, [3], "Revalidate: DEMO 2 changed level 3")

    auth.login(ann.email)
    mine = client.get("/my/skills").get_data(as_text=True)
    assert "Revalidate: DEMO 2 changed level 3" in mine and "Revalidate BBB in DEMO 2 from your last evidence" in mine
    auth.logout()
    auth.login(manager.email)
    for path in (f"/people/{ann.id}", "/revalidation", "/team"):
        page = client.get(path)
        assert page.status_code == 200 and "Revalidate: DEMO 2 changed level 3" in page.get_data(as_text=True), path

    # Revalidating starts a draft against DEMO 2, from the old evidence; the changed level is rated again.
    old = people["ann_beta"]
    draft = revalidation.revalidate(ann, old)
    db.session.commit()
    assert (draft.framework_id, draft.skill.code, draft.claimed_level, draft.status) == (v2.id, "BBB", 3, "draft")
    rated = {(r.descriptor.skill_level.level, r.rating) for r in draft.ratings}
    assert rated == {(1, "met"), (2, "met")}  # level 3 changed in DEMO 2: to rate again
    # Once validated in DEMO 2, the flag is gone.
    assessments.save_draft(ann, draft, claimed_level=3, ratings={d.id: "met" for d in assessments.descriptors_in_view(draft)})
    assessments.submit(ann, draft)
    assessments.decide(manager, draft, outcome="approve")
    db.session.commit()
    assert version_flags.open_flags([ann.id]) == []


def test_an_editorial_change_carries_levels_and_a_substantive_one_flags_them(versions, make_person, client, auth):
    """Version 3 rewords two descriptors: BBB level 2 (marked editorial) and BBB level 3
    (marked substantive). Holders of level 2 are carried over; of level 3, flagged."""
    from skills_app.services import framework_editor as editor

    v1, v2 = versions
    manager = make_person("Mia Manager", roles=("employee", "manager"))
    two, three = make_person("Tia Two", manager=manager), make_person("Theo Three", manager=manager)
    validate(two, manager, _skill_of(v2, "BBB"), 2)
    validate(three, manager, _skill_of(v2, "BBB"), 3)
    hr = make_person("Hal HR", roles=("employee", "hr"))
    v3 = editor.new_version(hr, v2, "3")
    beta = editor.get_skill(v3, "BBB")
    editor.edit_descriptor(hr, beta, 2, 1, "Assists with beta triage, under guidance.")
    editor.edit_descriptor(hr, beta, 3, 1, "Leads beta triage for the whole department.")
    db.session.commit()
    before, changes = editor.changed_descriptors(hr, beta)
    assert before.label == "DEMO 2" and set(changes) == {(2, 1), (3, 1)}

    auth.login(hr)
    page = client.get("/frameworks/DEMO/edit/skills/BBB?version=3").get_data(as_text=True)
    assert "Changed since DEMO 2" in page and "not marked yet (it counts as substantive)" in page
    marked = client.post("/frameworks/DEMO/edit/skills/BBB?version=3",
                         data={"action": "mark_change", "level": "2", "position": "1", "change": "editorial"})
    assert marked.status_code == 302
    editor.mark_change(hr, beta, 3, 1, "substantive")
    with pytest.raises(InvalidInput):
        editor.mark_change(hr, beta, 3, 1, "cosmetic")
    editor.publish(hr, v3)
    db.session.commit()
    diff = client.get("/frameworks/DEMO/diff?from=2&to=3").get_data(as_text=True)
    assert "editorial: levels carry over" in diff and "substantive: holders revalidate" in diff

    result = level_migration.migrate(hr, "DEMO", "2", "3")
    db.session.commit()
    assert [(i.person, i.level) for i in result.migrated] == [("Tia Two", 2)]
    assert [(i.person, i.level, i.changed_levels) for i in result.flagged] == [("Theo Three", 3, [3])]
    moved = db.session.get(Assessment, result.migrated[0].to_assessment_id)
    assert "but in wording (level 2, marked editorial)" in moved.decision_comment
    with pytest.raises(InvalidState):
        editor.mark_change(hr, beta, 2, 1, "substantive")  # a published version is final


def test_two_live_versions_are_named_apart_and_a_flag_shows_in_its_team_matrix_cell(people, versions, client, auth):
    from skills_app.services import requirements

    v1, v2 = versions
    ann, manager = people["ann"], people["manager"]
    old_role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, old_role, _skill_of(v1, "BBB"), min_level=2, essential=True)
    new_role = requirements.save_job_role(SYSTEM, None, name="Senior analyst", description=None)
    requirements.set_role_requirement(SYSTEM, new_role, _skill_of(v2, "BBB"), min_level=2, essential=True)
    requirements.assign(SYSTEM, ann, job_roles=[old_role, new_role], services=[])
    db.session.commit()
    assert framework_service.versioned_codes() == {"DEMO"}

    auth.login(manager.email)
    team = client.get("/team").get_data(as_text=True)
    # Two versions of DEMO are live: two columns, each naming its version, never one merged "DEMO BBB".
    assert '<th scope="col">DEMO BBB (v1)</th>' in team and '<th scope="col">DEMO BBB (v2)</th>' in team

    level_migration.migrate(SYSTEM, "DEMO", "1", "2")
    db.session.commit()
    assert framework_service.versioned_codes() == set()  # DEMO 1 retired: one version live, no version named
    team = client.get("/team").get_data(as_text=True)
    assert '<th scope="col">DEMO BBB</th>' in team
    assert '<span class="cell-flag">⚑ Revalidate: DEMO 2 changed level 3</span>' in team
    # The flagged list names the old version's skill with its version.
    assert "DEMO BBB (v1)</span> level 3" in team
