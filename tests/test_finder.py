"""The skills finder (issue 21): who holds these skills at these levels, against
hand-computed cases; whom each role may search and who sees contact details;
HR's settings; one statement a page whatever the number of people."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from skills_app import paging, policy
from skills_app.errors import InvalidInput, NotAllowed
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Crosswalk, CrosswalkLevel
from skills_app.policy import SYSTEM
from skills_app.services import finder

NOW = datetime.now(timezone.utc)


def hold(person, skill, level, *, days_ago=10, valid_for_days=700, status="validated"):
    decided = NOW - timedelta(days=days_ago)
    db.session.add(Assessment(
        person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=level, status=status,
        validated_level=level if status == "validated" else None, submitted_at=decided - timedelta(days=1),
        decided_at=decided if status == "validated" else None, created_at=decided - timedelta(days=2),
        valid_until=decided + timedelta(days=valid_for_days) if status == "validated" else None))
    db.session.commit()


def names(page) -> list[tuple[str, int, list]]:
    return [(f.name, f.shortfall, [lv for lv, _ in f.levels]) for f in page.items]


def search(actor, *pairs, unit=None, nearly=False, direct=False):
    s = finder.parse(actor, skills=[p[0].id for p in pairs], levels=[p[1] for p in pairs],
                     unit_id=unit.id if unit else None, nearly=nearly, via_crosswalks=not direct)
    return finder.find(actor, s)


@pytest.fixture
def people(team, make_person):
    """Sam SLMO 5 + SLM 3; Pat SLMO 4 (expired SLM 4); Otto SLMO 3 in another unit;
    an inactive person at SLMO 6; Dana with a submitted, not validated, SLMO 6."""
    from skills_app.services import org

    t = team
    unit = org.ensure_path(SYSTEM, "Acme/IT")
    for p in (t.sam, t.pat):
        p.org_unit = unit
    t.otto.org_unit = org.ensure_path(SYSTEM, "Acme/ITSM")  # a sibling whose name starts the same
    db.session.commit()
    hold(t.sam, t.slmo, 5)
    hold(t.sam, t.slm, 3)
    hold(t.pat, t.slmo, 4)
    hold(t.pat, t.slm, 4, days_ago=800, valid_for_days=700)  # expired
    hold(t.otto, t.slmo, 3)
    gone = make_person("Gone Person", active=False)
    hold(gone, t.slmo, 6)
    hold(t.director, t.slmo, 6, status="submitted")
    t.unit = unit
    return t


def test_one_skill_finds_everyone_at_the_level_or_above_and_no_one_else(people):
    t = people
    assert names(search(t.hr, (t.slmo, 4))) == [("Pat Peer", 0, [4]), ("Sam Subject", 0, [5])]
    # Otto at 3, the inactive person at 6, Dana's unvalidated 6: none of them
    assert names(search(t.hr, (t.slmo, 3))) == [("Otto Outside", 0, [3]), ("Pat Peer", 0, [4]), ("Sam Subject", 0, [5])]


def test_every_skill_must_be_held_and_an_expired_level_does_not_count(people):
    t = people
    assert names(search(t.hr, (t.slmo, 4), (t.slm, 3))) == [("Sam Subject", 0, [5, 3])]
    assert names(search(t.hr, (t.slmo, 4), (t.slm, 4))) == []


def test_one_level_below_comes_after_those_who_meet_every_level(people):
    t = people
    found = search(t.hr, (t.slmo, 5), (t.slm, 3), nearly=True)
    assert names(found) == [("Sam Subject", 0, [5, 3])]  # Pat has no SLM (expired): not "one below"
    found = search(t.hr, (t.slmo, 5), nearly=True)
    assert names(found) == [("Sam Subject", 0, [5]), ("Pat Peer", 1, [4])]
    assert [f.meets_all for f in found.items] == [True, False]
    assert found.total == 2


def test_the_unit_filter_takes_the_unit_and_those_below_not_a_sibling_with_a_longer_name(people):
    t = people
    assert [n for n, *_ in names(search(t.hr, (t.slmo, 1), unit=t.unit))] == ["Pat Peer", "Sam Subject"]


def test_a_level_held_through_a_crosswalk_counts_unless_asked_for_direct_levels(people):
    t = people
    crosswalk = Crosswalk(name="SLM to SFIA", from_framework=t.slm.framework, to_framework=t.slmo.framework)
    crosswalk.levels.append(CrosswalkLevel(from_skill=t.slm, to_skill=t.slmo, from_level=5, to_level=6))
    db.session.add(crosswalk)
    db.session.commit()
    hold(t.pat, t.slm, 5)
    found = search(t.hr, (t.slmo, 6))
    assert [(f.name, f.levels) for f in found.items] == [("Pat Peer", [(6, "SLM")])]
    assert names(search(t.hr, (t.slmo, 6), direct=True)) == []
    # backwards: SLMO 6 counts as SLM 5
    assert names(search(t.hr, (t.slm, 5))) == [("Pat Peer", 0, [5])]


def test_a_manager_searches_their_own_people_only_by_default(people):
    t = people
    assert [n for n, *_ in names(search(t.manager, (t.slmo, 1)))] == ["Pat Peer", "Sam Subject"]
    assert [n for n, *_ in names(search(t.director, (t.slmo, 1)))] == ["Otto Outside", "Pat Peer", "Sam Subject"]


def test_who_may_search_is_hr_s_choice_and_the_administrator_role_never_gives_it(people, make_person):
    t = people

    def make_admin_only():
        return make_person("Only Admin", roles=("admin",))
    assert not policy.can(t.sam, "use_skills_finder")
    assert not policy.can(t.admin, "use_skills_finder")
    with pytest.raises(NotAllowed):
        search(t.sam, (t.slmo, 1))
    finder.save_settings(t.hr, reach={"employee": "everyone", "manager": "none", "learning": "everyone", "hr": "everyone"},
                         contact=["hr"])
    db.session.commit()
    assert policy.finder_reach(t.sam) == "everyone"
    assert len(search(t.sam, (t.slmo, 1)).items) == 3
    # the manager also holds the employee role: the widest reach counts
    assert policy.finder_reach(t.manager) == "everyone"
    # the administrator role gives nothing; an administrator who is also an employee searches as one
    assert policy.finder_reach(t.admin) == "everyone"
    assert not policy.can(make_admin_only(), "use_skills_finder")
    # contact details: HR only now
    assert search(t.hr, (t.slmo, 5)).items[0].email == t.sam.email
    assert search(t.sam, (t.slmo, 5)).items[0].email is None
    event = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "settings.changed").order_by(AuditEvent.id)).all()[-1]
    assert "employee everyone" in event.summary


def test_only_hr_sets_the_finder_and_bad_settings_are_refused_by_field(people):
    t = people
    for who in (t.admin, t.learning, t.manager):
        with pytest.raises(NotAllowed):
            finder.save_settings(who, reach=dict(policy.FINDER_DEFAULT_REACH), contact=[])
    with pytest.raises(InvalidInput) as caught:
        finder.save_settings(t.hr, reach={**policy.FINDER_DEFAULT_REACH, "manager": "all"}, contact=["admin"])
    assert set(caught.value.fields) == {"reach_manager", "contact"}


@pytest.mark.parametrize("skills, levels, field", [
    ([""], [""], "skill_1"),
    (["999999"], ["1"], "skill_1"),
    (["x"], ["1"], "skill_1"),
    (["SLMO"], ["0"], "level_1"),
    (["SLMO"], ["eight"], "level_1"),
    (["SLMO"], ["9"], "level_1"),  # SLMO is defined up to 7
    (["SLMO", "SLMO"], ["1", "2"], "skill_2"),
    (["\u00b2"], ["1"], "skill_1"),  # "²": a digit to Python, not a number to int()
    (["SLMO"], ["\u00b2"], "level_1"),
])
def test_a_bad_search_says_which_input_is_wrong(people, skills, levels, field):
    t = people
    skills = [str(t.slmo.id) if s == "SLMO" else s for s in skills]
    with pytest.raises(InvalidInput) as caught:
        finder.parse(t.hr, skills=skills, levels=levels)
    assert field in caught.value.fields


def test_a_blank_level_means_the_skill_s_lowest_defined_level(people):
    t = people
    s = finder.parse(t.hr, skills=[t.slmo.id], levels=[""])
    assert s.criteria[0].level == min(t.slmo.defined_levels)


def test_pages_follow_each_other_by_keyset_with_the_total(people, make_person):
    t = people
    for i in range(7):
        hold(make_person(f"Extra {i}"), t.slmo, 2)
    first = finder.find(t.hr, finder.parse(t.hr, skills=[t.slmo.id], levels=[2]), limit=4)
    second = finder.find(t.hr, finder.parse(t.hr, skills=[t.slmo.id], levels=[2]), cursor=first.next, limit=4)
    third = finder.find(t.hr, finder.parse(t.hr, skills=[t.slmo.id], levels=[2]), cursor=second.next, limit=4)
    seen = [f.name for page in (first, second, third) for f in page.items]
    assert first.total == 10 and len(seen) == 10 and len(set(seen)) == 10 and third.next is None
    assert second.total == third.total == 10
    # a cursor past the last match (the matches changed since) still says how many there are
    past = paging.encode(paging.Cursor((9, "\uffff", 10**9), False, 4))
    beyond = finder.find(t.hr, finder.parse(t.hr, skills=[t.slmo.id], levels=[2]), cursor=past, limit=4)
    assert (beyond.items, beyond.total) == ([], 10)


def _statements(fn) -> int:
    count = 0

    def counter(*args, **kwargs):
        nonlocal count
        count += 1
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count


def test_a_page_is_the_same_few_statements_for_4_people_as_for_40(people, make_person):
    t = people
    crosswalk = Crosswalk(name="SLM to SFIA", from_framework=t.slm.framework, to_framework=t.slmo.framework)
    crosswalk.levels.append(CrosswalkLevel(from_skill=t.slm, to_skill=t.slmo, from_level=3, to_level=3))
    db.session.add(crosswalk)
    db.session.commit()
    s = finder.parse(SYSTEM, skills=[t.slmo.id, t.slm.id], levels=[1, 1], nearly=True)
    small = _statements(lambda: finder.find(t.hr, s))
    for i in range(36):
        p = make_person(f"Many {i}")
        hold(p, t.slmo, 1 + i % 6)
        hold(p, t.slm, 1 + i % 4)
    db.session.expire_all()
    s = finder.parse(SYSTEM, skills=[t.slmo.id, t.slm.id], levels=[1, 1], nearly=True)
    assert _statements(lambda: finder.find(t.hr, s)) == small


def test_a_search_with_every_option_and_its_second_page_are_the_same_statements_for_8_people_as_for_80(
        people, make_person, sign_in):
    """Several skills, an org unit (and those below), crosswalks, one level below, and the
    second page by keyset: as many statements (service and whole request) at both sizes,
    for HR (everyone) and for a manager (their own people)."""
    from skills_app.services import org

    t = people
    crosswalk = Crosswalk(name="SLM to SFIA", from_framework=t.slm.framework, to_framework=t.slmo.framework)
    crosswalk.levels.append(CrosswalkLevel(from_skill=t.slm, to_skill=t.slmo, from_level=3, to_level=3))
    db.session.add(crosswalk)
    db.session.commit()
    desk = org.ensure_path(SYSTEM, "Acme/IT/Desk")
    elsewhere = org.ensure_path(SYSTEM, "Acme/Sales")
    hr, manager = sign_in(t.hr), sign_in(t.manager)
    finder.save_settings(t.hr, reach={**policy.FINDER_DEFAULT_REACH, "manager": "own"}, contact=["hr"])
    db.session.commit()
    made = 0

    def grow(to: int) -> None:
        """Up to ``to`` more people: in the unit below, the manager's reports holding SLM 3 (so SLMO 3 through
        the crosswalk), every second one; the others elsewhere, at levels that match or not."""
        nonlocal made
        for i in range(made, to):
            if i % 2 == 0:
                p = make_person(f"Desk {i:03d}", manager=t.manager)
                p.org_unit = desk
                db.session.commit()
                hold(p, t.slm, 3)
            else:
                p = make_person(f"Away {i:03d}")
                p.org_unit = elsewhere
                db.session.commit()
                hold(p, t.slmo, 1 + i % 6)
                hold(p, t.slm, 1 + i % 4)
        made = to
        db.session.expire_all()

    def counted(actor, client) -> tuple[int, int, list[str]]:
        args = dict(skills=[t.slmo.id, t.slm.id], levels=[3, 2], unit_id=t.unit.id, via_crosswalks=True, nearly=True)
        first = finder.find(actor, finder.parse(actor, **args), limit=2)
        assert first.next, "a second page"
        second = []
        service = _statements(lambda: second.extend(finder.find(actor, finder.parse(actor, **args), cursor=first.next,
                                                                limit=2).items))
        url = (f"/finder/?skill_1={t.slmo.id}&level_1=3&skill_2={t.slm.id}&level_2=2&unit={t.unit.id}&nearly=1"
               f"&search=1&cursor={first.next}")
        page = []
        request = _statements(lambda: page.append(client.get(url)))
        assert page[0].status_code == 200
        return service, request, [(f.name, f.levels) for f in second]

    grow(8)
    small = {who: counted(actor, client) for who, actor, client in (("hr", t.hr, hr), ("manager", t.manager, manager))}
    assert small["hr"][2] == [("Desk 004", [(3, "SLM"), (3, None)]), ("Desk 006", [(3, "SLM"), (3, None)])]
    grow(80)
    large = {who: counted(actor, client) for who, actor, client in (("hr", t.hr, hr), ("manager", t.manager, manager))}
    assert large["hr"][2] == small["hr"][2] == large["manager"][2]
    assert {who: c[:2] for who, c in large.items()} == {who: c[:2] for who, c in small.items()}


def test_the_page_searches_and_keeps_what_was_asked(people, sign_in):
    t = people
    client = sign_in(t.hr)
    response = client.get(f"/finder/?skill_1={t.slmo.id}&level_1=4&search=1")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 people found" in text and "Sam Subject" in text and "Otto Outside" not in text
    assert t.sam.email in text  # HR sees contact details by default
    assert f'<option value="{t.slmo.id}" selected>' in text and 'value="4"' in text
    # a mistake is shown beside its input, with what was typed kept
    response = client.get(f"/finder/?skill_1={t.slmo.id}&level_1=12&search=1")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="level_1-error"' in text and 'value="12"' in text and "There is a problem" in text
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "finder.searched")).all()


def test_the_page_refuses_those_hr_has_not_given_the_finder(people, sign_in):
    t = people
    assert sign_in(t.sam).get("/finder/").status_code == 403
    assert sign_in(t.admin).get(f"/finder/?skill_1={t.slmo.id}&search=1").status_code == 403
    assert sign_in(t.manager).get("/finder/settings").status_code == 403


def test_hr_changes_the_settings_on_their_page(people, sign_in):
    t = people
    client = sign_in(t.hr)
    page = client.get("/finder/settings")
    assert page.status_code == 200 and "Skills finder settings" in page.get_data(as_text=True)
    response = client.post("/finder/settings", data={"reach_employee": "none", "reach_manager": "everyone",
                                                     "reach_learning": "none", "reach_hr": "everyone", "contact": ["hr"]})
    assert response.status_code == 302
    assert policy.finder_settings() == {"reach": {"employee": "none", "manager": "everyone", "learning": "none", "hr": "everyone"},
                                        "contact": ["hr"]}
    assert sign_in(t.learning).get("/finder/").status_code == 403
    assert sign_in(t.sam).get("/finder/").status_code == 403
    assert policy.finder_reach(t.manager) == "everyone"


def test_a_unit_that_is_not_a_number_is_refused_at_its_field(people):
    with pytest.raises(InvalidInput) as caught:
        finder.parse(people.hr, skills=[people.slmo.id], levels=[1], unit_id="\u00b2")
    assert list(caught.value.fields) == ["unit"]
