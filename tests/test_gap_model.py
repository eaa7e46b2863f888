"""The gap engine against a small model of its rules, written out in plain Python.

``services.gaps`` computes every gap row in one SQL statement; ``reports.gaps``
shapes the rows (totals, groups, heatmap). Here a model of the same rules (the
module docstring of ``services.gaps``, one rule a line) computes what each row
must be, and hypothesis draws assessment histories for a few people: every row,
every filter, the totals and both heatmaps must agree with the model. The named
tests after it pin the edge cases one by one, with the expected values written out.

The world: framework ONE (skills A, B, C) and TWO (skill X), a crosswalk
ONE -> TWO mapping A3 -> X2 and A5 -> X4, so that levels fall at, between and
above the mapped ones in both directions; a job role needing A 4 (essential),
X 3 (desirable) and C 2 (essential); a service needing X 4 and B 2 (a service's
requirements are essential). People in Acme/IT, Acme/IT/Ops, the sibling
Acme/ITSM, none, and a deactivated one.
"""
from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from skills_app.extensions import db
from skills_app.importers import parse_text
from skills_app.models import Assessment, Crosswalk, CrosswalkLevel, Person, Skill
from skills_app.policy import SYSTEM
from skills_app.reports import gaps as shape
from skills_app.services import frameworks, gaps, requirements
from tests.conftest import make_person, world_fixture

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
CROSSWALK = {3: 2, 5: 4}  # A level -> X level
ROLE = [("A", 4, True), ("X", 3, False), ("C", 2, True)]
SERVICE = [("X", 4, True), ("B", 2, True)]
SEVERITY = {"met": 0, "awaiting_review": 1, "below": 2, "expired": 3, "not_assessed": 4}


def _framework(code: str, skills: str) -> str:
    levels = "\n".join(f"  - {{number: {n}, name: L{n}}}" for n in range(1, 8))
    body = "\n".join(
        f"  - code: {s}\n    name: Skill {s}\n    levels:\n"
        + "\n".join(f"      - {{level: {n}, descriptors: ['{s} at {n}.']}}" for n in range(1, 8))
        for s in skills)
    return f"framework: {{code: {code}, name: Framework {code}, version: 1, publisher: Tests}}\nlevels:\n{levels}\nskills:\n{body}\n"


@world_fixture
def gap_model_world():
    """Two frameworks, a crosswalk, a job role, a service and five people (see the module)."""
    one = frameworks.import_doc(SYSTEM, parse_text(_framework("ONE", "ABC"), "one.yaml"), source="one.yaml").framework
    two = frameworks.import_doc(SYSTEM, parse_text(_framework("TWO", "X"), "two.yaml"), source="two.yaml").framework
    skills = {s.code: s for s in [*one.skills, *two.skills]}
    crosswalk = Crosswalk(name="ONE to TWO", from_framework=one, to_framework=two)
    for a, x in CROSSWALK.items():
        crosswalk.levels.append(CrosswalkLevel(from_skill=skills["A"], to_skill=skills["X"], from_level=a, to_level=x))
    db.session.add(crosswalk)
    role = requirements.save_job_role(SYSTEM, None, name="Operator", description=None)
    for code, level, essential in ROLE:
        requirements.set_role_requirement(SYSTEM, role, skills[code], min_level=level, essential=essential)
    service = requirements.save_service(SYSTEM, None, name="Payroll", description=None)
    for code, level, _ in SERVICE:
        requirements.set_service_requirement(SYSTEM, service, skills[code], min_level=level, headcount=1)
    people = {}
    for key, unit, runs_service, active in [("it", "Acme/IT", True, True), ("ops", "Acme/IT/Ops", False, True),
                                            ("itsm", "Acme/ITSM", True, True), ("nowhere", None, False, True),
                                            ("gone", "Acme/IT", True, False)]:
        person = make_person(f"Gap {key.title()}", unit=unit, active=active)
        requirements.assign(SYSTEM, person, job_roles=[role], services=[service] if runs_service else [])
        people[key] = person.id
    db.session.flush()
    return {"people": people, "skills": {code: s.id for code, s in skills.items()},
            "frameworks": {code: s.framework_id for code, s in skills.items()}}


# -- the model ---------------------------------------------------------------------------

def model_rows(world, history: list[dict], now=NOW) -> list[dict]:
    """The gap rows the rules give, from the world and the assessments (dicts as ``add``
    takes them, in the order they were added: a later one has a higher id)."""
    skill_ids = world["skills"]
    code_of = {i: c for c, i in skill_ids.items()}
    out = []
    people = db.session.get  # names and units come from the database rows
    for key, person_id in world["people"].items():
        person = people(Person, person_id)
        if not person.active:
            continue
        mine = [(n, a) for n, a in enumerate(history) if a["person"] == key]

        def held(code):
            # the latest validated, unexpired assessment of the skill
            valid = [(a["decided"], n, a) for n, a in mine if a["skill"] == code and a["status"] == "validated"
                     and (a["valid_until"] is None or a["valid_until"] > now)]
            return max(valid, key=lambda t: (t[0], t[1]))[2]["validated"] if valid else None

        def effective(code):
            # (level, via): held directly, or through the crosswalk either way; the highest
            # wins, and on a tie the skill's own level
            candidates = []
            if held(code) is not None:
                candidates.append((held(code), 1, 0, None))
            if code == "X" and held("A") is not None:
                mapped = [x for a, x in CROSSWALK.items() if a <= held("A")]
                if mapped:
                    candidates.append((max(mapped), 0, skill_ids["A"], "A"))
            if code == "A" and held("X") is not None:
                mapped = [a for a, x in CROSSWALK.items() if x <= held("X")]
                if mapped:
                    candidates.append((max(mapped), 0, skill_ids["X"], "X"))
            if not candidates:
                return None, None
            best = max(candidates)
            return best[0], best[3]

        def latest_claim(code):
            claims = [((a["submitted"] or a["created"]), n, a) for n, a in mine if a["skill"] == code]
            return max(claims, key=lambda t: (t[0], t[1]))[2]["claimed"] if claims else None

        for owner, reqs in (("role", ROLE), ("service", SERVICE)):
            if owner == "service" and key not in ("it", "itsm", "gone"):
                continue
            for code, required, essential in reqs:
                level, via = effective(code)
                pending = any(a["skill"] == code and a["status"] == "submitted" for _, a in mine)
                expired = any(a["skill"] == code and a["status"] == "validated" and a["valid_until"] is not None
                              and a["valid_until"] <= now for _, a in mine)
                if level is not None and level >= required:
                    status = "met"
                elif pending:
                    status = "awaiting_review"
                elif level is not None:
                    status = "below"
                elif expired:
                    status = "expired"
                else:
                    status = "not_assessed"
                out.append({
                    "person_id": person_id, "person": person.name,
                    "org_unit": person.org_unit.path if person.org_unit else None,
                    "job_role": "Operator" if owner == "role" else None,
                    "service": "Payroll" if owner == "service" else None,
                    "framework": "TWO" if code == "X" else "ONE", "skill": code,
                    "required_level": required, "current_level": level, "self_level": latest_claim(code),
                    "gap": None if level is None else max(required - level, 0),
                    "status": status, "essential": essential, "via": via,
                    "skill_id": skill_ids[code],
                })
                assert code_of[skill_ids[code]] == code
    return out


KEYS = ["person_id", "person", "org_unit", "job_role", "service", "framework", "skill", "required_level",
        "current_level", "self_level", "gap", "status", "essential", "via"]


def _plain(value):
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


def as_tuples(records) -> list[tuple]:
    rows = [tuple(_plain(r[k]) for k in KEYS) for r in records]
    return sorted(rows, key=repr)


def frame_tuples(df: pd.DataFrame) -> list[tuple]:
    return as_tuples(df.to_dict(orient="records"))


def model_totals(rows: list[dict]) -> dict:
    n = len(rows)
    out = {"requirements": n, "people": len({r["person_id"] for r in rows})}
    for status in shape.STATUSES:
        out[status] = sum(r["status"] == status for r in rows)
    out["coverage"] = round(out["met"] / n * 100, 1) if n else None
    return out


def model_person_heatmap(rows: list[dict]) -> dict:
    """{(person_id, column): (status, gap, current, required)} of each person's worst
    requirement on each skill: the most severe status, then the largest gap (none first),
    then the highest level required."""
    cells: dict = {}
    for r in rows:
        column = f"{r['framework']} {r['skill']}"
        rank = (SEVERITY[r["status"]], float("inf") if r["gap"] is None else r["gap"], r["required_level"])
        key = (r["person_id"], column)
        if key not in cells or rank > cells[key][0]:
            cells[key] = (rank, (r["status"], r["gap"], r["current_level"], r["required_level"]))
    return {k: v[1] for k, v in cells.items()}


# -- drawing histories -------------------------------------------------------------------

def _assessments(person: str, skill: str):
    closed = st.fixed_dictionaries({
        "status": st.sampled_from(["validated", "validated", "rejected"]),
        "claimed": st.integers(1, 7), "validated": st.integers(1, 7),
        "days_ago": st.integers(1, 900),
        # valid for: none (no end), or a number of days that may end before, at or after NOW
        "valid_for": st.one_of(st.none(), st.integers(1, 1000)),
    })
    open_one = st.fixed_dictionaries({
        "status": st.sampled_from(["draft", "submitted", "returned"]),
        "claimed": st.integers(1, 7), "days_ago": st.integers(0, 60),
    })
    return st.tuples(st.lists(closed, max_size=2), st.one_of(st.none(), open_one)).map(
        lambda t: [_record(person, skill, a) for a in t[0]] + ([_record(person, skill, t[1])] if t[1] else []))


def _record(person: str, skill: str, a: dict) -> dict:
    created = NOW - timedelta(days=a["days_ago"] + 2)
    closed = a["status"] in ("validated", "rejected")
    submitted = None if a["status"] == "draft" else NOW - timedelta(days=a["days_ago"] + 1)
    decided = NOW - timedelta(days=a["days_ago"]) if closed else None
    validated = a.get("validated") if a["status"] == "validated" else None
    valid_until = (decided + timedelta(days=a["valid_for"])
                   if a["status"] == "validated" and a.get("valid_for") is not None else None)
    return {"person": person, "skill": skill, "status": a["status"], "claimed": a["claimed"], "validated": validated,
            "created": created, "submitted": submitted, "decided": decided, "valid_until": valid_until}


histories = st.tuples(*[
    _assessments(person, skill)
    for person in ("it", "ops", "itsm", "gone") for skill in ("A", "B", "C", "X")
]).map(lambda parts: [a for part in parts for a in part])


def add(world, records: list[dict]) -> None:
    for r in records:
        db.session.add(Assessment(
            person_id=world["people"][r["person"]], skill_id=world["skills"][r["skill"]],
            framework_id=world["frameworks"][r["skill"]], claimed_level=r["claimed"], status=r["status"],
            validated_level=r["validated"], created_at=r["created"], submitted_at=r["submitted"],
            decided_at=r["decided"], valid_until=r["valid_until"]))
        db.session.flush()  # ids in the order added


# No shrinking: each example is a database round trip, and a failure prints its history anyway.
MODEL_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                          phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@MODEL_SETTINGS
@given(history=histories)
def test_every_row_filter_total_and_heatmap_agrees_with_the_model(gap_model_world, history):
    savepoint = db.session.begin_nested()
    try:
        add(gap_model_world, history)
        expected = model_rows(gap_model_world, history)

        df = gaps.frame(SYSTEM, now=NOW)
        assert frame_tuples(df) == as_tuples(expected)

        # filters
        cases = [
            (gaps.Filters(org_unit="Acme/IT"), [r for r in expected if r["org_unit"] in ("Acme/IT", "Acme/IT/Ops")]),
            (gaps.Filters(org_unit="Acme/IT", org_unit_exact=True), [r for r in expected if r["org_unit"] == "Acme/IT"]),
            (gaps.Filters(essential_only=True), [r for r in expected if r["essential"]]),
            (gaps.Filters(status=["awaiting_review", "below"]),
             [r for r in expected if r["status"] in ("awaiting_review", "below")]),
            (gaps.Filters(service="payroll"), [r for r in expected if r["service"] == "Payroll"]),
            (gaps.Filters(skill="x", framework="two"), [r for r in expected if r["skill"] == "X"]),
        ]
        for filters, rows in cases:
            assert frame_tuples(gaps.frame(SYSTEM, filters, now=NOW)) == as_tuples(rows), filters
            assert gaps.count(SYSTEM, filters, now=NOW) == len(rows), filters

        # totals, in SQL and from the frame
        total, by_unit = gaps.summary(SYSTEM, now=NOW, by="org_unit")
        assert total == model_totals(expected)
        assert shape.totals(df) == model_totals(expected)
        for record in by_unit.to_dict(orient="records"):
            unit = None if record["group"] == "—" else record["group"]
            mine = model_totals([r for r in expected if r["org_unit"] == unit])
            assert {k: _plain(record[k]) for k in mine} == mine, unit
        assert set(by_unit["group"]) == {r["org_unit"] or "—" for r in expected}
        grouped = shape.grouped(df, "org_unit")
        assert grouped.drop(columns=["group"]).astype(float).to_dict(orient="records") == \
            by_unit.drop(columns=["group"]).astype(float).to_dict(orient="records")

        # the person heatmap: each person's worst requirement per skill
        heat = shape.heatmap(df, "person")
        got = {(row["id"], column): (cell["status"], cell["gap"], cell["current"], cell["required"])
               for row in heat["rows"] for column, cell in row["cells"].items()}
        assert got == model_person_heatmap(expected)

        # the org-unit heatmap, in SQL and from the frame: the share met
        for heatmap in (gaps.unit_heatmap(SYSTEM, now=NOW), shape.heatmap(df, "org_unit")):
            cells = {(row["label"], column): (cell["met"], cell["total"])
                     for row in heatmap["rows"] for column, cell in row["cells"].items()}
            want: dict = {}
            for r in expected:
                key = (r["org_unit"] or "—", f"{r['framework']} {r['skill']}")
                met, n = want.get(key, (0, 0))
                want[key] = (met + (r["status"] == "met"), n + 1)
            assert cells == want
    finally:
        savepoint.rollback()


# -- the edge cases, one by one ----------------------------------------------------------

def _rows_of(world, person: str, skill: str, **filters) -> list[tuple]:
    df = gaps.frame(SYSTEM, gaps.Filters(**filters), now=NOW)
    df = df[(df["person_id"] == world["people"][person]) & (df["skill"] == skill)]
    return sorted((_plain(r.service) or "", _plain(r.current_level), _plain(r.gap), r.status, _plain(r.via))
                  for r in df.itertuples())


def _validated(person, skill, level, *, days_ago=10, valid_for=None):
    return _record(person, skill, {"status": "validated", "claimed": level, "validated": level,
                                   "days_ago": days_ago, "valid_for": valid_for})


@pytest.mark.parametrize("a_level, x_level", [
    (2, None),  # under the first mapped level: nothing
    (3, 2),     # at a mapped level
    (4, 2),     # between two mapped levels: the lower one still counts
    (5, 4),
    (7, 4),     # above the highest mapped level: the highest one counts
])
def test_a_crosswalk_counts_forwards_at_between_and_above_its_levels(gap_model_world, a_level, x_level):
    add(gap_model_world, [_validated("ops", "A", a_level)])
    # Ops needs X 3 through the job role only
    status = "not_assessed" if x_level is None else ("met" if x_level >= 3 else "below")
    gap = None if x_level is None else max(3 - x_level, 0)
    assert _rows_of(gap_model_world, "ops", "X") == [("", x_level, gap, status, None if x_level is None else "A")]


@pytest.mark.parametrize("x_level, a_level", [
    (1, None),  # under the first mapped level
    (2, 3),     # at a mapped level: the level that maps onto it, not one lower
    (3, 3),     # between
    (4, 5),
    (6, 5),     # above
])
def test_a_crosswalk_counts_backwards_as_the_highest_level_mapping_at_or_below(gap_model_world, x_level, a_level):
    add(gap_model_world, [_validated("ops", "X", x_level)])
    status = "not_assessed" if a_level is None else ("met" if a_level >= 4 else "below")
    gap = None if a_level is None else max(4 - a_level, 0)
    assert _rows_of(gap_model_world, "ops", "A") == [("", a_level, gap, status, None if a_level is None else "X")]


def test_a_skill_held_directly_shows_no_via_when_a_crosswalk_ties_it(gap_model_world):
    add(gap_model_world, [_validated("ops", "X", 4), _validated("ops", "A", 5)])  # A5 maps to X4: a tie
    assert _rows_of(gap_model_world, "ops", "X") == [("", 4, 0, "met", None)]
    assert _rows_of(gap_model_world, "ops", "A") == [("", 5, 0, "met", None)]


def test_a_higher_crosswalked_level_wins_and_names_its_skill(gap_model_world):
    add(gap_model_world, [_validated("ops", "X", 2), _validated("ops", "A", 5)])
    assert _rows_of(gap_model_world, "ops", "X") == [("", 4, 0, "met", "A")]


def test_a_draft_is_not_awaiting_review_and_a_submission_is(gap_model_world):
    add(gap_model_world, [_record("ops", "C", {"status": "draft", "claimed": 5, "days_ago": 1}),
                    _record("ops", "A", {"status": "submitted", "claimed": 5, "days_ago": 1})])
    assert _rows_of(gap_model_world, "ops", "C") == [("", None, None, "not_assessed", None)]
    assert _rows_of(gap_model_world, "ops", "A") == [("", None, None, "awaiting_review", None)]


def test_the_org_unit_filter_takes_the_unit_and_below_not_a_sibling_with_the_same_start(gap_model_world):
    units = set(gaps.frame(SYSTEM, gaps.Filters(org_unit="Acme/IT"), now=NOW)["org_unit"])
    assert units == {"Acme/IT", "Acme/IT/Ops"}
    assert set(gaps.frame(SYSTEM, gaps.Filters(org_unit="Acme/ITSM"), now=NOW)["org_unit"]) == {"Acme/ITSM"}
    assert set(gaps.frame(SYSTEM, gaps.Filters(org_unit="/Acme/IT/", org_unit_exact=True), now=NOW)["org_unit"]) == {"Acme/IT"}


def test_essential_only_keeps_the_services_requirements(gap_model_world):
    rows = _rows_of(gap_model_world, "it", "X", essential_only=True)
    assert rows == [("Payroll", None, None, "not_assessed", None)]  # the role's X 3 is desirable
    assert _rows_of(gap_model_world, "it", "B", essential_only=True) == [("Payroll", None, None, "not_assessed", None)]


def test_the_headline_coverage_does_not_count_awaiting_review_as_met(gap_model_world):
    # Ops: A met, C awaiting review, X not assessed: one of three met
    add(gap_model_world, [_validated("ops", "A", 4),
                    _record("ops", "C", {"status": "submitted", "claimed": 3, "days_ago": 1})])
    filters = gaps.Filters(org_unit="Acme/IT/Ops")
    total, _ = gaps.summary(SYSTEM, filters, now=NOW)
    assert (total["requirements"], total["met"], total["awaiting_review"], total["coverage"]) == (3, 1, 1, 33.3)
    df = gaps.frame(SYSTEM, filters, now=NOW)
    assert shape.totals(df)["coverage"] == 33.3


def test_the_heatmap_shows_a_persons_worst_requirement_on_a_skill(gap_model_world):
    # It needs X 3 (role) and X 4 (service); at X 3 the role's is met and the service's is below
    add(gap_model_world, [_validated("it", "X", 3)])
    df = gaps.frame(SYSTEM, gaps.Filters(org_unit="Acme/IT", org_unit_exact=True), now=NOW)
    cell = next(r for r in shape.heatmap(df)["rows"] if r["id"] == gap_model_world["people"]["it"])["cells"]["TWO X"]
    assert {k: cell[k] for k in ("status", "gap", "current", "required")} == {"status": "below", "gap": 1, "current": 3, "required": 4}


def test_an_expired_validation_is_expired_not_a_silent_zero(gap_model_world):
    add(gap_model_world, [_validated("ops", "C", 5, days_ago=400, valid_for=365)])
    assert _rows_of(gap_model_world, "ops", "C") == [("", None, None, "expired", None)]
    # valid until exactly now: already expired
    add(gap_model_world, [_validated("ops", "A", 5, days_ago=30, valid_for=30)])
    assert _rows_of(gap_model_world, "ops", "A") == [("", None, None, "expired", None)]
