"""The demo organisation: the frameworks in frameworks/ and the people in
seed_data/, loaded idempotently (loading twice changes nothing)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from skills_app.devdata import demo_service_levels
from skills_app.importers import parse_file
from skills_app.models.framework import utcnow
from skills_app.policy import SYSTEM
from skills_app.services import accounts, assessments, campaigns, crosswalks, frameworks, history, learning, org, people_import
from skills_app.services import requirements, tour

DEMO_PASSWORD = "demo-skills-2026"
# One sign-in per application role, printed by `make run`.
DEMO_SIGN_INS = [
    ("employee", "sam.taylor@acme.example"),
    ("manager", "marcus.webb@acme.example"),
    ("hr", "hannah.lee@acme.example"),
    ("learning", "laura.chen@acme.example"),
    ("admin", "alex.morgan@acme.example"),
]


def framework_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*") if p.suffix in {".yaml", ".yml", ".json"} and not p.name.startswith("."))


def load(frameworks_dir: Path, seed_dir: Path) -> list[str]:
    lines: list[str] = []
    for path in framework_files(frameworks_dir):
        doc = parse_file(path)
        result = frameworks.import_doc(SYSTEM, doc, source=str(path))
        lines.append(f"{path.name}: {result.message}")
    lines.extend(load_crosswalks(frameworks_dir / "crosswalks"))

    people_csv = seed_dir / "people.csv"
    if people_csv.exists():
        report = people_import.run(SYSTEM, people_csv.read_text(encoding="utf-8-sig"), str(people_csv))
        lines.append(report.summary())
        set_passwords = accounts.set_missing_passwords(DEMO_PASSWORD)
        if set_passwords:
            lines.append(f"Demo password set for {set_passwords} people.")
        lines.extend(load_requirements(seed_dir))
        added = load_assessments()
        if added:
            lines.append(f"Demo assessments added: {added}.")
        lines.extend(load_campaigns())
        lines.extend(demo_service_levels.load())
        tour.mark_demo(SYSTEM)
    return lines


# (person, framework code, skill code, claimed level, outcome, validated level, comment)
# outcome: draft | submitted | approve | return | reject. Sam Taylor has none: the
# journey of the README (self-assess SLMO, submit, get it reviewed) starts there.
DEMO_ASSESSMENTS = [
    ("aisha.khan@acme.example", "SFIA", "SLMO", 3, "approve", 3, None),
    ("maria.lopez@acme.example", "SFIA", "SLMO", 4, "approve", 3,
     "Strong monitoring and reporting; negotiating service levels with customers is not yet shown."),
    ("maria.lopez@acme.example", "SLM", "SLM", 3, "approve", 3, None),
    ("tom.fischer@acme.example", "SFIA", "SLMO", 3, "submitted", None, None),
    ("jack.oneill@acme.example", "SFIA", "SLMO", 3, "return", None,
     "Please add the monthly SLA report you produced, and an example of a breach you investigated."),
    ("chloe.martin@acme.example", "SFIA", "SLMO", 5, "reject", None,
     "Level 5 asks for ownership of the service level management process; that is not part of the role yet."),
    ("mia.jensen@acme.example", "SLM", "SLM", 2, "draft", None, None),
    ("ella.nowak@acme.example", "SLM", "SLM", 3, "submitted", None, None),
    ("ravi.patel@acme.example", "SFIA", "SLMO", 2, "approve", 2, None),
]


# How long ago the decided ones were decided (days): the demo's levels have a past, so
# that one validation expires within 90 days and another has expired (a level stays
# valid for the framework's validity, 24 months by default).
DECIDED_DAYS_AGO = {
    ("aisha.khan@acme.example", "SLMO"): 680,
    ("maria.lopez@acme.example", "SLMO"): 300,
    ("maria.lopez@acme.example", "SLM"): 760,
    ("ravi.patel@acme.example", "SLMO"): 120,
    ("jack.oneill@acme.example", "SLMO"): 25,
    ("chloe.martin@acme.example", "SLMO"): 45,
}


def load_assessments() -> int:
    """Assessments in every state for the demo people who have none yet."""
    added = 0
    for email, fcode, scode, level, outcome, validated, comment in DEMO_ASSESSMENTS:
        person = accounts.by_email(email)
        framework = frameworks.find(fcode)
        if person is None or framework is None:
            continue
        skill = next((s for s in framework.skills if s.code == scode), None)
        if skill is None or history.has_assessment(person, skill):
            continue
        a = assessments.start(person, skill, level)
        descriptors = assessments.descriptors_in_view(a)
        assessments.save_draft(person, a, claimed_level=level, ratings={d.id: "met" for d in descriptors})
        for d in assessments.claimed_descriptors(a):
            assessments.add_evidence(person, a, descriptor_ids=[d.id],
                                     text=f"In the last quarter I did this on the Service Desk: {d.text[:120]}")
        added += 1
        if outcome == "draft":
            continue
        assessments.submit(person, a)
        if outcome == "submitted":
            continue
        verdicts = {d.id: ("accepted" if validated is None or d.skill_level.level <= validated else "not_accepted", None)
                    for d in descriptors}
        assessments.decide(person.manager, a, outcome=outcome, validated_level=validated, comment=comment, verdicts=verdicts)
        days = DECIDED_DAYS_AGO.get((email, scode))
        if days:
            decided = utcnow() - timedelta(days=days)
            history.date_back_review(a, decided - timedelta(days=4), decided, reviewer=person.manager)
    return added


def sign_ins_text() -> str:
    width = max(len(role) for role, _ in DEMO_SIGN_INS)
    rows = "\n".join(f"  {role:<{width}}  {email}" for role, email in DEMO_SIGN_INS)
    return f"Demo sign-ins (password for all: {DEMO_PASSWORD}):\n{rows}"


def load_crosswalks(directory: Path) -> list[str]:
    """Every crosswalk file in frameworks/crosswalks/ (identical ones are left alone)."""
    import yaml

    lines = []
    for path in framework_files(directory) if directory.is_dir() else []:
        doc = crosswalks.parse(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
        _, message = crosswalks.import_doc(SYSTEM, doc, str(path))
        lines.append(f"{path.name}: {message}")
    return lines


def load_requirements(seed_dir: Path) -> list[str]:
    """The demo job roles, services and assignments, and the learning catalogue."""
    import yaml

    lines = []
    path = seed_dir / "requirements.yaml"
    if path.exists():
        lines.extend(requirements.load_file(SYSTEM, yaml.safe_load(path.read_text(encoding="utf-8")), str(path)).lines)
    path = seed_dir / "learning.yaml"
    if path.exists():
        lines.append(learning.load_file(SYSTEM, yaml.safe_load(path.read_text(encoding="utf-8")), str(path)))
    return lines


DEMO_CAMPAIGN = "Service desk self-assessment"


def load_campaigns() -> list[str]:
    """An open campaign for the Service Desk (opened two weeks ago), unless one of that name exists."""
    if campaigns.by_name(DEMO_CAMPAIGN) is not None:
        return []
    unit = org.by_path("Acme/IT/Service Desk")
    sfia, slm = frameworks.find("SFIA"), frameworks.find("SLM")
    skills = [s for f in (sfia, slm) if f is not None for s in f.skills if s.code in ("SLMO", "SLM")]
    if unit is None or not skills:
        return []
    today = campaigns.today()
    campaigns.open_campaign(SYSTEM, name=DEMO_CAMPAIGN, skills=skills, org_unit=unit,
                            opens_on=today - timedelta(days=14), due_on=today + timedelta(days=21),
                            description="Once a year every Service Desk member self-assesses service level management, with evidence.")
    return [f"Demo campaign opened: {DEMO_CAMPAIGN}."]
