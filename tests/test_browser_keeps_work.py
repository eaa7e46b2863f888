"""Nothing a person ticks or types is lost (issue 15), in a real browser, driven
by visible labels: the self-assessment page is one form whose every button
saves the page first, ratings save as they are ticked, a refused action shows
everything again with the problem beside its field."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from skills_app.devdata import demo

pytestmark = pytest.mark.browser

EMPLOYEE, MANAGER = "sam.taylor@acme.example", "marcus.webb@acme.example"
SKILL = "SFIA 8 · SLMO Service level management"


def start_assessment(page, level: str = "3") -> None:
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_label("Skill to assess").select_option(label=SKILL)
    page.get_by_role("button", name="Choose a level to claim").click()
    page.get_by_label("Level you claim").select_option(level)
    page.get_by_role("button", name="Start self-assessment").click()
    expect(page.get_by_text(f"Started your self-assessment of SLMO at level {level}")).to_be_visible()
    # The page's scripts (deferred) listen for what is typed from here on: a test that types at once
    # on a loaded machine could otherwise type before they do, and the page would not know.
    page.wait_for_load_state("load")


def descriptors(page):
    return page.locator("fieldset.descriptor")


def tick_all(page, label: str = "Met") -> int:
    groups = descriptors(page)
    for i in range(groups.count()):
        groups.nth(i).get_by_label(label, exact=True).check()
    return groups.count()


def assert_all_ticked(page, label: str = "Met") -> None:
    groups = descriptors(page)
    assert groups.count() > 0
    for i in range(groups.count()):
        expect(groups.nth(i).get_by_label(label, exact=True)).to_be_checked()


def evidence_for(page):
    return page.get_by_role("group", name="Descriptors this evidence supports")


def test_ticked_ratings_survive_adding_evidence_and_note_link_and_file_are_all_kept(page, sign_in_page, demo_org, tmp_path, shots):
    sign_in_page(EMPLOYEE)
    start_assessment(page, "3")
    tick_all(page, "Partly met")
    # Each tick is saved as it is made, with a quiet status and no reload.
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    evidence_for(page).get_by_label("Level 3", exact=False).first.check()
    page.get_by_label("Describe your evidence").fill("I chair the monthly service review.")
    page.get_by_label("Link (optional, http or https)").fill("https://wiki.example/sla-review")
    report = tmp_path / "sla-review.txt"
    report.write_text("Minutes of the service review.")
    page.get_by_label("File (optional)").set_input_files(str(report))
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    shots(page, "after-add-evidence")
    assert_all_ticked(page, "Partly met")
    item = page.locator("ul.evidence-list li").first
    expect(item.get_by_role("link", name="sla-review.txt")).to_be_visible()
    expect(item.get_by_role("link", name="https://wiki.example/sla-review")).to_be_visible()
    expect(item.get_by_text("I chair the monthly service review.")).to_be_visible()
    # And after coming back to the page later.
    page.reload()
    assert_all_ticked(page, "Partly met")


def test_without_javascript_every_button_saves_the_page_first(browser, live_server, demo_org):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(EMPLOYEE)
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        start_assessment(page, "3")
        tick_all(page)
        evidence_for(page).get_by_label("Level 3", exact=False).first.check()
        page.get_by_label("Describe your evidence").fill("Wrote the service level agreement for payroll.")
        page.get_by_role("button", name="Add evidence").click()
        expect(page.get_by_text("Evidence added.")).to_be_visible()
        assert_all_ticked(page)
        # Submit without pressing "Save draft": what is on the page is what is submitted.
        descriptors(page).first.get_by_label("Not yet", exact=True).check()
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_text("Submitted for review")).to_be_visible()
        expect(page.locator("table.descriptors-table")).to_contain_text("Not yet")
        # Every self rating was saved: the only dashes are the reviewer's verdicts, one per descriptor.
        rows = page.locator("table.descriptors-table tbody tr:not(.level-row)")
        expect(page.locator("table.descriptors-table").get_by_text("—", exact=True)).to_have_count(rows.count())
    finally:
        context.close()


def test_submitting_without_ratings_is_refused_at_the_field_and_keeps_the_evidence_typed(page, sign_in_page, demo_org, shots):
    sign_in_page(EMPLOYEE)
    start_assessment(page, "3")
    evidence_for(page).get_by_label("Level 3", exact=False).first.check()
    page.get_by_label("Describe your evidence").fill("Ran the quarterly review with the customer.")
    page.get_by_role("button", name="Submit for review").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link").first).to_contain_text("Choose Met, Partly met or Not yet")
    shots(page, "refused-without-ratings")
    first_level3 = page.locator("fieldset.descriptor.has-error").first
    expect(first_level3.get_by_text("Choose Met, Partly met or Not yet for this descriptor.")).to_be_visible()
    # Following the summary's link goes to the descriptor's first choice.
    summary.get_by_role("link").first.click()
    expect(first_level3.get_by_label("Met", exact=True)).to_be_focused()
    # The evidence is on the page still (nothing was saved: it is added with the next press).
    expect(page.get_by_label("Describe your evidence")).to_have_value("Ran the quarterly review with the customer.")
    expect(page.get_by_text("Awaiting review")).to_have_count(0)
    tick_all(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review")).to_be_visible()
    expect(page.locator("ul.evidence-list").get_by_text("Ran the quarterly review with the customer.")).to_be_visible()


def submitted_by_employee(browser_app, level: int = 3) -> int:
    """Sam's SLMO self-assessment, rated and evidenced, waiting for Marcus's review."""
    from sqlalchemy import select

    from skills_app.extensions import db
    from skills_app.models import Person
    from skills_app.policy import SYSTEM
    from skills_app.services import assessments, frameworks

    with browser_app.app_context():
        sam = db.session.scalar(select(Person).where(Person.email == EMPLOYEE))
        a = assessments.start(sam, frameworks.skill(SYSTEM, "SFIA", "SLMO"), level)
        assessments.save_draft(sam, a, claimed_level=level, ratings={d.id: "met" for d in assessments.descriptors_in_view(a)})
        assessments.add_evidence(sam, a, descriptor_ids=[d.id for d in assessments.claimed_descriptors(a)],
                                 text="I run the monthly service level review.")
        assessments.submit(sam, a)
        db.session.commit()
        return a.id


def judge(page, verdicts=("Accepted", "Not accepted")) -> None:
    page.wait_for_load_state("load")  # a person ticks a page that has finished loading, scripts included
    groups = descriptors(page)
    for i in range(groups.count()):
        groups.nth(i).get_by_label(verdicts[i % 2], exact=True).check()
        groups.nth(i).get_by_label("Comment on this descriptor (optional)").fill(f"Comment {i + 1}")


def assert_judged(page, verdicts=("Accepted", "Not accepted")) -> None:
    groups = descriptors(page)
    assert groups.count() > 0
    for i in range(groups.count()):
        expect(groups.nth(i).get_by_label(verdicts[i % 2], exact=True)).to_be_checked()
        expect(groups.nth(i).get_by_label("Comment on this descriptor (optional)")).to_have_value(f"Comment {i + 1}")


def test_a_refused_decision_keeps_every_verdict_and_a_review_draft_keeps_them_for_later(page, sign_in_page, demo_org, browser_app, shots):
    submitted_by_employee(browser_app)
    sign_in_page(MANAGER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    judge(page)
    page.get_by_role("button", name="Return for more evidence").click()
    # Refused: the comment is missing; it says so beside the field, and nothing else is lost.
    expect(page.locator("#error-summary")).to_contain_text("a comment is required to return an assessment")
    expect(page.locator("#comment-error")).to_contain_text("a comment is required")
    shots(page, "refused-decision")
    assert_judged(page)
    # Saved as a draft, the verdicts are there when the manager comes back.
    page.get_by_label("Reason or comment").fill("Please add the SLA report itself.")
    page.get_by_role("button", name="Save review draft").click()
    expect(page.get_by_text("Review draft saved: nothing is decided yet")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    assert_judged(page)
    expect(page.get_by_label("Reason or comment")).to_have_value("Please add the SLA report itself.")
    page.get_by_role("button", name="Return for more evidence").click()
    expect(page.get_by_text("Decision recorded: returned for more evidence.")).to_be_visible()


def open_assessments_of_employee(browser_app) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from skills_app.extensions import db
    from skills_app.models import Assessment, Person, Skill

    with browser_app.app_context():
        return db.session.execute(
            select(Assessment.id, Assessment.status).join(Person, Assessment.person_id == Person.id)
            .join(Skill, Assessment.skill_id == Skill.id)
            .where(Person.email == EMPLOYEE, Skill.code == "SLMO", Assessment.status.in_(("draft", "submitted", "returned")))
        ).all()


def test_a_double_click_starts_once_and_submits_once(page, sign_in_page, demo_org, browser_app, shots):
    sign_in_page(EMPLOYEE)
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_label("Skill to assess").select_option(label=SKILL)
    page.get_by_role("button", name="Choose a level to claim").click()
    page.get_by_label("Level you claim").select_option("3")
    page.get_by_role("button", name="Start self-assessment").dblclick()
    expect(page.get_by_role("heading", name=re.compile("level 3 claimed"))).to_be_visible()
    assert len(open_assessments_of_employee(browser_app)) == 1
    tick_all(page)
    evidence_for(page).get_by_label("Level 3", exact=False).first.check()
    page.get_by_label("Describe your evidence").fill("Agreed the payroll service levels with HR.")
    page.get_by_role("button", name="Submit for review").dblclick()
    expect(page.get_by_text("Submitted for review")).to_be_visible()
    expect(page.locator("#error-summary")).to_have_count(0)
    shots(page, "submitted-once")
    assert [status for _, status in open_assessments_of_employee(browser_app)] == ["submitted"]
    expect(page.locator("ul.evidence-list li")).to_have_count(1)
    # Back to the page before the submission: it shows the assessment as it is now, and nothing is sent twice.
    page.go_back()
    expect(page.get_by_text("Awaiting review").first).to_be_visible()
    expect(page.get_by_role("button", name="Submit for review")).to_have_count(0)


def test_an_oversize_file_is_caught_before_it_is_sent_and_nothing_typed_is_lost(page, sign_in_page, demo_org, tmp_path, shots):
    sign_in_page(EMPLOYEE)
    start_assessment(page, "3")
    tick_all(page)
    expect(page.get_by_text("Up to 10 MB")).to_be_visible()  # the limit, beside the field
    evidence_for(page).get_by_label("Level 3", exact=False).first.check()
    page.get_by_label("Describe your evidence").fill("The recording of the quarterly review.")
    big = tmp_path / "review-recording.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (11 * 1024 * 1024))
    page.get_by_label("File (optional)").set_input_files(str(big))
    expect(page.get_by_text("review-recording.pdf is 11 MB: the limit is 10 MB")).to_be_visible()
    address = page.url
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_label("File (optional)")).to_be_focused()
    shots(page, "oversize-caught")
    assert page.url == address
    expect(page.get_by_label("Describe your evidence")).to_have_value("The recording of the quarterly review.")
    expect(page.get_by_text("Evidence added.")).to_have_count(0)
    # A smaller file goes with the same note.
    small = tmp_path / "review-minutes.txt"
    small.write_text("Minutes of the quarterly review.")
    page.get_by_label("File (optional)").set_input_files(str(small))
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    expect(page.locator("ul.evidence-list").get_by_text("The recording of the quarterly review.")).to_be_visible()
    assert_all_ticked(page)


def test_leaving_with_unsaved_changes_asks_first(page, sign_in_page, demo_org):
    sign_in_page(EMPLOYEE)
    start_assessment(page, "3")
    page.get_by_label("Describe your evidence").press_sequentially("Half-written note")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Stay on page"
    with page.expect_event("dialog") as asked:
        page.get_by_role("link", name="My skills").first.click()
    assert asked.value.type == "beforeunload"
    expect(page.get_by_label("Describe your evidence")).to_have_value("Half-written note")
    expect(page.get_by_role("heading", name=re.compile("level 3 claimed"))).to_be_visible()
