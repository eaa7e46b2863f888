"""A joiner, a mover and a leaver pushed by SCIM: they show up, move and stop in
the people directory, the org tree and the gap report; and a leaver can no
longer sign in by either method, and their tokens stop."""
from __future__ import annotations

from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import Person
from skills_app.policy import SYSTEM
from tests.test_oidc import authorize, iam_client, idp, provider_user, signed_in_as  # noqa: F401  (fixtures)
from tests.test_scim import ENTERPRISE, PATCH_OP, USER, Scim, scim, scim_token  # noqa: F401  (fixtures)


def joiner(scim, email="jo.joiner@acme.example", unit="Acme/IT/Service Desk", manager_id=None) -> dict:
    extension = {"employeeNumber": "J001", "department": unit}
    if manager_id:
        extension["manager"] = {"value": manager_id}
    response = scim.post("/Users", {
        "schemas": [USER, ENTERPRISE], "userName": email, "name": {"givenName": "Jo", "familyName": "Joiner"},
        "emails": [{"value": email, "type": "work", "primary": True}], "title": "Service Desk Analyst", "active": True,
        ENTERPRISE: extension})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_joiner_mover_leaver_in_the_directory_org_tree_and_gap_report(app, client, auth, scim, make_person, load_seed_frameworks):
    from skills_app.reports.gaps import rows as report_rows
    from skills_app.services import gaps, requirements

    frameworks = load_seed_frameworks()
    role = requirements.save_job_role(SYSTEM, None, name="Service Desk Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, frameworks["SFIA"].skills[0], min_level=3, essential=True)
    hr = make_person("Hana HR", roles=("employee", "hr", "admin"))
    manager = make_person("Marcus Webb", roles=("employee", "manager"), unit="Acme/IT/Service Desk")
    db.session.commit()

    # Joiner: an account, in their unit, under their manager, holding the job role (a group).
    user = joiner(scim, manager_id=str(manager.id))
    group = scim.get('/Groups?filter=displayName eq "Service Desk Analyst"').get_json()["Resources"][0]
    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": user["id"]}]}]}).status_code == 204
    auth.login(hr)
    assert "Jo Joiner" in client.get("/people?q=joiner").get_data(as_text=True)
    tree = client.get("/admin/org-units").get_data(as_text=True)
    assert "Acme/IT/Service Desk" in tree or "Service Desk" in tree
    rows = report_rows(gaps.frame(hr, gaps.Filters(org_unit="Acme/IT/Service Desk")))
    mine = [r for r in rows if r["email"] == "jo.joiner@acme.example"]
    assert [(r["job_role"], r["skill"], r["status"]) for r in mine] == [("Service Desk Analyst", "SLMO", "not_assessed")]
    assert db.session.get(Person, int(user["id"])).manager_id == manager.id

    # Mover: another unit (by department), now in the gap report under it.
    assert scim.patch(f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Acme/IT/Infrastructure"}]}).status_code == 200
    assert not [r for r in report_rows(gaps.frame(hr, gaps.Filters(org_unit="Acme/IT/Service Desk"))) if r["email"] == "jo.joiner@acme.example"]
    moved = [r for r in report_rows(gaps.frame(hr, gaps.Filters(org_unit="Acme/IT/Infrastructure"))) if r["email"] == "jo.joiner@acme.example"]
    assert [r["org_unit"] for r in moved] == ["Acme/IT/Infrastructure"]

    # Leaver: deactivated, out of the directory and the gap report; nothing deleted.
    assert scim.patch(f"/Users/{user['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"active": False}}]}).status_code == 200
    assert "Jo Joiner" not in client.get("/people?q=joiner").get_data(as_text=True)
    assert not [r for r in report_rows(gaps.frame(hr)) if r["email"] == "jo.joiner@acme.example"]
    assert db.session.get(Person, int(user["id"])) is not None


def test_a_leaver_deprovisioned_by_scim_cannot_sign_in_either_way_and_their_tokens_stop(app, client, idp, scim, make_person):
    from skills_app.services import accounts, tokens

    body = joiner(scim, email="lee.leaver@acme.example")
    person = db.session.get(Person, int(body["id"]))
    accounts.reset_password(SYSTEM, person, "a-password-of-lee-1")
    _row, api_token = tokens.create(SYSTEM, person, "scripts")
    db.session.commit()
    at_provider = provider_user(idp, "lee.leaver@acme.example")

    # Signed in through the provider (linked by email), a password session elsewhere, a working token.
    assert client.get(authorize(client, idp, at_provider)).status_code == 302
    assert signed_in_as(client) == "lee.leaver@acme.example"
    other = app.test_client()
    assert other.post("/login", data={"email": "lee.leaver@acme.example", "password": "a-password-of-lee-1"}).status_code == 302
    assert other.get("/").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200

    response = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"active": False}}]})
    assert response.status_code == 200 and response.get_json()["active"] is False

    # Every session ends at once, and the token stops.
    assert signed_in_as(client) is None
    assert other.get("/").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    # Neither way in works any more.
    refused = client.get(authorize(client, idp, at_provider))
    assert refused.status_code == 403 and "is deactivated" in refused.get_data(as_text=True)
    assert other.post("/login", data={"email": "lee.leaver@acme.example", "password": "a-password-of-lee-1"}).status_code == 401
    assert signed_in_as(client) is None
