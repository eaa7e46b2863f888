"""The demo organisation: the frameworks in frameworks/, the people in
seed_data/ and two years of their history (demo_history), loaded idempotently
(loading twice changes nothing) and the same for the same day."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from skills_app import clock
from skills_app.devdata import demo_history
from skills_app.importers import parse_file
from skills_app.policy import SYSTEM
from skills_app.services import accounts, crosswalks, frameworks, history, learning, people_import, requirements, tour

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


def load(frameworks_dir: Path, seed_dir: Path, *, now: datetime | None = None) -> list[str]:
    """Load the demo as of ``now`` (the wall clock unless given): the organisation as it was
    set up two years before, then its history (skills_app/devdata/demo_history.py)."""
    now = now or clock.now()
    lines: list[str] = []
    # The frameworks, the people and their roles were there when the story starts.
    with history.as_of(now - timedelta(days=800)):
        for path in [*framework_files(frameworks_dir), *framework_files(seed_dir / "frameworks")]:
            doc = parse_file(path)
            if path.parent == seed_dir / "frameworks" and frameworks.find(doc.framework.code) is not None:
                continue  # the demo's own framework: its later versions are the story's
            result = frameworks.import_doc(SYSTEM, doc, source=str(path))
            lines.append(f"{path.name}: {result.message}")
        lines.extend(load_crosswalks(frameworks_dir / "crosswalks"))
        people_csv = seed_dir / "people.csv"
        if not people_csv.exists():
            return lines
        text = people_csv.read_text(encoding="utf-8-sig")
        emails = [row.get("email", "") for row in csv.DictReader(io.StringIO(text))]
        if any(accounts.by_email(e) is None for e in emails if e):
            # Imported once (an import is an event of the audit trail: a second load adds none).
            lines.append(people_import.run(SYSTEM, text, str(people_csv)).summary())
        else:
            lines.append(f"People: 0 created, 0 updated, {len(emails)} unchanged")
        set_passwords = accounts.set_missing_passwords(DEMO_PASSWORD)
        if set_passwords:
            lines.append(f"Demo password set for {set_passwords} people.")
        lines.extend(load_requirements(seed_dir))
    lines.extend(demo_history.load(now))
    with history.as_of(now):
        tour.mark_demo(SYSTEM)
    return lines


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
