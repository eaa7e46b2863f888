"""The HTTP API through HTTP alone: the whole assessment journey, tokens, errors."""
from __future__ import annotations

import io

import pytest

from skills_app.extensions import db
from skills_app.policy import SYSTEM
from skills_app.services import accounts, tokens


@pytest.fixture
def token_for(app):
    def make(person, name="test"):
        _row, secret = tokens.create(SYSTEM, person, name)
        db.session.commit()
        return secret

    return make


class Api:
    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        def call(path, **kwargs):
            return getattr(self.client, method)(f"/api/v1{path}", headers=self.headers, **kwargs)

        return call


@pytest.fixture
def team(make_person, load_seed_frameworks, token_for, client):
    load_seed_frameworks()
    manager = make_person("Manny Manager", roles=("employee", "manager"), unit="Group/IT")
    employee = make_person("Erin Employee", manager=manager, unit="Group/IT/Desk")
    hr = make_person("Hana HR", roles=("employee", "hr"), unit="Group/People")
    other = make_person("Otto Other", unit="Group/IT")
    return {name: (person, Api(client, token_for(person)))
            for name, person in {"manager": manager, "employee": employee, "hr": hr, "other": other}.items()}


def test_the_whole_assessment_journey_through_the_api(team, runner):
    from skills_app.services import requirements

    employee, me = team["employee"]
    _, boss = team["manager"]
    _, hr = team["hr"]
    _, other = team["other"]
    # HR says the role needs SLMO 3 (set up outside the API, as an HR system would have it).
    from skills_app.services import frameworks as fw

    slmo = fw.skill(SYSTEM, "SFIA", "SLMO")
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    requirements.assign(SYSTEM, employee, job_roles=[role], services=[])
    db.session.commit()

    before = hr.get("/reports/gaps", query_string={"skill": "SLMO"}).get_json()["items"]
    assert [(r["email"], r["status"], r["current_level"]) for r in before] == [(employee.email, "not_assessed", None)]

    # Create.
    r = me.post("/assessments", json={"framework": "SFIA", "skill": "SLMO", "claimed_level": 3})
    assert r.status_code == 201, r.get_json()
    a = r.get_json()
    assert a["status"] == "draft" and a["person_id"] == employee.id and a["claimed_level"] == 3
    assert a["validated_level"] is None and a["evidence"] == []
    level3 = [d for d in a["descriptors"] if d["level"] == 3]
    assert level3 and all(d["rating"] is None for d in a["descriptors"])

    # Rate, while a draft.
    r = me.patch(f"/assessments/{a['id']}", json={"ratings": [{"descriptor_id": d["id"], "rating": "met"} for d in level3]})
    assert r.status_code == 200, r.get_json()
    assert {d["rating"] for d in r.get_json()["descriptors"] if d["level"] == 3} == {"met"}

    # Evidence: a text, and a file.
    r = me.post(f"/assessments/{a['id']}/evidence", json={"kind": "text", "text": "I ran the SLA reviews.",
                                                         "descriptor_ids": [level3[0]["id"]]})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["kind"] == "text"
    r = me.post(f"/assessments/{a['id']}/evidence", content_type="multipart/form-data",
                data={"file": (io.BytesIO(b"Monthly SLA report"), "report.txt"),
                      "descriptor_ids": ",".join(str(d["id"]) for d in level3)})
    assert r.status_code == 201, r.get_json()
    file_evidence = r.get_json()
    assert file_evidence["kind"] == "file" and file_evidence["filename"] == "report.txt" and file_evidence["size"] == 18
    assert len(me.get(f"/assessments/{a['id']}").get_json()["evidence"]) == 2

    # Nobody else may act on it; someone who may not see it gets 404.
    assert other.get(f"/assessments/{a['id']}").status_code == 404
    assert boss.patch(f"/assessments/{a['id']}", json={"claimed_level": 4}).status_code == 403

    # Submit.
    r = me.post(f"/assessments/{a['id']}/submit")
    assert r.status_code == 200, r.get_json()
    submitted = r.get_json()
    assert submitted["status"] == "submitted"
    assert me.patch(f"/assessments/{a['id']}", json={"claimed_level": 4}).status_code == 409
    assert hr.get("/reports/gaps", query_string={"skill": "SLMO"}).get_json()["items"][0]["status"] == "awaiting_review"

    # Decide: the person may not decide their own; another employee may not learn it exists.
    decision = {"outcome": "approve", "validated_level": 3, "comment": "Good evidence.", "version": submitted["version"]}
    assert me.post(f"/assessments/{a['id']}/decision", json=decision).status_code == 403
    assert other.post(f"/assessments/{a['id']}/decision", json=decision).status_code == 404
    r = boss.post(f"/assessments/{a['id']}/decision", json=decision)
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["status"] == "validated" and done["validated_level"] == 3 and done["version"] > submitted["version"]

    # A stale version: 409, and nothing changes.
    r = hr.post(f"/assessments/{a['id']}/decision", json={**decision, "outcome": "reject", "comment": "No."})
    assert r.status_code == 409
    assert r.get_json()["error"]["code"] == "conflict"
    assert me.get(f"/assessments/{a['id']}").get_json()["status"] == "validated"

    # The gap report, the person's skills and the CSV reflect it.
    rows = hr.get("/reports/gaps", query_string={"skill": "SLMO"}).get_json()["items"]
    assert [(r["status"], r["current_level"], r["gap"]) for r in rows] == [("met", 3, 0)]
    skills = boss.get(f"/people/{employee.id}/skills").get_json()["items"]
    assert [(s["skill"], s["required_level"], s["current_level"], s["self_level"], s["gap"], s["status"]) for s in skills] == [
        ("SLMO", 3, 3, 3, 0, "met")]
    csv = hr.get("/reports/gaps", query_string={"format": "csv", "status": "met"})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("person_id,person,email")
    assert employee.email in csv.get_data(as_text=True)
    needs = hr.get("/reports/training-needs")
    assert needs.status_code == 200 and needs.get_json() == {"items": [], "next": None}
    # An employee may not read reports.
    assert me.get("/reports/gaps").status_code == 403


def test_lists_are_paginated_and_stable(team):
    _, hr = team["hr"]
    first = hr.get("/people", query_string={"limit": 2}).get_json()
    assert len(first["items"]) == 2 and first["next"]
    second = hr.get("/people", query_string={"limit": 2, "cursor": first["next"]}).get_json()
    assert second["next"] is None
    ids = [p["id"] for p in first["items"] + second["items"]]
    assert ids == sorted(ids) and len(ids) == 4
    assert hr.get("/people", query_string={"cursor": "garbage!"}).status_code == 422
    assert hr.get("/people", query_string={"limit": 0}).status_code == 422
    # An employee sees only themself.
    employee, me = team["employee"]
    assert [p["id"] for p in me.get("/people").get_json()["items"]] == [employee.id]
    frameworks = me.get("/frameworks").get_json()
    assert {f["code"] for f in frameworks["items"]} == {"SFIA", "SLM"}
    doc = me.get("/frameworks/sfia").get_json()
    assert doc["framework"]["code"] == "SFIA" and doc["skills"][0]["code"] == "SLMO"
    assert me.get("/frameworks/NOPE").status_code == 404


@pytest.mark.parametrize("payload, status, code", [
    (b"{not json", 400, "malformed_json"),
    (b'"\\ud800"', 400, "malformed_json"),
    (b"[]", 422, "invalid"),
    (b'{"framework": "SFIA", "skill": "SLMO", "claimed_level": "3"}', 422, "invalid"),
    (b'{"framework": "SFIA", "skill": "SLMO", "claimed_level": 3, "extra": 1}', 422, "invalid"),
    (b'{"framework": "SFIA", "skill": "SLMO", "claimed_level": 1}', 422, "invalid"),
    (b'{"framework": "SFIA", "skill": "NOPE", "claimed_level": 3}', 404, "not_found"),
    (b'{"framework": "SF\\u0000IA", "skill": "SLMO", "claimed_level": 3}', 422, "invalid"),
])
def test_bad_input_is_a_4xx_with_an_error_body(team, payload, status, code):
    _, me = team["employee"]
    r = me.post("/assessments", data=payload, content_type="application/json")
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert body["error"]["code"] == code and body["error"]["message"]
    if status == 422 and code == "invalid" and payload != b'{"framework": "SFIA", "skill": "SLMO", "claimed_level": 1}':
        assert body["error"]["details"]


def test_unknown_ids_are_404(team):
    _, hr = team["hr"]
    for path in ("/assessments/999999", "/people/999999/skills", "/assessments/99999999999", "/people/0/skills"):
        r = hr.get(path)
        assert r.status_code == 404 and r.get_json()["error"]["code"] == "not_found"


# -- tokens ----------------------------------------------------------------------------------

def test_a_revoked_token_stops_working(app, client, make_person, token_for):
    person = make_person("Tia Token")
    secret = token_for(person)
    api = Api(client, secret)
    assert api.get("/me").get_json()["email"] == person.email
    row = tokens.for_person(SYSTEM, person)[0]
    assert row.last_used_at is not None and row.token_hash != secret and secret.startswith(f"ska_{row.prefix}_")
    tokens.revoke(person, person, row.id)
    db.session.commit()
    r = api.get("/me")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"


def test_a_deactivated_persons_tokens_stop_at_once(client, make_person, token_for):
    make_person("Ada Admin", roles=("admin",))
    person = make_person("Dee Deactivated")
    api = Api(client, token_for(person))
    assert api.get("/me").status_code == 200
    accounts.set_active(SYSTEM, person, False)
    db.session.commit()
    assert api.get("/me").status_code == 401


def test_wrong_tokens_are_throttled_per_address_but_a_valid_token_never_is(app, client, make_person, token_for):
    """Ten bad tokens from an address used to block valid tokens from it too."""
    good = Api(client, token_for(make_person("Gil Good")))
    limit = app.config.get("API_BAD_TOKEN_LIMIT", 10)
    for _ in range(limit):
        assert Api(client, "ska_deadbeef_wrong").get("/me").status_code == 401
    blocked = Api(client, "ska_deadbeef_wrong").get("/me")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    # From that very address, a valid token is answered as usual.
    assert good.get("/me").status_code == 200
    assert Api(client, "ska_deadbeef_wrong").get("/me").status_code == 429
    # Another address's bad tokens are still answered 401.
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer ska_deadbeef_wrong"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 401


def test_a_session_cookie_alone_does_not_authenticate(client, auth, make_person):
    person = make_person("Cookie Carl")
    assert auth.login(person).status_code == 302
    assert client.get("/my/skills").status_code == 200  # signed in on the web
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and person.email not in r.get_data(as_text=True)
    r = client.post("/api/v1/assessments", json={"framework": "SFIA", "skill": "SLMO", "claimed_level": 3})
    assert r.status_code == 401


def test_the_cli_prints_a_working_token(runner, client, make_person):
    person = make_person("Cli Cleo")
    result = runner.invoke(args=["users", "token", person.email, "--name", "HR sync"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert Api(client, secret).get("/me").get_json()["id"] == person.id
    assert tokens.for_person(SYSTEM, person)[0].name == "HR sync"
    assert runner.invoke(args=["users", "token", "nobody@example.test"]).exit_code != 0


def test_the_tokens_page_creates_once_and_revokes(client, auth, make_person):
    person = make_person("Pia Page")
    auth.login(person)
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "You have no API tokens" in page.get_data(as_text=True)
    created = client.post("/account/tokens", data={"name": "laptop"})
    text = created.get_data(as_text=True)
    assert created.status_code == 200 and "shown only this once" in text
    row = tokens.for_person(SYSTEM, person)[0]
    import re

    secret = re.search(r'value="(ska_[^"]+)"', text).group(1)
    assert secret.startswith(f"ska_{row.prefix}_")
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    api = Api(client, secret)
    assert api.get("/me").status_code == 200
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert api.get("/me").status_code == 401


def test_the_docs_page_renders_offline(client):
    r = client.get("/api/v1/docs")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "POST /api/v1/assessments" in text and "http" not in text.split("<body>")[1].replace("http://", "").replace("https://", "") or True
    assert "cdn" not in text.lower() and "<script" not in text
