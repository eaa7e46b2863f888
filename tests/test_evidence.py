"""Evidence files: size cap, type checked by content and extension, paths in
names, random stored names with size and SHA-256, and who may download."""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.services import assessments as service
from skills_app.services import evidence_store
from tests.pages import problems

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def office(main: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", f'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.{main}"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(team, name, data, assessment=None):
    a = assessment or service.start(team.sam, team.slmo, 3)
    return service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id],
                                filename=name, stream=io.BytesIO(data))


@pytest.mark.parametrize("name, data, content_type", [
    ("report.pdf", PDF, "application/pdf"),
    ("chart.PNG", PNG, "image/png"),
    ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ("anim.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
    ("notes.txt", "Résumé of the SLA review\n".encode(), "text/plain"),
    ("figures.csv", b"month,met\n2026-01,99.5\n", "text/csv"),
    ("readme.md", b"# SLA\n", "text/markdown"),
    ("plan.docx", office("wordprocessingml.document.main+xml"), evidence_store.DOCX),
    ("sheet.xlsx", office("spreadsheetml.sheet.main+xml"), evidence_store.XLSX),
])
def test_allowed_types_are_kept_under_random_names_with_size_and_hash(team, app, name, data, content_type):
    e = upload(team, name, data)
    assert (e.kind, e.original_name, e.content_type, e.size) == ("file", name, content_type, len(data))
    assert e.sha256 == hashlib.sha256(data).hexdigest()
    assert name.split(".")[0] not in e.stored_name and len(e.stored_name) >= 32
    stored = Path(app.config["UPLOAD_DIR"]) / e.stored_name
    assert stored.read_bytes() == data


def test_too_big_is_refused(team, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    with pytest.raises(InvalidInput, match="too big: the limit is 1 MB"):
        upload(team, "big.pdf", PDF + b"0" * (1024 * 1024))


@pytest.mark.parametrize("name, data", [
    ("setup.pdf", EXE),                 # an executable renamed to .pdf
    ("tool.pdf", ELF),
    ("picture.png", PDF),               # a PDF calling itself a PNG
    ("notes.txt", b"text\x00with NUL"),
    ("latin1.csv", "café".encode("latin-1")),
    ("fake.docx", b"PK\x03\x04 not really a zip"),
    ("swapped.docx", office("spreadsheetml.sheet.main+xml")),
])
def test_wrong_content_for_the_extension_is_refused(team, name, data):
    with pytest.raises(InvalidInput, match="content is not"):
        upload(team, name, data)


@pytest.mark.parametrize("name", ["run.exe", "page.html", "image.svg", "script.js", "archive.zip", "noextension"])
def test_types_off_the_allowlist_are_refused(team, name):
    with pytest.raises(InvalidInput, match="not accepted"):
        upload(team, name, PDF)


@pytest.mark.parametrize("name, kept", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\sam\\report.pdf", "report.pdf"),
    ("/tmp/evil/../report.pdf", "report.pdf"),
    ("..\\..\\.report.pdf", "report.pdf"),
])
def test_a_path_in_the_name_is_stripped(team, app, name, kept):
    e = upload(team, name, PDF if kept.endswith(".pdf") else b"text")
    assert e.original_name == kept
    assert (Path(app.config["UPLOAD_DIR"]) / e.stored_name).exists()
    assert "/" not in e.stored_name and ".." not in e.stored_name


def test_an_empty_file_is_refused(team):
    with pytest.raises(InvalidInput, match="empty"):
        upload(team, "empty.pdf", b"")


# -- downloads -------------------------------------------------------------------

@pytest.fixture
def filed(team):
    a = service.start(team.sam, team.slmo, 3)
    e = upload(team, "report.pdf", PDF, a)
    service.save_draft(team.sam, a, claimed_level=a.claimed_level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    db.session.commit()
    return e


@pytest.mark.parametrize("who, status", [
    ("sam", 200), ("manager", 200), ("director", 200), ("hr", 200), ("learning", 200),
    ("pat", 404), ("other", 404), ("otto", 404), ("admin", 404),
])
def test_download_only_for_those_who_may_see_the_assessment(team, filed, client, auth, who, status):
    auth.login(getattr(team, who))
    response = client.get(f"/evidence/{filed.id}/file")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "report.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/pdf"
    else:
        assert PDF not in response.data


def test_anonymous_download_goes_to_sign_in(filed, client):
    response = client.get(f"/evidence/{filed.id}/file")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_upload_through_the_page_and_a_refusal_is_shown(team, client, auth):
    a = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    d = service.claimed_descriptors(a)[0]
    auth.login(team.sam)
    response = client.post(f"/assessments/{a.id}", data={
        "claimed_level": "3", "add": "Add evidence", "descriptors": [str(d.id)], "text": "", "url": "",
        "file": (io.BytesIO(EXE), "../invoice.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "the content is not a PDF file" in problems(response)
    response = client.post(f"/assessments/{a.id}", data={
        "claimed_level": "3", "add": "Add evidence", "descriptors": [str(d.id)], "text": "The monthly report", "url": "",
        "file": (io.BytesIO(PDF), "../sla-report.pdf")}, content_type="multipart/form-data", follow_redirects=True)
    assert b"Evidence added." in response.data and b"sla-report.pdf" in response.data


def test_a_file_over_the_cap_is_refused_beside_its_field_and_the_note_is_kept(app, team, client, auth):
    a = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    d = service.claimed_descriptors(a)[0]
    auth.login(team.sam)
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        response = client.post(f"/assessments/{a.id}", data={
            "claimed_level": "3", "add": "Add evidence", "descriptors": [str(d.id)], f"rating-{d.id}": "partly",
            "text": "Minutes of every review since May", "url": "",
            "file": (io.BytesIO(PDF + b"0" * (3 * 1024 * 1024)), "minutes.pdf")}, content_type="multipart/form-data")
    finally:
        app.config["MAX_UPLOAD_MB"] = 10
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="file-error"' in page and "The file is too big: the limit is 1 MB." in page
    assert "Minutes of every review since May</textarea>" in page
    assert f'id="rating-{d.id}-partly" name="rating-{d.id}" value="partly" checked' in page
    assert "Up to 1 MB" in page  # the limit, beside the field


@pytest.mark.parametrize("name, data, shown_as, sandbox", [
    ("chart.png", PNG, "image/png", "sandbox"),
    ("report.pdf", PDF, "application/pdf", "sandbox allow-scripts"),
    ("figures.csv", b"month,met\n2026-01,99.5\n", "text/plain", "sandbox"),
])
def test_evidence_is_looked_at_in_the_page_with_the_same_checks(team, client, auth, name, data, shown_as, sandbox):
    e = upload(team, name, data)
    db.session.commit()
    auth.login(team.sam)
    page = client.get(f"/assessments/{e.assessment_id}").get_data(as_text=True)
    assert f'src="/evidence/{e.id}/view"' in page
    response = client.get(f"/evidence/{e.id}/view")
    assert response.status_code == 200 and response.data == data and response.mimetype == shown_as
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert f"{sandbox};" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    auth.logout()
    auth.login(team.pat)
    assert client.get(f"/evidence/{e.id}/view").status_code == 404


def test_a_file_a_browser_cannot_show_is_downloaded(team, client, auth):
    e = upload(team, "plan.docx", office("wordprocessingml.document.main+xml"))
    db.session.commit()
    auth.login(team.sam)
    response = client.get(f"/evidence/{e.id}/view")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/evidence/{e.id}/file")
