"""Importing a framework file in the browser: check (a dry run with its report,
nothing written), then import the checked file; HR and administrators only."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import Framework, FrameworkAttribute, Skill
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"


def frameworks() -> int:
    return db.session.scalar(select(func.count()).select_from(Framework))


def check(client, path, **fields):
    data = {"check": "Check the file",
            "file": (io.BytesIO(path.read_bytes()), path.name), **fields}
    return client.post("/frameworks/import", data=data, content_type="multipart/form-data")


def test_hr_checks_then_imports_the_sfia_download(client, make_person, auth):
    auth.login(make_person("Hana", roles=("hr",)))
    before = frameworks()
    page = check(client, DATA / "sfia-8-download-layout.xlsx", version="8")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "Import report for sfia-8-download-layout.xlsx (sfia-xlsx) — nothing written yet" in text
    assert "Would create SFIA 8 with 4 skills." in text
    assert "<li>5 attributes</li>" in text and "<li>13 defined skill levels</li>" in text
    assert "Nothing: every part of the file would be imported." in text
    assert frameworks() == before  # nothing written by the check
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1)
    done = client.post("/frameworks/import", data={
        "confirm": "Import the checked file", "token": token,
        "version": "8", "format": ""})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.headers["Location"].endswith("/frameworks/SFIA?version=8")
    assert frameworks() == before + 1
    assert db.session.scalar(select(func.count()).select_from(FrameworkAttribute)) == 5
    # The checked copy is imported: sending it again (the back button) is refused, saying so.
    again = client.post("/frameworks/import", data={
        "confirm": "Import the checked file", "token": token})
    assert again.status_code == 400 and "This file has been imported already (" in again.get_data(as_text=True)
    assert frameworks() == before + 1


def test_the_check_lists_what_would_not_be_kept(client, make_person, auth):
    auth.login(make_person("Hana", roles=("hr",)))
    page = check(client, DATA / "table-esco-collection-layout.csv", format="table", framework_code="DIGI",
                 version="1", framework_name="Digital skills")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "<strong>2 parents</strong>" in text
    assert "6 column &#39;conceptType&#39;" in text
    assert "columns guessed from their headers" in text


def test_a_broken_file_is_shown_again_with_the_problem_and_nothing_is_kept(client, make_person, auth, tmp_path):
    auth.login(make_person("Ada", roles=("admin",)))
    bad = tmp_path / "bad.yaml"
    bad.write_text("framework: {code: X}\nlevels: []\n", encoding="utf-8")
    page = check(client, bad)
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "bad.yaml: line 1 (framework.name): missing required field &#39;name&#39;" in text
    assert frameworks() == 0
    missing = client.post("/frameworks/import", data={"check": "Check the file"},
                          content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose the framework file to import." in missing.get_data(as_text=True)


def test_a_conflict_is_refused_at_the_check(client, make_person, auth, load_seed_frameworks):
    load_seed_frameworks()
    auth.login(make_person("Hana", roles=("hr",)))
    changed = (ROOT / "frameworks" / "sfia-8.yaml").read_text(encoding="utf-8").replace("name: Service level management", "name: Service levels", 1)
    path = ROOT / "instance" / "changed-sfia-8.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(changed, encoding="utf-8")
    try:
        page = check(client, path)
    finally:
        path.unlink()
    assert page.status_code == 409
    assert "already loaded with different content" in page.get_data(as_text=True)
    assert db.session.scalar(select(Skill.name).where(Skill.code == "SLMO").limit(1)) == "Service level management"


def test_a_tables_guessed_columns_can_be_changed_before_importing(client, make_person, auth):
    auth.login(make_person("Hana", roles=("hr",)))
    naming = {"format": "table", "framework_code": "DIGI", "version": "1", "framework_name": "Digital skills"}
    page = check(client, DATA / "table-esco-collection-layout.csv", **naming)
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert '<label for="column_name">Column for name</label>' in text
    assert '<option value="preferredLabel" selected>preferredLabel</option>' in text
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1)
    # Choose another column for the description, check again (no new upload), then import.
    mapping = {"column_code": "conceptUri", "column_name": "preferredLabel", "column_description": "altLabels",
               "column_parent": "broaderConceptUri"}
    again = client.post("/frameworks/import", data={"recheck": "Check again with these columns", "token": token, **naming, **mapping})
    text = again.get_data(as_text=True)
    assert again.status_code == 200, text
    assert "6 column &#39;description&#39;" in text  # the description column is now one not read
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text).group(1)
    done = client.post("/frameworks/import", data={"confirm": "Import the checked file", "token": token, **naming, **mapping})
    assert done.status_code == 302, done.get_data(as_text=True)
    judge = db.session.scalar(select(Skill).where(Skill.name == "search for information online"))
    assert judge.description == "look things up online | web searching"


def test_a_framework_file_over_the_evidence_cap_is_read_not_refused_as_too_big_to_send(app, client, make_person, auth,
                                                                                         monkeypatch):
    """The page says "Up to 50 MB", but the form stopped at MAX_UPLOAD_MB + 1 MB (11 MB) unread."""
    monkeypatch.setitem(app.config, "MAX_REQUEST_MB", 100)  # the default (the tests keep it small)
    auth.login(make_person("Hana", roles=("hr",)))
    body = b"framework: {code: BIG, name: Big, version: '1'}\n" + b"# padding\n" * (1_500_000)  # 15 MB
    page = client.post("/frameworks/import", data={"check": "Check the file", "file": (io.BytesIO(body), "big.yaml")},
                       content_type="multipart/form-data")
    assert page.status_code != 413 and "big.yaml" in page.get_data(as_text=True)
    assert frameworks() == 0
