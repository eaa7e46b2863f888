"""The evidence library: a person's evidence lives in their own library, and assessments
attach it. One report supports descriptors of two skills (one item, one file); a
revalidation attaches the same items (no new item row, no file copied); the reviewer
sees where else an item was used; only its owner manages it (a forged item id is not
found); an oversize file is refused beside its field with nothing written; migration
0025 carries a revalidation's copies into one item and back; erasure takes the library."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from skills_app.errors import InvalidState, NotFound
from skills_app.extensions import db
from skills_app.models import Assessment, Evidence, EvidenceItem
from skills_app.policy import SYSTEM
from skills_app.services import assessments as service
from skills_app.services import evidence_library as library
from skills_app.services import revalidation, tokens
from tests.pages import field_error

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def files(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in root.iterdir()} if root.is_dir() else set()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def validated(team, skill, level, *, evidence=None):
    """Sam's assessment of ``skill`` at ``level``, rated, evidence attached by ``evidence(a)``, approved by the manager."""
    a = service.start(team.sam, skill, level)
    if evidence:
        evidence(a)
    service.save_draft(team.sam, a, claimed_level=level, ratings={d.id: "met" for d in service.descriptors_in_view(a)})
    service.submit(team.sam, a)
    service.decide(team.manager, a, outcome="approve", comment=None)
    return a


def test_one_report_supports_descriptors_of_two_skills_as_one_item_and_one_file(app, team, client):
    before_files = files(app)
    slmo = service.start(team.sam, team.slmo, 3)
    report = service.add_evidence(team.sam, slmo, descriptor_ids=[service.claimed_descriptors(slmo)[0].id],
                                  filename="sla-report-2025.pdf", stream=io.BytesIO(PDF), text="The SLA report I wrote.")
    slm = service.start(team.sam, team.slm, 3)
    wanted = [d.id for d in service.claimed_descriptors(slm)[:2]]
    [attached] = service.attach(team.sam, slm, item_ids=[report.item_id], descriptor_ids=wanted)
    db.session.commit()

    assert attached.item_id == report.item_id and attached.id != report.id
    assert count(EvidenceItem) == 1 and count(Evidence) == 2
    assert len(files(app) - before_files) == 1, "one file for both skills"
    # The descriptors ticked are the attachment's: each skill's own.
    assert [d.id for d in report.descriptors] == [service.claimed_descriptors(slmo)[0].id]
    assert [d.id for d in attached.descriptors] == wanted
    assert {d.skill_level.skill_id for d in attached.descriptors} == {team.slm.id}
    # The same attach again (a double click) changes nothing; ticked again with another descriptor,
    # the one attachment supports that one too.
    assert service.attach(team.sam, slm, item_ids=[report.item_id], descriptor_ids=wanted) == [attached]
    third = service.claimed_descriptors(slm)[2].id
    assert service.attach(team.sam, slm, item_ids=[report.item_id], descriptor_ids=[third]) == [attached]
    assert [d.id for d in attached.descriptors] == sorted(wanted + [third]) and count(Evidence) == 2
    attached.descriptors = [d for d in attached.descriptors if d.id in wanted]
    db.session.commit()
    # The API shows each with its own id and the one item.
    _row, secret = tokens.create(SYSTEM, team.sam, "script")
    db.session.commit()
    got = client.get(f"/api/v1/assessments/{slm.id}", headers={"Authorization": f"Bearer {secret}"}).get_json()
    [shown] = got["evidence"]
    assert (shown["id"], shown["item_id"], shown["kind"], shown["filename"], shown["descriptor_ids"]) == (
        attached.id, report.item_id, "file", "sla-report-2025.pdf", wanted)
    # Both download the same bytes through their own assessment.
    from tests.conftest import Auth

    Auth(client).login(team.sam)
    assert client.get(f"/evidence/{attached.id}/file").data == client.get(f"/evidence/{report.id}/file").data == PDF


def test_the_same_file_uploaded_again_with_the_same_note_is_the_item_already_there(app, team):
    a = service.start(team.sam, team.slmo, 3)
    first = service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id],
                                 filename="report.pdf", stream=io.BytesIO(PDF))
    db.session.commit()
    held = files(app)
    b = service.start(team.sam, team.slm, 2)
    second = service.add_evidence(team.sam, b, descriptor_ids=[service.claimed_descriptors(b)[0].id],
                                  filename="report (1).pdf", stream=io.BytesIO(PDF))
    db.session.commit()
    assert second.item_id == first.item_id and count(EvidenceItem) == 1
    assert files(app) == held, "the second upload's file was not kept"


def test_a_revalidation_attaches_the_same_items_no_item_row_and_no_file_copied(app, team):
    def evidence(a):
        claimed = service.claimed_descriptors(a)
        service.add_evidence(team.sam, a, descriptor_ids=[claimed[0].id], filename="report.pdf", stream=io.BytesIO(PDF))
        service.add_evidence(team.sam, a, descriptor_ids=[claimed[-1].id], url="https://wiki.example.org/sla")
        service.add_evidence(team.sam, a, descriptor_ids=[claimed[0].id], text="I chair the monthly service review.")

    old = validated(team, team.slmo, 3, evidence=evidence)
    db.session.commit()
    items, held = count(EvidenceItem), files(app)
    new = revalidation.revalidate(team.sam, old)
    db.session.commit()
    assert count(EvidenceItem) == items == 3
    assert files(app) == held, "the evidence store holds no more files"
    assert sorted(e.item_id for e in new.evidence) == sorted(e.item_id for e in old.evidence)
    assert {e.copied_from_id for e in new.evidence} == {e.id for e in old.evidence}
    # Each item now says where it is used: the validated assessment and the revalidation.
    for item in library.library(team.sam, team.sam):
        assert {u.assessment_id for u in library.uses(team.sam, item)} == {old.id, new.id}


def test_the_reviewer_sees_where_else_an_item_was_used(app, team, sign_in):
    def report(a):
        service.add_evidence(team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], filename="sla-2025.pdf",
                             stream=io.BytesIO(PDF), title="SLA report 2025")

    last_year = validated(team, team.slm, 3, evidence=report)
    item = db.session.scalar(select(EvidenceItem))
    now = service.start(team.sam, team.slmo, 3)
    service.attach(team.sam, now, item_ids=[item.id], descriptor_ids=[service.claimed_descriptors(now)[0].id])
    service.save_draft(team.sam, now, claimed_level=3, ratings={d.id: "met" for d in service.descriptors_in_view(now)})
    service.submit(team.sam, now)
    db.session.commit()

    uses = library.also_used_in(team.manager, now)
    [evidence] = now.evidence
    [use] = uses[evidence.id]
    assert (use.assessment_id, use.level, use.status) == (last_year.id, 3, "validated")
    assert use.subject == f"SLM {team.slm.name} ({team.slm.framework.label})"
    page = sign_in(team.manager).get(f"/reviews/{now.id}").get_data(as_text=True)
    assert "Also used in:" in page and f'href="/assessments/{last_year.id}"' in page and "level 3, validated" in page
    assert "SLA report 2025" in page
    # HR sees it too; someone who may not see Sam's assessments sees neither.
    assert "Also used in:" in sign_in(team.hr).get(f"/reviews/{now.id}").get_data(as_text=True)
    assert sign_in(team.other).get(f"/reviews/{now.id}").status_code == 404
    # The other assessment is listed on the other side too.
    back = library.also_used_in(team.manager, db.session.get(Assessment, last_year.id))
    assert [u.assessment_id for u in back[last_year.evidence[0].id]] == [now.id]


def test_only_the_owner_manages_their_library_and_a_forged_item_id_is_not_found(app, team, sign_in):
    pats = library.new_item(team.pat, team.pat, text="Pat's own notes on the SLA review.")
    mine = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    descriptor = service.claimed_descriptors(mine)[0].id
    with pytest.raises(NotFound):
        service.attach(team.sam, mine, item_ids=[pats.id], descriptor_ids=[descriptor])
    with pytest.raises(NotFound):
        library.get_item(team.manager, pats.id)
    db.session.rollback()
    sam = sign_in(team.sam)
    answer = sam.post(f"/assessments/{mine.id}", data={"claimed_level": "3", "attach": "Attach from my library",
                                                       "library_items": [str(pats.id)], "attach_descriptors": [str(descriptor)]})
    assert answer.status_code == 404 and b"Pat's own notes" not in answer.data
    # Ids no row can have (past SQLite's 64 bits too) are not found; "²" is no id at all.
    for forged, status in ((str(2**70), 404), (str(2**31), 404), ("0", 404), ("²", 400)):
        answer = sam.post(f"/assessments/{mine.id}", data={"claimed_level": "3", "attach": "Attach from my library",
                                                           "library_items": [forged], "attach_descriptors": [str(descriptor)]})
        assert answer.status_code in (status, 422) and answer.status_code != 500, (forged, answer.status_code)
    for path in (f"/my/evidence/{pats.id}", f"/my/evidence/{pats.id}/delete", f"/my/evidence/999999"):
        assert sam.get(path).status_code == 404
    assert sam.post(f"/my/evidence/{pats.id}/delete", data={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(EvidenceItem, pats.id) is not None
    assert count(Evidence) == 0
    # HR, the line manager and the administrator do not see Pat's library either.
    for who in (team.hr, team.manager, team.admin):
        assert sign_in(who).get(f"/my/evidence/{pats.id}").status_code == 404
    assert "Pat's own notes" not in sign_in(team.manager).get("/my/evidence").get_data(as_text=True)


def test_the_library_page_adds_renames_and_deletes_and_says_what_uses_an_item(app, team, sign_in):
    sam = sign_in(team.sam)
    answer = sam.post("/my/evidence", data={"title": "", "text": "Minutes of the quarterly review", "url": "https://wiki.example.org/q3",
                                            "file": (io.BytesIO(PDF), "q3-minutes.pdf")}, content_type="multipart/form-data")
    assert answer.status_code == 302
    item = db.session.scalar(select(EvidenceItem))
    assert (item.kind, item.title, item.url, item.original_name) == ("file", "q3-minutes.pdf", "https://wiki.example.org/q3", "q3-minutes.pdf")
    page = sam.get("/my/evidence").get_data(as_text=True)
    assert "q3-minutes.pdf" in page and "not attached to any assessment yet" in page
    assert sam.get(f"/my/evidence/{item.id}/file").data == PDF
    # Rename: the title changes, what it says does not.
    assert sam.post(f"/my/evidence/{item.id}", data={"title": "Q3 review minutes"}).status_code == 302
    refused = sam.post(f"/my/evidence/{item.id}", data={"title": "  "})
    assert refused.status_code == 400 and "Give the evidence a title." in field_error(refused, "title")
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id).title == "Q3 review minutes"
    # Attached, it cannot be deleted: the page says what uses it.
    a = service.start(team.sam, team.slmo, 3)
    service.attach(team.sam, a, item_ids=[item.id], descriptor_ids=[service.claimed_descriptors(a)[0].id])
    db.session.commit()
    page = sam.get(f"/my/evidence/{item.id}/delete").get_data(as_text=True)
    assert "is in use" in page and "SLMO" in page
    refused = sam.post(f"/my/evidence/{item.id}/delete", data={})
    assert refused.status_code == 409 and "remove it from that assessment first" in refused.get_data(as_text=True)
    with pytest.raises(InvalidState):
        library.delete(team.sam, db.session.get(EvidenceItem, item.id))
    db.session.rollback()
    # Removed from the assessment, it stays in the library; then it can go, with its file.
    evidence_id = db.session.get(Assessment, a.id).evidence[0].id
    assert sam.post(f"/assessments/{a.id}/evidence/{evidence_id}/delete", data={}).status_code == 302
    stored = db.session.get(EvidenceItem, item.id).stored_name
    assert stored in files(app)
    assert sam.post(f"/my/evidence/{item.id}/delete", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id) is None and stored not in files(app)


def test_an_oversize_file_in_the_library_is_refused_beside_its_field_and_nothing_is_written(app, team, sign_in):
    sam = sign_in(team.sam)
    held = files(app)
    app.config["MAX_UPLOAD_MB"] = 1
    try:
        answer = sam.post("/my/evidence", data={"title": "The big one", "text": "All the minutes since May", "url": "",
                                                "file": (io.BytesIO(PDF + b"0" * (2 * 1024 * 1024)), "minutes.pdf")},
                          content_type="multipart/form-data")
    finally:
        app.config["MAX_UPLOAD_MB"] = 10
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "The file is too big: the limit is 1 MB." in field_error(answer, "file")
    assert "All the minutes since May</textarea>" in page and 'value="The big one"' in page
    assert count(EvidenceItem) == 0 and files(app) == held


def test_attaching_from_the_assessment_page_with_nothing_ticked_says_what_to_tick(app, team, sign_in):
    item = library.new_item(team.sam, team.sam, text="Notes")
    a = service.start(team.sam, team.slmo, 3)
    db.session.commit()
    sam = sign_in(team.sam)
    page = sam.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert "Attach from my library" in page and f'value="{item.id}"' in page
    answer = sam.post(f"/assessments/{a.id}", data={"claimed_level": "3", "attach": "Attach from my library",
                                                    "library_items": [str(item.id)]})
    assert answer.status_code == 400
    assert "Choose at least one descriptor" in field_error(answer, "attach_descriptors")
    answer = sam.post(f"/assessments/{a.id}", data={"claimed_level": "3", "attach": "Attach from my library"})
    assert answer.status_code == 400 and "Choose the evidence of your library" in field_error(answer, "library_items")
    assert count(Evidence) == 0


def test_erasure_removes_the_whole_library_and_its_files(app, team, runner):
    a = validated(team, team.slmo, 3, evidence=lambda a: service.add_evidence(
        team.sam, a, descriptor_ids=[service.claimed_descriptors(a)[0].id], filename="report.pdf", stream=io.BytesIO(PDF)))
    spare = library.new_item(team.sam, team.sam, filename="spare.md", stream=io.BytesIO(b"# never attached\n"))
    db.session.commit()
    names = {a.evidence[0].stored_name, spare.stored_name}
    assert names <= files(app)
    result = runner.invoke(args=["people", "erase", team.sam.email, "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 pieces of evidence (2 files) removed" in result.output
    assert not names & files(app)
    assert count(EvidenceItem) == 0 and count(Evidence) == 0


def test_migration_0025_makes_a_revalidation_s_copies_one_item_and_goes_back(app, team):
    """Rows as 0024 had them: a file and a text given in 2025, their revalidation copies
    (the same stored file, copied_from), and a link of its own; up: three items, the
    evidence ids and descriptors kept; down: every row has its content back."""
    from flask_migrate import downgrade, upgrade

    old = validated(team, team.slmo, 3)
    new = service.start(team.sam, team.slm, 3)
    db.session.commit()
    d_old, d_new = service.claimed_descriptors(old)[0].id, service.claimed_descriptors(new)[0].id
    ids = {"old": old.id, "new": new.id, "by": team.sam.id, "sam": team.sam.id}
    db.session.remove()

    def rows(sql, **params):
        with db.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]

    insert = ("INSERT INTO evidence (id, assessment_id, kind, text, url, stored_name, original_name, content_type, size, sha256, "
              "created_by_id, created_at, copied_from_id) VALUES (:id, :a, :kind, :text, :url, :stored, :name, :ct, :size, :sha, "
              ":by, :at, :copied)")
    base = {"text": None, "url": None, "stored": None, "name": None, "ct": None, "size": None, "sha": None, "by": ids["by"],
            "copied": None}
    made = [
        {**base, "id": 501, "a": ids["old"], "kind": "file", "stored": "a" * 32 + ".pdf", "name": "sla-2025.pdf",
         "ct": "application/pdf", "size": 42, "sha": "f" * 64, "text": "The SLA report", "at": "2025-03-01 10:00:00"},
        {**base, "id": 502, "a": ids["old"], "kind": "text", "text": "I chair the monthly review.", "at": "2025-03-02 10:00:00"},
        {**base, "id": 503, "a": ids["new"], "kind": "file", "stored": "a" * 32 + ".pdf", "name": "sla-2025.pdf",
         "ct": "application/pdf", "size": 42, "sha": "f" * 64, "text": "The SLA report", "at": "2025-03-01 10:00:00", "copied": 501},
        {**base, "id": 504, "a": ids["new"], "kind": "text", "text": "I chair the monthly review.", "at": "2025-03-02 10:00:00",
         "copied": 502},
        {**base, "id": 505, "a": ids["new"], "kind": "link", "url": "https://wiki.example.org/sla", "at": "2026-11-01 10:00:00"},
    ]
    try:
        downgrade(revision="0024")
        with db.engine.begin() as conn:
            for r in made:
                conn.execute(text(insert), r)
            for evidence_id, descriptor in ((501, d_old), (502, d_old), (503, d_new), (504, d_new), (505, d_new)):
                conn.execute(text("INSERT INTO evidence_descriptor (evidence_id, descriptor_id) VALUES (:e, :d)"),
                             {"e": evidence_id, "d": descriptor})
    finally:
        upgrade()
    assert rows("SELECT id, item_id, assessment_id, copied_from_id FROM evidence ORDER BY id") == [
        (501, 501, ids["old"], None), (502, 502, ids["old"], None), (503, 501, ids["new"], 501), (504, 502, ids["new"], 502),
        (505, 505, ids["new"], None)]
    assert rows("SELECT id, person_id, kind, title, stored_name, text, url FROM evidence_item ORDER BY id") == [
        (501, ids["sam"], "file", "sla-2025.pdf", "a" * 32 + ".pdf", "The SLA report", None),
        (502, ids["sam"], "text", "I chair the monthly review.", None, "I chair the monthly review.", None),
        (505, ids["sam"], "link", "https://wiki.example.org/sla", None, None, "https://wiki.example.org/sla")]
    assert rows("SELECT evidence_id, descriptor_id FROM evidence_descriptor ORDER BY evidence_id") == [
        (501, d_old), (502, d_old), (503, d_new), (504, d_new), (505, d_new)]
    # New items get new ids after those carried over.
    from skills_app.models import Person

    sam = db.session.get(Person, ids["sam"])
    item = library.new_item(sam, sam, text="After the migration")
    db.session.commit()
    assert item.id > 505
    db.session.remove()
    try:
        downgrade(revision="0024")
        assert rows("SELECT id, kind, stored_name, text, url, copied_from_id FROM evidence ORDER BY id") == [
            (501, "file", "a" * 32 + ".pdf", "The SLA report", None, None), (502, "text", None, "I chair the monthly review.", None, None),
            (503, "file", "a" * 32 + ".pdf", "The SLA report", None, 501), (504, "text", None, "I chair the monthly review.", None, 502),
            (505, "link", None, None, "https://wiki.example.org/sla", None)]
        assert len(rows("SELECT evidence_id FROM evidence_descriptor")) == 5
    finally:
        upgrade()
