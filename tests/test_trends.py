"""Coverage over time and calibration, against figures computed by hand."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import Assessment
from skills_app.policy import SYSTEM
from skills_app.reports import trends
from skills_app.services import gaps
from skills_app.services import trends as trend_service
from skills_app.services import campaigns, requirements

NOW = datetime.now(timezone.utc)
POINTS = trends.month_points(NOW)


def mid(k: int) -> datetime:
    """A moment inside the month of point k (10 days before its end)."""
    return (POINTS[k] - pd.Timedelta(days=10)).to_pydatetime()


@pytest.fixture
def world(load_seed_frameworks, make_person):
    fw = load_seed_frameworks()
    slmo = fw["SFIA"].skills[0]
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    db.session.commit()
    hr = make_person("Hana HR", roles=("employee", "hr"), unit="Acme/People")
    boss = make_person("Boss", roles=("employee", "manager"), unit="Acme/IT")
    people = {n: make_person(n, manager=boss, unit=u) for n, u in (("A", "Acme/IT/Desk"), ("B", "Acme/IT/Desk"), ("C", "Acme/IT/Infra"))}
    for p in people.values():
        requirements.assign(SYSTEM, p, job_roles=[role], services=[])
    db.session.commit()
    return {"slmo": slmo, "role": role, "hr": hr, "boss": boss, **people}


def decision(person, skill, level, decided, valid_until=None, *, claimed=None, reviewer=None, status="validated"):
    a = Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id,
                   claimed_level=claimed if claimed is not None else level, status=status,
                   validated_level=level if status == "validated" else None, created_at=decided - timedelta(days=3),
                   submitted_at=decided - timedelta(days=2), decided_at=decided,
                   valid_until=valid_until or decided + timedelta(days=3650) if status == "validated" else None,
                   reviewer_id=reviewer.id if reviewer else None)
    db.session.add(a)
    db.session.commit()
    return a


@pytest.fixture
def history(world):
    s = world["slmo"]
    # A: level 3 from month 18, expiring in month 20 -> met at points 18 and 19.
    decision(world["A"], s, 3, mid(18), valid_until=mid(20))
    # B: level 2 from month 17 (below), replaced by level 4 in month 21 -> met at 21, 22, 23.
    decision(world["B"], s, 2, mid(17))
    decision(world["B"], s, 4, mid(21))
    # C: level 4 from month 16, replaced by a level-2 decision in month 19 -> met at 16, 17, 18.
    decision(world["C"], s, 4, mid(16))
    decision(world["C"], s, 2, mid(19))
    # A rejected decision changes nothing.
    decision(world["C"], s, 5, mid(20), status="rejected")
    return world


def test_month_points_are_month_ends_and_today():
    assert len(POINTS) == 24 and POINTS[-1] == pd.Timestamp(NOW)
    for p in POINTS[:-1]:
        assert (p + pd.Timedelta(microseconds=1)).day == 1
    assert POINTS[-2] < POINTS[-1] and POINTS[-2].month != POINTS[-1].month


def test_coverage_over_time_by_hand(history):
    trend = trend_service.coverage(history["hr"], now=NOW)
    series = trend.series.set_index("month")
    met = [int(series.loc[p, "met"]) for p in POINTS]
    assert met == [0] * 16 + [1, 1, 2, 1, 0, 1, 1, 1]
    assert set(series["requirements"]) == {3}
    assert [float(series.loc[POINTS[k], "coverage"]) for k in (16, 18, 20, 23)] == [33.3, 66.7, 0.0, 33.3]
    # Before the first validated level on record (month 16), no history: no coverage, never 0%.
    assert all(series.loc[POINTS[k], "coverage"] is None for k in range(16))
    # Today's point agrees with the gap engine.
    total, _ = gaps.summary(history["hr"])
    assert total["met"] == met[-1]


def test_coverage_by_org_unit_and_filters(history):
    by_unit = trend_service.coverage(history["hr"], by="org_unit", now=NOW).series
    at = lambda k, unit: by_unit[(by_unit["month"] == POINTS[k]) & (by_unit["group"] == unit)].iloc[0]  # noqa: E731
    assert (at(18, "Acme/IT/Desk").met, at(18, "Acme/IT/Desk").requirements, at(18, "Acme/IT/Desk").coverage) == (1, 2, 50.0)
    assert (at(18, "Acme/IT/Infra").met, at(18, "Acme/IT/Infra").coverage) == (1, 100.0)
    only_infra = trend_service.coverage(history["hr"], gaps.Filters(org_unit="Acme/IT/Infra"), now=NOW).series
    assert list(only_infra["met"]) == [0] * 16 + [1, 1, 1] + [0] * 5
    with pytest.raises(InvalidInput):
        trend_service.coverage(history["hr"], by="colour")


def test_trends_count_through_crosswalks(history):
    from skills_app.services import crosswalks

    doc = crosswalks.parse({"crosswalk": {"name": "x", "from": {"framework": "SLM"}, "to": {"framework": "SFIA"}},
                            "skills": [{"from": "SLM", "to": "SLMO", "levels": {2: 2, 3: 3}}]}, "x.yaml")
    crosswalks.import_doc(SYSTEM, doc, "x.yaml")
    from sqlalchemy import select

    from skills_app.models import Framework, Skill

    slm = db.session.scalar(select(Skill).join(Framework).where(Framework.code == "SLM"))
    # A holds SLM 3 from month 22: through the crosswalk that is SLMO 3 -> met at 22 and 23 too.
    decision(history["A"], slm, 3, mid(22))
    series = trend_service.coverage(history["hr"], now=NOW).series.set_index("month")
    assert [int(series.loc[POINTS[k], "met"]) for k in (21, 22, 23)] == [1, 2, 2]


def test_a_closed_campaigns_snapshot_is_a_point_of_the_trend(history):
    c = campaigns.open_campaign(history["hr"], name="Desk review", skills=[history["slmo"]], opens_on=NOW.date(),
                                due_on=NOW.date(), org_unit=history["A"].org_unit)
    campaigns.close(history["hr"], c)
    db.session.commit()
    trend = trend_service.coverage(history["hr"], now=NOW)
    snaps = trend.snapshots
    assert list(snaps["campaign"]) == ["Desk review"]
    # A and B are in the desk; today only B (level 4) meets SLMO 3.
    assert (int(snaps.iloc[0]["requirements"]), int(snaps.iloc[0]["met"]), float(snaps.iloc[0]["coverage"])) == (2, 1, 50.0)
    chart = trends.chart(trend)
    assert len(chart["markers"]) == 1 and "Desk review" in chart["markers"][0]["title"]
    assert len(chart["series"]) == 1 and chart["series"][0]["points"].count(",") == 8  # months 16 to 23 have history
    assert len(chart["series"][0]["segments"]) == 1


def test_trend_page_and_exports(history, client, auth):
    auth.login(history["hr"])
    page = client.get("/reports/trends?group=org_unit")
    assert page.status_code == 200 and "<polyline" in page.get_data(as_text=True)
    csv = client.get("/reports/trends?format=csv&group=org_unit").get_data(as_text=True)
    assert csv.splitlines()[0] == "month,group,requirements,met,coverage" and len(csv.splitlines()) == 1 + 24 * 2
    xlsx = client.get("/reports/trends?format=xlsx")
    sheets = pd.read_excel(io.BytesIO(xlsx.data), sheet_name=None)
    assert set(sheets) == {"Coverage by month", "Campaign snapshots"} and len(sheets["Coverage by month"]) == 24
    assert client.get("/reports/trends?group=colour").status_code in (400, 422)
    assert client.get("/reports/trends?format=pdf").status_code in (400, 422)


# -- calibration -------------------------------------------------------------------------

@pytest.fixture
def judged(world, make_person):
    s = world["slmo"]
    r1, r2, r3 = (make_person(n, roles=("employee", "manager"), unit="Acme/IT") for n in ("Rita Harsh", "Rob Fair", "Ray Few"))
    diffs = {r1: [-1, -1, -1, -2, -1], r2: [0, 0, 0, 1, 0], r3: [0, 0, 1]}
    people = [world["A"], world["B"], world["C"]]
    n = 0
    for reviewer, values in diffs.items():
        for d in values:
            decision(people[n % 3], s, 4 + d, NOW - timedelta(days=100 - n), claimed=4, reviewer=reviewer)
            n += 1
    return {"r1": r1, "r2": r2, "r3": r3, **world}


def test_calibration_by_reviewer_by_hand(judged):
    df = trend_service.decisions_for_calibration(judged["hr"])
    table = trends.calibration(df, "reviewer").set_index("group")
    # All 13 differences: sum -4, mean -0.31; sd (population) = sqrt(10/13 - (4/13)^2) = 0.82.
    assert trends.overall(df) == {"decisions": 13, "mean": -0.31, "sd": 0.82, "hist": {-2: 1, -1: 4, 0: 6, 1: 2, 2: 0}}
    harsh = table.loc["Rita Harsh"]
    assert (harsh["decisions"], harsh["mean"], harsh["sd"], harsh["peer_mean"]) == (5, -1.2, 0.4, 0.25)
    assert [harsh[k] for k in ("d-2", "d-1", "d0", "d+1", "d+2")] == [1, 4, 0, 0, 0]
    # |-1.2 - 0.25| = 1.45 > 1.5 × 0.82 = 1.23: flagged as harsher than peers.
    assert harsh["outlier"] == "harsher"
    fair = table.loc["Rob Fair"]
    # |0.2 - (-0.625)| = 0.825 < 1.23: not an outlier.
    assert (fair["mean"], fair["peer_mean"], fair["outlier"]) == (0.2, -0.62, "")
    # Three decisions are too few to be flagged, whatever the mean.
    assert table.loc["Ray Few", "outlier"] == "" and table.loc["Ray Few", "decisions"] == 3


def test_calibration_by_team_and_skill_and_the_page(judged, client, auth):
    df = trend_service.decisions_for_calibration(judged["hr"])
    by_team = trends.calibration(df, "team").set_index("group")
    # A and C-positions: decisions go round-robin to A (Desk), B (Desk), C (Infra).
    assert by_team.loc["Acme/IT/Desk", "decisions"] == 9 and by_team.loc["Acme/IT/Infra", "decisions"] == 4
    by_skill = trends.calibration(df, "skill")
    assert list(by_skill["group"]) == ["SFIA SLMO"] and by_skill.iloc[0]["outlier"] == ""
    with pytest.raises(InvalidInput):
        trends.calibration(df, "weather")
    auth.login(judged["hr"])
    page = client.get("/reports/calibration").get_data(as_text=True)
    assert "Rita Harsh" in page and "judges harsher" in page
    csv = client.get("/reports/calibration?group=reviewer&format=csv").get_data(as_text=True)
    assert csv.splitlines()[0] == "group,decisions,mean,sd,d-2,d-1,d0,d+1,d+2,peer_mean,outlier"
    assert "Rita Harsh,5,-1.2,0.4,1,4,0,0,0,0.25,harsher" in csv
    assert client.get("/reports/calibration?months=abc").status_code in (400, 422)
