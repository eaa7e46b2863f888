"""The people import: an HR system's CSV export, as one all-or-nothing upsert.

Columns are found by header, case-insensitive (``Employee Number`` and
``employee_number`` alike); columns not listed here are ignored. Rows are
keyed on the employee number. Managers may appear after their reports.
Every problem is collected with its line and column; if there is any,
nothing at all is written.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.models import ROLES, JobRole, Person, Service
from skills_app.services import accounts, audit, org, requirements

COLUMNS = ("employee_number", "email", "name", "job_title", "org_unit", "manager", "roles", "job_roles", "services")
REQUIRED = ("employee_number", "email", "name")
MAX_ERRORS = 50


@dataclass
class RowError:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class PeopleImportError(InvalidInput):
    def __init__(self, file: str, errors: list[RowError]):
        self.file = file
        self.errors = errors
        shown = "\n".join(f"  {file}: {e}" for e in errors[:MAX_ERRORS])
        more = f"\n  … and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        super().__init__(f"{file}: {len(errors)} problem{'s' if len(errors) != 1 else ''}; nothing was imported:\n{shown}{more}",
                         details={"errors": [str(e) for e in errors[:MAX_ERRORS]]})


@dataclass
class Row:
    line: int
    employee_number: str
    email: str
    name: str
    job_title: str | None = None
    org_unit: str | None = None
    manager: str | None = None
    roles: list[str] | None = None
    job_roles: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    org_units_created: list[str] = field(default_factory=list)
    job_roles_created: list[str] = field(default_factory=list)
    services_created: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be" if self.dry_run else "were"
        parts = [f"{len(self.created)} created", f"{len(self.updated)} updated", f"{self.unchanged} unchanged"]
        text = f"People: {', '.join(parts)}"
        if self.org_units_created:
            text += f"; {len(self.org_units_created)} org unit{'s' if len(self.org_units_created) != 1 else ''} {verb} created"
        for names, what in ((self.job_roles_created, "job role"), (self.services_created, "service")):
            if names:
                text += f"; {len(names)} {what}{'s' if len(names) != 1 else ''} {verb} created ({', '.join(names)})"
        return text + (" (dry run: nothing was written)" if self.dry_run else "")


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lstrip("\ufeff").lower())


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def parse(text: str, file: str) -> tuple[list[Row], set[str]]:
    """Read and check each row on its own; cross-row checks come in :func:`run`."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise PeopleImportError(file, [RowError(1, None, "the file is empty")])
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") and first_line.count(";") >= 2 else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors: list[RowError] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise PeopleImportError(file, [RowError(1, None, f"cannot read the header: {exc}")]) from None
    keys = [_header_key(h) for h in header]
    positions: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in COLUMNS:
            if key in positions:
                errors.append(RowError(1, header[i], f"the column {key} appears twice"))
            positions.setdefault(key, i)
    missing = [c for c in REQUIRED if c not in positions]
    if missing:
        errors.append(RowError(1, None, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the header has: {', '.join(h for h in header if h) or 'nothing'})"))
    if errors:
        raise PeopleImportError(file, errors)

    rows: list[Row] = []
    line = 1
    while True:
        # Where the record starts: a quote left open is found only at the end
        # of the file, but the line to fix is the one where it was opened.
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RowError(start, None, f"malformed CSV: {exc}"))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue

        def cell(column: str) -> str | None:
            i = positions.get(column)
            if i is None or i >= len(record):
                return None
            value = record[i].strip()
            return value or None

        row_errors: list[RowError] = []
        number, email, name = cell("employee_number"), cell("email"), cell("name")
        for column, value in (("employee_number", number), ("email", email), ("name", name)):
            if not value:
                row_errors.append(RowError(line, column, f"{column} is empty"))
        if email:
            email = accounts.normalise_email(email)
            if not accounts.is_email(email):
                row_errors.append(RowError(line, "email", f"{email!r} is not a valid email address"))
        for column, value, limit in (("employee_number", number, 64), ("name", name, 200), ("job_title", cell("job_title"), 200)):
            if value and len(value) > limit:
                row_errors.append(RowError(line, column, f"longer than {limit} characters"))
        roles = None
        if "roles" in positions:
            roles = [r.lower() for r in _split(cell("roles"))] or ["employee"]
            bad = [r for r in roles if r not in ROLES]
            if bad:
                row_errors.append(RowError(line, "roles", f"unknown role {bad[0]!r} (the roles are {', '.join(ROLES)})"))
        unit = cell("org_unit")
        if unit:
            try:
                unit = org.clean_path(unit)
            except InvalidInput as exc:
                row_errors.append(RowError(line, "org_unit", exc.message))
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(Row(line, number, email, name, cell("job_title"), unit, cell("manager"), roles,
                        _split(cell("job_roles")), _split(cell("services"))))
    if errors:
        raise PeopleImportError(file, errors)
    if not rows:
        raise PeopleImportError(file, [RowError(line, None, "the file has a header but no people")])
    return rows, set(positions)


def run(actor, text: str, file: str, *, dry_run: bool = False,
        progress: Callable[[int], None] | None = None) -> ImportReport:
    """Check every row, then write them all (or, with ``dry_run``, only report)."""
    policy.require(actor, "import_people")
    rows, columns = parse(text, file)
    errors: list[RowError] = []

    existing = {p.employee_number: p for p in db.session.scalars(select(Person).where(Person.employee_number.is_not(None)))}
    by_email = {p.email: p for p in db.session.scalars(select(Person))}

    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        if row.employee_number in seen_numbers:
            errors.append(RowError(row.line, "employee_number", f"employee number {row.employee_number} is also on line {seen_numbers[row.employee_number]}"))
        seen_numbers.setdefault(row.employee_number, row.line)
        if row.email in seen_emails:
            errors.append(RowError(row.line, "email", f"{row.email} is also on line {seen_emails[row.email]}"))
        seen_emails.setdefault(row.email, row.line)
        holder = by_email.get(row.email)
        if holder is not None and holder.employee_number != row.employee_number:
            who = f"employee number {holder.employee_number}" if holder.employee_number else "an account without an employee number"
            errors.append(RowError(row.line, "email", f"{row.email} already belongs to {who}"))

    # Resolve managers against the file first, then against people already here.
    file_by_number = {row.employee_number: row for row in rows}
    file_by_email = {row.email: row for row in rows}
    manager_of: dict[str, str | None] = {}  # employee number -> manager's key ("n:<number>" or "p:<id>")
    for row in rows:
        if not row.manager:
            manager_of[row.employee_number] = None
            continue
        ref = row.manager.strip()
        target = file_by_number.get(ref) or file_by_email.get(ref.lower())
        if target is not None:
            key = f"n:{target.employee_number}"
        else:
            person = existing.get(ref) or by_email.get(ref.lower())
            if person is None:
                errors.append(RowError(row.line, "manager", f"unknown manager {ref!r}: no one in the file or already here has that email or employee number"))
                continue
            key = f"n:{person.employee_number}" if person.employee_number in file_by_number else f"p:{person.id}"
        if key == f"n:{row.employee_number}":
            errors.append(RowError(row.line, "manager", "a person cannot be their own manager"))
            continue
        manager_of[row.employee_number] = key

    # A cycle of managers, through the file and the people already here.
    def parent(key: str) -> str | None:
        if key.startswith("n:"):
            number = key[2:]
            if number in manager_of:
                return manager_of[number]
            person = existing.get(number)
        else:
            person = db.session.get(Person, int(key[2:]))
        if person is None or person.manager is None:
            return None
        m = person.manager
        return f"n:{m.employee_number}" if m.employee_number in file_by_number else f"p:{m.id}"

    reported: set[str] = set()
    for row in rows:
        start = f"n:{row.employee_number}"
        chain, key, steps = [start], manager_of.get(row.employee_number), 0
        while key is not None and steps <= len(rows) + 1:
            if key == start:
                names = " → ".join(c[2:] if c.startswith("n:") else c for c in chain + [start])
                if row.employee_number not in reported:
                    errors.append(RowError(row.line, "manager", f"a loop of managers: {names}"))
                    reported.update(c[2:] for c in chain if c.startswith("n:"))
                break
            chain.append(key)
            key = parent(key)
            steps += 1

    if errors:
        errors.sort(key=lambda e: e.line)
        raise PeopleImportError(file, errors)

    report = ImportReport(dry_run=dry_run)
    unit_cache: dict = {}
    role_cache: dict = {}
    service_cache: dict = {}
    people: dict[str, Person] = {}
    for i, row in enumerate(rows, start=1):
        person = existing.get(row.employee_number)
        unit = None
        if row.org_unit:
            unit, created = org._ensure_path(row.org_unit, unit_cache)
            report.org_units_created.extend(u.path for u in created)
        if person is None:
            person = Person(employee_number=row.employee_number, email=row.email, name=row.name, job_title=row.job_title,
                            org_unit=unit, active=True, session_version=1)
            person.set_roles(row.roles or ["employee"])
            db.session.add(person)
            report.created.append(row.employee_number)
        else:
            changes = []
            for attr, value in (("email", row.email), ("name", row.name), ("job_title", row.job_title)):
                # A file without the job_title column leaves job titles as they are.
                if attr in columns and getattr(person, attr) != value:
                    setattr(person, attr, value)
                    changes.append(attr)
            # A blank cell moves the person out of their unit; a file without
            # the column leaves units as they are.
            if "org_unit" in columns and person.org_unit is not unit:
                person.org_unit = unit
                changes.append("org_unit")
            if row.roles is not None and person.roles != set(row.roles):
                person.set_roles(row.roles)
                changes.append("roles")
            if changes:
                report.updated[row.employee_number] = changes
        # Job roles and services by name; a name not known yet becomes an empty
        # job role or service for HR to fill with requirements.
        for column, model, attr, created_list, cache in (
            ("job_roles", JobRole, "job_roles", report.job_roles_created, role_cache),
            ("services", Service, "services", report.services_created, service_cache),
        ):
            if column not in columns:
                continue
            wanted, created = requirements._ensure_named(getattr(row, column), model, cache)
            created_list.extend(created)
            if {x.name for x in getattr(person, attr)} != {x.name for x in wanted}:
                setattr(person, attr, wanted)
                if row.employee_number not in report.created:
                    report.updated.setdefault(row.employee_number, []).append(column)
        people[row.employee_number] = person
        if progress and i % 500 == 0:
            progress(500)
    db.session.flush()
    for row in rows:
        person = people[row.employee_number]
        key = manager_of.get(row.employee_number)
        manager = None if key is None else (people[key[2:]] if key.startswith("n:") else db.session.get(Person, int(key[2:])))
        # A file without the manager column leaves line managers as they are.
        if "manager" in columns and person.manager is not manager:
            if person.id is not None and row.employee_number not in report.created:
                report.updated.setdefault(row.employee_number, []).append("manager")
            person.manager = manager
    if progress:
        progress(len(rows) % 500)
    report.unchanged = len(rows) - len(report.created) - len(report.updated)
    report.org_units_created = sorted(set(report.org_units_created))
    db.session.flush()
    audit.record(actor, "people.imported", None, summary=f"people import from {file}: {report.summary()}",
                 data={"file": file, "created": report.created, "updated": report.updated,
                       "org_units_created": report.org_units_created, "job_roles_created": report.job_roles_created,
                       "services_created": report.services_created})
    return report
