"""Evidence files follow their rows: an upload whose transaction is rolled back
(a 409, an error) leaves no file; evidence removed from an assessment stays in
its person's library with its file, and evidence deleted from the library (on
its own, or as it is removed from its last assessment) takes its file with it
once the deletion commits; ``skills-app evidence sweep`` finds what a killed worker
left; erasing a person removes their files and personal data and keeps their
decisions, anonymised."""
from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skills_app.errors import Conflict
from skills_app.extensions import db
from skills_app.models import ApiToken, Assessment, AuditEvent, Evidence, EvidenceItem, Person, ReviewDecision, SignInSession
from skills_app.policy import SYSTEM
from skills_app.services import assessments as service
from skills_app.services import tokens
from tests.conftest import PASSWORD

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def files(app) -> set[str]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in root.iterdir()} if root.is_dir() else set()


def upload(person, skill, assessment=None, name="report.pdf"):
    a = assessment or service.start(person, skill, 3)
    return service.add_evidence(person, a, descriptor_ids=[service.claimed_descriptors(a)[0].id],
                                filename=name, stream=io.BytesIO(PDF))


def test_an_upload_whose_transaction_is_rolled_back_leaves_no_file(app, team):
    before = files(app)
    e = upload(team.sam, team.slmo)
    assert e.stored_name in files(app)
    db.session.rollback()
    assert files(app) == before


def test_an_upload_whose_request_fails_after_the_file_is_written_leaves_no_file(app, client, team, monkeypatch):
    """A 409 after the file was written (here: the assessment changed meanwhile) used to leave the file behind."""
    assessment = service.start(team.sam, team.slmo, 3)
    descriptor = service.claimed_descriptors(assessment)[0].id
    _row, secret = tokens.create(SYSTEM, team.sam, "script")
    db.session.commit()
    before = files(app)

    def changed_meanwhile(_assessment):
        raise Conflict("This assessment was changed meanwhile: load it again.")

    monkeypatch.setattr(service, "_touch", changed_meanwhile)
    answer = client.post(f"/api/v1/assessments/{assessment.id}/evidence", headers={"Authorization": f"Bearer {secret}"},
                         data={"descriptor_ids": str(descriptor), "file": (io.BytesIO(PDF), "report.pdf")})
    assert answer.status_code == 409
    assert files(app) == before
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == 0


def test_removing_evidence_keeps_it_in_the_library_and_deleting_it_there_deletes_its_file_once_committed(app, team):
    from skills_app.services import evidence_library

    e = upload(team.sam, team.slmo)
    db.session.commit()
    name, assessment, item_id = e.stored_name, e.assessment, e.item_id
    assert service.remove_evidence(team.sam, assessment, e.id) is False
    db.session.commit()
    assert name in files(app) and db.session.get(EvidenceItem, item_id) is not None
    evidence_library.delete(team.sam, db.session.get(EvidenceItem, item_id))
    assert name in files(app), "not before the commit: it may fail"
    db.session.commit()
    assert name not in files(app)


def test_removing_evidence_and_deleting_it_from_the_library_deletes_its_file_once_the_removal_commits(app, team):
    e = upload(team.sam, team.slmo)
    db.session.commit()
    name, assessment, item_id = e.stored_name, e.assessment, e.item_id
    assert service.remove_evidence(team.sam, assessment, e.id, delete_item=True) is True
    assert name in files(app), "not before the commit: it may fail"
    db.session.commit()
    assert name not in files(app) and db.session.get(EvidenceItem, item_id) is None


def test_a_removal_that_is_rolled_back_keeps_the_file(app, team):
    e = upload(team.sam, team.slmo)
    db.session.commit()
    name = e.stored_name
    service.remove_evidence(team.sam, e.assessment, e.id)
    db.session.rollback()
    assert name in files(app)
    assert db.session.get(Evidence, e.id) is not None


def test_removing_evidence_through_the_page_deletes_its_file(app, team, sign_in):
    e = upload(team.sam, team.slmo)
    db.session.commit()
    name, assessment_id, evidence_id = e.stored_name, e.assessment_id, e.id
    browser = sign_in(team.sam)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint.endswith("remove_evidence"))
    path = rule.rule.replace("<int:assessment_id>", str(assessment_id)).replace("<int:evidence_id>", str(evidence_id))
    page = browser.get(path.replace("/delete", "/remove")).get_data(as_text=True)
    assert "Remove it and delete it from My evidence" in page
    assert browser.post(path, data={"delete_item": "yes"}).status_code == 302
    assert name not in files(app)


def test_evidence_sweep_lists_then_removes_orphans_and_keeps_live_and_young_files(app, runner, team):
    live = upload(team.sam, team.slmo)
    db.session.commit()
    root = Path(app.config["UPLOAD_DIR"])
    # Files of earlier tests (their rows emptied with the tables) are orphans too: make them young.
    for path in root.iterdir():
        os.utime(path, None)
    old_orphan, young_orphan = root / ("a" * 32 + ".pdf"), root / ("b" * 32 + ".pdf")
    old_orphan.write_bytes(PDF)
    young_orphan.write_bytes(PDF)
    two_hours_ago = time.time() - 7200
    os.utime(old_orphan, (two_hours_ago, two_hours_ago))
    os.utime(root / live.stored_name, (two_hours_ago, two_hours_ago))

    dry = runner.invoke(args=["evidence", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert old_orphan.name in dry.output and young_orphan.name not in dry.output and live.stored_name not in dry.output
    assert "1 orphan file" in dry.output and "dry run" in dry.output and old_orphan.exists()

    done = runner.invoke(args=["evidence", "sweep"])
    assert done.exit_code == 0, done.output
    assert "Removed 1 orphan file" in done.output
    assert not old_orphan.exists() and young_orphan.exists() and (root / live.stored_name).exists()
    assert "No orphan files." in runner.invoke(args=["evidence", "sweep"]).output
    assert "Removed" in runner.invoke(args=["evidence", "sweep", "--min-age", "0"]).output
    assert not young_orphan.exists() and (root / live.stored_name).exists()


# -- the right to erasure ----------------------------------------------------------------

@pytest.fixture
def decided(team):
    """Sam's SLMO assessment with a file and a text as evidence, approved at 3 by the manager with a comment."""
    assessment = service.start(team.sam, team.slmo, 3)
    file_evidence = upload(team.sam, team.slmo, assessment)
    service.add_evidence(team.sam, assessment, descriptor_ids=[service.claimed_descriptors(assessment)[0].id],
                         text="I ran the monthly SLA review for Sam's team at ACME.")
    service.save_draft(team.sam, assessment, claimed_level=3, ratings={d.id: "met" for d in service.descriptors_in_view(assessment)})
    service.submit(team.sam, assessment)
    service.decide(team.manager, assessment, outcome="approve", validated_level=3, comment="Sam did this well.")
    tokens.create(SYSTEM, team.sam, "script")
    db.session.commit()
    return assessment.id, file_evidence.stored_name


def test_hr_erases_a_person_their_files_and_personal_data_go_and_their_decisions_stay_anonymised(app, team, sign_in, decided):
    assessment_id, stored_name = decided
    sam_id, email = team.sam.id, team.sam.email
    sams_browser = sign_in(team.sam)
    hr = sign_in(team.hr)
    page = hr.get(f"/people/{sam_id}/erase").get_data(as_text=True)
    assert "cannot be undone" in page and email in page

    wrong = hr.post(f"/people/{sam_id}/erase", data={"confirm": "someone.else@example.test"})
    assert wrong.status_code == 400 and stored_name in files(app)
    answer = hr.post(f"/people/{sam_id}/erase", data={"confirm": email})
    assert answer.status_code == 302

    db.session.expire_all()
    assert stored_name not in files(app)
    person = db.session.get(Person, sam_id)
    assert person.name == f"Erased person {sam_id}" and email not in person.email
    assert person.employee_number is None and person.password_hash is None and not person.active
    assessment = db.session.get(Assessment, assessment_id)
    assert (assessment.status, assessment.validated_level, assessment.decision_comment) == ("validated", 3, None)
    assert assessment.evidence == []
    assert db.session.scalar(select(func.count()).select_from(ReviewDecision).where(ReviewDecision.assessment_id == assessment_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.person_id == sam_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(SignInSession).where(SignInSession.person_id == sam_id)) == 0
    assert sams_browser.get("/").status_code == 302, "their sessions ended"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.erased"))
    assert event is not None and email not in event.summary and event.actor_label
    # Nobody can sign in as them again.
    assert app.test_client().post("/login", data={"email": email, "password": PASSWORD}).status_code == 401


def test_only_hr_may_erase_and_a_manager_is_refused(app, team, sign_in, decided):
    _assessment_id, stored_name = decided
    manager = sign_in(team.manager)
    assert manager.get(f"/people/{team.sam.id}/erase").status_code == 403
    assert manager.post(f"/people/{team.sam.id}/erase", data={"confirm": team.sam.email}).status_code == 403
    assert stored_name in files(app)


def test_a_person_who_still_manages_people_is_not_erased(app, team, sign_in):
    answer = sign_in(team.hr).post(f"/people/{team.manager.id}/erase", data={"confirm": team.manager.email})
    assert answer.status_code == 409 and "another manager first" in answer.get_data(as_text=True)


def test_the_command_line_erases_after_the_email_is_typed_again(app, runner, team, decided):
    _assessment_id, stored_name = decided
    refused = runner.invoke(args=["people", "erase", team.sam.email], input="not-the-email\n")
    assert refused.exit_code != 0 and "Nothing was erased" in refused.output and stored_name in files(app)
    done = runner.invoke(args=["people", "erase", team.sam.email], input=f"{team.sam.email}\n")
    assert done.exit_code == 0, done.output
    assert "erased" in done.output and stored_name not in files(app)


def test_a_file_shared_with_a_revalidation_copy_stays_until_its_last_row_goes(app, team, decided):
    from skills_app.services import revalidation

    assessment_id, stored_name = decided
    copy = revalidation.revalidate(team.sam, db.session.get(Assessment, assessment_id))
    db.session.commit()
    copied = next(e for e in copy.evidence if e.stored_name == stored_name)
    assert service.remove_evidence(team.sam, copy, copied.id, delete_item=True) is False
    db.session.commit()
    assert stored_name in files(app), "the validated assessment's evidence still carries it"


def test_erasing_a_person_with_a_revalidation_copy_removes_the_shared_file(app, runner, team, decided):
    from skills_app.services import revalidation

    assessment_id, stored_name = decided
    revalidation.revalidate(team.sam, db.session.get(Assessment, assessment_id))
    db.session.commit()
    assert runner.invoke(args=["people", "erase", team.sam.email, "--yes"]).exit_code == 0
    assert stored_name not in files(app)
