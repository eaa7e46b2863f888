"""A synthetic organisation of any size, for benchmarks: `skills-app demo generate`.

Realistic in shape: an org tree, line managers with about eight reports each,
job roles of 5 to 15 required skills drawn from an SFIA-shaped framework of
about 150 skills at 7 levels (generated when no such framework is loaded),
services with headcount requirements, and about three assessments per person
over two years (validated, expired, returned, rejected, submitted, drafts).

Rows are written in bulk through ``services.bulk``: COPY on PostgreSQL,
executemany elsewhere, with explicit ids (sequences are moved past them
afterwards). The same seed gives the same organisation.
"""
from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.importers.document import FrameworkDoc
from skills_app.importers.sfia_text import SFIA_LEVEL_NAMES
from skills_app.models import Assessment, Framework, JobRole, OrgUnit, Person, PersonRole, Requirement, Service
from skills_app.models.requirements import person_job_role, person_service
from skills_app.services import audit, bulk, frameworks

SYNTH_CODE = "SYNTH"
CATEGORIES = {
    "Strategy and architecture": ["Strategy and planning", "Financial and value management", "Security and privacy", "Governance, risk and compliance", "Advice and guidance"],
    "Change and transformation": ["Business change implementation", "Business change management"],
    "Development and implementation": ["Systems development", "User experience", "Installation and integration"],
    "Delivery and operation": ["Technology management", "Service management", "Security services", "Data and records operations"],
    "People and skills": ["People management", "Skills management"],
    "Relationships and engagement": ["Stakeholder management", "Sales and marketing"],
}
VERBS = ["Plans", "Monitors", "Designs", "Reviews", "Leads", "Coordinates", "Analyses", "Maintains", "Implements", "Assures",
         "Negotiates", "Develops", "Evaluates", "Supports", "Manages", "Audits", "Improves", "Documents", "Tests", "Advises"]
OBJECTS = ["service levels", "security controls", "data models", "release schedules", "supplier contracts", "capacity plans",
           "incident records", "requirements", "test strategies", "architecture roadmaps", "risk registers", "budgets",
           "learning needs", "stakeholder relationships", "change requests", "operational procedures"]
FIRST = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Robin", "Charlie",
         "Maria", "Wei", "Aisha", "Lukas", "Priya", "Kenji", "Fatima", "Omar", "Elena", "Noah", "Zara", "Mateo"]
LAST = ["Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Kowalski", "Haddad", "Tanaka", "Silva", "Nielsen",
        "O'Brien", "Dubois", "Novak", "Patel", "Ivanova", "Kim", "Mensah", "Lopez", "Berg"]


@dataclass
class Summary:
    people: int = 0
    org_units: int = 0
    job_roles: int = 0
    services: int = 0
    assessments: int = 0
    framework: str = ""

    def lines(self) -> list[str]:
        return [f"Generated {self.people} people in {self.org_units} org units, {self.job_roles} job roles, "
                f"{self.services} services and {self.assessments} assessments against {self.framework}."]


def synthetic_framework_doc(rng: random.Random, skills: int = 150) -> FrameworkDoc:
    levels = [{"number": n, "name": name} for n, name in SFIA_LEVEL_NAMES.items()]
    items = []
    codes = set()
    flat = [(c, s) for c, subs in CATEGORIES.items() for s in subs]
    for i in range(skills):
        category, subcategory = flat[i % len(flat)]
        while True:
            code = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVWXY") for _ in range(4))
            if code not in codes:
                codes.add(code)
                break
        low = rng.choice([1, 2, 2, 3, 3, 4])
        high = rng.randint(max(low + 2, 5), 7)
        skill_levels = []
        for n in range(1, 8):
            if low <= n <= high:
                count = rng.randint(1, 4)
                skill_levels.append({"level": n, "defined": True, "descriptors": [
                    f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} at level {n} ({k + 1})." for k in range(count)]})
            else:
                skill_levels.append({"level": n, "defined": False, "note": "This skill is not typically observed at this level."})
        obj = rng.choice(OBJECTS)
        items.append({
            "code": code, "name": f"{obj.capitalize()} {i + 1}", "category": category, "subcategory": subcategory,
            "description": f"Working with {obj} across the organisation.", "guidance": [f"{rng.choice(VERBS).lower()} {obj}"],
            "levels": skill_levels,
        })
    return FrameworkDoc.model_validate({
        "framework": {"code": SYNTH_CODE, "name": "Synthetic SFIA-shaped framework", "version": "1", "publisher": "skills_app"},
        "levels": levels, "skills": items,
    })


def _framework(rng: random.Random) -> Framework:
    """A framework of 100 skills or more with 7 levels: an existing one, else a generated one."""
    return (bulk.framework_with_skills(100)
            or frameworks.import_doc(policy.SYSTEM, synthetic_framework_doc(rng), source="skills-app demo generate").framework)


def generate(people: int, seed: int = 0, progress: Callable[[int], None] | None = None,
             password_hash: str | None = None) -> Summary:
    """Add a synthetic organisation of ``people`` people. Callers commit."""
    if people < 1:
        raise InvalidInput("--people must be at least 1")
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
    step = progress or (lambda n: None)
    summary = Summary()

    framework = _framework(rng)
    skills = bulk.skills_of(framework)
    defined = {s.id: s.defined_levels for s in skills}
    skill_ids = [s.id for s in skills if defined[s.id]]
    summary.framework = framework.label
    step(1)

    # Org units: a root, divisions, departments, teams (about 25 people a team).
    tag = f"Synth{seed}"
    unit_id = bulk.next_id(OrgUnit)
    units, teams = [], []

    def unit(name, parent):
        nonlocal unit_id
        path = f"{parent['path']}/{name}" if parent else name
        row = {"id": unit_id, "name": name, "path": path, "parent_id": parent["id"] if parent else None}
        unit_id += 1
        units.append(row)
        return row

    root = unit(f"{tag} Group", None)
    team_count = max(1, people // 25)
    divisions = [unit(f"Division {d + 1}", root) for d in range(max(1, min(12, team_count // 20 or 1)))]
    departments = []
    for d, division in enumerate(divisions):
        for k in range(max(1, min(10, team_count // (len(divisions) * 4) or 1))):
            departments.append(unit(f"Department {d + 1}.{k + 1}", division))
    for t in range(team_count):
        teams.append(unit(f"Team {t + 1}", departments[t % len(departments)]))
    bulk.insert(OrgUnit.__table__, units)
    summary.org_units = len(units)

    # People: a tree of managers with about eight reports each.
    first_id = bulk.next_id(Person)
    created = now - timedelta(days=800)
    person_rows, role_rows = [], []
    queue: list[int] = []          # people who can take more reports, oldest first
    manager_counts: dict[int, int] = {}
    for i in range(people):
        pid = first_id + i
        manager = None
        if queue:
            manager = queue[0]
            manager_counts[manager] = manager_counts.get(manager, 0) + 1
            if manager_counts[manager] >= rng.randint(6, 10):
                queue.pop(0)
        queue.append(pid)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        team = teams[min(i * len(teams) // people, len(teams) - 1)]
        person_rows.append({
            "id": pid, "email": f"p{pid}.{seed}@synth.example", "name": name, "employee_number": f"{tag}-{pid:07d}",
            "job_title": "Staff", "active": True, "password_hash": password_hash, "session_version": 1,
            "org_unit_id": team["id"], "manager_id": manager, "created_at": created, "updated_at": created,
        })
    manager_ids = {r["manager_id"] for r in person_rows if r["manager_id"]}
    role_id = bulk.next_id(PersonRole)
    for r in person_rows:
        roles = ["employee"] + (["manager"] if r["id"] in manager_ids else [])
        offset = r["id"] - first_id
        if offset % 500 == 1:
            roles.append("hr")
        if offset % 700 == 2:
            roles.append("learning")
        for role in roles:
            role_rows.append({"id": role_id, "person_id": r["id"], "role": role})
            role_id += 1
    bulk.insert(Person.__table__, person_rows)
    bulk.insert(PersonRole.__table__, role_rows)
    summary.people = people
    step(1)

    # Job roles with 5-15 required skills; services with headcounts.
    def level_for(skill_id: int) -> int:
        levels = defined[skill_id]
        return rng.choice(levels[: max(1, len(levels) - 1)])

    role_first = bulk.next_id(JobRole)
    n_roles = max(5, min(60, people // 200))
    job_roles = [{"id": role_first + k, "name": f"{tag} role {k + 1}", "description": None, "created_at": now} for k in range(n_roles)]
    requirement_id = bulk.next_id(Requirement)
    role_requirements, role_skills = [], {}
    for role in job_roles:
        chosen = rng.sample(skill_ids, rng.randint(5, min(15, len(skill_ids))))
        role_skills[role["id"]] = []
        for skill_id in chosen:
            level = level_for(skill_id)
            role_requirements.append({"id": requirement_id, "job_role_id": role["id"], "service_id": None, "skill_id": skill_id,
                                      "min_level": level, "essential": rng.random() < 0.75, "headcount": 1})
            role_skills[role["id"]].append((skill_id, level))
            requirement_id += 1
    bulk.insert(JobRole.__table__, job_roles)
    bulk.insert(Requirement.__table__, role_requirements)

    service_first = bulk.next_id(Service)
    n_services = max(2, people // 500)
    services = [{"id": service_first + k, "name": f"{tag} service {k + 1}", "description": None, "created_at": now} for k in range(n_services)]
    service_requirements = []
    for service in services:
        for skill_id in rng.sample(skill_ids, rng.randint(2, 5)):
            service_requirements.append({"id": requirement_id, "job_role_id": None, "service_id": service["id"],
                                         "skill_id": skill_id, "min_level": level_for(skill_id), "essential": True,
                                         "headcount": rng.randint(1, 4)})
            requirement_id += 1
    bulk.insert(Service.__table__, services)
    bulk.insert(Requirement.__table__, service_requirements)
    summary.job_roles, summary.services = len(job_roles), len(services)

    assignments, service_members, person_role = [], [], {}
    for r in person_rows:
        role = job_roles[(r["org_unit_id"] + rng.randint(0, 2)) % len(job_roles)]["id"]
        person_role[r["id"]] = role
        assignments.append({"person_id": r["id"], "job_role_id": role})
        if rng.random() < 0.3:
            service_members.append({"person_id": r["id"], "service_id": rng.choice(services)["id"]})
    bulk.insert(person_job_role, assignments)
    bulk.insert(person_service, service_members)
    step(1)

    # About three assessments a person over two years, mostly on their role's skills.
    assessment_id = bulk.next_id(Assessment)
    rows = []
    by_manager = {r["id"]: r["manager_id"] for r in person_rows}
    for r in person_rows:
        open_skills = set()  # one open assessment per person and skill (as the app allows)
        wanted = role_skills[person_role[r["id"]]]
        for k in range(rng.choice([1, 2, 3, 3, 4, 5])):
            skill_id, required = wanted[rng.randrange(len(wanted))] if rng.random() < 0.85 else (rng.choice(skill_ids), None)
            levels = defined[skill_id]
            claimed = rng.choice(levels)
            started = now - timedelta(days=rng.randint(1, 730))
            roll = rng.random()
            status = ("validated" if roll < 0.62 else "returned" if roll < 0.7 else "rejected" if roll < 0.75
                      else "submitted" if roll < 0.87 else "draft")
            if status in ("returned", "submitted", "draft"):
                if skill_id in open_skills:
                    status = "rejected"
                open_skills.add(skill_id)
            submitted = started + timedelta(days=rng.randint(0, 10)) if status != "draft" else None
            decided = submitted + timedelta(days=rng.randint(1, 25)) if status in ("validated", "returned", "rejected") else None
            if decided and decided > now:
                decided = now - timedelta(hours=1)
            validated = None
            valid_until = None
            if status == "validated":
                validated = max(min(levels), min(claimed, claimed - (1 if rng.random() < 0.3 else 0)))
                valid_until = decided + timedelta(days=730)
            rows.append({
                "id": assessment_id, "person_id": r["id"], "framework_id": framework.id, "skill_id": skill_id,
                "claimed_level": claimed, "status": status, "version": 1,
                "reviewer_id": by_manager[r["id"]] if decided else None, "validated_level": validated,
                "decision_comment": "Evidence reviewed." if decided else None, "submitted_at": submitted, "decided_at": decided,
                "valid_until": valid_until, "created_at": started, "updated_at": decided or submitted or started,
            })
            assessment_id += 1
        if len(rows) >= 20000:
            bulk.insert(Assessment.__table__, rows)
            summary.assessments += len(rows)
            step(len(rows))
            rows = []
    bulk.insert(Assessment.__table__, rows)
    summary.assessments += len(rows)
    step(len(rows))
    bulk.reset_sequences([OrgUnit.__table__, Person.__table__, PersonRole.__table__, JobRole.__table__, Requirement.__table__,
                      Service.__table__, Assessment.__table__])
    bulk.analyze()
    audit.record(policy.SYSTEM, "demo.generated", None, summary=summary.lines()[0], data={"seed": seed, "people": people})
    return summary


def people_csv(count: int, seed: int = 0, start: int = 0) -> str:
    """An HR-system export of ``count`` new people (for the import benchmark)."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["employee_number", "email", "name", "job_title", "org_unit", "manager", "roles"])
    for i in range(count):
        number = f"IMP{seed}-{start + i:07d}"
        manager = f"IMP{seed}-{start + (i - 1) // 8:07d}" if i else ""
        writer.writerow([number, f"imp{start + i}.{seed}@import.example", f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                         "Analyst", f"Import Group/Unit {i // 50 + 1}", manager, "employee"])
    return out.getvalue()
