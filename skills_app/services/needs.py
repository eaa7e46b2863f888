"""Training needs counted by the database: who needs to move up which skill, by
level step (SLMO 3→4; "–→4" for people with no current level), where, and how
urgently, for the people the actor may see.

The gap rows of the needs (statuses below, not assessed, expired; skills only:
the level of responsibility is not trained as a skill step) come from the gap
engine over the kept tables (``gaps.gap_select``). In SQL, in one statement:

* the services at risk: each service requirement whose met gap rows (counted
  as rows, as service coverage counts them) are fewer than its headcount, or
  exactly one;
* one need per person and skill: the highest level any of their requirements
  asks, essential if any is, at risk if any of their rows is a service's at
  risk; their current level and status are the skill's (the same on each row);
* one cohort per skill, current level and level asked: its people, how many
  of them essentially, how many behind a service at risk, and (on PostgreSQL)
  where they are, as "unit (n)" most first, and who, by name.

Only the cohorts come back to Python (a few hundred at 100,000 people): they
are ordered and shaped as ``reports.training`` says. On SQLite the places and
names are joined in Python from rows sorted by the database.

The page (``page``) reads the cohorts' counts only, takes one page of them in
their order, then the first places and names of that page's cohorts alone.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from flask import current_app
from sqlalchemy import BigInteger, Integer, String, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by

from skills_app import paging
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.lazy import pandas as pd
from skills_app.models import Framework, OrgUnit, Person, Requirement, Service, Skill
from skills_app.reports import stream, training
from skills_app.services import gaps
from skills_app.services.gaps import Filters

NO_LEVEL = -1            # a cohort's "from" level when its people hold none: "–"
NO_UNIT = "—"            # the place of people in no org unit
PLACES_SHOWN = 10        # on the page: the first places of a cohort, most people first
NAMES_SHOWN = 25         # on the page: the first names of a cohort, in their order
PER_PAGE = 50            # cohorts on a page


def _need_filters(filters: Filters | None) -> Filters:
    filters = replace(filters) if filters is not None else Filters()
    filters.status = ([s for s in filters.status if s in training.NEED_STATUSES] or training.NEED_STATUSES)
    return filters


# A (service, skill) pair as one number, so that "is it at risk" is one IN over numbers (hashed by PostgreSQL).
_PAIR = 2 ** 31


def _at_risk(scope, now: datetime) -> list[int]:
    """The (service_id, skill_id) pairs at risk, as ``service_id * _PAIR + skill_id``:
    a service requirement with fewer met gap rows than its headcount, or exactly one
    (as services.gaps.service_coverage counts them). One statement, a row per pair."""
    met = gaps.gap_select(Filters(status=["met"]), now=now, scope=scope).order_by(None)
    met = met.where(met.selected_columns.service_id.is_not(None)).subquery("met_rows")
    qualified = (select(met.c.service_id, met.c.skill_id, func.count().label("n"))
                 .group_by(met.c.service_id, met.c.skill_id).subquery("qualified"))
    n = func.coalesce(qualified.c.n, 0)
    pairs = (select(Requirement.service_id, Requirement.skill_id)
             .join(Service, Service.id == Requirement.service_id)
             .outerjoin(qualified, and_(qualified.c.service_id == Requirement.service_id,
                                        qualified.c.skill_id == Requirement.skill_id))
             .where(Requirement.skill_id.is_not(None), or_(Requirement.headcount > n, n == 1))
             .group_by(Requirement.service_id, Requirement.skill_id))
    return sorted(service * _PAIR + skill for service, skill in db.session.execute(pairs))


def _needs(actor, filters: Filters | None, now: datetime | None, *, skill_id: int | None = None, risk: bool = True,
           status: bool = False):
    """One row per person and skill needed, narrow (numbers only: text is joined
    after the grouping): person_id, skill_id, from_key (the current level, or
    NO_LEVEL), to_level, essential and at_risk (0 or 1) (``status``: and the
    need's status). ``skill_id``: that skill's needs only. The services at risk
    are read first (``_at_risk``), in a statement of their own."""
    now = now or gaps.now_utc()
    scope = gaps.scope_for(actor)
    rows = gaps.gap_select(_need_filters(filters), now=now, scope=scope).order_by(None)
    column = rows.selected_columns.skill_id
    rows = rows.where(column.is_not(None) if skill_id is None else column == skill_id).subquery("need_rows")
    risky = _at_risk(scope, now) if risk else []
    if risky:
        pair = rows.c.service_id.cast(BigInteger) * _PAIR + rows.c.skill_id
        at_risk = func.max(case((and_(rows.c.service_id.is_not(None), pair.in_(risky)), 1), else_=0))
    else:
        at_risk = literal(0)
    return (
        select(rows.c.person_id, rows.c.skill_id,
               func.coalesce(func.max(rows.c.current_level), NO_LEVEL).label("from_key"),
               func.max(rows.c.required_level).label("to_level"),
               func.max(case((rows.c.essential.is_(True), 1), else_=0)).label("essential"),
               at_risk.label("at_risk"),
               *([func.max(rows.c.status).label("status")] if status else []))
        .select_from(rows)
        .group_by(rows.c.person_id, rows.c.skill_id)
    )


def _named(actor, filters, now, **kwargs):
    """``_needs`` with each person's name and org unit id, as a CTE."""
    needs = _needs(actor, filters, now, **kwargs).subquery("needs")
    return (select(needs, Person.name.label("person"), Person.org_unit_id.label("unit_id"))
            .join(Person, Person.id == needs.c.person_id)
            .cte("named_needs"))


COHORT = ("skill_id", "from_key", "to_level")


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _name_order(named):
    """Names in code point order, as Python's ``sorted`` gives them."""
    return named.c.person.collate("C") if _postgres() else named.c.person


def _places(named):
    """Per cohort and place (an org unit's path, or NO_UNIT): how many people, and the
    first of them (by id: a tie of places goes to the one seen first, as pandas'
    value_counts keeps it). Counted by unit id (paths are unique), named after."""
    key = [named.c[k] for k in COHORT]
    per_unit = (select(*key, named.c.unit_id, func.count().label("n"), func.min(named.c.person_id).label("first"))
                .group_by(*key, named.c.unit_id).subquery("per_unit"))
    return (select(*[per_unit.c[k] for k in COHORT], func.coalesce(OrgUnit.path, literal(NO_UNIT)).label("place"),
                   per_unit.c.n, per_unit.c.first)
            .outerjoin(OrgUnit, OrgUnit.id == per_unit.c.unit_id))


def _place_label(place, n):
    return place + literal(" (") + cast(n, String) + literal(")")


def _counted(named):
    key = [named.c[k] for k in COHORT]
    return (select(*key, func.count().label("people"), func.sum(named.c.essential).label("essential"),
                   func.sum(named.c.at_risk).label("services_at_risk"))
            .group_by(*key))


def _record(row, skills: dict, org_units=None, who=None) -> dict:
    framework, version, code, name = skills[row.skill_id]
    from_level = None if row.from_key == NO_LEVEL else int(row.from_key)
    people, essential, at_risk = int(row.people), int(row.essential), int(row.services_at_risk)
    return {
        "framework": framework, "skill": code, "skill_name": name,
        "from_level": from_level, "to_level": int(row.to_level),
        "step": training.step(code, from_level, int(row.to_level)),
        "people": people, "essential": essential, "services_at_risk": at_risk,
        "priority": training.priority(at_risk, essential),
        "org_units": org_units, "who": who, "skill_id": int(row.skill_id),
        "framework_version": version,
    }


def _tuned() -> None:
    """Room to group and sort the needs in memory, and no JIT (as for the reports' statements)."""
    stream.tune(db.session.connection(), current_app.config.get("REPORT_WORK_MEM"))


def _skills(ids) -> dict:
    """(framework code, version, skill code, skill name) of each skill id."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    stmt = (select(Skill.id, Framework.code, Framework.version, Skill.code, Skill.name)
            .join(Framework, Framework.id == Skill.framework_id).where(Skill.id.in_(ids)))
    return {r[0]: tuple(r[1:]) for r in db.session.execute(stmt)}


def cohorts(actor, filters: Filters | None = None, *, now: datetime | None = None) -> pd.DataFrame:
    """Every cohort, most urgent first (``reports.training.order_key``), with its
    places and everyone in it by name: what the downloads and the API give. On
    PostgreSQL one statement (after the services at risk) makes them all, places
    and names joined by ``string_agg``; on SQLite the places and names come sorted
    by the database in two more statements and are joined in Python."""
    named = _named(actor, filters, now)
    counted = _counted(named)
    _tuned()
    if _postgres():
        who = func.string_agg(named.c.person, aggregate_order_by(literal("; "), _name_order(named)))
        counted = counted.add_columns(who.label("who")).subquery("counted")
        places = _places(named).subquery("places")
        units = (select(*[places.c[k] for k in COHORT],
                        func.string_agg(_place_label(places.c.place, places.c.n),
                                        aggregate_order_by(literal("; "), places.c.n.desc(), places.c.first)).label("org_units"))
                 .group_by(*[places.c[k] for k in COHORT]).subquery("units"))
        rows = db.session.execute(select(counted, units.c.org_units)
                                  .join(units, and_(*[units.c[k] == counted.c[k] for k in COHORT]))).all()
        skills = _skills(r.skill_id for r in rows)
        return training.table([_record(r, skills, r.org_units, r.who) for r in rows])
    rows = db.session.execute(counted).all()
    places = _places(named).subquery("places")
    place_key = [places.c[k] for k in COHORT]
    place_text, names = {}, {}
    for r in db.session.execute(select(*place_key, places.c.place, places.c.n).order_by(*place_key, places.c.n.desc(), places.c.first)):
        place_text.setdefault(tuple(r[:3]), []).append(f"{r.place} ({r.n})")
    name_key = [named.c[k] for k in COHORT]
    for r in db.session.execute(select(*name_key, named.c.person).order_by(*name_key, _name_order(named))):
        names.setdefault(tuple(r[:3]), []).append(r.person)
    skills = _skills(r.skill_id for r in rows)
    return training.table([_record(r, skills, "; ".join(place_text[k]), "; ".join(names[k]))
                           for r in rows for k in [tuple(r[:3])]])


def counts(actor, filters: Filters | None = None, *, now: datetime | None = None) -> list[dict]:
    """Every cohort's counts, most urgent first, each with its first places
    (``org_units``: up to PLACES_SHOWN, ``more_places``) and first names (``who``:
    up to NAMES_SHOWN, ``more_people``): what the page shows, whatever the size of
    the cohorts. One statement (after the services at risk): the counts, and the
    places and names of each cohort ranked by window functions."""
    named = _named(actor, filters, now)
    found, places_of, names_of = _first_ranked(named)
    skills = _skills(r.skill_id for r in found)
    records = []
    for r in found:
        k = tuple(r[:3])
        shown_places, n_places = places_of.get(k, [[], 0])
        shown_names = names_of.get(k, [])
        record = _record(r, skills, "; ".join(t for _, t in sorted(shown_places)), "; ".join(t for _, t in sorted(shown_names)))
        record["more_places"] = n_places - len(shown_places)
        record["more_people"] = record["people"] - len(shown_names)
        records.append(record)
    return sorted(records, key=training.order_key)


def _first_ranked(named):
    """(cohort rows, {key: ([(rank, place)], places in all)}, {key: [(rank, name)]}) in
    one statement: the counts, and the first places and names of each cohort ranked
    by window functions, as three branches of a UNION ALL over the needs."""
    key = [named.c[k] for k in COHORT]
    counted = _counted(named).add_columns(literal(None, String).label("text"), literal(None, Integer).label("rank"),
                                          literal(None, Integer).label("of"), literal(0).label("part"))
    places = _places(named).subquery("places")
    place_key = [places.c[k] for k in COHORT]
    ranked_places = select(*place_key, _place_label(places.c.place, places.c.n).label("text"),
                           func.row_number().over(partition_by=place_key, order_by=(places.c.n.desc(), places.c.first)).label("rank"),
                           func.count().over(partition_by=place_key).label("of")).subquery("ranked_places")
    ranked_names = select(*key, named.c.person.label("text"),
                          func.row_number().over(partition_by=key, order_by=_name_order(named)).label("rank")
                          ).subquery("ranked_names")
    first_places = select(*[ranked_places.c[k] for k in COHORT], literal(None, Integer), literal(None, Integer),
                          literal(None, Integer), ranked_places.c.text, ranked_places.c.rank, ranked_places.c.of,
                          literal(1)).where(ranked_places.c.rank <= PLACES_SHOWN)
    first_names = select(*[ranked_names.c[k] for k in COHORT], literal(None, Integer), literal(None, Integer),
                         literal(None, Integer), ranked_names.c.text, ranked_names.c.rank, literal(None, Integer),
                         literal(2)).where(ranked_names.c.rank <= NAMES_SHOWN)
    found, places_of, names_of = [], {}, {}
    _tuned()
    for r in db.session.execute(union_all(counted, first_places, first_names)):
        k = tuple(r[:3])
        if r.part == 0:
            found.append(r)
        elif r.part == 1:
            places_of.setdefault(k, ([], r.of))[0].append((r.rank, r.text))
        else:
            names_of.setdefault(k, []).append((r.rank, r.text))
    return found, places_of, names_of


def _people_select(actor, filters: Filters | None, now: datetime | None, skill_id: int | None = None, risk: bool = True):
    needs = _needs(actor, filters, now, skill_id=skill_id, status=True, risk=risk).subquery("needs")
    return (select(needs, Person.name.label("person"), Person.email.label("email"), OrgUnit.path.label("org_unit"),
                   Framework.code.label("framework"), Framework.version.label("framework_version"),
                   Skill.code.label("skill"), Skill.name.label("skill_name"))
            .join(Person, Person.id == needs.c.person_id).outerjoin(OrgUnit, OrgUnit.id == Person.org_unit_id)
            .join(Skill, Skill.id == needs.c.skill_id).join(Framework, Framework.id == Skill.framework_id)
            .order_by(needs.c.person_id, needs.c.skill_id))


def people(actor, filters: Filters | None = None, *, now: datetime | None = None, skill_id: int | None = None,
           risk: bool = True) -> pd.DataFrame:
    """One row per person and skill needed (ordered by person and skill), as
    ``reports.training.people_table`` shapes it (``skill_id``: that skill only;
    ``risk=False``: without reading the services at risk, every ``at_risk`` False)."""
    return training.people_table(db.session.execute(_people_select(actor, filters, now, skill_id, risk)).all())


def people_batches(actor, filters: Filters | None = None, *, now: datetime | None = None, batch: int = 10000):
    """The rows of ``people`` in batches (``reports.training.people_records`` shapes
    each), read as they are written: a server-side cursor on PostgreSQL, so that a
    whole organisation's needs (a million rows at 100,000 people) are never all in memory."""
    _tuned()
    result = db.session.execute(_people_select(actor, filters, now).execution_options(yield_per=batch))
    for rows in result.partitions():
        yield training.people_records(rows)


def of_skill(actor, filters: Filters | None, skill_id: int, *, now: datetime | None = None):
    """The needs of one skill, a row per person (``_needs``' columns, ``at_risk`` 0: the
    services at risk are not read), as a subquery: what a training plan's cohort is chosen from."""
    return _needs(actor, filters, now, skill_id=skill_id, risk=False).subquery("skill_needs")


def training_needs(actor, filters: Filters | None = None, *, now: datetime | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cohorts, people) as ``cohorts`` and ``people`` give them."""
    return cohorts(actor, filters, now=now), people(actor, filters, now=now)


# A cohort's key in a cursor: reports.training.order_key's kinds.
_KEY_KINDS = (int, str, str, int, int, int)


def checked(cursor: str | None) -> None:
    """Refuse (invalid input) a cursor this application did not make for a list of
    cohorts: its key must be of ``reports.training.order_key``'s kinds, so that a page
    is never compared with a key of other kinds."""
    at = paging.decode(cursor)
    if at is not None and (len(at.key) != len(_KEY_KINDS) or not all(
            isinstance(v, kind) and not isinstance(v, bool) for v, kind in zip(at.key, _KEY_KINDS))):
        raise InvalidInput.on("cursor", "unknown cursor", "The cursor is not one this application gave.")


def page(actor, filters: Filters | None = None, *, cursor: str | None = None, limit: int = PER_PAGE,
         counted: list[dict] | None = None, now: datetime | None = None) -> paging.Page:
    """One page of the cohorts in their order (keyset, by ``reports.training.order_key``),
    as ``counts`` gives them (``counted``: when the caller has them); ``total``: the
    number of cohorts."""
    checked(cursor)
    records = counts(actor, filters, now=now) if counted is None else counted
    return paging.of_list(records, training.order_key, cursor=cursor, limit=limit)
