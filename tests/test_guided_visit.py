"""The guided first visit (issue 24): in the demo, each role's dashboard shows a short
"try this" list of journeys, until it is dismissed; outside the demo there is none."""
from __future__ import annotations

import html
import re

from skills_app.extensions import db
from skills_app.policy import SYSTEM
from skills_app.services import tour


def _tour(response) -> list[tuple[str, str]]:
    page = response.get_data(as_text=True)
    section = re.search(r'<section class="card tour".*?</section>', page, re.S)
    return re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', section.group(0)) if section else []


def test_outside_the_demo_there_is_no_list(team, client, auth):
    auth.login(team.hr)
    assert _tour(client.get("/")) == []


def test_each_role_is_shown_what_to_try_until_it_is_dismissed(team, client, auth):
    tour.mark_demo(SYSTEM)
    db.session.commit()

    auth.login(team.hr)
    steps = _tour(client.get("/"))
    links = [href for href, _ in steps]
    assert "/reports/coverage" in links and "/reports/trends" in links and any(h.startswith("/reports/gaps") for h in links)
    assert any("Self-assess SLMO" in text for _, text in steps)  # HR are employees too
    for href, _ in steps:
        assert client.get(href).status_code == 200, href

    dismissed = client.post("/tour/dismiss")
    assert dismissed.status_code == 302
    assert _tour(client.get("/")) == []

    # Another person still sees theirs: the manager, with the team matrix; the learning team, training needs.
    auth.logout()
    auth.login(team.manager)
    assert "/team" in [href for href, _ in _tour(client.get("/"))]
    auth.logout()
    auth.login(team.learning)
    assert "/reports/training-needs" in [href for href, _ in _tour(client.get("/"))]


def test_the_manager_is_led_to_the_review_waiting(team, client, auth):
    from skills_app.services import assessments

    assessment = assessments.start(team.sam, team.slmo, 3)
    assessments.save_draft(team.sam, assessment, claimed_level=3,
                           ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(team.sam, assessment)
    tour.mark_demo(SYSTEM)
    db.session.commit()
    auth.login(team.manager)
    assert f"/reviews/{assessment.id}" in [href for href, _ in _tour(client.get("/"))]


def test_the_manager_is_led_to_a_development_goal_waiting_for_agreement(team, client, auth):
    from skills_app.services import plans

    goal = plans.propose(team.sam, team.sam, skill=team.slmo, target_level=4)
    tour.mark_demo(SYSTEM)
    db.session.commit()
    auth.login(team.manager)
    steps = [(href, html.unescape(text)) for href, text in _tour(client.get("/"))]
    assert (f"/people/{team.sam.id}/plan#goal-{goal.id}", "Agree Sam Subject's development goal (SLMO level 4), or send it back") in steps
    assert client.get(f"/people/{team.sam.id}/plan").status_code == 200
