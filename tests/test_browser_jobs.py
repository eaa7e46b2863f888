"""HR starts a big gap export in Chromium: it becomes a background job, the job's
page shows its progress bar (a labelled <progress>), a worker process
(``skills-app worker`` on loopback Redis) takes it, and the page offers the file,
which downloads. The export threshold is lowered to 10 rows for the demo."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from skills_app.services import jobs
from tests.test_jobs import job_queue_on, start_worker

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("redis_jobs")]


@pytest.fixture
def queue_on(browser_app, monkeypatch):
    with job_queue_on(browser_app, JOB_EXPORT_ROWS=10) as client:
        yield client


def test_hr_exports_a_big_gap_report_through_a_worker_and_downloads_it(page, live_server, sign_in_page, demo_org, queue_on,
                                                                      browser_app, monkeypatch, shots, tmp_path):
    # The job is queued before any worker runs, so that the page is seen waiting (as if a worker
    # listened: the app queues only then); the worker started next takes it.
    monkeypatch.setattr(jobs, "available", lambda: True)
    sign_in_page("hannah.lee@acme.example")
    page.goto(f"{live_server}/reports/gaps")
    page.get_by_role("link", name="CSV", exact=True).click()
    expect(page.get_by_role("heading", name="Gap report export")).to_be_visible()
    bar = page.get_by_role("progressbar", name=re.compile(r"0 of [\d,]+ rows"))
    expect(bar).to_be_visible()
    expect(page.get_by_text("Waiting for a worker")).to_be_visible()
    shots(page, "waiting")

    worker = start_worker(browser_app, "--no-scheduler")
    try:
        download_link = page.get_by_role("link", name=re.compile(r"Download gap-report-.*\.csv"))
        expect(download_link).to_be_visible(timeout=120_000)
        expect(page.get_by_text("Done")).to_be_visible()
        expect(page.get_by_role("progressbar", name=re.compile(r"([\d,]+) of \1 rows \(100%\)"))).to_be_visible()
        shots(page, "done")
        with page.expect_download() as info:
            download_link.click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
    finally:
        worker.terminate()
        worker.wait(60)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("person_id,person,email,org_unit,job_role,service,framework,skill,required_level,current_level,")
    assert text.count("\n") > 11
