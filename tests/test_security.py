"""Security tests: each one is an attack, tried for real against the app.

Session fixation, CSRF on every form route, SQL injection through every
report and directory filter, open redirects through ``next``, IDOR through
mismatched ids in URLs, upload attacks, privilege escalation through the role
and manager fields, and attempts to edit or delete the audit trail.
(Stored XSS is tried in a real browser: tests/test_browser_security.py.)
docs/security.md lists the threats and the test for each.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import AuditEvent, Evidence, Person
from skills_app.models.audit import AuditTrailIsAppendOnly
from skills_app.policy import SYSTEM
from tests.conftest import PASSWORD, sign_in_directly
from tests.test_access_matrix import MATRIX, database_state, path_for

# -- helpers -------------------------------------------------------------------


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def post_routes(app) -> list[tuple[str, str]]:
    return sorted({(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def any_path(app, endpoint, org, things) -> str:
    """The access matrix's path for a route; for a route it has no values for yet, 1 for every id
    (test_access_matrix itself insists that every route gets a row)."""
    try:
        return path_for(app, endpoint, org["self"], things)
    except pytest.fail.Exception:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        with app.test_request_context():
            return url_for(endpoint, **{argument: 1 for argument in rule.arguments})


def an_allowed_caller(endpoint: str) -> str | None:
    """From the access matrix: a caller who gets past the access check of this POST route."""
    for caller, expect in MATRIX.get(endpoint, {}).get("POST", {}).items():
        if caller != "anonymous" and expect.status not in (403, 404):
            return caller
    return None


# -- session fixation ------------------------------------------------------------


def test_a_session_planted_before_sign_in_is_not_the_one_after(app, client, make_person, csrf):
    person = make_person("Sid Session")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as session:
        session["planted"] = "by the attacker"
        planted_token = session.get("csrf_token")
    planted_cookie = client.get_cookie("session").value
    assert planted_token, "the sign-in page set a session (with its CSRF token)"

    response = client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session, "data planted in the session before sign-in carried over"
        assert session.get("csrf_token") != planted_token
        assert session.get("_user_id", "").startswith(f"{person.id}:")
    assert client.get_cookie("session").value != planted_cookie

    # The attacker, who still holds the planted cookie, is not signed in.
    attacker = app.test_client()
    attacker.set_cookie("session", planted_cookie)
    answer = attacker.get("/")
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/login"


def test_signing_out_ends_the_session_for_a_copied_cookie_too(app, client, auth, make_person):
    person = make_person("Cora Copied")
    auth.login(person)
    stolen = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/").status_code == 200
    # A password change (or deactivation) ends every other session, copied cookies included.
    response = client.post("/account/password", data={"current": PASSWORD, "new": "another long password", "confirm": "another long password"})
    assert response.status_code == 302
    answer = thief.get("/")
    assert answer.status_code == 302 and urlsplit(answer.location).path == "/login"


# -- CSRF -------------------------------------------------------------------------


def test_every_post_route_refuses_a_request_without_a_csrf_token(app, client, org, things, csrf):
    routes = post_routes(app)
    assert len(routes) >= 25, "the url map has the app's POST routes"
    refused = []
    for endpoint, rule in routes:
        if rule.startswith(("/api/", "/scim/")):
            # The API and SCIM take bearer tokens, not cookies, so they are exempt from CSRF: a
            # signed-in browser session (all a forged cross-site request carries) must get nothing.
            client.delete_cookie("session")
            sign_in_directly(client, org["hr"])
            path = any_path(app, endpoint, org, things)
            before = database_state()
            response = client.post(path, json={})
            assert response.status_code == 401, f"POST {path} with a session cookie and no token: {response.status_code}"
            assert database_state() == before
            continue
        caller = an_allowed_caller(endpoint)
        client.delete_cookie("session")
        if caller is not None:
            sign_in_directly(client, org[caller])
        path = any_path(app, endpoint, org, things)
        before = database_state()
        for data in ({}, {"csrf_token": "forged-token"}):
            response = client.post(path, data=data)
            body = response.get_data(as_text=True)
            assert response.status_code == 400, f"POST {path} as {caller} without a valid CSRF token: {response.status_code}"
            assert "not sent from this site" in body, f"POST {path}: refused, but not by the CSRF check"
        assert database_state() == before, f"POST {path} without a CSRF token changed the database"
        refused.append(endpoint)
    assert "auth.login" in refused and "reviews.decide" in refused and "admin.edit_person" in refused


def test_with_the_token_from_the_page_the_same_form_works(app, client, make_person, csrf):
    """The control for the test above: the refusal is the missing token, not the form."""
    person = make_person("Tina Token")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_a_token_from_another_session_is_refused(app, make_person, csrf):
    person = make_person("Sam Someone")
    attacker, victim = app.test_client(), app.test_client()
    attackers_token = csrf_token_from(attacker.get("/login").get_data(as_text=True))
    victim.get("/login")
    response = victim.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": attackers_token})
    assert response.status_code == 400


# -- SQL injection through the filters ---------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "\" OR \"\"=\"",
    "x'; DROP TABLE person; --",
    "1) OR (1=1",
    "%",
    "_",
    "' UNION SELECT email, password_hash FROM person --",
    "\\",
    "\x00",
]
FILTER_URLS = {
    "/reports/gaps": ["org_unit", "job_role", "service", "framework", "skill", "status", "group", "view", "page", "person_id"],
    "/reports/gaps/export": ["org_unit", "job_role", "service", "framework", "skill", "status", "group", "format", "person_id"],
    "/reports/training-needs": ["org_unit", "job_role", "service", "framework", "skill", "format"],
    "/reports/coverage": ["service", "format"],
    "/team": ["org_unit", "job_role", "service", "framework", "skill", "status"],
    "/people": ["q", "page", "unit"],
    "/admin/people": ["q", "page"],
    "/admin/audit": ["action", "page"],
    "/notifications": ["page"],
    "/learning": ["skill", "q"],
}


@pytest.fixture
def hr_admin(make_person):
    return make_person("Harriet Hradmin", roles=("employee", "hr", "admin", "manager"), unit="Group/People")


def test_sql_injection_through_every_filter_is_inert(app, client, auth, org, things, hr_admin):
    auth.login(hr_admin)
    before = database_state()
    password_hashes = [p.password_hash for p in db.session.scalars(select(Person))]
    for url, params in FILTER_URLS.items():
        for param in params:
            for payload in INJECTIONS:
                response = client.get(url, query_string={param: payload})
                body = response.get_data(as_text=True)
                assert response.status_code < 500, f"GET {url}?{param}={payload!r}: {response.status_code}"
                assert not any(h and h in body for h in password_hashes), f"{url}?{param}: password hashes leaked"
    # String filters that match nothing return nothing, whatever quotes they carry.
    for param in ("org_unit", "job_role", "service", "skill", "framework"):
        for payload in ("' OR '1'='1", "' OR 1=1 --", "%", "_"):
            csv_body = client.get("/reports/gaps/export", query_string={param: payload, "format": "csv"}).get_data(as_text=True)
            assert csv_body.strip().count("\n") == 0, f"gap export ?{param}={payload!r} matched rows"
    for payload in ("' OR '1'='1", "%' OR '1'='1"):
        assert "Sasha Subject" not in client.get("/people", query_string={"q": payload}).get_data(as_text=True)
    # A filter that does match still works: the control.
    assert "Sasha Subject" in client.get("/people", query_string={"q": "Sasha"}).get_data(as_text=True)
    assert client.get("/reports/gaps/export", query_string={"skill": "SLMO"}).get_data(as_text=True).count("\n") >= 1
    db.session.rollback()
    assert database_state() == before


# -- open redirect through ``next`` ------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "////evil.example",
    "/\\evil.example", "\\\\evil.example", "\\/evil.example", "https:evil.example", "http:/evil.example",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " //evil.example", "\t//evil.example",
    "/\t/evil.example", "/\r\n/evil.example", "%2F%2Fevil.example", "https://localhost@evil.example",
    "//localhost%2F@evil.example", "/%09/evil.example",
]


def _lands_on_this_site(location: str) -> bool:
    # How a browser reads the Location: relative to this site, it must stay on it.
    from urllib.parse import urljoin

    target = urlsplit(urljoin("http://localhost/login", location.replace("\\", "/")))
    return target.scheme == "http" and target.netloc == "localhost"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(client, make_person, target):
    person = make_person("Nina Next")
    response = client.post("/login", query_string={"next": target}, data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _lands_on_this_site(response.location), f"next={target!r} redirected to {response.location!r}"
    # Already signed in, the sign-in page redirects at once: the same rule holds.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and _lands_on_this_site(again.location)


def test_a_local_next_is_followed(client, make_person):
    person = make_person("Lola Local")
    response = client.post("/login", query_string={"next": "/my/skills?x=1"}, data={"email": person.email, "password": PASSWORD})
    assert response.location.endswith("/my/skills?x=1")


# -- IDOR: ids that do not belong together ------------------------------------------


@pytest.fixture
def peer_things(org, things, load_seed_frameworks):
    """The peer's own draft SLMO assessment with evidence; a second job role, service and plan."""
    from skills_app.services import assessments, learning, requirements

    frameworks = load_seed_frameworks()
    slmo = frameworks["SFIA"].skills[0]
    peer = org["peer"]
    assessment = assessments.start(peer, slmo, 2)
    descriptor = assessments.claimed_descriptors(assessment)[0]
    evidence = assessments.add_evidence(peer, assessment, descriptor_ids=[descriptor.id], text="the peer's evidence")
    own_draft = assessments.start(org["self"], frameworks["SLM"].skills[0], 2)
    role = requirements.save_job_role(SYSTEM, None, name="Other role", description=None)
    role_req = requirements.set_role_requirement(SYSTEM, role, slmo, min_level=2, essential=True)
    service = requirements.save_service(SYSTEM, None, name="Other service", description=None)
    service_req = requirements.set_service_requirement(SYSTEM, service, slmo, min_level=2, headcount=1)
    plan = learning.create_plan(SYSTEM, name="Other plan", skill=slmo, target_level=2, resource=None, starts_on=None,
                                ends_on=None, people=[org["peer"]])
    db.session.commit()
    return {"assessment_id": assessment.id, "evidence_id": evidence.id, "own_draft_id": own_draft.id,
            "role_requirement_id": role_req.id, "service_requirement_id": service_req.id,
            "enrolment_id": plan.enrolments[0].id}


def test_mismatched_ids_in_one_url_are_refused(app, client, auth, org, things, peer_things, make_person):
    """The access matrix checks each id on its own; here one id is the caller's and the other someone else's."""
    hr = make_person("Hugo HR", roles=("employee", "hr"))
    cases = [
        # The subject removes the peer's evidence through their own draft.
        ("self", f"/assessments/{peer_things['own_draft_id']}/evidence/{peer_things['evidence_id']}/delete", {}),
        # HR removes another role's requirement through a role whose page they are on.
        ("hr", f"/requirements/roles/{things['role_id']}/requirements/{peer_things['role_requirement_id']}/delete", {}),
        ("hr", f"/requirements/services/{things['service_id']}/requirements/{peer_things['service_requirement_id']}/delete", {}),
        # The subject's manager completes an enrolment of another plan through the subject's plan.
        ("manager", f"/learning/plans/{things['plan_id']}/enrolments/{peer_things['enrolment_id']}", {"status": "completed"}),
    ]
    people = {**org, "hr": hr}
    for caller, path, data in cases:
        client.delete_cookie("session")
        auth.login(people[caller])
        before = database_state()
        response = client.post(path, data=data)
        assert response.status_code in (403, 404) or (
            response.status_code == 302 and before == database_state()), f"POST {path} as {caller}: {response.status_code}"
        assert database_state() == before, f"POST {path} as {caller} changed the database"


def test_ids_beyond_the_matrix_get_nothing(app, client, auth, org, things, peer_things):
    """Other people's evidence files and assessments, and ids that exist nowhere, all look the same."""
    auth.login(org["self"])
    for path in (f"/evidence/{peer_things['evidence_id']}/file", f"/assessments/{peer_things['assessment_id']}",
                 f"/reviews/{peer_things['assessment_id']}", "/evidence/999999/file", "/assessments/999999",
                 "/people/999999", "/learning/plans/999999", "/admin/people/999999"):
        response = client.get(path)
        assert response.status_code in (403, 404), path
        assert "the peer's evidence" not in response.get_data(as_text=True)
    for path in ("/assessments/0", "/assessments/-1", "/assessments/1e3", "/assessments/99999999999999999999999"):
        assert client.get(path).status_code == 404


# -- uploads --------------------------------------------------------------------------


@pytest.fixture
def draft(org, load_seed_frameworks):
    from skills_app.services import assessments

    # (The subject's SLMO assessment of the matrix world waits for review.)
    frameworks = load_seed_frameworks()
    assessment = assessments.start(org["self"], frameworks["SLM"].skills[0], 3)
    db.session.commit()
    return assessment


def _upload(client, assessment, filename: str, data: bytes, content_type: str = "application/octet-stream"):
    from skills_app.services import assessments

    descriptor = assessments.claimed_descriptors(assessment)[0]
    return client.post(f"/assessments/{assessment.id}",
                       data={"claimed_level": str(assessment.claimed_level), "add": "Add evidence",
                             "descriptors": [str(descriptor.id)], "file": (io.BytesIO(data), filename, content_type)},
                       content_type="multipart/form-data", follow_redirects=True)


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


BAD_UPLOADS = [
    ("svg with a script", "chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>', "image/svg+xml"),
    ("html", "report.html", b"<script>alert(document.cookie)</script>", "text/html"),
    ("html renamed to pdf", "report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"),
    ("executable renamed to png", "photo.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "image/png"),
    ("binary renamed to txt", "notes.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00", "text/plain"),
    ("double extension", "report.pdf.exe", b"%PDF-1.7\n%%EOF", "application/pdf"),
    ("zip renamed to docx", "cv.docx", _zip({"evil.sh": b"rm -rf /"}), "application/zip"),
    ("zip bomb-like docx", "bomb.docx", _zip({"[Content_Types].xml": b"0" * (40 * 1024 * 1024), "word/document.xml": b"<x/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("empty", "empty.pdf", b"", "application/pdf"),
]


@pytest.mark.parametrize("what, filename, data, content_type", BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_hostile_uploads_are_refused(app, client, auth, org, draft, what, filename, data, content_type):
    auth.login(org["self"])
    files_before = _files(app)
    response = _upload(client, draft, filename, data, content_type)
    assert response.status_code in (400, 413)
    body = response.get_data(as_text=True)
    assert "Evidence added." not in body, f"{what}: accepted"
    assert re.search(r"not accepted|not a [A-Z]+ file|empty|too big", body), f"{what}: no clear refusal"
    db.session.rollback()
    assert db.session.scalars(select(Evidence).where(Evidence.assessment_id == draft.id)).all() == []
    assert _files(app) == files_before


def test_an_oversize_upload_is_refused(app, client, auth, org, draft):
    auth.login(org["self"])
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        response = _upload(client, draft, "big.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10), "application/pdf")
    finally:
        app.config["MAX_UPLOAD_MB"] = 10
    assert "The file is too big: the limit is 1 MB." in response.get_data(as_text=True)
    # Beyond the request size cap the server refuses before reading it all.
    huge = _upload(client, draft, "huge.pdf", b"%PDF-1.7\n" + b"0" * (app.config["MAX_REQUEST_MB"] * 1024 * 1024 + 1), "application/pdf")
    assert huge.status_code == 413
    db.session.rollback()
    assert db.session.scalars(select(Evidence).where(Evidence.assessment_id == draft.id)).all() == []


@pytest.mark.parametrize("filename, kept_as", [
    ("../../../../etc/cron.d/evil.txt", "evil.txt"),
    ("..\\..\\windows\\evil.txt", "evil.txt"),
    ("/etc/passwd.txt", "passwd.txt"),
    ("....//....//evil.txt", "evil.txt"),
    ("\x00evil.txt", "evil.txt"),
    (".htaccess.txt", "htaccess.txt"),
])
def test_path_traversal_names_stay_inside_the_upload_folder(app, client, auth, org, draft, filename, kept_as, tmp_path):
    auth.login(org["self"])
    response = _upload(client, draft, filename, b"plain text evidence", "text/plain")
    assert "Evidence added." in response.get_data(as_text=True)
    db.session.rollback()
    evidence = db.session.scalars(select(Evidence).where(Evidence.assessment_id == draft.id)).one()
    # (The test client drops backslashes from a multipart file name; either way no directory survives.)
    name = evidence.original_name
    assert name.endswith(kept_as) and "/" not in name and "\\" not in name and not name.startswith(".")
    assert "/" not in evidence.stored_name and "\\" not in evidence.stored_name and ".." not in evidence.stored_name
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    stored = root / evidence.stored_name
    assert stored.resolve().parent == root and stored.read_bytes() == b"plain text evidence"
    download = client.get(f"/evidence/{evidence.id}/file")
    assert f"filename={name}" in download.headers["Content-Disposition"]


def test_a_polyglot_is_served_as_an_inert_download(app, client, auth, org, draft):
    """A GIF that is also HTML and JavaScript passes the magic-byte check; it must never run as a page."""
    polyglot = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<html><script>alert(document.cookie)</script></html>"
    auth.login(org["self"])
    assert "Evidence added." in _upload(client, draft, "pixel.gif", polyglot, "text/html").get_data(as_text=True)
    db.session.rollback()
    evidence = db.session.scalars(select(Evidence).where(Evidence.assessment_id == draft.id)).one()
    response = client.get(f"/evidence/{evidence.id}/file")
    assert response.data == polyglot
    assert response.mimetype == "image/gif", "the stored type comes from the checked extension, not the client"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    # Looked at in the page: an image still, never a page, sandboxed, framed by this site only.
    shown = client.get(f"/evidence/{evidence.id}/view")
    assert shown.mimetype == "image/gif" and shown.headers["X-Content-Type-Options"] == "nosniff"
    csp = shown.headers["Content-Security-Policy"]
    assert "sandbox;" in csp and "default-src 'none'" in csp and "frame-ancestors 'self'" in csp and "allow-scripts" not in csp


# -- privilege escalation ---------------------------------------------------------------


def _roles(person_id: int) -> set[str]:
    db.session.rollback()
    return db.session.get(Person, person_id).roles


@pytest.mark.parametrize("caller", ["self", "manager", "hr", "learning"])
def test_forged_admin_forms_do_not_grant_roles(app, client, auth, org, caller):
    me = org[caller]
    auth.login(me)
    before = database_state()
    forged = {"name": me.name, "email": me.email, "roles": ["employee", "admin", "hr"], "manager": "", "org_unit": ""}
    for path, data in [
        (f"/admin/people/{me.id}", forged),  # self-escalation
        (f"/admin/people/{org['peer'].id}", {**forged, "name": "Pat Peer", "email": org["peer"].email, "manager": str(me.id)}),
        ("/admin/people/new", {**forged, "email": "mallory@evil.example", "name": "Mallory", "password": "long enough password"}),
        (f"/admin/people/{org['admin'].id}/active", {}),
        (f"/admin/people/{org['admin'].id}/password", {"password": "attacker chosen password"}),
    ] + ([] if caller == "hr" else [(f"/people/{me.id}/assignments", {"job_roles": ["1"], "services": ["1"]})]):
        response = client.post(path, data=data)
        assert response.status_code == 403, f"POST {path} as {caller}: {response.status_code}"
    assert database_state() == before
    assert "admin" not in _roles(me.id)


def test_a_user_cannot_make_someone_their_report_or_decide_their_own(app, client, auth, org, things):
    """The manager field is an admin's: nobody re-parents people to review their work."""
    other = org["other_manager"]
    auth.login(other)
    before = database_state()
    assert client.post(f"/admin/people/{org['self'].id}", data={"manager": str(other.id), "name": "x", "email": org["self"].email,
                                                                "roles": ["employee"]}).status_code == 403
    assert client.post(f"/reviews/{things['assessment_id']}", data={"outcome": "approve:7", "comment": "mine now"}).status_code == 404
    assert database_state() == before
    client.delete_cookie("session")
    auth.login(org["self"])
    before = database_state()
    assert client.post(f"/reviews/{things['assessment_id']}", data={"outcome": "approve:7", "comment": "self-approved"}).status_code == 403
    assert database_state() == before


def test_the_admin_form_ignores_roles_that_do_not_exist(app, client, auth, org):
    auth.login(org["admin"])
    subject = org["self"]
    response = client.post(f"/admin/people/{subject.id}", data={"name": subject.name, "email": subject.email,
                                                                 "roles": ["employee", "superuser"], "manager": "", "org_unit": ""})
    assert response.status_code == 400
    assert _roles(subject.id) == {"employee"}


PEOPLE_CSV = "employee_number,email,name,roles\n{rows}\n"


@pytest.mark.parametrize("roles", ["employee;admin", "hr", "employee;learning", "ADMIN"])
def test_hr_cannot_grant_privileged_roles_through_the_people_import(app, org, roles):
    from skills_app.services import people_import

    hr = org["hr"]
    text = PEOPLE_CSV.format(rows=f"E9001,new.person@example.test,New Person,employee\nE9002,mallory@example.test,Mallory,{roles}")
    before = database_state()
    with pytest.raises(people_import.PeopleImportError) as refused:
        people_import.run(hr, text, "people.csv")
    db.session.rollback()
    message = str(refused.value)
    assert "line 3, column roles" in message and "only an administrator may grant or remove" in message
    assert database_state() == before


def test_hr_cannot_take_roles_away_through_the_people_import_but_may_set_manager(app, org):
    from skills_app.services import people_import

    hr, admin = org["hr"], org["admin"]
    before = database_state()
    with pytest.raises(people_import.PeopleImportError, match="line 2, column roles"):
        people_import.run(hr, PEOPLE_CSV.format(rows=f"{admin.employee_number},{admin.email},{admin.name},employee"), "people.csv")
    db.session.rollback()
    assert database_state() == before
    # Employee and manager remain HR's to set; an admin's import may grant anything.
    subject = org["self"]
    people_import.run(hr, PEOPLE_CSV.format(rows=f"{subject.employee_number},{subject.email},{subject.name},employee;manager"), "people.csv")
    db.session.commit()
    assert _roles(subject.id) == {"employee", "manager"}
    people_import.run(admin, PEOPLE_CSV.format(rows=f"{subject.employee_number},{subject.email},{subject.name},employee;hr"), "people.csv")
    db.session.commit()
    assert _roles(subject.id) == {"employee", "hr"}


# -- the audit trail ------------------------------------------------------------------


def _audit_rows() -> list[tuple]:
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all()]


def test_no_route_edits_or_deletes_the_audit_trail(app, client, auth, org, things, hr_admin):
    """Every POST route, as a user holding every role, with forged fields naming audit events: the
    events already written stay exactly as they were; only new ones are appended."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    assert not [r for r in rules if r.methods & {"PUT", "PATCH", "DELETE"} and not r.rule.startswith(("/api/", "/scim/"))]
    assert not [r for r in rules if "audit" in r.rule and "POST" in r.methods], "a route that writes the audit trail"
    before = _audit_rows()
    assert before, "the set-up wrote audit events"
    first = before[0][0]
    forged = {"id": str(first), "audit_id": str(first), "event_id": str(first), "action": "tampered", "summary": "tampered",
              "actor_label": "tampered", "data": "{}", "delete": "1"}
    auth.login(hr_admin)
    for endpoint, _rule in post_routes(app):
        if endpoint == "auth.logout":
            continue
        path = any_path(app, endpoint, org, things)
        response = client.post(path, data=forged)
        assert response.status_code < 500, f"POST {path}: {response.status_code}"
        assert client.post(f"/admin/audit?id={first}", data=forged).status_code == 405
    for path in (f"/admin/audit/{first}", f"/admin/audit/{first}/delete", f"/admin/audit/{first}/edit"):
        assert client.post(path, data=forged).status_code in (404, 405)
    after = _audit_rows()
    assert after[: len(before)] == before, "an audit event was changed or deleted"


def test_the_orm_refuses_to_change_or_delete_an_audit_event(app, org):
    event = db.session.scalars(select(AuditEvent)).first()
    event.summary = "rewritten history"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent)).first()
    db.session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).summary != "rewritten history"
