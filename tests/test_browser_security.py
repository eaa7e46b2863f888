"""Stored XSS, tried in a real browser: a script-bearing payload goes into every
user-written field (descriptor text through an import, skill and framework
names, evidence text and link, decision and descriptor comments, people's
names and job titles, org unit names, job role names, learning resource
titles), then every page that shows them is opened as the people who see them.

Each payload would set ``window.__xss`` and open a dialog if it ran, and would
leave an element carrying ``data-xss`` if the markup were not escaped (which
the CSP alone would hide). The test fails on a dialog, on the flag, and on any
such element; and it checks that every payload was shown, as text.
"""
from __future__ import annotations

import pytest
import yaml

from skills_app.devdata import demo
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.importers import parse_text
from skills_app.models import Person, Skill
from skills_app.policy import SYSTEM

pytestmark = pytest.mark.browser

FIELDS = ("descriptor", "skill", "framework", "evidence", "link", "comment", "verdict", "name", "job_title", "org_unit",
          "job_role", "resource")


def payload(field: str) -> str:
    # No "/" (org unit paths split on it) and no double quote inside the link.
    return (f"<img src=x onerror=\"window.__xss='{field}';alert('{field}')\" data-xss=\"{field}\">"
            f"'\"><svg onload=alert(1) data-xss=\"{field}\"><script>window.__xss='{field}'</script>")


def marker(field: str) -> str:
    return f'data-xss="{field}"'


@pytest.fixture
def poisoned(demo_org):
    """The demo organisation, plus a payload in every field people write."""
    from skills_app.services import accounts, assessments, frameworks, learning, org, requirements

    doc = {
        "framework": {"code": "XSS", "name": f"Framework {payload('framework')}", "version": "1", "publisher": "Mallory"},
        "levels": [{"number": 1, "name": "One", "description": "First"}, {"number": 2, "name": "Two", "description": "Second"}],
        "skills": [{"code": "XSSK", "name": f"Skill {payload('skill')}", "category": "Attacks", "description": "A skill.",
                    "levels": [{"level": 1, "defined": True, "descriptors": [f"Descriptor {payload('descriptor')}"]},
                               {"level": 2, "defined": True, "descriptors": ["Plain second descriptor."]}]}],
    }
    frameworks.import_doc(SYSTEM, parse_text(yaml.safe_dump(doc), "xss.yaml"), source="xss.yaml")
    marcus = db.session.scalar(db.select(Person).where(Person.email == "marcus.webb@acme.example"))
    unit = org.ensure_path(SYSTEM, f"Acme/IT/Unit {payload('org_unit').replace('/', '')}")
    victim = accounts.create_person(SYSTEM, email="xena@acme.example", name=f"Xena {payload('name')}", roles=["employee"],
                                    password=demo.DEMO_PASSWORD, manager=marcus, org_unit=unit,
                                    job_title=f"Analyst {payload('job_title')}", employee_number="X0001")
    skill = db.session.scalar(db.select(Skill).where(Skill.code == "XSSK"))
    slmo = db.session.scalar(db.select(Skill).where(Skill.code == "SLMO"))
    role = requirements.save_job_role(SYSTEM, None, name=f"Role {payload('job_role')}"[:200], description="x")
    requirements.set_role_requirement(SYSTEM, role, skill, min_level=2, essential=True)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    requirements.assign(SYSTEM, victim, job_roles=[role], services=[])
    learning.save_resource(SYSTEM, None, title=f"Course {payload('resource')}"[:200], kind="course", provider=None, url=None,
                           duration_hours=None, description=None, skill=skill, target_level=2)
    assessment = assessments.start(victim, skill, 1)
    descriptor = assessments.claimed_descriptors(assessment)[0]
    assessments.add_evidence(victim, assessment, descriptor_ids=[descriptor.id], text=f"Evidence {payload('evidence')}")
    link = "https://example.com/?q='onmouseover=alert(1)&" + marker("link").replace('"', "'")
    assessments.add_evidence(victim, assessment, descriptor_ids=[descriptor.id], url=link)
    for hostile in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "https://x.example/\"><script>"):
        with pytest.raises(InvalidInput):
            assessments.add_evidence(victim, assessment, descriptor_ids=[descriptor.id], url=hostile)
    assessments.save_draft(victim, assessment, claimed_level=assessment.claimed_level, ratings={d.id: "met" for d in assessments.descriptors_in_view(assessment)})
    assessments.submit(victim, assessment)
    assessments.decide(marcus, assessment, outcome="return", comment=f"Comment {payload('comment')}",
                       verdicts={descriptor.id: ("not_accepted", f"Verdict {payload('verdict')}")})
    db.session.commit()
    return {"victim": victim.id, "assessment": assessment.id, "role": role.id, "unit": unit.id}


def test_stored_xss_in_every_user_written_field_never_runs(page, live_server, sign_in_page, poisoned, shots):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    seen = ""
    a, victim, role, unit = poisoned["assessment"], poisoned["victim"], poisoned["role"], poisoned["unit"]
    visits = {
        "xena@acme.example": ["/", "/my/skills", f"/assessments/{a}", "/notifications", f"/people/{victim}", "/learning"],
        "marcus.webb@acme.example": ["/reviews", f"/reviews/{a}", "/team", "/people", f"/people/{victim}"],
        "hannah.lee@acme.example": [
            "/people", f"/people/{victim}", f"/assessments/{a}", f"/reviews/{a}", "/reports/gaps", "/reports/gaps?view=heatmap",
            "/reports/gaps?view=heatmap-units", "/reports/gaps?group=job_role", "/reports/gaps?group=org_unit",
            "/reports/gaps?group=skill", "/reports/training-needs", "/reports/coverage", "/requirements",
            f"/requirements/roles/{role}", f"/people/{victim}/assignments", "/learning", "/frameworks", "/frameworks/XSS",
            "/frameworks/XSS/skills/XSSK", "/admin/org-units", f"/admin/org-units/{unit}", "/admin/audit",
        ],
        "alex.morgan@acme.example": ["/admin/people", f"/admin/people/{victim}", "/admin/audit"],
    }
    for email, paths in visits.items():
        page.context.clear_cookies()
        sign_in_page(email)
        for path in paths:
            response = page.goto(f"{live_server}{path}")
            assert response.status == 200, f"{email} {path}: {response.status}"
            page.wait_for_load_state("load")
            assert page.evaluate("typeof window.__xss") == "undefined", f"{path}: a payload ran ({page.evaluate('window.__xss')})"
            injected = page.locator("[data-xss]")
            assert injected.count() == 0, f"{path}: markup injected by {injected.first.get_attribute('data-xss')!r}"
            seen += page.locator("body").inner_text()
        shots(page, email.split("@")[0])
    assert dialogs == [], f"dialogs opened: {dialogs}"
    shown_as_text = {field for field in FIELDS if marker(field) in seen or marker(field).replace('"', "'") in seen}
    # The link is shown as text in its own right; every field was on some page, escaped.
    assert shown_as_text == set(FIELDS), f"payloads never shown (so not tested): {set(FIELDS) - shown_as_text}"
