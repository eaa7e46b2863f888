"""The assessment service's arithmetic and counts, with the expected values written out:
validity dates across year and month ends (never computed by the helper under test),
My skills never showing a negative gap, and the review queue's count equal to the
length of the list it counts."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from skills_app.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import Framework, Skill
from skills_app.policy import SYSTEM
from skills_app.services import assessments as service
from skills_app.services import audit, requirements, service_levels
from tests.test_assessments import submitted

UTC = timezone.utc


@pytest.mark.parametrize("start, months, expected", [
    ("2026-11-15", 6, "2027-05-15"),   # across the year's end
    ("2026-12-31", 1, "2027-01-31"),
    ("2026-12-01", 12, "2027-12-01"),
    ("2026-11-30", 3, "2027-02-28"),   # to a shorter month, across the year
    ("2026-08-31", 6, "2027-02-28"),
    ("2027-08-31", 6, "2028-02-29"),   # a leap year's February
    ("2026-01-31", 1, "2026-02-28"),
    ("2026-03-31", 1, "2026-04-30"),
    ("2026-01-30", 11, "2026-12-30"),  # to December, the same year
    ("2026-01-15", 12, "2027-01-15"),
    ("2026-07-10", 18, "2028-01-10"),
    ("2024-02-29", 24, "2026-02-28"),
    ("2026-05-20", 240, "2046-05-20"),
])
def test_months_are_added_across_year_and_month_ends(start, months, expected):
    moment = datetime.fromisoformat(start).replace(hour=9, minute=30, tzinfo=UTC)
    result = service.add_months(moment, months)
    assert result.date().isoformat() == expected
    assert (result.hour, result.minute, result.tzinfo) == (9, 30, UTC)


def test_an_approval_in_november_is_valid_into_the_next_year(team, monkeypatch):
    a = submitted(team)
    service.update_framework_settings(SYSTEM, a.framework, evidence_required=False, validity_months=6)
    monkeypatch.setattr(service, "utcnow", lambda: datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    service.decide(team.manager, a, outcome="approve")
    db.session.commit()
    assert service.aware(a.valid_until) == datetime(2027, 5, 30, 16, 0, tzinfo=UTC)


def test_recomputed_validity_follows_each_decision_across_the_year(team):
    a = submitted(team)
    service.decide(team.manager, a, outcome="approve")
    a.decided_at = datetime(2026, 8, 31, 10, 0, tzinfo=UTC)
    db.session.commit()
    change = service.update_framework_settings(SYSTEM, a.framework, evidence_required=False, validity_months=6,
                                               recompute=True)
    db.session.commit()
    assert change.recomputed == 1
    assert service.aware(a.valid_until) == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)


def test_my_skills_never_shows_a_negative_gap(team):
    """Held above the requirement: the gap is 0, not -2."""
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=3, essential=True)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    a = submitted(team, level=5)
    service.decide(team.manager, a, outcome="approve")
    db.session.commit()
    row = next(r for r in service.skill_rows(team.sam, team.sam) if r.skill.id == team.slmo.id)
    assert (row.required_level, row.current_level, row.gap, row.status_code) == (3, 5, 0, "met")


def test_my_skills_gap_is_what_is_missing_and_none_without_a_level(team):
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=5, essential=True)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    db.session.commit()
    row = next(r for r in service.skill_rows(team.sam, team.sam) if r.skill.id == team.slmo.id)
    assert (row.required_level, row.current_level, row.gap, row.status_code) == (5, None, None, "not_assessed")
    a = submitted(team, level=3)
    service.decide(team.manager, a, outcome="approve")
    db.session.commit()
    row = next(r for r in service.skill_rows(team.sam, team.sam) if r.skill.id == team.slmo.id)
    assert (row.required_level, row.current_level, row.gap, row.status_code) == (5, 3, 2, "below")


def test_the_review_queue_count_is_the_length_of_the_queue(team, make_person):
    """HR's own submission and reviews reassigned away are in neither."""
    hugo = make_person("Hugo HR", roles=("employee", "hr"), manager=team.manager)
    sam = submitted(team)                                  # Manny's report
    pat = submitted(team, person=team.pat, level=3)        # Manny's report, reassigned to Dana
    otto = submitted(team, person=team.otto, level=3)      # Olga's report
    hana = submitted(team, person=team.hr, level=3)        # HR's own
    hugos = submitted(team, person=hugo, level=3)          # HR, and Manny's report
    service_levels.reassign(team.hr, pat, team.director, reason="Manny is away")
    db.session.commit()
    expected = {
        team.manager: {sam, hugos},
        team.other: {otto},
        team.hr: {sam, pat, otto, hugos},
        hugo: {sam, pat, otto, hana},
        team.director: {pat},
    }
    for actor, queue in expected.items():
        listed = service.review_queue(actor)
        assert set(listed) == queue, actor.name
        assert service.queue_count(actor) == len(listed) == len(queue), actor.name
    assert service.queue_count(team.sam) == 0


def test_the_review_badge_counts_the_goals_waiting_for_agreement_as_the_page_lists_them(client, auth, team, make_person):
    """The badge is the Reviews page's two lists: assessments to decide and development goals
    to agree (not those sent back and unchanged, not one's own, not a cohort plan's, not a
    leaver's, not another manager's people's)."""
    from skills_app.services import learning, plans

    hugo = make_person("Hugo HR", roles=("employee", "hr"), manager=team.manager)
    gone = make_person("Gina Gone", manager=team.manager)
    submitted(team)                                                       # Manny's report: 1 review
    sam = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=4)        # Manny's, HR's
    pat = plans.propose(team.pat, team.pat, skill=team.slmo, target_level=3)        # sent back: nobody's
    plans.send_back(team.manager, pat, comment="A date, please.")
    otto = plans.propose(team.otto, team.otto, skill=team.slmo, target_level=3)     # Olga's, HR's
    hugos = plans.propose(hugo, hugo, skill=team.slm, target_level=3)               # Manny's, HR's (not Hugo's own)
    agreed = plans.propose(gone, gone, skill=team.slm, target_level=3)              # agreed: waits no more
    plans.agree(team.manager, agreed)
    plans.propose(gone, gone, skill=team.slmo, target_level=3)                      # a leaver's: nobody's
    gone.active = False
    learning.create_plan(team.learning, name="SLMO to 3", skill=team.slmo, target_level=3, resource=None,
                         starts_on=None, ends_on=None, people=[team.sam])           # a cohort goal: agreed already
    db.session.commit()
    expected = {team.manager: ({sam, hugos}, 1), team.other: ({otto}, 0), team.hr: ({sam, otto, hugos}, 1),
                hugo: ({sam, otto}, 1), team.director: (set(), 0)}
    for actor, (goals, reviews) in expected.items():
        assert set(plans.waiting_for(actor)) == goals, actor.name
        assert len(service.review_queue(actor)) == reviews, actor.name
        assert service.queue_count(actor) == len(goals) + reviews, actor.name
    # The header's badge says so on every page, and the Reviews page lists as many.
    auth.login(team.manager)
    for path in ("/", "/my/skills", "/reviews"):
        assert '<span class="badge">3<span class="visually-hidden"> waiting</span>' in client.get(path).get_data(as_text=True), path
    page = client.get("/reviews").get_data(as_text=True)
    assert page.count(f'/people/{team.sam.id}/plan#goal-{sam.id}') == 1 and f"#goal-{hugos.id}" in page
    assert '<a href="#goals">2 development goals waiting for your agreement</a>' in page
    auth.logout()
    auth.login(team.director)
    assert '<span class="badge">' not in client.get("/").get_data(as_text=True)


def test_a_validity_is_between_1_and_240_months(team):
    """240 months is allowed (the form's maximum); 0 and 241 are refused, saying so."""
    service.update_framework_settings(SYSTEM, team.sfia, evidence_required=False, validity_months=240)
    assert team.sfia.validity_months == 240
    for months in (0, 241):
        with pytest.raises(InvalidInput, match="between 1 and 240 months"):
            service.update_framework_settings(SYSTEM, team.sfia, evidence_required=False, validity_months=months)
    assert team.sfia.validity_months == 240


def test_only_the_person_saves_their_self_assessment_page(team):
    a = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    with pytest.raises((NotAllowed, NotFound)):
        service.update(team.pat, a, claimed_level=5)
    assert a.claimed_level == 3
    b = submitted(team, person=team.otto)  # submitted: another person's "submit" is refused too, not answered "already submitted"
    with pytest.raises((NotAllowed, NotFound)):
        service.update(team.pat, b, then_submit=True)


def test_evidence_above_a_lowered_claim_is_shown_apart_to_the_reviewer(team):
    a = service.start(team.sam, team.slmo, 5)
    service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="Led the review.")
    service.save_draft(team.sam, a, claimed_level=3, ratings={})
    db.session.commit()
    assert [e.text for e in service.evidence_out_of_view(a)] == ["Led the review."]


def test_removing_evidence_is_in_the_audit_trail(team):
    a = service.start(team.sam, team.slmo, 3)
    service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="Ran the SLA reviews.")
    db.session.commit()
    evidence_id = a.evidence[0].id
    service.remove_evidence(team.sam, a, evidence_id)
    db.session.commit()
    assert a.evidence == []
    event = audit.latest_for_entity(a)
    assert event.action == "assessment.evidence_removed"
    assert "evidence removed" in event.summary and event.data["evidence_id"] == evidence_id


def test_a_second_approval_at_another_level_is_refused_not_taken_as_a_repeat(team):
    """Approving again with the same (empty) comment is a repeated request only when the
    level is the same; at another level the assessment is already validated: refused."""
    a = submitted(team, level=4)
    service.decide(team.manager, a, outcome="approve")
    db.session.commit()
    service.decide(team.manager, a, outcome="approve")  # the same request again: nothing to do
    with pytest.raises(InvalidState, match="validated"):
        service.decide(team.manager, a, outcome="approve", validated_level=3)
    db.session.rollback()
    assert (a.status, a.validated_level) == ("validated", 4)


def test_my_skills_shows_a_submitted_assessment_as_awaiting_review(team):
    """A skill no role requires: the status comes from the assessment itself."""
    submitted(team)
    row = next(r for r in service.skill_rows(team.sam, team.sam) if r.skill.id == team.slmo.id)
    assert (row.required_level, row.status_code) == (None, "awaiting_review")


def test_the_skills_to_assess_are_every_published_skill_named_with_its_framework(team):
    choices = dict(service.skill_choices(team.sam))
    assert choices[team.slmo.id] == f"SFIA {team.sfia.version} · SLMO {team.slmo.name}"
    assert choices[team.slm.id].startswith("SLM ")
    published = db.session.scalars(select(Skill.id).join(Framework).where(Framework.status == "published")).all()
    assert sorted(choices) == sorted(published)


def _slmo_row(team):
    return next(r for r in service.skill_rows(team.sam, team.sam) if r.skill.id == team.slmo.id)


def test_my_skills_status_follows_the_assessment_that_decides_the_row(team):
    """A skill no role requires, through a rejection (no level held), a validation,
    and a new draft on top of the level held: the status code and the label say
    the same thing at each step, and an open assessment speaks before the level."""
    a = submitted(team, level=4)
    service.decide(team.manager, a, outcome="reject", comment="Level 4 is not shown yet.")
    db.session.commit()
    assert (_slmo_row(team).status_code, _slmo_row(team).status) == ("rejected", a.status_label)
    a = submitted(team, level=3)
    service.decide(team.manager, a, outcome="approve")
    db.session.commit()
    assert (_slmo_row(team).status_code, _slmo_row(team).status) == ("validated", "Validated")
    draft = service.start(team.sam, team.slmo, 4)
    db.session.commit()
    assert (_slmo_row(team).status_code, _slmo_row(team).status) == ("draft", draft.status_label)


def test_a_review_is_kept_only_while_the_assessment_is_submitted(team):
    decided = submitted(team, level=3)
    service.decide(team.manager, decided, outcome="approve")
    db.session.commit()
    with pytest.raises(InvalidState):
        service.save_review(team.manager, decided, verdicts={}, comment="Too late.")
    db.session.rollback()
    draft = service.start(team.sam, team.slmo, 4)
    db.session.commit()
    with pytest.raises((InvalidState, NotAllowed)):
        service.save_review(team.manager, draft, verdicts={}, comment="Too early.")


def test_only_a_file_is_served_as_a_file(team):
    """Text evidence and an unknown id are 'no such file', never a read of the store."""
    a = service.start(team.sam, team.slmo, 3)
    service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="Ran the SLA reviews.")
    db.session.commit()
    with pytest.raises(NotFound, match="no such file"):
        service.evidence_file(team.sam, a.evidence[0].id)
    with pytest.raises(NotFound, match="no such file"):
        service.evidence_file(team.sam, 10**6)


def test_a_responsibility_decision_records_each_attributes_level_and_a_skill_decision_none(team):
    from tests.test_responsibility import levels_framework, validated_responsibility

    lor = levels_framework()
    a = validated_responsibility(team.sam, team.manager, lor, 3, 4)
    event = audit.latest_for_entity(a)
    by_position = sorted(a.claims, key=lambda c: c.attribute.position)
    assert len(event.data["attributes"]) == len(by_position) == len(lor.attributes)
    assert (event.data["attributes"][str(by_position[0].attribute_id)], event.data["attributes"][str(by_position[1].attribute_id)]) == (3, 4)
    skill = submitted(team, level=3)
    service.decide(team.manager, skill, outcome="approve")
    db.session.commit()
    assert "attributes" not in audit.latest_for_entity(skill).data
