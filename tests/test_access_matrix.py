"""Who may reach which page: every route of the app × every kind of caller.

The matrix below is the specification. Each route (endpoint and method) has a
row that says, for each kind of caller, what the answer is. A route that the
app has and the matrix does not fails ``test_every_route_is_in_the_matrix``:
adding a route means deciding, here, who may use it.

The callers all stand in relation to one person, the *subject*:

    Dana Director (manager)                      Olga Other (manager)
      └── Manny Manager (manager)                  └── Otto (employee)
            ├── Sasha Subject (employee)
            └── Pat Peer (employee)
    Hana HR (hr), Lars Learning (learning), Ada Admin (admin)

``indirect`` is the manager's manager; ``other_manager`` manages another team
under the same director. Paths with ``<person_id>`` use the subject, with
``<unit_id>`` the subject's org unit, and ``<code>``/``<skill_code>`` the
seed frameworks (SFIA, SLMO).

What a caller may not see is refused (403 or 404, or a redirect to sign in),
never shown: refusals must not carry the subject's name or email, and pages
that list people show the subject only to those who may see them. A refused
request, and every GET, leaves the database as it was.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for

from skills_app.extensions import db
from tests.conftest import sign_in_directly

CALLERS = ("anonymous", "self", "peer", "manager", "indirect", "other_manager", "hr", "learning", "admin")


@dataclass(frozen=True)
class Expect:
    status: int
    # True: the subject's name and email are on the page; False: they are not.
    shows_subject: bool | str | None = None
    # For redirects: the path the Location header must point to.
    location: str | None = None

    def __repr__(self) -> str:  # readable in pytest's failure output
        extra = {True: " showing the subject", "name": " naming the subject", False: " not showing the subject", None: ""}[self.shows_subject]
        where = f" to {self.location}" if self.location else ""
        return f"{self.status}{where}{extra}"


OK = Expect(200)
SHOWN = Expect(200, shows_subject=True)
# The subject's name (not their email) is on the page.
NAMED = Expect(200, shows_subject="name")
NOT_SHOWN = Expect(200, shows_subject=False)
REDIRECT = Expect(302)
TO_DASHBOARD = Expect(302, location="/")
LOGIN = Expect(302, location="/login")
BAD_FORM = Expect(400)
FORBIDDEN = Expect(403)
NOT_FOUND = Expect(404)
# The API (callers send their bearer token, never a cookie).
UNAUTHORIZED = Expect(401)
CONFLICT = Expect(409)
INVALID = Expect(422)


def row(**cells: Expect) -> dict[str, Expect]:
    """One line of the matrix; every caller must be given."""
    missing = set(CALLERS) - set(cells)
    unknown = set(cells) - set(CALLERS)
    assert not missing and not unknown, f"matrix row: missing callers {missing or '{}'}, unknown {unknown or '{}'}"
    return cells


def everyone_signed_in(expect: Expect, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    return row(anonymous=anonymous, **{c: expect for c in CALLERS if c != "anonymous"})


def only(allowed: Expect, *who: str) -> dict[str, Expect]:
    """Signed-in callers other than ``who`` are forbidden; anonymous callers are sent to sign in."""
    return row(anonymous=LOGIN, **{c: (allowed if c in who else FORBIDDEN) for c in CALLERS if c != "anonymous"})


# Every method a route accepts has a row (GET, and POST for the routes that
# take forms, not only the POST-only ones): a refused write matters as much as
# a refused read.
# POSTs are sent with an empty form: enough to show who gets past the access
# check (an allowed caller then gets the page back with the form's problems,
# 400 or 409, or the action's redirect), without the test depending on form details.
# Those who may not edit someone's assessment: refused (403) if they may see it, else not found.
EDITS_PAGE = dict(peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN, other_manager=NOT_FOUND, hr=FORBIDDEN,
                  learning=FORBIDDEN, admin=NOT_FOUND)

MATRIX: dict[str, dict[str, dict[str, Expect]]] = {
    "auth.login": {
        "GET": everyone_signed_in(TO_DASHBOARD, anonymous=OK),
        "POST": everyone_signed_in(TO_DASHBOARD, anonymous=BAD_FORM),
    },
    "auth.logout": {
        "POST": everyone_signed_in(LOGIN),
    },
    "auth.change_password": {
        "GET": everyone_signed_in(OK),
        "POST": everyone_signed_in(BAD_FORM),
    },
    "main.dashboard": {
        "GET": everyone_signed_in(OK),
    },
    "main.healthz": {
        "GET": everyone_signed_in(OK, anonymous=OK),
    },
    "main.accessibility": {
        "GET": everyone_signed_in(OK, anonymous=OK),
    },
    "frameworks.index": {"GET": everyone_signed_in(OK)},
    "frameworks.show": {"GET": everyone_signed_in(OK)},
    "frameworks.skill": {"GET": everyone_signed_in(OK)},
    "people.directory": {
        "GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=FORBIDDEN, manager=SHOWN, indirect=SHOWN,
                   other_manager=NOT_SHOWN, hr=SHOWN, learning=SHOWN, admin=SHOWN),
    },
    "people.show": {
        "GET": row(anonymous=LOGIN, self=SHOWN, peer=NOT_FOUND, manager=SHOWN, indirect=SHOWN,
                   other_manager=NOT_FOUND, hr=SHOWN, learning=SHOWN, admin=SHOWN),
    },
    # The right to erasure: HR only; someone the caller may not see is not found.
    "people.erase": {
        "GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                   other_manager=NOT_FOUND, hr=SHOWN, learning=FORBIDDEN, admin=FORBIDDEN),
        "POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                    other_manager=NOT_FOUND, hr=BAD_FORM, learning=FORBIDDEN, admin=FORBIDDEN),
    },
    # The skills finder: by default line managers (over their own people), HR and the learning team;
    # HR sets who else (tests/test_finder.py). Without a search the page lists no one.
    "finder.search": {
        "GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=FORBIDDEN, manager=NOT_SHOWN, indirect=NOT_SHOWN,
                   other_manager=NOT_SHOWN, hr=NOT_SHOWN, learning=NOT_SHOWN, admin=FORBIDDEN),
    },
    "finder.settings": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    # What if these people left: HR only (an empty form names no one: 400; no ids to compare: 400).
    "what_if.index": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    "what_if.show": {"GET": only(NAMED, "hr"), "POST": only(BAD_FORM, "hr")},
    "what_if.delete": {"POST": only(REDIRECT, "hr")},
    "what_if.compare": {"GET": only(BAD_FORM, "hr")},
    # The people list's bulk action (job roles and services): HR and administrators; an empty form is a 400.
    "people.assign": {"POST": only(BAD_FORM, "hr", "admin")},
    "admin.people": {"GET": only(SHOWN, "admin")},
    "admin.import_people": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "admin.new_person": {
        "GET": only(OK, "admin"),
        "POST": only(BAD_FORM, "admin"),
    },
    "admin.edit_person": {
        "GET": only(SHOWN, "admin"),
        "POST": only(BAD_FORM, "admin"),
    },
    "admin.reset_password": {"POST": only(BAD_FORM, "admin")},
    "admin.set_active": {"POST": only(REDIRECT, "admin")},
    "admin.org_units": {
        "GET": only(OK, "hr", "admin"),
        "POST": only(BAD_FORM, "hr", "admin"),
    },
    "admin.edit_org_unit": {
        "GET": only(OK, "hr", "admin"),
        "POST": only(BAD_FORM, "hr", "admin"),
    },
    # The subject's unit has people: it is not deleted, and the page says so.
    "admin.delete_org_unit": {"POST": only(BAD_FORM, "hr", "admin")},
    "admin.audit_trail": {"GET": only(OK, "hr", "admin")},

    # Self-assessment and review. The subject has one SLMO assessment, submitted,
    # with a file as evidence; the person acts on their own, their direct line
    # manager (or HR) decides, and no one else learns it exists.
    "assessments.my_skills": {"GET": everyone_signed_in(OK)},
    # One's own level of responsibility: everyone signed in; an empty form starts nothing (400).
    # (tests/test_responsibility_pages.py: a responsibility assessment answers every caller as a skill's does.)
    "assessments.my_responsibility": {"GET": everyone_signed_in(OK), "POST": everyone_signed_in(BAD_FORM)},
    # Without ?skill_id= there is nothing to start: 404 for everyone signed in.
    "assessments.new": {"GET": everyone_signed_in(NOT_FOUND), "POST": everyone_signed_in(NOT_FOUND)},
    "assessments.show": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=OK, indirect=OK,
                                    other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    "assessments.evidence_file": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=OK, indirect=OK,
                                             other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    # Looked at in the page (the subject's file is a text): the same as the download.
    "assessments.evidence_view": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=OK, indirect=OK,
                                             other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    # The subject's assessment is submitted: the person's own changes are refused on the page (409),
    # an empty draft form before that (400).
    **{endpoint: {"POST": row(anonymous=LOGIN, self=expect, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                              other_manager=NOT_FOUND, hr=FORBIDDEN, learning=FORBIDDEN, admin=NOT_FOUND)}
       for endpoint, expect in (("assessments.save", BAD_FORM), ("assessments.save_ratings", CONFLICT),
                                ("assessments.remove_evidence", CONFLICT))},
    # Removing evidence is confirmed on a page of its own; the subject's assessment is submitted,
    # so the subject is sent back to it.
    "assessments.confirm_remove": {"GET": row(anonymous=LOGIN, self=REDIRECT, peer=NOT_FOUND, manager=FORBIDDEN,
                                              indirect=FORBIDDEN, other_manager=NOT_FOUND, hr=FORBIDDEN, learning=FORBIDDEN,
                                              admin=NOT_FOUND)},
    # The evidence library: one's own (everyone signed in has one; an empty form adds nothing: 400); the subject's
    # item (their file, attached to the submitted assessment) is theirs alone: to anyone else it does not exist
    # (reviewers see it only as the assessment's evidence, above). Renaming with no title is a 400; deleting it
    # is refused while the assessment uses it (409).
    "library.index": {"GET": everyone_signed_in(OK), "POST": everyone_signed_in(BAD_FORM)},
    **{endpoint: {method: row(anonymous=LOGIN, self=expect, peer=NOT_FOUND, manager=NOT_FOUND, indirect=NOT_FOUND,
                              other_manager=NOT_FOUND, hr=NOT_FOUND, learning=NOT_FOUND, admin=NOT_FOUND)
                  for method, expect in methods.items()}
       for endpoint, methods in (("library.item", {"GET": OK, "POST": BAD_FORM}), ("library.delete", {"GET": OK, "POST": CONFLICT}),
                                 ("library.file", {"GET": OK}))},
    # Endorsements. The subject asked the peer to endorse the submitted SLMO assessment (the
    # descriptor and the file shared): the peer sees what was shared, and answers (an empty answer
    # is a 400); whoever may see the assessment reads it; only the subject asks and reminds (the
    # peer was asked moments ago: too soon to remind, 409).
    "endorsements.ask": {"POST": row(anonymous=LOGIN, self=BAD_FORM, **EDITS_PAGE)},
    "endorsements.index": {"GET": everyone_signed_in(OK)},
    "endorsements.show": {
        "GET": row(anonymous=LOGIN, self=OK, peer=OK, manager=OK, indirect=OK, other_manager=NOT_FOUND, hr=OK, learning=OK,
                   admin=NOT_FOUND),
        "POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=BAD_FORM, manager=FORBIDDEN, indirect=FORBIDDEN,
                    other_manager=NOT_FOUND, hr=FORBIDDEN, learning=FORBIDDEN, admin=NOT_FOUND),
    },
    "endorsements.remind": {"POST": row(anonymous=LOGIN, self=CONFLICT, peer=FORBIDDEN, manager=FORBIDDEN, indirect=FORBIDDEN,
                                        other_manager=NOT_FOUND, hr=FORBIDDEN, learning=FORBIDDEN, admin=NOT_FOUND)},
    "endorsements.evidence_file": {"GET": row(anonymous=LOGIN, self=OK, peer=OK, manager=OK, indirect=OK,
                                              other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    "reviews.queue": {"GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=FORBIDDEN, manager=NAMED, indirect=NOT_SHOWN,
                                 other_manager=NOT_SHOWN, hr=NAMED, learning=FORBIDDEN, admin=FORBIDDEN)},
    "reviews.show": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=OK, indirect=OK,
                                other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    "reviews.decide": {"POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=BAD_FORM, indirect=FORBIDDEN,
                                   other_manager=NOT_FOUND, hr=BAD_FORM, learning=FORBIDDEN, admin=NOT_FOUND)},
    "notifications.index": {"GET": everyone_signed_in(OK)},
    "notifications.mark_read": {"POST": everyone_signed_in(REDIRECT)},
    "frameworks.settings": {"POST": only(BAD_FORM, "hr", "admin")},
    # Framework versions: anyone signed in may compare versions; HR and admins draft,
    # edit, publish and retire them, and migrate validated levels. (SFIA 8 is
    # published: the editor shows it read-only, and an empty POST is a 400.)
    "frameworks.diff": {"GET": everyone_signed_in(OK)},
    "frameworks.new": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "frameworks.import_file": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "frameworks.new_version": {"POST": only(BAD_FORM, "hr", "admin")},
    "frameworks.edit": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "frameworks.edit_skill": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "frameworks.migrate": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},

    # Reports: HR and the learning team; the team matrix: those who manage people.
    **{endpoint: {"GET": only(OK, "hr", "learning")}
       for endpoint in ("reports.gap_report", "reports.gap_export", "reports.service_coverage", "reports.training_needs")},
    # A gap row's next steps: reminding (HR and the learning team), adding to a campaign (HR, who runs them).
    "reports.remind": {"POST": only(BAD_FORM, "hr", "learning")},
    "reports.add_to_campaign": {"POST": only(BAD_FORM, "hr")},
    "reports.team_matrix": {"GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=FORBIDDEN, manager=NAMED, indirect=NAMED,
                                       other_manager=NOT_SHOWN, hr=NAMED, learning=FORBIDDEN, admin=FORBIDDEN)},

    # Requirements: everyone may read what roles and services need; HR and admins change them.
    "requirements.index": {"GET": everyone_signed_in(OK)},
    "requirements.create_role": {"POST": only(BAD_FORM, "hr", "admin")},
    "requirements.create_service": {"POST": only(BAD_FORM, "hr", "admin")},
    "requirements.role": {"GET": everyone_signed_in(OK), "POST": only(BAD_FORM, "hr", "admin")},
    "requirements.service": {"GET": everyone_signed_in(OK), "POST": only(BAD_FORM, "hr", "admin")},
    "requirements.remove_role_requirement": {"POST": only(REDIRECT, "hr", "admin")},
    "requirements.remove_service_requirement": {"POST": only(REDIRECT, "hr", "admin")},
    "requirements.assignments": {"GET": only(NAMED, "hr", "admin"), "POST": only(REDIRECT, "hr", "admin")},
    "requirements.crosswalk_list": {"GET": everyone_signed_in(OK)},
    "requirements.crosswalk_export": {"GET": everyone_signed_in(OK)},
    "requirements.crosswalk_new": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "requirements.crosswalk_edit": {"GET": only(OK, "hr", "admin"), "POST": only(BAD_FORM, "hr", "admin")},
    "requirements.crosswalk_delete": {"POST": only(REDIRECT, "hr", "admin")},

    # Learning: the catalogue is for everyone to read; the learning team and HR
    # manage it and the plans. A plan is seen by its participants and their managers.
    "learning.catalogue": {"GET": everyone_signed_in(OK), "POST": only(BAD_FORM, "hr", "learning")},
    "learning.delete_resource": {"POST": only(REDIRECT, "hr", "learning")},
    "learning.plans": {"GET": only(OK, "hr", "learning")},
    # Without ?skill_id= there is no cohort: 404 for those allowed to plan.
    "learning.new_plan": {"GET": only(NOT_FOUND, "hr", "learning"), "POST": only(NOT_FOUND, "hr", "learning")},
    "learning.plan": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=OK, indirect=OK,
                                 other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    "main.dismiss_tour": {"POST": everyone_signed_in(REDIRECT)},
    "learning.confirm_withdraw": {"GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=OK, indirect=OK,
                                             other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)},
    "learning.set_enrolment": {"POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=BAD_FORM, indirect=BAD_FORM,
                                           other_manager=NOT_FOUND, hr=BAD_FORM, learning=BAD_FORM, admin=NOT_FOUND)},

    # Development plans: the subject proposed a goal. Their plan is theirs, their line managers' and HR's
    # (not the learning team's, which sees cohort goals on its plans); the direct line manager or HR agrees
    # or sends back; the person, a line manager or HR drops; only the person changes it and records learning.
    "plans.mine": {"GET": everyone_signed_in(OK)},
    "plans.person": {"GET": row(anonymous=LOGIN, self=REDIRECT, peer=NOT_FOUND, manager=NAMED, indirect=NAMED,
                                other_manager=NOT_FOUND, hr=NAMED, learning=NOT_FOUND, admin=NOT_FOUND)},
    # Without ?skill_id= there is no goal to propose: 404 for everyone signed in.
    "plans.new_goal": {"GET": everyone_signed_in(NOT_FOUND), "POST": everyone_signed_in(NOT_FOUND)},
    "plans.edit_goal": {
        "GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                   other_manager=NOT_FOUND, hr=FORBIDDEN, learning=NOT_FOUND, admin=NOT_FOUND),
        "POST": row(anonymous=LOGIN, self=BAD_FORM, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                    other_manager=NOT_FOUND, hr=FORBIDDEN, learning=NOT_FOUND, admin=NOT_FOUND),
    },
    "plans.agree": {"POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=REDIRECT, indirect=FORBIDDEN,
                                other_manager=NOT_FOUND, hr=REDIRECT, learning=NOT_FOUND, admin=NOT_FOUND)},
    # Sent back with no reason: refused on the form (400).
    "plans.send_back": {
        "GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=NAMED, indirect=FORBIDDEN,
                   other_manager=NOT_FOUND, hr=NAMED, learning=NOT_FOUND, admin=NOT_FOUND),
        "POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=BAD_FORM, indirect=FORBIDDEN,
                    other_manager=NOT_FOUND, hr=BAD_FORM, learning=NOT_FOUND, admin=NOT_FOUND),
    },
    "plans.drop": {
        "GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=NAMED, indirect=NAMED,
                   other_manager=NOT_FOUND, hr=NAMED, learning=NOT_FOUND, admin=NOT_FOUND),
        "POST": row(anonymous=LOGIN, self=REDIRECT, peer=NOT_FOUND, manager=REDIRECT, indirect=REDIRECT,
                    other_manager=NOT_FOUND, hr=REDIRECT, learning=NOT_FOUND, admin=NOT_FOUND),
    },
    "plans.record_learning": {"POST": row(anonymous=LOGIN, self=REDIRECT, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                                          other_manager=NOT_FOUND, hr=FORBIDDEN, learning=NOT_FOUND, admin=NOT_FOUND)},

    # Service levels of the review process: HR's report, breaches, targets and calendar;
    # reassigning a review (HR; the assessment stays hidden from those who may not see it);
    # the escalations page lists only what was escalated to the caller (the subject's
    # overdue review went to the manager's manager).
    **{endpoint: {"GET": only(OK, "hr")}
       for endpoint in ("service_levels.report_page", "service_levels.breaches")},
    "service_levels.breach": {"GET": only(NAMED, "hr"), "POST": only(BAD_FORM, "hr")},
    "service_levels.targets": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    "service_levels.calendar": {"POST": only(BAD_FORM, "hr")},
    "service_levels.add_holiday": {"POST": only(BAD_FORM, "hr")},
    "service_levels.remove_holiday": {"POST": only(REDIRECT, "hr")},
    # Without its confirmation, the confirmation page (nothing done).
    "service_levels.run_checks": {"POST": only(OK, "hr")},
    # The subject's unit has no targets of its own to remove.
    "service_levels.remove_override": {"POST": only(CONFLICT, "hr")},
    "service_levels.reassign": {
        "GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                   other_manager=NOT_FOUND, hr=NAMED, learning=FORBIDDEN, admin=NOT_FOUND),
        "POST": row(anonymous=LOGIN, self=FORBIDDEN, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                    other_manager=NOT_FOUND, hr=BAD_FORM, learning=FORBIDDEN, admin=NOT_FOUND),
    },
    "service_levels.escalations": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_SHOWN, manager=NOT_SHOWN, indirect=NAMED,
                                              other_manager=NOT_SHOWN, hr=NOT_SHOWN, learning=NOT_SHOWN, admin=NOT_SHOWN)},
}

# Campaigns: HR runs them. The subject's campaign invites the Service Desk (the
# subject, the peer and the manager, who each see only their own part); to anyone
# else it does not exist.
_CAMPAIGN_HR_ONLY = dict(anonymous=LOGIN, self=FORBIDDEN, peer=FORBIDDEN, manager=FORBIDDEN, indirect=NOT_FOUND,
                         other_manager=NOT_FOUND, learning=NOT_FOUND, admin=NOT_FOUND)
MATRIX.update({
    "campaigns.index": {"GET": only(OK, "hr")},
    "campaigns.new": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    "campaigns.show": {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_SHOWN, manager=NOT_SHOWN, indirect=NOT_FOUND,
                                  other_manager=NOT_FOUND, hr=NAMED, learning=NOT_FOUND, admin=NOT_FOUND)},
    # Without its confirmation, the confirmation page (nothing done).
    "campaigns.remind": {"POST": row(hr=OK, **_CAMPAIGN_HR_ONLY)},
    "campaigns.close": {"POST": row(hr=OK, **_CAMPAIGN_HR_ONLY)},
    "campaigns.export_results": {"GET": row(hr=OK, **_CAMPAIGN_HR_ONLY)},
    # Campaign templates: HR. The world has one, "Desk every spring".
    "campaigns.templates": {"GET": only(OK, "hr")},
    "campaigns.new_template": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    "campaigns.edit_template": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    "campaigns.open_template": {"GET": only(OK, "hr"), "POST": only(BAD_FORM, "hr")},
    # Deleting asks first: the confirmation page, nothing deleted.
    "campaigns.delete_template": {"POST": only(OK, "hr")},
    # Expiring validations: HR (everyone) and line managers (their reports).
    "revalidation.index": {"GET": row(anonymous=LOGIN, self=FORBIDDEN, peer=FORBIDDEN, manager=OK, indirect=OK,
                                      other_manager=OK, hr=OK, learning=FORBIDDEN, admin=FORBIDDEN)},
    # Only the person revalidates (the subject's assessment is submitted, so they are told why not).
    "revalidation.start": {"POST": row(anonymous=LOGIN, self=REDIRECT, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                                       other_manager=NOT_FOUND, hr=FORBIDDEN, learning=FORBIDDEN, admin=NOT_FOUND)},
    "trends.coverage": {"GET": only(OK, "hr", "learning")},
    # Explore roles: anyone against any job role or service; a person's own, or a report's for
    # their line managers, HR and the learning team (whoever sees the person's skills).
    "explore.mine": {"GET": everyone_signed_in(OK)},
    "explore.my_role": {"GET": everyone_signed_in(OK)},
    "explore.my_service": {"GET": everyone_signed_in(OK)},
    **{endpoint: {"GET": row(anonymous=LOGIN, self=OK, peer=NOT_FOUND, manager=NAMED, indirect=NAMED, other_manager=NOT_FOUND,
                             hr=NAMED, learning=NAMED, admin=NOT_FOUND)}
       for endpoint in ("explore.person", "explore.person_role", "explore.person_service")},
    # For a job role, the people closest to it: HR (the subject holds the role's skill in review).
    "explore.succession": {"GET": only(NAMED, "hr")},
    # Credentials: the assessed person downloads theirs (the subject's assessment is submitted: 409);
    # verifying one, the issuer's keys and the status list are open to everyone.
    "credentials.download": {"GET": row(anonymous=LOGIN, self=CONFLICT, peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN,
                                        other_manager=NOT_FOUND, hr=FORBIDDEN, learning=FORBIDDEN, admin=NOT_FOUND)},
    "credentials.verify": {"GET": everyone_signed_in(OK, anonymous=OK), "POST": everyone_signed_in(BAD_FORM, anonymous=BAD_FORM)},
    "credentials.status_list": {"GET": everyone_signed_in(OK, anonymous=OK)},
    "credentials.did_document": {"GET": everyone_signed_in(OK, anonymous=OK)},
    "credentials.jwks": {"GET": everyone_signed_in(OK, anonymous=OK)},
    "trends.calibration": {"GET": only(OK, "hr")},
    # A background job's page, status and file: its starter's only (tests/test_jobs.py); the matrix's id names
    # no job, so everyone signed in is told it is not found.
    **{endpoint: {"GET": everyone_signed_in(NOT_FOUND)} for endpoint in ("jobs.show", "jobs.status", "jobs.download")},
})

# The HTTP API: the same policy, answered in JSON. A caller without a token gets
# 401. Writes are sent with an empty JSON object: an allowed caller gets past
# the access check to the validation (422) or the state check (409: the
# subject's assessment is already submitted).
def api_row(**cells: Expect) -> dict[str, Expect]:
    return row(anonymous=UNAUTHORIZED, **cells)


def api_everyone(expect: Expect) -> dict[str, Expect]:
    return api_row(**{c: expect for c in CALLERS if c != "anonymous"})


def api_only(allowed: Expect, *who: str) -> dict[str, Expect]:
    return api_row(**{c: (allowed if c in who else FORBIDDEN) for c in CALLERS if c != "anonymous"})


SEES_SKILLS = dict(peer=NOT_FOUND, manager=OK, indirect=OK, other_manager=NOT_FOUND, hr=OK, learning=OK, admin=NOT_FOUND)
EDITS = dict(peer=NOT_FOUND, manager=FORBIDDEN, indirect=FORBIDDEN, other_manager=NOT_FOUND, hr=FORBIDDEN,
             learning=FORBIDDEN, admin=NOT_FOUND)

MATRIX.update({
    "api.openapi": {"GET": row(**{c: OK for c in CALLERS})},
    "api.docs": {"GET": row(**{c: OK for c in CALLERS})},
    "api.me": {"GET": api_everyone(OK)},
    "api.framework_list": {"GET": api_everyone(OK)},
    "api.my_roles": {"GET": api_everyone(OK)},
    "api.my_plan": {"GET": api_everyone(OK)},
    "api.framework_file": {"GET": api_everyone(OK)},
    "api.import_framework": {"POST": api_only(INVALID, "hr", "admin")},
    "api.people": {"GET": api_row(self=SHOWN, peer=NOT_SHOWN, manager=SHOWN, indirect=SHOWN, other_manager=NOT_SHOWN,
                                  hr=SHOWN, learning=SHOWN, admin=SHOWN)},
    "api.person_skills": {"GET": api_row(self=OK, **SEES_SKILLS)},
    "api.create_assessment": {"POST": api_everyone(INVALID)},
    "api.get_assessment": {"GET": api_row(self=OK, **SEES_SKILLS)},
    "api.patch_assessment": {"PATCH": api_row(self=CONFLICT, **EDITS)},
    "api.add_evidence": {"POST": api_row(self=INVALID, **EDITS)},
    # A validated level's credential: the assessed person only; the subject's assessment is submitted (409).
    "api.assessment_credential": {"GET": api_row(self=CONFLICT, **EDITS)},
    "api.submit": {"POST": api_row(self=CONFLICT, **EDITS)},
    "api.decide": {"POST": api_row(self=FORBIDDEN, peer=NOT_FOUND, manager=INVALID, indirect=FORBIDDEN, other_manager=NOT_FOUND,
                                   hr=INVALID, learning=FORBIDDEN, admin=NOT_FOUND)},
    "api.gap_report": {"GET": api_only(OK, "hr", "learning")},
    "api.training_needs": {"GET": api_only(OK, "hr", "learning")},
    # API tokens: one's own only.
    "account.index": {"GET": everyone_signed_in(OK)},
    # Ends the caller's own sessions (this one too), then the sign-in page.
    "account.sign_out_everywhere": {"POST": everyone_signed_in(LOGIN)},
    "account.tokens_page": {"GET": everyone_signed_in(OK), "POST": everyone_signed_in(BAD_FORM)},
    "account.revoke": {"POST": row(anonymous=LOGIN, self=REDIRECT, peer=NOT_FOUND, manager=NOT_FOUND, indirect=NOT_FOUND,
                                   other_manager=NOT_FOUND, hr=NOT_FOUND, learning=NOT_FOUND, admin=NOT_FOUND)},
    # Sign-in through the identity provider: not there until it is configured
    # (tests/test_oidc.py has the configured journey).
    "sso.start": {"GET": everyone_signed_in(NOT_FOUND, anonymous=NOT_FOUND)},
    "sso.callback": {"GET": everyone_signed_in(NOT_FOUND, anonymous=NOT_FOUND)},
    # Sign-in settings and SCIM tokens: administrators only.
    "identity_admin.index": {"GET": only(OK, "admin")},
    # Turning the password form off is refused while no identity provider is set up: the page says so.
    "identity_admin.password_sign_in": {"POST": only(BAD_FORM, "admin")},
    "identity_admin.create_scim_token": {"POST": only(BAD_FORM, "admin")},
    "identity_admin.revoke_scim_token": {"POST": only(REDIRECT, "admin")},
})

# SCIM (/scim/v2) takes SCIM tokens only: every caller here sends their API
# token (or nothing) and is refused, whoever they are (tests/test_scim.py has
# the SCIM token's side).
SCIM_ROUTES = {
    "scim.service_provider_config": ["GET"], "scim.resource_types": ["GET"], "scim.resource_type": ["GET"],
    "scim.schemas": ["GET"], "scim.schema_document": ["GET"], "scim.search_everything": ["POST"],
    "scim.me": ["GET", "POST", "PUT", "PATCH", "DELETE"], "scim.bulk": ["POST"],
    "scim.list_users": ["GET"], "scim.search_users": ["POST"], "scim.create_user": ["POST"], "scim.get_user": ["GET"],
    "scim.replace_user": ["PUT"], "scim.patch_user": ["PATCH"], "scim.delete_user": ["DELETE"],
    "scim.list_groups": ["GET"], "scim.search_groups": ["POST"], "scim.create_group": ["POST"], "scim.get_group": ["GET"],
    "scim.replace_group": ["PUT"], "scim.patch_group": ["PATCH"], "scim.delete_group": ["DELETE"],
}
MATRIX.update({endpoint: {method: api_everyone(UNAUTHORIZED) for method in methods} for endpoint, methods in SCIM_ROUTES.items()})

IGNORED_METHODS = {"HEAD", "OPTIONS"}

CASES = [
    pytest.param(endpoint, method, caller, id=f"{endpoint}-{method}-{caller}")
    for endpoint, methods in MATRIX.items()
    for method, cells in methods.items()
    for caller in CALLERS
    # SCIM refuses every person alike: no token, one's own, and an administrator's stand for all.
    if not endpoint.startswith("scim.") or caller in ("anonymous", "self", "admin")
]


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_route_is_in_the_matrix(app):
    in_matrix = {(endpoint, method) for endpoint, methods in MATRIX.items() for method in methods}
    missing = sorted(app_routes(app) - in_matrix)
    assert not missing, f"routes with no row in the access matrix (add them to MATRIX): {missing}"


def test_the_matrix_has_no_rows_for_routes_that_do_not_exist(app):
    in_matrix = {(endpoint, method) for endpoint, methods in MATRIX.items() for method in methods}
    stale = sorted(in_matrix - app_routes(app))
    assert not stale, f"MATRIX rows for routes the app does not have: {stale}"


# Bookkeeping that any signed-in request may write: when a sign-in session was last used.
VOLATILE = {"sign_in_session": {"last_seen_at"}}


def database_state(skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table, as committed (but those of ``skip``, and the VOLATILE columns).

    Read with the driver's own cursor (one plain SELECT a table), which is the
    same answer as the ORM's at a tenth of the cost: the matrix reads the whole
    database twice for each of its thousands of cases."""
    db.session.rollback()
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    state = {}
    try:
        for name, statement in _state_statements(db.session.get_bind().dialect):
            if name not in skip:
                cursor.execute(statement)
                state[name] = sorted(tuple(r) for r in cursor.fetchall())
    finally:
        cursor.close()
    return state


_STATEMENTS: dict[str, list[tuple[str, str]]] = {}


def _state_statements(dialect) -> list[tuple[str, str]]:
    """(table, SELECT of its columns but the VOLATILE ones), for every table."""
    if dialect.name not in _STATEMENTS:
        quote = dialect.identifier_preparer.quote
        _STATEMENTS[dialect.name] = [
            (table.name, "SELECT " + ", ".join(quote(c.name) for c in table.columns if c.name not in VOLATILE.get(table.name, ()))
             + " FROM " + quote(table.name))
            for table in db.metadata.sorted_tables
        ]
    return _STATEMENTS[dialect.name]


def path_for(app, endpoint: str, subject, things: dict | None = None) -> str:
    things = things or {}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {}
    for argument in rule.arguments:
        if argument == "person_id":
            values[argument] = subject.id
        elif argument == "unit_id":
            values[argument] = subject.org_unit_id
        elif argument == "code":
            values[argument] = "SFIA"
        elif argument == "skill_code":
            values[argument] = "SLMO"
        elif argument == "requirement_id" and "service" in endpoint:
            values[argument] = things["service_requirement_id"]
        elif argument in things:
            values[argument] = things[argument]
        else:
            pytest.fail(f"{endpoint}: no test value for the URL argument <{argument}>; add one to path_for()")
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize("endpoint, method, caller", CASES)
def test_access(app, client, auth, org, things, endpoint, method, caller):
    expected = MATRIX[endpoint][method][caller]
    subject = org["self"]
    name, email = subject.name, subject.email
    path = path_for(app, endpoint, subject, things)

    api = endpoint.startswith(("api.", "scim."))
    headers, skip = {}, ()
    if api:
        # API callers send their bearer token, never a cookie; using a token
        # records when it was last used, which is not a change to check.
        skip = ("bearer_token",)
        if org[caller] is not None:
            from skills_app.policy import SYSTEM
            from skills_app.services import tokens

            _token, secret = tokens.create(SYSTEM, org[caller], "matrix")
            db.session.commit()
            headers["Authorization"] = f"Bearer {secret}"
    elif org[caller] is not None:
        # Signed in as the form would (the form itself is tested in test_auth);
        # a caller whose sign-in did not take would be sent to /login, which the
        # matrix's expectations tell apart from every signed-in answer.
        sign_in_directly(client, org[caller])
    refused = expected.status in (401, 403, 404) or (expected is LOGIN and caller == "anonymous")
    unchanged = method == "GET" or refused or expected.status in (400, 409, 422)
    before = database_state(skip) if unchanged else None

    if api:
        response = client.open(path, method=method, headers=headers, json={} if method in ("POST", "PATCH", "PUT") else None)
    else:
        response = client.open(path, method=method, data={} if method == "POST" else None)
    body = response.get_data(as_text=True)

    assert response.status_code == expected.status, f"{method} {path} as {caller}: expected {expected!r}, got {response.status_code}"
    if expected.location is not None:
        assert urlsplit(response.location).path == expected.location
    if expected.shows_subject is True:
        assert name in body and email in body
    if expected.shows_subject == "name":
        assert name in body
    if expected.shows_subject is False:
        assert name not in body and email not in body

    if refused:
        # The layout names the signed-in person, so the subject sees their own
        # name on any page; nobody else may see it on a refusal.
        if caller != "self":
            assert name not in body
        assert email not in body
    if unchanged:
        assert database_state(skip) == before, f"{method} {path} as {caller} changed the database"


@pytest.mark.parametrize("endpoint", sorted(e for e, methods in MATRIX.items() if "GET" not in methods))
@pytest.mark.parametrize("caller", ["anonymous", "admin"])
def test_post_only_routes_refuse_get(app, client, auth, org, things, endpoint, caller):
    path = path_for(app, endpoint, org["self"], things)
    from werkzeug.exceptions import MethodNotAllowed

    try:
        other, _ = app.url_map.bind("localhost").match(path, method="GET")
    except MethodNotAllowed:
        other = None
    if other is not None:
        # The same address answers GET with another page (the review page and its
        # decision form): that page has its own row.
        assert "GET" in MATRIX[other]
        return
    if org[caller] is not None:
        auth.login(org[caller])
    before = database_state()
    assert client.get(path).status_code == 405
    assert database_state() == before


@pytest.mark.parametrize("caller", ["peer", "other_manager"])
def test_a_hidden_person_looks_the_same_as_no_person(client, auth, org, caller):
    """Refusing a person one may not see must not tell them the person exists."""
    auth.login(org[caller])
    missing_id = max(p.id for p in org.values() if p is not None) + 1000
    nobody = client.get(f"/people/{missing_id}")
    hidden = client.get(f"/people/{org['self'].id}")
    assert nobody.status_code == hidden.status_code == 404
    # The same page, but for the CSRF token of the sign-out form (signed with the second it was made).
    def page(response):
        return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))

    assert page(hidden) == page(nobody)
