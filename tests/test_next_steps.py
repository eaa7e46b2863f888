"""Reports lead to action: from a gap row, a shortfall or a single point of
failure, HR reminds the person, adds them to an open campaign, proposes a
training plan or assigns people to a service or job role, each in one step,
through the policy and the audit trail; the people list assigns in bulk, after
a confirmation that states the numbers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from skills_app.errors import InvalidInput, InvalidState, NotAllowed
from skills_app.extensions import db
from skills_app.models import AuditEvent, Notification
from skills_app.policy import SYSTEM
from skills_app.services import campaigns, next_steps, requirements

from tests.pages import confirm
from tests.test_campaigns import TODAY, put


@pytest.fixture
def shop(load_seed_frameworks, make_person):
    fw = load_seed_frameworks()
    slmo = fw["SFIA"].skills[0]
    role = requirements.save_job_role(SYSTEM, None, name="Service Desk Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    desk = requirements.save_service(SYSTEM, None, name="IT service desk", description=None)
    requirements.set_service_requirement(SYSTEM, desk, slmo, min_level=4, headcount=2)
    db.session.commit()
    hr = make_person("Hana HR", roles=("employee", "hr"), unit="Acme/People")
    lars = make_person("Lars Learning", roles=("employee", "learning"), unit="Acme/People")
    mona = make_person("Mona Manager", roles=("employee", "manager"), unit="Acme/IT")
    ann = make_person("Ann Able", manager=mona, unit="Acme/IT/Desk")
    ben = make_person("Ben Best", manager=mona, unit="Acme/IT/Desk")
    cat = make_person("Cat Clever", manager=mona, unit="Acme/IT/Ops")
    for p in (ann, ben):
        requirements.assign(SYSTEM, p, job_roles=[role], services=[])
    db.session.commit()
    # Cat holds SLMO 5, validated; Ann holds 2 (below 3); Ben has never been assessed.
    put(cat, slmo, "validated", validated=5, claimed=5, reviewer=mona)
    put(ann, slmo, "validated", validated=2, claimed=2, reviewer=mona)
    return {"slmo": slmo, "role": role, "desk": desk, "hr": hr, "lars": lars, "mona": mona, "ann": ann, "ben": ben, "cat": cat}


def events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# -- remind the person --------------------------------------------------------------

def test_reminding_a_person_of_a_gap_tells_them_once_within_the_cooldown(shop):
    sent = next_steps.remind_of_gap(shop["lars"], shop["ben"], shop["slmo"])
    db.session.commit()
    assert sent.status == "not_assessed"
    note = db.session.scalar(select(Notification).where(Notification.person_id == shop["ben"].id))
    assert "Service Desk Analyst needs SFIA SLMO" in note.message and "at level 3" in note.message
    assert note.link == f"/assessments/new?skill_id={shop['slmo'].id}"
    [event] = events("person.gap_reminded")
    assert event.entity_id == shop["ben"].id and event.data["skill_id"] == shop["slmo"].id
    assert event.actor_id == shop["lars"].id

    with pytest.raises(InvalidState, match="can be reminded again from"):
        next_steps.remind_of_gap(shop["hr"], shop["ben"], shop["slmo"])
    db.session.rollback()
    assert len(events("person.gap_reminded")) == 1


def test_a_reminder_says_what_the_gap_is(shop):
    sent = next_steps.remind_of_gap(shop["hr"], shop["ann"], shop["slmo"])
    assert sent.status == "below" and "your validated level is 2" in sent.message


def test_nobody_is_reminded_of_a_gap_they_do_not_have(shop):
    requirements.assign(SYSTEM, shop["cat"], job_roles=[shop["role"]], services=[])
    db.session.commit()
    with pytest.raises(InvalidState, match="no gap"):
        next_steps.remind_of_gap(shop["hr"], shop["cat"], shop["slmo"])


def test_only_hr_and_the_learning_team_remind(shop):
    with pytest.raises(NotAllowed):
        next_steps.remind_of_gap(shop["mona"], shop["ben"], shop["slmo"])
    assert events("person.gap_reminded") == []


# -- add to an open campaign ----------------------------------------------------------

def test_a_person_added_to_a_campaign_is_invited_counted_and_told(shop):
    c = campaigns.open_campaign(shop["hr"], name="Ops 2026", skills=[shop["slmo"]], opens_on=TODAY - timedelta(days=1),
                                due_on=TODAY + timedelta(days=20), org_unit=shop["cat"].org_unit)
    db.session.commit()
    assert campaigns.open_asking_for(shop["hr"], [shop["slmo"].id]) == {shop["slmo"].id: [c]}
    assert not c.includes(shop["ben"])
    campaigns.add_person(shop["hr"], c, shop["ben"])
    db.session.commit()
    assert c.includes(shop["ben"])
    assert set(db.session.scalars(campaigns.population(c))) == {shop["cat"].id, shop["ben"].id}
    assert campaigns.completion(shop["hr"], c).total["people"] == 2
    assert "added by hand" in c.population_label
    assert c in campaigns.for_person(shop["ben"])
    assert db.session.scalar(select(Notification).where(Notification.person_id == shop["ben"].id,
                                                       Notification.message.contains("Ops 2026"))) is not None
    [event] = events("campaign.person_added")
    assert event.entity_id == c.id and event.data["person_id"] == shop["ben"].id

    with pytest.raises(InvalidState, match="already invited"):
        campaigns.add_person(shop["hr"], c, shop["ben"])
    with pytest.raises(NotAllowed):
        campaigns.add_person(shop["lars"], c, shop["ann"])
    db.session.rollback()
    campaigns.close(shop["hr"], c)
    with pytest.raises(InvalidState, match="closed"):
        campaigns.add_person(shop["hr"], c, shop["ann"])


# -- assign people in bulk ------------------------------------------------------------

def test_bulk_assignment_plans_then_assigns_each_person_audited(shop):
    target = f"service:{shop['desk'].id}"
    people = [shop["ann"].id, shop["cat"].id]
    plan = requirements.plan_assignment(shop["hr"], people, target)
    assert plan.change == [shop["ann"], shop["cat"]] and plan.unchanged == []
    db.session.rollback()
    assert shop["desk"].people == []

    requirements.assign_many(shop["hr"], people, target)
    db.session.commit()
    assert {p.id for p in shop["desk"].people} == set(people)
    per_person = events("person.assignments_changed")
    assert {e.entity_id for e in per_person if e.data.get("bulk")} == set(people)
    [whole] = events("service.people_assigned")
    assert whole.entity_id == shop["desk"].id and sorted(whole.data["people"]) == sorted(people)

    # Again: nothing to change is said, not recorded.
    with pytest.raises(InvalidState, match="already"):
        requirements.assign_many(shop["hr"], people, target)
    db.session.rollback()
    plan = requirements.plan_assignment(shop["hr"], people + [shop["ben"].id], target)
    assert plan.change == [shop["ben"]] and len(plan.unchanged) == 2

    requirements.assign_many(shop["hr"], [shop["cat"].id], target, remove=True)
    db.session.commit()
    assert shop["desk"].people == [shop["ann"]]


def test_bulk_assignment_is_refused_without_people_a_target_or_the_right(shop):
    with pytest.raises(InvalidInput, match="Tick at least one"):
        requirements.plan_assignment(shop["hr"], [], f"job_role:{shop['role'].id}")
    with pytest.raises(InvalidInput, match="job role or service"):
        requirements.plan_assignment(shop["hr"], [shop["cat"].id], "")
    with pytest.raises(InvalidInput) as both:  # every problem at once
        requirements.plan_assignment(shop["hr"], [], "")
    assert set(both.value.fields) == {"people", "target"}
    with pytest.raises(NotAllowed):
        requirements.assign_many(shop["lars"], [shop["cat"].id], f"job_role:{shop['role'].id}")


def test_the_people_list_filters_by_a_skill_held_at_a_level(shop, sign_in):
    client = sign_in(shop["hr"])
    page = client.get(f"/people?skill_id={shop['slmo'].id}&level=4&assign=service:{shop['desk'].id}").get_data(as_text=True)
    assert "Cat Clever" in page and "Ann Able" not in page and "Ben Best" not in page
    assert "holding SFIA SLMO at level 4 or above" in page
    assert f'<option selected value="service:{shop["desk"].id}">' in page or \
        f'value="service:{shop["desk"].id}" selected' in page


def test_the_bulk_action_asks_first_then_assigns(shop, sign_in):
    client = sign_in(shop["hr"])
    form = {"people": [str(shop["ann"].id), str(shop["ben"].id)], "target": f"job_role:{shop['role'].id}",
            "back": "q=Desk", "assign": "Assign the ticked people"}
    # Both already hold the role: the list is shown again, saying so.
    refused = client.post("/people/assign", data=form)
    assert refused.status_code == 409 and "already the job role Service Desk Analyst" in refused.get_data(as_text=True)

    form["target"] = f"service:{shop['desk'].id}"
    asked = client.post("/people/assign", data=form)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Assign 2 people to the service IT service desk?" in text
    assert "2 people (Ann Able, Ben Best) join the service IT service desk." in text
    assert "Their gap reports gain its required skills: SLMO 4." in text
    db.session.rollback()
    assert shop["desk"].people == []

    done = confirm(client, asked)
    assert done.status_code == 302 and done.location.endswith("/people?q=Desk")
    db.session.expire_all()
    assert {p.name for p in shop["desk"].people} == {"Ann Able", "Ben Best"}


def test_a_confirmation_altered_after_it_was_shown_is_refused(shop, sign_in, make_person):
    """The confirmation page's values are signed: a person ticked in the page (Cat)
    swapped in, a value added or dropped, the signature left out or forged, or the
    page sent by someone else is refused (400), and nothing is assigned."""
    from werkzeug.datastructures import MultiDict

    from tests.pages import confirmation

    client = sign_in(shop["hr"])
    form = {"people": [str(shop["ann"].id), str(shop["ben"].id)], "target": f"service:{shop['desk'].id}",
            "back": "q=Desk", "assign": "Assign the ticked people"}
    asked = client.post("/people/assign", data=form)
    action, values = confirmation(asked)
    assert ("confirmed", "yes") in values and any(name == "confirmation" for name, _ in values)

    def altered(change):
        posted = MultiDict(change(list(values)))
        return client.post(action, data=posted)

    swapped = [(n, str(shop["cat"].id) if (n, v) == ("people", str(shop["ben"].id)) else v) for n, v in values]
    attempts = {
        "a carried value changed": lambda vs: swapped,
        "a value added": lambda vs: [*vs, ("people", str(shop["cat"].id))],
        "a value dropped": lambda vs: [(n, v) for n, v in vs if (n, v) != ("people", str(shop["ben"].id))],
        "another field added": lambda vs: [*vs, ("remove", "Remove the ticked people")],
        "no signature": lambda vs: [(n, v) for n, v in vs if n != "confirmation"],
        "a forged signature": lambda vs: [(n, v + "x" if n == "confirmation" else v) for n, v in vs],
    }
    for what, change in attempts.items():
        refused = altered(change)
        text = refused.get_data(as_text=True)
        assert refused.status_code == 400, what
        assert "This confirmation was changed after it was shown" in text and "nothing was done" in text, what
        db.session.expire_all()
        assert shop["desk"].people == [], what
    # Another person's session cannot send it either (the signature names who was shown it).
    other = sign_in(make_person("Hal HR", roles=("employee", "hr"), unit="Acme/People"))
    assert other.post(action, data=MultiDict(values)).status_code == 400
    db.session.expire_all()
    assert shop["desk"].people == []
    # Unaltered, it is done.
    done = client.post(action, data=MultiDict(values))
    assert done.status_code == 302
    db.session.expire_all()
    assert {p.name for p in shop["desk"].people} == {"Ann Able", "Ben Best"}


# -- a gap row's buttons ----------------------------------------------------------------

def test_a_gap_row_reminds_and_adds_to_a_campaign_in_one_step(shop, sign_in):
    c = campaigns.open_campaign(shop["hr"], name="Ops 2026", skills=[shop["slmo"]], opens_on=TODAY,
                                due_on=TODAY + timedelta(days=20), org_unit=shop["cat"].org_unit)
    db.session.commit()
    client = sign_in(shop["hr"])
    report = client.get("/reports/gaps?job_role=Service+Desk+Analyst").get_data(as_text=True)
    assert "Remind Ben" in report and "Add to the campaign Ops 2026" in report

    row = {"person_id": shop["ben"].id, "skill_id": shop["slmo"].id}
    sent = client.post("/reports/gaps/remind?job_role=Service+Desk+Analyst", data=row)
    assert sent.status_code == 302 and "job_role=Service+Desk+Analyst" in sent.location
    again = client.post("/reports/gaps/remind?job_role=Service+Desk+Analyst", data=row)
    assert again.status_code == 409 and "can be reminded again from" in again.get_data(as_text=True)

    added = client.post("/reports/gaps/add-to-campaign", data={**row, "campaign_id": c.id})
    assert added.status_code == 302
    db.session.expire_all()
    assert c.includes(shop["ben"])


def test_coverage_rows_offer_their_next_steps(shop, sign_in):
    page = sign_in(shop["hr"]).get("/reports/coverage").get_data(as_text=True)
    assert "Short by 2" in page
    assert f"/people?skill_id={shop['slmo'].id}&amp;level=4&amp;assign=service:{shop['desk'].id}" in page
    assert "Ask the service to assess" in page and "Propose a training plan" in page
