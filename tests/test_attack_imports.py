"""Attacks on the kept imports: the file checked in the browser is kept under a
token that only its checker may import or check again; another HR person or an
administrator holding the token (another's tab, a log, a shared screen) is told
the checked copy is gone, and it stays for its owner. A token that is not one
(a path, a newline after it) reaches no file."""
from __future__ import annotations

import io
import re

import pytest

from tests.test_framework_import_page import DATA, check, frameworks
from tests.test_people_import_page import CSV, people

GONE = "Check the file again: the checked copy is gone."


def _token(response) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_a_checked_framework_file_is_imported_only_by_whoever_checked_it(app, make_person, sign_in):
    hana = sign_in(make_person("Hana", roles=("hr",)))
    other = sign_in(make_person("Harry", roles=("hr",)))
    ada = sign_in(make_person("Ada", roles=("admin",)))
    token = _token(check(hana, DATA / "sfia-8-download-layout.xlsx", version="8"))
    before = frameworks()
    for thief in (other, ada):
        taken = thief.post("/frameworks/import", data={"confirm": "Import the checked file", "token": token, "version": "8"})
        assert taken.status_code == 400 and GONE in taken.get_data(as_text=True)
        again = thief.post("/frameworks/import", data={"recheck": "Check again", "token": token, "version": "8"})
        assert again.status_code == 400 and GONE in again.get_data(as_text=True)
    assert frameworks() == before
    done = hana.post("/frameworks/import", data={"confirm": "Import the checked file", "token": token, "version": "8"})
    assert done.status_code == 302 and frameworks() == before + 1


def test_a_checked_people_csv_is_imported_only_by_whoever_checked_it(app, make_person, sign_in):
    hana = sign_in(make_person("Hana", roles=("hr",)))
    ada = sign_in(make_person("Ada", roles=("admin",)))
    page = hana.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(CSV.encode()), "people.csv")},
                     content_type="multipart/form-data")
    token = _token(page)
    before = people()
    taken = ada.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
    assert taken.status_code == 400 and GONE in taken.get_data(as_text=True) and people() == before
    done = hana.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
    assert done.status_code == 302 and people() == before + 2


@pytest.mark.parametrize("token", ["../../secret_key", "A" * 20 + "\n", "A" * 30 + ".name", "/etc/passwd", "A" * 65])
def test_a_token_that_is_not_one_reaches_no_file(app, make_person, sign_in, token):
    hana = sign_in(make_person("Hana", roles=("hr",)))
    for path, button in (("/frameworks/import", "Import the checked file"), ("/admin/people/import", "Import these people")):
        refused = hana.post(path, data={"confirm": button, "token": token})
        assert refused.status_code == 400 and GONE in refused.get_data(as_text=True)
