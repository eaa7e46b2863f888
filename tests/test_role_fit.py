"""Explore roles: a person against any job role or service, by the gap engine's
held-level rules, checked against hand-computed cases (met, below, not
assessed, expired, via a crosswalk); the closest job roles, essential first,
in a number of statements that does not grow with job roles or people; the
people closest to a job role; GET /api/v1/me/roles."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.policy import SYSTEM
from skills_app.services import crosswalks, learning, requirements, role_fit, tokens

NOW = datetime.now(timezone.utc)


def assess(person, skill, *, validated, decided_days_ago=10, valid_for_days=700, status="validated"):
    decided = NOW - timedelta(days=decided_days_ago)
    db.session.add(Assessment(
        person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=validated, status=status,
        validated_level=validated if status == "validated" else None, submitted_at=decided - timedelta(days=1),
        decided_at=decided if status == "validated" else None,
        valid_until=decided + timedelta(days=valid_for_days) if status == "validated" else None,
        created_at=decided - timedelta(days=2)))
    db.session.commit()


@pytest.fixture
def world(load_seed_frameworks, make_person):
    """SFIA SLMO (levels 2–7) and the in-house SLM (1–5), with a crosswalk SLM 2→SLMO 2, SLM 3→SLMO 3.
    Job roles: Service Level Manager (SLMO 4 essential, SLM 2 desirable), Desk Lead (SLMO 3 essential),
    Generalist (SLMO 2 and SLM 1, both desirable), Vacant (nothing yet); a service Payroll (SLMO 3).
    Nobody holds any of them: exploring does not need to."""
    fw = load_seed_frameworks()
    slmo, slm = fw["SFIA"].skills[0], fw["SLM"].skills[0]
    doc = crosswalks.parse({"crosswalk": {"name": "SLM to SFIA", "from": {"framework": "SLM"}, "to": {"framework": "SFIA"}},
                            "skills": [{"from": "SLM", "to": "SLMO", "levels": {2: 2, 3: 3}}]}, "x.yaml")
    crosswalks.import_doc(SYSTEM, doc, "x.yaml")
    manager_role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None)
    requirements.set_role_requirement(SYSTEM, manager_role, slmo, min_level=4, essential=True)
    requirements.set_role_requirement(SYSTEM, manager_role, slm, min_level=2, essential=False)
    lead = requirements.save_job_role(SYSTEM, None, name="Desk Lead", description=None)
    requirements.set_role_requirement(SYSTEM, lead, slmo, min_level=3, essential=True)
    generalist = requirements.save_job_role(SYSTEM, None, name="Generalist", description=None)
    requirements.set_role_requirement(SYSTEM, generalist, slmo, min_level=2, essential=False)
    requirements.set_role_requirement(SYSTEM, generalist, slm, min_level=1, essential=False)
    vacant = requirements.save_job_role(SYSTEM, None, name="Vacant", description=None)
    payroll = requirements.save_service(SYSTEM, None, name="Payroll", description=None)
    requirements.set_service_requirement(SYSTEM, payroll, slmo, min_level=3, headcount=1)
    db.session.commit()
    return dict(slmo=slmo, slm=slm, manager_role=manager_role, lead=lead, generalist=generalist, vacant=vacant,
                payroll=payroll, make_person=make_person)


def rows(fit):
    return {r.skill: (r.required_level, r.current_level, r.via, r.gap, r.status) for r in fit.rows}


def test_met_directly_and_through_the_crosswalk_backwards(world):
    p = world["make_person"]("Met Person")
    assess(p, world["slmo"], validated=5)
    fit = role_fit.compare(SYSTEM, p, "job_role", world["manager_role"].id)
    # SLMO 5 held; SLM: the highest SLM level that maps at or below SLMO 5 is 3, via SLMO.
    assert rows(fit) == {"SLMO": (4, 5, None, 0, "met"), "SLM": (2, 3, "SLMO", 0, "met")}
    assert (fit.required, fit.met, fit.gaps) == (2, 2, [])


def test_below_with_the_missing_levels_and_their_learning(world):
    p = world["make_person"]("Below Person")
    assess(p, world["slmo"], validated=2)
    learning.save_resource(SYSTEM, None, title="SLA workshop", kind="workshop", provider=None, url=None, duration_hours=None,
                           description=None, skill=world["slmo"], target_level=3)
    learning.save_resource(SYSTEM, None, title="Strategy course", kind="course", provider=None, url=None, duration_hours=None,
                           description=None, skill=world["slmo"], target_level=6)
    db.session.commit()
    fit = role_fit.compare(SYSTEM, p, "job_role", world["manager_role"].id)
    assert rows(fit) == {"SLMO": (4, 2, None, 2, "below"), "SLM": (2, 2, "SLMO", 0, "met")}
    gap = fit.gaps[0]
    # The levels above the one held, up to the one required, each with its descriptors word for word.
    assert [m.level for m in gap.missing] == [3, 4]
    for m in gap.missing:
        assert m.descriptors == [d.text for d in world["slmo"].level(m.level).descriptors] and m.descriptors
    assert [x.title for x in gap.learning] == ["SLA workshop"]


def test_not_assessed_is_no_silent_zero(world):
    p = world["make_person"]("New Person")
    fit = role_fit.compare(SYSTEM, p, "job_role", world["manager_role"].id)
    assert rows(fit) == {"SLMO": (4, None, None, None, "not_assessed"), "SLM": (2, None, None, None, "not_assessed")}
    # Every defined level up to the required one is missing: SLMO is defined from level 2.
    assert [m.level for m in fit.gaps[0].missing] == [2, 3, 4]
    assert [m.level for m in fit.gaps[1].missing] == [1, 2]


def test_expired_counts_for_nothing(world):
    p = world["make_person"]("Expired Person")
    assess(p, world["slmo"], validated=4, decided_days_ago=800, valid_for_days=730)
    fit = role_fit.compare(SYSTEM, p, "job_role", world["manager_role"].id)
    assert rows(fit) == {"SLMO": (4, None, None, None, "expired"), "SLM": (2, None, None, None, "not_assessed")}


def test_via_the_crosswalk_forwards_and_against_a_service(world):
    p = world["make_person"]("Via Person")
    assess(p, world["slm"], validated=3)
    fit = role_fit.compare(SYSTEM, p, "job_role", world["manager_role"].id)
    assert rows(fit) == {"SLMO": (4, 3, "SLM", 1, "below"), "SLM": (2, 3, None, 0, "met")}
    assert [m.level for m in fit.gaps[0].missing] == [4]
    service = role_fit.compare(SYSTEM, p, "service", world["payroll"].id)
    assert rows(service) == {"SLMO": (3, 3, "SLM", 0, "met")}


def test_closest_roles_essential_first(world):
    p = world["make_person"]("Via Person")
    assess(p, world["slm"], validated=3)
    page = role_fit.closest_roles(SYSTEM, p)
    got = [(m.job_role, m.essential_met, m.met, m.required) for m in page.items]
    # Desk Lead meets its one essential level; Generalist meets more levels, none essential.
    assert got == [("Desk Lead", 1, 1, 1), ("Generalist", 0, 2, 2), ("Service Level Manager", 0, 1, 2), ("Vacant", 0, 0, 0)]
    manager = page.items[2]
    assert manager.missing == [{"framework": "SFIA", "skill": "SLMO", "required_level": 4, "current_level": 3}]


def count_statements(fn):
    seen = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(seen)


def test_closest_roles_take_the_same_statements_for_any_number_of_roles_and_people(world):
    p = world["make_person"]("Via Person")
    assess(p, world["slm"], validated=3)
    db.session.expire_all()
    person = db.session.get(type(p), p.id)
    few = count_statements(lambda: role_fit.closest_roles(SYSTEM, person))
    for n in range(25):
        role = requirements.save_job_role(SYSTEM, None, name=f"Role {n:02d}", description=None)
        requirements.set_role_requirement(SYSTEM, role, world["slmo"] if n % 2 else world["slm"], min_level=2 + n % 3,
                                          essential=bool(n % 3))
        if n % 2:
            role.responsibility_level = 2 + n % 4    # a level of responsibility on half of them
        other = world["make_person"](f"Other {n}")
        assess(other, world["slmo"], validated=3)
        if n % 3 == 0:
            assess_responsibility(other, world["slmo"].framework, validated=3)
    db.session.commit()
    db.session.expire_all()
    person = db.session.get(type(p), p.id)
    many = count_statements(lambda: role_fit.closest_roles(SYSTEM, person))
    assert few == many <= 3


def test_paging_walks_every_role_once_in_order(world):
    p = world["make_person"]("Via Person")
    assess(p, world["slm"], validated=3)
    whole = [m.job_role for m in role_fit.closest_roles(SYSTEM, p, limit=50).items]
    walked, cursor = [], None
    while True:
        page = role_fit.closest_roles(SYSTEM, p, cursor=cursor, limit=1)
        walked += [m.job_role for m in page.items]
        cursor = page.next
        if not cursor:
            break
    assert walked == whole and len(whole) == 4


def test_succession_ready_now_and_one_level_away(world):
    make = world["make_person"]
    hr = make("Hana HR", roles=("employee", "hr"))
    ready, near, far = make("Ready Rita"), make("Near Nick"), make("Far Fay")
    assess(ready, world["slmo"], validated=5)
    assess(near, world["slm"], validated=3)
    assess(far, world["slmo"], validated=2)
    role, candidates = role_fit.succession(hr, world["manager_role"].id)
    by_name = {c.name: (c.levels_short, c.readiness) for c in candidates}
    assert by_name["Ready Rita"] == (0, "ready_now")
    assert by_name["Near Nick"] == (1, "one_level_away")
    assert by_name["Far Fay"] == (2, "further")
    assert [c.name for c in candidates][:3] == ["Ready Rita", "Near Nick", "Far Fay"]


def test_succession_is_hr_s(world):
    from skills_app.errors import NotAllowed

    with pytest.raises(NotAllowed):
        role_fit.succession(world["make_person"]("Just Me"), world["manager_role"].id)


def test_api_me_roles(world, client):
    p = world["make_person"]("Via Person")
    assess(p, world["slm"], validated=3)
    _token, secret = tokens.create(SYSTEM, p, "test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = client.get("/api/v1/me/roles", headers=headers).get_json()
    assert body == {"items": [
        {"job_role": "Desk Lead", "required": 1, "met": 1, "missing": []},
        {"job_role": "Generalist", "required": 2, "met": 2, "missing": []},
        {"job_role": "Service Level Manager", "required": 2, "met": 1,
         "missing": [{"framework": "SFIA", "skill": "SLMO", "required_level": 4, "current_level": 3}]},
        {"job_role": "Vacant", "required": 0, "met": 0, "missing": []},
    ], "next": None}
    first = client.get("/api/v1/me/roles?limit=3", headers=headers).get_json()
    assert [i["job_role"] for i in first["items"]] == ["Desk Lead", "Generalist", "Service Level Manager"] and first["next"]
    rest = client.get(f"/api/v1/me/roles?limit=3&cursor={first['next']}", headers=headers).get_json()
    assert rest == {"items": [{"job_role": "Vacant", "required": 0, "met": 0, "missing": []}], "next": None}
    assert client.get("/api/v1/me/roles?cursor=nonsense", headers=headers).status_code == 422


def test_pages(world, client, auth):
    p = world["make_person"]("Below Person")
    assess(p, world["slmo"], validated=2)
    auth.login(p)
    page = client.get("/my/roles").get_data(as_text=True)
    assert "Closest job roles" in page and "Desk Lead" in page
    picked = client.get(f"/my/roles?target=role:{world['manager_role'].id}")
    assert picked.status_code == 302 and picked.location.endswith(f"/my/roles/{world['manager_role'].id}")
    compare = client.get(f"/my/roles/{world['manager_role'].id}").get_data(as_text=True)
    assert "What you would need" in compare and "Level 3" in compare and "Level 4" in compare
    assert client.get("/my/roles/999999").status_code == 404
    assert client.get(f"/my/services/{world['payroll'].id}").status_code == 200


# -- a job role's level of responsibility: a line of the comparison, essential in the closest roles ----------

def assess_responsibility(person, framework, *, validated, decided_days_ago=10, valid_for_days=700, status="validated"):
    """A responsibility assessment (no skill) decided ``decided_days_ago``, at ``validated``."""
    decided = NOW - timedelta(days=decided_days_ago)
    db.session.add(Assessment(
        person_id=person.id, framework_id=framework.id, skill_id=None, kind="responsibility", claimed_level=validated,
        status=status, validated_level=validated if status == "validated" else None,
        submitted_at=decided - timedelta(days=1), decided_at=decided if status == "validated" else None,
        valid_until=decided + timedelta(days=valid_for_days) if status == "validated" else None,
        created_at=decided - timedelta(days=2)))
    db.session.commit()


@pytest.fixture
def lor_world(world):
    """The Service Level Manager needs level 5 of responsibility besides SLMO 4 and SLM 2; Desk Lead level 3."""
    world["manager_role"].responsibility_level = 5
    world["lead"].responsibility_level = 3
    db.session.commit()
    return world


@pytest.mark.parametrize("held, expected", [
    # (validated level, decided days ago, valid for days) -> (current level, gap, status)
    ((5, 10, 700), (5, 0, "met")),
    ((6, 10, 700), (6, 0, "met")),
    ((4, 10, 700), (4, 1, "below")),
    ((5, 800, 700), (None, None, "expired")),   # validated at 5, lapsed 100 days ago: counts for nothing
    (None, (None, None, "not_assessed")),
])
def test_the_level_of_responsibility_is_a_line_of_the_comparison(lor_world, held, expected):
    p = lor_world["make_person"]("Rory Responsible")
    assess(p, lor_world["slmo"], validated=4)
    if held is not None:
        level, ago, valid = held
        assess_responsibility(p, lor_world["slmo"].framework, validated=level, decided_days_ago=ago, valid_for_days=valid)
    fit = role_fit.compare(SYSTEM, p, "job_role", lor_world["manager_role"].id)
    lor = [r for r in fit.rows if r.is_responsibility]
    assert len(lor) == 1
    (row,) = lor
    assert (row.framework, row.skill, row.skill_name, row.required_level, row.essential) == (
        "LoR", "LoR", "Level of responsibility", 5, True)
    assert (row.current_level, row.gap, row.status) == expected
    assert rows(fit)["SLMO"][4] == "met" and fit.required == 3
    # SLMO 4 met, and SLM 2 through the crosswalk backwards (SLMO 4 counts as SLM 3): the third is the level of responsibility.
    assert rows(fit)["SLM"] == (2, 3, "SLMO", 0, "met")
    assert fit.met == 2 + (expected[2] == "met")
    # A gap of responsibility has no skill descriptors or learning of its own: it leads to assessing it.
    assert row.missing == [] and row.learning == []


def test_a_self_assessed_responsibility_level_is_shown_but_does_not_count(lor_world):
    p = lor_world["make_person"]("Rory Responsible")
    assess_responsibility(p, lor_world["slmo"].framework, validated=5, status="submitted")
    (row,) = [r for r in role_fit.compare(SYSTEM, p, "job_role", lor_world["manager_role"].id).rows if r.is_responsibility]
    assert (row.current_level, row.self_level, row.status) == (None, 5, "awaiting_review")


def test_services_state_no_level_of_responsibility(lor_world):
    p = lor_world["make_person"]("Rory Responsible")
    assert not [r for r in role_fit.compare(SYSTEM, p, "service", lor_world["payroll"].id).rows if r.is_responsibility]


def test_closest_roles_count_the_level_of_responsibility_as_essential(lor_world, client):
    p = lor_world["make_person"]("Rory Responsible")
    assess(p, lor_world["slm"], validated=3)                           # SLM 3; SLMO 3 through the crosswalk
    assess_responsibility(p, lor_world["slmo"].framework, validated=3)  # level 3 of responsibility
    page = role_fit.closest_roles(SYSTEM, p)
    got = [(m.job_role, m.essential_met, m.essential_required, m.met, m.required) for m in page.items]
    # Desk Lead: SLMO 3 and LoR 3, both essential, both met. Service Level Manager: SLMO 4 and LoR 5
    # essential, neither met; SLM 2 desirable met.
    assert got == [("Desk Lead", 2, 2, 2, 2), ("Generalist", 0, 0, 2, 2), ("Service Level Manager", 0, 2, 1, 3),
                   ("Vacant", 0, 0, 0, 0)]
    assert page.items[2].missing == [
        {"framework": "LoR", "skill": "LoR", "required_level": 5, "current_level": 3},
        {"framework": "SFIA", "skill": "SLMO", "required_level": 4, "current_level": 3},
    ]
    # With a responsibility level below Desk Lead's 3, one of its two essential levels is met (SLMO 3), and
    # one is missing.
    other = lor_world["make_person"]("Low Lou")
    assess(other, lor_world["slmo"], validated=3)
    assess_responsibility(other, lor_world["slmo"].framework, validated=2)
    got = [(m.job_role, m.essential_met, m.met, m.required) for m in role_fit.closest_roles(SYSTEM, other).items]
    assert got[:2] == [("Desk Lead", 1, 1, 2), ("Generalist", 0, 2, 2)]
    # The API keeps its shape: the line is one more missing level, framework and skill "LoR".
    _token, secret = tokens.create(SYSTEM, p, "test")
    db.session.commit()
    body = client.get("/api/v1/me/roles", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert body["items"][0] == {"job_role": "Desk Lead", "required": 2, "met": 2, "missing": []}
    manager = next(i for i in body["items"] if i["job_role"] == "Service Level Manager")
    assert manager == {"job_role": "Service Level Manager", "required": 3, "met": 1, "missing": [
        {"framework": "LoR", "skill": "LoR", "required_level": 5, "current_level": 3},
        {"framework": "SFIA", "skill": "SLMO", "required_level": 4, "current_level": 3}]}
    assert all(set(i) == {"job_role", "required", "met", "missing"} for i in body["items"])
    assert set(body) == {"items", "next"}


def test_succession_counts_the_level_of_responsibility(lor_world):
    make = lor_world["make_person"]
    hr = make("Hana HR", roles=("employee", "hr"))
    ready, short = make("Ready Rita"), make("Short Sid")
    for who, lor_level in ((ready, 5), (short, 4)):
        assess(who, lor_world["slmo"], validated=5)
        assess(who, lor_world["slm"], validated=2)
        assess_responsibility(who, lor_world["slmo"].framework, validated=lor_level)
    _role, candidates = role_fit.succession(hr, lor_world["manager_role"].id)
    by_name = {c.name: (c.required, c.met, c.levels_short, c.readiness) for c in candidates}
    assert by_name["Ready Rita"] == (3, 3, 0, "ready_now")
    assert by_name["Short Sid"] == (3, 2, 1, "one_level_away")


def test_the_page_shows_the_level_of_responsibility_and_leads_to_assessing_it(lor_world, client, auth):
    p = lor_world["make_person"]("Rory Responsible")
    assess_responsibility(p, lor_world["slmo"].framework, validated=4)
    auth.login(p)
    page = client.get(f"/my/roles/{lor_world['manager_role'].id}").get_data(as_text=True)
    assert "<td>Level of responsibility</td>" in page
    assert "Level of responsibility: from level 4 to 5" in page and 'href="/my/responsibility"' in page
    assert "Assess your level of responsibility" in page
    closest = client.get("/my/roles").get_data(as_text=True)
    assert "level of responsibility 4→5" in closest
