"""Campaigns: who is invited, what counts, completion per org unit and per
manager, reminders, closing and its frozen snapshot; revalidation: expiry
windows and starting again from the previous evidence."""
from __future__ import annotations

import io
import pathlib
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed
from skills_app.extensions import db
from skills_app.models import Assessment, AuditEvent, Evidence, Notification
from skills_app.policy import SYSTEM
from skills_app.services import gaps
from skills_app.services import assessments, campaigns, requirements, revalidation
from tests.pages import confirm

NOW = datetime.now(timezone.utc)
TODAY = NOW.date()


@pytest.fixture
def world(load_seed_frameworks, make_person):
    fw = load_seed_frameworks()
    slmo, slm = fw["SFIA"].skills[0], fw["SLM"].skills[0]
    role = requirements.save_job_role(SYSTEM, None, name="Service Desk Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    desk = requirements.save_service(SYSTEM, None, name="IT service desk", description=None)
    db.session.commit()
    hr = make_person("Hana HR", roles=("employee", "hr"), unit="Acme/People")
    mgr1 = make_person("Mona Manager", roles=("employee", "manager"), unit="Acme/IT")
    mgr2 = make_person("Max Manager", roles=("employee", "manager"), unit="Acme/IT")
    people = {}
    for name, unit, mgr in [("Ann", "Acme/IT/Service Desk", mgr1), ("Ben", "Acme/IT/Service Desk", mgr1),
                            ("Cat", "Acme/IT/Service Desk/Night", mgr1), ("Dan", "Acme/IT/Service Desk/Night", mgr2),
                            ("Eve", "Acme/IT/Service Desk", mgr2), ("Out", "Acme/IT/Infrastructure", mgr2)]:
        people[name] = make_person(name, manager=mgr, unit=unit)
    gone = make_person("Gone", manager=mgr1, unit="Acme/IT/Service Desk", active=False)
    for name in ("Ann", "Ben", "Cat", "Dan", "Eve"):
        requirements.assign(SYSTEM, people[name], job_roles=[role], services=[desk] if name in ("Ann", "Dan") else [])
    db.session.commit()
    return {"slmo": slmo, "slm": slm, "role": role, "desk": desk, "hr": hr, "mgr1": mgr1, "mgr2": mgr2,
            "gone": gone, **people}


def desk_campaign(world, *, opens=TODAY - timedelta(days=10), due=TODAY + timedelta(days=10), **criteria):
    unit = world["Ann"].org_unit  # Acme/IT/Service Desk
    criteria = criteria or {"org_unit": unit}
    c = campaigns.open_campaign(world["hr"], name="Desk 2026", skills=[world["slmo"], world["slm"]],
                                opens_on=opens, due_on=due, **criteria)
    db.session.commit()
    return c


def put(person, skill, status, *, created=None, submitted=None, claimed=3, validated=None, reviewer=None, decided=None):
    created = created or NOW - timedelta(days=2)
    a = Assessment(person_id=person.id, framework_id=skill.framework_id, skill_id=skill.id, claimed_level=claimed,
                   status=status, created_at=created, submitted_at=submitted,
                   validated_level=validated, reviewer_id=reviewer.id if reviewer else None,
                   decided_at=decided or (NOW - timedelta(days=1) if status in ("validated", "rejected") else None),
                   valid_until=(decided or NOW) + timedelta(days=700) if status == "validated" else None)
    db.session.add(a)
    db.session.commit()
    return a


def ids(select_stmt):
    return set(db.session.scalars(select_stmt))


# -- population ------------------------------------------------------------------

def test_population_by_org_unit_includes_units_below_and_only_active_people(world):
    c = desk_campaign(world)
    invited = ids(campaigns.population(c))
    assert invited == {world[n].id for n in ("Ann", "Ben", "Cat", "Dan", "Eve")}
    assert world["gone"].id not in invited and world["Out"].id not in invited
    # The model's rule (used by the policy) agrees with the SQL.
    for name in ("Ann", "Cat", "Out", "mgr1", "gone"):
        assert c.includes(world[name]) == (world[name].id in invited)


def test_population_by_job_role_and_service_combined(world):
    by_role = desk_campaign(world, job_role=world["role"])
    assert ids(campaigns.population(by_role)) == {world[n].id for n in ("Ann", "Ben", "Cat", "Dan", "Eve")}
    both = desk_campaign(world, job_role=world["role"], service=world["desk"])
    assert ids(campaigns.population(both)) == {world["Ann"].id, world["Dan"].id}
    night = desk_campaign(world, org_unit=world["Cat"].org_unit, service=world["desk"])
    assert ids(campaigns.population(night)) == {world["Dan"].id}


def test_opening_is_checked_and_told(world):
    with pytest.raises(InvalidInput) as error:
        campaigns.open_campaign(world["hr"], name=" ", skills=[], opens_on=TODAY, due_on=TODAY - timedelta(days=1))
    assert set(error.value.fields) == {"name", "skills", "population", "due_on"}
    with pytest.raises(InvalidInput, match="not a date"):
        campaigns.open_campaign(world["hr"], name="x", skills=[world["slmo"]], opens_on="31/12/2026", due_on=TODAY,
                                org_unit=world["Ann"].org_unit)
    db.session.rollback()
    c = desk_campaign(world)
    invites = db.session.scalars(select(Notification).where(Notification.message.contains("invited"))).all()
    assert {n.person_id for n in invites} == {world[n].id for n in ("Ann", "Ben", "Cat", "Dan", "Eve")}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.opened", AuditEvent.entity_id == c.id))


# -- what counts, and completion -------------------------------------------------------

@pytest.fixture
def progress_world(world):
    slmo, slm = world["slmo"], world["slm"]
    c = desk_campaign(world, due=TODAY + timedelta(days=5))
    before = NOW - timedelta(days=30)
    # Ann: both skills decided (one validated, one rejected) -> validated.
    put(world["Ann"], slmo, "validated", submitted=NOW - timedelta(days=3), validated=3, reviewer=world["mgr1"])
    put(world["Ann"], slm, "rejected", submitted=NOW - timedelta(days=3), reviewer=world["mgr1"])
    # Ben: both submitted -> submitted.
    put(world["Ben"], slmo, "submitted", submitted=NOW - timedelta(days=1))
    put(world["Ben"], slm, "submitted", submitted=NOW - timedelta(days=1))
    # Cat: one returned, nothing else -> draft.
    put(world["Cat"], slmo, "returned", submitted=NOW - timedelta(days=1))
    # Dan: only work from before the campaign, and of no campaign skill -> not started.
    put(world["Dan"], slmo, "validated", created=before, submitted=before, validated=3, decided=before)
    # Eve: one submitted of two -> partly submitted (its own state, never "Draft").
    put(world["Eve"], slmo, "submitted", submitted=NOW - timedelta(days=1))
    # Out is not invited: their work does not count anywhere.
    put(world["Out"], slmo, "submitted", submitted=NOW)
    return c


def test_completion_counts_per_unit_and_per_manager(world, progress_world):
    done = campaigns.completion(world["hr"], progress_world)
    assert done.total == {"people": 5, "not_started": 1, "draft": 1, "partly_submitted": 1, "submitted": 1, "validated": 1,
                          "overdue": 0, "done": 40}
    by_unit = {r["group"]: {k: r[k] for k in ("people", "not_started", "draft", "partly_submitted", "submitted", "validated")}
               for r in done.by_unit}
    assert by_unit == {
        "Acme/IT/Service Desk": {"people": 3, "not_started": 0, "draft": 0, "partly_submitted": 1, "submitted": 1, "validated": 1},
        "Acme/IT/Service Desk/Night": {"people": 2, "not_started": 1, "draft": 1, "partly_submitted": 0, "submitted": 0,
                                       "validated": 0},
    }
    by_manager = {r["group"]: (r["people"], r["not_started"], r["draft"], r["partly_submitted"], r["submitted"], r["validated"])
                  for r in done.by_manager}
    assert by_manager == {"Mona Manager": (3, 0, 1, 0, 1, 1), "Max Manager": (2, 1, 0, 1, 0, 0)}
    people = {p["person"]: p["progress"] for p in campaigns.people(world["hr"], progress_world)}
    assert people == {"Ann": "validated", "Ben": "submitted", "Cat": "draft", "Dan": "not_started", "Eve": "partly_submitted"}
    # The person's own view says the same.
    parts = campaigns.my_part(world["Eve"], progress_world)
    assert [(p.skill.code, p.stage) for p in parts] == [("SLM", "not_started"), ("SLMO", "submitted")]
    assert campaigns.person_progress(progress_world, parts) == "partly_submitted"


def test_after_the_due_date_those_not_submitted_are_overdue(world, progress_world):
    later = progress_world.due_on + timedelta(days=1)
    done = campaigns.completion(world["hr"], progress_world, on=later)
    assert (done.total["overdue"], done.total["not_started"], done.total["draft"]) == (3, 0, 0)
    assert (done.total["submitted"], done.total["validated"]) == (1, 1)


def test_completion_is_counted_in_a_fixed_number_of_statements(world, progress_world, make_person):
    from sqlalchemy import event

    def count_statements():
        n = {"n": 0}

        def on(*_args, **_kw):
            n["n"] += 1

        event.listen(db.engine, "before_cursor_execute", on)
        campaigns.completion(world["hr"], progress_world)
        event.remove(db.engine, "before_cursor_execute", on)
        return n["n"]

    first = count_statements()
    for i in range(6):
        make_person(f"Extra {i}", manager=world["mgr2"], unit="Acme/IT/Service Desk")
    assert count_statements() == first


def test_an_overlapping_campaign_is_opened_with_a_warning_naming_the_other(world, progress_world, client, auth):
    night = campaigns.open_campaign(world["hr"], name="Night shift", skills=[world["slmo"]], opens_on=TODAY - timedelta(days=1),
                                    due_on=TODAY + timedelta(days=30), org_unit=world["Cat"].org_unit)
    db.session.commit()
    [overlap] = night.overlaps
    assert (overlap.other.name, [s.code for s in overlap.skills], overlap.people) == ("Desk 2026", ["SLMO"], 2)
    assert "overlaps with the open campaign 'Desk 2026'" in overlap.sentence() and "2 people are asked for SLMO" in overlap.sentence()
    opened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.opened", AuditEvent.entity_id == night.id))
    assert opened.data["overlaps"] == [{"campaign_id": progress_world.id, "people": 2, "skills": [world["slmo"].id]}]
    # No overlap: another skill, or nobody in common.
    other = campaigns.open_campaign(world["hr"], name="Infra", skills=[world["slmo"]], opens_on=TODAY, due_on=TODAY,
                                    org_unit=world["Out"].org_unit)
    assert other.overlaps == []
    # Through the form: opened, with the warning; and on the campaign's page while both are open.
    auth.login(world["hr"].email)
    done = client.post("/campaigns/new", data={"name": "Desk again", "skills": [str(world["slm"].id)],
                                               "org_unit": str(world["Ann"].org_unit.id), "job_role": "0", "service": "0",
                                               "opens_on": TODAY.isoformat(), "due_on": TODAY.isoformat()}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Opened the campaign &#39;Desk again&#39;" in text
    assert "Warning: It overlaps with the open campaign &#39;Desk 2026&#39;" in text
    assert "5 people are asked for SLM by both" in text


def test_work_from_before_a_campaign_was_opened_does_not_count(world):
    slmo = world["slmo"]
    put(world["Ann"], slmo, "submitted", created=NOW - timedelta(minutes=30), submitted=NOW - timedelta(minutes=20))
    c = campaigns.open_campaign(world["hr"], name="Today", skills=[slmo], opens_on=TODAY, due_on=TODAY + timedelta(days=7),
                                org_unit=world["Ann"].org_unit)
    db.session.commit()
    if campaigns.window_start(c) <= NOW - timedelta(minutes=20):
        pytest.skip("the test ran just after midnight in the organisation's time zone")
    people = {p["person"]: p["progress"] for p in campaigns.people(world["hr"], c)}
    assert people["Ann"] == "not_started"
    put(world["Ben"], slmo, "submitted", created=datetime.now(timezone.utc) + timedelta(seconds=1),
        submitted=datetime.now(timezone.utc) + timedelta(seconds=2))
    people = {p["person"]: p["progress"] for p in campaigns.people(world["hr"], c)}
    assert people["Ben"] == "submitted"


def test_overlapping_campaigns_are_one_card_with_each_skill_once(world, progress_world):
    night = campaigns.open_campaign(world["hr"], name="Night shift", skills=[world["slmo"]], opens_on=TODAY - timedelta(days=1),
                                    due_on=TODAY + timedelta(days=2), org_unit=world["Cat"].org_unit)
    db.session.commit()
    [card] = campaigns.dashboard_cards(world["Cat"])
    assert [c.name for c in card.campaigns] == ["Night shift", "Desk 2026"]  # the one due first leads
    assert [(p.skill.code, p.stage) for p in card.parts] == [("SLM", "not_started"), ("SLMO", "draft")]
    [ann_card] = campaigns.dashboard_cards(world["Ann"])  # not invited to the night shift's
    assert ann_card.also == [] and ann_card.progress == "validated"
    assert night.id != progress_world.id


# -- reminders ------------------------------------------------------------------------------

def test_reminders_go_to_those_behind_and_to_managers_with_a_queue(world, progress_world):
    db.session.execute(Notification.__table__.delete())
    sent = campaigns.remind(world["hr"], progress_world)
    db.session.commit()
    notes = db.session.scalars(select(Notification)).all()
    reminded = {n.person_id for n in notes if n.message.startswith("Reminder")}
    assert reminded == {world["Cat"].id, world["Dan"].id, world["Eve"].id}
    queues = {n.person_id: n.message for n in notes if "wait" in n.message}
    # Mona has Ben's two submissions waiting; Max has Eve's one. Out's is not a campaign one.
    assert set(queues) == {world["mgr1"].id, world["mgr2"].id}
    assert queues[world["mgr1"].id].startswith("2 self-assessments")
    assert queues[world["mgr2"].id].startswith("1 self-assessment ")
    assert (sent.people, sent.managers) == (3, 2)
    assert progress_world.last_reminded_at is not None


def test_nobody_is_reminded_twice_within_the_cooldown(world, progress_world, app, monkeypatch):
    db.session.execute(Notification.__table__.delete())
    first = campaigns.remind(world["hr"], progress_world)
    db.session.commit()
    again = campaigns.remind(world["hr"], progress_world)  # the same minute: a second press, or cron and a person
    db.session.commit()
    assert (first.people, first.managers, first.skipped) == (3, 2, 0)
    assert (again.people, again.managers, again.skipped, again.cooldown_days) == (0, 0, 5, 3)
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5
    # Three days on, they are reminded again; a cooldown of 0 days reminds at every run.
    in_three_days = datetime.now(timezone.utc) + timedelta(days=3, minutes=1)
    later = campaigns.remind(world["hr"], progress_world, now=in_three_days)
    assert (later.people, later.managers) == (3, 2)
    monkeypatch.setitem(app.config, "REMINDER_COOLDOWN_DAYS", 0)
    assert campaigns.remind(world["hr"], progress_world, now=in_three_days + timedelta(minutes=1)).people == 3
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.reminded")
                               .order_by(AuditEvent.id)).all()[1]
    assert "left alone (reminded within 3 days)" in event.summary and len(event.data["skipped"]) == 5


def test_closing_and_reminding_are_refused_without_their_confirmation(world, progress_world, client, auth):
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    auth.login(world["hr"].email)
    asked = client.post(f"/campaigns/{progress_world.id}/remind")
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Send reminders for Desk 2026?" in text
    assert "Sends a reminder to 3 people behind" in text and "Sends a reminder to 2 managers" in text
    assert 'name="confirmed" value="yes"' in text
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    done = confirm(client, asked, follow_redirects=True)
    assert "Reminded 3 people behind and 2 managers" in done.get_data(as_text=True)
    twice = client.post(f"/campaigns/{progress_world.id}/remind")
    twice = twice.get_data(as_text=True)
    assert "Sends a reminder to 0 people behind" in twice and "Leaves 5 people alone" in twice

    asked = client.post(f"/campaigns/{progress_world.id}/close")
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Freezes the results of 5 people in 2 skills" in text
    assert "3 people have not submitted every skill" in text
    db.session.expire_all()
    assert progress_world.is_open
    closed = confirm(client, asked)
    assert closed.status_code == 302
    db.session.expire_all()
    assert not progress_world.is_open


def test_remind_command_and_closed_campaigns(world, progress_world, runner):
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["campaigns", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminded 3 people behind and 2 managers" in result.output and "Desk 2026 (#" in result.output
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5
    campaigns.close(world["hr"], progress_world)
    db.session.commit()
    with pytest.raises(InvalidState):
        campaigns.remind(world["hr"], progress_world)
    result = runner.invoke(args=["campaigns", "remind", "--campaign", "999"])
    assert result.exit_code != 0 and "no campaign 999" in result.output


def test_send_reminders_for_cron_respects_the_cooldown_and_says_what_it_did(world, progress_world, runner):
    from skills_app.models import CampaignReminder

    db.session.execute(Notification.__table__.delete())
    db.session.commit()

    def notes():
        return db.session.scalar(select(func.count()).select_from(Notification))

    dry = runner.invoke(args=["campaigns", "send-reminders", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remind 3 people behind and 2 managers" in dry.output
    assert "Dry run: would send 5 reminders for 1 campaign." in dry.output
    assert notes() == 0 and db.session.scalar(select(func.count()).select_from(CampaignReminder)) == 0

    sent = runner.invoke(args=["campaigns", "send-reminders"])
    assert sent.exit_code == 0 and "Sent 5 reminders for 1 campaign." in sent.output
    assert notes() == 5

    # Run again at once (cron twice, or the button and the command): nobody is reminded twice.
    again = runner.invoke(args=["campaigns", "send-reminders"])
    assert again.exit_code == 0, again.output
    assert "Sent 0 reminders for 1 campaign; 5 people left alone within the cooldown." in again.output
    assert notes() == 5

    # Once the cooldown (3 days) has passed, they are reminded again.
    for row in db.session.scalars(select(CampaignReminder)):
        row.sent_at = row.sent_at - timedelta(days=3, minutes=1)
    db.session.commit()
    later = runner.invoke(args=["campaigns", "send-reminders"])
    assert "Sent 5 reminders" in later.output and notes() == 10


# -- closing ----------------------------------------------------------------------------------

def test_closing_freezes_a_snapshot_that_later_changes_do_not_alter(world, progress_world):
    rows = campaigns.close(world["hr"], progress_world)
    db.session.commit()
    snapshot = {(r.person_name, r.skill, r.job_role): (r.required_level, r.current_level, r.self_level, r.gap_status, r.progress)
                for r in campaigns.results(world["hr"], progress_world)}
    assert rows == len(snapshot) == 10  # 5 people × 2 skills; SLMO is required by one role each
    assert snapshot[("Ann", "SLMO", "Service Desk Analyst")] == (3, 3, 3, "met", "validated")
    assert snapshot[("Ann", "SLM", None)] == (None, None, 3, None, "rejected")  # a rejection is never "validated"
    assert snapshot[("Ben", "SLMO", "Service Desk Analyst")] == (3, None, 3, "awaiting_review", "submitted")
    assert snapshot[("Dan", "SLMO", "Service Desk Analyst")] == (3, 3, 3, "met", "not_started")
    assert snapshot[("Cat", "SLMO", "Service Desk Analyst")][3:] == ("not_assessed", "draft")
    before = sorted(snapshot.items())

    # Later: Ben is validated, Cat is renamed, a new person joins the unit.
    ben = db.session.scalar(select(Assessment).where(Assessment.person_id == world["Ben"].id, Assessment.skill_id == world["slmo"].id))
    assessments.decide(world["mgr1"], ben, outcome="approve", comment=None)
    world["Cat"].name = "Catherine"
    db.session.commit()
    after = {(r.person_name, r.skill, r.job_role): (r.required_level, r.current_level, r.self_level, r.gap_status, r.progress)
             for r in campaigns.results(world["hr"], progress_world)}
    assert sorted(after.items()) == before
    # Completion of a closed campaign is computed as of its closing.
    assert campaigns.completion(world["hr"], progress_world).total["submitted"] == 1
    with pytest.raises(InvalidState, match="already closed"):
        campaigns.close(world["hr"], progress_world)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.closed"))


# -- pages --------------------------------------------------------------------------------------

def test_hr_opens_a_campaign_through_the_form_and_errors_show_beside_fields(world, client, auth):
    auth.login(world["hr"])
    page = client.get("/campaigns/new").get_data(as_text=True)
    for label in ("Campaign name", "Skills to assess", "Org unit (and the units below it)", "Job role", "Service", "Opens on", "Due on"):
        assert f">{label}</label>" in page
    bad = client.post("/campaigns/new", data={"name": "Desk", "skills": [world["slmo"].id], "org_unit": 0, "job_role": 0,
                                              "service": 0, "opens_on": "2026-05-01", "due_on": "2026-04-01"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Choose who is invited" in body and "is before the opening date" in body
    good = client.post("/campaigns/new", data={"name": "Desk", "skills": [world["slmo"].id], "org_unit": world["Ann"].org_unit_id,
                                               "job_role": 0, "service": 0, "opens_on": TODAY.isoformat(),
                                               "due_on": (TODAY + timedelta(days=7)).isoformat()})
    assert good.status_code == 302
    show = client.get(good.location).get_data(as_text=True)
    assert "Ann" in show and "Out" not in show.split("People</h2>")[1]
    assert client.get(good.location.rstrip("/") + "/export?format=csv").get_data(as_text=True).count("\n") == 6
    # An invited person sees the campaign on their dashboard and only their own part.
    auth.logout()
    auth.login(world["Ann"])
    dash = client.get("/").get_data(as_text=True)
    assert "Campaign: Desk" in dash and "Self-assess SLMO" in dash
    mine = client.get(good.location).get_data(as_text=True)
    assert "Ben" not in mine
    auth.logout()
    auth.login(world["Out"])
    assert "Campaign: Desk" not in client.get("/").get_data(as_text=True)
    assert client.get(good.location).status_code == 404


# -- revalidation -------------------------------------------------------------------------------

def test_expiry_windows(world):
    slmo, slm = world["slmo"], world["slm"]
    soon = put(world["Ann"], slmo, "validated", validated=3, reviewer=world["mgr1"])
    soon.valid_until = NOW + timedelta(days=20)
    later = put(world["Ben"], slmo, "validated", validated=3, reviewer=world["mgr1"])
    later.valid_until = NOW + timedelta(days=80)
    far = put(world["Dan"], slmo, "validated", validated=3, reviewer=world["mgr2"])
    far.valid_until = NOW + timedelta(days=200)
    gone = put(world["Eve"], slm, "validated", validated=3, reviewer=world["mgr2"])
    gone.valid_until = NOW - timedelta(days=1)
    db.session.commit()
    assert [r["person"] for r in revalidation.expiring(world["hr"], days=30)] == ["Ann"]
    assert [r["person"] for r in revalidation.expiring(world["hr"])] == ["Ann", "Ben"]
    assert [r["person"] for r in revalidation.expiring(world["hr"], days=365)] == ["Ann", "Ben", "Dan"]
    # A manager sees their own reports only; a person, themself.
    assert [r["person"] for r in revalidation.expiring(world["mgr2"], days=365)] == ["Dan"]
    assert [r["days_left"] for r in revalidation.expiring(world["Ann"], person=world["Ann"])] == [19]
    with pytest.raises(InvalidInput, match="between 1 and 730"):
        revalidation.expiring(world["hr"], days=0)
    with pytest.raises(InvalidInput, match="whole number"):
        revalidation.clean_days("soon")
    # The expired one shows as expired in the gap report, never as met or silently 0.
    df = gaps.frame(world["hr"])
    eve = df[(df["person_id"] == world["Eve"].id) & (df["skill"] == "SLMO")]
    assert list(eve["status"]) == ["not_assessed"]
    row = next(r for r in assessments.skill_rows(world["Eve"], world["Eve"]) if r.skill.code == "SLM")
    assert row.status == "Expired" and row.current is None


def test_expired_requirement_shows_as_expired_in_reports(world, client, auth):
    a = put(world["Ann"], world["slmo"], "validated", validated=4, reviewer=world["mgr1"])
    a.valid_until = NOW - timedelta(days=3)
    db.session.commit()
    df = gaps.frame(world["hr"])
    assert list(df[df["person_id"] == world["Ann"].id]["status"]) == ["expired"]
    auth.login(world["hr"])
    csv = client.get("/revalidation?days=30&format=csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("person_id,person,email")
    assert "Ann" not in csv  # expired already: no longer "expiring"


def test_a_gap_row_offers_its_next_step(world, client, auth, make_person):
    a = put(world["Ann"], world["slmo"], "validated", validated=2, reviewer=world["mgr1"])  # below the role's 3
    db.session.commit()
    auth.login(world["hr"])
    page = client.get("/reports/gaps").get_data(as_text=True)
    assert f'skill_id={world["slmo"].id}' in page and "Propose a training plan<span class=\"visually-hidden\"> for Ann" in page
    assert "Ask to assess in a new campaign<span class=\"visually-hidden\">: Ben" in page  # not assessed
    # The campaign form opens with the skill and the person's org unit chosen.
    form = client.get(f"/campaigns/new?skill_id={world['slmo'].id}&person_id={world['Ben'].id}").get_data(as_text=True)
    assert f'<option selected value="{world["slmo"].id}">' in form or f'value="{world["slmo"].id}" selected' in form
    assert f'value="{world["Ben"].org_unit_id}" selected' in form or f'<option selected value="{world["Ben"].org_unit_id}">' in form
    plan = client.get(f"/learning/plans/new?skill_id={world['slmo'].id}&to_level=3&from_level=2&person_id={world['Ann'].id}")
    assert plan.status_code == 200 and "Ann" in plan.get_data(as_text=True)
    # Those who may not act see no such step.
    auth.logout()
    auth.login(world["mgr1"])
    assert "Propose a training plan" not in client.get("/team").get_data(as_text=True)
    assert a.id


def test_revalidation_starts_from_the_previous_ratings_and_evidence(world, app, client, auth):
    ann, slmo = world["Ann"], world["slmo"]
    a = assessments.start(ann, slmo, 3)
    descriptors = assessments.descriptors_in_view(a)
    assessments.save_draft(ann, a, claimed_level=3, ratings={d.id: "met" for d in descriptors})
    claimed = assessments.claimed_descriptors(a)
    file_ev = assessments.add_evidence(ann, a, descriptor_ids=[claimed[0].id], filename="sla.txt",
                                       stream=io.BytesIO(b"my monthly SLA report"))
    assessments.add_evidence(ann, a, descriptor_ids=[claimed[1].id], url="https://wiki.example.org/sla")
    assessments.save_draft(ann, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
    assessments.submit(ann, a)
    assessments.decide(world["mgr1"], a, outcome="approve", comment=None)
    db.session.commit()
    uploads = sorted(p.name for p in pathlib.Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())

    with pytest.raises(NotAllowed):
        revalidation.revalidate(world["mgr1"], a)  # not theirs
    new = revalidation.revalidate(ann, a)
    db.session.commit()
    assert new.status == "draft" and new.claimed_level == 3 and new.id != a.id
    assert {(r.descriptor_id, r.rating) for r in new.ratings} == {(d.id, "met") for d in descriptors}
    copied = sorted(new.evidence, key=lambda e: e.id)
    assert [(e.kind, e.copied_from_id) for e in copied] == [("file", file_ev.id), ("link", file_ev.id + 1)]
    assert copied[0].stored_name == file_ev.stored_name and copied[0].sha256 == file_ev.sha256
    assert [d.id for d in copied[0].descriptors] == [claimed[0].id]
    # No file bytes were duplicated, and the copy downloads.
    assert sorted(p.name for p in pathlib.Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()) == uploads
    auth.login(ann)
    download = client.get(f"/evidence/{copied[0].id}/file")
    assert download.status_code == 200 and download.get_data() == b"my monthly SLA report"
    page = client.get(f"/assessments/{new.id}").get_data(as_text=True)
    assert "Carried over from your previous assessment" in page
    # A second revalidation while this one is open is refused, pointing at it.
    with pytest.raises(Conflict) as error:
        revalidation.revalidate(ann, a)
    assert error.value.details["assessment_id"] == new.id
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == new.id, AuditEvent.entity_type == "assessment")).all()
    assert "assessment.revalidation_started" in events
    # Removing a carried-over piece leaves the original's file in place.
    assessments.remove_evidence(ann, new, copied[0].id)
    db.session.commit()
    assert db.session.get(Evidence, file_ev.id).stored_name == file_ev.stored_name
