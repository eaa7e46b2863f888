"""A report's statement on its way to the database while the command loads.

``skills-app report gaps`` in CSV or JSON on PostgreSQL spends its first second
or more loading Python (Flask, SQLAlchemy, the 50 models) and building its
statement; the database then works for seconds before its first row. So the
command sends, at once, the statement it sent the last time it ran with the same
options against the same database, and loads the app meanwhile:

* the statement is kept, after a run, in ``instance/report-statements/`` (or
  ``REPORT_STATEMENTS_DIR``; a file a statement, readable by its owner only), its moment ("now") left as a mark, and signed
  with ``SECRET_KEY`` (HMAC-SHA256): a file that was not written by this
  installation is never sent;
* it is sent on a connection of its own, in a READ ONLY transaction, with the
  settings a report statement runs with (no JIT, ``REPORT_WORK_MEM``), before
  the app is imported; the app then uses the same moment;
* when the app's statement is ready (``stream._copy``), it is compared with the
  one sent, byte for byte, with the database's address and ``REPORT_WORK_MEM``:
  the same, the rows already on their way are read from the early connection;
  otherwise the early statement is cancelled, the app's runs as always, and it
  is kept for the next run. A statement that differs from its kept one three runs
  in a row (one that is not the same for the same options) is no longer sent early.

Not done with a read replica (``DATABASE_REPLICA_URL``: which database answers
is decided by the app as it starts) nor on SQLite. This module imports nothing
of the app but its configuration: it runs before the app loads.
"""
from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from skills_app import config

MARK = "\x00now\x00"  # where the moment goes in a kept statement (no statement's text holds a zero byte)
MISSES_BEFORE_OFF = 3


@dataclass
class Early:
    key: str
    url: str  # SQLALCHEMY_DATABASE_URI, as the app will read it
    work_mem: str | None
    now: datetime
    path: Path
    secret: bytes
    misses: int = 0
    query: str | None = None  # the COPY sent, None when nothing was
    conn: object | None = None  # the psycopg connection it was sent on
    outcome: str = "not sent"  # "sent", then "adopted" or "cancelled"
    settled: bool = False
    preamble: int = 0


_pending: Early | None = None


def start(command: str, options: dict) -> None:
    """Before the app loads: note this run's moment and, when a statement was kept
    for ``command`` with ``options`` here, send it. Never fails the command: any
    trouble and nothing is sent."""
    global _pending
    _pending = None
    if os.environ.get("REPORT_EARLY", "1").strip().lower() in {"0", "false", "no", "off"}:
        return
    try:
        settings = config.from_environment()
    except Exception:  # noqa: BLE001 - the app will say what is wrong with its settings
        return
    url = settings["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql+psycopg://") or settings.get("DATABASE_REPLICA_URL"):
        return
    secret = str(settings["SECRET_KEY"]).encode()
    work_mem = settings.get("REPORT_WORK_MEM")
    identity = json.dumps([command, sorted((k, _plain(v)) for k, v in options.items()), url], default=str)
    key = hashlib.sha256(identity.encode()).hexdigest()[:32]
    early = Early(key=key, url=url, work_mem=work_mem, now=datetime.now(timezone.utc),
                  path=_folder() / f"{key}.json", secret=secret)
    _pending = early
    kept = _read(early)
    if kept is None:
        return
    early.misses = int(kept.get("misses", 0))
    if kept.get("template") is None:
        return
    try:
        _send(early, kept["template"])
    except Exception:  # noqa: BLE001 - the database unreachable: the app will say so
        _close(early)
        early.query = None
    atexit.register(_at_exit, early)


def _folder() -> Path:
    return Path(os.environ.get("REPORT_STATEMENTS_DIR") or config.INSTANCE / "report-statements")


def moment() -> datetime | None:
    """The moment this run's report is as of, when the command started early (the
    app's statement must use it to be the same)."""
    return _pending.now if _pending is not None else None


def settle(url: str, work_mem: str | None, query: str, now_literal):
    """The app's COPY ``query`` is ready: the early connection (psycopg) when the
    statement sent is this one, its COPY under way; else None, the early one
    cancelled. The query is kept for the next run either way."""
    early = _pending
    if early is None or early.settled:
        return None
    early.settled = True
    same = early.query is not None and early.query == query and early.url == url and early.work_mem == work_mem
    if same:
        try:
            under_way = _under_way(early)
        except Exception:  # noqa: BLE001 - the connection lost: the app's statement runs instead
            under_way = False
        if under_way:
            early.outcome = "adopted"
            if early.misses:
                _write(early, query.replace(now_literal(early.now), MARK), 0)
            return early.conn
        # Refused (the same text: the app's own statement will say why) or lost.
        early.outcome = "cancelled"
        _cancel(early)
        return None
    if early.query is not None:
        early.outcome = "cancelled"
        _cancel(early)
    literal = now_literal(early.now)
    misses = early.misses + 1 if early.query is not None else early.misses
    if early.url == url and literal in query:
        _write(early, query.replace(literal, MARK), misses)
    return None


def finish(conn) -> None:
    """The early COPY read to its end (or abandoned): its transaction rolled back, its connection closed."""
    early = _pending
    if early is not None and early.conn is conn:
        _close(early)


def outcome() -> str | None:
    return _pending.outcome if _pending is not None else None


# -- the kept statement ------------------------------------------------------------------

def _plain(value):
    return list(value) if isinstance(value, (tuple, list)) else value


def _sign(early: Early, template: str | None, misses: int) -> str:
    body = json.dumps([early.key, template, misses])
    return hmac.new(early.secret, body.encode(), hashlib.sha256).hexdigest()


def _read(early: Early) -> dict | None:
    try:
        kept = json.loads(early.path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or not isinstance(kept.get("mac"), str):
        return None
    template, misses = kept.get("template"), kept.get("misses", 0)
    if not (template is None or isinstance(template, str)) or not isinstance(misses, int):
        return None
    if not hmac.compare_digest(kept["mac"], _sign(early, template, misses)):
        return None
    if template is not None and (not template.startswith("COPY (") or MARK not in template):
        return None
    return kept


def _write(early: Early, template: str, misses: int) -> None:
    """Kept for the next run (written beside, then renamed; owner only). A statement
    that missed MISSES_BEFORE_OFF times in a row is kept as none: not sent again."""
    if misses >= MISSES_BEFORE_OFF:
        template = None
    try:
        early.path.parent.mkdir(parents=True, exist_ok=True)
        part = early.path.with_name(early.path.name + f".{os.getpid()}.part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"template": template, "misses": misses, "mac": _sign(early, template, misses)}, out)
        part.replace(early.path)
    except OSError:
        pass  # a read-only instance folder: the next run starts as this one did


# -- the early connection ----------------------------------------------------------------------

def _send(early: Early, template: str) -> None:
    import psycopg
    from psycopg import ClientCursor, sql

    conn = psycopg.Connection.connect(early.url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True)
    early.conn = conn
    literal = ClientCursor(conn).mogrify("%s", (early.now,))
    query = template.replace(MARK, literal)
    settings = "SET LOCAL jit = off;"
    if early.work_mem:
        settings += sql.SQL(" SET LOCAL work_mem = {};").format(sql.Literal(str(early.work_mem))).as_string(conn)
    pgconn = conn.pgconn
    pgconn.nonblocking = 0
    # One message: the server begins the statement now, whatever this process does meanwhile.
    pgconn.send_query(f"BEGIN READ ONLY; {settings} {query}".encode(conn.info.encoding))
    early.query = query
    early.outcome = "sent"
    early.preamble = 3 if early.work_mem else 2  # BEGIN, SET (, SET): their results come before the COPY's


def _under_way(early: Early) -> bool:
    """The early statement's settings taken and its COPY begun (its first result read)."""
    from psycopg import pq

    pgconn = early.conn.pgconn
    for _ in range(early.preamble):
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            return False
    result = pgconn.get_result()
    return result is not None and result.status == pq.ExecStatus.COPY_OUT


def _cancel(early: Early) -> None:
    from psycopg import pq

    conn = early.conn
    if conn is None:
        return
    try:
        pgconn = conn.pgconn
        pgconn.get_cancel().cancel()
        while (result := pgconn.get_result()) is not None:
            if result.status == pq.ExecStatus.COPY_OUT:
                while pgconn.get_copy_data(0)[0] >= 0:
                    pass
    except Exception:  # noqa: BLE001 - the connection is closed next whatever happened
        pass
    _close(early)


def _close(early: Early) -> None:
    conn, early.conn = early.conn, None
    if conn is not None:
        try:
            conn.close()
        except Exception:  # noqa: BLE001
            pass


def _at_exit(early: Early) -> None:
    """A command that ended before its statement was settled (a refusal, an
    interrupt): the early statement is stopped, not left to run on the server."""
    if early.conn is not None:
        _cancel(early)
