"""Reads on a replica (skills_app/replica.py): with DATABASE_REPLICA_URL, report
statements go to a PostgreSQL streaming replica, and to the primary when the
replica is stopped or lags more than DATABASE_REPLICA_MAX_LAG.

The replica is real: a second PostgreSQL cluster on another port, made here
with Debian's ``pg_createcluster`` and ``pg_basebackup -R`` from the primary
of TEST_DATABASE_URL (127.0.0.1), streaming from it, and dropped at the end,
also on failure. A ``host replication`` line for 127.0.0.1 is added to the
primary's pg_hba.conf (and the configuration reloaded) for the run, and taken
away after (where the file is not writable, the primary must let 127.0.0.1
replicate already); the primary is never restarted. Skipped, saying why, when the tools or the rights are missing,
except under CI=true, where that fails.

What shows where a read went: a replica whose replay is paused does not have
what the primary wrote since, so a report that lacks a new row was read from it.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from skills_app import create_app, replica
from skills_app.config import normalise_database_url
from skills_app.extensions import db
from skills_app.policy import SYSTEM
from tests.conftest import CI, PASSWORD, make_person

# One replica at a time: the tests share it, on one xdist worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("replica")

TOOLS = ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "pg_basebackup", "pg_lsclusters")
HBA_MARK = "# skills_app test replica"


def _unavailable(reason: str):
    if CI:
        pytest.fail(f"{reason}; CI runs the replica test", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*args: str, user: str | None = None, timeout: float = 300) -> str:
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, user=user,
                            cwd="/")  # another user (postgres) may not enter the checkout's folder (a clone in a mkdtemp folder)
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def _alive(cluster_name: str) -> bool:
    """Whether the run that made the cluster ``skills_replica_<pid>_<id>`` is still running."""
    try:
        os.kill(int(cluster_name.split("_")[2]), 0)
    except (IndexError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _wait(check, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    last = None
    while True:
        try:
            value = check()
        except Exception as exc:  # noqa: BLE001 - not up yet
            value, last = None, exc
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds:g} s for {what}" + (f" (last: {last})" if last else ""))
        time.sleep(0.1)


class Cluster:
    """A streaming replica of the primary, as a Debian cluster of its own."""

    def __init__(self, primary_admin_url: str):
        self.admin = create_engine(primary_admin_url, isolation_level="AUTOCOMMIT")
        self.primary = make_url(primary_admin_url)
        self.name = f"skills_replica_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.port = _free_port()
        self.version = None
        self.hba_line = None
        self.hba_file = None
        self.created = False
        self.timings: dict[str, float] = {}

    # -- the primary ------------------------------------------------------------------

    def sweep_stale(self) -> None:
        """Clusters and pg_hba.conf lines left by a run that was killed (its process is gone)."""
        for line in _run("pg_lsclusters", "--no-header").splitlines():
            version, name = line.split()[:2]
            if name.startswith("skills_replica_") and not _alive(name):
                subprocess.run(["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=120)
        hba = Path(self.hba_file)
        lines = hba.read_text().splitlines(keepends=True)
        kept = [line for line in lines if HBA_MARK not in line or _alive(line.rsplit(" ", 1)[-1].strip())]
        if kept != lines and os.access(hba, os.W_OK):
            hba.write_text("".join(kept))
            self._reload()

    def allow_replication(self) -> None:
        with self.admin.connect() as conn:
            settings = dict(conn.execute(text(
                "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'server_version_num')")).all())
            senders = conn.scalar(text("SELECT count(*) FROM pg_stat_replication"))
            self.hba_file = conn.scalar(text("SHOW hba_file"))
        self.sweep_stale()
        self.version = int(settings["server_version_num"]) // 10000
        if settings["wal_level"] not in ("replica", "logical"):
            _unavailable(f"the primary's wal_level is {settings['wal_level']} (a replica needs 'replica'; changing it needs a restart)")
        if int(settings["max_wal_senders"]) <= senders + 1:
            _unavailable("the primary has no free WAL sender (max_wal_senders)")
        if not os.access(self.hba_file, os.W_OK):
            if self.replication_allowed():
                return
            _unavailable(f"the primary's {self.hba_file} allows no replication from 127.0.0.1 and is not writable here")
        # A line of this run's own, even where replication looks allowed already: a probe right
        # after an earlier setup's teardown took its line away can still be let in by the rules
        # loaded before that reload (a reload is asynchronous), and the replica then found
        # itself refused from then on (seen once in CI, the fixture set up twice on a worker).
        self.hba_line = f"host replication {self.primary.username} 127.0.0.1/32 trust {HBA_MARK} {self.name}\n"
        with open(self.hba_file, "a") as f:
            f.write(self.hba_line)
        self._reload()
        _wait(self.replication_allowed, "the primary to allow replication from 127.0.0.1", 10)

    def replication_allowed(self) -> bool:
        """Whether a replication connection from 127.0.0.1 is let in (tried, as the rules loaded say)."""
        import psycopg

        try:
            with psycopg.connect(host="127.0.0.1", port=self.primary.port or 5432, user=self.primary.username,
                                 dbname="postgres", replication="true", autocommit=True, connect_timeout=5) as conn:
                conn.pgconn.exec_(b"IDENTIFY_SYSTEM")
            return True
        except psycopg.OperationalError:
            return False

    def _reload(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SELECT pg_reload_conf()"))

    def restore_hba(self) -> None:
        if not self.hba_line:
            return
        lines = Path(self.hba_file).read_text().splitlines(keepends=True)
        Path(self.hba_file).write_text("".join(line for line in lines if line != self.hba_line))
        self.hba_line = None
        self._reload()

    # -- the replica --------------------------------------------------------------------

    def create(self) -> None:
        t = time.monotonic()
        _run("pg_createcluster", str(self.version), self.name, "-p", str(self.port), "--start-conf=manual")
        self.created = True
        with open(f"/etc/postgresql/{self.version}/{self.name}/postgresql.conf", "a") as conf:
            conf.write("\n# the test replica's\nlisten_addresses = '127.0.0.1'\nhot_standby = on\n"
                       "hot_standby_feedback = on\nfsync = off\nshared_buffers = 32MB\n")
        # Trust from this machine, as the primary does here (the cluster's own default asks for passwords).
        Path(f"/etc/postgresql/{self.version}/{self.name}/pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        self.timings["create"] = time.monotonic() - t
        data = Path(f"/var/lib/postgresql/{self.version}/{self.name}")
        for attempt in range(3):
            for item in data.iterdir():  # emptied, the folder kept (its parent is root's)
                shutil.rmtree(item) if item.is_dir() else item.unlink()
            try:
                _run("pg_basebackup", "-h", self.primary.host or "127.0.0.1", "-p", str(self.primary.port or 5432),
                     "-U", self.primary.username, "-D", str(data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
                     user="postgres")
                break
            except RuntimeError:
                # On a busy shared server a checkpoint may end the backup's WAL stream: try again.
                if attempt == 2:
                    raise
        self.timings["basebackup"] = time.monotonic() - t - self.timings["create"]
        self.start()
        self.timings["started"] = time.monotonic() - t

    def start(self) -> None:
        _run("pg_ctlcluster", str(self.version), self.name, "start")

    def stop(self) -> None:
        _run("pg_ctlcluster", str(self.version), self.name, "stop", "-m", "fast")

    def drop(self) -> None:
        if self.created:
            subprocess.run(["pg_dropcluster", "--stop", str(self.version), self.name], capture_output=True, timeout=120)
            self.created = False

    def url(self, database: str) -> str:
        return self.primary.set(port=self.port, database=database).render_as_string(hide_password=False)


def _catch_up(primary, standby) -> None:
    """Wait until the replica has replayed everything the primary wrote so far, a
    commit last (so that it knows the time of the last transaction it replayed)."""
    with primary.begin() as conn:
        conn.execute(text("SELECT pg_current_xact_id()"))  # a transaction id: its commit is written to the WAL
    with primary.connect() as conn:
        lsn = conn.scalar(text("SELECT pg_current_wal_lsn()::text"))

    def replayed():
        with standby.connect() as conn:
            return conn.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": lsn})

    _wait(replayed, "the replica to replay the primary's WAL")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        _unavailable("the replica test needs PostgreSQL: set TEST_DATABASE_URL")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        _unavailable(f"the replica test needs Debian's PostgreSQL cluster tools: {', '.join(missing)} not found")
    if os.geteuid() != 0:
        _unavailable("the replica test creates a PostgreSQL cluster (pg_createcluster): run as root")
    base = make_url(normalise_database_url(url))
    if base.host not in ("127.0.0.1", "localhost"):
        _unavailable(f"the replica test streams from a primary on this machine, not {base.host}")
    name = f"{base.database}_replica"
    admin_url = base.set(database="postgres").render_as_string(hide_password=False)
    primary = Cluster(admin_url)
    started = time.monotonic()
    primary.allow_replication()
    with primary.admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    app = None
    try:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret-key", "WTF_CSRF_ENABLED": False, "REPORT_CACHE": False,
            "PASSWORD_METHOD": "pbkdf2:sha256:1000", "UPLOAD_DIR": str(tmp_path_factory.mktemp("replica") / "uploads"),
            "SQLALCHEMY_DATABASE_URI": base.set(database=name).render_as_string(hide_password=False),
            "DATABASE_REPLICA_URL": primary.url(name), "DATABASE_REPLICA_MAX_LAG": 3600, "DATABASE_REPLICA_CHECK_SECONDS": 0,
        })
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            world = _world()
        primary.create()
        with app.app_context():
            _catch_up(db.engine, replica.current().engine)
        print(f"\nreplica {primary.name} on port {primary.port} ready in {time.monotonic() - started:.1f} s "
              f"({', '.join(f'{k} {v:.1f} s' for k, v in primary.timings.items())})")
        yield app, primary, world
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
                if replica.current():
                    replica.current().engine.dispose()
        primary.drop()
        primary.restore_hba()
        with primary.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        primary.admin.dispose()


def _world() -> dict:
    from tests.conftest import load_seed_frameworks
    from skills_app.services import requirements

    frameworks = load_seed_frameworks()
    slmo = next(s for s in frameworks["SFIA"].skills if s.code == "SLMO")
    role = requirements.save_job_role(SYSTEM, None, name="Service Level Manager", description=None)
    requirements.set_role_requirement(SYSTEM, role, slmo, min_level=3, essential=True)
    hr = make_person("Hilda Reports", roles=("employee", "hr"))
    manager = make_person("Mona Manager", roles=("employee", "manager"))
    for name in ("Early Person", "Second Person"):
        requirements.assign(SYSTEM, make_person(name, manager=manager), job_roles=[role], services=[])
    db.session.commit()
    return {"hr": hr.email, "manager": manager.email, "role": role.id, "manager_id": manager.id}


def _add_person(name: str, world: dict) -> None:
    from skills_app.models import JobRole, Person
    from skills_app.services import requirements

    person = make_person(name, manager=db.session.get(Person, world["manager_id"]))
    requirements.assign(SYSTEM, person, job_roles=[db.session.get(JobRole, world["role"])], services=[])
    db.session.commit()


class Seen:
    """The statements each engine ran (the report streams' COPY goes round these events: see ``lags``)."""

    def __init__(self, app):
        self.app = app
        self.primary: list[str] = []
        self.replica: list[str] = []

    def __enter__(self):
        with self.app.app_context():
            engines = [(db.engine, self.primary), (replica.current().engine, self.replica)]
        self.listening = [(engine, self._listener(seen)) for engine, seen in engines]
        for engine, listener in self.listening:
            event.listen(engine, "before_cursor_execute", listener)
        return self

    @staticmethod
    def _listener(seen):
        def listen(_conn, _cursor, statement, *_args):
            seen.append(statement)
        return listen

    def __exit__(self, *exc):
        for engine, listener in self.listening:
            event.remove(engine, "before_cursor_execute", listener)


def _signed_in(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def _paused(standby_engine, paused: bool) -> None:
    with standby_engine.connect() as conn:
        conn.execute(text("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()"))
        conn.commit()


def _received_not_replayed(standby_engine) -> bool:
    with standby_engine.connect() as conn:
        return conn.scalar(text("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()"))


def test_reports_read_from_the_replica_and_fall_back_when_it_lags_or_stops(cluster, caplog):
    app, standby, world = cluster
    caplog.set_level(logging.INFO, logger="skills_app.replica")
    with app.app_context():
        the_replica = replica.current()
        standby_engine, primary_engine = the_replica.engine, db.engine
        # The helper itself: inside reports_session() a read is answered by a standby, outside by the primary.
        with replica.reports_session() as on_replica:
            assert on_replica and db.session.scalar(select(func.pg_is_in_recovery())) is True
        assert db.session.scalar(select(func.pg_is_in_recovery())) is False
        db.session.remove()

    hr = _signed_in(app, world["hr"])
    # The HR gap report page reads its rows on the replica: the primary sees the sign-in only.
    with Seen(app) as seen:
        page = hr.get("/reports/gaps")
    assert page.status_code == 200 and "Early Person" in page.text
    assert any("requirement" in s for s in seen.replica), seen.replica
    assert not any("requirement" in s for s in seen.primary), seen.primary
    # A page that shows what was just saved is not a report: all on the primary.
    with Seen(app) as seen:
        assert hr.get("/my/skills").status_code == 200
    assert seen.primary and not seen.replica

    # Replay paused: what the primary writes now is received by the replica but not applied.
    _paused(standby_engine, True)
    try:
        with app.app_context():
            _add_person("Lagging Person", world)
            db.session.remove()
        _wait(lambda: _received_not_replayed(standby_engine), "the replica to receive WAL it does not replay")
        # Within the bound (an hour): the reports come from the replica, which has not got the new person.
        for path in ("/reports/gaps", "/reports/gaps/export?format=csv", "/reports/gaps/export?format=json",
                     "/reports/training-needs"):
            answer = hr.get(path)
            assert answer.status_code == 200, path
            assert "Early Person" in answer.text and "Lagging Person" not in answer.text, path
        result = app.test_cli_runner().invoke(args=["report", "gaps", "--format", "csv"])
        assert result.exit_code == 0 and "Early Person" in result.output and "Lagging Person" not in result.output
        # Beyond the bound: the primary answers, and so the new person is there; the log says why.
        time.sleep(1.2)
        the_replica.max_lag = 1
        for path in ("/reports/gaps", "/reports/gaps/export?format=csv", "/reports/gaps/export?format=json"):
            answer = hr.get(path)
            assert answer.status_code == 200 and "Lagging Person" in answer.text, path
        assert the_replica.fit is False and "behind the primary" in the_replica.why
        assert any("lags" in r.getMessage() and "primary" in r.getMessage() for r in caplog.records)
    finally:
        _paused(standby_engine, False)
        the_replica.max_lag = 3600
    with app.app_context():
        _catch_up(primary_engine, standby_engine)
    with Seen(app) as seen:
        answer = hr.get("/reports/gaps/export?format=csv")
    assert answer.status_code == 200 and "Lagging Person" in answer.text
    assert the_replica.fit and seen.replica

    # The replica stopped: no error, the primary answers (after one failed connection), and the log says so.
    standby.stop()
    try:
        for path in ("/reports/gaps", "/reports/gaps/export?format=csv", "/reports/trends", "/finder/"):
            answer = hr.get(path)
            assert answer.status_code == 200 and answer.text, (path, answer.status_code)
        assert "Lagging Person" in hr.get("/reports/gaps").text
        assert the_replica.fit is False and "does not answer" in the_replica.why
        # A connection that fails between two checks (the last check said fit) is answered by the primary too.
        the_replica.check_seconds = 3600
        the_replica._record(True, "was fit a moment ago")
        answer = hr.get("/reports/gaps/export?format=csv")
        assert answer.status_code == 200 and "Lagging Person" in answer.text
        assert the_replica.fit is False
    finally:
        the_replica.check_seconds = 0
        standby.start()
    _wait(the_replica.usable, "the replica to be used again once it answers")
    with Seen(app) as seen:
        assert hr.get("/reports/gaps").status_code == 200
    assert seen.replica


def test_the_check_is_cached_not_made_per_request(cluster):
    app, _standby, world = cluster
    with app.app_context():
        the_replica = replica.current()
    the_replica.check_seconds = 3600
    try:
        the_replica._checked_at = None
        before = the_replica.checks
        hr = _signed_in(app, world["hr"])
        for _ in range(5):
            with Seen(app) as seen:
                assert hr.get("/reports/gaps").status_code == 200
            assert seen.replica and not any("pg_is_in_recovery" in s for s in seen.replica[1:])
        assert the_replica.checks == before + 1
    finally:
        the_replica.check_seconds = 0


def test_without_the_setting_nothing_changes(app):
    # The suite's own app: no DATABASE_REPLICA_URL, no replica, and reports read where they always did.
    assert app.config["DATABASE_REPLICA_URL"] is None
    assert replica.current() is None
    with replica.reports_session() as on_replica:
        assert on_replica is False
    assert not replica.reading_replica()


class _StallingProxy:
    """A TCP proxy to a PostgreSQL server that, once ``stall`` is set, passes nothing
    more back: a replica whose host stops answering while the app holds a connection
    to it (the kernel still acknowledges, so no TCP timeout helps)."""

    def __init__(self, host: str, port: int):
        import threading

        self.target = (host, port)
        self.stall = threading.Event()
        self.closed = threading.Event()
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading

        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source, sink, back):
        try:
            while data := source.recv(65536):
                while back and self.stall.is_set() and not self.closed.is_set():
                    self.closed.wait(0.1)
                if self.closed.is_set():
                    return
                sink.sendall(data)
        except OSError:
            return

    def close(self):
        self.closed.set()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def test_a_replica_that_stops_answering_mid_check_never_hangs_the_reports(request):
    # A replica host that stops answering while a pooled connection to it is open: the
    # check's statement would wait for ever, holding the check's lock, and every report
    # of the process would wait behind it (found on a running gunicorn: the report pages
    # of one worker hung until its threads were all taken). The check has a deadline.
    import threading

    from tests.conftest import _postgres_url

    url = make_url(_postgres_url(request.config))
    proxy = _StallingProxy(url.host or "127.0.0.1", url.port or 5432)
    clock = [0.0]
    the_replica = replica.Replica(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
                                  max_lag=10, check_seconds=5, clock=lambda: clock[0])
    try:
        assert the_replica.usable() is False  # a primary, not a standby; its connection stays in the pool
        assert "not a standby" in the_replica.why
        proxy.stall.set()
        clock[0] += 60
        answers = []
        askers = [threading.Thread(target=lambda: answers.append(the_replica.usable()), daemon=True) for _ in range(3)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(60)
        assert not any(asker.is_alive() for asker in askers), "a report waited for ever on a replica that does not answer"
        assert answers == [False, False, False]
        assert "does not answer" in the_replica.why
        clock[0] += 60
        assert the_replica.usable() is False  # asked again while the stuck check still waits: no second one stuck beside it
        assert sum(t.name == "replica check" for t in threading.enumerate()) <= 1
    finally:
        proxy.close()
        the_replica.engine.dispose()
