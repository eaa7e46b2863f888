"""Importing people in the browser: the CSV is checked first (what would change,
nothing written), then the checked copy is imported; HR and administrators only."""
from __future__ import annotations

import io
import re

import pytest

from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import OrgUnit, Person

CSV = ("employee_number,email,name,job_title,org_unit,manager,roles\n"
       "E9001,rita.rowe@example.org,Rita Rowe,Service Manager,Group/IT/Service Desk,,employee;manager\n"
       "E9002,tom.tate@example.org,Tom Tate,Analyst,Group/IT/Service Desk,E9001,employee\n")


def people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def test_hr_checks_then_imports_people(client, make_person, auth):
    auth.login(make_person("Hana", roles=("hr",)))
    before, units = people(), db.session.scalar(select(func.count()).select_from(OrgUnit))
    page = client.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(CSV.encode()), "people.csv")},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "What people.csv would change — nothing written yet" in text
    assert "People: 2 created, 0 updated, 0 unchanged; 3 org units would be created" in text
    assert "<li>E9001</li>" in text and "<li>Group/IT/Service Desk</li>" in text
    assert (people(), db.session.scalar(select(func.count()).select_from(OrgUnit))) == (before, units)  # nothing written
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1)
    done = client.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert people() == before + 2
    tom = db.session.scalar(select(Person).where(Person.employee_number == "E9002"))
    assert tom.manager.employee_number == "E9001" and tom.org_unit.path == "Group/IT/Service Desk"
    assert "People: 2 created, 0 updated, 0 unchanged" in client.get("/admin/people/import").get_data(as_text=True)


def test_a_broken_people_csv_is_shown_with_its_problems(client, make_person, auth):
    auth.login(make_person("Ada", roles=("admin",)))
    before = people()
    bad = CSV.replace("E9001,tom", "E9001,tom")  + "E9003,not-an-email,Ned,,,,employee\n"
    page = client.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(bad.encode()), "people.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 400
    assert "line 4" in page.get_data(as_text=True)
    assert people() == before


def _big_csv(size: int) -> bytes:
    """A people CSV of about ``size`` bytes: 120 people, each with a long note in a column
    the import ignores."""
    note = "x" * (size // 120)
    rows = "".join(f"E8{n:03d},p{n}@example.org,Person {n},,Group/Big,,employee,{note}\n" for n in range(120))
    return ("employee_number,email,name,job_title,org_unit,manager,roles,notes\n" + rows).encode()


def test_a_people_csv_as_big_as_its_page_says_is_checked_not_refused_as_too_big_to_send(app, client, make_person, auth,
                                                                                        monkeypatch):
    """The page says "up to 20 MB", but every form but evidence stopped at MAX_UPLOAD_MB + 1 MB
    (11 MB): a 15 MB CSV was refused unread. Now the people import takes its 20 MB (and 1 MB
    for the rest of the form); a file over that is told so beside its field, and a body over
    21 MB is refused unread, saying so."""
    monkeypatch.setitem(app.config, "MAX_REQUEST_MB", 100)  # the default (the tests keep it small)
    auth.login(make_person("Hana", roles=("hr",)))
    page = client.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(_big_csv(15 << 20)), "people.csv")},
                       content_type="multipart/form-data")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text[:2000]
    assert "People: 120 created, 0 updated, 0 unchanged" in text
    over = client.post("/admin/people/import", data={"check": "Check the file",
                                                      "file": (io.BytesIO(_big_csv((20 << 20) + (300 << 10))), "people.csv")},
                       content_type="multipart/form-data")
    assert over.status_code == 400 and "larger than 20 MB" in over.get_data(as_text=True)
    unread = client.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(_big_csv(22 << 20)), "people.csv")},
                         content_type="multipart/form-data")
    assert unread.status_code == 413 and "the limit is 21 MB" in unread.get_data(as_text=True)


def _checked_token(client, csv: str) -> str:
    page = client.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(csv.encode()), "people.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_the_import_sent_again_after_it_was_done_says_it_was_imported_and_writes_nothing(client, make_person, auth):
    auth.login(make_person("Hana", roles=("hr",)))
    token = _checked_token(client, CSV)
    assert client.post("/admin/people/import", data={"confirm": "Import these people", "token": token}).status_code == 302
    before = people()
    again = client.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
    text = again.get_data(as_text=True)
    assert again.status_code == 400 and "This file has been imported already (People: 2 created" in text
    assert people() == before


def test_the_import_form_sent_twice_at_once_imports_once_never_a_500(app, make_person, sign_in):
    """A double click on "Import these people" with no worker (the import in the request): both
    requests found the checked copy, both wrote, and the second died on a duplicate key (500);
    now the second waits for the first, then is told the file was imported."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    if app.config["BACKEND"] != "postgresql":
        pytest.skip("two imports at once are PostgreSQL's; SQLite writes one transaction at a time")
    hana = make_person("Hana", roles=("hr",))
    db.session.commit()
    first, second = sign_in(hana), sign_in(hana)
    rows = "".join(f"E7{n:03d},q{n}@example.org,Q {n},,Group/Twice,,employee\n" for n in range(300))
    token = _checked_token(first, "employee_number,email,name,job_title,org_unit,manager,roles\n" + rows)
    before = people()
    gate = Barrier(2)

    def confirm(client):
        gate.wait()
        answer = client.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
        return answer.status_code, answer.get_data(as_text=True)

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(confirm, (first, second)))
    assert [status for status, _ in answers] == [302, 400], answers
    assert "This file has been imported already (People: 300 created" in answers[1][1]
    db.session.expire_all()
    assert people() == before + 300


def test_an_import_whose_process_was_killed_at_the_commit_can_be_sent_again(app, client, make_person, auth):
    """The note "imported already" is written before the commit: a process killed while committing
    (kill -9, the OOM killer) leaves it behind with nothing imported. Its audit event, never committed,
    shows it void, and the same checked file is imported when sent again."""
    from pathlib import Path

    from skills_app.services import people_import, staged_uploads

    hana = make_person("Hana", roles=("hr",))
    auth.login(hana)
    token = _checked_token(client, CSV)
    before = people()
    people_import.import_checked(hana, token)
    db.session.info.pop(staged_uploads._IMPORTED)  # killed: no hook of the session runs again
    db.session.rollback()
    note = Path(app.config["UPLOAD_DIR"]) / "people-imports" / f"{token}.imported"
    assert note.is_file() and people() == before
    done = client.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert people() == before + 2
