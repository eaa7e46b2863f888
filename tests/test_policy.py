"""``policy.can()`` asked directly, with no HTTP: every rule, yes and no.

The access matrix (tests/test_access_matrix.py) checks who reaches which page,
but a page always passes the signed-in user and the objects its URL names, so
some answers of the policy are never asked there: a deactivated person, another
person's API tokens, HR's own assessment, a training enrolment of someone outside
the manager's team in a plan shared with their own people. This table asks them.

Every rule has at least one row that must say yes and one that must say no, so
a rule that always refuses fails as surely as one that always allows; and the
person of every "yes" row is refused everything once deactivated.

The people are plain model objects (no database): the policy reads only their
ids, roles, line managers, org units and the assessment / enrolment / plan /
campaign they are asked about.

    Dana Director (manager)                      Olga Other (manager)
      └── Manny Manager (manager)                  └── Otto Outside (employee, Acme/ITSM)
            ├── Sam Subject (employee, Acme/IT)
            └── Pat Peer (employee)
    Lee Lead (employee, no manager role) └── Rita Report
    Hana HR (hr), Hugo HR (hr), Lars Learning (learning), Ada Admin (admin)
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from skills_app import policy
from skills_app.extensions import db
from skills_app.errors import NotAllowed, NotFound
from skills_app.models import AppSetting, Assessment, Campaign, Goal, OrgUnit, Person, TrainingPlan
from skills_app.policy import PROVISIONING, RULES, SYSTEM, ProvisioningActor, can


def build_world() -> SimpleNamespace:
    it = OrgUnit(id=1, path="Acme/IT", name="IT")
    itsm = OrgUnit(id=2, path="Acme/ITSM", name="ITSM")
    ids = iter(range(1, 1000))

    def person(name, roles=("employee",), manager=None, unit=None):
        p = Person(id=next(ids), name=name, email=f"{name.split()[0].lower()}@example.test", active=True)
        p.set_roles(roles)
        if manager is not None:
            p.manager = manager
            p.manager_id = manager.id
        if unit is not None:
            p.org_unit = unit
            p.org_unit_id = unit.id
        return p

    w = SimpleNamespace()
    w.director = person("Dana Director", ("employee", "manager"))
    w.manny = person("Manny Manager", ("employee", "manager"), manager=w.director)
    w.sam = person("Sam Subject", manager=w.manny, unit=it)
    w.pat = person("Pat Peer", manager=w.manny)
    w.olga = person("Olga Other", ("employee", "manager"), manager=w.director)
    w.otto = person("Otto Outside", manager=w.olga, unit=itsm)
    w.lee = person("Lee Lead")
    w.rita = person("Rita Report", manager=w.lee)
    w.hana = person("Hana HR", ("employee", "hr"), manager=w.director)
    w.hugo = person("Hugo HR", ("employee", "hr"))
    w.lars = person("Lars Learning", ("employee", "learning"))
    w.ada = person("Ada Admin", ("employee", "admin"))
    w.anonymous = AnonymousUserMixin()
    w.system = SYSTEM
    w.none = None

    def assessment(of, reviewer=None):
        return Assessment(id=next(ids), person=of, person_id=of.id, status="submitted",
                          assigned_reviewer_id=reviewer.id if reviewer else None)

    w.a_sam = assessment(w.sam)
    # An item of Sam's evidence library (services/evidence_library.py).
    from skills_app.models import EvidenceItem

    w.item_sam = EvidenceItem(id=next(ids), person=w.sam, person_id=w.sam.id, kind="text", title="SLA report")
    # HR gave Sam's review to Olga (services/service_levels.reassign).
    w.a_sam_to_olga = assessment(w.sam, reviewer=w.olga)
    w.a_hana = assessment(w.hana)
    # HR's own assessment given to HR themself: still their own.
    w.a_hana_to_hana = assessment(w.hana, reviewer=w.hana)
    # Sam asked Otto (another team) to endorse their assessment; Otto's answer, once given, closes it to Otto.
    from skills_app.models import Endorsement

    w.endorse_sam = Endorsement(id=next(ids), assessment=w.a_sam, endorser=w.otto, endorser_id=w.otto.id, status="requested")
    w.endorsed_sam = Endorsement(id=next(ids), assessment=w.a_sam, endorser=w.otto, endorser_id=w.otto.id, status="answered")

    def plan(*people):
        p = TrainingPlan(id=next(ids), name="Plan", skill_id=1, target_level=3)
        for someone in people:
            p.enrolments.append(Goal(id=next(ids), person=someone, person_id=someone.id, plan_id=p.id, state="agreed",
                                     skill_id=1, target_level=3))
        return p

    # A plan shared by Manny's report Sam and Olga's report Otto.
    w.shared_plan = plan(w.sam, w.otto)
    w.e_sam, w.e_otto = w.shared_plan.enrolments
    w.otto_plan = plan(w.otto)

    # Goals of personal development plans (services/plans.py): Sam's, and HR's own.
    def goal(of):
        return Goal(id=next(ids), person=of, person_id=of.id, plan_id=None, state="proposed", skill_id=1, target_level=4)

    w.g_sam = goal(w.sam)
    w.g_hana = goal(w.hana)

    # Invites Acme/IT and below: Sam, not Otto (Acme/ITSM is a sibling, not a child).
    w.campaign = Campaign(id=next(ids), name="IT", org_unit=it, org_unit_id=it.id, org_unit_path=it.path, status="open")
    # A background job Sam started (services/jobs.py): its page and file are Sam's.
    w.job_sam = SimpleNamespace(owner_id=w.sam.id)
    # A scheduled job, started by no one.
    w.job_scheduled = SimpleNamespace(owner_id=None)
    return w


# (actor, permission, object, expected). Actors and objects are names in build_world().
ROWS = [
    ("sam", "view_frameworks", None, True),
    ("system", "view_frameworks", None, True),
    ("anonymous", "view_frameworks", None, False),

    ("hana", "manage_frameworks", None, True),
    ("ada", "manage_frameworks", None, True),
    ("manny", "manage_frameworks", None, False),
    ("lars", "manage_frameworks", None, False),

    ("manny", "browse_people", None, True),
    ("lee", "browse_people", None, True),  # has a report, no manager role
    ("hana", "browse_people", None, True),
    ("sam", "browse_people", None, False),
    ("anonymous", "browse_people", None, False),

    ("sam", "view_person", "sam", True),
    ("manny", "view_person", "sam", True),
    ("director", "view_person", "sam", True),  # further up the line
    ("ada", "view_person", "sam", True),
    ("pat", "view_person", "sam", False),
    ("olga", "view_person", "sam", False),
    ("sam", "view_person", "manny", False),
    ("anonymous", "view_person", "sam", False),
    ("manny", "view_person", "none", False),

    ("sam", "view_person_skills", "sam", True),
    ("director", "view_person_skills", "sam", True),
    ("lars", "view_person_skills", "sam", True),
    ("ada", "view_person_skills", "sam", False),  # not the administrator's business
    ("pat", "view_person_skills", "sam", False),
    ("olga", "view_person_skills", "sam", False),

    ("ada", "manage_accounts", None, True),
    ("hana", "manage_accounts", None, False),

    ("ada", "edit_account", "sam", True),
    ("hana", "edit_account", "sam", False),
    ("sam", "edit_account", "sam", False),

    ("hana", "manage_org_units", None, True),
    ("sam", "manage_org_units", None, False),

    ("ada", "import_people", None, True),
    ("manny", "import_people", None, False),

    ("hana", "erase_person", "sam", True),
    ("ada", "erase_person", "sam", False),

    ("ada", "view_audit", None, True),
    ("lars", "view_audit", None, False),

    ("sam", "manage_tokens", "sam", True),
    ("system", "manage_tokens", "sam", True),
    ("ada", "manage_tokens", "sam", False),  # another person's tokens: not even an admin
    ("hana", "manage_tokens", "sam", False),
    ("manny", "manage_tokens", "sam", False),
    ("sam", "manage_tokens", "pat", False),
    ("sam", "manage_tokens", "none", False),

    ("ada", "manage_identity", None, True),
    ("hana", "manage_identity", None, False),

    ("sam", "change_own_password", None, True),
    ("system", "change_own_password", None, False),
    ("anonymous", "change_own_password", None, False),

    ("sam", "manage_own_sessions", None, True),
    ("anonymous", "manage_own_sessions", None, False),

    ("sam", "view_assessment", "a_sam", True),
    ("manny", "view_assessment", "a_sam", True),
    ("hana", "view_assessment", "a_sam", True),
    ("pat", "view_assessment", "a_sam", False),
    ("ada", "view_assessment", "a_sam", False),
    ("sam", "view_assessment", "none", False),

    ("sam", "edit_assessment", "a_sam", True),
    ("manny", "edit_assessment", "a_sam", False),
    ("hana", "edit_assessment", "a_sam", False),
    ("sam", "edit_assessment", "none", False),

    ("sam", "start_assessment", "sam", True),
    # The evidence library: its owner's alone; reviewers and HR see items only through an assessment.
    ("sam", "manage_evidence_library", "sam", True),
    ("manny", "manage_evidence_library", "sam", False),
    ("hana", "manage_evidence_library", "sam", False),
    ("ada", "manage_evidence_library", "sam", False),
    ("system", "manage_evidence_library", "sam", False),
    ("anonymous", "manage_evidence_library", "sam", False),
    ("sam", "manage_evidence_item", "item_sam", True),
    ("pat", "manage_evidence_item", "item_sam", False),
    ("manny", "manage_evidence_item", "item_sam", False),
    ("director", "manage_evidence_item", "item_sam", False),
    ("hana", "manage_evidence_item", "item_sam", False),
    ("ada", "manage_evidence_item", "item_sam", False),
    ("anonymous", "manage_evidence_item", "item_sam", False),
    ("manny", "start_assessment", "sam", False),
    ("hana", "start_assessment", "sam", False),

    ("manny", "decide_assessment", "a_sam", True),  # the direct line manager
    ("hana", "decide_assessment", "a_sam", True),
    ("system", "decide_assessment", "a_sam", True),
    ("director", "decide_assessment", "a_sam", False),  # not the direct manager
    ("sam", "decide_assessment", "a_sam", False),  # one's own
    ("pat", "decide_assessment", "a_sam", False),
    ("olga", "decide_assessment", "a_sam", False),
    ("olga", "decide_assessment", "a_sam_to_olga", True),  # reassigned to Olga
    ("manny", "decide_assessment", "a_sam_to_olga", False),  # ... so no longer Manny
    ("hana", "decide_assessment", "a_sam_to_olga", True),
    ("hugo", "decide_assessment", "a_hana", True),  # another HR person decides HR's own
    ("director", "decide_assessment", "a_hana", True),  # as does their line manager
    ("hana", "decide_assessment", "a_hana", False),  # HR never decides their own
    ("hana", "decide_assessment", "a_hana_to_hana", False),  # not even when it was given to them
    ("manny", "decide_assessment", "none", False),

    ("manny", "review_queue", None, True),
    ("lee", "review_queue", None, True),
    ("hana", "review_queue", None, True),
    ("sam", "review_queue", None, False),
    ("ada", "review_queue", None, False),

    ("hana", "view_service_levels", None, True),
    ("manny", "view_service_levels", None, False),
    ("ada", "view_service_levels", None, False),
    ("hana", "manage_service_levels", None, True),
    ("ada", "manage_service_levels", None, False),
    ("hana", "run_service_level_checks", None, True),
    ("manny", "run_service_level_checks", None, False),

    ("hana", "reassign_review", "a_sam", True),
    ("system", "reassign_review", "a_sam", True),
    ("manny", "reassign_review", "a_sam", False),
    ("ada", "reassign_review", "a_sam", False),
    ("hugo", "reassign_review", "a_hana", True),
    ("hana", "reassign_review", "a_hana", False),  # HR never reassigns their own
    ("hana", "reassign_review", "none", False),

    ("sam", "view_escalations", None, True),
    ("anonymous", "view_escalations", None, False),
    ("sam", "view_notifications", None, True),
    ("anonymous", "view_notifications", None, False),

    ("ada", "manage_requirements", None, True),
    ("hana", "manage_requirements", None, True),
    ("lars", "manage_requirements", None, False),
    ("sam", "view_requirements", None, True),
    ("anonymous", "view_requirements", None, False),
    ("lars", "view_gap_reports", None, True),
    ("hana", "view_gap_reports", None, True),
    ("manny", "view_gap_reports", None, False),
    ("ada", "view_gap_reports", None, False),

    ("manny", "view_team_matrix", None, True),
    ("lee", "view_team_matrix", None, True),
    ("hana", "view_team_matrix", None, True),
    ("lars", "view_team_matrix", None, False),
    ("sam", "view_team_matrix", None, False),

    ("lars", "manage_learning", None, True),
    ("hana", "manage_learning", None, True),
    ("manny", "manage_learning", None, False),
    ("sam", "view_learning", None, True),
    ("anonymous", "view_learning", None, False),

    ("manny", "complete_training", "e_sam", True),  # his own report, in the shared plan
    ("director", "complete_training", "e_sam", True),
    ("lars", "complete_training", "e_sam", True),
    ("hana", "complete_training", "e_sam", True),
    ("manny", "complete_training", "e_otto", False),  # same plan, someone outside his team
    ("olga", "complete_training", "e_otto", True),
    ("olga", "complete_training", "e_sam", False),
    ("sam", "complete_training", "e_sam", False),
    ("otto", "complete_training", "e_sam", False),  # a fellow participant
    ("ada", "complete_training", "e_sam", False),
    ("manny", "complete_training", "none", False),

    # Development plans: the person, their line managers up the line, and HR; not the learning team
    # (it sees cohort goals on its training plans), not the administrator, not a peer.
    ("sam", "view_plan", "sam", True),
    ("manny", "view_plan", "sam", True),
    ("director", "view_plan", "sam", True),
    ("hana", "view_plan", "sam", True),
    ("system", "view_plan", "sam", True),
    ("lars", "view_plan", "sam", False),
    ("ada", "view_plan", "sam", False),
    ("pat", "view_plan", "sam", False),
    ("olga", "view_plan", "sam", False),
    ("anonymous", "view_plan", "sam", False),
    ("manny", "view_plan", "none", False),

    ("sam", "view_goal", "g_sam", True),
    ("manny", "view_goal", "g_sam", True),
    ("hana", "view_goal", "g_sam", True),
    ("lars", "view_goal", "g_sam", False),
    ("pat", "view_goal", "g_sam", False),
    ("olga", "view_goal", "g_sam", False),
    ("lars", "view_goal", "e_sam", True),   # a cohort goal: seen on its training plan, as before
    ("otto", "view_goal", "e_sam", True),   # a fellow participant sees the plan's list, as before
    ("pat", "view_goal", "e_sam", False),
    ("manny", "view_goal", "none", False),

    ("sam", "propose_goal", "sam", True),
    ("manny", "propose_goal", "sam", False),
    ("hana", "propose_goal", "sam", False),
    ("system", "propose_goal", "sam", False),

    ("sam", "edit_goal", "g_sam", True),
    ("manny", "edit_goal", "g_sam", False),
    ("hana", "edit_goal", "g_sam", False),
    ("pat", "edit_goal", "g_sam", False),
    ("sam", "edit_goal", "e_sam", False),   # a cohort goal is the learning team's

    ("manny", "agree_goal", "g_sam", True),
    ("hana", "agree_goal", "g_sam", True),
    ("system", "agree_goal", "g_sam", True),
    ("director", "agree_goal", "g_sam", False),  # the direct line manager agrees, not further up
    ("sam", "agree_goal", "g_sam", False),
    ("olga", "agree_goal", "g_sam", False),
    ("lars", "agree_goal", "g_sam", False),
    ("hana", "agree_goal", "g_hana", False),  # never one's own
    ("hugo", "agree_goal", "g_hana", True),
    ("manny", "agree_goal", "e_sam", False),  # a cohort goal is agreed when the learning team enrols

    ("sam", "drop_goal", "g_sam", True),
    ("manny", "drop_goal", "g_sam", True),
    ("director", "drop_goal", "g_sam", True),
    ("hana", "drop_goal", "g_sam", True),
    ("pat", "drop_goal", "g_sam", False),
    ("olga", "drop_goal", "g_sam", False),
    ("lars", "drop_goal", "g_sam", False),
    ("lars", "drop_goal", "e_sam", True),   # a cohort goal: withdrawn as before
    ("sam", "drop_goal", "e_sam", False),
    ("anonymous", "drop_goal", "g_sam", False),

    ("sam", "view_training_plan", "shared_plan", True),
    ("otto", "view_training_plan", "shared_plan", True),
    ("manny", "view_training_plan", "shared_plan", True),
    ("lars", "view_training_plan", "shared_plan", True),
    ("pat", "view_training_plan", "shared_plan", False),
    ("ada", "view_training_plan", "shared_plan", False),
    ("manny", "view_training_plan", "otto_plan", False),
    ("sam", "view_training_plan", "none", False),

    ("hana", "filter_people_by_skill", None, True),
    ("lars", "filter_people_by_skill", None, True),
    ("manny", "filter_people_by_skill", None, True),  # over his own people only
    ("ada", "filter_people_by_skill", None, False),  # sees everyone's name, not their skills
    ("sam", "filter_people_by_skill", None, False),

    ("hana", "remind_about_gap", None, True),
    ("lars", "remind_about_gap", None, True),
    ("manny", "remind_about_gap", None, False),
    ("ada", "remind_about_gap", None, False),

    ("hana", "manage_campaigns", None, True),
    ("ada", "manage_campaigns", None, False),
    ("sam", "view_campaign", "campaign", True),
    ("hana", "view_campaign", "campaign", True),
    ("otto", "view_campaign", "campaign", False),  # Acme/ITSM is not under Acme/IT
    ("manny", "view_campaign", "campaign", False),
    ("hana", "view_campaign", "none", False),

    ("manny", "view_revalidation", None, True),
    ("lee", "view_revalidation", None, True),
    ("hana", "view_revalidation", None, True),
    ("sam", "view_revalidation", None, False),
    ("hana", "view_succession", None, True),
    ("manny", "view_succession", None, False),
    ("sam", "view_succession", None, False),
    ("sam", "download_credential", "a_sam", True),
    ("manny", "download_credential", "a_sam", False),
    ("hana", "download_credential", "a_sam", False),
    ("sam", "revalidate", "a_sam", True),
    ("manny", "revalidate", "a_sam", False),
    ("hana", "revalidate", "a_sam", False),

    ("lars", "view_trends", None, True),
    ("hana", "view_trends", None, True),
    ("manny", "view_trends", None, False),
    ("hana", "view_calibration", None, True),
    ("lars", "view_calibration", None, False),

    # The skills finder, as HR leaves it by default: line managers over their own people, HR and learning everyone.
    ("manny", "use_skills_finder", None, True),
    ("lee", "use_skills_finder", None, True),  # a line manager in fact: he has a report
    ("lars", "use_skills_finder", None, True),
    ("hana", "use_skills_finder", None, True),
    ("sam", "use_skills_finder", None, False),
    ("ada", "use_skills_finder", None, False),  # the administrator role never gives it
    ("anonymous", "use_skills_finder", None, False),
    ("manny", "see_finder_contact", None, True),
    ("hana", "see_finder_contact", None, True),
    ("sam", "see_finder_contact", None, False),
    ("ada", "see_finder_contact", None, False),
    ("hana", "manage_finder", None, True),
    ("lars", "manage_finder", None, False),
    ("ada", "manage_finder", None, False),
    ("hana", "run_what_if", None, True),
    ("lars", "run_what_if", None, False),
    ("manny", "run_what_if", None, False),

    ("ada", "mark_demo", None, True),
    ("system", "mark_demo", None, True),
    ("hana", "mark_demo", None, False),
    ("ada", "check_kept_tables", None, True),
    ("system", "check_kept_tables", None, True),
    ("hana", "check_kept_tables", None, False),
    ("sam", "dismiss_tour", None, True),
    ("anonymous", "dismiss_tour", None, False),

    # Endorsements: the person asks and reminds; the endorser sees and answers what was shared
    # until they answer; whoever may see the assessment reads it.
    ("sam", "request_endorsement", "a_sam", True),
    ("manny", "request_endorsement", "a_sam", False),
    ("otto", "view_endorsement", "endorse_sam", True),
    ("otto", "view_endorsement", "endorsed_sam", False),  # answered: no longer theirs to see
    ("manny", "view_endorsement", "endorsed_sam", True),
    ("pat", "view_endorsement", "endorse_sam", False),
    ("otto", "answer_endorsement", "endorse_sam", True),
    ("otto", "answer_endorsement", "endorsed_sam", False),
    ("sam", "answer_endorsement", "endorse_sam", False),
    ("sam", "remind_endorser", "endorse_sam", True),
    ("otto", "remind_endorser", "endorse_sam", False),

    # Background jobs: their starter only; a scheduled one, the command line only.
    ("sam", "view_job", "job_sam", True),
    ("manny", "view_job", "job_sam", False),
    ("hana", "view_job", "job_sam", False),
    ("hana", "view_job", "job_scheduled", False),
    ("system", "view_job", "job_scheduled", True),
    ("sam", "view_job", "none", False),
]


def _row_id(row) -> str:
    actor, permission, obj, expected = row
    return f"{actor}-{permission}-{obj or ''}-{'yes' if expected else 'no'}"


def _ask(world, actor: str, permission: str, obj: str | None) -> bool:
    return can(getattr(world, actor), permission, getattr(world, obj) if obj else None)


# Rules that read HR's settings from the database (the skills finder's): their rows
# run with the app, on empty tables, so with the settings HR has not changed.
SETTINGS_RULES = {"use_skills_finder", "see_finder_contact"}


def _plain(rows):
    return [row for row in rows if row[1] not in SETTINGS_RULES]


def _with_settings(rows):
    return [row for row in rows if row[1] in SETTINGS_RULES]


@pytest.mark.parametrize("row", _plain(ROWS), ids=_row_id)
def test_can(row):
    actor, permission, obj, expected = row
    assert _ask(build_world(), actor, permission, obj) is expected


@pytest.mark.parametrize("row", _with_settings(ROWS), ids=_row_id)
def test_can_with_hr_s_settings_as_they_come(row, app):
    actor, permission, obj, expected = row
    assert _ask(build_world(), actor, permission, obj) is expected


def test_every_rule_has_a_yes_and_a_no():
    """So that neither 'always yes' nor 'always no' can pass the table."""
    answers: dict[str, set[bool]] = {}
    for _, permission, _, expected in ROWS:
        answers.setdefault(permission, set()).add(expected)
    assert {p for p in RULES if answers.get(p) != {True, False}} == set()
    assert set(answers) <= set(RULES)


YES_BY_A_PERSON = [row for row in ROWS if row[3] and row[0] not in ("system", "anonymous")]


def test_every_rule_has_a_yes_by_a_person():
    """The deactivation test below covers every rule."""
    assert {row[1] for row in YES_BY_A_PERSON} == set(RULES)


def _refused_once_deactivated(row) -> None:
    actor, permission, obj, _ = row
    world = build_world()
    getattr(world, actor).active = False
    assert _ask(world, actor, permission, obj) is False


@pytest.mark.parametrize("row", _plain(YES_BY_A_PERSON), ids=_row_id)
def test_a_deactivated_person_is_refused_what_they_could_do(row):
    _refused_once_deactivated(row)


@pytest.mark.parametrize("row", _with_settings(YES_BY_A_PERSON), ids=_row_id)
def test_a_deactivated_person_is_refused_what_hr_s_settings_give(row, app):
    _refused_once_deactivated(row)


def test_a_deactivated_manager_is_no_longer_anyones_manager_here():
    """Deactivating the line manager leaves the report's own rights alone."""
    world = build_world()
    world.manny.active = False
    assert can(world.sam, "view_person", world.sam)
    assert can(world.director, "decide_assessment", world.a_hana)
    assert not can(world.manny, "decide_assessment", world.a_sam)


def test_provisioning_client_may_do_only_the_provisioning_permissions():
    world = build_world()
    client = ProvisioningActor("scim")
    for permission in RULES:
        assert can(client, permission, world.sam) is (permission in PROVISIONING), permission
    assert PROVISIONING <= set(RULES)


def test_the_command_line_may_do_what_an_operator_does():
    world = build_world()
    for permission in ("manage_accounts", "edit_account", "manage_identity", "erase_person", "import_people",
                       "view_gap_reports", "complete_training", "view_training_plan", "view_campaign"):
        obj = {"complete_training": world.e_otto, "view_training_plan": world.otto_plan,
               "view_campaign": world.campaign}.get(permission, world.sam)
        assert can(SYSTEM, permission, obj), permission


def test_the_command_line_holds_every_role_where_a_service_asks_for_one():
    """Services that ask the actor's roles (HR's review of their own, the welcome tour)
    treat the command line as every role."""
    for role in ("employee", "manager", "hr", "learning", "admin"):
        assert SYSTEM.has_role(role), role
    assert SYSTEM.has_role("hr", "admin")


def test_hr_s_finder_choices_are_what_the_finder_allows(app):
    """What HR stored is read back per role; a role or a reach the finder does not
    know (a hand-edited or older setting) is ignored, the role keeping its default."""
    world = build_world()
    db.session.add(AppSetting(key=policy.FINDER_SETTING, value={
        "reach": {"employee": "everyone", "manager": "galaxy", "admin": "everyone"},
        "contact": ["hr", "admin"]}))
    db.session.flush()
    assert policy.finder_settings() == {
        "reach": {"employee": "everyone", "manager": "own", "learning": "everyone", "hr": "everyone"},
        "contact": ["hr"]}
    assert can(world.sam, "use_skills_finder") is True  # an employee, now allowed
    assert can(world.manny, "see_finder_contact") is False
    assert can(world.hana, "see_finder_contact") is True


def test_unknown_permission_is_an_error_not_a_no():
    with pytest.raises(KeyError, match="view_everything"):
        can(SYSTEM, "view_everything")


def test_require_hides_what_the_actor_may_not_know_exists():
    world = build_world()
    with pytest.raises(NotFound):
        policy.require(world.pat, "view_person", world.sam)
    with pytest.raises(NotFound):
        policy.require(world.pat, "view_assessment", world.a_sam)
    with pytest.raises(NotAllowed):
        policy.require(world.ada, "manage_tokens", world.sam)
    with pytest.raises(NotAllowed):
        policy.require(world.hana, "reassign_review", world.a_hana)
    policy.require(world.manny, "complete_training", world.e_sam)  # no error
