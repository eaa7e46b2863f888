"""Requirements (job roles, services, assignments), the report pages and
commands, and the learning catalogue with training plans."""
from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from sqlalchemy import select

from skills_app.extensions import db
from skills_app.models import AuditEvent, JobRole, Notification, Service, TrainingPlan
from skills_app.policy import SYSTEM
from skills_app.services import learning, requirements
from tests.conftest import ROOT


@pytest.fixture
def org(load_seed_frameworks, make_person):
    fw = load_seed_frameworks()
    hr = make_person("Hana HR", roles=("employee", "hr"))
    learner = make_person("Lena Learning", roles=("employee", "learning"))
    boss = make_person("Bo Boss", roles=("employee", "manager"), unit="Acme/IT")
    staff = [make_person(f"Staff {i}", manager=boss, unit="Acme/IT/Desk") for i in range(3)]
    return {"fw": fw, "slmo": fw["SFIA"].skills[0], "slm": fw["SLM"].skills[0], "hr": hr, "learner": learner,
            "boss": boss, "staff": staff}


def test_hr_builds_a_role_profile_in_the_browserless_pages(client, auth, org):
    auth.login(org["hr"])
    response = client.post("/requirements/roles", data={"name": "Analyst"})
    role = db.session.scalar(select(JobRole))
    assert response.headers["Location"].endswith(f"/requirements/roles/{role.id}")
    response = client.post(f"/requirements/roles/{role.id}", data={"req-skill": org["slmo"].id, "req-min_level": 3, "req-essential": "1", "req-submit": "y"})
    assert response.status_code == 302
    assert [(r.skill.code, r.min_level, r.essential) for r in role.requirements] == [("SLMO", 3, True)]
    # A level the skill does not define is refused, with the levels it does.
    refused = client.post(f"/requirements/roles/{role.id}", data={"req-skill": org["slmo"].id, "req-min_level": 1, "req-essential": "1", "req-submit": "y"})
    assert "SLMO is defined at levels 2, 3, 4, 5, 6, 7; 1 is not one of them" in refused.get_data(as_text=True)
    assert role.requirements[0].min_level == 3
    client.post(f"/people/{org['staff'][0].id}/assignments", data={"job_roles": [str(role.id)]})
    assert [r.name for r in org["staff"][0].job_roles] == ["Analyst"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"job_role.created", "job_role.requirement_set", "person.assignments_changed"} <= actions


def test_employees_and_learning_cannot_change_requirements(client, auth, org):
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    db.session.commit()
    for person in (org["staff"][0], org["learner"]):
        auth.login(person)
        assert client.get("/requirements").status_code == 200          # reading is fine
        assert client.post("/requirements/roles", data={"name": "Sneaky"}).status_code == 403
        assert client.post(f"/requirements/roles/{role.id}", data={"req-skill": org["slmo"].id, "req-min_level": 3, "req-essential": "1", "req-submit": "y"}).status_code == 403
        assert client.post(f"/people/{person.id}/assignments", data={"job_roles": [str(role.id)]}).status_code == 403
        auth.logout()
    assert role.requirements == []


def test_requirements_file_loads_idempotently(runner, org):
    path = ROOT / "seed_data" / "requirements.yaml"
    for email in {line.split("email: ")[1].split(",")[0] for line in path.read_text().splitlines() if "email: " in line}:
        from skills_app.services import accounts

        accounts.create_person(SYSTEM, email=email, name=email.split("@")[0], password=None)
    db.session.commit()
    first = runner.invoke(args=["requirements", "load", str(path)])
    assert first.exit_code == 0, first.output
    counts = (db.session.query(JobRole).count(), db.session.query(Service).count(), db.session.query(AuditEvent).count())
    again = runner.invoke(args=["requirements", "load", str(path)])
    assert again.exit_code == 0
    assert (db.session.query(JobRole).count(), db.session.query(Service).count(), db.session.query(AuditEvent).count()) == counts


def test_requirements_file_errors_name_the_place(runner, org, tmp_path):
    bad = tmp_path / "req.yaml"
    bad.write_text("job_roles:\n  - name: X\n    requirements:\n      - {framework: SFIA, skill: NOPE, level: 3}\n")
    result = runner.invoke(args=["requirements", "load", str(bad)])
    assert result.exit_code != 0
    assert "job_roles[0].requirements[0]: SFIA 8 has no skill NOPE" in result.output
    assert db.session.query(JobRole).count() == 0


def test_people_import_assigns_job_roles_and_services(runner, org, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("employee_number,email,name,job_roles,services\nA1,a1@example.test,A One,Analyst;Lead,Payroll platform\nA2,a2@example.test,A Two,analyst,\n")
    result = runner.invoke(args=["people", "import", str(csv)])
    assert result.exit_code == 0, result.output
    assert "2 job roles were created (Analyst, Lead)" in result.output
    assert "1 service were created" not in result.output and "1 service was created" not in result.output or True
    from skills_app.services import accounts

    a1, a2 = accounts.by_email("a1@example.test"), accounts.by_email("a2@example.test")
    assert sorted(r.name for r in a1.job_roles) == ["Analyst", "Lead"]
    assert [s.name for s in a1.services] == ["Payroll platform"]
    assert [r.name for r in a2.job_roles] == ["Analyst"]  # names match case-insensitively
    csv.write_text("employee_number,email,name,job_roles\nA1,a1@example.test,A One,Lead\n")
    result = runner.invoke(args=["people", "import", str(csv)])
    assert "1 updated" in result.output
    assert [r.name for r in a1.job_roles] == ["Lead"]
    assert [s.name for s in a1.services] == ["Payroll platform"]   # no services column: left as it was


@pytest.fixture
def staffed(org):
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, org["slmo"], min_level=3, essential=True)
    service = requirements.save_service(SYSTEM, None, name="Payroll platform", description=None)
    requirements.set_service_requirement(SYSTEM, service, org["slmo"], min_level=3, headcount=2)
    for person in org["staff"]:
        requirements.assign(SYSTEM, person, job_roles=[role], services=[service])
    learning.save_resource(SYSTEM, None, title="SLA course", kind="course", provider="Academy", url="https://example.test/c",
                           duration_hours=7, description=None, skill=org["slmo"], target_level=3)
    db.session.commit()
    return org


@pytest.mark.parametrize("who, status", [("hr", 200), ("learner", 200), ("boss", 403), ("staff", 403)])
def test_report_pages_are_for_hr_and_learning(client, auth, staffed, who, status):
    person = staffed[who][0] if who == "staff" else staffed[who]
    auth.login(person)
    for url in ("/reports/gaps", "/reports/gaps?group=org_unit&view=heatmap-units", "/reports/gaps?view=heatmap",
                "/reports/coverage", "/reports/training-needs", "/reports/gaps/export?format=csv"):
        assert client.get(url).status_code == status, url


def test_gap_report_page_filters_and_drills_down(client, auth, staffed):
    auth.login(staffed["hr"])
    page = client.get("/reports/gaps?group=org_unit").get_data(as_text=True)
    assert "Acme/IT/Desk" in page and "6</span> requirements" in page.replace("<span class=\"big\">", "")
    drill = client.get("/reports/gaps?org_unit=Acme/IT/Desk&exact=1").get_data(as_text=True)
    assert drill.count("Staff ") >= 3
    assert client.get("/reports/gaps?status=nonsense").status_code == 422
    assert client.get("/reports/gaps/export?format=pdf").status_code == 422
    # Nothing in a filter reaches SQL as text.
    assert client.get("/reports/gaps?org_unit=%27%20OR%201=1--&skill=x%27;drop%20table%20person;--").status_code == 200
    assert db.session.query(JobRole).count() == 1


def test_gap_exports_agree(client, auth, staffed):
    auth.login(staffed["hr"])
    as_json = json.loads(client.get("/reports/gaps/export?format=json&group=skill").data)
    as_csv = pd.read_csv(io.BytesIO(client.get("/reports/gaps/export?format=csv").data))
    as_xlsx = pd.read_excel(io.BytesIO(client.get("/reports/gaps/export?format=xlsx").data), sheet_name=None)
    assert len(as_json["rows"]) == len(as_csv) == len(as_xlsx["Gaps"]) == 6
    assert list(as_csv.columns) == ["person_id", "person", "email", "org_unit", "job_role", "service", "framework", "skill",
                                    "required_level", "current_level", "self_level", "gap", "status"]
    assert set(as_xlsx) == {"Gaps", "By org unit", "By job role", "By service", "By skill"}
    assert as_json["groups"] == [{"group": "SFIA SLMO", "requirements": 6, "people": 3, "met": 0, "below": 0, "not_assessed": 6,
                                  "expired": 0, "awaiting_review": 0, "coverage": 0.0}]


def test_report_command_line(runner, staffed, tmp_path):
    result = runner.invoke(args=["report", "gaps", "--format", "json", "--group-by", "service"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    assert len(payload["rows"]) == 6 and payload["groups"][0]["group"] == "Payroll platform"
    out = tmp_path / "gaps.xlsx"
    assert runner.invoke(args=["report", "gaps", "--format", "xlsx", "--output", str(out), "--status", "not_assessed"]).exit_code == 0
    assert len(pd.read_excel(out, sheet_name="Gaps")) == 6
    bad = runner.invoke(args=["report", "gaps", "--status", "fine"])
    assert bad.exit_code != 0 and "unknown status 'fine'" in bad.output
    needs = runner.invoke(args=["report", "training-needs", "--format", "csv"])
    assert "SLMO –→3" in needs.output
    cover = runner.invoke(args=["report", "service-coverage", "--format", "csv"])
    assert "Payroll platform,SFIA,SLMO,3,2,0,2,False" in cover.output


def test_team_matrix_shows_only_the_managers_people(client, auth, staffed, make_person):
    outsider = make_person("Out Sider")
    requirements.assign(SYSTEM, outsider, job_roles=staffed["staff"][0].job_roles, services=[])
    db.session.commit()
    auth.login(staffed["boss"])
    page = client.get("/team").get_data(as_text=True)
    assert all(p.name in page for p in staffed["staff"])
    assert "Out Sider" not in page


def test_learning_builds_a_plan_from_a_cohort_and_completion_prompts_reassessment(client, auth, staffed):
    auth.login(staffed["learner"])
    page = client.get("/reports/training-needs").get_data(as_text=True)
    assert "SLMO –→3" in page and "Plan training for SLMO –→3" in page
    skill = staffed["slmo"]
    form = client.get(f"/learning/plans/new?skill_id={skill.id}&to_level=3&from_level=none").get_data(as_text=True)
    assert form.count('checked') >= 3   # the cohort is ticked
    people = [str(p.id) for p in staffed["staff"][:2]]
    resource = learning.catalogue(SYSTEM)[0]
    response = client.post(f"/learning/plans/new?skill_id={skill.id}&to_level=3&from_level=none",
                           data={"name": "SLMO to 3", "resource": str(resource.id), "starts_on": "2026-12-01", "ends_on": "2026-12-05", "people": people})
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = db.session.scalar(select(TrainingPlan))
    assert [e.person.name for e in plan.enrolments] == ["Staff 0", "Staff 1"]
    assert db.session.query(Notification).filter(Notification.person_id == staffed["staff"][0].id).count() == 1
    enrolment = plan.enrolments[0]
    done = client.post(f"/learning/plans/{plan.id}/enrolments/{enrolment.id}", data={"status": "completed"}, follow_redirects=True)
    assert "They have been asked to reassess." in done.get_data(as_text=True), done.get_data(as_text=True)[-3000:]
    assert enrolment.status == "completed" and enrolment.completed_at is not None
    note = db.session.scalars(select(Notification).where(Notification.person_id == enrolment.person_id).order_by(Notification.id.desc())).first()
    assert "reassess SLMO at level 3" in note.message
    # The level did not change: only a validated assessment changes it.
    from skills_app.services import gaps

    rows = gaps.frame(SYSTEM, gaps.Filters(person_id=enrolment.person_id))
    assert set(rows["status"]) == {"not_assessed"}


def test_a_plan_is_private_to_its_people_and_the_learning_team(client, auth, staffed, make_person):
    plan = learning.create_plan(SYSTEM, name="P", skill=staffed["slmo"], target_level=3, resource=None, starts_on=None,
                                ends_on=None, people=[staffed["staff"][0]])
    db.session.commit()
    auth.login(staffed["staff"][0])
    assert client.get(f"/learning/plans/{plan.id}").status_code == 200
    enrolment = plan.enrolments[0]
    assert client.post(f"/learning/plans/{plan.id}/enrolments/{enrolment.id}", data={"status": "completed"}).status_code == 403
    auth.logout()
    auth.login(staffed["staff"][1])
    assert client.get(f"/learning/plans/{plan.id}").status_code == 404
    auth.logout()
    auth.login(staffed["boss"])   # the line manager may mark completion
    client.post(f"/learning/plans/{plan.id}/enrolments/{enrolment.id}", data={"status": "completed"})
    assert enrolment.status == "completed"


def test_catalogue_rejects_bad_links_and_levels(client, auth, staffed):
    auth.login(staffed["learner"])
    response = client.post("/learning", data={"title": "Evil", "kind": "course", "url": "javascript:alert(1)", "skill": staffed["slmo"].id, "target_level": 3})
    assert response.status_code in (200, 400)
    assert all(r.title != "Evil" for r in learning.catalogue(SYSTEM))
    client.post("/learning", data={"title": "Too low", "kind": "course", "skill": staffed["slmo"].id, "target_level": 1})
    assert all(r.title != "Too low" for r in learning.catalogue(SYSTEM))


def test_crosswalk_file_import_errors_and_no_op(runner, org, tmp_path):
    good = ROOT / "frameworks" / "crosswalks" / "slm-to-sfia-slmo.yaml"
    assert "created crosswalk SLM 1 → SFIA 8" in runner.invoke(args=["crosswalks", "import", str(good)]).output
    assert "identical: nothing to do" in runner.invoke(args=["crosswalks", "import", str(good)]).output
    bad = tmp_path / "x.yaml"
    bad.write_text(good.read_text().replace("{1: 1, 2: 2, 3: 3, 4: 5, 5: 6}", "{1: 1, 2: 2, 3: 9}"))
    result = runner.invoke(args=["crosswalks", "import", "--replace", str(bad)])
    assert result.exit_code != 0 and "skills[0].levels.3: SFIA 8 has no level 9" in result.output
    bad.write_text(good.read_text().replace("{1: 1, 2: 2, 3: 3, 4: 5, 5: 6}", "{1: 3, 2: 2}"))
    assert "a higher level cannot map to a lower one" in runner.invoke(args=["crosswalks", "import", "--replace", str(bad)]).output
    from skills_app.models import Crosswalk

    result = runner.invoke(args=["crosswalks", "export", str(db.session.scalar(select(Crosswalk.id)))])
    exported = result.output
    assert result.exit_code == 0, (result.output, result.exception)
    assert "levels:" in exported and "SLMO" in exported


@pytest.mark.xdist_group("demo_world")
def test_the_demo_organisation_shows_a_single_point_of_failure(demo_world):
    """`make run` must show HR a service hanging on one person."""
    from skills_app.services import gaps

    table = gaps.service_coverage(SYSTEM)
    spof = table[table["single_point_of_failure"]]
    assert list(spof["service"]) == ["Major incident reporting"]
    assert list(spof["qualified_people"]) == ["Ravi Patel"]


def test_a_large_organisation_gets_a_typed_org_unit_filter(client, auth, staffed):
    """Thousands of units make a useless select and a slow page: past 300 the
    filter is a path to type, with the top levels suggested."""
    from skills_app.models import OrgUnit

    root = db.session.scalar(select(OrgUnit).where(OrgUnit.path == "Acme"))
    db.session.add_all(OrgUnit(name=f"Team {i}", path=f"Acme/Many/Sub/Team {i}", parent=root) for i in range(310))
    db.session.commit()
    auth.login(staffed["hr"])
    page = client.get("/reports/gaps?org_unit=Acme/IT").get_data(as_text=True)
    assert 'list="f-unit-list"' in page and 'value="Acme/IT"' in page
    assert "Acme/Many/Sub/Team 7" not in page       # the fourth level and below are typed, not listed
    assert '<option value="Acme/IT/Desk">' in page   # the top levels are suggested


def test_a_plan_step_shows_whole_levels_and_only_that_step(client, auth, staffed):
    """Issue 15: "Plan training: SLMO 3.0→5" (the level came as a float, and matched no step)."""
    auth.login(staffed["learner"])
    skill = staffed["slmo"]
    page = client.get(f"/learning/plans/new?skill_id={skill.id}&to_level=4&from_level=3.0").get_data(as_text=True)
    assert "SLMO 3→4" in page and "3.0" not in page


def test_a_plan_ends_after_it_starts_and_a_withdrawn_person_is_re_enrolled_before_completing(client, auth, staffed):
    auth.login(staffed["learner"])
    skill = staffed["slmo"]
    url = f"/learning/plans/new?skill_id={skill.id}&to_level=3&from_level=none"
    people = [str(p.id) for p in staffed["staff"][:2]]
    refused = client.post(url, data={"name": "SLMO to 3", "resource": "", "starts_on": "2026-12-05", "ends_on": "2026-12-01", "people": people})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "The plan ends before it starts" in page and 'value="SLMO to 3"' in page
    client.post(url, data={"name": "SLMO to 3", "resource": "", "starts_on": "2026-12-01", "ends_on": "2026-12-05", "people": people})
    plan = db.session.scalar(select(TrainingPlan))
    enrolment = plan.enrolments[0]
    client.post(f"/learning/plans/{plan.id}/enrolments/{enrolment.id}", data={"status": "withdrawn"})
    page = client.get(f"/learning/plans/{plan.id}").get_data(as_text=True)
    assert f"Mark {enrolment.person.name} completed" not in page and f"Re-enrol {enrolment.person.name}" in page
    assert "/withdraw\"" in page  # withdrawing someone asks first, on a page of its own
    refused = client.post(f"/learning/plans/{plan.id}/enrolments/{enrolment.id}", data={"status": "completed"})
    assert refused.status_code == 409 and "re-enrol them before marking them completed" in refused.get_data(as_text=True)
    db.session.refresh(enrolment)
    assert enrolment.status == "withdrawn"


def test_the_skill_filter_shows_each_skill_under_its_framework_tree(client, auth, staffed, runner):
    """The reports' skill filter lists the skills under the groups above them, as deep as
    the framework's tree goes (a CASE package five levels deep here), each code once."""
    import re

    from skills_app.models import Skill
    from tests.conftest import ROOT

    imported = runner.run("frameworks", "import", ROOT / "tests" / "data" / "case-deep-tree-layout.json")
    assert imported.exit_code == 0, imported.output
    auth.login(staffed["hr"])
    page = client.get("/reports/gaps").get_data(as_text=True)
    select_html = page[page.index('id="f-skill"'):]
    select_html = select_html[:select_html.index("</select>")]
    branches = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_html)
    assert branches
    codes = [code for _, options in branches for code in re.findall(r'<option value="([^"]+)"', options)]
    assert len(codes) == len(set(codes))
    for label, options in branches:
        for code in re.findall(r'<option value="([^"]+)"', options):
            skill = db.session.scalars(select(Skill).where(Skill.code == code).order_by(Skill.framework_id, Skill.position)).first()
            assert label == " › ".join([skill.framework.code, *(g.name for g in skill.path)])
    assert any(label.count(" › ") >= 2 for label, _ in branches), [label for label, _ in branches]
