"""Reusable campaign templates: skills, a population rule and a duration, from
which HR opens a campaign again with only a name and an opening date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from skills_app.errors import InvalidInput, NotAllowed
from skills_app.extensions import db
from skills_app.models import AuditEvent, CampaignTemplate
from skills_app.services import campaigns

from tests.pages import confirm
from tests.test_campaigns import TODAY, world  # noqa: F401  (the campaigns' world: Acme's service desk)


def spring(world, **changes):
    values = {"name": "Desk every spring", "skills": [world["slmo"], world["slm"]], "duration_days": 21,
              "org_unit": world["Ann"].org_unit, "description": "Once a year."}
    values.update(changes)
    return campaigns.save_template(world["hr"], None, **values)


def test_a_campaign_opened_from_a_template_has_its_skills_people_and_length(world):
    template = spring(world)
    db.session.commit()
    campaign = campaigns.open_from_template(world["hr"], template, opens_on=TODAY, name="Desk spring 2027")
    db.session.commit()
    assert campaign.name == "Desk spring 2027" and campaign.is_open
    assert set(campaign.skills) == {world["slmo"], world["slm"]}
    assert campaign.org_unit == world["Ann"].org_unit and campaign.description == "Once a year."
    assert campaign.opens_on == TODAY and campaign.due_on == TODAY + timedelta(days=21)
    assert set(db.session.scalars(campaigns.population(campaign))) == {world[n].id for n in ("Ann", "Ben", "Cat", "Dan", "Eve")}
    used = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign_template.used")).one()
    assert used.entity_id == template.id and used.data["campaign_id"] == campaign.id
    # The template stays for next time; changing it leaves the campaign as it was.
    campaigns.save_template(world["hr"], template, name=template.name, skills=[world["slm"]], duration_days=7,
                            org_unit=template.org_unit)
    db.session.commit()
    assert set(campaign.skills) == {world["slmo"], world["slm"]} and campaign.due_on == TODAY + timedelta(days=21)
    # Without a name: the template's, with the month.
    later = campaigns.open_from_template(world["hr"], template, opens_on=TODAY + timedelta(days=40))
    assert later.name == f"Desk every spring {TODAY + timedelta(days=40):%b %Y}"


def test_a_template_needs_a_name_skills_people_and_a_sensible_length(world):
    spring(world)
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        campaigns.save_template(world["hr"], None, name="desk every SPRING", skills=[], duration_days=0)
    assert set(refused.value.fields) == {"name", "skills", "population", "duration_days"}
    db.session.rollback()
    with pytest.raises(NotAllowed):
        campaigns.save_template(world["mgr1"], None, name="Another", skills=[world["slmo"]], duration_days=5, org_unit=world["Ann"].org_unit)
    assert db.session.scalar(select(CampaignTemplate).where(CampaignTemplate.name == "Another")) is None


def test_templates_in_the_browser_forms(world, sign_in):
    client = sign_in(world["hr"])
    campaign = campaigns.open_campaign(world["hr"], name="Desk 2026", skills=[world["slmo"]], opens_on=TODAY,
                                       due_on=TODAY + timedelta(days=14), org_unit=world["Ann"].org_unit)
    db.session.commit()
    # Saved from a campaign: its skills, rule and length are filled in.
    form = client.get(f"/campaigns/templates/new?from_campaign={campaign.id}").get_data(as_text=True)
    assert 'value="Desk 2026"' in form and 'value="14"' in form
    saved = client.post("/campaigns/templates/new", data={"name": "Desk yearly", "skills": [world["slmo"].id],
                                                         "org_unit": world["Ann"].org_unit_id, "job_role": 0, "service": 0,
                                                         "duration_days": 14})
    assert saved.status_code == 302
    template = db.session.scalar(select(CampaignTemplate).where(CampaignTemplate.name == "Desk yearly"))
    assert "Desk yearly" in client.get("/campaigns/templates").get_data(as_text=True)

    opened = client.post(f"/campaigns/templates/{template.id}/open", data={"name": "Desk yearly 2027",
                                                                          "opens_on": TODAY.isoformat()})
    assert opened.status_code == 302
    page = client.get(opened.location).get_data(as_text=True)
    assert "It overlaps with the open campaign" in page  # the same people and skill as Desk 2026: warned, not refused

    # Deleting asks first.
    asked = client.post(f"/campaigns/templates/{template.id}/delete", data={})
    assert asked.status_code == 200 and "Campaigns opened from it stay as they are." in asked.get_data(as_text=True)
    assert db.session.get(CampaignTemplate, template.id) is not None
    gone = confirm(client, asked)
    assert gone.status_code == 302
    db.session.expire_all()
    assert db.session.get(CampaignTemplate, template.id) is None
