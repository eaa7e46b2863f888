"""Reading for the demo organisation's history (skills_app/devdata/demo_history.py),
which is written through the domain's own operations, each as of its moment
(skills_app/clock.py): which assessments someone has already, and the skill
as it stood at a moment of the story; and ``as_of``, which runs a step of the
story at its moment and writes its rows before the moment ends."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import func, select

from skills_app import clock
from skills_app.extensions import db
from skills_app.models import Assessment, Framework, Person, Skill


def _of(framework_code: str, skill_code: str):
    return select(Skill.id).join(Framework, Framework.id == Skill.framework_id).where(
        func.upper(Framework.code) == framework_code.upper(), func.upper(Skill.code) == skill_code.upper())


def has_assessment_of(person: Person, framework_code: str, skill_code: str) -> bool:
    """Whether ``person`` has any assessment, in any state and any version of the framework, of that skill."""
    return bool(db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.person_id == person.id, Assessment.skill_id.in_(_of(framework_code, skill_code)))))


def latest_validated(person: Person, framework_code: str, skill_code: str) -> Assessment | None:
    """``person``'s latest validated assessment of that skill, in any version of the framework."""
    return db.session.scalar(select(Assessment).where(
        Assessment.person_id == person.id, Assessment.skill_id.in_(_of(framework_code, skill_code)),
        Assessment.status == "validated").order_by(Assessment.decided_at.desc(), Assessment.id.desc()).limit(1))


def published_skill(framework_code: str, skill_code: str) -> Skill | None:
    """The skill in the newest published version of the framework (the one assessed against now)."""
    return db.session.scalar(
        select(Skill).join(Framework, Framework.id == Skill.framework_id).where(
            func.upper(Framework.code) == framework_code.upper(), func.upper(Skill.code) == skill_code.upper(),
            Framework.status == "published").order_by(Framework.id.desc()).limit(1))


@contextmanager
def as_of(moment: datetime):
    """Run the body as of ``moment`` (skills_app/clock.py), and flush before it ends:
    a row's timestamps (``created_at``, an audit event's ``at``) are taken when it is
    written, so it must be written while the moment lasts."""
    with clock.as_of(moment):
        yield
        db.session.flush()
