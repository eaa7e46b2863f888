"""The kept tables (models/kept.py): each person's requirements and the facts
of their current levels, maintained in the transaction of every change that
moves them, and checked against a recomputation.

How they stay true: the session notes, as it flushes, whom a change concerns
(an assessment's person; a job role's or a service's holders, when its
requirements, its level of responsibility or its holders change; the people
who hold a skill that a crosswalk maps), and the notes are worked off before
the transaction commits, and before the gap engine reads (``sync``): the rows
of those people are deleted and computed again, set-wise, by the same rules
as the check. Bulk writes (services/bulk.py, the people import's COPY) note
their people themselves; a statement that writes one of the tables the rows
derive from in bulk, whose people it cannot tell, has every row recomputed.

``check`` recomputes every row and reports each person and skill whose kept
rows differ (expected, found); ``fix`` rewrites them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

from sqlalchemy import DateTime, Integer, Select, and_, case, cast, delete, event, func, insert, literal, null, or_, select, true, union_all
from sqlalchemy.orm import Session

from skills_app.models import Assessment, CrosswalkLevel, JobRole, Person, Requirement, Service, Skill
from skills_app.models.kept import CurrentLevel, PersonRequirement
from skills_app.models.requirements import Crosswalk, person_job_role, person_service

# Above this many people, every row is recomputed at once (one statement per table).
WHOLE = 5000
CHUNK = 500

_INFO = "kept_marks"
_DONE = "kept_done"


@dataclass
class Marks:
    people: set = field(default_factory=set)
    job_roles: set = field(default_factory=set)
    services: set = field(default_factory=set)
    skills: set = field(default_factory=set)
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.everyone or self.people or self.job_roles or self.services or self.skills)

    def update(self, other: Marks) -> None:
        self.people |= other.people
        self.job_roles |= other.job_roles
        self.services |= other.services
        self.skills |= other.skills
        self.everyone = self.everyone or other.everyone


def marks(session: Session) -> Marks:
    found = session.info.get(_INFO)
    if found is None:
        found = session.info[_INFO] = Marks()
    return found


def note_people(session: Session, ids: Iterable[int]) -> None:
    marks(session).people.update(i for i in ids if i is not None)


def note_everyone(session: Session) -> None:
    marks(session).everyone = True


# -- what the rows are: the same rules as the gap engine's -------------------------------

def _everyone(column):
    return true()


def _none(kind=Integer):
    """A typed NULL (PostgreSQL types a union's column of NULLs alone as text)."""
    return cast(null(), kind)


def requirement_rows(people: Callable = _everyone) -> Select:
    """Each person's requirements: their job roles' and services' required skill levels,
    and their job roles' levels of responsibility (no skill)."""
    from_roles = (
        select(person_job_role.c.person_id.label("person_id"), Requirement.skill_id.label("skill_id"),
               Requirement.id.label("requirement_id"), Requirement.min_level.label("required_level"),
               Requirement.essential.label("essential"), Requirement.job_role_id.label("job_role_id"),
               _none().label("service_id"))
        .join(Requirement, Requirement.job_role_id == person_job_role.c.job_role_id)
        .where(people(person_job_role.c.person_id))
    )
    from_services = (
        select(person_service.c.person_id, Requirement.skill_id, Requirement.id, Requirement.min_level, Requirement.essential,
               _none(), Requirement.service_id)
        .join(Requirement, Requirement.service_id == person_service.c.service_id)
        .where(people(person_service.c.person_id))
    )
    responsibility = (
        select(person_job_role.c.person_id, _none(), _none(), JobRole.responsibility_level, true(), JobRole.id, _none())
        .join(JobRole, JobRole.id == person_job_role.c.job_role_id)
        .where(JobRole.responsibility_level.is_not(None), people(person_job_role.c.person_id))
    )
    return union_all(from_roles, from_services, responsibility)


REQUIREMENT_COLUMNS = ["person_id", "skill_id", "requirement_id", "required_level", "essential", "job_role_id", "service_id"]
LEVEL_COLUMNS = ["person_id", "skill_id", "level", "via_skill_id", "held_from", "valid_until", "self_level", "pending",
                 "lapsed_at"]


def _branch(*columns) -> Select:
    """A select of the level columns, each labelled with its name (a union reads its first branch's)."""
    return select(*[c.label(name) for c, name in zip(columns, LEVEL_COLUMNS)])


def level_rows(people: Callable = _everyone) -> Select:
    """Each person's level facts per skill (and for the level of responsibility, no skill).

    A validation counts from when every validation after it has lapsed (``held_from``:
    the latest expiry among them; none for the latest) until its own expiry, and only
    if it outlives them all; it is then the latest validated, unexpired one, for any
    moment. A crosswalk gives the mapped skill a level over the same window."""
    skill = Assessment.skill_id.is_not(None)
    responsibility = Assessment.kind == "responsibility"
    held = and_(Assessment.status == "validated", Assessment.validated_level.is_not(None))
    parts = []
    windows_of = {}
    for name, which, partition in (("skill", skill, (Assessment.person_id, Assessment.skill_id)),
                                   ("responsibility", responsibility, (Assessment.person_id,))):
        subject = Assessment.skill_id if name == "skill" else _none()
        order = (Assessment.decided_at.desc(), Assessment.id.desc())
        later = {"partition_by": partition, "order_by": order, "rows": (None, -1)}
        ranked = (
            select(Assessment.person_id, subject.label("skill_id"),
                   Assessment.validated_level.label("level"), Assessment.valid_until,
                   func.max(Assessment.valid_until).over(**later).label("held_from"),
                   func.count(Assessment.id).over(**later).label("later_n"),
                   func.count(case((Assessment.valid_until.is_(None), 1))).over(**later).label("later_forever"))
            .where(which, held, people(Assessment.person_id))
            .subquery(f"ranked_{name}")
        )
        relevant = and_(ranked.c.later_forever == 0,
                        or_(ranked.c.later_n == 0, ranked.c.valid_until.is_(None), ranked.c.valid_until > ranked.c.held_from))
        windows_of[name] = (ranked, relevant)
        # The facts, and the latest validation (which always counts, from no start): one row per person and skill.
        claim_order = (func.coalesce(Assessment.submitted_at, Assessment.created_at).desc(), Assessment.id.desc())
        held_first = (case((held, 0), else_=1), *order)
        facts = (
            select(Assessment.person_id, subject.label("skill_id"),
                   Assessment.claimed_level.label("self_level"),
                   func.row_number().over(partition_by=partition, order_by=claim_order).label("rank"),
                   func.max(case((held, 1), else_=0)).over(partition_by=partition).label("has_level"),
                   func.first_value(Assessment.validated_level, type_=Integer).over(partition_by=partition, order_by=held_first).label("level"),
                   func.first_value(Assessment.valid_until, type_=DateTime(timezone=True)).over(partition_by=partition, order_by=held_first).label("valid_until"),
                   func.max(case((Assessment.status == "submitted", 1), else_=0)).over(partition_by=partition).label("pending"),
                   func.min(case((Assessment.status == "validated", Assessment.valid_until))).over(partition_by=partition)
                   .label("lapsed_at"))
            .where(which, people(Assessment.person_id))
            .subquery(f"facts_{name}")
        )
        parts.append(
            _branch(facts.c.person_id, facts.c.skill_id, case((facts.c.has_level == 1, facts.c.level)), _none(),
                   _none(DateTime(timezone=True)), case((facts.c.has_level == 1, facts.c.valid_until)), facts.c.self_level,
                   facts.c.pending == 1, facts.c.lapsed_at)
            .where(facts.c.rank == 1))
        parts.append(
            _branch(ranked.c.person_id, ranked.c.skill_id, ranked.c.level, _none(), ranked.c.held_from, ranked.c.valid_until,
                   _none(), literal(False), _none(DateTime(timezone=True)))
            .where(relevant, ranked.c.held_from.is_not(None)))
    ranked, relevant = windows_of["skill"]
    for to, frm, to_level, frm_level in (
        (CrosswalkLevel.to_skill_id, CrosswalkLevel.from_skill_id, CrosswalkLevel.to_level, CrosswalkLevel.from_level),
        (CrosswalkLevel.from_skill_id, CrosswalkLevel.to_skill_id, CrosswalkLevel.from_level, CrosswalkLevel.to_level),
    ):
        windows = select(ranked).where(relevant).subquery()
        parts.append(
            _branch(windows.c.person_id, to, func.max(to_level), windows.c.skill_id, windows.c.held_from, windows.c.valid_until,
                   _none(), literal(False), _none(DateTime(timezone=True)))
            .join(CrosswalkLevel, and_(frm == windows.c.skill_id, frm_level <= windows.c.level))
            .group_by(windows.c.person_id, to, windows.c.skill_id, windows.c.held_from, windows.c.valid_until))
    return union_all(*parts)


# -- writing them -------------------------------------------------------------------------

def _write(connection, people: Callable) -> None:
    connection.execute(insert(PersonRequirement.__table__).from_select(REQUIREMENT_COLUMNS, requirement_rows(people)))
    connection.execute(insert(CurrentLevel.__table__).from_select(LEVEL_COLUMNS, level_rows(people)))


def rebuild(session: Session, person_ids: Iterable[int] | None = None) -> None:
    """Recompute the kept rows of these people (None: of everyone), in the session's transaction."""
    connection = session.connection()
    if person_ids is None:
        connection.execute(delete(PersonRequirement.__table__))
        connection.execute(delete(CurrentLevel.__table__))
        _write(connection, _everyone)
        return
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        connection.execute(delete(PersonRequirement.__table__).where(PersonRequirement.person_id.in_(chunk)))
        connection.execute(delete(CurrentLevel.__table__).where(CurrentLevel.person_id.in_(chunk)))
        _write(connection, lambda column, chunk=chunk: column.in_(chunk))


def _expand(connection, found: Marks) -> set[int] | None:
    """The people the marks concern (None: everyone)."""
    if found.everyone:
        return None
    people = set(found.people)
    if found.job_roles:
        ids = sorted(found.job_roles)
        people.update(connection.scalars(select(person_job_role.c.person_id).where(person_job_role.c.job_role_id.in_(ids))))
        people.update(connection.scalars(select(PersonRequirement.person_id).where(PersonRequirement.job_role_id.in_(ids))))
    if found.services:
        ids = sorted(found.services)
        people.update(connection.scalars(select(person_service.c.person_id).where(person_service.c.service_id.in_(ids))))
        people.update(connection.scalars(select(PersonRequirement.person_id).where(PersonRequirement.service_id.in_(ids))))
    if found.skills:
        ids = sorted(found.skills)
        people.update(connection.scalars(select(Assessment.person_id).where(Assessment.skill_id.in_(ids)).distinct()))
        people.update(connection.scalars(select(CurrentLevel.person_id).where(
            or_(CurrentLevel.skill_id.in_(ids), CurrentLevel.via_skill_id.in_(ids))).distinct()))
    return None if len(people) > WHOLE else people


def sync(session: Session) -> None:
    """Work off the notes: recompute the kept rows of everyone a change since concerns."""
    if session.dirty or session.new or session.deleted:
        session.flush()  # the changes not flushed yet are noted as they flush
    found = session.info.pop(_INFO, None)
    if not found:
        return
    people = _expand(session.connection(), found)
    if people is not None and not people:
        return
    rebuild(session, people)
    session.info.setdefault(_DONE, Marks()).update(found)


# -- noting changes as the session flushes -------------------------------------------------

_ASSESSMENT_FIELDS = ("person_id", "skill_id", "kind", "status", "validated_level", "valid_until", "decided_at",
                      "claimed_level", "submitted_at", "created_at")
_REQUIREMENT_FIELDS = ("job_role_id", "service_id", "skill_id", "min_level", "essential")


def _changed(state, names) -> bool:
    return any(state.attrs[n].history.has_changes() for n in names)


def _values(state, name) -> set:
    history = state.attrs[name].history
    return {v for v in (*history.unchanged, *history.added, *history.deleted) if v is not None} | (
        {getattr(state.object, name)} if getattr(state.object, name, None) is not None else set())


def _note_flush(session: Session, _context) -> None:
    """After a flush (ids given, the history of each change still there): note whom it concerns."""
    from sqlalchemy import inspect

    found = marks(session)
    for obj, kind in [(o, "new") for o in session.new] + [(o, "dirty") for o in session.dirty] + \
                     [(o, "deleted") for o in session.deleted]:
        state = inspect(obj)
        if isinstance(obj, Assessment):
            if kind != "dirty" or _changed(state, _ASSESSMENT_FIELDS):
                found.people.update(_values(state, "person_id"))
        elif isinstance(obj, Person):
            if kind == "new" or (kind == "dirty" and _changed(state, ("job_roles", "services"))):
                found.people.add(obj.id)
        elif isinstance(obj, Requirement):
            if kind != "dirty" or _changed(state, _REQUIREMENT_FIELDS):
                found.job_roles.update(_values(state, "job_role_id"))
                found.services.update(_values(state, "service_id"))
        elif isinstance(obj, JobRole):
            if kind == "deleted" or _changed(state, ("people", "responsibility_level", "requirements")):
                found.job_roles.add(obj.id)
                if kind == "new":
                    found.people.update(p.id for p in obj.people if p.id is not None)
        elif isinstance(obj, Service):
            if kind == "deleted" or _changed(state, ("people", "requirements")):
                found.services.add(obj.id)
                if kind == "new":
                    found.people.update(p.id for p in obj.people if p.id is not None)
        elif isinstance(obj, CrosswalkLevel):
            if kind != "dirty" or _changed(state, ("from_skill_id", "to_skill_id", "from_level", "to_level")):
                found.skills.update(_values(state, "from_skill_id") | _values(state, "to_skill_id"))
        elif isinstance(obj, Crosswalk):
            if kind == "deleted":
                found.everyone = True


_WATCHED = {"assessment", "person_job_role", "person_service", "requirement", "crosswalk_level", "crosswalk", "job_role",
            "service"}


def watches(table_name: str) -> bool:
    """Whether rows written to this table move the kept rows."""
    return table_name in _WATCHED


def note_table_rows(session: Session, table_name: str, rows: Iterable) -> None:
    """Rows written in bulk to ``table_name`` (dicts, or tuples in ``columns`` order via ``note_tuples``)."""
    if table_name not in _WATCHED:
        return
    found = marks(session)
    rows = list(rows)
    if table_name in ("assessment", "person_job_role", "person_service"):
        found.people.update(r.get("person_id") for r in rows if r.get("person_id") is not None)
        if any(r.get("person_id") is None for r in rows):
            found.everyone = True
    elif table_name == "requirement":
        found.job_roles.update(r["job_role_id"] for r in rows if r.get("job_role_id") is not None)
        found.services.update(r["service_id"] for r in rows if r.get("service_id") is not None)
    elif table_name in ("crosswalk_level", "crosswalk"):
        found.everyone = True


def _note_statement(state) -> None:
    """A bulk INSERT, UPDATE or DELETE through the session on a table the rows derive from."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in _WATCHED:
        return
    params = state.parameters
    if state.is_insert and isinstance(params, (list, tuple)) and params and all(isinstance(p, dict) for p in params):
        note_table_rows(state.session, name, params)
    elif state.is_insert and isinstance(params, dict) and params:
        note_table_rows(state.session, name, [params])
    else:
        note_everyone(state.session)


def _before_commit(session: Session) -> None:
    sync(session)


def _after_soft_rollback(session: Session, previous) -> None:
    # A savepoint rolled back undoes the rows written for changes made before it: note them again.
    if session.in_transaction() and session.info.get(_DONE):
        marks(session).update(session.info[_DONE])


def _after_rollback(session: Session) -> None:
    if not session.in_transaction():
        session.info.pop(_INFO, None)
        session.info.pop(_DONE, None)


def _after_commit(session: Session) -> None:
    session.info.pop(_DONE, None)


_installed = False


def install() -> None:
    """Listen to every session (once)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _note_flush)
    event.listen(Session, "do_orm_execute", _note_statement)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    event.listen(Session, "after_rollback", _after_rollback)
    event.listen(Session, "after_commit", _after_commit)
    _installed = True


# -- the check ---------------------------------------------------------------------------------

@dataclass
class Drift:
    table: str
    person_id: int
    skill_id: int | None
    expected: list
    found: list


def _rows(connection, stmt, columns) -> dict:
    out: dict = {}
    for row in connection.execute(stmt):
        row = tuple(row)
        key = (row[0], row[1])
        out.setdefault(key, Counter())[_normal(row)] += 1
    return out


def _normal(row) -> tuple:
    from datetime import datetime, timezone

    out = []
    for value in row:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        elif isinstance(value, bool):
            value = int(value)
        out.append(value)
    return tuple(out)


def check_tables(actor, *, fix: bool = False, progress: Callable[[int], None] | None = None) -> tuple[int, list[Drift]]:
    """``check`` for an administrator (the command line's ``skills-app kept check``): the
    number of people checked, and the drift."""
    from skills_app import policy
    from skills_app.extensions import db

    policy.require(actor, "check_kept_tables")
    session = db.session()
    people = session.scalar(select(func.count()).select_from(Person)) or 0
    return people, check(session, fix=fix, progress=progress)


def people_count(actor) -> int:
    from skills_app import policy
    from skills_app.extensions import db

    policy.require(actor, "check_kept_tables")
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def labels(actor, drift: list[Drift]) -> tuple[dict, dict]:
    """Names for the drift's people (email) and skills ("SFIA 8 SLMO")."""
    from skills_app import policy
    from skills_app.extensions import db

    policy.require(actor, "check_kept_tables")
    session = db.session()
    ids = sorted({d.person_id for d in drift})
    people = dict(session.execute(select(Person.id, Person.email).where(Person.id.in_(ids))).all()) if ids else {}
    return people, skill_labels(session, [d.skill_id for d in drift])


def check(session: Session, *, fix: bool = False, progress: Callable[[int], None] | None = None,
          chunk: int = 2000) -> list[Drift]:
    """Every person's kept rows against a recomputation: the differences, per person and
    skill; with ``fix``, the drifted people's rows rewritten."""
    sync(session)
    connection = session.connection()
    people = list(connection.scalars(select(Person.id).order_by(Person.id)))
    # Rows of people no longer there would have gone with them (ON DELETE CASCADE); rows of ids not in person are drift too.
    drift: list[Drift] = []
    for start in range(0, len(people), chunk):
        ids = people[start:start + chunk]
        low, high = ids[0], ids[-1]

        def within(column, low=low, high=high):
            return and_(column >= low, column <= high)

        for table, expected_stmt, model, columns in (
            ("person_requirement", requirement_rows(within), PersonRequirement, REQUIREMENT_COLUMNS),
            ("current_level", level_rows(within), CurrentLevel, LEVEL_COLUMNS),
        ):
            expected = _rows(connection, select(*[c for c in expected_stmt.subquery().c]), columns)
            found_stmt = select(*[model.__table__.c[c] for c in columns]).where(within(model.person_id))
            found = _rows(connection, found_stmt, columns)
            for key in sorted(set(expected) | set(found), key=lambda k: (k[0], k[1] or 0)):
                if expected.get(key, Counter()) != found.get(key, Counter()):
                    drift.append(Drift(table, key[0], key[1], sorted(expected.get(key, Counter()).elements(), key=repr),
                                       sorted(found.get(key, Counter()).elements(), key=repr)))
        if progress:
            progress(len(ids))
    # Rows whose person id matches nobody (cannot happen with the foreign keys; counted all the same).
    for model in (PersonRequirement, CurrentLevel):
        stray = connection.scalars(select(model.person_id).where(model.person_id.not_in(select(Person.id))).distinct())
        drift.extend(Drift(model.__tablename__, pid, None, [], ["(a person no longer there)"]) for pid in stray)
    if fix and drift:
        rebuild(session, {d.person_id for d in drift})
    return drift


def skill_labels(session: Session, ids: Iterable[int]) -> dict[int, str]:
    from skills_app.models import Framework

    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    rows = session.execute(select(Skill.id, Framework.code, Framework.version, Skill.code)
                           .join(Framework, Framework.id == Skill.framework_id).where(Skill.id.in_(ids)))
    return {sid: f"{fw} {version} {code}" for sid, fw, version, code in rows}
