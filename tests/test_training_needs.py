"""Training needs counted by the database (services/needs.py) give what the
pandas computation they replace gave: the same cohorts, people, places, names
and order, the same CSV bytes, on the demo organisation and on a generated one,
on SQLite and PostgreSQL; the page reads a page of cohorts, each with its first
places and names only.

The reference below is the pandas code as it stood (services/gaps.py
``training_needs`` and reports/training.py ``cohorts``), kept here to compare."""
from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import event, select

from skills_app.extensions import db
from skills_app.models import Person, PersonRole
from skills_app.policy import SYSTEM
from skills_app.reports import coverage, export, training
from skills_app.services import exports, gaps, needs
from skills_app.services.gaps import Filters
from tests.conftest import load_demo, sign_in_directly, world_fixture

pytestmark = pytest.mark.xdist_group("needs_world")


# -- the reference: the pandas computation as it was --------------------------------

def reference(actor, filters: Filters | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    filters = filters or Filters()
    filters.status = [s for s in (filters.status or training.NEED_STATUSES) if s in training.NEED_STATUSES] or training.NEED_STATUSES
    df = gaps.frame(actor, filters)
    df = df[df["skill_id"].notna()]
    risky = coverage.at_risk(gaps.service_coverage(actor)) if len(df) else set()
    return _pandas_cohorts(df, risky)


def _pandas_cohorts(df: pd.DataFrame, risky: set) -> tuple[pd.DataFrame, pd.DataFrame]:
    if df.empty:
        return pd.DataFrame(columns=training.COLUMNS + ["skill_id", "framework_version"]), df
    df = df.copy()
    df["at_risk"] = [(int(s), int(k)) in risky if pd.notna(s) else False for s, k in zip(df["service_id"], df["skill_id"])]
    per_person = (df.sort_values(["required_level", "essential"], ascending=False)
                    .groupby(["person_id", "skill_id"], as_index=False)
                    .agg(person=("person", "first"), email=("email", "first"), org_unit=("org_unit", "first"),
                         framework=("framework", "first"), framework_version=("framework_version", "first"),
                         skill=("skill", "first"), skill_name=("skill_name", "first"),
                         from_level=("current_level", "first"), to_level=("required_level", "max"),
                         essential=("essential", "max"), at_risk=("at_risk", "max"), status=("status", "first")))
    per_person["from_label"] = per_person["from_level"].map(lambda v: "–" if pd.isna(v) else str(int(v)))
    per_person["step"] = per_person["skill"] + " " + per_person["from_label"] + "→" + per_person["to_level"].astype(str)
    cohorts = []
    for (skill_id, from_label, to_level), group in per_person.groupby(["skill_id", "from_label", "to_level"], sort=False):
        first = group.iloc[0]
        units = group["org_unit"].fillna("—").value_counts()
        services_at_risk = int(group["at_risk"].sum())
        essential = int(group["essential"].sum())
        cohorts.append({
            "framework": first["framework"], "skill": first["skill"], "skill_name": first["skill_name"],
            "from_level": None if from_label == "–" else int(from_label), "to_level": int(to_level),
            "step": first["step"], "people": len(group), "essential": essential, "services_at_risk": services_at_risk,
            "priority": training.priority(services_at_risk, essential),
            "org_units": "; ".join(f"{unit} ({n})" for unit, n in units.items()),
            "who": "; ".join(sorted(group["person"])), "skill_id": int(skill_id),
            "framework_version": first["framework_version"],
        })
    table = pd.DataFrame(sorted(cohorts, key=training.order_key))
    return table[training.COLUMNS + ["skill_id", "framework_version"]], per_person


# -- the organisations ----------------------------------------------------------------

@world_fixture
def needs_world():
    """The demo organisation and a generated one of 400 people beside it, with an HR
    person and a line manager with reports of the generated one."""
    from skills_app.devdata import synthetic

    load_demo()
    synthetic.generate(400, seed=7)
    db.session.commit()
    hr = db.session.scalar(select(Person.id).join(PersonRole).where(PersonRole.role == "hr").order_by(Person.id).limit(1))
    manager = db.session.scalar(select(Person.manager_id).where(Person.manager_id.is_not(None), Person.email.like("%synth%"))
                                .order_by(Person.id).limit(1)) or db.session.scalar(
        select(Person.manager_id).where(Person.manager_id.is_not(None)).order_by(Person.id.desc()).limit(1))
    return {"hr": hr, "manager": manager}


FILTERS = {
    "everyone": {},
    "below only": {"status": ["below"]},
    "expired and not assessed": {"status": ["expired", "not_assessed"]},
    "essential": {"essential": "1"},
    "a skill": {"skill": "SLMO"},
    "a framework": {"framework": "SFIA"},
    "the demo's units": {"org_unit": "Acme"},
}


def _filters(args: dict) -> Filters:
    return Filters.from_mapping(args)


def _people_compared(df: pd.DataFrame) -> list[tuple]:
    columns = ["person_id", "skill_id", "person", "email", "org_unit", "framework", "framework_version", "skill", "skill_name",
               "from_level", "to_level", "essential", "at_risk", "status", "from_label", "step"]
    return [tuple(None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in row)
            for row in df[columns].itertuples(index=False, name=None)]


def _csv(table: pd.DataFrame) -> bytes:
    return b"".join(export.render(export.Report("x", lambda: {"Training needs": table}), "csv").chunks)


@pytest.mark.parametrize("name", list(FILTERS))
def test_cohorts_people_and_csv_are_the_pandas_ones(needs_world, name):
    for who in (SYSTEM, db.session.get(Person, needs_world["manager"])):
        expected, expected_people = reference(who, _filters(FILTERS[name]))
        found = needs.cohorts(who, _filters(FILTERS[name]))
        assert len(expected) or name in ("a skill", "the demo's units") or who is not SYSTEM, name
        pd.testing.assert_frame_equal(found.reset_index(drop=True), expected.reset_index(drop=True))
        assert _csv(found[training.COLUMNS]) == _csv(expected[training.COLUMNS])
        chunks = export.render(exports.training_needs(who, _filters(FILTERS[name])), "csv").chunks
        assert b"".join(chunks) == _csv(expected[training.COLUMNS])
        if len(expected_people):
            assert _people_compared(needs.people(who, _filters(FILTERS[name]))) == _people_compared(expected_people)
        else:
            assert needs.people(who, _filters(FILTERS[name])).empty


def test_the_generated_organisation_has_cohorts_of_every_kind(needs_world):
    found = needs.cohorts(SYSTEM)
    assert len(found) > 50
    assert set(found["priority"]) == {"urgent", "high", "normal"}
    assert found["from_level"].isna().any() and found["from_level"].notna().any()
    assert (found["people"] > needs.NAMES_SHOWN).any()
    assert found["org_units"].str.count(";").max() + 1 > needs.PLACES_SHOWN


def test_pages_of_cohorts_walk_the_whole_list_with_their_first_places_and_names(needs_world):
    expected, _ = reference(SYSTEM)
    walked, cursor, pages = [], None, 0
    while True:
        found = needs.page(SYSTEM, cursor=cursor, limit=20)
        assert found.total == len(expected) and len(found.items) <= 20
        walked += found.items
        pages += 1
        if not found.next:
            break
        cursor = found.next
    assert pages == -(-len(expected) // 20)
    assert [r["step"] for r in walked] == list(expected["step"])
    for r, e in zip(walked, expected.to_dict(orient="records")):
        assert (r["people"], r["essential"], r["services_at_risk"], r["priority"], r["skill_id"]) == (
            e["people"], e["essential"], e["services_at_risk"], e["priority"], e["skill_id"])
        names, places = e["who"].split("; "), e["org_units"].split("; ")
        assert r["who"] == "; ".join(names[:needs.NAMES_SHOWN]) and r["more_people"] == len(names) - min(len(names), needs.NAMES_SHOWN)
        assert r["org_units"] == "; ".join(places[:needs.PLACES_SHOWN])
        assert r["more_places"] == len(places) - min(len(places), needs.PLACES_SHOWN)
    # and back again
    back = needs.page(SYSTEM, cursor=found.previous, limit=20) if found.previous else None
    if back is not None:
        assert [r["step"] for r in back.items] == [r["step"] for r in walked[-len(found.items) - 20:-len(found.items)]]


def test_the_page_is_bounded_paged_and_refuses_a_forged_cursor(needs_world, client):
    sign_in_directly(client, db.session.get(Person, needs_world["hr"]))
    expected, _ = reference(SYSTEM)
    first = client.get("/reports/training-needs")
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert body.count("<tr>") - 1 == min(needs.PER_PAGE, len(expected))
    assert expected.iloc[0]["step"] in body and "Next →" in body
    assert "more (all of them in the CSV download)" in body
    import html
    import re
    following = html.unescape(re.search(r'<a href="([^"]+)">Next →</a>', body).group(1))
    second = client.get(following).get_data(as_text=True)
    assert expected.iloc[needs.PER_PAGE]["step"] in second and "← Previous" in second
    for forged in ("eyJrIjpbImEiXSwibiI6Mn0", "nonsense"):
        assert client.get("/reports/training-needs", query_string={"cursor": forged}).status_code in (400, 422)
    csv = client.get("/reports/training-needs?format=csv").get_data()
    assert csv == _csv(expected[training.COLUMNS])


def test_statements_do_not_grow_with_the_cohorts(needs_world):
    statements = []

    def count(*args):
        statements.append(1)

    needs.page(SYSTEM, limit=1)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        needs.page(SYSTEM, limit=5)
        small = len(statements)
        statements.clear()
        needs.page(SYSTEM, limit=200)
        large = len(statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert small == large
