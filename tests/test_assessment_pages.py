"""The assessment pages through the test client: My skills, starting,
rating, evidence, submitting, the review queue and page, notifications,
history on the person's page, and user content rendered inert."""
from __future__ import annotations

import re

import pytest

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.services import assessments as service
from tests.test_assessments import submitted


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_my_skills_start_rate_evidence_and_submit(team, client, auth):
    auth.login(team.sam)
    page = text(client.get("/my/skills"))
    assert "No skill is required of you yet, and you have not assessed any." in page and 'label for="skill_id"' in page
    page = text(client.get(f"/assessments/new?skill_id={team.slmo.id}"))
    assert '<option value="2">Level 2</option>' in page and 'value="1"' not in page
    response = client.post(f"/assessments/new?skill_id={team.slmo.id}", data={"claimed_level": "4"})
    assert response.status_code == 302
    a = db.session.scalars(db.select(Assessment)).one()
    page = text(client.get(response.headers["Location"]))
    for d in service.descriptors_in_view(a):
        assert f'for="rating-{d.id}-met"' in page
    assert "Save draft" in page and "Submit for review" in page and "have no evidence" in page

    claimed = service.claimed_descriptors(a)
    ratings = {f"rating-{d.id}": "met" for d in service.descriptors_in_view(a)}
    response = client.post(f"/assessments/{a.id}", data={"claimed_level": "4", "version": a.version, **ratings,
                                                          "save": "Save draft"}, follow_redirects=True)
    assert "Draft saved." in text(response)
    db.session.refresh(a)
    response = client.post(f"/assessments/{a.id}", data={"claimed_level": "4", "version": a.version, **ratings,
                                                          "descriptors": [str(d.id) for d in claimed], "add": "Add evidence",
                                                          "text": "I ran the quarterly SLA reviews.", "url": ""}, follow_redirects=True)
    page = text(response)
    assert "Evidence added." in page and "Every descriptor of level 4 has evidence." in page
    db.session.refresh(a)
    response = client.post(f"/assessments/{a.id}", data={"claimed_level": "4", "version": a.version, **ratings,
                                                          "submit": "Submit for review"}, follow_redirects=True)
    assert f"Submitted for review: {team.manager.name} has been told." in text(response)
    page = text(client.get("/my/skills"))
    assert "Awaiting review" in page


def test_stale_page_gets_a_clear_message(team, client, auth):
    a = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    old = a.version
    auth.login(team.sam)
    first = service.descriptors_in_view(a)[0]
    # Two tabs of the same page: the first saves a rating, the second (stale) changes it and submits.
    client.post(f"/assessments/{a.id}", data={"claimed_level": "3", "version": old, f"rating-{first.id}": "met", "save": "Save draft"})
    response = client.post(f"/assessments/{a.id}", data={"claimed_level": "3", "version": old, f"rating-{first.id}": "partly",
                                                          "submit": "Submit for review"}, follow_redirects=True)
    assert "changed while you were looking at it" in text(response)
    db.session.expire_all()
    assert db.session.get(Assessment, a.id).status == "draft"


def test_manager_reviews_descriptor_by_descriptor_and_approves_at_another_level(team, client, auth):
    a = submitted(team, level=4)
    auth.login(team.manager)
    page = text(client.get("/reviews"))
    assert '<span class="badge">1' in page and "Review Sam Subject's SLMO" in page
    page = text(client.get(f"/reviews/{a.id}"))
    assert "Approve at level 4 (as claimed)" in page and "Approve at level 3" in page
    assert "Return for more evidence" in page and "Reject" in page and "Ran the SLA reviews." in page
    first = service.descriptors_in_view(a)[0]
    form = {"version": a.version, "comment": "", "outcome": "approve:3", f"verdict-{first.id}": "not_accepted",
            f"verdict_comment-{first.id}": "No negotiation shown"}
    response = client.post(f"/reviews/{a.id}", data=form, follow_redirects=True)
    assert "Give a reason for approving at level 3" in text(response)
    form["comment"] = "Negotiation with customers not yet shown."
    response = client.post(f"/reviews/{a.id}", data=form, follow_redirects=True)
    assert "Decision recorded: validated." in text(response)
    assert "Nothing is waiting for your review." in text(response)
    # A second decision from the same, now stale, page is refused with a clear message.
    response = client.post(f"/reviews/{a.id}", data={**form, "outcome": "reject"}, follow_redirects=True)
    assert "changed while you were looking at it" in text(response)

    auth.logout()
    auth.login(team.sam)
    page = text(client.get("/notifications"))
    assert "validated your SLMO" in page and "Negotiation with customers not yet shown." in page
    assert '<span class="badge">1' in text(client.get("/my/skills"))
    page = text(client.get(f"/assessments/{a.id}"))
    assert "Validated at level 3 (level 4 claimed)" in page and "Negotiation with customers not yet shown." in page
    assert "No negotiation shown" in page and "Not accepted" in page
    assert "awaiting review → validated" in page  # the history
    client.post("/notifications/read")
    assert '<span class="badge">' not in text(client.get("/my/skills"))
    page = text(client.get("/my/skills"))
    assert re.search(r"SLMO</span> Service level management.*?<td class=\"num\">3</td> <td class=\"num\">4</td>", page)


@pytest.mark.parametrize("who, status", [("pat", 404), ("director", 403), ("other", 404), ("admin", 404), ("sam", 403)])
def test_others_cannot_decide(team, client, auth, who, status):
    a = submitted(team)
    auth.login(getattr(team, who))
    response = client.post(f"/reviews/{a.id}", data={"version": a.version, "outcome": "approve:4", "comment": ""})
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Assessment, a.id).status == "submitted"


def test_the_person_page_shows_decisions_over_time(team, client, auth):
    a = submitted(team, level=5)
    service.decide(team.manager, a, outcome="reject", comment="Level 5 is not the role.")
    b = submitted(team, level=3)
    service.decide(team.manager, b, outcome="approve")
    db.session.commit()
    for viewer in (team.sam, team.manager, team.director, team.hr):
        auth.login(viewer)
        page = text(client.get(f"/people/{team.sam.id}"))
        assert "Skills and decisions" in page and "Level 5 is not the role." in page and "validated at level 3" in page
        assert "Ran the SLA reviews." in page
        auth.logout()
    auth.login(team.admin)
    page = text(client.get(f"/people/{team.sam.id}"))
    assert "Skills and decisions" not in page


def test_user_content_is_inert(team, client, auth):
    a = service.start(team.sam, team.slmo, 3)
    d = service.claimed_descriptors(a)[0]
    service.add_evidence(team.sam, a, descriptor_ids=[d.id], text='<script>alert("x")</script><b>bold</b>')
    service.add_evidence(team.sam, a, descriptor_ids=[d.id], url='https://example.com/"><script>x</script>'.replace('"', "%22").replace("<", "%3C").replace(">", "%3E"))
    db.session.commit()
    auth.login(team.sam)
    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'rel="noopener noreferrer nofollow"' in page


def test_hr_and_admin_edit_framework_assessment_settings(team, client, auth):
    auth.login(team.hr)
    response = client.post("/frameworks/SFIA/settings?version=8", data={"evidence_required": "y", "validity_months": "12"},
                           follow_redirects=True)
    assert "Assessment settings of SFIA 8 saved." in text(response)
    db.session.refresh(team.sfia)
    assert team.sfia.evidence_required and team.sfia.validity_months == 12
    auth.logout()
    auth.login(team.sam)
    assert client.post("/frameworks/SFIA/settings?version=8", data={"validity_months": "3"}).status_code == 403
    assert "a validated level stays valid for 12 months" in text(client.get("/frameworks/SFIA?version=8"))


def test_every_form_field_has_a_label(team, client, auth):
    a = submitted(team, level=3)
    b = service.start(team.manager, team.slm, 2)
    db.session.commit()
    auth.login(team.manager)
    for url in ("/my/skills", f"/assessments/new?skill_id={team.slmo.id}", f"/assessments/{b.id}", f"/reviews/{a.id}"):
        page = client.get(url).get_data(as_text=True)
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', page)
        assert ids, url
        for field_id in ids:
            assert f'for="{field_id}"' in page, (url, field_id)


def test_anonymous_is_sent_to_sign_in(team, client):
    for url in ("/my/skills", "/reviews", "/notifications", "/assessments/1", "/reviews/1"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_evidence_given_above_a_lowered_claim_is_still_shown_to_the_reviewer(team, client, auth):
    a = service.start(team.sam, team.slmo, 4)
    service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], text="Negotiated the payroll SLA.")
    service.save_draft(team.sam, a, claimed_level=3, ratings={d.id: "met" for d in team.slmo.level(3).descriptors})
    service.submit(team.sam, a)
    db.session.commit()
    auth.login(team.manager)
    page = text(client.get(f"/reviews/{a.id}"))
    assert "Other evidence" in page and "Negotiated the payroll SLA." in page


def test_a_rating_or_claim_posted_under_a_name_that_is_not_a_number_is_ignored_not_a_500(team, client, auth):
    a = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    auth.login(team.sam)
    first = service.descriptors_in_view(a)[0]
    response = client.post(f"/assessments/{a.id}", data={"claimed_level": "3", "version": a.version, f"rating-{first.id}": "met",
                                                          "rating-\u00b2": "met", "claim-\u00b2": "4", "save": "Save draft"})
    assert response.status_code == 302
    assert client.post(f"/assessments/{a.id}/ratings", data={"rating-\u00b2": "met"}).status_code < 500
