"""The demo organisation: the frameworks in frameworks/ and the people in
seed_data/, loaded idempotently (loading twice changes nothing)."""
from __future__ import annotations

from pathlib import Path

from skills_app.importers import parse_file
from skills_app.policy import SYSTEM
from skills_app.services import accounts, frameworks, people_import

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

    people_csv = seed_dir / "people.csv"
    if people_csv.exists():
        report = people_import.run(SYSTEM, people_csv.read_text(encoding="utf-8-sig"), str(people_csv))
        lines.append(report.summary())
        set_passwords = 0
        for person in accounts.active_people():
            if not person.password_hash:
                person.password_hash = accounts.hash_password(DEMO_PASSWORD)
                set_passwords += 1
        if set_passwords:
            lines.append(f"Demo password set for {set_passwords} people.")
    return lines


def sign_ins_text() -> str:
    width = max(len(role) for role, _ in DEMO_SIGN_INS)
    rows = "\n".join(f"  {role:<{width}}  {email}" for role, email in DEMO_SIGN_INS)
    return f"Demo sign-ins (password for all: {DEMO_PASSWORD}):\n{rows}"
