"""The level of responsibility in the browser's pages (issue 21): My level of
responsibility, the responsibility assessment and review pages, the flag on a
skill claimed far above it, a job role's required level, and who may reach a
responsibility assessment (as a skill's: the access matrix's rows)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.services import assessments, responsibility
from tests.test_access_matrix import BAD_FORM, CALLERS, CONFLICT, LOGIN, MATRIX, path_for
from tests.test_responsibility import claims, levels_framework, validated_responsibility


@pytest.fixture
def submitted_responsibility(org):
    """The subject's responsibility assessment, submitted with a piece of evidence."""
    lor = levels_framework()
    subject = org["self"]
    a = responsibility.start(subject, lor, 3)
    assessments.add_evidence(subject, a, descriptor_ids=[lor.attributes[0].id], text="Ran the desk alone for a month.")
    assessments.submit(subject, a)
    db.session.commit()
    return a


# The subject's submitted responsibility assessment answers each caller as the subject's submitted SLMO
# assessment does (the matrix's rows), but for the person's own empty save: with no level to choose, the
# form is valid, and editing a submitted assessment is refused (409).
ROWS = [("assessments.show", "GET"), ("reviews.show", "GET"), ("reviews.decide", "POST"), ("assessments.save", "POST")]


@pytest.mark.parametrize("endpoint, method", ROWS)
@pytest.mark.parametrize("caller", CALLERS)
def test_a_responsibility_assessment_answers_every_caller_as_a_skill_assessment_does(
        app, client, auth, org, things, submitted_responsibility, endpoint, method, caller):
    expected = MATRIX[endpoint][method][caller]
    if (endpoint, caller) == ("assessments.save", "self"):
        expected = CONFLICT
    path = path_for(app, endpoint, org["self"], dict(things, assessment_id=submitted_responsibility.id))
    if org[caller] is not None:
        auth.login(org[caller])
    response = client.open(path, method=method, data={} if method == "POST" else None)
    assert response.status_code == expected.status, f"{method} {path} as {caller}"
    if expected is LOGIN or expected.status in (403, 404):
        assert org["self"].email not in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Assessment, submitted_responsibility.id).status == "submitted"


def test_an_employee_assesses_their_responsibility_and_the_manager_validates_it(client, auth, team):
    lor = levels_framework()
    auth.login(team.sam)
    page = client.get("/my/responsibility").get_data(as_text=True)
    assert "Validated level of responsibility" in page and "none yet" in page
    assert '<label for="framework_id">Framework</label>' in page
    response = client.post("/my/responsibility", data={"framework_id": str(lor.id), "level": "3"})
    a = db.session.scalar(select(Assessment).where(Assessment.person_id == team.sam.id, Assessment.kind == "responsibility"))
    assert response.status_code == 302 and response.location.endswith(f"/assessments/{a.id}")
    # Started again (a second click): the same one opens.
    again = client.post("/my/responsibility", data={"framework_id": str(lor.id), "level": "3"})
    assert again.location.endswith(f"/assessments/{a.id}")

    page = client.get(f"/assessments/{a.id}").get_data(as_text=True)
    autonomy, influence = lor.attributes[0], lor.attributes[1]
    assert f'<label for="claim-{autonomy.id}">Autonomy: your level</label>' in page
    assert "Autonomy at level 3." in page
    form = {f"claim-{at.id}": "4" for at in lor.attributes} | {f"claim-{autonomy.id}": "3", "descriptors": [str(influence.id)],
                                                                 "text": "Chaired the change board.", "add": "Add evidence",
                                                                 "version": str(a.version)}
    assert client.post(f"/assessments/{a.id}", data=form).status_code == 302
    db.session.expire_all()
    assert a.claimed_level == 4 and a.evidence[0].attributes == [influence]
    response = client.post(f"/assessments/{a.id}", data={"submit": "Submit for review", "version": str(a.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert a.status == "submitted"

    auth.logout()
    auth.login(team.manager)
    queue = client.get("/reviews").get_data(as_text=True)
    assert "Level of responsibility" in queue and "Review Sam Subject's LoR" in queue
    review = client.get(f"/reviews/{a.id}").get_data(as_text=True)
    assert f'<label for="validated-{influence.id}">Validate Influence at</label>' in review
    assert "Chaired the change board." in review
    # Another level for one attribute without a reason: refused beside the comment, nothing decided.
    refused = client.post(f"/reviews/{a.id}", data={"outcome": "approve", f"validated-{influence.id}": "3", "version": str(a.version)})
    assert refused.status_code == 400 and "Give a reason for validating Influence" in refused.get_data(as_text=True)
    done = client.post(f"/reviews/{a.id}", data={"outcome": "approve", f"validated-{influence.id}": "3",
                                                 "comment": "Influence is level 3 for now.", "version": str(a.version)})
    assert done.status_code == 302
    db.session.expire_all()
    assert (a.status, a.validated_level) == ("validated", 4)

    auth.logout()
    auth.login(team.sam)
    mine = client.get("/my/skills").get_data(as_text=True)
    row = re.search(r'<tr class="responsibility-row">(.*?)</tr>', mine, re.S).group(1)
    assert "Level of responsibility" in row and '<td class="num">4' in row and "Validated" in row


def test_a_skill_claimed_two_levels_above_shows_the_flag_to_the_person_and_the_reviewer(client, auth, team):
    lor = levels_framework()
    validated_responsibility(team.sam, team.manager, lor, 2, 2, 2, 3, 3)
    auth.login(team.sam)
    start = client.get(f"/assessments/new?skill_id={team.slmo.id}").get_data(as_text=True)
    assert "Your validated level of responsibility is 2" in start and "level 4 or above will be questioned" in start
    client.post(f"/assessments/new?skill_id={team.slmo.id}", data={"claimed_level": "4"})
    skill = db.session.scalar(select(Assessment).where(Assessment.person_id == team.sam.id, Assessment.kind == "skill"))
    page = client.get(f"/assessments/{skill.id}").get_data(as_text=True)
    assert "Level 4 claimed, your level of responsibility is 2" in page
    assert "<th scope=\"row\">Autonomy</th><td>Autonomy at level 2.</td><td>Autonomy at level 4.</td>" in page
    assessments.save_draft(team.sam, skill, claimed_level=4, ratings={d.id: "met" for d in assessments.claimed_descriptors(skill)})
    assessments.submit(team.sam, skill)
    db.session.commit()
    auth.logout()
    auth.login(team.manager)
    review = client.get(f"/reviews/{skill.id}").get_data(as_text=True)
    assert "Level 4 claimed, Sam Subject&#39;s level of responsibility is 2" in review
    assert "Approve at level 4 (as claimed)" in review


def test_one_level_above_is_not_flagged(client, auth, team):
    lor = levels_framework()
    validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 3, 3)
    skill = assessments.start(team.sam, team.slmo, 4)
    db.session.commit()
    auth.login(team.sam)
    assert "your level of responsibility is" not in client.get(f"/assessments/{skill.id}").get_data(as_text=True)


def test_hr_states_a_job_roles_required_level_of_responsibility(client, auth, team):
    from skills_app.policy import SYSTEM
    from skills_app.services import requirements

    role = requirements.save_job_role(SYSTEM, None, name="Desk lead", description=None)
    db.session.commit()
    auth.login(team.hr)
    page = client.get(f"/requirements/roles/{role.id}").get_data(as_text=True)
    assert '<label for="details-responsibility_level">Level of responsibility required (optional)</label>' in page
    bad = client.post(f"/requirements/roles/{role.id}", data={"details-name": "Desk lead", "details-responsibility_level": "12",
                                                              "details-submit": "Save"})
    assert bad.status_code == 400 and "between 1 and 9" in bad.get_data(as_text=True)
    ok = client.post(f"/requirements/roles/{role.id}", data={"details-name": "Desk lead", "details-responsibility_level": "4",
                                                             "details-submit": "Save"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert role.responsibility_level == 4
    assert "Level of responsibility required:</strong> 4" in client.get(f"/requirements/roles/{role.id}").get_data(as_text=True)
