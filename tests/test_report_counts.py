"""Coverage over time (services/trends.py) and service coverage
(services/gaps.py ``service_coverage``), counted by the database, give what the
pandas computations they replace gave: the same series, snapshots and table,
the same downloads, on the demo organisation and a generated one beside it (with
a few histories made to test the edges), on SQLite and PostgreSQL.

The references below are the pandas code as it stood (services/trends.py
``requirements_frame`` and ``decisions_frame``, reports/trends.py
``held_intervals`` and ``coverage_series``, services/gaps.py
``service_coverage``), kept here to compare."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from dataclasses import replace

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from skills_app.extensions import db
from skills_app.models import Assessment, CrosswalkLevel, Person, PersonRole, Requirement, Service, Skill
from skills_app.models.framework import utcnow
from skills_app.models.kept import PersonRequirement
from skills_app.policy import SYSTEM
from skills_app.reports import coverage, export, trends
from skills_app.services import exports, gaps
from skills_app.services import trends as trend_service
from skills_app.services.gaps import Filters, gap_select, scope_for
from tests.conftest import load_demo, sign_in_directly, world_fixture

pytestmark = pytest.mark.xdist_group("counted_world")

NOW = datetime.now(timezone.utc)
POINTS = trends.month_points(NOW)


# -- the references: the pandas computations as they were -----------------------------

def requirements_frame(actor, filters: Filters, now: datetime) -> pd.DataFrame:
    """Today's person × requirement rows, as the gap report filters them (statuses aside)."""
    filters = replace(filters, status=[])
    sub = gap_select(filters, now=now, scope=scope_for(actor)).order_by(None).subquery()
    stmt = select(sub.c.person_id, sub.c.org_unit, sub.c.job_role, sub.c.service, sub.c.framework, sub.c.skill,
                  sub.c.skill_id, sub.c.required_level).where(sub.c.skill_id.is_not(None))  # skills' levels only
    result = db.session.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def decisions_frame(person_ids) -> pd.DataFrame:
    """Every validated decision of these people: who, which skill, what level, from when to when."""
    stmt = (select(Assessment.id, Assessment.person_id, Assessment.skill_id, Assessment.validated_level.label("level"),
                   Assessment.decided_at, Assessment.valid_until)
            .where(Assessment.status == "validated", Assessment.validated_level.is_not(None),
                   Assessment.decided_at.is_not(None)))
    ids = sorted({int(i) for i in person_ids})
    if len(ids) <= 5000:
        stmt = stmt.where(Assessment.person_id.in_(ids))
    result = db.session.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if len(ids) > 5000:
        df = df[df["person_id"].isin(ids)]
    df["decided_at"] = trends.utc(df["decided_at"])
    df["valid_until"] = trends.utc(df["valid_until"])
    return df


def held_intervals(decisions: pd.DataFrame, crosswalk: pd.DataFrame | None = None) -> pd.DataFrame:
    """(person, skill, level, start, end): each decision holds from decided_at until it
    expires or the next decision of the same person and skill replaces it; expanded
    through crosswalks (forwards, and backwards as the highest level mapping at or below)."""
    cols = ["person_id", "skill_id", "level", "start", "end"]
    if decisions.empty:
        return pd.DataFrame(columns=cols)
    d = decisions.sort_values(["person_id", "skill_id", "decided_at", "id"]).copy()
    d["replaced_at"] = d.groupby(["person_id", "skill_id"])["decided_at"].shift(-1)
    far = pd.Timestamp("2200-01-01", tz="UTC")
    d["end"] = pd.concat([d["valid_until"].fillna(far), d["replaced_at"].fillna(far)], axis=1).min(axis=1)
    d["start"] = d["decided_at"]
    direct = d[cols]
    parts = [direct]
    if crosswalk is not None and not crosswalk.empty:
        fwd = direct.merge(crosswalk, left_on="skill_id", right_on="from_skill_id")
        fwd = fwd[fwd["from_level"] <= fwd["level"]]
        fwd = (fwd.groupby(["person_id", "to_skill_id", "start", "end"], as_index=False)["to_level"].max()
               .rename(columns={"to_skill_id": "skill_id", "to_level": "level"}))
        back = direct.merge(crosswalk, left_on="skill_id", right_on="to_skill_id")
        back = back[back["to_level"] <= back["level"]]
        back = (back.groupby(["person_id", "from_skill_id", "start", "end"], as_index=False)["from_level"].max()
                .rename(columns={"from_skill_id": "skill_id", "from_level": "level"}))
        parts += [fwd[cols], back[cols]]
    return pd.concat(parts, ignore_index=True)


def coverage_series(reqs: pd.DataFrame, intervals: pd.DataFrame, points: list[pd.Timestamp], by: str | None) -> pd.DataFrame:
    """Per month point and group: requirements, met, coverage (percent, one decimal)."""
    if reqs.empty:
        return pd.DataFrame(columns=trends.TREND_COLUMNS)
    months = pd.DataFrame({"month": points})
    if intervals.empty:
        levels = pd.DataFrame(columns=["person_id", "skill_id", "month", "level"])
    else:
        iv = intervals.merge(months, how="cross")
        iv = iv[(iv["start"] <= iv["month"]) & (iv["month"] < iv["end"])]
        levels = iv.groupby(["person_id", "skill_id", "month"], as_index=False)["level"].max()
    work = reqs.copy()
    work["group"] = trends.group_column(work, by)
    work = work.merge(months, how="cross")
    work["person_id"] = work["person_id"].astype("int64")
    work["skill_id"] = work["skill_id"].astype("int64")
    levels = levels.astype({"person_id": "int64", "skill_id": "int64"}) if not levels.empty else levels
    work = work.merge(levels, on=["person_id", "skill_id", "month"], how="left")
    work["met"] = (work["level"].notna() & (work["level"] >= work["required_level"])).astype(int)
    out = work.groupby(["month", "group"], as_index=False).agg(requirements=("met", "size"), met=("met", "sum"))
    out["coverage"] = (out["met"] / out["requirements"] * 100).round(1)
    # Before the first validated level on record there is no history: no coverage (no line), never 0%.
    first = intervals["start"].min() if not intervals.empty else None
    out["coverage"] = out["coverage"].astype(object).where(
        pd.Series([first is not None and m >= first for m in out["month"]], index=out.index), None)
    return out.sort_values(["group", "month"], kind="stable").reset_index(drop=True)[trends.TREND_COLUMNS]


def reference_trend(actor, filters: Filters | None = None, *, by: str | None = None, months: int = trends.MONTHS,
                    now: datetime | None = None) -> trends.Trend:
    by = trends.check_by(by)
    filters = filters or Filters()
    now = now or utcnow()
    points = trends.month_points(now, months)
    reqs = requirements_frame(actor, filters, now)
    crosswalk = pd.DataFrame(db.session.execute(select(CrosswalkLevel.from_skill_id, CrosswalkLevel.to_skill_id,
                                                       CrosswalkLevel.from_level, CrosswalkLevel.to_level)).all(),
                             columns=["from_skill_id", "to_skill_id", "from_level", "to_level"])
    decisions = decisions_frame(reqs["person_id"].unique() if len(reqs) else [])
    series = coverage_series(reqs, held_intervals(decisions, crosswalk), points, by)
    snaps = trend_service.snapshot_points(filters, by, points[0] - pd.DateOffset(months=1))
    return trends.Trend(series, snaps, points, by)


def reference_coverage(actor, *, service: str | None = None) -> pd.DataFrame:
    """One row per service requirement. Counts come from the gap engine, so a
    level met through a crosswalk counts, and expired levels do not."""
    df = gaps.frame(actor, Filters(service=service))
    df = df[df["service_id"].notna()]
    stmt = (select(Requirement)
            .options(selectinload(Requirement.service), selectinload(Requirement.skill).selectinload(Skill.framework))
            .join(Service).order_by(Service.name, Requirement.id))
    records = []
    for req in db.session.scalars(stmt):
        if service and req.service.name.lower() != service.lower():
            continue
        mine = df[(df["service_id"] == req.service_id) & (df["skill_id"] == req.skill_id)]
        qualified = mine[mine["status"] == "met"].sort_values("person")
        n = len(qualified)
        records.append({
            "service": req.service.name,
            "framework": req.skill.framework.code,
            "skill": req.skill.code,
            "required_level": req.min_level,
            "needed": req.headcount,
            "qualified": n,
            "shortfall": max(req.headcount - n, 0),
            "single_point_of_failure": n == 1,
            "people_assigned": int(mine["person_id"].nunique()),
            "qualified_people": "; ".join(qualified["person"].tolist()),
            "service_id": req.service_id,
            "skill_id": req.skill_id,
            "framework_version": req.skill.framework.version,
        })
    return pd.DataFrame(records, columns=coverage.COLUMNS + ["service_id", "skill_id", "framework_version"])


# -- the organisations ----------------------------------------------------------------

def _decide(person_id: int, skill_id: int, level: int, decided: datetime, valid_until: datetime | None) -> None:
    skill = db.session.get(Skill, skill_id)
    db.session.add(Assessment(person_id=person_id, framework_id=skill.framework_id, skill_id=skill_id, claimed_level=level,
                              status="validated", validated_level=level, created_at=decided - timedelta(days=3),
                              submitted_at=decided - timedelta(days=2), decided_at=decided, valid_until=valid_until))


@world_fixture
def counted_world():
    """The demo organisation and a generated one of 400 people beside it, and, for a few of
    the generated people, histories at the edges: levels through the crosswalk either way,
    a decision on a month's last instant and one expiring on it, two decided at the same
    moment, an older level outliving the one that replaced it, one expiring before it was
    decided, a later one with no end."""
    from skills_app.devdata import synthetic

    load_demo()
    synthetic.generate(400, seed=7)
    db.session.commit()
    hr = db.session.scalar(select(Person.id).join(PersonRole).where(PersonRole.role == "hr").order_by(Person.id).limit(1))
    walk = db.session.execute(select(CrosswalkLevel.from_skill_id, CrosswalkLevel.to_skill_id).limit(1)).first()
    # Generated people who have a requirement of the crosswalk's target skill (and so of a level asked).
    rows = db.session.execute(
        select(PersonRequirement.person_id, PersonRequirement.skill_id, PersonRequirement.required_level)
        .join(Person, Person.id == PersonRequirement.person_id)
        .where(Person.email.like("%synth%"), PersonRequirement.skill_id.is_not(None))
        .order_by(PersonRequirement.person_id, PersonRequirement.skill_id)).all()
    targets = [r for r in rows if walk and r.skill_id == walk.to_skill_id][:2]
    others = [r for r in rows if not walk or r.skill_id != walk.to_skill_id]
    at = POINTS
    if walk:
        # Forwards: the crosswalk's source skill held, its target required.
        for r in targets:
            _decide(r.person_id, walk.from_skill_id, 5, (at[3] - timedelta(days=2)).to_pydatetime(), None)
        # Backwards: the target held by someone of the source's requirement... or anyone: the source's level counts.
        _decide(others[0].person_id, walk.to_skill_id, 6, (at[5] - timedelta(days=4)).to_pydatetime(), None)
    edge = others[1:]
    seen: set[int] = set()
    picks = []
    for r in edge:
        if r.person_id not in seen:
            seen.add(r.person_id)
            picks.append(r)
        if len(picks) == 6:
            break
    high = 7
    # A decision on a month's last instant (counts at that point), expiring on a later point's instant (not counted there).
    p = picks[0]
    _decide(p.person_id, p.skill_id, high, at[6].to_pydatetime(), at[9].to_pydatetime())
    # Two at the same moment: the one written second replaces the first at once.
    p = picks[1]
    moment = (at[8] - timedelta(days=5)).to_pydatetime()
    _decide(p.person_id, p.skill_id, high, moment, None)
    db.session.flush()
    _decide(p.person_id, p.skill_id, 1, moment, None)
    # An older level outliving the newer one that replaced it: not held again once the newer lapses.
    p = picks[2]
    _decide(p.person_id, p.skill_id, high, (at[2] - timedelta(days=3)).to_pydatetime(), None)
    db.session.flush()
    _decide(p.person_id, p.skill_id, 1, (at[10] - timedelta(days=3)).to_pydatetime(), (at[12] - timedelta(days=3)).to_pydatetime())
    # Expiring before it was decided: never held.
    p = picks[3]
    _decide(p.person_id, p.skill_id, high, (at[14] - timedelta(days=3)).to_pydatetime(), (at[13] - timedelta(days=3)).to_pydatetime())
    # Decided long before the first point, held throughout; and one decided after today's point (not yet held).
    p = picks[4]
    _decide(p.person_id, p.skill_id, high, (at[0] - timedelta(days=400)).to_pydatetime(), None)
    p = picks[5]
    _decide(p.person_id, p.skill_id, high, (NOW + timedelta(days=1)), None)
    db.session.commit()
    first_edge = picks[0].person_id
    service = db.session.scalar(select(Service.name).join(Requirement, Requirement.service_id == Service.id)
                                .order_by(Service.id).limit(1))
    return {"hr": hr, "edge_person": first_edge, "service": service, "crosswalk": bool(walk)}


TREND_FILTERS = {
    "everyone": ({}, None),
    "by org unit": ({}, "org_unit"),
    "by job role": ({}, "job_role"),
    "by service": ({}, "service"),
    "by skill": ({}, "skill"),
    "essential, by skill": ({"essential": "1"}, "skill"),
    "a skill": ({"skill": "SLMO"}, None),
    "a framework, by job role": ({"framework": "SFIA"}, "job_role"),
    "the demo's units": ({"org_unit": "Acme"}, "org_unit"),
    "a unit alone": ({"org_unit": "Acme", "exact": "1"}, None),
    "statuses are no filter here": ({"status": ["below"]}, None),
    "nobody": ({"skill": "NO-SUCH-SKILL"}, None),
}


def _series_equal(found: trends.Trend, expected: trends.Trend) -> None:
    pd.testing.assert_frame_equal(found.series, expected.series)
    pd.testing.assert_frame_equal(found.snapshots, expected.snapshots)
    assert found.points == expected.points and found.by == expected.by


def _csv(report: export.Report) -> bytes:
    return b"".join(export.render(report, "csv").chunks)


@pytest.mark.parametrize("name", list(TREND_FILTERS))
def test_the_trend_is_the_pandas_one(counted_world, name):
    args, by = TREND_FILTERS[name]
    hr = db.session.get(Person, counted_world["hr"])
    filters = Filters.from_mapping(args)
    expected = reference_trend(hr, filters, by=by, now=NOW)
    found = trend_service.coverage(hr, Filters.from_mapping(args), by=by, now=NOW)
    _series_equal(found, expected)
    if name == "everyone":
        # The figures move: met rows at several levels, coverage before and after the first decision.
        assert expected.series["met"].nunique() > 5 and len(expected.series) == len(POINTS)
    if name == "nobody":
        assert expected.series.empty
    assert trends.chart(found) == trends.chart(expected)
    assert _frames_csv(trends.export_frames(found)) == _frames_csv(trends.export_frames(expected))


def _frames_csv(frames: dict) -> bytes:
    return _csv(export.Report("x", lambda: frames, formats=("csv", "xlsx")))


def test_the_trend_of_one_person_starts_with_their_first_decision(counted_world):
    hr = db.session.get(Person, counted_world["hr"])
    for person_id in (counted_world["edge_person"],
                      *db.session.scalars(select(Person.id).where(Person.email.like("%synth%")).order_by(Person.id).limit(12))):
        filters = Filters(person_id=person_id)
        expected = reference_trend(hr, filters, now=NOW)
        _series_equal(trend_service.coverage(hr, Filters(person_id=person_id), now=NOW), expected)
    # The edge person's first decision is inside the window: no coverage before it, never 0%.
    series = trend_service.coverage(hr, Filters(person_id=counted_world["edge_person"]), now=NOW).series
    assert series["coverage"].isna().any() and series["coverage"].notna().any()


@pytest.mark.parametrize("months", [1, 6, 36])
def test_other_spans_of_months_are_the_pandas_ones(counted_world, months):
    hr = db.session.get(Person, counted_world["hr"])
    _series_equal(trend_service.coverage(hr, by="job_role", months=months, now=NOW),
                  reference_trend(hr, by="job_role", months=months, now=NOW))


def test_the_trend_download_and_page_give_the_same_figures(counted_world, client):
    hr = db.session.get(Person, counted_world["hr"])
    expected = reference_trend(hr, by="org_unit")
    assert _csv(exports.coverage_trend(hr, Filters(), by="org_unit")) == _frames_csv(trends.export_frames(expected))
    sign_in_directly(client, hr)
    body = client.get("/reports/trends?group=org_unit").get_data(as_text=True)
    latest = expected.series[expected.series["month"] == expected.points[-1]]
    for r in latest.itertuples():
        assert f'<th scope="row">{r.group}</th><td class="num">{r.requirements}</td><td class="num">{r.met}</td>' in body


COVERAGE_SERVICES = [None, "service", "SERVICE IN CAPITALS", "no such service"]


@pytest.mark.parametrize("which", COVERAGE_SERVICES)
def test_service_coverage_is_the_pandas_one(counted_world, which):
    service = {None: None, "service": counted_world["service"], "SERVICE IN CAPITALS": counted_world["service"].upper(),
               "no such service": "No such service"}[which]
    for who in (SYSTEM, db.session.get(Person, counted_world["hr"])):
        expected = reference_coverage(who, service=service)
        found = gaps.service_coverage(who, service=service)
        pd.testing.assert_frame_equal(found, expected)
        if which is None:
            assert len(expected) > 5 and expected["qualified"].gt(1).any() and expected["single_point_of_failure"].any()
            assert expected["shortfall"].gt(0).any() and expected["qualified_people"].str.contains("; ").any()
        assert _csv(exports.service_coverage(who, service=service)) == _csv(
            export.Report("service-coverage", lambda: {"Service coverage": expected[coverage.COLUMNS]}))


def test_the_coverage_page_shows_the_pandas_figures(counted_world, client):
    hr = db.session.get(Person, counted_world["hr"])
    expected = reference_coverage(hr)
    sign_in_directly(client, hr)
    body = client.get("/reports/coverage").get_data(as_text=True)
    for r in expected.itertuples():
        assert f'<td class="num">{r.qualified} <span class="muted">of {r.people_assigned} assigned</span></td>' in body
    assert client.get("/reports/coverage?format=csv").get_data() == _csv(
        export.Report("service-coverage", lambda: {"Service coverage": expected[coverage.COLUMNS]}))


def test_the_coverage_pages_links_are_url_fors(counted_world, app, client):
    """Built once a page and filled in a row at a time (``web.with_query``), each row's links are
    what ``url_for`` writes."""
    import html
    import re

    from flask import url_for

    from skills_app.web import with_query

    hr = db.session.get(Person, counted_world["hr"])
    sign_in_directly(client, hr)
    hrefs = set(re.findall(r'<a href="([^"]+)"', client.get("/reports/coverage").get_data(as_text=True)))
    expected = reference_coverage(hr)
    short = expected[(expected["shortfall"] > 0) | expected["single_point_of_failure"]]
    assert len(short)
    with app.test_request_context():
        for r in short.itertuples():
            for link in (url_for("people.directory", skill_id=r.skill_id, level=r.required_level, assign=f"service:{r.service_id}"),
                         url_for("campaigns.new", skill_id=r.skill_id, service_id=r.service_id),
                         url_for("reports.gap_report", service=r.service, skill=r.skill, framework=r.framework,
                                 status=["below", "not_assessed", "expired"])):
                assert html.escape(link) in hrefs
        odd = "R&D / Ops: ü+ß? 100% #1 ~ 'x' (y)"
        for params in ({"service": odd, "skill": "A B", "status": ["below", "not_assessed"]}, {"skill_id": 7, "to": None},
                       {}, {"from_level": "any", "service": odd}):
            for endpoint in ("reports.gap_report", "learning.new_plan"):
                assert with_query(url_for(endpoint), **params) == url_for(endpoint, **params)
