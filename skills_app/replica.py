"""Reads on a replica: report statements go to a PostgreSQL streaming replica
(``DATABASE_REPLICA_URL``) while it is fit, and to the primary otherwise.

Reports read a lot and tolerate a little lag; nothing else is sent there. A
request, command or job that reports says so once, with :func:`for_reports`
(until its session ends) or :func:`reports_session` (for a block). From then
on ``db.session`` sends its reads (``SELECT`` statements, and
``session.connection()``, which the report streams use for ``COPY (select)
TO STDOUT``) to the replica; its writes (a flush) always go to the primary,
and so does a ``text()`` statement. Without the setting, nothing changes.

The replica is *fit* when it answers, is a standby (``pg_is_in_recovery()``)
and lags the primary by at most ``DATABASE_REPLICA_MAX_LAG`` seconds: zero when
its WAL receiver is streaming and everything received is replayed (an idle
primary sends nothing new), else the age of the last transaction replayed
(``pg_last_xact_replay_timestamp()``). That check is one small statement on the
replica, made at most once every ``DATABASE_REPLICA_CHECK_SECONDS`` per process.
A report that finds the replica unfit reads from the primary; the replica's
connection is taken when the report starts, so a replica that stopped since
the last check costs a failed connection attempt (at most
``CONNECT_TIMEOUT_SECONDS``), not an error. Each change of state is logged once.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from skills_app.config import normalise_database_url
from skills_app.extensions import REPORT_READS, db

log = logging.getLogger("skills_app.replica")
KEY = "skills_app.replica"
CONNECT_TIMEOUT_SECONDS = 2
# The check's answer is waited for at most this long: a replica host that stops answering
# on an open connection (no TCP timeout fires while its kernel acknowledges) is unfit.
CHECK_TIMEOUT_SECONDS = CONNECT_TIMEOUT_SECONDS + 1
# A host that vanished (nothing acknowledged) ends its connections within this many seconds.
TCP_USER_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "skills_app reports"

# Whether it is a standby, and how far behind the primary it is (seconds; NULL when unknown).
LAG = text("""
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')
                 AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END
""")


class Replica:
    """The replica's engine, and whether it is fit for reports (checked at most
    every ``check_seconds``)."""

    def __init__(self, url: str, *, max_lag: float, check_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.url = url
        self.max_lag = max_lag
        self.check_seconds = check_seconds
        self.clock = clock
        self.engine: Engine = create_engine(url, pool_pre_ping=True, connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS, "application_name": APPLICATION_NAME,
            "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
            "tcp_user_timeout": TCP_USER_TIMEOUT_SECONDS * 1000})
        self._lock = threading.Lock()
        self._checking: threading.Thread | None = None
        self._answer: list = []
        self._checked_at: float | None = None
        self.fit = False
        self.why = "not checked yet"
        self.lag: float | None = None
        self.checks = 0

    def usable(self) -> bool:
        """Whether reports may read from it now (checked again once the last check is stale)."""
        if self._fresh():
            return self.fit
        with self._lock:
            if not self._fresh():
                self._record(*self._check_within_deadline())
        return self.fit

    def _check_within_deadline(self) -> tuple[bool, str]:
        """The check, waited for at most ``CHECK_TIMEOUT_SECONDS``: a check still stuck
        is not started again beside itself, and the replica is unfit meanwhile."""
        if self._checking is None or not self._checking.is_alive():
            answer: list = []
            self._answer = answer
            self._checking = threading.Thread(target=lambda: answer.append(self._check()), name="replica check", daemon=True)
            self._checking.start()
        self._checking.join(CHECK_TIMEOUT_SECONDS)
        if self._checking.is_alive() or not self._answer:
            self.lag = None
            self.engine.dispose()  # its idle connections may be stuck the same way: reports must not take them
            return False, f"does not answer within {CHECK_TIMEOUT_SECONDS} s"
        return self._answer[0]

    def _fresh(self) -> bool:
        return self._checked_at is not None and self.clock() - self._checked_at < self.check_seconds

    def _check(self) -> tuple[bool, str]:
        self.checks += 1
        try:
            with self.engine.connect() as connection:
                standby, lag = connection.execute(LAG).one()
        except SQLAlchemyError as exc:
            self.lag = None
            return False, f"does not answer ({_first_line(exc)})"
        self.lag = lag
        if not standby:
            return False, "is not a standby (pg_is_in_recovery() is false)"
        if lag is None:
            return False, "has replayed nothing yet while WAL waits"
        if lag > self.max_lag:
            return False, f"lags {lag:.1f} s behind the primary (DATABASE_REPLICA_MAX_LAG is {self.max_lag:g} s)"
        return True, f"lags {lag:.1f} s"

    def _record(self, fit: bool, why: str) -> None:
        changed = fit != self.fit or self._checked_at is None
        self.fit, self.why, self._checked_at = fit, why, self.clock()
        if changed and fit:
            log.info("Replica at %s is used for reports (it %s)", _redacted(self.url), why)
        elif changed:
            log.warning("Replica at %s is not used for reports: it %s; they read from the primary", _redacted(self.url), why)

    def down(self, exc: Exception) -> None:
        """A connection failed between checks: unfit until the next check."""
        with self._lock:
            self._record(False, f"does not answer ({_first_line(exc)})")


def _first_line(exc: Exception) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [exc.__class__.__name__])[0]


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def init_app(app: Flask) -> None:
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    url = app.config["DATABASE_REPLICA_URL"] = normalise_database_url(url)
    if not url.startswith("postgresql"):
        raise ValueError("DATABASE_REPLICA_URL must be a PostgreSQL URL (postgresql+psycopg://…): a streaming replica")
    app.extensions[KEY] = Replica(url, max_lag=float(app.config["DATABASE_REPLICA_MAX_LAG"]),
                                  check_seconds=float(app.config["DATABASE_REPLICA_CHECK_SECONDS"]))


def current() -> Replica | None:
    """The app's replica, or None when ``DATABASE_REPLICA_URL`` is not set."""
    return current_app.extensions.get(KEY) if has_app_context() else None


def for_reports() -> bool:
    """From now until the session ends (or :func:`done`), ``db.session`` reads
    from the replica, if there is one and it is fit. Whether it does."""
    replica = current()
    if reading_replica():
        return True
    if replica is None or not replica.usable():
        return False
    try:
        # Taken now: a replica that stopped since the last check is found here, and the report reads from the primary.
        db.session.connection(bind_arguments={"bind": replica.engine})
    except SQLAlchemyError as exc:
        replica.down(exc)
        return False
    db.session.info[REPORT_READS] = replica.engine
    return True


def done() -> None:
    """Reads go to the primary again (what this session read from the replica stays read)."""
    if has_app_context():
        db.session.info.pop(REPORT_READS, None)


@contextmanager
def reports_session():
    """``db.session`` reading from the replica for the block, when it is fit
    (the block reads the same way either way); yields whether it does."""
    already = reading_replica()
    on = for_reports()
    try:
        yield on
    finally:
        if on and not already:
            done()


def reading_replica() -> bool:
    """Whether this session's reads go to the replica now (for tests and logs)."""
    return has_app_context() and db.session.info.get(REPORT_READS) is not None
