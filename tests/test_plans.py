"""Development plans (services/plans.py): the goal's state machine, every allowed and
refused transition with its audit event; a validation reaching the target closes the
goal in its own transaction (not a self-assessment, not an expired validation); cohort
training plans' enrolments are goals of the same model; the API read of one's plan;
the pages reached from My skills, Explore roles, the person's page and the review queue."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from skills_app import clock
from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed
from skills_app.extensions import db
from skills_app.models import AuditEvent, Goal, Notification
from skills_app.policy import SYSTEM
from skills_app.services import assessments, audit, learning, plans


def _validate(person, manager, skill, level, *, approve_at=None):
    assessment = assessments.start(person, skill, level)
    assessments.save_draft(person, assessment, claimed_level=level,
                           ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(person, assessment)
    assessments.decide(manager, assessment, outcome="approve", validated_level=approve_at,
                       comment="Validated at another level than claimed." if approve_at not in (None, level) else None)
    db.session.commit()
    return assessment


def _actions(goal) -> list[str]:
    return [e.action for e in audit.for_entity(goal)]


def _resource(skill, level, title="SLM course"):
    return learning.save_resource(SYSTEM, None, title=title, kind="course", provider=None, url=None, duration_hours=None,
                                  description=None, skill=skill, target_level=level)


@pytest.fixture
def goal(team):
    g = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=4, due_on=date.today() + timedelta(days=90),
                      note="To run the SLA reviews.", resources=[_resource(team.slmo, 4)])
    db.session.commit()
    return g


# -- proposing ---------------------------------------------------------------------------------

def test_a_person_proposes_a_goal_and_their_line_manager_is_asked(team, goal):
    assert goal.state == "proposed" and goal.plan_id is None and goal.person_id == team.sam.id
    assert [r.resource.title for r in goal.resources] == ["SLM course"]
    assert _actions(goal) == ["goal.proposed"]
    asked = db.session.scalar(select(Notification).where(Notification.person_id == team.manager.id))
    assert "Sam Subject proposed a development goal, SLMO level 4" in asked.message
    assert asked.link == f"/people/{team.sam.id}/plan#goal-{goal.id}"


def test_a_proposal_sent_twice_makes_one_goal_and_another_for_the_same_skill_is_refused(team, goal):
    again = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=4, due_on=goal.due_on, note="To run the SLA reviews.",
                          resources=[r.resource for r in goal.resources])
    assert again.id == goal.id
    with pytest.raises(InvalidInput, match="You already have an open goal for SLMO .level 4, proposed."):
        plans.propose(team.sam, team.sam, skill=team.slmo, target_level=5)
    assert db.session.scalars(select(Goal).where(Goal.person_id == team.sam.id)).all() == [goal]
    assert _actions(goal) == ["goal.proposed"]


@pytest.mark.parametrize("level, due, field, message", [
    (1, None, "target_level", "Choose a level SLMO defines"),      # SFIA SLMO starts at level 2
    (9, None, "target_level", "Choose a level SLMO defines"),
    (4, date(2020, 1, 1), "due_on", "The date is in the past"),
])
def test_a_bad_goal_is_refused_beside_its_field_and_nothing_is_written(team, level, due, field, message):
    with pytest.raises(InvalidInput) as refused:
        plans.propose(team.sam, team.sam, skill=team.slmo, target_level=level, due_on=due)
    assert message in refused.value.fields[field]
    db.session.rollback()
    assert db.session.scalars(select(Goal)).all() == []


def test_a_level_already_held_is_no_goal(team):
    _validate(team.sam, team.manager, team.slmo, 3)
    with pytest.raises(InvalidInput, match="You already hold SLMO at level 3 .validated.: choose a higher level"):
        plans.propose(team.sam, team.sam, skill=team.slmo, target_level=3)


def test_only_the_person_proposes_their_goal(team):
    for someone in (team.manager, team.hr, team.pat):
        with pytest.raises(NotAllowed):
            plans.propose(someone, team.sam, skill=team.slmo, target_level=4)


# -- the state machine -----------------------------------------------------------------------------

def test_changed_while_proposed_then_agreed_by_the_line_manager(team, goal):
    plans.edit(team.sam, goal, target_level=5, due_on=goal.due_on, note=None, resources=[])
    assert (goal.target_level, goal.note, goal.resources) == (5, None, [])
    plans.agree(team.manager, goal)
    db.session.commit()
    assert goal.state == "agreed" and goal.agreed_by_id == team.manager.id and goal.agreed_at is not None
    assert _actions(goal) == ["goal.proposed", "goal.changed", "goal.agreed"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "goal.agreed"))
    assert event.data == {"person_id": team.sam.id, "from": "proposed", "to": "agreed"} and event.actor_id == team.manager.id
    # Agreed, the goal no longer changes; a repeated agreement is no second event.
    with pytest.raises(InvalidState, match="SLMO level 5 is agreed: it cannot be changed now"):
        plans.edit(team.sam, goal, target_level=4, due_on=None, note=None, resources=[])
    plans.agree(team.manager, goal)
    assert _actions(goal).count("goal.agreed") == 1
    with pytest.raises(InvalidState):
        plans.agree(team.hr, goal)
    with pytest.raises(InvalidState):
        plans.send_back(team.manager, goal, comment="Later.")


def test_sent_back_with_a_reason_it_stays_proposed_and_the_person_is_told(team, goal):
    with pytest.raises(InvalidInput, match="a reason is needed"):
        plans.send_back(team.manager, goal, comment="  ")
    plans.send_back(team.manager, goal, comment="Level 4 by March is too soon: say June.")
    assert goal.state == "proposed" and goal.review_comment.startswith("Level 4 by March")
    told = db.session.scalars(select(Notification).where(Notification.person_id == team.sam.id).order_by(Notification.id)).all()[-1]
    assert "sent back your development goal SLMO level 4: Level 4 by March" in told.message
    assert goal.state_label == "Sent back, waiting for changes" and plans.waiting_for(team.manager) == []
    plans.edit(team.sam, goal, target_level=4, due_on=date.today() + timedelta(days=200), note=None, resources=[])
    # Changed, it waits for agreement again, and the manager is told.
    assert goal.review_comment is None and plans.waiting_for(team.manager) == [goal]
    told = db.session.scalars(select(Notification).where(Notification.person_id == team.manager.id).order_by(Notification.id)).all()[-1]
    assert "changed their development goal, SLMO level 4, after you sent it back" in told.message
    plans.agree(team.hr, goal)   # HR may agree too
    assert goal.state == "agreed" and goal.review_comment is None
    assert _actions(goal) == ["goal.proposed", "goal.sent_back", "goal.changed", "goal.agreed"]


@pytest.mark.parametrize("who", ["sam", "manager", "director", "hr"])
def test_the_person_their_managers_or_hr_drop_an_open_goal(team, goal, who):
    plans.drop(getattr(team, who), goal, reason="Moved to another team.")
    assert goal.state == "dropped" and goal.closed_at is not None
    assert _actions(goal) == ["goal.proposed", "goal.dropped"]
    # Dropped is final: nothing else happens to it; dropping again is no second event.
    plans.drop(team.sam, goal)
    assert _actions(goal) == ["goal.proposed", "goal.dropped"]
    for refused in (lambda: plans.agree(team.manager, goal), lambda: plans.send_back(team.manager, goal, comment="x"),
                    lambda: plans.edit(team.sam, goal, target_level=5, due_on=None, note=None, resources=[])):
        with pytest.raises(InvalidState):
            refused()


def test_an_agreed_goal_is_dropped_too(team, goal):
    plans.agree(team.manager, goal)
    plans.drop(team.sam, goal)
    assert goal.state == "dropped"
    assert _actions(goal) == ["goal.proposed", "goal.agreed", "goal.dropped"]


@pytest.mark.parametrize("who, action", [
    ("sam", "agree"), ("director", "agree"), ("pat", "agree"), ("learning", "agree"), ("other", "agree"),
    ("pat", "drop"), ("learning", "drop"), ("other", "drop"), ("manager", "edit"), ("hr", "edit"),
])
def test_refused_to_anyone_else(team, goal, who, action):
    actor = getattr(team, who)
    calls = {"agree": lambda: plans.agree(actor, goal), "drop": lambda: plans.drop(actor, goal),
             "edit": lambda: plans.edit(actor, goal, target_level=5, due_on=None, note=None, resources=[])}
    with pytest.raises(NotAllowed):
        calls[action]()
    assert goal.state == "proposed" and _actions(goal) == ["goal.proposed"]


def test_a_stale_form_is_a_conflict(team, goal):
    seen = goal.version
    plans.edit(team.sam, goal, target_level=5, due_on=None, note=None, resources=[])
    with pytest.raises(Conflict, match="changed since you opened it"):
        plans.agree(team.manager, goal, version=seen)


def test_learning_is_recorded_on_the_goal(team, goal):
    item = goal.resources[0]
    plans.record_learning(team.sam, goal, item.id, True)
    assert item.completed_at is not None
    plans.record_learning(team.sam, goal, item.id, True)   # again: nothing more
    assert _actions(goal) == ["goal.proposed", "goal.learning_recorded"]
    with pytest.raises(NotAllowed):
        plans.record_learning(team.manager, goal, item.id, False)


# -- achieved by validation ----------------------------------------------------------------------

def test_a_validation_reaching_the_target_achieves_the_goal_in_its_own_transaction(team, goal):
    plans.agree(team.manager, goal)
    db.session.commit()
    assessment = assessments.start(team.sam, team.slmo, 4)
    assessments.save_draft(team.sam, assessment, claimed_level=4,
                           ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(team.sam, assessment)
    db.session.commit()
    assert goal.state == "agreed"   # a self-assessment at the target is not enough
    assessments.decide(team.manager, assessment, outcome="approve")
    assert goal.state == "achieved" and goal.achieved_by_id == assessment.id
    # One transaction: undone with the validation, nothing of either is left.
    db.session.rollback()
    assert (assessment.status, goal.state) == ("submitted", "agreed")
    assert "goal.achieved" not in _actions(goal)
    assessments.decide(team.manager, assessment, outcome="approve")
    db.session.commit()
    assert goal.state == "achieved" and goal.closed_at is not None
    assert _actions(goal) == ["goal.proposed", "goal.agreed", "goal.achieved"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "goal.achieved"))
    assert event.data["assessment_id"] == assessment.id and event.data["validated_level"] == 4
    # Achieved is final.
    for refused in (lambda: plans.drop(team.sam, goal), lambda: plans.agree(team.hr, goal)):
        with pytest.raises(InvalidState):
            refused()


def test_a_validation_below_the_target_leaves_it_open_and_one_above_achieves_it(team, goal):
    plans.agree(team.manager, goal)
    _validate(team.sam, team.manager, team.slmo, 3)
    assert goal.state == "agreed"
    _validate(team.sam, team.manager, team.slmo, 5)
    assert goal.state == "achieved"


def test_a_proposed_goal_is_not_achieved_until_agreed_and_agreeing_a_level_held_achieves_it(team, goal):
    # The manager validates level 4 before agreeing the goal (say, with the person's old evidence)
    # ... but a held level cannot be proposed, so the validation comes after the proposal.
    _validate(team.sam, team.manager, team.slmo, 4)
    assert goal.state == "proposed"
    plans.agree(team.manager, goal)
    assert goal.state == "achieved"
    assert _actions(goal) == ["goal.proposed", "goal.agreed", "goal.achieved"]


def test_an_expired_validation_neither_blocks_nor_achieves_a_goal(team):
    three_years_ago = datetime.now(timezone.utc) - timedelta(days=3 * 365)
    with clock.as_of(three_years_ago):
        old = _validate(team.sam, team.manager, team.slmo, 4)
    assert old.valid_until.replace(tzinfo=old.valid_until.tzinfo or timezone.utc) < datetime.now(timezone.utc)
    # Level 4 has expired: it may be a goal again, and agreeing it does not achieve it.
    g = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=4)
    plans.agree(team.manager, g)
    assert g.state == "agreed"
    assert plans.settle_validation(team.manager, old) == [] and g.state == "agreed"


def test_a_goal_in_another_skill_or_of_another_person_is_not_achieved(team, goal):
    plans.agree(team.manager, goal)
    other = plans.propose(team.pat, team.pat, skill=team.slmo, target_level=4)
    plans.agree(team.manager, other)
    _validate(team.sam, team.manager, team.slm, 4)
    assert (goal.state, other.state) == ("agreed", "agreed")
    _validate(team.sam, team.manager, team.slmo, 4)
    assert (goal.state, other.state) == ("achieved", "agreed")


# -- achieved through a crosswalk -------------------------------------------------------------------
# frameworks/crosswalks/slm-to-sfia-slmo.yaml maps SLM 1→1, 2→2, 3→3, 4→5, 5→6 onto SLMO. Forwards, SLM 4
# counts as SLMO 5; backwards, SLMO 4 counts as SLM 3 (the highest SLM level mapping at or below 4), and
# SLMO 5 as SLM 4.

@pytest.fixture
def crosswalk(team):
    import yaml

    from skills_app.services import crosswalks

    path = Path(__file__).resolve().parent.parent / "frameworks" / "crosswalks" / "slm-to-sfia-slmo.yaml"
    crosswalks.import_doc(SYSTEM, crosswalks.parse(yaml.safe_load(path.read_text()), str(path)), str(path))
    db.session.commit()


@pytest.mark.parametrize("skill, target, held_in, validated, achieved", [
    ("slmo", 5, "slm", 4, True),     # SLM 4 → SLMO 5: reached exactly
    ("slmo", 4, "slm", 4, True),     # SLM 4 → SLMO 5: above the target
    ("slmo", 4, "slm", 3, False),    # SLM 3 → SLMO 3: one short
    ("slm", 3, "slmo", 4, True),     # backwards: SLMO 4 → SLM 3
    ("slm", 4, "slmo", 4, False),    # backwards: SLMO 4 is SLM 3, not 4
    ("slm", 4, "slmo", 5, True),     # backwards: SLMO 5 → SLM 4
])
def test_a_validation_through_a_crosswalk_achieves_the_goal_in_its_own_transaction(team, crosswalk, skill, target, held_in,
                                                                                  validated, achieved):
    g = plans.propose(team.sam, team.sam, skill=getattr(team, skill), target_level=target)
    plans.agree(team.manager, g)
    db.session.commit()
    assessment = assessments.start(team.sam, getattr(team, held_in), validated)
    assessments.save_draft(team.sam, assessment, claimed_level=validated,
                           ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(team.sam, assessment)
    db.session.commit()
    assert g.state == "agreed"   # a self-assessment through the crosswalk is not enough either
    assessments.decide(team.manager, assessment, outcome="approve")
    assert g.state == ("achieved" if achieved else "agreed")
    if not achieved:
        return
    assert g.achieved_by_id == assessment.id
    db.session.rollback()   # one transaction with the validation
    assert (assessment.status, g.state) == ("submitted", "agreed")
    assessments.decide(team.manager, assessment, outcome="approve")
    db.session.commit()
    assert g.state == "achieved" and _actions(g) == ["goal.proposed", "goal.agreed", "goal.achieved"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "goal.achieved").order_by(AuditEvent.id.desc()))
    other = getattr(team, held_in).code
    assert event.data == {"person_id": team.sam.id, "from": "agreed", "to": "achieved", "assessment_id": assessment.id,
                          "validated_level": validated, "via": other, "level": {"slm": {4: 5, 3: 3}, "slmo": {4: 3, 5: 4}}[held_in][validated]}
    assert f"validated at {other} level {validated}" in event.summary and "through a crosswalk" in event.summary


def test_agreeing_a_goal_whose_level_is_held_through_a_crosswalk_achieves_it(team, crosswalk):
    g = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=5)
    db.session.commit()
    held = _validate(team.sam, team.manager, team.slm, 4)   # SLM 4 → SLMO 5, while the goal is proposed
    assert g.state == "proposed"                             # not agreed yet: nothing closes
    plans.agree(team.manager, g)
    assert g.state == "achieved" and g.achieved_by_id == held.id
    assert _actions(g) == ["goal.proposed", "goal.agreed", "goal.achieved"]
    # The plan shows the level that counts, and through what.
    (progress,) = plans.plan_of(team.sam, team.sam).goals
    assert (progress.current_level, progress.via.code, progress.via_level) == (5, "SLM", 4)
    # And a level held through the crosswalk is no goal to propose.
    with pytest.raises(InvalidInput) as refused:
        plans.propose(team.sam, team.sam, skill=team.slmo, target_level=4)
    assert refused.value.fields["target_level"] == ("You already hold SLMO at level 5 (validated through SLM level 4 and a "
                                                    "crosswalk): choose a higher level.")


def test_an_expired_level_or_a_self_assessment_through_a_crosswalk_closes_nothing(team, crosswalk):
    three_years_ago = datetime.now(timezone.utc) - timedelta(days=3 * 365)
    with clock.as_of(three_years_ago):
        old = _validate(team.sam, team.manager, team.slm, 4)          # SLM 4 → SLMO 5, expired now
    g = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=5)   # may be proposed: it counts no more
    plans.agree(team.manager, g)
    assert g.state == "agreed"
    assert plans.settle_validation(team.manager, old) == [] and g.state == "agreed"
    # A self-assessment of SLM 5 (→ SLMO 6), submitted and not validated: still agreed.
    a = assessments.start(team.sam, team.slm, 5)
    assessments.save_draft(team.sam, a, claimed_level=5, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
    assessments.submit(team.sam, a)
    db.session.commit()
    assert g.state == "agreed"
    # Rejected: still agreed; another person's SLM 4 closes nothing of Sam's.
    assessments.decide(team.manager, a, outcome="reject", comment="Not yet.")
    _validate(team.pat, team.manager, team.slm, 4)
    assert g.state == "agreed"


def test_a_cohort_goal_is_achieved_through_a_crosswalk_too(team, crosswalk):
    plan = learning.create_plan(team.learning, name="SLMO to 3", skill=team.slmo, target_level=3, resource=None,
                                starts_on=None, ends_on=None, people=[team.sam])
    db.session.commit()
    (goal,) = plan.enrolments
    _validate(team.sam, team.manager, team.slm, 3)   # SLM 3 → SLMO 3
    assert goal.state == "achieved"


# -- cohort training plans: the same model ----------------------------------------------------------

def test_a_cohort_plan_gives_each_person_an_agreed_goal_of_the_plan(team):
    resource = _resource(team.slmo, 3)
    plan = learning.create_plan(team.learning, name="SLMO to 3", skill=team.slmo, target_level=3, resource=resource,
                                starts_on=None, ends_on=date.today() + timedelta(days=30), people=[team.sam, team.pat])
    db.session.commit()
    sam_goal, pat_goal = plan.enrolments
    assert (sam_goal.state, sam_goal.skill_id, sam_goal.target_level, sam_goal.due_on) == ("agreed", team.slmo.id, 3, plan.ends_on)
    assert sam_goal.agreed_by_id == team.learning.id and [r.resource_id for r in sam_goal.resources] == [resource.id]
    assert [p.goal.id for p in plans.plan_of(team.sam, team.sam).goals] == [sam_goal.id]
    # Withdrawn: dropped; re-enrolled: agreed again; completed: its learning done. Each audited on the goal.
    learning.set_enrolment(team.learning, sam_goal, "withdrawn")
    assert (sam_goal.state, sam_goal.status) == ("dropped", "withdrawn")
    learning.set_enrolment(team.manager, sam_goal, "enrolled")
    assert (sam_goal.state, sam_goal.status) == ("agreed", "enrolled")
    learning.set_enrolment(team.learning, sam_goal, "completed")
    assert (sam_goal.state, sam_goal.status) == ("agreed", "completed") and sam_goal.resources[0].completed_at is not None
    assert _actions(sam_goal) == ["learning.enrolment_changed"] * 3
    # Its person may not drop it from their plan, nor change it; a validation achieves it like any goal.
    with pytest.raises(NotAllowed):
        plans.drop(team.sam, sam_goal)
    with pytest.raises(NotAllowed):
        plans.edit(team.sam, sam_goal, target_level=4, due_on=None, note=None, resources=[])
    _validate(team.sam, team.manager, team.slmo, 3)
    assert sam_goal.state == "achieved" and pat_goal.state == "agreed"
    assert plan.counts() == {"enrolled": 1, "completed": 1, "withdrawn": 0}
    with pytest.raises(InvalidState):
        learning.set_enrolment(team.learning, sam_goal, "withdrawn")


# -- pages and the API ------------------------------------------------------------------------

def test_the_plan_pages_from_my_skills_the_person_s_page_and_the_review_queue(client, auth, team, goal):
    auth.login(team.sam)
    assert "My development plan" in client.get("/my/skills").get_data(as_text=True)
    page = client.get("/my/plan").get_data(as_text=True)
    assert "SLMO</span> Service level management: level 4" in page and "Proposed, waiting for agreement" in page
    assert "Change SLMO level 4" in page and "Agree SLMO" not in page
    auth.logout()
    auth.login(team.manager)
    person = client.get(f"/people/{team.sam.id}").get_data(as_text=True)
    assert f'href="/people/{team.sam.id}/plan"' in person and "1 waiting for agreement" in person
    queue = client.get("/reviews").get_data(as_text=True)
    assert "Development goals waiting for agreement" in queue and "Sam Subject: SLMO Service level management, level 4" in queue
    page = client.get(f"/people/{team.sam.id}/plan").get_data(as_text=True)
    assert "Agree SLMO level 4" in page and "Send SLMO level 4 back" in page
    back = client.post(f"/plan/goals/{goal.id}/send-back", data={"comment": "", "version": goal.version})
    assert back.status_code == 400 and "a reason is needed to send a goal back" in back.get_data(as_text=True)
    done = client.post(f"/plan/goals/{goal.id}/agree", data={"version": goal.version})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/people/{team.sam.id}/plan#goal-{goal.id}")
    db.session.expire_all()
    assert db.session.get(Goal, goal.id).state == "agreed"
    # Agreed twice (the back button, a double click): the same answer, no second event.
    again = client.post(f"/plan/goals/{goal.id}/agree", data={"version": goal.version})
    assert again.status_code == 302 and _actions(db.session.get(Goal, goal.id)).count("goal.agreed") == 1


def test_add_to_my_plan_from_a_gap_prefills_the_skill_level_and_learning(client, auth, team):
    from skills_app.services import requirements

    role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=4, essential=True)
    course = _resource(team.slmo, 4, "SLA masterclass")
    _resource(team.slmo, 6, "Strategy course")
    db.session.commit()
    auth.login(team.sam)
    gap = client.get(f"/my/roles/{role.id}").get_data(as_text=True)
    assert "Add SFIA SLMO level 4 to my plan" in gap
    form = client.get(f"/my/plan/goals/new?skill_id={team.slmo.id}&level=4&back=/my/roles/{role.id}").get_data(as_text=True)
    assert '<option selected value="4">' in form
    assert f'checked id="resources-0" name="resources" type="checkbox" value="{course.id}"' in form
    assert "Strategy course" in form and "back to the role" in form
    done = client.post(f"/my/plan/goals/new?skill_id={team.slmo.id}",
                       data={"target_level": "4", "due_on": "", "resources": [str(course.id)], "note": ""})
    assert done.status_code == 302, done.get_data(as_text=True)
    goal = db.session.scalar(select(Goal).where(Goal.person_id == team.sam.id))
    assert goal.state == "proposed" and [r.resource_id for r in goal.resources] == [course.id]
    # The form opened again for the same skill leads to the goal there is.
    again = client.get(f"/my/plan/goals/new?skill_id={team.slmo.id}&level=4")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/my/plan#goal-{goal.id}")


def test_the_api_reads_one_s_own_plan(client, team, goal):
    from skills_app.services import tokens

    _, secret = tokens.create(SYSTEM, team.sam, "t")
    plans.agree(team.manager, goal)
    _validate(team.sam, team.manager, team.slmo, 3)
    db.session.commit()
    body = client.get("/api/v1/me/plan", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert body["next"] is None and len(body["items"]) == 1
    item = body["items"][0]
    assert {k: item[k] for k in ("framework", "skill", "target_level", "state", "training_plan", "agreed_by", "current_level",
                                 "self_level")} == {"framework": "SFIA", "skill": "SLMO", "target_level": 4, "state": "agreed",
                                                    "training_plan": None, "agreed_by": "Manny Manager",
                                                    "current_level": 3, "self_level": 3}
    assert [(s["kind"], s["level"]) for s in item["history"]] == [("self-assessed", 3), ("validated", 3)]
    assert item["learning"] == [{"title": "SLM course", "kind": "course", "url": None, "target_level": 4, "completed_at": None}]
    _, manager_secret = tokens.create(SYSTEM, team.manager, "t")
    db.session.commit()
    theirs = client.get("/api/v1/me/plan", headers={"Authorization": f"Bearer {manager_secret}"}).get_json()
    assert theirs == {"items": [], "next": None}
