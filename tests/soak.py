"""`make soak`: a bounded load and fault test on loopback.

gunicorn (2 workers) serves the app on a PostgreSQL database of its own
(SOAK_DATABASE_URL, dropped and created afresh; never the shared server's other
databases). For SOAK_SECONDS (default 120) employees sign in, self-assess and
submit, managers read their queues and teams, and HR reads and exports the gap
report. Then:

* no answer was a 5xx;
* every assessment the clients submitted is in the database, submitted;
* several decisions sent at once on one assessment have exactly one winner;
* a fault phase drops the app's database connections again and again for a few
  seconds (pg_terminate_backend on this database only): the app answers a clear
  503 (or a 500 page), gunicorn stays up, and it recovers once connections return.

It prints a table of counts and exits non-zero on any failed check.
"""
from __future__ import annotations

import collections
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "demo-skills-2026"
SECONDS = int(os.environ.get("SOAK_SECONDS", "120"))
URL = make_url(os.environ.get("SOAK_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test_security_soak"))
MAX_REQUESTS = 200_000  # a bound on the load, whatever the time

lock = threading.Lock()
counts: collections.Counter = collections.Counter()
failures: list[str] = []
submitted: set[int] = set()
stop = threading.Event()


def note(key: str, n: int = 1) -> None:
    with lock:
        counts[key] += n


def fail(message: str) -> None:
    with lock:
        failures.append(message)


def token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


class Client:
    def __init__(self, base: str, email: str, phase: str = "load"):
        self.base, self.email, self.phase = base, email, phase
        self.http = requests.Session()

    def request(self, method: str, path: str, **kw) -> requests.Response | None:
        if counts["requests"] >= MAX_REQUESTS:
            stop.set()
            return None
        try:
            response = self.http.request(method, self.base + path, timeout=30, allow_redirects=kw.pop("follow", True), **kw)
        except requests.RequestException as exc:
            note(f"{self.phase}: connection errors")
            if self.phase == "load":
                fail(f"{method} {path}: {exc.__class__.__name__}")
            return None
        note("requests")
        note(f"{self.phase}: {response.status_code // 100}xx")
        if response.status_code >= 500 and self.phase in ("load", "race", "recovery"):
            fail(f"{method} {path} as {self.email}: {response.status_code}")
        return response

    def sign_in(self) -> bool:
        page = self.request("GET", "/login")
        if page is None:
            return False
        response = self.request("POST", "/login", data={"email": self.email, "password": PASSWORD, "csrf_token": token(page.text)})
        ok = response is not None and response.ok and "Sign out" in response.text
        if not ok and response is not None and self.phase != "fault":
            fail(f"{self.email}: sign-in answered {response.status_code}: "
                 f"{re.sub(r'<[^>]+>', ' ', response.text).split('skills_app')[-1].split()[:25]}")
        return ok


def employee(base: str, email: str, skills: list[int]) -> None:
    client = Client(base, email)
    if not client.sign_in():
        fail(f"{email} could not sign in")
        return
    for skill_id in skills:
        if stop.is_set():
            return
        page = client.request("GET", f"/assessments/new?skill_id={skill_id}")
        if page is None or "/assessments/new" not in page.url:
            continue  # an open assessment already
        levels = re.findall(r'<option value="(\d+)"', page.text)
        started = client.request("POST", f"/assessments/new?skill_id={skill_id}",
                                 data={"claimed_level": random.choice(levels or ["2"]), "csrf_token": token(page.text)})
        match = started is not None and re.search(r"/assessments/(\d+)$", started.url)
        if not match:
            continue
        assessment_id = int(match.group(1))
        # The one form of the page: every rating and the evidence, then "Submit for review".
        descriptors = re.findall(r'name="descriptors" type="checkbox" value="(\d+)"', started.text)
        level = re.search(r'<option selected value="(\d+)"', started.text)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', started.text)
        ratings = {name: "met" for name in set(re.findall(r'name="(rating-\d+)"', started.text))}
        done = client.request("POST", f"/assessments/{assessment_id}",
                              data={"claimed_level": level.group(1) if level else "", "version": version.group(1) if version else "",
                                    **ratings, "descriptors": descriptors, "text": f"Soak evidence from {email}",
                                    "submit": "Submit for review", "csrf_token": token(started.text)})
        if done is not None and "Submitted for review" in done.text:
            with lock:
                submitted.add(assessment_id)
            note("assessments submitted")
    while not stop.is_set():
        for path in ("/", "/my/skills", "/notifications", "/frameworks", "/learning"):
            client.request("GET", path)


def reader(base: str, email: str, paths: list[str], phase: str = "load") -> None:
    client = Client(base, email, phase)
    if not client.sign_in() and phase != "fault":  # (in the fault phase the database may already be gone)
        fail(f"{email} could not sign in")
        return
    while not stop.is_set():
        for path in paths:
            if stop.is_set():
                return
            client.request("GET", path)


def race(base: str, manager: str, assessment_id: int, contenders: int = 6) -> tuple[int, int]:
    """``contenders`` sessions of the manager decide one assessment at once: (winners, refused)."""
    clients = [Client(base, manager, "race") for _ in range(contenders)]
    forms = []
    for client in clients:
        client.sign_in()
        page = client.request("GET", f"/reviews/{assessment_id}")
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page.text)
        forms.append({"csrf_token": token(page.text), "version": version.group(1), "outcome": "approve:",
                      "comment": "Approved under load."})
    barrier = threading.Barrier(contenders)
    results: list[str] = []

    def go(client, form):
        barrier.wait()
        response = client.request("POST", f"/reviews/{assessment_id}", data=form, follow=False)
        results.append("win" if response is not None and response.status_code == 302 and response.headers["Location"].rstrip("/").endswith("/reviews")
                       else f"refused {response.status_code if response is not None else 'error'}")

    threads = [threading.Thread(target=go, args=(c, f)) for c, f in zip(clients, forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results.count("win"), len(results) - results.count("win")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    if URL.database in (None, "", "postgres") or not URL.database.startswith("test_"):
        print(f"SOAK_DATABASE_URL must name a database of its own (test_...), not {URL.database!r}", file=sys.stderr)
        return 2
    admin = create_engine(URL.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{URL.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{URL.database}"'))
    uploads = tempfile.mkdtemp(prefix="soak-uploads-")
    env = {**os.environ, "DATABASE_URL": URL.render_as_string(hide_password=False), "SECRET_KEY": "soak-secret",
           "UPLOAD_DIR": uploads, "FLASK_APP": "skills_app:create_app"}
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(BIN / "skills-app"), *args], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60",
                               "--log-level", "warning", "skills_app:create_app()"], env=env, cwd=ROOT)
    engine = create_engine(URL, isolation_level="AUTOCOMMIT")
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            print("gunicorn did not start", file=sys.stderr)
            return 1
        with engine.connect() as conn:
            people = conn.execute(text(
                "SELECT p.email, string_agg(r.role, ',') FROM person p JOIN person_role r ON r.person_id = p.id "
                "WHERE p.active GROUP BY p.email, p.manager_id HAVING p.manager_id IS NOT NULL")).all()
            skills = [row[0] for row in conn.execute(text("SELECT id FROM skill ORDER BY id"))]
        employees = [email for email, roles in people if set(roles.split(",")) == {"employee"}]
        print(f"Soak: {SECONDS}s of traffic on {base} (gunicorn, 2 workers), database {URL.database}; "
              f"{len(employees)} employees, {len(skills)} skills")

        # -- the load phase -------------------------------------------------------------------
        started = time.monotonic()
        threads = [threading.Thread(target=employee, args=(base, email, skills), daemon=True) for email in employees[:12]]
        threads += [threading.Thread(target=reader, args=(base, "marcus.webb@acme.example", ["/reviews", "/team", "/people"]), daemon=True),
                    threading.Thread(target=reader, args=(base, "priya.shah@acme.example", ["/reviews", "/team"]), daemon=True),
                    threading.Thread(target=reader, args=(base, "hannah.lee@acme.example",
                                                          ["/reports/gaps", "/reports/gaps/export?format=csv", "/people",
                                                           "/reports/training-needs", "/admin/audit"]), daemon=True)]
        for t in threads:
            t.start()
        while time.monotonic() - started < SECONDS and not stop.is_set():
            time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=60)

        # -- every submitted assessment is there -------------------------------------------------
        with engine.connect() as conn:
            stored = dict(conn.execute(text("SELECT id, status FROM assessment")).all())
        lost = sorted(a for a in submitted if stored.get(a) != "submitted")
        if lost:
            fail(f"submitted assessments missing or changed: {lost[:10]}")
        counts["assessments in the database, submitted"] = sum(1 for a in submitted if stored.get(a) == "submitted")

        # -- concurrent decisions ------------------------------------------------------------------
        stop.clear()
        with engine.connect() as conn:
            by_marcus = [row[0] for row in conn.execute(text(
                "SELECT a.id FROM assessment a JOIN person p ON p.id = a.person_id JOIN person m ON m.id = p.manager_id "
                "WHERE a.status = 'submitted' AND m.email = 'marcus.webb@acme.example' ORDER BY a.id LIMIT 3"))]
        for assessment_id in by_marcus:
            winners, refused = race(base, "marcus.webb@acme.example", assessment_id)
            note("races run")
            note("race winners", winners)
            note("race refusals", refused)
            with engine.connect() as conn:
                decided = conn.execute(text("SELECT count(*) FROM audit_event WHERE entity_type = 'assessment' AND entity_id = :a "
                                            "AND action = 'assessment.validated'"), {"a": assessment_id}).scalar()
            if winners != 1 or decided != 1:
                fail(f"assessment {assessment_id}: {winners} winners, {decided} decisions recorded (want exactly one)")
        if not by_marcus:
            fail("no submitted assessment to race decisions on")

        # -- the fault phase -------------------------------------------------------------------------
        stop.clear()
        faulty = [threading.Thread(target=reader, args=(base, email, ["/", "/frameworks", "/my/skills"], "fault"), daemon=True)
                  for email in employees[:4]]
        for t in faulty:
            t.start()
        time.sleep(1)
        fault_end = time.monotonic() + 5
        while time.monotonic() < fault_end:
            with engine.connect() as conn:
                killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                           "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": URL.database}).scalar()
            note("fault: connections terminated", killed)
            time.sleep(0.2)
        stop.set()
        for t in faulty:
            t.join(timeout=60)
        if server.poll() is not None:
            fail(f"gunicorn exited during the fault phase ({server.returncode})")
        # Recovery: once connections may return, every answer is good again.
        time.sleep(1)
        stop.clear()
        recovered = Client(base, "hannah.lee@acme.example", "recovery")
        recovered.sign_in()
        for path in ["/", "/reports/gaps", "/people", "/frameworks"] * 5:
            response = recovered.request("GET", path)
            if response is None or response.status_code != 200:
                fail(f"after the fault, GET {path}: {response.status_code if response is not None else 'no answer'}")
        odd = {k: v for k, v in counts.items() if k.startswith("fault: ") and k[7] not in "2345" and "terminated" not in k}
        if odd:
            fail(f"the fault phase gave answers that are not HTTP responses: {odd}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{URL.database}" WITH (FORCE)'))
        admin.dispose()

    width = max(len(k) for k in counts) + 2
    print(f"\n{'what':<{width}}count")
    for key in sorted(counts):
        print(f"{key:<{width}}{counts[key]}")
    if failures:
        print(f"\nFAILED: {len(failures)} problem(s)")
        for message in failures[:30]:
            print(f"  {message}")
        return 1
    print("\nOK: no 5xx under load, nothing lost, one winner per decision, the database outage answered and recovered.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
