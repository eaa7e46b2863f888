"""Long work as background jobs (services/jobs.py, skills_app/tasks.py): a real
worker process (``skills-app worker``) on loopback Redis takes a big gap export
and an import confirmed in the browser; the browser follows the job's progress
and downloads its file, which no one else may read; without Redis, or with Redis
not answering, the work is done in the request as before; a job whose worker
died is shown as stalled, not running; a double click starts one job.

Redis database 13 (TEST_JOBS_REDIS_URL) is flushed before and after each test."""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
import redis as redis_module
from sqlalchemy import func, select

from skills_app.extensions import db
from skills_app.models import Person
from skills_app.policy import SYSTEM
from skills_app.services import accounts, jobs, requirements
from tests.conftest import CI

REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/13")
CLOSED_PORT = "redis://127.0.0.1:1/0"
# One Redis database for the run: under pytest-xdist these tests share a worker.
pytestmark = pytest.mark.xdist_group("redis_jobs")
WAIT = 120  # seconds a job may take on a loaded machine before the test gives up (not a speed check)


@contextmanager
def database_to_ourselves(client):
    """Hold Redis database 13 against other test runs on this machine (another
    checkout's suite): their workers would take our jobs to their own databases,
    and their flushes end ours. The lock lives in database 0, which the tests
    never flush."""
    kwargs = client.connection_pool.connection_kwargs
    lock_client = redis_module.Redis(host=kwargs.get("host", "127.0.0.1"), port=kwargs.get("port", 6379), db=0)
    lock = lock_client.lock(f"skills_app:tests:redis-db-{kwargs.get('db', 0)}", timeout=900, blocking_timeout=1800)
    if not lock.acquire():  # pragma: no cover
        pytest.fail("another test run held the job queue's Redis database for half an hour")
    try:
        yield
    finally:
        lock.release()


def _forget(app) -> None:
    for name in ("skills_app.redis", "skills_app.cache", "skills_app.throttle"):
        app.extensions.pop(name, None)


@contextmanager
def job_queue_on(app, **config):
    """``app`` on Redis database 13 (held against other test runs, flushed before and
    after) with ``config``; skipped without Redis, failed under CI."""
    client = redis_module.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis_module.exceptions.ConnectionError:
        if CI:
            pytest.fail(f"Redis does not answer at {REDIS_URL}; CI runs the job queue tests against it", pytrace=False)
        pytest.skip(f"the job queue tests need Redis at {REDIS_URL} (TEST_JOBS_REDIS_URL)")
    with database_to_ourselves(client):
        client.flushdb()
        before = {k: app.config.get(k) for k in ("REDIS_URL", *config)}
        app.config.update(REDIS_URL=REDIS_URL, **config)
        _forget(app)
        try:
            yield client
        finally:
            app.config.update(before)
            _forget(app)
            client.flushdb()


@pytest.fixture
def queue_redis(app):
    """The app on Redis database 13, flushed; exports of more than 5 rows are jobs."""
    with job_queue_on(app, JOB_EXPORT_ROWS=5, JOB_HEARTBEAT_SECONDS=1) as client:
        yield client


def start_worker(app, *extra: str) -> subprocess.Popen:
    """``skills-app worker`` in a process of its own, on the test's database, uploads and Redis."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "UPLOAD_DIR": app.config["UPLOAD_DIR"], "SECRET_KEY": app.config["SECRET_KEY"], "JOB_HEARTBEAT_SECONDS": "1"}
    env.pop("FLASK_APP", None)
    return subprocess.Popen([sys.executable, "-c", "from skills_app.cli import main; main()", "worker", *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(check, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker ended ({process.returncode}) before {what}:\n{process.stdout.read()}")
        time.sleep(0.2)
    pytest.fail(f"waited {WAIT} s for {what}")


@pytest.fixture
def worker(app, queue_redis):
    from rq import Queue, Worker

    process = start_worker(app, "--no-scheduler")
    queue = Queue(jobs.QUEUE, connection=queue_redis)
    wait_for(lambda: Worker.count(queue=queue) > 0, "the worker to listen", process)
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            process.kill()
            process.wait()


@pytest.fixture
def gaps_world(team):
    """Everyone of ``team`` in a job role that needs SLMO 3 and SLM 2: 18 gap rows."""
    role = requirements.save_job_role(SYSTEM, None, name="Analyst", description=None)
    requirements.set_role_requirement(SYSTEM, role, team.slmo, min_level=3, essential=True)
    requirements.set_role_requirement(SYSTEM, role, team.slm, min_level=2, essential=False)
    for person in (team.director, team.manager, team.sam, team.pat, team.other, team.otto, team.hr, team.learning, team.admin):
        requirements.assign(SYSTEM, person, job_roles=[role], services=[])
    db.session.commit()
    return team


def job_id_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    found = re.fullmatch(r".*/jobs/([a-z0-9-]+)", response.location)
    assert found, response.location
    return found.group(1)


def finished(client, job_id: str, process=None) -> dict:
    def ended():
        body = client.get(f"/jobs/{job_id}/status").get_json()
        return body if body["state"] not in ("queued", "running") else None

    return wait_for(ended, f"job {job_id} to end", process)


def test_a_big_export_runs_on_the_worker_with_its_progress_and_file(app, gaps_world, worker, sign_in):
    hr = sign_in(gaps_world.hr)
    job_id = job_id_of(hr.get("/reports/gaps/export?format=csv"))
    page = hr.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Gap report export" in page and '<progress id="job-progress"' in page and '<label for="job-progress"' in page

    status = finished(hr, job_id, worker)
    assert status["state"] == "finished", status
    assert status["done"] == status["total"] == 18 and status["percent"] == 100
    assert status["download"] == f"/jobs/{job_id}/download" and status["file"].startswith("gap-report-")
    page = hr.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Wrote 18 rows" in page and f"Download {status['file']}" in page
    assert '<a href="/reports/gaps">Back to the gap report</a>' in page and "Start it again" not in page

    got = hr.get(status["download"])
    assert got.status_code == 200 and got.headers["Content-Disposition"] == f'attachment; filename="{status["file"]}"'
    # The same file as the request writes (Redis out of the way: no worker to send it to).
    app.config["REDIS_URL"] = None
    _forget(app)
    direct = hr.get("/reports/gaps/export?format=csv")
    assert direct.status_code == 200
    assert got.data == direct.data and got.data.count(b"\n") == 19

    # Another person, even one who may export the report, does not see the job (nor its file).
    app.config["REDIS_URL"] = REDIS_URL
    _forget(app)
    learning = sign_in(gaps_world.learning)
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/download"):
        assert learning.get(path).status_code == 404, path
    assert learning.get("/jobs/not-a-job").status_code == 404


def test_an_export_is_no_longer_theirs_to_download_once_its_starter_lost_the_role_it_needed(app, gaps_world, worker,
                                                                                            sign_in):
    """A finished export of everyone's gaps stays a day: its starter, once no longer HR, was refused
    the gap report (403) but still downloaded the file (200) and followed the job."""
    hr = sign_in(gaps_world.hr)
    job_id = job_id_of(hr.get("/reports/gaps/export?format=csv"))
    assert finished(hr, job_id, worker)["state"] == "finished"
    assert hr.get(f"/jobs/{job_id}/download").status_code == 200
    accounts.set_roles(SYSTEM, gaps_world.hr, ["employee"])
    db.session.commit()
    assert hr.get("/reports/gaps").status_code == 403
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/download"):
        answer = hr.get(path)
        assert answer.status_code == 403 and b"gap-report-" not in answer.data, path


def test_a_people_import_confirmed_in_the_browser_runs_on_the_worker(app, make_person, worker, sign_in):
    hr = sign_in(make_person("Hana", roles=("employee", "hr")))
    csv = ("employee_number,email,name,org_unit,manager\n"
           "E9001,rita.rowe@example.org,Rita Rowe,Group/IT,\n"
           "E9002,tom.tate@example.org,Tom Tate,Group/IT,E9001\n")
    page = hr.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(csv.encode()), "people.csv")},
                   content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    job_id = job_id_of(hr.post("/admin/people/import", data={"confirm": "Import these people", "token": token}))
    status = finished(hr, job_id, worker)
    assert status["state"] == "finished", status
    assert status["message"] == "People: 2 created, 0 updated, 0 unchanged; 2 org units were created." and status["next"]
    db.session.rollback()
    tom = db.session.scalar(select(Person).where(Person.employee_number == "E9002"))
    assert tom.manager.employee_number == "E9001"


def test_an_import_that_fails_on_the_worker_says_what_and_where_and_writes_nothing(app, make_person, worker, sign_in):
    hr = sign_in(make_person("Hana", roles=("employee", "hr")))
    csv = "employee_number,email,name\nE9001,rita.rowe@example.org,Rita Rowe\nE9002,tom.tate@example.org,Tom Tate\n"
    page = hr.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(csv.encode()), "people.csv")},
                   content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    # Between the check and the import, someone else takes Tom's address.
    make_person("Other Tom", email="tom.tate@example.org")
    before = db.session.scalar(select(func.count()).select_from(Person))
    job_id = job_id_of(hr.post("/admin/people/import", data={"confirm": "Import these people", "token": token}))
    status = finished(hr, job_id, worker)
    assert status["state"] == "failed", status
    assert status["message"] == "people.csv: 1 problem; nothing was imported:"
    assert status["errors"] == ["line 3, column email: tom.tate@example.org already belongs to employee number "
                                + db.session.scalar(select(Person.employee_number).where(Person.email == "tom.tate@example.org"))]
    page = hr.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Failed" in page and "line 3, column email" in page
    assert '<a href="/admin/people/import">Back to the people import</a>' in page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Person)) == before


def test_a_framework_import_confirmed_in_the_browser_runs_on_the_worker(app, make_person, worker, sign_in):
    from tests.conftest import ROOT

    hr = sign_in(make_person("Hana", roles=("employee", "hr")))
    path = ROOT / "frameworks" / "slm-scale.yaml"
    page = hr.post("/frameworks/import", data={"check": "Check the file", "file": (io.BytesIO(path.read_bytes()), path.name)},
                   content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    job_id = job_id_of(hr.post("/frameworks/import", data={"confirm": "Import the checked file", "token": token, "format": ""}))
    status = finished(hr, job_id, worker)
    assert status["state"] == "finished", status
    assert status["message"].startswith("Created SLM") and status["next"].startswith("/frameworks/SLM?version=")
    assert "Framework import" in hr.get(f"/jobs/{job_id}").get_data(as_text=True)


def test_the_scheduled_checks_run_on_the_worker_as_the_system(app, team, worker):
    job_id = jobs.start(SYSTEM, "review_escalations", {})
    assert job_id

    def ended():
        view = jobs.get(SYSTEM, job_id)
        return view if not view.active else None

    view = wait_for(ended, "the review checks", worker)
    assert view.state == "finished" and view.message and view.owner_id is None


def test_the_worker_schedules_the_reminders_and_the_review_checks(app, queue_redis):
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    now = datetime(2026, 3, 2, 8, 0, 30, tzinfo=timezone.utc)
    assert jobs.next_run("campaign_reminders", now) == datetime(2026, 3, 3, 8, 0, tzinfo=timezone.utc)
    assert jobs.next_run("review_escalations", now) == datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    assert jobs.next_run("campaign_reminders", now - timedelta(hours=1)) == datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    # Scheduling twice (two workers starting) schedules each once.
    jobs.schedule_periodic(queue_redis, now=now)
    jobs.schedule_periodic(queue_redis, now=now + timedelta(seconds=10))
    registry = ScheduledJobRegistry(queue=Queue(jobs.QUEUE, connection=queue_redis))
    assert sorted(registry.get_job_ids()) == ["periodic-campaign-reminders-20260303t0800",
                                               "periodic-review-escalations-20260302t0900"]


def test_without_redis_or_with_redis_not_answering_the_work_is_done_in_the_request(app, gaps_world, sign_in, make_person):
    hr = sign_in(gaps_world.hr)
    app.config.update(JOB_EXPORT_ROWS=5)
    for url in (None, CLOSED_PORT):
        app.config["REDIS_URL"] = url
        _forget(app)
        got = hr.get("/reports/gaps/export?format=csv")
        assert got.status_code == 200 and got.data.count(b"\n") == 19, url
        # The people import too.
        csv = f"employee_number,email,name\nE{len(str(url))}1,someone.{len(str(url))}@example.org,Some One\n"
        page = hr.post("/admin/people/import", data={"check": "Check the file", "file": (io.BytesIO(csv.encode()), "p.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
        token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
        done = hr.post("/admin/people/import", data={"confirm": "Import these people", "token": token})
        assert done.status_code == 302 and done.location.endswith("/admin/people/import")
    # A job's page while Redis does not answer: said so, not a server error.
    page = hr.get("/jobs/0123456789abcdef")
    assert page.status_code == 503 and "does not answer" in page.get_data(as_text=True)
    assert hr.get("/jobs/0123456789abcdef/status").status_code == 503
    app.config["REDIS_URL"] = None
    _forget(app)


def test_with_redis_but_no_worker_the_export_is_done_in_the_request(app, gaps_world, queue_redis, sign_in):
    got = sign_in(gaps_world.hr).get("/reports/gaps/export?format=csv")
    assert got.status_code == 200 and got.data.count(b"\n") == 19


def test_a_worker_killed_outright_is_no_longer_counted_and_the_work_returns_to_the_request(app, gaps_world, worker,
                                                                                           queue_redis, sign_in):
    """kill -9 (the OOM killer, a lost host): RQ's registration of the worker lives on (an hour when it
    died in a job), but it no longer beats: within three beats new exports are done in the request again,
    and a job queued meanwhile says it waits for a worker, instead of sitting queued for that hour."""
    from rq import Queue, Worker

    hr = sign_in(gaps_world.hr)
    assert jobs.available()
    worker.kill()
    worker.wait()
    assert Worker.count(queue=Queue(jobs.QUEUE, connection=queue_redis)) == 1  # still registered
    wait_for(lambda: not jobs.available(), "the dead worker to be no longer counted")
    got = hr.get("/reports/gaps/export?format=csv")
    assert got.status_code == 200 and got.data.count(b"\n") == 19
    queued = Queue(jobs.QUEUE, connection=queue_redis).enqueue(jobs.TASK, "gap_export", {}, meta={
        "owner_id": gaps_world.hr.id, "kind": "gap_export", "title": "Gap report export"})
    status = hr.get(f"/jobs/{queued.id}/status").get_json()
    assert status["state"] == "queued" and status["waiting_for_worker"] and "skills-app worker" in status["message"]


def test_a_double_click_starts_one_job(app, gaps_world, queue_redis, sign_in, monkeypatch):
    monkeypatch.setattr(jobs, "available", lambda: True)  # as if a worker listened (none takes the job here)
    hr = sign_in(gaps_world.hr)
    first = job_id_of(hr.get("/reports/gaps/export?format=csv"))
    assert job_id_of(hr.get("/reports/gaps/export?format=csv")) == first
    assert job_id_of(hr.get("/reports/gaps/export?format=xlsx")) != first
    status = hr.get(f"/jobs/{first}/status").get_json()
    assert status["state"] == "queued" and status["waiting_for_worker"] and "skills-app worker" in status["message"]
    assert 'http-equiv="refresh"' in hr.get(f"/jobs/{first}").get_data(as_text=True)  # the page without scripts follows it


def test_a_job_whose_worker_died_is_shown_as_stalled_not_running(app, gaps_world, queue_redis, sign_in, monkeypatch):
    from rq.job import Job, JobStatus

    monkeypatch.setattr(jobs, "available", lambda: True)
    hr = sign_in(gaps_world.hr)
    job_id = job_id_of(hr.get("/reports/gaps/export?format=csv"))
    # A worker took it and was killed: the job says "started", and nothing beats for it.
    job = Job.fetch(job_id, connection=queue_redis)
    job.set_status(JobStatus.STARTED)
    job.started_at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=5)
    job.save()
    status = hr.get(f"/jobs/{job_id}/status").get_json()
    assert status["state"] == "stalled" and "stopped before it finished" in status["message"]
    page = hr.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Stopped (stalled)" in page and 'http-equiv="refresh"' not in page
    assert '<a href="/reports/gaps/export?format=csv">Start it again</a>' in page
    assert '<a href="/reports/gaps">Back to the gap report</a>' in page
    # Asked for again, the export is a new job (not the dead one).
    again = job_id_of(hr.get("/reports/gaps/export?format=csv"))
    assert again != job_id and hr.get(f"/jobs/{again}/status").get_json()["state"] == "queued"
    # While its worker beats, it is running.
    queue_redis.set(jobs._beat_key(job_id), "1", ex=30)
    assert hr.get(f"/jobs/{job_id}/status").get_json()["state"] == "running"


def test_the_command_line_shows_an_export_s_progress(app, gaps_world, runner, tmp_path):
    out = tmp_path / "gaps.csv"
    result = runner.run("report", "gaps", "--output", out, "--progress")
    assert result.exit_code == 0, result.output
    assert "Exporting" in result.stderr and "18 rows" in result.stderr
    assert out.read_bytes().count(b"\n") == 19


def test_a_progress_step_redis_refuses_does_not_end_the_job(app, monkeypatch):
    # Redis refusing one progress write (a blip) costs a step of the bar, not the work; the outcome is still written.
    class Job:
        id, meta, saves = "j1", {}, []

        def save_meta(self):
            if len(self.saves) == 1:
                self.saves.append("refused")
                raise redis_module.exceptions.ConnectionError("Connection reset by peer")
            self.saves.append(dict(self.meta))

    job = Job()
    progress = jobs.Progress(job, None, heartbeat=60)
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock))
    progress.start(30)
    progress.set(10)  # refused by Redis
    progress.set(20)
    progress.finish(message="Wrote 30 rows.")
    assert job.saves[1] == "refused"
    assert job.saves[2]["done"] == 20 and job.saves[-1]["outcome"]["message"] == "Wrote 30 rows."
