"""Who may do what: every permission in one place.

``can(actor, permission, obj=None)`` answers yes or no; ``require(...)``
raises :class:`NotAllowed` (403) or, for things the actor may not even know
exist, :class:`NotFound` (404). Views, API handlers and services all ask here;
no other module decides access.

Actors are :class:`Person` rows, the anonymous user, :data:`SYSTEM` (the
command line, run by whoever operates the server), or a
:class:`ProvisioningActor` (a SCIM client, with the permissions in
:data:`PROVISIONING` only).
"""
from __future__ import annotations

from typing import Callable

from skills_app.errors import NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import AppSetting, Person


class SystemActor:
    """The operator at the command line: may do everything, recorded as 'system'."""

    is_system = True
    is_authenticated = True
    is_active = True
    label = "system (command line)"
    id = None
    roles = frozenset({"employee", "manager", "hr", "learning", "admin"})

    def has_role(self, *roles: str) -> bool:
        return True

    def __repr__(self) -> str:
        return "<SYSTEM>"


SYSTEM = SystemActor()


class ProvisioningActor:
    """A provisioning client (SCIM) acting with its token: it may keep people,
    org units and job roles in step with the identity provider, nothing else.
    Recorded in the audit trail under the token's name."""

    is_provisioning = True
    is_authenticated = True
    is_active = True
    id = None
    roles = frozenset()

    def __init__(self, label: str) -> None:
        self.label = label

    def has_role(self, *roles: str) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<ProvisioningActor {self.label}>"


# What a provisioning client may do: the people import's permissions, no more.
PROVISIONING = frozenset({"import_people", "manage_accounts", "edit_account", "manage_org_units", "manage_requirements"})

MAX_MANAGER_DEPTH = 64


def _person(actor):
    """The signed-in, active person behind an actor, else None."""
    if isinstance(actor, Person) and actor.active:
        return actor
    return None


def _is_system(actor) -> bool:
    return actor is SYSTEM


def _has(actor, *roles: str) -> bool:
    if _is_system(actor):
        return True
    person = _person(actor)
    return bool(person and person.has_role(*roles))


def manages(manager, person) -> bool:
    """True when ``manager`` is ``person``'s line manager, directly or further up."""
    seen = set()
    current = person.manager
    depth = 0
    while current is not None and depth < MAX_MANAGER_DEPTH and current.id not in seen:
        if current.id == manager.id:
            return True
        seen.add(current.id)
        current = current.manager
        depth += 1
    return False


def sees_everyone(actor) -> bool:
    """HR, learning and administrators (and the command line) see every person."""
    return _has(actor, "hr", "learning", "admin")


def _signed_in(actor, obj=None) -> bool:
    return _is_system(actor) or _person(actor) is not None


def _view_person(actor, person) -> bool:
    """See a person's profile and skills record."""
    if _has(actor, "hr", "learning", "admin"):
        return True
    me = _person(actor)
    if me is None or person is None:
        return False
    return me.id == person.id or manages(me, person)


def _view_person_skills(actor, person) -> bool:
    """A person's skills, assessments and gaps: not the administrator's business."""
    if _has(actor, "hr", "learning"):
        return True
    me = _person(actor)
    if me is None or person is None:
        return False
    return me.id == person.id or manages(me, person)


def _role(*roles: str) -> Callable:
    def check(actor, obj=None) -> bool:
        return _has(actor, *roles)

    check.__doc__ = f"holders of: {', '.join(roles)}"
    return check


def _manage_tokens(actor, person) -> bool:
    """API tokens: one's own (and the command line, for anyone)."""
    if _is_system(actor):
        return True
    me = _person(actor)
    return bool(me and person is not None and person.id == me.id)


def _browse_people(actor, obj=None) -> bool:
    """The people directory: those who look after others."""
    if _has(actor, "hr", "learning", "admin"):
        return True
    me = _person(actor)
    return bool(me and (me.has_role("manager") or me.has_reports))


def _filter_people_by_skill(actor, obj=None) -> bool:
    """Filter the people list by a skill held at a level: only over people whose skills
    the caller may see (HR and learning: everyone; a line manager: their own people).
    Not an administrator, who sees everyone's name but not their skills: the filter
    would tell them each person's validated level."""
    if _has(actor, "hr", "learning"):
        return True
    if sees_everyone(actor):
        return False
    return _browse_people(actor)


# The skills finder (services/finder.py): HR chooses, per role, whom its holders
# may search (no one, their own people, everyone) and who sees the contact
# details of the people found. The administrator role never gives it: an
# administrator sees everyone's name, not their skills.
FINDER_SETTING = "skills_finder"
FINDER_ROLES = ("employee", "manager", "learning", "hr")
FINDER_REACHES = ("none", "own", "everyone")
FINDER_DEFAULT_REACH = {"employee": "none", "manager": "own", "learning": "everyone", "hr": "everyone"}
FINDER_DEFAULT_CONTACT = ("manager", "learning", "hr")


def finder_settings() -> dict:
    """``{"reach": {role: reach}, "contact": [roles]}``: HR's choice, else the defaults."""
    row = db.session.get(AppSetting, FINDER_SETTING)
    value = row.value if row is not None and isinstance(row.value, dict) else {}
    reach = dict(FINDER_DEFAULT_REACH)
    for role, chosen in (value.get("reach") or {}).items():
        if role in FINDER_ROLES and chosen in FINDER_REACHES:
            reach[role] = chosen
    contact = value.get("contact")
    contact = FINDER_DEFAULT_CONTACT if not isinstance(contact, list) else tuple(r for r in FINDER_ROLES if r in contact)
    return {"reach": reach, "contact": list(contact)}


def _finder_roles(me) -> set[str]:
    roles = {r for r in FINDER_ROLES if me.has_role(r)}
    if me.has_reports:
        roles.add("manager")  # a line manager in fact, whatever their roles say
    return roles


def finder_reach(actor) -> str:
    """Whom the actor may search with the finder: ``none``, ``own`` (their reports,
    direct and indirect) or ``everyone`` (the widest their roles give)."""
    if _is_system(actor):
        return "everyone"
    me = _person(actor)
    if me is None:
        return "none"
    reach = finder_settings()["reach"]
    given = {reach[r] for r in _finder_roles(me)}
    return next((r for r in reversed(FINDER_REACHES) if r in given), "none")


def _use_skills_finder(actor, obj=None) -> bool:
    return finder_reach(actor) != "none"


def _see_finder_contact(actor, obj=None) -> bool:
    """The contact details (email) of the people the finder finds."""
    if _is_system(actor):
        return True
    me = _person(actor)
    return bool(me and _use_skills_finder(me) and _finder_roles(me) & set(finder_settings()["contact"]))


def _edit_account(actor, person) -> bool:
    """Roles, password resets, activation: admins, never on their own roles' loss of admin."""
    return _has(actor, "admin")


def _view_assessment(actor, assessment) -> bool:
    """An assessment, its evidence and history: whoever may see the person's skills."""
    return assessment is not None and _view_person_skills(actor, assessment.person)


def _edit_assessment(actor, assessment) -> bool:
    """Claim, rate, add evidence, submit: the person themself (the service checks the state)."""
    me = _person(actor)
    return bool(me and assessment is not None and assessment.person_id == me.id)


def _manage_evidence_library(actor, person) -> bool:
    """One's evidence library (services/evidence_library.py): list, add, rename, delete, attach from it: its owner only.
    Reviewers and HR see an item only as an assessment's evidence (view_assessment)."""
    me = _person(actor)
    return bool(me and person is not None and person.id == me.id)


def _manage_evidence_item(actor, item) -> bool:
    """A library item by itself (its page, its file, renaming, deleting, attaching): its owner only."""
    me = _person(actor)
    return bool(me and item is not None and item.person_id == me.id)


def _start_assessment(actor, person) -> bool:
    """Start a self-assessment: for oneself only."""
    me = _person(actor)
    return bool(me and person is not None and person.id == me.id)


def _decide_assessment(actor, assessment) -> bool:
    """Validate, return or reject: the person's direct line manager, or HR; never one's own."""
    if assessment is None:
        return False
    if _is_system(actor):
        return True
    me = _person(actor)
    if me is None or assessment.person_id == me.id:
        return False
    if assessment.assigned_reviewer_id is not None:
        # HR reassigned the review (services/service_levels.reassign): the
        # assigned reviewer decides it now, not the line manager.
        return assessment.assigned_reviewer_id == me.id or me.has_role("hr")
    return assessment.person.manager_id == me.id or me.has_role("hr")


def _review_queue(actor, obj=None) -> bool:
    """The review queue: line managers (by role or by having reports) and HR."""
    me = _person(actor)
    return bool(me and (me.has_role("manager", "hr") or me.has_reports))


def _reassign_review(actor, assessment) -> bool:
    """Give a waiting review to another reviewer: HR, never for their own assessment."""
    if assessment is None:
        return False
    if _is_system(actor):
        return True
    me = _person(actor)
    return bool(me and me.has_role("hr") and assessment.person_id != me.id)


def _view_team_matrix(actor, obj=None) -> bool:
    """The team matrix: those with reports (it shows only their own people), and HR."""
    if _has(actor, "hr"):
        return True
    me = _person(actor)
    return bool(me and (me.has_role("manager") or me.has_reports))


def _complete_training(actor, enrolment) -> bool:
    """Mark a training enrolment complete: the learning team, HR, or the person's line manager."""
    if _has(actor, "learning", "hr"):
        return True
    me = _person(actor)
    return bool(me and enrolment is not None and manages(me, enrolment.person))


def _view_training_plan(actor, plan) -> bool:
    """A training plan: the learning team and HR, its participants, and their line managers."""
    if _has(actor, "learning", "hr"):
        return True
    me = _person(actor)
    if me is None or plan is None:
        return False
    return any(e.person_id == me.id or manages(me, e.person) for e in plan.enrolments)


# Development plans (services/plans.py): a person's goals, personal and from cohort training plans.

def _view_plan(actor, person) -> bool:
    """A person's development plan: the person, their line managers (up the line), and HR.
    (The learning team sees cohort goals on their training plans, as before, not the person's plan.)"""
    if person is None:
        return False
    if _has(actor, "hr"):
        return True
    me = _person(actor)
    return bool(me and (me.id == person.id or manages(me, person)))


def _view_goal(actor, goal) -> bool:
    """A goal: whoever may see its person's plan; a cohort goal also whoever may see its training plan."""
    if goal is None:
        return False
    return _view_plan(actor, goal.person) or (goal.plan is not None and _view_training_plan(actor, goal.plan))


def _propose_goal(actor, person) -> bool:
    """Propose a goal in a development plan: for oneself only."""
    me = _person(actor)
    return bool(me and person is not None and person.id == me.id)


def _edit_goal(actor, goal) -> bool:
    """Change a goal (the service: while proposed) and record its learning: its person, for a goal of their own plan."""
    me = _person(actor)
    return bool(me and goal is not None and goal.plan_id is None and goal.person_id == me.id)


def _agree_goal(actor, goal) -> bool:
    """Agree a proposed goal, or send it back: the person's direct line manager, or HR; never one's own."""
    if goal is None or goal.plan_id is not None:
        return False
    if _is_system(actor):
        return True
    me = _person(actor)
    if me is None or goal.person_id == me.id:
        return False
    return goal.person.manager_id == me.id or me.has_role("hr")


def _drop_goal(actor, goal) -> bool:
    """Drop a goal: its person or their line manager (up the line), or HR; a cohort plan's goal is
    withdrawn by whoever marks its training (the learning team, HR, the line manager)."""
    if goal is None:
        return False
    if goal.plan_id is not None:
        return _complete_training(actor, goal)
    if _has(actor, "hr"):
        return True
    me = _person(actor)
    return bool(me and (goal.person_id == me.id or manages(me, goal.person)))


def _view_campaign(actor, campaign) -> bool:
    """A campaign: HR (its whole completion dashboard), and the people it invites (their own part)."""
    if campaign is None:
        return False
    if _has(actor, "hr"):
        return True
    me = _person(actor)
    return bool(me and campaign.includes(me))


def _view_revalidation(actor, obj=None) -> bool:
    """Validations about to expire, across people: HR (everyone) and line managers (their reports)."""
    if _has(actor, "hr"):
        return True
    me = _person(actor)
    return bool(me and (me.has_role("manager") or me.has_reports))


def _download_credential(actor, assessment) -> bool:
    """A validated level's verifiable credential: the assessed person only (the service checks the state)."""
    me = _person(actor)
    return bool(me and assessment is not None and assessment.person_id == me.id)


def _revalidate(actor, assessment) -> bool:
    """Start a revalidation from one's own validated assessment."""
    me = _person(actor)
    return bool(me and assessment is not None and assessment.person_id == me.id)


def _request_endorsement(actor, assessment) -> bool:
    """Ask colleagues to endorse an assessment: its person only."""
    me = _person(actor)
    return bool(me and assessment is not None and assessment.person_id == me.id)


def _view_endorsement(actor, endorsement) -> bool:
    """An endorsement: its endorser while it waits for their answer (what was shared, nothing
    else, and not after they answer); and whoever may see the assessment."""
    if endorsement is None:
        return False
    me = _person(actor)
    if me is not None and endorsement.endorser_id == me.id and endorsement.assessment.person_id != me.id:
        return endorsement.status == "requested"
    return _view_assessment(actor, endorsement.assessment)


def _answer_endorsement(actor, endorsement) -> bool:
    """Answer an endorsement: its endorser, once."""
    me = _person(actor)
    return bool(me and endorsement is not None and endorsement.endorser_id == me.id and endorsement.status == "requested")


def _remind_endorser(actor, endorsement) -> bool:
    """Remind an endorser: the person who asked."""
    me = _person(actor)
    return bool(me and endorsement is not None and endorsement.assessment.person_id == me.id)


def _view_job(actor, job) -> bool:
    """A background job (services/jobs.py), its progress and its file: the person who started it only
    (the scheduled ones, started by no one, the command line only)."""
    if job is None:
        return False
    if _is_system(actor):
        return True
    me = _person(actor)
    return bool(me and job.owner_id is not None and job.owner_id == me.id)


RULES: dict[str, Callable] = {
    "view_frameworks": _signed_in,
    "manage_frameworks": _role("hr", "admin"),
    "browse_people": _browse_people,
    "filter_people_by_skill": _filter_people_by_skill,
    # The skills finder: search people by skills held at levels; HR sets who may, across whom
    "use_skills_finder": _use_skills_finder,
    "see_finder_contact": _see_finder_contact,
    "manage_finder": _role("hr"),
    "view_person": _view_person,
    "view_person_skills": _view_person_skills,
    "manage_accounts": _role("admin"),
    "edit_account": _edit_account,
    "manage_org_units": _role("hr", "admin"),
    "import_people": _role("hr", "admin"),
    # The right to erasure: a person's evidence files and personal data (services/erasure.py)
    "erase_person": _role("hr"),
    "view_audit": _role("hr", "admin"),
    "manage_tokens": _manage_tokens,
    # Sign-in settings and the provisioning (SCIM) tokens
    "manage_identity": _role("admin"),
    "change_own_password": lambda actor, obj=None: _person(actor) is not None,
    # Ending one's own sign-in sessions (sign out everywhere)
    "manage_own_sessions": lambda actor, obj=None: _person(actor) is not None,
    "view_assessment": _view_assessment,
    "edit_assessment": _edit_assessment,
    "start_assessment": _start_assessment,
    # The evidence library: one's own items, attached to one's assessments
    "manage_evidence_library": _manage_evidence_library,
    "manage_evidence_item": _manage_evidence_item,
    "decide_assessment": _decide_assessment,
    "review_queue": _review_queue,
    # Endorsements by colleagues (services/endorsements.py)
    "request_endorsement": _request_endorsement,
    "view_endorsement": _view_endorsement,
    "answer_endorsement": _answer_endorsement,
    "remind_endorser": _remind_endorser,
    # Service levels of the review process (services/service_levels.py)
    "view_service_levels": _role("hr"),
    "manage_service_levels": _role("hr"),
    "run_service_level_checks": _role("hr"),
    "reassign_review": _reassign_review,
    "view_escalations": lambda actor, obj=None: _person(actor) is not None,
    "view_notifications": lambda actor, obj=None: _person(actor) is not None,
    # Requirements, reports and learning
    "manage_requirements": _role("hr", "admin"),
    "view_requirements": _signed_in,
    "view_gap_reports": _role("hr", "learning"),
    # A report's next step: remind a person of their gap in a skill (services/next_steps.py)
    "remind_about_gap": _role("hr", "learning"),
    "view_team_matrix": _view_team_matrix,
    "manage_learning": _role("learning", "hr"),
    "view_learning": _signed_in,
    "complete_training": _complete_training,
    "view_training_plan": _view_training_plan,
    # Development plans (services/plans.py): goals proposed → agreed → achieved | dropped
    "view_plan": _view_plan,
    "view_goal": _view_goal,
    "propose_goal": _propose_goal,
    "edit_goal": _edit_goal,
    "agree_goal": _agree_goal,
    "drop_goal": _drop_goal,
    # Campaigns, revalidation, trends and calibration
    "manage_campaigns": _role("hr"),
    "view_campaign": _view_campaign,
    "view_revalidation": _view_revalidation,
    "revalidate": _revalidate,
    "view_trends": _role("hr", "learning"),
    # Explore roles (services/role_fit.py): anyone against any job role or service goes through
    # view_person_skills; for a job role, the people closest to it (succession) is HR's.
    "view_succession": _role("hr"),
    # Verifiable credentials (services/credentials.py): the assessed person downloads theirs.
    # (Verifying one, and reading the issuer's key and status list, is public: web/credentials.py.)
    "download_credential": _download_credential,
    "view_calibration": _role("hr"),
    # What if these people left: services and job roles before anything changes (services/what_if.py)
    "run_what_if": _role("hr"),
    # The demo's guided first visit: the demo load turns it on; each person hides their own list.
    "mark_demo": _role("admin"),
    # The kept requirements and levels checked against a recomputation, and rewritten (services/kept.py).
    "check_kept_tables": _role("admin"),
    "dismiss_tour": lambda actor, obj=None: _person(actor) is not None,
    # Background jobs (services/jobs.py): their starter follows them and downloads their file.
    "view_job": _view_job,
}

# Permissions about a particular thing whose existence is itself private:
# refusing them says "not found", not "forbidden".
HIDDEN = {"view_person", "view_person_skills", "view_assessment", "view_training_plan", "view_campaign", "view_endorsement",
          "view_job", "view_plan", "view_goal", "manage_evidence_item"}


def can(actor, permission: str, obj=None) -> bool:
    try:
        rule = RULES[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None
    if isinstance(actor, ProvisioningActor):
        return permission in PROVISIONING
    return bool(rule(actor, obj))


def require(actor, permission: str, obj=None) -> None:
    if can(actor, permission, obj):
        return
    if permission in HIDDEN:
        raise NotFound("not found")
    raise NotAllowed("you do not have permission to do this")


def require_seen(actor, seen: str, permission: str, obj) -> None:
    """``seen``, the permission to see ``obj`` (so that what one may not see is
    not found), then ``permission`` to act on it when that is another."""
    require(actor, seen, obj)
    if permission != seen:
        require(actor, permission, obj)
