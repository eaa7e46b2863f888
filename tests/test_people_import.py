"""The people import (an HR system's CSV export) and the demo organisation.

A good file creates or updates people, their org units, managers and roles in
one go; a bad one is refused as a whole, with every problem named by line and
column, and the database is left exactly as it was.
"""
from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skills_app.devdata import demo
from skills_app.extensions import db
from skills_app.models import ROLES, OrgUnit, Person
from skills_app.policy import SYSTEM
from skills_app.services import accounts, people_import
from tests.conftest import ROOT


def database_state(exclude: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every committed row of every table."""
    db.session.rollback()
    return {
        table.name: sorted(tuple(r) for r in db.session.execute(select(table)).all())
        for table in db.metadata.sorted_tables
        if table.name not in exclude
    }


def people() -> dict[str, Person]:
    db.session.expire_all()
    return {p.employee_number: p for p in db.session.scalars(select(Person))}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path: Path, text: str, name: str = "people.csv", *, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))
    return path


@pytest.fixture
def import_file(runner):
    def run(path: Path, *options: str):
        return runner.invoke(args=["people", "import", str(path), *options])

    return run


# An HR system's export: headers in another case and with spaces, a column the
# import does not know, managers listed after their reports, a manager named by
# email as well as by employee number, and roles spaced and capitalised.
GOOD = """
    Employee Number,Name, EMAIL ,Job Title,Org Unit,Manager,Roles,Favourite Colour
    S3,Sam Taylor,sam.taylor@acme.example,Service Desk Analyst,Group/IT/Service Desk,S2,employee,green
    S4,Mia Jensen,mia.jensen@acme.example,Service Desk Analyst,Group/IT/Service Desk,marcus.webb@acme.example,,blue
    S2,Marcus Webb,marcus.webb@acme.example,Service Desk Manager,Group/IT/Service Desk,S1,Employee; Manager,red
    S1,Olivia Grant,olivia.grant@acme.example,Chief Information Officer,Group/IT,,employee;manager;admin,
"""


# -- a good file -------------------------------------------------------------------

def test_a_good_file_creates_people_org_units_managers_and_roles(tmp_path, import_file):
    result = import_file(write(tmp_path, GOOD))

    assert result.exit_code == 0, result.output
    assert "People: 4 created, 0 updated, 0 unchanged; 3 org units were created" in result.output
    found = people()
    assert sorted(found) == ["S1", "S2", "S3", "S4"]
    sam, mia, marcus, olivia = found["S3"], found["S4"], found["S2"], found["S1"]
    assert (sam.name, sam.email, sam.job_title) == ("Sam Taylor", "sam.taylor@acme.example", "Service Desk Analyst")
    assert sam.manager is marcus and mia.manager is marcus and marcus.manager is olivia and olivia.manager is None
    assert sam.roles == {"employee"}
    assert mia.roles == {"employee"}, "an empty roles cell means employee"
    assert marcus.roles == {"employee", "manager"}
    assert olivia.roles == {"employee", "manager", "admin"}
    assert all(p.active for p in found.values())

    units = {u.path: u for u in db.session.scalars(select(OrgUnit))}
    assert sorted(units) == ["Group", "Group/IT", "Group/IT/Service Desk"]
    assert units["Group"].parent is None
    assert units["Group/IT"].parent is units["Group"]
    assert units["Group/IT/Service Desk"].parent is units["Group/IT"]
    assert units["Group/IT/Service Desk"].name == "Service Desk"
    assert sam.org_unit is units["Group/IT/Service Desk"] and olivia.org_unit is units["Group/IT"]


def test_the_import_is_recorded_in_the_audit_trail(tmp_path, import_file):
    from skills_app.models import AuditEvent

    import_file(write(tmp_path, GOOD))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "people.imported"))
    assert event is not None
    assert event.actor_label == SYSTEM.label
    assert sorted(event.data["created"]) == ["S1", "S2", "S3", "S4"]


def test_a_file_with_a_bom_and_semicolons_between_columns(tmp_path, import_file):
    path = tmp_path / "export.csv"
    path.write_bytes(
        "\ufeffemployee_number;email;name;org_unit;manager;roles\n"
        'B1;ana.lopez@acme.example;Ana López;Grupo/Tecnología;;"employee;manager"\n'
        "B2;mateo.garcia@acme.example;Mateo García;Grupo/Tecnología;B1;employee\n".encode("utf-8")
    )

    result = import_file(path)

    assert result.exit_code == 0, result.output
    found = people()
    assert sorted(found) == ["B1", "B2"]
    assert found["B1"].name == "Ana López"
    assert found["B1"].roles == {"employee", "manager"}
    assert found["B2"].manager is found["B1"]
    assert found["B2"].org_unit.path == "Grupo/Tecnología"


def test_the_service_reads_the_same_file_without_the_command_line(app):
    report = people_import.run(SYSTEM, textwrap.dedent(GOOD).lstrip("\n"), "people.csv")
    db.session.commit()
    assert sorted(report.created) == ["S1", "S2", "S3", "S4"]
    assert report.org_units_created == ["Group", "Group/IT", "Group/IT/Service Desk"]
    assert people()["S3"].manager.employee_number == "S2"


def test_a_manager_may_be_someone_already_here(tmp_path, import_file):
    assert import_file(write(tmp_path, GOOD)).exit_code == 0
    newcomer = """
        employee_number,email,name,manager
        S9,nia.brown@acme.example,Nia Brown,olivia.grant@acme.example
    """
    result = import_file(write(tmp_path, newcomer, "newcomer.csv"))
    assert result.exit_code == 0, result.output
    found = people()
    assert found["S9"].manager is found["S1"]
    # A file without the org_unit or roles columns leaves those alone.
    assert found["S1"].roles == {"employee", "manager", "admin"}
    assert found["S1"].org_unit.path == "Group/IT"


# -- importing again -----------------------------------------------------------------

def test_importing_the_same_file_again_changes_nothing(tmp_path, import_file):
    path = write(tmp_path, GOOD)
    assert import_file(path).exit_code == 0
    before = database_state(exclude=("audit_event",))

    result = import_file(path)

    assert result.exit_code == 0, result.output
    assert "People: 0 created, 0 updated, 4 unchanged" in result.output
    assert database_state(exclude=("audit_event",)) == before


def test_importing_a_changed_file_updates_people_in_place_and_reports_the_changes(tmp_path, import_file):
    assert import_file(write(tmp_path, GOOD)).exit_code == 0
    ids = {number: p.id for number, p in people().items()}
    changed = """
        employee_number,email,name,job_title,org_unit,manager,roles
        S3,sam.taylor@acme.example,Sam Taylor-Jones,Service Desk Analyst,Group/IT/Service Desk,S1,employee
        S4,mia.jensen@acme.example,Mia Jensen,Service Desk Analyst,Group/IT/Service Desk,S2,employee
        S2,marcus.webb@acme.example,Marcus Webb,Service Desk Manager,Group/IT/Service Management,S1,employee;manager
        S1,olivia.grant@acme.example,Olivia Grant,Chief Information Officer,Group/IT,,employee;manager;admin
        S5,nia.brown@acme.example,Nia Brown,Analyst,Group/IT,S1,employee
    """

    result = import_file(write(tmp_path, changed, "changed.csv"))

    assert result.exit_code == 0, result.output
    assert "People: 1 created, 2 updated, 2 unchanged; 1 org unit were created" in result.output
    assert "  S3: name, manager" in result.output
    assert "  S2: org_unit" in result.output
    found = people()
    assert sorted(found) == ["S1", "S2", "S3", "S4", "S5"]
    assert count(Person) == 5, "no duplicates"
    assert {n: found[n].id for n in ids} == ids, "the same rows were updated, not replaced"
    assert found["S3"].name == "Sam Taylor-Jones"
    assert found["S3"].manager is found["S1"]
    assert found["S2"].org_unit.path == "Group/IT/Service Management"


def test_columns_missing_from_the_file_leave_those_details_alone(tmp_path, import_file):
    assert import_file(write(tmp_path, GOOD)).exit_code == 0
    names_only = """
        employee_number,email,name
        S3,sam.taylor@acme.example,Sam Taylor-Jones
    """

    result = import_file(write(tmp_path, names_only, "names.csv"))

    assert result.exit_code == 0, result.output
    assert "  S3: name\n" in result.output
    sam = people()["S3"]
    assert sam.name == "Sam Taylor-Jones"
    assert sam.job_title == "Service Desk Analyst"
    assert sam.manager.employee_number == "S2"
    assert sam.org_unit.path == "Group/IT/Service Desk"
    assert sam.roles == {"employee"}


def test_a_blank_org_unit_cell_takes_a_person_out_of_their_unit(tmp_path, import_file):
    assert import_file(write(tmp_path, GOOD)).exit_code == 0
    blank = """
        employee_number,email,name,org_unit
        S3,sam.taylor@acme.example,Sam Taylor,
    """
    result = import_file(write(tmp_path, blank, "blank.csv"))
    assert result.exit_code == 0, result.output
    assert people()["S3"].org_unit is None


# -- dry run -------------------------------------------------------------------------

def test_a_dry_run_reports_and_writes_nothing(tmp_path, import_file):
    before = database_state()

    result = import_file(write(tmp_path, GOOD), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "People: 4 created, 0 updated, 0 unchanged; 3 org units would be created" in result.output
    assert "dry run: nothing was written" in result.output
    assert database_state() == before
    assert count(Person) == 0


def test_a_dry_run_of_changes_reports_them_and_changes_nothing(tmp_path, import_file):
    assert import_file(write(tmp_path, GOOD)).exit_code == 0
    before = database_state()
    changed = """
        employee_number,email,name,manager
        S3,sam.taylor@acme.example,Sam Taylor-Jones,S1
    """

    result = import_file(write(tmp_path, changed, "changed.csv"), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "People: 0 created, 1 updated, 0 unchanged" in result.output
    assert "  S3: name, manager" in result.output
    assert database_state() == before


# -- bad files -------------------------------------------------------------------------

# Already in the database before each bad file: Alice ← Bob ← Carol, Alice ← Dan.
BASE = """
    employee_number,email,name,job_title,org_unit,manager,roles
    E1,alice@acme.example,Alice Archer,CIO,Group/IT,,employee;manager;admin
    E2,bob@acme.example,Bob Baker,Service Desk Manager,Group/IT/Service Desk,E1,employee;manager
    E3,carol@acme.example,Carol Chen,Analyst,Group/IT/Service Desk,E2,employee
    E4,dan@acme.example,Dan Dorsey,Engineer,Group/IT,E1,employee
"""
HEADER = "employee_number,email,name,job_title,org_unit,manager,roles"
# Every bad file starts with rows that would change Dan (line 2) and add Erin
# in a new unit (line 3), so a partial write would show. The bad rows follow
# from line 4.
GOOD_ROWS = [
    "E4,dan@acme.example,Dan Changed,Engineer,Group/Elsewhere,E2,employee;manager",
    "E9,erin@acme.example,Erin New,Analyst,Group/New Unit,E4,employee",
]

BAD_ROWS = [
    pytest.param(["E5,frank@acme.example,Frank Fox,,Group/IT,E404,employee"],
                 4, "manager", "unknown manager 'E404'", id="unknown-manager"),
    pytest.param(["E5,frank@acme.example,Frank Fox,,,nobody@acme.example,employee"],
                 4, "manager", "unknown manager 'nobody@acme.example'", id="unknown-manager-email"),
    pytest.param(["E5,frank@acme.example,Frank Fox,,,E6,employee",
                  "E6,gina@acme.example,Gina Gold,,,E5,employee"],
                 4, "manager", "a loop of managers", id="manager-cycle-of-two"),
    pytest.param(["E5,frank@acme.example,Frank Fox,,,E6,employee",
                  "E6,gina@acme.example,Gina Gold,,,E7,employee",
                  "E7,hal@acme.example,Hal Hill,,,E8,employee",
                  "E8,ivy@acme.example,Ivy Ives,,,E5,employee"],
                 4, "manager", "a loop of managers", id="manager-cycle-of-four"),
    # Alice's manager would be Carol, whose manager (already here) is Bob, whose manager is Alice.
    pytest.param(["E1,alice@acme.example,Alice Archer,CIO,Group/IT,E3,employee;manager;admin"],
                 4, "manager", "a loop of managers", id="manager-cycle-through-people-already-here"),
    pytest.param(["E5,frank@acme.example,Frank Fox,,,E5,employee"],
                 4, "manager", "cannot be their own manager", id="own-manager"),
    pytest.param(["E5,erin@acme.example,Frank Fox,,,,employee"],
                 4, "email", "also on line 3", id="duplicate-email-in-file"),
    pytest.param(["E5,bob@acme.example,Frank Fox,,,,employee"],
                 4, "email", "already belongs to employee number E2", id="email-of-someone-already-here"),
    pytest.param(["E9,frank@acme.example,Frank Fox,,,,employee"],
                 4, "employee_number", "also on line 3", id="duplicate-employee-number"),
    pytest.param(["E5,frank.acme.example,Frank Fox,,,,employee"],
                 4, "email", "is not a valid email address", id="malformed-email"),
    pytest.param(["E5,frank@,Frank Fox,,,,employee"],
                 4, "email", "is not a valid email address", id="email-without-domain"),
    pytest.param(["E5,frank@acme.example,Frank Fox,,,,employee;wizard"],
                 4, "roles", "unknown role 'wizard'", id="unknown-role"),
    pytest.param(["E5,,Frank Fox,,,,employee"], 4, "email", "email is empty", id="empty-email"),
    pytest.param(["E5,frank@acme.example,,,,,employee"], 4, "name", "name is empty", id="empty-name"),
    pytest.param([",frank@acme.example,Frank Fox,,,,employee"],
                 4, "employee_number", "employee_number is empty", id="empty-employee-number"),
    pytest.param(["E5,frank@acme.example,Frank Fox,,Group//IT,,employee"],
                 4, "org_unit", "is not an org unit path", id="malformed-org-unit-path"),
    pytest.param(['E5,"frank@acme.example"x,Frank Fox,,,,employee'],
                 4, None, "malformed CSV", id="text-after-a-closing-quote"),
    pytest.param(['E5,frank@acme.example,"Frank Fox,,,,employee',
                  "E6,gina@acme.example,Gina Gold,,,,employee"],
                 4, None, "malformed CSV", id="quote-never-closed"),
]


@pytest.fixture
def base(tmp_path, import_file):
    result = import_file(write(tmp_path, BASE, "base.csv"))
    assert result.exit_code == 0, result.output
    return people()


@pytest.mark.parametrize("bad_rows, line, column, message", BAD_ROWS)
def test_a_bad_row_refuses_the_whole_file(tmp_path, import_file, base, bad_rows, line, column, message):
    path = write(tmp_path, "\n".join([HEADER, *GOOD_ROWS, *bad_rows]) + "\n", "bad.csv")
    before = database_state()

    result = import_file(path)

    assert result.exit_code != 0
    where = f"line {line}, column {column}" if column else f"line {line}:"
    assert f"{path}: {where}" in result.output
    assert message in result.output
    assert "nothing was imported" in result.output
    assert database_state() == before


@pytest.mark.parametrize("header, missing", [
    ("employee_number,name,org_unit", "email"),
    ("email,name", "employee_number"),
    ("Employee No,email,name", "employee_number"),
    ("employee_number,email", "name"),
])
def test_a_missing_required_column_refuses_the_file(tmp_path, import_file, base, header, missing):
    path = write(tmp_path, f"{header}\nE5,frank@acme.example,Frank Fox\n", "bad.csv")
    before = database_state()

    result = import_file(path)

    assert result.exit_code != 0
    assert f"{path}: line 1: missing column {missing}" in result.output
    assert database_state() == before


def test_every_problem_in_the_rows_is_reported_at_once(tmp_path, import_file, base):
    rows = [
        "E5,frank@acme.example,,,,,employee",
        "E6,not-an-email,Gina Gold,,,,employee",
        "E7,hal@acme.example,Hal Hill,,,,wizard",
    ]
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n", "bad.csv")
    before = database_state()

    result = import_file(path)

    assert result.exit_code != 0
    assert "3 problems" in result.output
    for where in ("line 2, column name", "line 3, column email", "line 4, column roles"):
        assert where in result.output
    assert database_state() == before


def test_every_problem_between_rows_is_reported_at_once(tmp_path, import_file, base):
    """Checks across rows (managers, duplicates) run once each row is sound on its own."""
    rows = [
        "E5,frank@acme.example,Frank Fox,,,E404,employee",
        "E6,frank@acme.example,Gina Gold,,,,employee",
        "E6,gina@acme.example,Gina Gold,,,,employee",
    ]
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n", "bad.csv")
    before = database_state()

    result = import_file(path)

    assert result.exit_code != 0
    assert "3 problems" in result.output
    for where in ("line 2, column manager", "line 3, column email", "line 4, column employee_number"):
        assert where in result.output
    assert database_state() == before


def test_a_loop_is_reported_once_on_its_first_line_and_not_on_the_people_below_it(tmp_path, import_file, base):
    """Frank reports to Gina, Gina and Hal to each other: only the loop is wrong, and it is
    reported once (on Gina's line); Frank, whose chain only leads into it, is not."""
    rows = [
        "E5,frank@acme.example,Frank Fox,,,E6,employee",
        "E6,gina@acme.example,Gina Gold,,,E7,employee",
        "E7,hal@acme.example,Hal Hill,,,E6,employee",
    ]
    path = write(tmp_path, "\n".join([HEADER, *rows]) + "\n", "bad.csv")
    before = database_state()

    result = import_file(path)

    assert result.exit_code != 0
    assert "1 problem;" in result.output
    assert f"{path}: line 3, column manager: a loop of managers: E6 → E7 → E6" in result.output
    assert database_state() == before


def test_a_long_chain_of_managers_imports_and_a_loop_at_its_end_is_found(tmp_path, import_file, base):
    """Two thousand people each managed by the one before: every chain is read once, and
    the same chain closed into a loop by its first person is refused on line 2."""
    chain = [f"C{i},c{i}@acme.example,Chain {i},,Group/Chain,{f'C{i - 1}' if i else ''},employee" for i in range(2000)]
    result = import_file(write(tmp_path, "\n".join([HEADER, *chain]) + "\n", "chain.csv"))
    assert result.exit_code == 0, result.output
    found = people()
    assert found["C1999"].manager.employee_number == "C1998" and found["C0"].manager is None

    looped = [chain[0].replace(",employee", "").rstrip(",") + ",C1999,employee", *chain[1:]]
    before = database_state()
    result = import_file(write(tmp_path, "\n".join([HEADER, *looped]) + "\n", "looped.csv"))
    assert result.exit_code != 0
    assert "1 problem;" in result.output
    assert "line 2, column manager: a loop of managers: C0 → C1999 → C1998" in result.output
    assert database_state() == before


def test_a_file_that_is_not_utf8_is_refused(tmp_path, import_file, base):
    path = write(tmp_path, f"{HEADER}\nE5,frank@acme.example,François Fox,,,,employee\n", "latin1.csv", encoding="latin-1")
    before = database_state()
    result = import_file(path)
    assert result.exit_code != 0
    assert "not UTF-8" in result.output
    assert database_state() == before


def test_a_file_with_a_header_and_no_people_is_refused(tmp_path, import_file, base):
    before = database_state()
    result = import_file(write(tmp_path, f"{HEADER}\n\n", "empty.csv"))
    assert result.exit_code != 0
    assert "no people" in result.output
    assert database_state() == before


# -- the demo organisation ----------------------------------------------------------------

def seed_people_rows() -> list[dict]:
    with open(ROOT / "seed_data" / "people.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_demo_load_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    after_first = database_state(exclude=("audit_event",))

    second = runner.invoke(args=["demo", "load"])

    assert second.exit_code == 0, second.output
    assert database_state(exclude=("audit_event",)) == after_first
    rows = seed_people_rows()
    assert f"People: 0 created, 0 updated, {len(rows)} unchanged" in second.output


@pytest.mark.xdist_group("demo_world")
def test_demo_load_brings_an_organisation_of_about_forty_with_every_role(demo_world):
    found = people()
    assert 35 <= len(found) <= 45
    assert sorted(found) == sorted(row["employee_number"] for row in seed_people_rows())
    holders = {role: [p for p in found.values() if role in p.roles and p.active] for role in ROLES}
    assert all(holders[role] for role in ROLES), {role: len(h) for role, h in holders.items()}
    # A real org tree: nearly everyone has a line manager.
    assert sum(p.manager is not None for p in found.values()) >= len(found) - 3


@pytest.mark.xdist_group("demo_world")
@pytest.mark.parametrize("role, email", demo.DEMO_SIGN_INS)
def test_each_demo_sign_in_works_and_has_its_role(demo_world, role, email):
    person = accounts.authenticate(email, demo.DEMO_PASSWORD)
    assert person is not None, f"{email} cannot sign in with the demo password"
    assert role in person.roles
