"""Every form of the product, refused: the same page comes back with everything
typed, ticked and chosen still there (passwords and files excepted: a browser
never refills those), and every problem of the submission told at once, each
beside its field and in the summary at the top.

One case per form (``templates/**/*.html`` ``<form method="post">`` with inputs a
person fills in), each submitted with two or more things wrong and the rest filled
in; the page's controls are read back and compared with what was sent."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

import pytest
from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import Framework, OrgUnit, Skill
from tests.pages import problems


class Controls(HTMLParser):
    """The state of a page's form controls: {name: [values shown]} (a text input's
    value, a textarea's text, each ticked box or radio, each selected option)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, list[str]] = {}
        self.options: dict[str, list[str]] = {}     # every box and option offered, by name
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.options.setdefault(name, []).append(a.get("value") or "on")
                if "checked" in a:
                    self._add(name, a.get("value") or "on")
            elif kind not in ("submit", "button", "file", "password"):
                self._add(name, a.get("value") or "")
        elif tag == "select":
            self._select = name
            self._first = None
        elif tag == "option" and self._select:
            self.options.setdefault(self._select, []).append(a.get("value") or "")
            if self._first is None:
                self._first = a.get("value") or ""
            if "selected" in a:
                self._add(self._select, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            # A select with nothing chosen shows its first option.
            if self._select and self._select not in self.values and self._first is not None:
                self._add(self._select, self._first)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one line break that follows <textarea>.
            text = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data


def controls(response) -> dict[str, list[str]]:
    return read(response).values


def read(response) -> Controls:
    parser = Controls()
    parser.feed(response.get_data(as_text=True))
    return parser


@dataclass
class Case:
    who: str
    url: str | Callable[[dict], str]
    data: Callable[[dict], dict]
    problems: int = 2                       # at least this many problems told at once
    not_kept: tuple[str, ...] = ("password", "current", "new", "confirm_password")
    setup: Callable[[dict], None] | None = None
    get: str | None = None                  # the page the form is on, where it is not the form's URL


def _peer_needs_the_role(w: dict) -> None:
    """The peer holds the job role that needs SLMO 3, so that the training plan has a cohort."""
    from skills_app.models import JobRole, Person
    from skills_app.policy import SYSTEM
    from skills_app.services import requirements

    requirements.assign(SYSTEM, db.session.get(Person, w["people"]["peer"]),
                        job_roles=[db.session.get(JobRole, w["things"]["role_id"])], services=[])
    db.session.commit()


def _ids() -> dict:
    """Ids the cases choose from (the matrix world's units, skills, frameworks)."""
    units = {u.path: u.id for u in db.session.scalars(select(OrgUnit))}
    slmo = db.session.scalar(select(Skill).join(Framework).where(Skill.code == "SLMO"))
    frameworks = {f"{f.code} {f.version}": f.id for f in db.session.scalars(select(Framework))}
    return {"units": units, "slmo": slmo.id, "frameworks": frameworks}


def _a_draft_framework(w: dict) -> None:
    from skills_app.policy import SYSTEM
    from skills_app.services import framework_editor

    framework_editor.create(SYSTEM, code="DRAFTX", name="Draft", version="1", level_names=["One", "Two"])
    db.session.commit()


CASES = {
    "sign in": Case("anonymous", "/login", lambda w: {"email": "nobody@example.test", "password": ""}, problems=1),
    "api token": Case("self", "/account/tokens", lambda w: {"name": "", "days": "99999"}),
    "new person": Case("admin", "/admin/people/new", lambda w: {
        "name": "", "email": "not an email", "employee_number": "E-777", "job_title": "Analyst of things",
        "org_unit": str(w["ids"]["units"]["Group/IT"]), "manager": str(w["people"]["manager"]),
        "roles": ["employee", "learning"], "password": "short"}, problems=3),
    "edit person": Case("admin", lambda w: f"/admin/people/{w['people']['peer']}", lambda w: {
        "name": "", "email": "still not an email", "employee_number": "E-778", "job_title": "Renamed",
        "org_unit": str(w["ids"]["units"]["Group/IT"]), "manager": str(w["people"]["indirect"]),
        "roles": ["employee", "hr"]}),
    "new org unit": Case("hr", "/admin/org-units", lambda w: {
        "name": "Desk/Tier 1" + "x" * 300, "parent": str(w["ids"]["units"]["Group/IT"])}, problems=1),
    "campaign": Case("hr", "/campaigns/new", lambda w: {
        "name": "", "description": "Tell them this", "skills": [str(w["ids"]["slmo"])],
        "org_unit": str(w["ids"]["units"]["Group/IT"]), "job_role": str(w["things"]["role_id"]),
        "service": "0", "opens_on": "2026-12-10", "due_on": "2026-12-01"}),
    "learning resource": Case("learning", "/learning", lambda w: {
        "title": "", "kind": "reading", "provider": "A press", "url": "javascript:alert(1)", "duration_hours": "-3",
        "skill": str(w["ids"]["slmo"]), "target_level": "4", "description": "Read chapter 2"}),
    "training plan": Case("learning", lambda w: f"/learning/plans/new?skill_id={w['ids']['slmo']}&to_level=3&from_level=none",
                          lambda w: {"name": "", "resource": "", "starts_on": "2026-12-10", "ends_on": "2026-12-01",
                                     "people": w["offered"]["people"][-1:]}, setup=_peer_needs_the_role),
    "new job role": Case("hr", "/requirements/roles", lambda w: {"name": "x" * 300}, problems=1, get="/requirements"),
    "role requirement": Case("hr", lambda w: f"/requirements/roles/{w['things']['role_id']}", lambda w: {
        "req-skill": str(w["ids"]["slmo"]), "req-min_level": "0", "req-essential": "0"}, problems=1),
    "service requirement": Case("hr", lambda w: f"/requirements/services/{w['things']['service_id']}", lambda w: {
        "req-skill": str(w["ids"]["slmo"]), "req-min_level": "0", "req-headcount": "0"}),
    "role details": Case("hr", lambda w: f"/requirements/roles/{w['things']['role_id']}", lambda w: {
        "details-name": "", "details-description": "y" * 6000, "details-submit": "Save"}),
    "targets": Case("hr", "/service-levels/targets", lambda w: {
        "org_unit": str(w["ids"]["units"]["Group/IT"]), "decision_days": "0", "warning_days": "99",
        "reminder_days": "7", "campaign_completion_pct": "80"}),
    "holiday": Case("hr", "/service-levels/holidays", lambda w: {"day": "", "name": ""}),
    "breach cause": Case("hr", lambda w: f"/service-levels/breaches/{w['things']['breach_id']}", lambda w: {
        "cause": "other", "cause_note": "", "action": ""}),
    "reassign": Case("hr", lambda w: f"/reviews/{w['things']['assessment_id']}/reassign",
                     lambda w: {"reviewer": "", "reason": ""}),
    "erase": Case("hr", lambda w: f"/people/{w['people']['peer']}/erase", lambda w: {"confirm": "wrong@example.test"},
                  problems=1),
    "scim token": Case("admin", "/admin/identity/scim-tokens", lambda w: {"name": ""}, problems=1),
    "new framework": Case("hr", "/frameworks/new", lambda w: {
        "code": "", "name": "", "version": "1", "publisher": "Us", "description": "Ours", "levels": ""}, problems=3),
    "new crosswalk": Case("hr", "/crosswalks/new", lambda w: {
        "name": "", "description": "Scale onto scale", "from": str(w["ids"]["frameworks"]["SLM 1"]), "to": ""}),
    "framework settings": Case("hr", "/frameworks/SFIA/settings?version=8", lambda w: {
        "evidence_required": "y", "validity_months": "0"}, problems=1),
    "new version": Case("hr", "/frameworks/SFIA/new-version?version=8", lambda w: {"new_version": ""}, problems=1),
    "framework details": Case("hr", "/frameworks/DRAFTX/edit?version=1", lambda w: {
        "action": "info", "name": "", "version": "", "publisher": "Kept publisher", "description": "Kept words"},
        setup=_a_draft_framework),
    "framework import": Case("hr", "/frameworks/import", lambda w: {
        "format": "table", "framework_code": "X" * 50, "version": "V9", "framework_name": "Named", "publisher": "Pub",
        "columns": "code=Code", "scale": "SLM", "check": "Check the file"}),
    "org unit": Case("hr", lambda w: f"/admin/org-units/{w['ids']['units']['Group/IT/Service Desk']}", lambda w: {
        "name": "", "parent": str(w["ids"]["units"]["Group/IT"])}, problems=1),
    "crosswalk details": Case("hr", lambda w: f"/crosswalks/{w['things']['crosswalk_id']}/edit", lambda w: {
        "action": "info", "name": "", "description": "Kept description"}, problems=1),
}


def _url(case: Case, world: dict) -> str:
    return case.url(world) if callable(case.url) else case.url


@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_form_keeps_everything_and_tells_every_problem(name, client, auth, org, things):
    case = CASES[name]
    world = {"people": {k: p.id for k, p in org.items() if p is not None}, "things": things, "ids": _ids()}
    if case.who != "anonymous":
        auth.login(org[case.who])
    if case.setup:
        case.setup(world)
    url = _url(case, world)
    if "/new-version" not in url and "/settings" not in url and "/holidays" not in url and "/scim-tokens" not in url:
        offered = client.get(case.get or url)
        assert offered.status_code == 200, url
        world["offered"] = read(offered).options
    sent = case.data(world)

    response = client.post(url, data=sent)

    assert response.status_code in (400, 409, 422), (response.status_code, response.headers.get("Location"))
    shown = controls(response)
    lost = {}
    for key, value in sent.items():
        if key in case.not_kept or key.endswith("submit") or key in ("action", "check"):
            continue
        if isinstance(value, list):
            if sorted(shown.get(key, [])) != sorted(value):
                lost[key] = (value, shown.get(key))
        elif value not in shown.get(key, []):
            lost[key] = (value, shown.get(key))
    assert not lost, f"lost after a refusal: {lost}"
    told = [line for line in problems(response).splitlines() if line]
    assert len(told) >= case.problems, told


# -- too big to send --------------------------------------------------------------------

def test_a_page_over_the_request_limit_is_answered_in_the_layout_with_a_way_back(app, client, auth, org, load_seed_frameworks):
    import io

    from skills_app.services import assessments

    draft = assessments.start(org["peer"], load_seed_frameworks()["SLM"].skills[0], 3)
    db.session.commit()
    auth.login(org["peer"])
    page = f"/assessments/{draft.id}"
    huge = b"%PDF-1.7\n" + b"0" * (app.config["MAX_REQUEST_MB"] * 1024 * 1024 + 1)

    response = client.post(page, data={"claimed_level": "3", "add": "Add evidence", "file": (io.BytesIO(huge), "huge.pdf")},
                           content_type="multipart/form-data", headers={"Referer": f"http://localhost{page}"})

    assert response.status_code == 413 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "<h1>Too big to send</h1>" in body and 'class="skip' in body  # the app's own layout
    assert f"the limit is {app.config['MAX_REQUEST_MB']} MB" in body and "nothing was saved" in body
    assert f'<a href="{page}">Back to the page you were on</a>' in body
    # Without a referrer, the page the form posts to (its own).
    response = client.post(page, data={"claimed_level": "3", "add": "Add evidence", "file": (io.BytesIO(huge), "huge.pdf")},
                           content_type="multipart/form-data")
    assert f'<a href="{page}">Back to the page you were on</a>' in response.get_data(as_text=True)


def test_an_import_over_the_limit_leads_back_to_its_page_even_without_a_referrer(app, client, auth, org):
    import io

    auth.login(org["admin"])
    huge = b"email,name\n" + b"x" * ((app.config["MAX_UPLOAD_MB"] + 2) * 1024 * 1024)

    response = client.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(huge), "people.csv")},
                           content_type="multipart/form-data")

    assert response.status_code == 413
    assert '<a href="/admin/people/import">Back to the page you were on</a>' in response.get_data(as_text=True)


def test_the_api_answers_a_request_over_the_limit_with_json(app, client, org, things):
    import io

    from skills_app.policy import SYSTEM
    from skills_app.services import tokens

    _token, secret = tokens.create(SYSTEM, org["self"], "big")
    db.session.commit()
    huge = b"0" * (app.config["MAX_REQUEST_MB"] * 1024 * 1024 + 1)

    response = client.post(f"/api/v1/assessments/{things['assessment_id']}/evidence",
                           data={"file": (io.BytesIO(huge), "huge.pdf"), "descriptor_ids": "1"},
                           content_type="multipart/form-data", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 413 and response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "request_entity_too_large" and "too big" in error["message"]


# -- asked first, without JavaScript ----------------------------------------------------------

def test_withdrawing_someone_is_asked_first_on_a_page_of_its_own(client, auth, org, things):
    from skills_app.models import Goal

    auth.login(org["learning"])
    plan = client.get(f"/learning/plans/{things['plan_id']}").get_data(as_text=True)
    ask = f"/learning/plans/{things['plan_id']}/enrolments/{things['enrolment_id']}/withdraw"
    # The plan's "Withdraw" button only leads to the question; nothing changes yet.
    assert f'<form method="get" action="{ask}"' in plan

    page = client.get(ask)

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<h1>Withdraw Sasha Subject from this plan?</h1>" in body
    assert "Yes, withdraw Sasha Subject</button>" in body and "No, keep Sasha Subject enrolled</a>" in body
    assert db.session.get(Goal, things["enrolment_id"]).status == "enrolled"

    done = client.post(f"/learning/plans/{things['plan_id']}/enrolments/{things['enrolment_id']}", data={"status": "withdrawn"})

    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Goal, things["enrolment_id"]).status == "withdrawn"
    # Asked again once withdrawn: back to the plan, told so.
    assert client.get(ask).status_code == 302


def test_removing_evidence_is_asked_first_on_a_page_of_its_own(client, auth, org, load_seed_frameworks):
    import io

    from skills_app.services import assessments

    draft = assessments.start(org["peer"], load_seed_frameworks()["SLM"].skills[0], 3)
    descriptor = assessments.claimed_descriptors(draft)[0]
    evidence = assessments.add_evidence(org["peer"], draft, descriptor_ids=[descriptor.id], text="Ran the review")
    db.session.commit()
    auth.login(org["peer"])

    # The page's "Remove this evidence" button saves the page, then asks.
    response = client.post(f"/assessments/{draft.id}", data={"claimed_level": "3", "version": str(draft.version),
                                                             "remove": str(evidence.id)})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/evidence/{evidence.id}/remove")
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Remove this evidence?</h1>" in body and "Yes, remove this evidence</button>" in body
    assert db.session.get(type(evidence), evidence.id) is not None
