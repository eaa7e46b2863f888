"""The gap engine: one test per status, the crosswalk, filters and grouping,
exports that read back equal to the JSON rows, and a statement count that does
not grow with the number of people."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import event

from skills_app.extensions import db
from skills_app.models import Assessment, Crosswalk, CrosswalkLevel
from skills_app.policy import SYSTEM
from skills_app.reports import export
from skills_app.reports import gaps as gap_tables
from skills_app.services import gaps
from skills_app.services import needs
from skills_app.services import requirements

NOW = datetime.now(timezone.utc)


@pytest.fixture
def world(load_seed_frameworks, make_person):
    """Two frameworks, a job role needing SLMO 4 (essential) and SLM 2 (desirable),
    a service needing 2 people at SLMO 3."""
    fw = load_seed_frameworks()
    slmo, slm = fw["SFIA"].skills[0], fw["SLM"].skills[0]
    role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=4, essential=True)
    requirements.set_role_requirement(SYSTEM, role, slm, min_level=2, essential=False)
    service = requirements.save_service(SYSTEM, None, name="Payroll platform", description=None)
    requirements.set_service_requirement(SYSTEM, service, slmo, min_level=3, headcount=2)
    db.session.commit()

    def person(name, unit="Acme/IT/SMO", *, service_member=False):
        p = make_person(name, unit=unit)
        requirements.assign(SYSTEM, p, job_roles=[role], services=[service] if service_member else [])
        db.session.commit()
        return p

    return {"slmo": slmo, "slm": slm, "role": role, "service": service, "person": person, "frameworks": fw}


def assess(person, skill, status, *, claimed, validated=None, decided_days_ago=10, valid_for_days=700):
    decided = NOW - timedelta(days=decided_days_ago)
    a = Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=claimed,
                   status=status, validated_level=validated if status == "validated" else None,
                   submitted_at=decided - timedelta(days=1) if status != "draft" else None,
                   decided_at=decided if status in ("validated", "rejected", "returned") else None,
                   valid_until=decided + timedelta(days=valid_for_days) if status == "validated" else None,
                   created_at=decided - timedelta(days=2))
    db.session.add(a)
    db.session.commit()
    return a


def row(df, person, skill_code, *, job_role=None, service=None):
    mine = df[(df["person_id"] == person.id) & (df["skill"] == skill_code)]
    if job_role:
        mine = mine[mine["job_role"] == job_role]
    if service:
        mine = mine[mine["service"] == service]
    assert len(mine) == 1, mine
    return mine.iloc[0]


def test_met(world):
    p = world["person"]("Met Person")
    assess(p, world["slmo"], "validated", claimed=5, validated=5)
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert (r.required_level, r.current_level, r.self_level, r.gap, r.status) == (4, 5, 5, 0, "met")


def test_below_with_the_gap(world):
    p = world["person"]("Below Person")
    assess(p, world["slmo"], "validated", claimed=4, validated=2)
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert (r.current_level, r.self_level, r.gap, r.status) == (2, 4, 2, "below")


def test_not_assessed_is_not_a_silent_zero(world):
    p = world["person"]("New Person")
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert r.status == "not_assessed"
    assert pd.isna(r.current_level) and pd.isna(r.gap) and pd.isna(r.self_level)


def test_expired(world):
    p = world["person"]("Expired Person")
    assess(p, world["slmo"], "validated", claimed=4, validated=4, decided_days_ago=800, valid_for_days=730)
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert r.status == "expired"
    assert pd.isna(r.current_level) and pd.isna(r.gap)


def test_awaiting_review(world):
    p = world["person"]("Waiting Person")
    assess(p, world["slmo"], "validated", claimed=3, validated=3, decided_days_ago=100)
    assess(p, world["slmo"], "submitted", claimed=4)
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert (r.current_level, r.self_level, r.gap, r.status) == (3, 4, 1, "awaiting_review")


def test_a_later_rejection_does_not_lower_a_validated_level(world):
    p = world["person"]("Steady Person")
    assess(p, world["slmo"], "validated", claimed=4, validated=4, decided_days_ago=100)
    assess(p, world["slmo"], "rejected", claimed=6, decided_days_ago=5)
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert (r.current_level, r.status, r.self_level) == (4, "met", 6)


def test_latest_validation_wins_even_when_lower(world):
    p = world["person"]("Reassessed Person")
    assess(p, world["slmo"], "validated", claimed=5, validated=5, decided_days_ago=300)
    assess(p, world["slmo"], "validated", claimed=5, validated=3, decided_days_ago=10)
    assert row(gaps.frame(SYSTEM), p, "SLMO").current_level == 3


def test_role_and_service_rows_are_separate(world):
    p = world["person"]("Two Hats", service_member=True)
    assess(p, world["slmo"], "validated", claimed=3, validated=3)
    df = gaps.frame(SYSTEM)
    assert row(df, p, "SLMO", job_role="Service Level Manager").status == "below"
    assert row(df, p, "SLMO", service="Payroll platform").status == "met"


def test_crosswalk_meets_a_requirement_in_the_other_framework(world, runner):
    from tests.conftest import ROOT

    result = runner.invoke(args=["crosswalks", "import", str(ROOT / "frameworks" / "crosswalks" / "slm-to-sfia-slmo.yaml")])
    assert result.exit_code == 0, result.output
    p = world["person"]("Cross Walker")
    # SLM 4 maps onto SLMO 5: the SLMO 4 requirement is met, and the report says how.
    assess(p, world["slm"], "validated", claimed=4, validated=4)
    df = gaps.frame(SYSTEM)
    r = row(df, p, "SLMO")
    assert (r.current_level, r.status, r.via) == (5, "met", "SLM")
    assert pd.isna(row(df, p, "SLM").via)
    # Backwards: SLMO 4 counts as SLM 3 (the highest SLM level mapping at or below it).
    q = world["person"]("Back Walker")
    assess(q, world["slmo"], "validated", claimed=4, validated=4)
    r = row(gaps.frame(SYSTEM), q, "SLM")
    assert (r.current_level, r.status, r.via) == (3, "met", "SLMO")


def test_a_direct_level_beats_a_lower_crosswalked_one(world):
    crosswalk = Crosswalk(name="x", from_framework=world["frameworks"]["SLM"], to_framework=world["frameworks"]["SFIA"])
    crosswalk.levels.append(CrosswalkLevel(from_skill=world["slm"], to_skill=world["slmo"], from_level=2, to_level=2))
    db.session.add(crosswalk)
    db.session.commit()
    p = world["person"]("Both Ways")
    assess(p, world["slm"], "validated", claimed=2, validated=2)
    assess(p, world["slmo"], "validated", claimed=3, validated=3)
    r = row(gaps.frame(SYSTEM), p, "SLMO")
    assert r.current_level == 3 and pd.isna(r.via)


def test_deactivated_people_are_left_out(world):
    from skills_app.services import accounts

    p = world["person"]("Leaver")
    accounts.set_active(SYSTEM, p, False)
    db.session.commit()
    assert p.id not in set(gaps.frame(SYSTEM)["person_id"])


def test_filters(world):
    a = world["person"]("Alpha", unit="Acme/IT/SMO")
    b = world["person"]("Beta", unit="Acme/IT/SMO/Team B", service_member=True)
    c = world["person"]("Gamma", unit="Acme/HR")
    assess(a, world["slmo"], "validated", claimed=4, validated=4)
    people = lambda **kw: sorted(set(gaps.frame(SYSTEM, gaps.Filters(**kw))["person"]))  # noqa: E731
    assert people(org_unit="Acme/IT/SMO") == ["Alpha", "Beta"]           # with descendants
    assert people(org_unit="Acme/IT/SMO", org_unit_exact=True) == ["Alpha"]
    assert people(org_unit="Acme/IT") == ["Alpha", "Beta"]
    assert people(service="payroll platform") == ["Beta"]
    assert people(status=["met"]) == ["Alpha"]
    assert people(job_role="Service Level Manager", skill="SLM") == ["Alpha", "Beta", "Gamma"]
    assert set(gaps.frame(SYSTEM, gaps.Filters(essential_only=True))["skill"]) == {"SLMO"}
    assert set(gaps.frame(SYSTEM, gaps.Filters(framework="SLM"))["skill"]) == {"SLM"}
    assert c.id in set(gaps.frame(SYSTEM, gaps.Filters(person_id=c.id))["person_id"])


def test_filters_from_request_args_refuse_unknown_status():
    from werkzeug.datastructures import MultiDict

    from skills_app.errors import InvalidInput

    f = gaps.Filters.from_mapping(MultiDict([("status", "met"), ("status", "below"), ("essential", "1"), ("org_unit", " Acme ")]))
    assert (f.status, f.essential_only, f.org_unit) == (["met", "below"], True, "Acme")
    with pytest.raises(InvalidInput):
        gaps.Filters.from_mapping(MultiDict([("status", "nope")]))
    with pytest.raises(InvalidInput):
        gaps.Filters.from_mapping(MultiDict([("person_id", "1 OR 1=1")]))


def test_grouping_totals_and_coverage(world):
    a = world["person"]("Alpha", unit="Acme/IT/SMO")
    world["person"]("Beta", unit="Acme/HR")
    assess(a, world["slmo"], "validated", claimed=4, validated=4)
    assess(a, world["slm"], "validated", claimed=2, validated=2)
    total, table = gaps.summary(SYSTEM, by="org_unit")
    assert total == {"requirements": 4, "people": 2, "met": 2, "below": 0, "not_assessed": 2, "expired": 0,
                     "awaiting_review": 0, "coverage": 50.0}
    by_unit = table.set_index("group")
    assert by_unit.loc["Acme/IT/SMO", "coverage"] == 100.0
    assert by_unit.loc["Acme/HR", "not_assessed"] == 2
    # The SQL summary and the pandas grouping of the same rows agree.
    pandas_table = gap_tables.grouped(gaps.frame(SYSTEM), "org_unit").set_index("group")
    assert pandas_table[["requirements", "people", "met", "coverage"]].equals(by_unit[["requirements", "people", "met", "coverage"]])
    _, by_skill = gaps.summary(SYSTEM, by="skill")
    assert list(by_skill["group"]) == ["SFIA SLMO", "SLM"]


def test_exports_read_back_equal_to_the_json_rows(world):
    a = world["person"]("Alpha")
    world["person"]("Beta", service_member=True)
    assess(a, world["slmo"], "validated", claimed=4, validated=3)
    df = gaps.frame(SYSTEM)
    expected = gap_tables.rows(df)
    from_csv = pd.read_csv(io.StringIO(export.to_csv(df[gap_tables.COLUMNS])), dtype=object, keep_default_na=False)
    from_xlsx = pd.read_excel(io.BytesIO(export.to_xlsx({"Gaps": df[gap_tables.COLUMNS]})), sheet_name="Gaps", dtype=object)
    from_json = json.loads(export.to_json({"rows": expected}))["rows"]
    assert from_json == expected

    def normal(value):
        if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
            return None
        return str(int(value)) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)

    for table in (from_csv, from_xlsx):
        got = [{k: normal(v) for k, v in rec.items()} for rec in table.to_dict(orient="records")]
        assert got == [{k: normal(v) for k, v in rec.items()} for rec in expected]


def test_xlsx_is_formatted(world):
    from openpyxl import load_workbook

    world["person"]("Alpha")
    df = gaps.frame(SYSTEM)
    book = load_workbook(io.BytesIO(export.to_xlsx({"Gaps": df[gap_tables.COLUMNS], "By skill": gap_tables.grouped(df, "skill")})))
    assert book.sheetnames == ["Gaps", "By skill"]
    sheet = book["Gaps"]
    assert sheet.freeze_panes == "B2"
    assert sheet["A1"].font.bold
    status = [c.value for c in sheet[1]].index("status") + 1
    assert sheet.cell(row=2, column=status).fill.fgColor.rgb.endswith("E4E6EB")  # not assessed: grey


def test_service_coverage_and_single_point_of_failure(world):
    a = world["person"]("Alpha", service_member=True)
    b = world["person"]("Beta", service_member=True)
    assess(a, world["slmo"], "validated", claimed=3, validated=3)
    assess(b, world["slmo"], "validated", claimed=2, validated=2)
    table = gaps.service_coverage(SYSTEM)
    r = table.iloc[0]
    assert (r.service, r.needed, r.qualified, r.shortfall, r.single_point_of_failure, r.qualified_people) == (
        "Payroll platform", 2, 1, 1, True, "Alpha")


def test_training_needs_cohorts_and_priority(world):
    a = world["person"]("Alpha", service_member=True)
    b = world["person"]("Beta", service_member=True)
    world["person"]("Gamma")
    assess(a, world["slmo"], "validated", claimed=3, validated=3)
    assess(b, world["slmo"], "validated", claimed=3, validated=2)
    cohorts, people = needs.training_needs(SYSTEM)
    steps = dict(zip(cohorts["step"], zip(cohorts["people"], cohorts["priority"])))
    # Beta falls short of the payroll service, which is short of people: urgent,
    # to the highest level any of Beta's requirements asks (the role's 4).
    assert steps["SLMO 2→4"] == (1, "urgent")
    assert steps["SLMO 3→4"] == (1, "high")        # Alpha meets the service; the role asks 4
    assert steps["SLMO –→4"] == (1, "high")        # Gamma: not assessed
    assert steps["SLM –→2"] == (3, "normal")       # desirable only
    assert list(cohorts["step"])[0] == "SLMO 2→4"
    assert set(people[people["step"] == "SLMO –→4"]["person"]) == {"Gamma"}


def test_a_manager_sees_only_their_people(world, make_person):
    boss = make_person("Boss", roles=("employee", "manager"))
    mine = world["person"]("Mine")
    mine.manager = boss
    world["person"]("Not Mine")
    db.session.commit()
    assert set(gaps.frame(boss)["person"]) == {"Mine"}
    assert set(gaps.team_frame(boss)["person"]) == {"Mine"}


def count_statements(fn):
    statements = []

    def before(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def _grow(world, n):
    from skills_app.models import Person
    from skills_app.models.requirements import person_job_role, person_service

    start = db.session.query(Person).count()
    people = [Person(email=f"bulk{start + i}@example.test", name=f"Bulk {start + i}", active=True, session_version=1) for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    db.session.execute(person_job_role.insert(), [{"person_id": p.id, "job_role_id": world["role"].id} for p in people])
    db.session.execute(person_service.insert(), [{"person_id": p.id, "service_id": world["service"].id} for p in people[::3]])
    db.session.add_all(Assessment(person_id=p.id, framework_id=world["slmo"].framework_id, skill_id=world["slmo"].id,
                                  claimed_level=4, status="validated", validated_level=3, decided_at=NOW, valid_until=NOW + timedelta(days=100))
                       for p in people[::2])
    db.session.commit()


def test_statement_count_does_not_grow_with_people(world):
    def work():
        gaps.frame(SYSTEM)
        gaps.summary(SYSTEM, by="org_unit")
        gaps.unit_heatmap(SYSTEM)
        gaps.service_coverage(SYSTEM)
        needs.training_needs(SYSTEM)

    _grow(world, 10)
    small = count_statements(work)
    _grow(world, 990)
    large = count_statements(work)
    assert large == small, (small, large)
    assert len(gaps.frame(SYSTEM)) == 1000 * 2 + 334


# -- the report's shape from rows, with no database ------------------------------------

def _frame(*rows) -> pd.DataFrame:
    """Gap rows: (person_id, person, framework, version, skill, skill_id, required, current, status)."""
    records = []
    for person_id, person, framework, version, skill, skill_id, required, current, status in rows:
        records.append({"person_id": person_id, "person": person, "email": f"{person.lower()}@example.test",
                        "org_unit": "Acme/IT", "job_role": "Analyst", "service": None, "framework": framework,
                        "skill": skill, "required_level": required, "current_level": current, "self_level": None,
                        "gap": None if current is None else max(required - current, 0), "status": status,
                        "framework_version": version, "skill_id": skill_id})
    return pd.DataFrame.from_records(records)


def test_the_streamed_tally_by_skill_names_groups_as_the_frame_does():
    """"SFIA SLMO", but "SLM" once where the skill's code is its framework's."""
    df = _frame((1, "Sam", "SFIA", "9", "SLMO", 10, 4, 4, "met"),
                (1, "Sam", "SLM", "1", "SLM", 20, 3, 1, "below"),
                (2, "Pat", "SLM", "1", "slm", 20, 3, None, "not_assessed"))
    tally = gap_tables.GroupTally("skill")
    tally.feed([tuple(rec[c] for c in gap_tables.COLUMNS) for rec in df.to_dict(orient="records")])
    assert [r["group"] for r in tally.records()] == ["SFIA SLMO", "SLM", "slm"]
    assert tally.records() == gap_tables.group_records(gap_tables.grouped(df, "skill"))


def test_the_heatmap_names_versions_where_two_are_live_and_links_each_cell_to_its_skill():
    df = _frame((1, "Sam", "SLM", "1", "SLM", 20, 3, 3, "met"),
                (1, "Sam", "SLM", "2", "SLM", 21, 4, 2, "below"))
    heat = gap_tables.heatmap(df)
    assert heat["columns"] == ["SLM (v1)", "SLM (v2)"]
    cells = heat["rows"][0]["cells"]
    assert (cells["SLM (v1)"]["skill_id"], cells["SLM (v2)"]["skill_id"]) == (20, 21)
    assert (cells["SLM (v2)"]["gap"], cells["SLM (v2)"]["status"]) == (2, "below")
    one = gap_tables.heatmap(df.iloc[:1], versioned={"SLM"})
    assert one["columns"] == ["SLM (v1)"]
    assert gap_tables.heatmap(df.iloc[:1])["columns"] == ["SLM"]


def test_a_service_with_more_qualified_people_than_it_needs_has_no_shortfall(world):
    """Three qualified for two needed: the shortfall is 0, not negative, and no one is a single point of failure."""
    people = [world["person"](name, service_member=True) for name in ("Alpha", "Beta", "Gamma")]
    for p in people:
        assess(p, world["slmo"], "validated", claimed=3, validated=3)
    r = gaps.service_coverage(SYSTEM).iloc[0]
    assert (r.needed, r.qualified, r.shortfall, r.single_point_of_failure, r.qualified_people) == (
        2, 3, 0, False, "Alpha; Beta; Gamma")


def test_filters_become_the_links_query_and_come_back_the_same():
    """A drill-down link carries the filters: flags as "1", nothing for what is not set."""
    filters = gaps.Filters(org_unit="Acme/IT", org_unit_exact=True, essential_only=True, status=["below"], person_id=7)
    args = filters.as_args()
    assert args == {"org_unit": "Acme/IT", "exact": "1", "essential": "1", "status": ["below"], "person_id": 7}
    assert gaps.Filters.from_mapping(args) == filters
    assert gaps.Filters().as_args() == {}


def test_each_report_result_is_cached_under_its_own_filters_and_viewer():
    one = gaps.cache_key(SYSTEM, "summary", gaps.Filters(org_unit="Acme/IT"))
    assert one == gaps.cache_key(SYSTEM, "summary", gaps.Filters(org_unit="Acme/IT"))
    assert one != gaps.cache_key(SYSTEM, "summary", gaps.Filters(org_unit="Acme/ITSM"))
    assert one != gaps.cache_key(SYSTEM, "rows", gaps.Filters(org_unit="Acme/IT"))


def test_a_page_of_the_frame_holds_at_most_its_limit(world):
    for name in ("Alpha", "Beta", "Gamma"):
        world["person"](name)
    everyone = gaps.frame(SYSTEM)
    assert len(everyone) == 6  # two role requirements each
    page = gaps.frame(SYSTEM, limit=2, offset=2)
    assert len(page) == 2
    assert page["person"].tolist() == everyone["person"].tolist()[2:4]


def test_a_person_is_compared_with_a_service_they_are_not_in(world):
    """Explore roles' comparison with a service: the service's own requirements, by the
    gap rows' rules, whether or not the person is a member of it."""
    from skills_app.services import role_fit

    p = world["person"]("Looking Around")  # in the job role, not the service
    assess(p, world["slmo"], "validated", claimed=3, validated=3)
    fit = role_fit.compare(SYSTEM, p, "service", world["service"].id)
    assert [(r.skill, r.required_level, r.current_level, r.gap, r.status) for r in fit.rows] == [("SLMO", 3, 3, 0, "met")]
    fit = role_fit.compare(SYSTEM, p, "job_role", world["role"].id)
    assert sorted((r.skill, r.required_level, r.current_level, r.gap, r.status) for r in fit.rows) == [
        ("SLM", 2, None, None, "not_assessed"), ("SLMO", 4, 3, 1, "below")]


def test_paging_the_gap_list_reaches_every_row_once_with_people_in_no_unit_and_rows_of_no_job_role(world):
    """A page's key holds '' for an empty org unit, job role or service (as the list's
    order does), so the next page follows on from a row of a person in no unit or a
    service's row, instead of skipping the rest."""
    world["person"]("Ann Nowhere", unit=None, service_member=True)
    world["person"]("Bob Nowhere", unit=None)
    world["person"]("Cat Somewhere")
    everyone = gaps.frame(SYSTEM)
    expected = [(r.person, r.skill, r.job_role if isinstance(r.job_role, str) else "", r.service if isinstance(r.service, str) else "")
                for r in everyone.itertuples()]
    assert len(expected) == 7  # two role requirements each, and Ann's service row
    seen, cursor = [], None
    for _ in range(10):
        found = gaps.page(SYSTEM, cursor=cursor, limit=2)
        seen += [(r.person, r.skill, r.job_role if isinstance(r.job_role, str) else "", r.service if isinstance(r.service, str) else "")
                 for r in found.items.itertuples()]
        cursor = found.next
        if cursor is None:
            break
    assert seen == expected
    assert [p for p, *_ in seen] == ["Ann Nowhere"] * 3 + ["Bob Nowhere"] * 2 + ["Cat Somewhere"] * 2


def test_the_summary_of_no_rows_is_zeros_with_no_coverage(world):
    """Filters that match nothing: every total 0, coverage none (not 0%), and by a
    grouping an empty table with the table's columns."""
    empty = {"requirements": 0, "people": 0, **{s: 0 for s in gap_tables.STATUSES}, "coverage": None}
    assert gaps.summary(SYSTEM) == (empty, None)
    world["person"]("Only Here", unit="Acme/IT")
    nothing = gaps.Filters(org_unit="Acme/HR")
    assert gaps.summary(SYSTEM, nothing) == (empty, None)
    for by in gap_tables.GROUPINGS:
        totals, table = gaps.summary(SYSTEM, nothing, by=by)
        assert totals == empty
        assert table.empty and list(table.columns) == ["group", "requirements", "people", *gap_tables.STATUSES, "coverage"]
    totals, _ = gaps.summary(SYSTEM, by="org_unit")
    assert (totals["requirements"], totals["people"], totals["not_assessed"], totals["coverage"]) == (2, 1, 2, 0.0)


def test_the_team_matrix_frame_is_refused_to_whom_the_policy_refuses_it(world, make_person):
    """The service asks the policy itself (not only the page): an employee, or the
    learning team, gets 'not allowed', never their colleagues' rows."""
    from skills_app.errors import NotAllowed

    employee = world["person"]("Eve Employee")
    learner = make_person("Lee Learning", roles=("employee", "learning"))
    for who in (employee, learner):
        with pytest.raises(NotAllowed):
            gaps.team_frame(who)


def test_the_coverage_of_one_service_is_found_after_services_named_before_it(world):
    """--service picks one service by name (any case) however many come before it."""
    alpha = requirements.save_service(SYSTEM, None, name="Alpha desk", description=None)
    requirements.set_service_requirement(SYSTEM, alpha, world["slm"], min_level=2, headcount=1)
    db.session.commit()
    assert list(gaps.service_coverage(SYSTEM)["service"]) == ["Alpha desk", "Payroll platform"]
    assert list(gaps.service_coverage(SYSTEM, service="payroll PLATFORM")["service"]) == ["Payroll platform"]


def test_the_summary_counts_each_status_as_the_rows_say_in_total_and_in_each_grouping(world):
    """The summary tests four statuses per row and takes "not_assessed" as what they leave:
    its counts are the rows' own, every status present, in total and in each grouping."""
    met, below, waiting, lapsed = (world["person"](n, unit=u, service_member=s) for n, u, s in (
        ("Alpha", "Acme/IT/SMO", True), ("Beta", "Acme/HR", False), ("Gamma", "Acme/IT/SMO", True), ("Delta", "Acme/HR", False)))
    world["person"]("Epsilon", unit="Acme/IT")
    assess(met, world["slmo"], "validated", claimed=4, validated=4)
    assess(below, world["slmo"], "validated", claimed=2, validated=2)
    assess(waiting, world["slm"], "submitted", claimed=3)
    assess(lapsed, world["slmo"], "validated", claimed=4, validated=4, decided_days_ago=800, valid_for_days=700)
    rows = gaps.frame(SYSTEM)
    assert set(rows["status"]) == set(gap_tables.STATUSES)
    total, _ = gaps.summary(SYSTEM)
    assert {s: total[s] for s in gap_tables.STATUSES} == rows["status"].value_counts().reindex(gap_tables.STATUSES, fill_value=0).to_dict()
    assert (total["requirements"], total["people"]) == (len(rows), rows["person_id"].nunique())
    for by in ("org_unit", "job_role", "service", "skill"):
        _, table = gaps.summary(SYSTEM, by=by)
        expected = gap_tables.grouped(rows, by).set_index("group")
        got = table.set_index("group")
        columns = ["requirements", "people", *gap_tables.STATUSES]
        assert got[columns].astype(int).sort_index().equals(expected[columns].astype(int).sort_index()), by
