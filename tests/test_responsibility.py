"""Levels of responsibility assessed first (issue 21): a responsibility assessment
goes through the skills' state machine, evidence and review; its per-attribute
validated levels give the person's current responsibility level; a skill claimed
more than one level above it is flagged, never refused."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from skills_app.errors import Conflict, InvalidInput, InvalidState, NotAllowed, NotFound
from skills_app.extensions import db
from skills_app.models import AuditEvent
from skills_app.policy import SYSTEM
from skills_app.services import assessments, requirements, responsibility

ATTRIBUTES = ("Autonomy", "Influence", "Complexity", "Knowledge", "Business skills")


def levels_framework(code="LOR", version="1", attributes=ATTRIBUTES):
    """A framework of seven levels whose generic attributes are described at every level."""
    from skills_app.importers import parse_text
    from skills_app.services import frameworks

    lines = [f"framework: {{code: {code}, name: Levels of responsibility, version: '{version}'}}", "levels:"]
    lines += [f"  - {{number: {n}, name: Level {n}}}" for n in range(1, 8)]
    lines.append("attributes:")
    for name in attributes:
        lines += [f"  - code: {name[:3].upper()}", f"    name: {name}", "    levels:"]
        lines += [f"      - {{level: {n}, description: '{name} at level {n}.'}}" for n in range(1, 8)]
    lines.append("skills: []")
    result = frameworks.import_doc(SYSTEM, parse_text("\n".join(lines) + "\n", f"{code}.yaml"), source=f"{code}.yaml")
    db.session.commit()
    return result.framework


@pytest.fixture
def lor(team):
    return levels_framework()


def claims(assessment, *levels):
    return {c.attribute_id: level for c, level in zip(sorted(assessment.claims, key=lambda c: c.attribute.position), levels)}


def validated_responsibility(person, manager, framework, *levels):
    """A responsibility assessment validated as claimed at ``levels`` (one per attribute)."""
    a = responsibility.start(person, framework, levels[0])
    assessments.save_draft(person, a, claims=claims(a, *levels))
    assessments.submit(person, a)
    assessments.decide(manager, a, outcome="approve")
    db.session.commit()
    return a


@pytest.mark.parametrize("levels, expected", [
    ([3, 3, 4, 4, 5], 4), ([5, 4, 3, 3], 3), ([3, 5], 3), ([6], 6), ([2, 2, 2, 7, 7], 2), ([], None),
])
def test_the_level_of_responsibility_is_the_highest_level_more_than_half_of_the_attributes_reach(levels, expected):
    assert assessments.overall_level(levels) == expected


def test_the_responsibility_flow_goes_through_the_same_states_evidence_and_review(team, lor):
    a = responsibility.start(team.sam, lor, 3)
    assert (a.kind, a.status, a.claimed_level, a.skill_id) == ("responsibility", "draft", 3, None)
    assert [c.claimed_level for c in a.claims] == [3] * 5

    assessments.save_draft(team.sam, a, claims=claims(a, 3, 4, 4, 4, 3))
    assert a.claimed_level == 4
    attribute = a.claims[1].attribute
    evidence = assessments.add_evidence(team.sam, a, descriptor_ids=[attribute.id], text="Led the supplier review alone.")
    assert evidence.attributes == [attribute] and evidence.descriptors == []
    assert [x.name for x in assessments.missing_evidence(a)] == ["Autonomy", "Complexity", "Knowledge", "Business skills"]
    with pytest.raises(InvalidInput, match="not part of this assessment"):
        assessments.add_evidence(team.sam, a, descriptor_ids=[999999], text="x")

    assessments.submit(team.sam, a)
    assert a.status == "submitted"
    assert a in assessments.review_queue(team.manager)
    assert a not in assessments.review_queue(team.other)
    with pytest.raises(NotAllowed):
        assessments.decide(team.sam, a, outcome="approve")

    # Validating an attribute at another level than claimed needs a reason.
    knowledge = a.claims[3].attribute_id
    with pytest.raises(InvalidInput, match="Knowledge"):
        assessments.decide(team.manager, a, outcome="approve", verdicts={knowledge: ("3", None)})
    assessments.decide(team.manager, a, outcome="approve", comment="Knowledge is still level 3.",
                       verdicts={knowledge: ("3", "Broad, not yet deep.")})
    db.session.commit()
    assert a.status == "validated"
    assert [c.validated_level for c in a.claims] == [3, 4, 4, 3, 3]
    assert a.validated_level == 3  # 4, 4 reach 4: two of five, not more than half
    assert a.claims[3].verdict_comment == "Broad, not yet deep."
    current = responsibility.current_level(team.sam)
    assert (current.level, current.framework, current.assessment_id) == (3, "LOR 1", a.id)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "assessment", AuditEvent.entity_id == a.id).order_by(AuditEvent.id))]
    assert actions[0] == "assessment.started" and "assessment.submitted" in actions and actions[-1] == "assessment.validated"
    # A skill's current levels know nothing of it.
    assert assessments.current_levels([team.sam.id]) == {}


def test_a_responsibility_assessment_is_returned_and_resubmitted_like_a_skill(team, lor):
    a = responsibility.start(team.sam, lor, 4)
    assessments.submit(team.sam, a)
    with pytest.raises(InvalidInput, match="what more evidence"):
        assessments.decide(team.manager, a, outcome="return")
    assessments.decide(team.manager, a, outcome="return", comment="Evidence for influence, please.")
    assert a.status == "returned" and a.validated_level is None
    assessments.save_draft(team.sam, a, claims=claims(a, 4, 3, 4, 4, 4))
    assessments.submit(team.sam, a)
    assert a.status == "submitted" and a.claimed_level == 4
    assert responsibility.current_level(team.sam) is None


def test_every_attribute_needs_a_level_before_submitting(team, lor):
    a = responsibility.start(team.sam, lor, 2)
    a.claims.pop()
    db.session.flush()
    with pytest.raises(InvalidInput, match="every attribute") as refused:
        assessments.submit(team.sam, a)
    assert list(refused.value.fields) == [f"claims.{lor.attributes[-1].id}"]


def test_claims_are_checked_and_only_one_responsibility_assessment_is_open(team, lor):
    a = responsibility.start(team.sam, lor, 3)
    with pytest.raises(InvalidInput, match="not described at level 9"):
        assessments.save_draft(team.sam, a, claims={lor.attributes[0].id: "9"})
    with pytest.raises(Conflict) as again:
        responsibility.start(team.sam, lor, 2)
    assert again.value.details["assessment_id"] == a.id
    with pytest.raises(InvalidInput, match="there is no level 8"):
        responsibility.start(team.pat, lor, 8)
    with pytest.raises(NotAllowed):
        assessments.save_draft(team.pat, a, claims={lor.attributes[0].id: "2"})


def test_a_framework_without_attributes_cannot_be_assessed_for_responsibility(team):
    slm = team.slm.framework
    with pytest.raises(InvalidInput, match="no generic attributes"):
        responsibility.start(team.sam, slm, 3)
    assert slm not in responsibility.framework_choices(team.sam)
    assert team.sfia in responsibility.framework_choices(team.sam)  # SFIA 8's five attributes


def test_the_latest_validated_unexpired_assessment_gives_the_current_level(team, lor):
    from datetime import timedelta

    from skills_app.models.framework import utcnow

    first = validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 3, 3)
    second = validated_responsibility(team.sam, team.manager, lor, 5, 5, 5, 4, 4)
    assert responsibility.current_level(team.sam).level == 5
    second.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    assert responsibility.current_level(team.sam).assessment_id == first.id
    row = responsibility.row(team.sam, team.sam)
    assert (row.current.level, row.status, row.expired) == (3, "Validated", second)


# -- the flag on a skill claimed far above the responsibility level -------------------------

@pytest.mark.parametrize("claimed, flagged", [(3, False), (4, False), (5, True), (7, True), (2, False)])
def test_a_skill_claimed_more_than_one_level_above_the_responsibility_level_is_flagged(team, lor, claimed, flagged):
    validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 4, 4)
    found = responsibility.mismatch_for(team.sam, claimed)
    assert (found is not None) == flagged
    if flagged:
        assert (found.responsibility, found.claimed) == (3, claimed)
        assert found.attributes[0] == ("Autonomy", "Autonomy at level 3.", f"Autonomy at level {claimed}.")
        assert [name for name, _, _ in found.attributes] == list(ATTRIBUTES)


def test_without_a_validated_responsibility_level_nothing_is_flagged(team, lor):
    a = responsibility.start(team.sam, lor, 2)
    assessments.submit(team.sam, a)  # submitted, not validated: no level yet
    assert responsibility.mismatch_for(team.sam, 7) is None


def test_the_flag_is_on_the_skill_assessment_for_the_person_and_the_reviewer_and_refuses_nothing(team, lor):
    validated_responsibility(team.sam, team.manager, lor, 2, 2, 2, 2, 2)
    skill = assessments.start(team.sam, team.slmo, 5)
    for who in (team.sam, team.manager, team.hr):
        assert responsibility.mismatch(who, skill).claimed == 5
    with pytest.raises(NotFound):
        responsibility.mismatch(team.pat, skill)
    descriptors = assessments.claimed_descriptors(skill)
    assessments.save_draft(team.sam, skill, claimed_level=5, ratings={d.id: "met" for d in descriptors})
    assessments.submit(team.sam, skill)
    assessments.decide(team.manager, skill, outcome="approve")
    assert skill.validated_level == 5


def test_a_job_role_states_a_required_responsibility_level_shown_on_my_skills(team, lor):
    role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None,
                                      responsibility_level=4)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    db.session.commit()
    row = responsibility.row(team.sam, team.sam)
    assert (row.required_level, row.required_by, row.current, row.gap, row.status) == (4, ["Service Level Manager"], None, None, "Not assessed")
    validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 3, 3)
    row = responsibility.row(team.sam, team.sam)
    assert (row.current.level, row.gap) == (3, 1)


def test_a_responsibility_assessment_cannot_be_revalidated_as_a_skill(team, lor):
    from skills_app.services import revalidation

    a = validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 3, 3)
    with pytest.raises(InvalidState, match="not revalidated"):
        revalidation.revalidate(team.sam, a)


# -- the gap report's row of its own ------------------------------------------------------------

def _lor_rows(actor, **filters):
    from skills_app.services import gaps, needs

    df = gaps.frame(actor, gaps.Filters(**filters))
    return [r for r in df.to_dict(orient="records") if r["skill"] == "LoR"]


def test_a_job_roles_level_of_responsibility_is_a_gap_row_of_its_own(team, lor):
    role = requirements.save_job_role(SYSTEM, None, name="Desk lead", description=None, responsibility_level=4)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=3, essential=True)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    db.session.commit()

    def row():
        found = _lor_rows(SYSTEM, person_id=team.sam.id)
        assert len(found) == 1
        r = found[0]
        return (r["framework"], r["job_role"], r["required_level"], r["current_level"], r["self_level"], r["gap"], r["status"])

    assert row()[:3] == ("LoR", "Desk lead", 4) and row()[-1] == "not_assessed"
    a = responsibility.start(team.sam, lor, 4)
    assessments.submit(team.sam, a)
    db.session.commit()
    assert row()[-3:] == (4, None, "awaiting_review")
    assessments.decide(team.manager, a, outcome="approve", comment="Influence is 3.",
                       verdicts={c.attribute_id: ("3", None) for c in a.claims[:3]})
    db.session.commit()
    assert row()[3:] == (3, 4, 1, "below")
    validated_responsibility(team.sam, team.manager, lor, 5, 5, 4, 4, 4)
    assert row()[3:] == (4, 4, 0, "met")
    # The skill's row is there as before, and the level of responsibility is no skill to train.
    from skills_app.services import gaps, needs

    skills = [r for r in gaps.frame(SYSTEM, gaps.Filters(person_id=team.sam.id)).to_dict(orient="records") if r["skill"] == "SLMO"]
    assert len(skills) == 1
    assert _lor_rows(SYSTEM, skill="lor") and not _lor_rows(SYSTEM, framework="SFIA")
    cohorts, _people = needs.training_needs(SYSTEM)
    assert "LoR" not in set(cohorts["skill"])
    # My skills lists skills only; the level of responsibility is its own row there too.
    assert [r.skill.code for r in assessments.skill_rows(team.sam, team.sam)] == ["SLMO"]


def test_the_gap_csv_keeps_its_columns_and_adds_the_row(team, lor, runner):
    import csv
    import io

    role = requirements.save_job_role(SYSTEM, None, name="Desk lead", description=None, responsibility_level=3)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 2, 2)
    result = runner.invoke(args=["report", "gaps", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == ["person_id", "person", "email", "org_unit", "job_role", "service", "framework", "skill",
                       "required_level", "current_level", "self_level", "gap", "status"]
    assert rows[1:] == [[str(team.sam.id), "Sam Subject", team.sam.email, "", "Desk lead", "", "LoR", "LoR",
                         "3", "3", "3", "0", "met"]]


def test_the_requirements_file_may_state_a_job_roles_level_of_responsibility(team):
    data = {"job_roles": [{"name": "Desk lead", "responsibility_level": 4, "requirements": []},
                          {"name": "Analyst", "requirements": []}]}
    requirements.load_file(SYSTEM, data, "roles.yaml")
    roles = {r.name: r.responsibility_level for r in requirements.job_roles(SYSTEM)}
    assert roles == {"Desk lead": 4, "Analyst": None}
    with pytest.raises(InvalidInput, match=r"roles.yaml: job_roles\[0\].responsibility_level: .*between 1 and 9"):
        requirements.load_file(SYSTEM, {"job_roles": [{"name": "Desk lead", "responsibility_level": 12}]}, "roles.yaml")


def test_a_level_of_responsibility_lapsing_at_the_moment_asked_is_expired_and_is_no_skills_level(team, lor):
    """The gap rows at the instant a validated level of responsibility lapses: its row is
    "expired" (not "not assessed"); and before that, the level of responsibility is the
    job role's row's level only, never the level of a skill the person has not assessed."""
    from datetime import timedelta

    import pandas as pd

    from skills_app.models.framework import utcnow
    from skills_app.services import gaps, needs

    role = requirements.save_job_role(SYSTEM, None, name="Desk lead", description=None, responsibility_level=4)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=3, essential=True)
    requirements.assign(SYSTEM, team.sam, job_roles=[role], services=[])
    db.session.commit()
    a = validated_responsibility(team.sam, team.manager, lor, 3, 3, 3, 3, 3)
    now = utcnow().replace(microsecond=0)
    a.valid_until = now
    db.session.commit()

    def rows(at):
        df = gaps.frame(SYSTEM, gaps.Filters(person_id=team.sam.id), now=at)
        return {r["skill"]: tuple(None if pd.isna(r[k]) else r[k] for k in ("current_level", "gap", "status"))
                for r in df.to_dict(orient="records")}

    assert rows(now - timedelta(seconds=1)) == {"LoR": (3, 1, "below"), "SLMO": (None, None, "not_assessed")}
    assert rows(now) == {"LoR": (None, None, "expired"), "SLMO": (None, None, "not_assessed")}
