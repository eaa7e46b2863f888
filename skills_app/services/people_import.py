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

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import selectinload

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.importers import limits
from skills_app.models import ROLES, JobRole, Person, PersonRole, Service
from skills_app.models.framework import utcnow
from skills_app.models.requirements import person_job_role, person_service
from skills_app.services import accounts, audit, bulk, jobs, locks, org, requirements, staged_uploads

COLUMNS = ("employee_number", "email", "name", "job_title", "org_unit", "manager", "roles", "job_roles", "services")
REQUIRED = ("employee_number", "email", "name")
# Roles an import may set only when its actor may manage accounts.
PRIVILEGED_ROLES = frozenset({"hr", "learning", "admin"})
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


LIMITS = {"employee_number": 64, "name": 200, "job_title": 200}
MAX_UPLOAD = 20 * 1024 * 1024  # a people CSV uploaded in the browser


def check_person(*, email: str | None, name: str | None, employee_number: str | None = None,
                 job_title: str | None = None, org_unit: str | None = None) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """The rules every person's fields follow, wherever they come from (a row of
    the import, a SCIM request): returns the email normalised, the org unit
    path cleaned, and (field, message) for each problem."""
    problems: list[tuple[str, str]] = []
    if email:
        email = accounts.normalise_email(email)
        if not accounts.is_email(email):
            problems.append(("email", f"{email!r} is not a valid email address"))
    for column, value in (("employee_number", employee_number), ("name", name), ("job_title", job_title)):
        if value and len(value) > LIMITS[column]:
            problems.append((column, f"longer than {LIMITS[column]} characters"))
    if org_unit:
        try:
            org_unit = org.clean_path(org_unit)
        except InvalidInput as exc:
            problems.append(("org_unit", exc.message))
    return email, org_unit, problems


def parse(text: str, file: str) -> tuple[list[Row], set[str]]:
    """Read and check each row on its own; cross-row checks come in :func:`run`."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise PeopleImportError(file, [RowError(1, None, "the file is empty")])
    found = limits.control_character(text)
    if found is not None:
        # PostgreSQL refuses a NUL in text; no field means any other control character.
        line, column, char = found
        raise PeopleImportError(file, [RowError(line, str(column), f"a {limits.describe(char)}, which no field may contain "
                                                                   "(save the file again as UTF-8 CSV)")])
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
    index = list(positions.items())
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

        width = len(record)
        cell = {column: (record[i].strip() or None) if i < width else None for column, i in index}.get
        row_errors: list[RowError] = []
        number, email, name = cell("employee_number"), cell("email"), cell("name")
        for column, value in (("employee_number", number), ("email", email), ("name", name)):
            if not value:
                row_errors.append(RowError(line, column, f"{column} is empty"))
        email, unit, problems = check_person(email=email, name=name, employee_number=number, job_title=cell("job_title"),
                                             org_unit=cell("org_unit"))
        row_errors.extend(RowError(line, column, message) for column, message in problems)
        roles = None
        if "roles" in positions:
            roles = [r.lower() for r in _split(cell("roles"))] or ["employee"]
            bad = [r for r in roles if r not in ROLES]
            if bad:
                row_errors.append(RowError(line, "roles", f"unknown role {bad[0]!r} (the roles are {', '.join(ROLES)})"))
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

    existing = {p.employee_number: p for p in db.session.scalars(
        select(Person).where(Person.employee_number.is_not(None))
        .options(selectinload(Person.job_roles), selectinload(Person.services)))}
    by_email = {p.email: p for p in db.session.scalars(select(Person))}

    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    may_set_privileged = policy.can(actor, "manage_accounts")
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
        # HR may import people, but granting or taking away the roles that open
        # other people's data (hr, learning, admin) is an administrator's decision.
        if row.roles is not None and not may_set_privileged:
            current = existing[row.employee_number].roles if row.employee_number in existing else set()
            changed = sorted((set(row.roles) ^ set(current)) & PRIVILEGED_ROLES)
            if changed:
                errors.append(RowError(row.line, "roles", f"only an administrator may grant or remove the role{'s' if len(changed) > 1 else ''} "
                                                          f"{', '.join(changed)}; an import by HR may set employee and manager only"))

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

    # Whose chain of managers is known to end with someone who has none: a walk that
    # reaches one of them stops there, so each chain is read once, not once per report.
    # Whose chain leads into a loop found already (its people, and those below them).
    rooted: set[str] = set()
    looped: set[str] = set()
    for row in rows:
        start = f"n:{row.employee_number}"
        if start in looped:
            continue
        chain, on_chain, key = [start], {start}, manager_of.get(row.employee_number)
        while key is not None and key not in rooted:
            if key == start:
                names = " → ".join(c[2:] if c.startswith("n:") else c for c in chain + [start])
                errors.append(RowError(row.line, "manager", f"a loop of managers: {names}"))
                looped.update(chain)
                break
            if key in looped:
                looped.update(chain)
                break
            if key in on_chain:
                # A loop above this row, reported on the first line of the people in it.
                looped.update(chain[:chain.index(key)])
                break
            chain.append(key)
            on_chain.add(key)
            key = parent(key)
        else:
            rooted.update(chain)

    if errors:
        errors.sort(key=lambda e: e.line)
        raise PeopleImportError(file, errors)

    report = ImportReport(dry_run=dry_run)
    # Org units, job roles and services named in the file, created where missing.
    named: dict[str, dict] = {"job_roles": {}, "services": {}}
    units, created_units = org._ensure_paths({row.org_unit for row in rows if row.org_unit})
    report.org_units_created.extend(u.path for u in created_units)
    wanted: dict[str, dict[str, list]] = {"job_roles": {}, "services": {}}
    for row in rows:
        for column, model, created_list in (("job_roles", JobRole, report.job_roles_created),
                                            ("services", Service, report.services_created)):
            if column in columns:
                found, created = requirements._ensure_named(getattr(row, column), model, named[column])
                created_list.extend(created)
                wanted[column][row.employee_number] = found
    db.session.flush()

    # New people are written in bulk: on PostgreSQL with COPY (their ids taken from
    # the sequence first, so that their line managers, roles, job roles and services
    # go in with them), elsewhere one INSERT ... RETURNING per thousand rows. People
    # already here are updated through the ORM, field by field.
    stamp = utcnow()
    fresh = [row for row in rows if row.employee_number not in existing]
    person_table = Person.__table__
    set_wise = db.session.connection().dialect.name == "postgresql"
    if set_wise:
        ids = dict(zip((row.employee_number for row in fresh), bulk.reserve_ids(person_table, len(fresh))))
    else:
        ids = {}
        batch_rows = [{"employee_number": row.employee_number, "email": row.email, "name": row.name,
                       "job_title": row.job_title, "org_unit_id": _unit_id(units, row), "active": True,
                       "session_version": 1, "password_hash": None, "manager_id": None,
                       "created_at": stamp, "updated_at": stamp} for row in fresh]
        for start in range(0, len(batch_rows), 1000):
            batch = batch_rows[start:start + 1000]
            returned = db.session.execute(
                insert(person_table).returning(person_table.c.id, person_table.c.employee_number, sort_by_parameter_order=True), batch)
            ids.update({number: pid for pid, number in returned})
            if progress:
                progress(len(batch))

    def manager_id(number: str) -> int | None:
        key = manager_of.get(number)
        if key is None:
            return None
        if key.startswith("p:"):
            return int(key[2:])
        return ids.get(key[2:]) or existing[key[2:]].id

    if set_wise:
        with_manager = "manager" in columns
        for start in range(0, len(fresh), 10000):
            chunk = fresh[start:start + 10000]
            bulk.copy(person_table, ["id", "employee_number", "email", "name", "job_title", "org_unit_id", "active",
                                     "session_version", "manager_id", "created_at", "updated_at"],
                      ((ids[row.employee_number], row.employee_number, row.email, row.name, row.job_title,
                        _unit_id(units, row), True, 1, manager_id(row.employee_number) if with_manager else None, stamp, stamp)
                       for row in chunk))
            if progress:
                progress(len(chunk))
    role_rows, link_rows = [], {"job_roles": [], "services": []}
    for row in fresh:
        pid = ids[row.employee_number]
        role_rows.extend((pid, role) for role in sorted(set(row.roles or ["employee"])))
        for column in ("job_roles", "services"):
            link_rows[column].extend((pid, x.id) for x in wanted[column].get(row.employee_number, []))
        report.created.append(row.employee_number)
    for table, key, values in ((PersonRole.__table__, "role", role_rows), (person_job_role, "job_role_id", link_rows["job_roles"]),
                               (person_service, "service_id", link_rows["services"])):
        if not values:
            continue
        if set_wise:
            bulk.copy(table, ["person_id", key], values)
        else:
            db.session.execute(insert(table), [{"person_id": pid, key: value} for pid, value in values])

    for row in rows:
        person = existing.get(row.employee_number)
        if person is None:
            continue
        ids[row.employee_number] = person.id
        changes = []
        for attr, value in (("email", row.email), ("name", row.name), ("job_title", row.job_title)):
            # A file without the job_title column leaves job titles as they are.
            if attr in columns and getattr(person, attr) != value:
                setattr(person, attr, value)
                changes.append(attr)
        # A blank cell moves the person out of their unit; a file without
        # the column leaves units as they are.
        unit = units.get(row.org_unit) if row.org_unit else None
        if "org_unit" in columns and person.org_unit_id != (unit.id if unit else None):
            person.org_unit = unit
            changes.append("org_unit")
        if row.roles is not None and person.roles != set(row.roles):
            person.set_roles(row.roles)
            changes.append("roles")
        # Job roles and services by name; a name not known yet became an empty
        # job role or service for HR to fill with requirements.
        for column in ("job_roles", "services"):
            if column in columns:
                target = wanted[column].get(row.employee_number, [])
                if {x.id for x in getattr(person, column)} != {x.id for x in target}:
                    setattr(person, column, target)
                    changes.append(column)
        if changes:
            report.updated[row.employee_number] = changes
    if progress:
        progress(len(rows) - len(fresh))
    db.session.flush()

    # Line managers, now that everyone has an id (managers may come after their reports).
    if "manager" in columns:
        new_managers = []
        for row in rows:
            key = manager_of.get(row.employee_number)
            manager = None if key is None else (ids[key[2:]] if key.startswith("n:") else int(key[2:]))
            person = existing.get(row.employee_number)
            if person is None:
                if manager is not None and not set_wise:  # COPY wrote them with the people
                    new_managers.append({"pid": ids[row.employee_number], "mid": manager})
            elif person.manager_id != manager:
                report.updated.setdefault(row.employee_number, []).append("manager")
                person.manager_id = manager
        if new_managers:
            db.session.execute(
                update(person_table).where(person_table.c.id == bindparam("pid")).values(manager_id=bindparam("mid")),
                new_managers, execution_options={"synchronize_session": False})
    report.unchanged = len(rows) - len(report.created) - len(report.updated)
    report.org_units_created = sorted(set(report.org_units_created))
    db.session.flush()
    audit.record(actor, "people.imported", None, summary=f"people import from {file}: {report.summary()}",
                 data={"file": file, "created": report.created, "updated": report.updated,
                       "org_units_created": report.org_units_created, "job_roles_created": report.job_roles_created,
                       "services_created": report.services_created})
    return report


def _unit_id(units: dict, row: Row) -> int | None:
    unit = units.get(row.org_unit) if row.org_unit else None
    return unit.id if unit else None


# -- from an upload (the browser): check, then import ---------------------------

@dataclass
class Checked:
    token: str
    filename: str
    report: ImportReport


def _staging():
    from pathlib import Path

    from flask import current_app

    folder = Path(current_app.config["UPLOAD_DIR"]) / "people-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _text(data: bytes | None, filename: str) -> str:
    if not data:
        raise InvalidInput.on("file", "Choose the people CSV to import.", "choose a file")
    if len(data) > MAX_UPLOAD:
        raise InvalidInput.on("file", f"The file is larger than {MAX_UPLOAD // (1024 * 1024)} MB.", "the file is too large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput.on("file", f"{filename}: not UTF-8 text (save the file as UTF-8 CSV).", "not UTF-8") from None


def check(actor, data: bytes | None, filename: str | None) -> Checked:
    """Every check of the import and what it would change, written in a savepoint that is
    rolled back (the people import writes as it goes); the file is kept aside for :func:`import_checked`."""
    import secrets
    from pathlib import Path

    policy.require(actor, "import_people")
    filename = Path(filename or "people.csv").name[:200] or "people.csv"
    text = _text(data, filename)
    savepoint = db.session.begin_nested()
    try:
        report = run(actor, text, filename, dry_run=True)
    finally:
        savepoint.rollback()
    token = secrets.token_urlsafe(24)
    (_staging() / token).write_bytes(data)
    (_staging() / f"{token}.name").write_text(filename, encoding="utf-8")
    staged_uploads.mark_owner(_staging(), token, actor)
    return Checked(token, filename, report)


def _checked_copy(actor, token: str | None):
    """The folder of the file ``actor`` checked and kept under ``token``; anyone else's is "gone"."""
    folder = _staging()
    if token and re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token) and (done := staged_uploads.imported(folder, token, actor)):
        raise InvalidInput.on("file", f"This file has been imported already ({done}): sending it again imports nothing more.",
                              "imported already")
    if (not token or not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token) or not (folder / token).is_file()
            or not staged_uploads.owned_by(folder, token, actor)):
        raise InvalidInput.on("file", "Check the file again: the checked copy is gone.", "that checked file is no longer here")
    return folder


def queue_import(actor, token: str | None, *, back: tuple[str, str] | None = None) -> str | None:
    """The import of the checked file as a background job (its id) when a worker can
    take it (services/jobs.py); None when none can: then :func:`import_checked` runs
    in the request."""
    policy.require(actor, "import_people")
    _checked_copy(actor, token)
    return jobs.start(actor, "people_import", {"token": token}, back=back)


def import_checked(actor, token: str | None, *, progress=None) -> ImportReport:
    """Import the file :func:`check` kept under ``token``; ``progress`` (a background
    job's, see services/jobs.py) is told how many rows there are, then each batch written."""
    policy.require(actor, "import_people")
    # One import at a time: the same checked file sent twice (a double click, two tabs) waits
    # for the first to commit, then is told it was imported, instead of both writing (a
    # duplicate key, a 500); two different files cannot collide on the same people either.
    locks.one_at_a_time("skills_app.people_import", actor)
    # Only the one who checked it imports it: anyone else's token is "gone".
    folder = _checked_copy(actor, token)
    name_file = folder / f"{token}.name"
    filename = name_file.read_text(encoding="utf-8") if name_file.is_file() else "people.csv"
    text = _text((folder / token).read_bytes(), filename)
    if progress is not None:
        progress.start(max(text.count("\n") - 1, 1))
    report = run(actor, text, filename, progress=progress.advance if progress is not None else None)
    staged_uploads.forget_when_imported(db.session, folder, token, actor, report.summary(), actions=("people.imported",))
    return report
