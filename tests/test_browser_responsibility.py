"""Issue 21's journey in a real browser, by labels: the employee assesses their level of
responsibility first and their line manager validates it; the employee claims a skill two
levels above it and is questioned (not refused); a colleague endorses what they have seen;
the reviewer reads the endorsement beside the evidence. One mistake on the way: after
a double click on Submit (submitted once). A screenshot per step."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_responsibility_first_then_a_skill_far_above_it_endorsed_by_a_colleague(page, live_server, sign_in_page, demo_org,
                                                                                 shots):
    # The employee assesses their level of responsibility: SFIA 8, level 2 to begin with.
    sign_in_page("sam.taylor@acme.example")
    page.get_by_role("link", name="My skills").first.click()
    page.get_by_role("link", name="your level of responsibility", exact=True).click()
    expect(page.get_by_role("heading", name="My level of responsibility")).to_be_visible()
    page.get_by_label("Framework").select_option(label="Skills Framework for the Information Age (SFIA 8)")
    page.get_by_label("The level you think you work at").select_option(label="Level 2")
    shots(page, "start-responsibility")
    page.get_by_role("button", name="Start assessing my level of responsibility").click()
    expect(page.get_by_text("Started your assessment of your level of responsibility at level 2")).to_be_visible()
    expect(page.get_by_label("Autonomy: your level")).to_have_value("2")
    page.get_by_label("Knowledge: your level").select_option(label="Level 3")
    page.get_by_role("group", name="Attributes this evidence supports").get_by_label("Autonomy").check()
    page.get_by_label("Describe your evidence").fill("I run the morning queue triage on my own and escalate what I cannot fix.")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    shots(page, "responsibility-claims")
    # The mistake: a double click on Submit. It is submitted once.
    page.get_by_role("button", name="Submit for review").dblclick()
    expect(page.get_by_text("Submitted for review: Marcus Webb has been told.")
           .or_(page.get_by_text("This assessment is already submitted for review."))).to_be_visible()
    expect(page.locator("ol.history li", has_text="→ awaiting review")).to_have_count(1)
    shots(page, "submitted-once")
    page.get_by_role("button", name="Sign out").click()

    # The line manager validates it (Knowledge at 2, with a reason): level 2.
    sign_in_page("marcus.webb@acme.example")
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's LoR").click()
    expect(page.locator("div.evidence-box").get_by_text("I run the morning queue triage on my own")).to_be_visible()
    page.get_by_label("Validate Knowledge at").select_option(label="Level 2")
    page.get_by_label("Reason or comment").fill("Knowledge is level 2 for now: the CMDB course first.")
    shots(page, "review-responsibility")
    page.get_by_role("button", name="Approve at the levels chosen above").click()
    expect(page.get_by_text("Decision recorded: validated. Sam Taylor has been told.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The employee claims SLMO at level 4, two above: questioned, with both levels side by side.
    sign_in_page("sam.taylor@acme.example")
    page.get_by_role("link", name="My skills").first.click()
    row = page.locator("tr.responsibility-row")
    expect(row).to_contain_text("Level of responsibility")
    expect(row).to_contain_text("Validated")
    page.get_by_label("Skill to assess").select_option(label="SFIA 8 · SLMO Service level management")
    page.get_by_role("button", name="Choose a level to claim").click()
    expect(page.get_by_text("Your validated level of responsibility is 2")).to_be_visible()
    page.get_by_label("Level you claim").select_option("4")
    page.get_by_role("button", name="Start self-assessment").click()
    flag = page.get_by_role("region", name="Level 4 claimed, your level of responsibility is 2")
    expect(flag).to_be_visible()
    expect(flag.get_by_role("row", name="Autonomy")).to_contain_text("Works under routine direction")
    shots(page, "skill-flagged")
    groups = page.locator("fieldset.descriptor")
    for i in range(groups.count()):
        groups.nth(i).get_by_label("Met", exact=True).check()
    first = page.get_by_role("group", name="Descriptors this evidence supports").get_by_label("Level 4", exact=False).first
    first.check()
    page.get_by_label("Describe your evidence").fill("I drafted the desk's SLA with the payroll team.")
    page.get_by_role("button", name="Add evidence").click()
    expect(page.get_by_text("Evidence added.")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Submitted for review")).to_be_visible()

    # A colleague is asked to endorse the first level-4 descriptor, with the evidence.
    page.get_by_label("Colleague's email address").fill("maria.lopez@acme.example")
    page.get_by_role("group", name="Descriptors to share").get_by_label("Level 4", exact=False).first.check()
    page.get_by_role("group", name="Evidence to share (optional)").get_by_label("I drafted the desk's SLA").check()
    shots(page, "ask-endorsement")
    page.get_by_role("button", name="Ask for an endorsement").click()
    expect(page.get_by_text("María López has been asked to endorse this assessment.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in_page("maria.lopez@acme.example")
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="Sam Taylor asks you to endorse", exact=False).first.click()
    expect(page.get_by_text("I drafted the desk's SLA with the payroll team.")).to_be_visible()
    page.get_by_label("Seen it", exact=True).check()
    page.get_by_label("Comment (optional)").fill("I sat in the SLA meetings with Sam in October.")
    shots(page, "endorse")
    page.get_by_role("button", name="Send my endorsement").click()
    expect(page.get_by_text("Thank you: Sam Taylor has your endorsement.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The reviewer sees the flag, and the endorsement beside the evidence.
    sign_in_page("marcus.webb@acme.example")
    page.get_by_role("link", name="Reviews").click()
    page.get_by_role("link", name="Review Sam Taylor's SLMO").click()
    expect(page.get_by_role("heading", name="Level 4 claimed, Sam Taylor's level of responsibility is 2")).to_be_visible()
    expect(page.locator("div.endorsed").first).to_contain_text("María López: seen it — I sat in the SLA meetings with Sam in October.")
    shots(page, "review-with-endorsement")
