"""A person's validated levels over time: every validation decision, by skill,
for the timeline chart of My skills (one statement)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, select

from skills_app import clock, policy
from skills_app.extensions import db
from skills_app.models import Assessment, Framework, Person, Skill


@dataclass
class Point:
    skill: str          # "SFIA SLMO"
    level: int
    decided_at: datetime
    valid_until: datetime | None


@dataclass
class Timeline:
    rows: list[tuple[str, list[Point]]]
    start: datetime
    end: datetime

    def x(self, moment: datetime, width: float) -> float:
        span = (self.end - self.start).total_seconds() or 1
        return round((moment - self.start).total_seconds() / span * width, 1)


def _aware(moment):
    from skills_app.services.assessments import aware

    return aware(moment)


@functools.cache
def _statement():
    """The person's validations, by skill: the same statement each time (built once), their id its parameter."""
    return (select(Framework.code, Skill.code, Assessment.validated_level, Assessment.decided_at, Assessment.valid_until)
            .join(Skill, Skill.id == Assessment.skill_id).join(Framework, Framework.id == Skill.framework_id)
            .where(Assessment.person_id == bindparam("person_id", type_=Integer), Assessment.status == "validated",
                   Assessment.validated_level.is_not(None), Assessment.decided_at.is_not(None))
            .order_by(Framework.code, Skill.code, Assessment.decided_at, Assessment.id))


def timeline(actor, person: Person) -> Timeline | None:
    policy.require(actor, "view_person_skills", person)
    rows: dict[str, list[Point]] = {}
    for fw, code, level, decided, until in db.session.execute(_statement(), {"person_id": person.id}):
        label = code if fw.upper() == code.upper() else f"{fw} {code}"
        rows.setdefault(label, []).append(Point(label, level, _aware(decided), _aware(until)))
    if not rows:
        return None
    start = min(p.decided_at for points in rows.values() for p in points)
    return Timeline(rows=list(rows.items()), start=start, end=max(clock.now(), start))
