"""Attacks on the report's next steps and the people list: a request posted
twice at once (a double click, a script in parallel) acts once, the second
refused as the first would have left it; an administrator, who sees everyone's
name but not their skills, cannot learn their levels through the people list's
skill filter."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skills_app.errors import InvalidState, NotAllowed
from skills_app.extensions import db
from skills_app.models import AuditEvent, Campaign, Person, Skill
from skills_app.services import campaigns, next_steps, org, requirements

from tests.test_campaigns import TODAY
from tests.test_next_steps import shop  # noqa: F401  (the fixture)


def _while_held(app, first, second):
    """Run ``first()`` in this transaction, uncommitted; meanwhile ``second()`` in a
    transaction of its own (another thread). Returns whether the second waited for
    the first, and what it returned or raised once the first committed."""
    first()
    db.session.flush()
    outcome = {}

    def other():
        with app.app_context():
            try:
                outcome["result"] = second()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001  (the outcome is the test's)
                db.session.rollback()
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=other)
    thread.start()
    time.sleep(0.6)
    waited = thread.is_alive()
    db.session.commit()
    thread.join(10)
    return waited, outcome


def _count(action, entity_id=None):
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    return db.session.scalar(stmt)


def test_two_reminders_posted_together_remind_once(app, shop):
    ids = shop["hr"].id, shop["ben"].id, shop["slmo"].id

    def again():
        hr, ben, slmo = db.session.get(Person, ids[0]), db.session.get(Person, ids[1]), db.session.get(Skill, ids[2])
        return next_steps.remind_of_gap(hr, ben, slmo)

    waited, outcome = _while_held(app, lambda: next_steps.remind_of_gap(shop["lars"], shop["ben"], shop["slmo"]), again)
    assert waited
    assert isinstance(outcome.get("error"), InvalidState), outcome
    assert _count(next_steps.GAP_REMINDED, ids[1]) == 1


def test_one_person_added_to_a_campaign_twice_at_once_is_added_once(app, shop):
    campaign = campaigns.open_campaign(shop["hr"], name="Ops 2026", skills=[shop["slmo"]], opens_on=TODAY - timedelta(days=1),
                                       due_on=TODAY + timedelta(days=20), org_unit=shop["cat"].org_unit)
    db.session.commit()
    ids = shop["hr"].id, campaign.id, shop["ben"].id

    def again():
        return campaigns.add_person(db.session.get(Person, ids[0]), db.session.get(Campaign, ids[1]),
                                    db.session.get(Person, ids[2]))

    waited, outcome = _while_held(app, lambda: campaigns.add_person(shop["hr"], campaign, shop["ben"]), again)
    assert waited
    assert isinstance(outcome.get("error"), InvalidState), outcome
    assert _count("campaign.person_added") == 1


def test_the_same_people_assigned_twice_at_once_are_assigned_once(app, shop):
    target = f"job_role:{shop['role'].id}"
    ids = shop["hr"].id, [shop["cat"].id]

    def again():
        return requirements.assign_many(db.session.get(Person, ids[0]), ids[1], target)

    waited, outcome = _while_held(app, lambda: requirements.assign_many(shop["hr"], ids[1], target), again)
    assert waited
    assert isinstance(outcome.get("error"), InvalidState), outcome
    assert _count("job_role.people_assigned") == 1


# -- the skill filter tells levels: not to an administrator ------------------------

def test_an_administrator_cannot_filter_people_by_a_skill_they_hold(app, shop, make_person, sign_in):
    ada = make_person("Ada Admin", roles=("employee", "admin"), unit="Acme/People")
    db.session.commit()
    with pytest.raises(NotAllowed):
        org.directory(ada, holds=(shop["slmo"].id, 3))
    client = sign_in(ada)
    refused = client.get(f"/people?skill_id={shop['slmo'].id}&level=3")
    assert refused.status_code == 403 and "Cat Clever" not in refused.get_data(as_text=True)
    page = client.get("/people")
    assert page.status_code == 200 and 'name="skill_id"' not in page.get_data(as_text=True)


def test_hr_and_a_manager_still_filter_by_skill(app, shop, sign_in):
    assert [p.name for p in org.directory(shop["hr"], holds=(shop["slmo"].id, 3)).items] == ["Cat Clever"]
    assert [p.name for p in org.directory(shop["mona"], holds=(shop["slmo"].id, 5)).items] == ["Cat Clever"]
    client = sign_in(shop["hr"])
    page = client.get(f"/people?skill_id={shop['slmo'].id}&level=3").get_data(as_text=True)
    assert "Cat Clever" in page and "Ann Able" not in page
