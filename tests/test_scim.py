"""SCIM 2.0 provisioning at /scim/v2: the compliance checker, the calls that
Microsoft Entra ID's and Okta's provisioning make (as their documentation
records them), and what a joiner, a mover and a leaver do here."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import AuditEvent, Person
from skills_app.policy import SYSTEM

SCIM = "/scim/v2"
MEDIA = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def scim_token(app):
    from skills_app.services import scim_tokens

    _row, secret = scim_tokens.create(SYSTEM, "Entra ID")
    db.session.commit()
    return secret


class Scim:
    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, body=None, **headers):
        return self.client.open(f"{SCIM}{path}", method=method, headers={**self.headers, **headers},
                                json=body if body is not None else None)

    def get(self, path, **h):
        return self("GET", path, **h)

    def post(self, path, body, **h):
        return self("POST", path, body, **h)

    def patch(self, path, body, **h):
        return self("PATCH", path, body, **h)

    def put(self, path, body, **h):
        return self("PUT", path, body, **h)

    def delete(self, path, **h):
        return self("DELETE", path, **h)


@pytest.fixture
def scim(client, scim_token):
    return Scim(client, scim_token)


@pytest.mark.parametrize("groups", ["job_roles", "org_units"])
def test_scim2_tester_finds_no_failure(app, scim_token, groups, monkeypatch):
    from scim2_client.engines.wsgi import WSGISCIMClient
    from scim2_tester import Status, check_server

    monkeypatch.setitem(app.config, "SCIM_GROUPS", groups)
    client = WSGISCIMClient(app, base_url=f"http://localhost{SCIM}", headers={"Authorization": f"Bearer {scim_token}"})
    # SCIM_GROUPS changes what a Group is, nothing of Users: with org units as groups the
    # checker runs on Groups (and discovery) only; the Users' checks of job_roles hold for both.
    results = check_server(client, resource_types=["Group"] if groups == "org_units" else None)
    failures = [f"{r.title} [{getattr(r, 'resource_type', '')}]: {r.reason}" for r in results if r.status == Status.ERROR]
    assert not failures, "\n".join(failures)
    succeeded = {r.title for r in results if r.status == Status.SUCCESS}
    assert {"object_creation", "object_query", "object_replacement", "object_deletion", "check_replace_attribute",
            "check_add_attribute", "check_remove_attribute"} <= succeeded


def person_by(email: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.email == email))


# -- Microsoft Entra ID: the requests its provisioning service sends ------------------------------

ENTRA_CREATE = {
    "schemas": [USER, ENTERPRISE],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
}


def entra_user(scim, **changes) -> dict:
    response = scim.post("/Users", {**ENTRA_CREATE, **changes})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_entra_create_user(scim):
    body = entra_user(scim)
    assert body["userName"] == ENTRA_CREATE["userName"] and body["externalId"] == ENTRA_CREATE["externalId"]
    assert body["emails"] == [{"value": ENTRA_CREATE["emails"][0]["value"].lower(), "type": "work", "primary": True}]
    assert body["name"] == ENTRA_CREATE["name"] and body["active"] is True
    assert body["meta"]["resourceType"] == "User" and body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    person = person_by(ENTRA_CREATE["emails"][0]["value"].lower())
    assert person.name == "givenName familyName" and person.password_hash is None and person.roles == {"employee"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.created"))
    assert event.entity_id == person.id and event.actor_label.startswith("SCIM client Entra ID")


def test_entra_get_user_by_query_finds_it_and_zero_results_is_an_empty_list(scim):
    body = entra_user(scim)
    found = scim.get('/Users?filter=userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == body["id"]
    assert found["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    none = scim.get('/Users?filter=userName eq "non-existent user"')
    assert none.status_code == 200 and none.get_json()["totalResults"] == 0 and none.get_json()["Resources"] == []
    # userName is not case-sensitive; externalId is.
    assert scim.get('/Users?filter=userName eq "test_user_00AA00aa-bb11-cc22-dd33-44ee44ee44ee"').get_json()["totalResults"] == 1
    assert scim.get(f'/Users?filter=externalId eq "{ENTRA_CREATE["externalId"]}"').get_json()["totalResults"] == 1
    assert scim.get(f'/Users?filter=externalId eq "{ENTRA_CREATE["externalId"].upper()}"').get_json()["totalResults"] == 0


def test_entra_update_user_multi_valued_properties(scim):
    body = entra_user(scim)
    response = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}]})
    assert response.status_code == 200
    assert response.get_json()["emails"][0]["value"] == "updatedemail@microsoft.com"
    assert response.get_json()["name"]["familyName"] == "updatedFamilyName"
    assert person_by("updatedemail@microsoft.com").id == int(body["id"])


def test_entra_update_user_single_valued_properties_and_the_no_path_replace(scim):
    body = entra_user(scim)
    response = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]})
    assert response.get_json()["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    # With the aadOptscim062020 flag, several attributes in one value, extension ones by their URN.
    response = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "TestMhvaes@test.microsoft.com"},
        {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua",
                                    f"{ENTERPRISE}:employeeNumber": "Aklq"}}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    person = person_by("testmhvaes@test.microsoft.com")
    assert (person.name, person.employee_number) == ("Bjfe", "Aklq")
    assert response.get_json()["name"]["givenName"] == "Kkom"
    # Add on a single-valued attribute (Entra's "Add" for title), and the enterprise department.
    scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "title", "value": "Service Desk Analyst"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Group/IT/Service Desk"}]})
    person = person_by("testmhvaes@test.microsoft.com")
    assert person.job_title == "Service Desk Analyst" and person.org_unit.path == "Group/IT/Service Desk"


def test_entra_manager_as_a_bare_id(scim):
    manager = entra_user(scim, userName="boss", externalId="b", emails=[{"type": "work", "value": "boss@testuser.com"}])
    report = entra_user(scim)
    response = scim.patch(f"/Users/{report['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager["id"]}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()[ENTERPRISE]["manager"]["value"] == manager["id"]
    assert person_by(ENTRA_CREATE["emails"][0]["value"].lower()).manager.email == "boss@testuser.com"
    response = scim.patch(f"/Users/{report['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": f"{ENTERPRISE}:manager"}]})
    assert "manager" not in response.get_json().get(ENTERPRISE, {})
    assert person_by(ENTRA_CREATE["emails"][0]["value"].lower()).manager is None


@pytest.mark.parametrize("value", ["False", False])
def test_entra_disable_user(scim, value):
    body = entra_user(scim)
    response = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "active", "value": value}]})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert person_by(body["emails"][0]["value"]).active is False
    # A disabled user is still served, with active false (Entra reads it back).
    listed = scim.get(f'/Users?filter=userName eq "{body["userName"]}"').get_json()["Resources"][0]
    assert listed["active"] is False
    again = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "active", "value": "True"}]})
    assert again.get_json()["active"] is True and person_by(body["emails"][0]["value"]).active is True


def test_entra_delete_user_deactivates_and_keeps_the_person(scim):
    body = entra_user(scim)
    assert scim.delete(f"/Users/{body['id']}").status_code == 204
    assert scim.get(f"/Users/{body['id']}").status_code == 404
    person = person_by(body["emails"][0]["value"])
    assert person is not None and person.active is False
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.deprovisioned")).entity_id == person.id


ENTRA_GROUP = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
    "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
    "displayName": "Service Desk Analyst",
    "meta": {"resourceType": "Group"},
}


def test_entra_group_lifecycle_as_job_roles(scim):
    from skills_app.models import JobRole

    user = entra_user(scim)
    created = scim.post("/Groups", ENTRA_GROUP)
    assert created.status_code == 201, created.get_data(as_text=True)
    group = created.get_json()
    assert group["displayName"] == "Service Desk Analyst" and group["externalId"] == ENTRA_GROUP["externalId"]
    role = db.session.get(JobRole, int(group["id"]))
    assert role.name == "Service Desk Analyst"
    got = scim.get(f"/Groups/{group['id']}?excludedAttributes=members").get_json()
    assert "members" not in got and got["displayName"] == "Service Desk Analyst"
    by_name = scim.get('/Groups?excludedAttributes=members&filter=displayName eq "Service Desk Analyst"').get_json()
    assert [g["id"] for g in by_name["Resources"]] == [group["id"]]

    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Service Desk Analyst II"}]}).status_code == 204
    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Add", "path": "members", "value": [{"$ref": None, "value": user["id"]}]}]}).status_code == 204
    person = person_by(user["emails"][0]["value"])
    assert [r.name for r in person.job_roles] == ["Service Desk Analyst II"]
    assert scim.get(f'/Groups?filter=id eq "{group["id"]}" and members eq "{user["id"]}"').get_json()["totalResults"] == 1
    # Removing a member the way Entra ID sends it without the compliance flag: a value on remove.
    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": user["id"]}]}]}).status_code == 204
    assert person_by(user["emails"][0]["value"]).job_roles == []
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get(f"/Groups/{group['id']}").status_code == 404


# -- Okta: the requests of its SCIM 2.0 provisioning ----------------------------------------------

OKTA_CREATE = {
    "schemas": [USER], "userName": "test.user@okta.local", "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}], "displayName": "Test User",
    "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7", "groups": [], "password": "1mz050nq", "active": True,
}


def test_okta_looks_the_user_up_then_creates_it(scim):
    lookup = scim.get('/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100')
    assert lookup.status_code == 200 and lookup.get_json()["totalResults"] == 0
    created = scim.post("/Users", OKTA_CREATE)
    assert created.status_code == 201 and created.mimetype == "application/scim+json"
    body = created.get_json()
    assert "password" not in body and body["displayName"] == "Test User"
    person = person_by("test.user@okta.local")
    assert person.password_hash is None  # Okta's password is not taken: sign-in goes through the provider
    assert scim.get('/Users?filter=userName eq "test.user@okta.local"&startIndex=1&count=100').get_json()["totalResults"] == 1
    # The same userName again is a conflict, in SCIM's error schema.
    again = scim.post("/Users", OKTA_CREATE)
    assert again.status_code == 409 and again.get_json()["scimType"] == "uniqueness"
    assert again.get_json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_okta_profile_push_replaces_the_user(scim, make_person):
    body = scim.post("/Users", OKTA_CREATE).get_json()
    # HR's fields, set here, are kept by a replacement that does not carry the enterprise extension.
    scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E100"}]})
    replaced = scim.put(f"/Users/{body['id']}", {**OKTA_CREATE, "id": body["id"], "displayName": "Test Q. User",
                                                 "title": "Engineer"})
    assert replaced.status_code == 200
    person = person_by("test.user@okta.local")
    assert (person.name, person.job_title, person.employee_number) == ("Test Q. User", "Engineer", "E100")


def test_okta_deactivate_and_reactivate(scim):
    body = scim.post("/Users", OKTA_CREATE).get_json()
    off = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert person_by("test.user@okta.local").active is False
    on = scim.patch(f"/Users/{body['id']}", {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": True}}]})
    assert on.get_json()["active"] is True and person_by("test.user@okta.local").active is True


def test_okta_group_push(scim, app, monkeypatch):
    monkeypatch.setitem(app.config, "SCIM_GROUPS", "org_units")
    user = scim.post("/Users", OKTA_CREATE).get_json()
    group = scim.post("/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Acme/IT/Service Desk",
                                  "members": []}).get_json()
    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": user["id"], "display": "test.user@okta.local"}]}]}).status_code == 204
    assert person_by("test.user@okta.local").org_unit.path == "Acme/IT/Service Desk"
    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "value": {"id": group["id"], "displayName": "Acme/IT/Support"}}]}).status_code == 204
    assert person_by("test.user@okta.local").org_unit.path == "Acme/IT/Support"
    assert scim.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{user["id"]}"]'}]}).status_code == 204
    assert person_by("test.user@okta.local").org_unit is None
    listed = scim.get("/Groups?startIndex=1&count=100").get_json()
    assert [g["displayName"] for g in listed["Resources"]] == ["Acme", "Acme/IT", "Acme/IT/Support"]


# -- tokens: SCIM's own, refused by the API, and the API's refused here -----------------------------

def test_the_cli_prints_a_scim_token_good_for_scim_only(app, client, runner, make_person):
    result = runner.invoke(args=["scim", "token", "--name", "Okta"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("scim_")
    assert client.get(f"{SCIM}/ServiceProviderConfig", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    from skills_app.services import tokens

    person = make_person("Api User")
    _row, api_token = tokens.create(SYSTEM, person, "mine")
    db.session.commit()
    answer = client.get(f"{SCIM}/Users", headers={"Authorization": f"Bearer {api_token}"})
    assert answer.status_code == 401 and answer.mimetype == MEDIA
    assert answer.get_json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert client.get(f"{SCIM}/Users").status_code == 401
    assert runner.invoke(args=["scim", "token", "--name", "  "]).exit_code != 0


def test_a_revoked_scim_token_stops_at_once(app, client, scim, runner):
    from skills_app.models import ScimToken

    assert scim.get("/Users").status_code == 200
    token_id = db.session.scalar(select(ScimToken.id))
    assert runner.invoke(args=["scim", "revoke", str(token_id)]).exit_code == 0
    assert scim.get("/Users").status_code == 401


def test_an_administrator_makes_and_revokes_scim_tokens_in_the_browser(client, auth, make_person):
    admin = make_person("Ada Admin", roles=("employee", "admin"))
    auth.login(admin)
    page = client.post("/admin/identity/scim-tokens", data={"name": "Entra ID"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "shown once" in body
    secret = body.split('<code id="new-token">')[1].split("<")[0]
    assert client.get(f"{SCIM}/Users", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert client.post("/admin/identity/scim-tokens", data={"name": ""}).status_code == 400
    from skills_app.models import ScimToken

    token = db.session.scalar(select(ScimToken))
    assert client.post(f"/admin/identity/scim-tokens/{token.id}/revoke").status_code == 302
    assert client.get(f"{SCIM}/Users", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "revoked" in client.get("/admin/identity/").get_data(as_text=True)


# -- the people import's rules ----------------------------------------------------------------------

def count_people() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(Person))


@pytest.mark.parametrize("change, detail", [
    ({"emails": [{"value": "not an address", "type": "work"}]}, "emails: 'not an address' is not a valid email address"),
    ({"title": "x" * 201}, "title: longer than 200 characters"),
    ({ENTERPRISE: {"employeeNumber": "9" * 65}}, "employeeNumber: longer than 64 characters"),
    ({ENTERPRISE: {"department": "Group//Service Desk"}}, "is not an org unit path"),
    ({ENTERPRISE: {"manager": {"value": "999999"}}}, "manager: there is no user '999999'"),
    ({"emails": [], "userName": "no-address"}, "emails"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(scim, change, detail):
    before = count_people()
    response = scim.post("/Users", {**OKTA_CREATE, **change})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["scimType"] == "invalidValue" and detail in response.get_json()["detail"]
    assert count_people() == before


def test_a_loop_of_managers_is_refused(scim):
    boss = scim.post("/Users", {**OKTA_CREATE, "userName": "boss@okta.local", "emails": [{"value": "boss@okta.local"}]}).get_json()
    report = scim.post("/Users", {**OKTA_CREATE, ENTERPRISE: {"manager": {"value": boss["id"]}}, "schemas": [USER, ENTERPRISE]}).get_json()
    response = scim.patch(f"/Users/{boss['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": report["id"]}}]})
    assert response.status_code == 400 and "loop of managers" in response.get_json()["detail"]
    assert person_by("boss@okta.local").manager is None


def test_the_email_of_someone_else_is_a_conflict(scim, make_person):
    make_person("Existing Person", email="taken@okta.local")
    response = scim.post("/Users", {**OKTA_CREATE, "userName": "new@okta.local", "emails": [{"value": "taken@okta.local"}]})
    assert response.status_code == 409 and response.get_json()["scimType"] == "uniqueness"


def test_people_already_here_are_users_under_their_email(scim, make_person):
    """People from the CSV import are found by their address, so that the identity
    provider links them rather than creating them twice."""
    person = make_person("Imported Person", email="imported@example.test", unit="Group/IT")
    found = scim.get('/Users?filter=userName eq "Imported@Example.test"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == str(person.id)
    assert found["Resources"][0][ENTERPRISE] == {"employeeNumber": person.employee_number, "department": "Group/IT"}


# -- filters, paging, attributes, versions ---------------------------------------------------------

@pytest.fixture
def five(scim):
    people = []
    for n, (given, family, unit) in enumerate([("Ann", "Archer", "Group/IT"), ("Ben", "Baker", "Group/IT/Service Desk"),
                                               ("Cat", "Cooper", "Group/HR"), ("Dan", "Dyer", "Group/IT"),
                                               ("Eve", "Evans", "Group/Finance")], start=1):
        body = {**OKTA_CREATE, "schemas": [USER, ENTERPRISE], "userName": f"{given.lower()}@acme.example",
                "emails": [{"value": f"{given.lower()}@acme.example", "type": "work", "primary": True}],
                "name": {"givenName": given, "familyName": family}, "displayName": f"{given} {family}",
                "externalId": f"ext-{n}", ENTERPRISE: {"employeeNumber": f"E{n:03d}", "department": unit}}
        people.append(scim.post("/Users", body).get_json())
    return people


@pytest.mark.parametrize("expression, expected", [
    ('userName eq "ann@acme.example"', ["Ann"]),
    ('userName sw "b"', ["Ben"]),
    ('displayName co "an"', ["Ann", "Dan", "Eve"]),
    ('name.familyName ew "er"', ["Ann", "Ben", "Cat", "Dan"]),
    ('userName sw "a" or userName sw "e"', ["Ann", "Eve"]),
    (f'{ENTERPRISE}:department eq "Group/IT" and not (userName eq "dan@acme.example")', ["Ann"]),
    ('emails[type eq "work" and value co "cat"]', ["Cat"]),
    ('emails.value eq "EVE@acme.example"', ["Eve"]),
    (f'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E002"', ["Ben"]),
    ('externalId eq "ext-4"', ["Dan"]),
    ('title pr', []),
    ('active eq true and (userName sw "c" or userName sw "d")', ["Cat", "Dan"]),
    ('meta.lastModified gt "2000-01-01T00:00:00Z"', ["Ann", "Ben", "Cat", "Dan", "Eve"]),
])
def test_filters(scim, five, expression, expected):
    from urllib.parse import quote

    response = scim.get(f"/Users?filter={quote(expression)}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["name"]["givenName"] for r in response.get_json()["Resources"]] == expected


@pytest.mark.parametrize("expression", ['userName eq', 'nickName eq "x"', 'userName zz "x"', 'active gt true'])
def test_a_bad_filter_is_an_invalid_filter_error(scim, expression):
    from urllib.parse import quote

    response = scim.get(f"/Users?filter={quote(expression)}")
    assert response.status_code == 400 and response.get_json()["scimType"] == "invalidFilter"


def test_paging_with_start_index_and_count(scim, five):
    page = scim.get("/Users?startIndex=2&count=2").get_json()
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == [five[1]["id"], five[2]["id"]]
    assert scim.get("/Users?count=0").get_json()["Resources"] == []
    assert scim.get("/Users?startIndex=99").get_json()["Resources"] == []
    assert scim.get("/Users?count=lots").get_json()["scimType"] == "invalidValue"
    searched = scim.post("/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                            "filter": 'userName sw "a"', "attributes": ["userName"], "startIndex": 1, "count": 10})
    assert [set(r) - {"schemas", "id", "meta"} for r in searched.get_json()["Resources"]] == [{"userName"}]


def test_attributes_and_excluded_attributes(scim, five):
    only = scim.get(f"/Users/{five[0]['id']}?attributes=userName").get_json()
    assert "userName" in only and "emails" not in only and "id" in only
    without = scim.get(f"/Users/{five[0]['id']}?excludedAttributes=emails,name").get_json()
    assert "emails" not in without and "name" not in without and "userName" in without


def test_etags(scim, five):
    first = scim.get(f"/Users/{five[0]['id']}")
    etag = first.headers["ETag"]
    assert etag == first.get_json()["meta"]["version"] and etag.startswith('W/"')
    assert scim.get(f"/Users/{five[0]['id']}", **{"If-None-Match": etag}).status_code == 304
    change = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]}
    changed = scim.patch(f"/Users/{five[0]['id']}", change, **{"If-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    stale = scim.patch(f"/Users/{five[0]['id']}", {**change, "Operations": [{"op": "replace", "path": "title", "value": "Chief"}]},
                       **{"If-Match": etag})
    assert stale.status_code == 412 and stale.get_json()["status"] == "412"
    assert person_by("ann@acme.example").job_title == "Lead"
    assert scim.delete(f"/Users/{five[0]['id']}", **{"If-Match": etag}).status_code == 412


def test_discovery(scim):
    config = scim.get("/ServiceProviderConfig").get_json()
    assert config["patch"]["supported"] and config["filter"] == {"supported": True, "maxResults": 500}
    assert config["etag"]["supported"] and not config["bulk"]["supported"]
    types = {t["name"]: t for t in scim.get("/ResourceTypes").get_json()["Resources"]}
    assert types["User"]["schemaExtensions"][0]["schema"] == ENTERPRISE and types["Group"]["endpoint"] == "/Groups"
    schemas = {s["id"]: s for s in scim.get("/Schemas").get_json()["Resources"]}
    assert {a["name"] for a in schemas[ENTERPRISE]["attributes"]} == {"employeeNumber", "department", "manager"}
    assert scim.get(f"/Schemas/{USER}").get_json()["id"] == USER
    missing = scim.get("/Nothing")
    assert missing.status_code == 404 and missing.mimetype == MEDIA and missing.get_json()["status"] == "404"
    assert scim.post("/.search", {}).status_code == 501
    assert scim.post("/Users", None).get_json()["scimType"] == "invalidSyntax"
