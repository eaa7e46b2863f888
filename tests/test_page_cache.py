"""Pages that keep their data in the report cache (skills_app/cache.py) until the next
recorded change: My skills' and the team matrix's gap rows (also no later than the first
moment one of their levels starts or stops counting), and the report filters' choices.
A change shows at once; a level that lapses shows at once, though nothing is recorded."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from skills_app import cache, clock
from skills_app.extensions import db
from skills_app.policy import SYSTEM
from skills_app.services import assessments, requirements
from tests.test_assessments import submitted


@pytest.fixture
def cached(app):
    """The report cache on (in memory), emptied before and after."""
    before = {k: app.config.get(k) for k in ("REPORT_CACHE", "SESSION_CLOCK")}
    app.config["REPORT_CACHE"] = True
    cache.bump()
    yield
    cache.bump()
    app.config.update(before)


def text(response) -> str:
    assert response.status_code == 200
    page = re.sub(r'name="csrf_token"[^>]*>', "", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _sam_needs_slmo(team, level=3):
    role = requirements.save_job_role(SYSTEM, None, name="Service desk lead", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=level, essential=True)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    db.session.commit()
    return role


def _slmo_cell(page: str) -> str:
    """The team matrix's cell of Sam in SLMO: "current/required status"."""
    found = re.search(r"Sam Subject.*?(\S+/3 [A-Za-z ]+?) ", page)
    assert found, page
    return found.group(1)


def _slmo_row(page: str) -> str:
    """My skills' row of SLMO, as text."""
    found = re.search(r"<tr>\s*<td><span class=\"code\">SLMO</span>.*?</tr>", page, re.S)
    assert found, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_the_team_matrix_and_my_skills_show_a_decision_at_once(team, sign_in, cached):
    _sam_needs_slmo(team)
    manager, sam = sign_in(team.manager), sign_in(team.sam)
    first = text(manager.get("/team"))
    assert "–/3" in first and text(manager.get("/team")) == first  # the second from the cache
    mine = sam.get("/my/skills").get_data(as_text=True)
    assert "Not assessed" in _slmo_row(mine) and text(sam.get("/my/skills")) == text(sam.get("/my/skills"))

    a = submitted(team, level=3)
    assessments.decide(team.manager, a, outcome="approve")
    db.session.commit()
    after = text(manager.get("/team"))
    assert after != first and "3/3" in after
    row = _slmo_row(sam.get("/my/skills").get_data(as_text=True))
    assert "Validated" in row and "Not assessed" not in row


def test_a_level_that_lapses_shows_at_once_though_nothing_is_recorded(team, sign_in, cached, app):
    _sam_needs_slmo(team)
    a = submitted(team, level=3)
    assessments.decide(team.manager, a, outcome="approve")
    db.session.flush()
    # Valid for an hour more: its lapsing changes the rows, and no audited change says so.
    now = clock.now()
    a.valid_until = now + timedelta(hours=1)
    db.session.commit()
    app.config["SESSION_CLOCK"] = lambda: now  # the sign-in session stays fresh whatever the wall clock
    manager, sam = sign_in(team.manager), sign_in(team.sam)
    before_team, before_mine = text(manager.get("/team")), text(sam.get("/my/skills"))
    assert "3/3" in before_team and "Validated" in _slmo_row(sam.get("/my/skills").get_data(as_text=True))
    with clock.as_of(now + timedelta(minutes=59)):
        assert text(manager.get("/team")) == before_team
    with clock.as_of(now + timedelta(hours=2)):
        later_team, later_mine = text(manager.get("/team")), text(sam.get("/my/skills"))
        app.config["REPORT_CACHE"] = False
        assert later_team == text(manager.get("/team")) and later_mine == text(sam.get("/my/skills"))
    assert later_team != before_team and "3/3" not in later_team
    assert later_mine != before_mine
    with clock.as_of(now + timedelta(hours=2)):
        assert "Expired" in _slmo_row(sam.get("/my/skills").get_data(as_text=True))


def test_the_report_filters_offer_a_new_job_role_and_skill_at_once(team, sign_in, cached):
    hr = sign_in(team.hr)
    first = hr.get("/reports/gaps").get_data(as_text=True)
    assert "Window cleaning lead" not in first
    assert hr.get("/reports/gaps").get_data(as_text=True).count("<option") == first.count("<option")
    requirements.save_job_role(SYSTEM, None, name="Window cleaning lead", description=None)
    db.session.commit()
    assert "<option >Window cleaning lead</option>" in hr.get("/reports/gaps").get_data(as_text=True).replace("<option>", "<option >")


def test_a_cached_filter_form_still_asks_the_viewers_permission(team, sign_in, cached):
    """The choices are the same for everyone who may see the form; whoever may not is refused, cached or not."""
    assert sign_in(team.hr).get("/reports/gaps").status_code == 200
    assert sign_in(team.sam).get("/reports/gaps").status_code in (403, 404)


def test_a_value_that_holds_until_a_moment_is_computed_again_from_then(app):
    now = clock.now()
    calls = []

    def compute():
        calls.append(1)
        return len(calls), now + timedelta(minutes=len(calls))

    with app.test_request_context():
        app.config["REPORT_CACHE"] = True
        try:
            cache.bump()
            assert cache.cached_until("test:until", compute, now) == 1
            assert cache.cached_until("test:until", compute, now + timedelta(seconds=59)) == 1
            assert cache.cached_until("test:until", compute, now + timedelta(minutes=1)) == 2
            assert cache.cached_until("test:until", compute, now + timedelta(minutes=1, seconds=1)) == 2
            assert len(calls) == 2
        finally:
            cache.bump()
            app.config["REPORT_CACHE"] = False
