"""Long work as background jobs: RQ on Redis, with progress, a result file, and
the request as the fallback.

With ``REDIS_URL`` set, Redis answering and a worker listening (``skills-app
worker``), :func:`start` puts a job on the queue and the browser follows it on
its status page; otherwise :func:`start` returns None and the face does the
work in the request, as it always has. Jobs: a gap report export of more than
``JOB_EXPORT_ROWS`` rows, the people and framework imports from the browser,
and the scheduled campaign reminders and review escalations (skills_app/tasks.py
runs them; the worker's scheduler starts the scheduled ones, see
:func:`schedule_periodic`).

A job belongs to the person who started it (``owner_id`` in its meta): its
status and its file are theirs alone (``policy`` rule ``view_job``). Its file is
kept in ``UPLOAD_DIR/jobs`` (where uploads and exports are kept) for
``JOB_KEEP_HOURS``, and swept by ``skills-app uploads sweep`` after that.

While a job runs, its worker beats (a key that lives ``JOB_HEARTBEAT_SECONDS``
× 3, renewed every ``JOB_HEARTBEAT_SECONDS``): a job that says it is running
but whose beat is gone was left by a worker that died, and is shown as stalled.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from redis.exceptions import RedisError

from skills_app import policy, redis_link
from skills_app.errors import InvalidState, NotFound, Unavailable

QUEUE = "skills_app"
TASK = "skills_app.tasks.perform"
PREFIX = "skills_app:jobs"
ID = re.compile(r"^[a-z0-9-]{8,64}$")
FOLDER = "jobs"

# What each kind of job is called on its page, and what its progress counts.
KINDS = {
    "gap_export": ("Gap report export", "rows"),
    "people_import": ("People import", "people"),
    "framework_import": ("Framework import", "steps"),
    "campaign_reminders": ("Campaign reminders", "campaigns"),
    "review_escalations": ("Review service level checks", "checks"),
}
# What a person must still be allowed to do to follow a job of each kind and take its file: an
# export of everyone's gaps is not for someone who has since lost the HR role.
NEEDS = {"gap_export": "view_gap_reports", "people_import": "import_people", "framework_import": "manage_frameworks"}
# The scheduled kinds (run by the worker's scheduler, as the command line's system actor).
PERIODIC = ("campaign_reminders", "review_escalations")

ACTIVE = ("queued", "running")


def _config(name: str, default):
    return current_app.config.get(name, default)


def export_threshold() -> int:
    """Exports of more rows than this go to a worker (when one is there)."""
    return int(_config("JOB_EXPORT_ROWS", 50_000))


def heartbeat_seconds() -> float:
    return float(_config("JOB_HEARTBEAT_SECONDS", 5))


def keep_seconds() -> int:
    return int(float(_config("JOB_KEEP_HOURS", 24)) * 3600)


def folder() -> Path:
    where = Path(current_app.config["UPLOAD_DIR"]) / FOLDER
    where.mkdir(parents=True, exist_ok=True)
    return where


def _link():
    return redis_link.link()


def _owner_id(actor) -> int | None:
    return getattr(actor, "id", None)


# -- is there somewhere to send a job? ---------------------------------------------

def _alive_key(name: str) -> str:
    return f"{PREFIX}:alive:{name}"


def live_workers(client) -> int:
    """How many workers listen to the queue and beat (``keep_alive``). RQ's own
    registration of a worker killed outright (kill -9, the OOM killer, a lost host)
    lives on until its key expires, an hour when it died in a job: counted alone, a
    dead worker would take every new job and leave it queued for that hour."""
    from rq import Queue
    from rq.worker_registration import get_keys

    names = [key.rsplit(":", 1)[-1] for key in get_keys(Queue(QUEUE, connection=client))]
    return int(client.exists(*[_alive_key(name) for name in names])) if names else 0


def keep_alive(connection, name: str, *, heartbeat: float):
    """In the worker: beat for worker ``name`` (a key that lives three beats) until
    the returned function is called; a worker killed outright stops beating, and is
    no longer counted by :func:`available` within three beats."""
    stop = threading.Event()
    key, lives = _alive_key(name), max(int(3 * heartbeat + 0.999), 1)

    def beat():
        try:
            connection.set(key, "1", ex=lives)
        except Exception:  # pragma: no cover - Redis away for a moment: the next beat tries again
            pass

    def beating():
        while not stop.wait(heartbeat):
            beat()

    beat()
    threading.Thread(target=beating, daemon=True, name=f"alive-{name}").start()

    def end():
        stop.set()
        try:
            connection.delete(key)
        except Exception:  # pragma: no cover
            pass

    return end


def available() -> bool:
    """True when Redis answers and a live worker listens to the queue."""
    link = _link()
    if link is None:
        return False
    return bool(link.call(lambda client: live_workers(client) > 0, lambda: False))


# -- starting one --------------------------------------------------------------------

def start(actor, kind: str, params: dict, *, total: int | None = None, title: str | None = None,
          back: tuple[str, str] | None = None, again: str | None = None) -> str | None:
    """Queue a job of ``kind`` for ``actor``; its id, or None when no worker can
    take it (no Redis, Redis not answering, no worker): then the caller does the
    work in the request. The same job asked for again while the first is still
    queued or running (a double click) is that first job. ``back`` (label,
    address): the page the person came from, linked from the job's page;
    ``again``: the address that starts the same job afresh (after a failure)."""
    if kind not in KINDS:
        raise KeyError(kind)
    if not available():
        return None
    link = _link()
    owner = _owner_id(actor)
    fingerprint = hashlib.sha256(json.dumps([kind, owner, params], sort_keys=True, default=str).encode()).hexdigest()[:32]
    once = f"{PREFIX}:once:{fingerprint}"

    def enqueue(client):
        from rq import Queue
        from rq.job import Job
        from rq.exceptions import NoSuchJobError

        earlier = client.get(once)
        if earlier:
            try:
                job = Job.fetch(earlier.decode(), connection=client)
                # Still waiting or running (not stalled: a job whose worker died is started afresh).
                if _view(job, client).active:
                    return job.id
            except NoSuchJobError:
                pass
        job = Queue(QUEUE, connection=client).enqueue(
            TASK, kind, params, job_timeout=int(_config("JOB_TIMEOUT_SECONDS", 3600)), result_ttl=keep_seconds(),
            failure_ttl=keep_seconds(), meta={"owner_id": owner, "kind": kind, "title": title or KINDS[kind][0],
                                              "done": 0, "total": total, "created": time.time(),
                                              "back": list(back) if back else None, "again": again})
        client.set(once, job.id, ex=keep_seconds())
        return job.id

    return link.call(enqueue, lambda: None)


# -- following one ------------------------------------------------------------------

@dataclass
class JobView:
    """A job as its page shows it."""

    id: str
    kind: str
    title: str
    owner_id: int | None
    state: str  # queued, running, finished, failed, stalled
    done: int = 0
    total: int | None = None
    message: str | None = None
    errors: list[str] = field(default_factory=list)
    filename: str | None = None
    next_url: str | None = None
    waiting_for_worker: bool = False
    back: tuple[str, str] | None = None
    again: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def unit(self) -> str:
        return KINDS.get(self.kind, ("", "steps"))[1]

    @property
    def percent(self) -> int | None:
        if self.state == "finished":
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 / self.total)))

    def as_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "title": self.title, "state": self.state, "done": self.done,
                "total": self.total, "percent": self.percent, "unit": self.unit, "message": self.message,
                "errors": self.errors, "file": self.filename, "waiting_for_worker": self.waiting_for_worker}


def _view(job, client) -> JobView:
    meta = job.meta or {}
    status = job.get_status(refresh=False)
    status = getattr(status, "value", status)
    outcome = meta.get("outcome") or {}
    view = JobView(id=job.id, kind=meta.get("kind", "?"), title=meta.get("title") or "Job", owner_id=meta.get("owner_id"),
                   state="queued", done=int(meta.get("done") or 0), total=meta.get("total"),
                   message=outcome.get("message"), errors=list(outcome.get("errors") or []), filename=outcome.get("file"),
                   next_url=outcome.get("next_url"), back=tuple(meta["back"]) if meta.get("back") else None,
                   again=meta.get("again"))
    if status in ("queued", "deferred", "scheduled"):
        view.waiting_for_worker = live_workers(client) == 0
        if view.waiting_for_worker:
            view.message = ("Waiting for a worker: none is running at the moment. The job starts as soon as one does "
                            "(an administrator starts them with the command skills-app worker).")
    elif status == "started":
        beating = client.exists(_beat_key(job.id))
        started = job.started_at.replace(tzinfo=timezone.utc) if job.started_at else None
        grace = timedelta(seconds=3 * heartbeat_seconds())
        if beating or (started is not None and datetime.now(timezone.utc) - started < grace):
            view.state = "running"
        else:
            view.state = "stalled"
            view.message = ("The worker running this job stopped before it finished (it was stopped or lost its "
                            "connection); nothing of it was kept. Start it again.")
    elif status == "finished":
        view.state = "failed" if outcome.get("failed") else "finished"
    else:  # failed, stopped, canceled
        view.state = "failed"
        if not view.message:
            view.message = ("The job stopped before it finished (its worker was stopped or it failed unexpectedly; "
                            "the worker's log says why). Nothing of it was kept: start it again.")
    return view


def get(actor, job_id: str) -> JobView:
    """The job ``job_id`` as its owner sees it; anyone else's, or none, is not found."""
    if not job_id or not ID.fullmatch(job_id):
        raise NotFound("There is no such job.")
    link = _link()
    if link is None:
        raise NotFound("There is no such job.")
    gone = object()

    def read(client):
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        try:
            return _view(Job.fetch(job_id, connection=client), client)
        except NoSuchJobError:
            return None

    view = link.call(read, lambda: gone)
    if view is gone:
        raise Unavailable("The job queue (Redis) does not answer at the moment, so this job's progress cannot be read. "
                          "Reload this page in a minute.")
    if view is None:
        raise NotFound("There is no such job (a finished job is kept for a day).")
    policy.require(actor, "view_job", view)
    if view.kind in NEEDS:
        policy.require(actor, NEEDS[view.kind])
    return view


def result_file(actor, job_id: str) -> tuple[Path, str]:
    """The path and name of a finished job's file, for its owner only."""
    view = get(actor, job_id)
    if view.state != "finished" or not view.filename:
        raise InvalidState("This job has no file to download (yet).")
    path = folder() / f"{view.id}.{view.filename.rsplit('.', 1)[-1]}"
    if not path.is_file():
        raise NotFound("This job's file is no longer kept: start the export again.")
    return path, view.filename


# -- inside the worker: progress, the beat, the outcome ------------------------------

def _beat_key(job_id: str) -> str:
    return f"{PREFIX}:beat:{job_id}"


class Progress:
    """What a running job tells its page: ``start(total)``, ``advance(n)`` or
    ``set(done)``; written to the job's meta at most twice a second. While it is
    open, a thread renews the job's beat."""

    def __init__(self, job, connection, *, heartbeat: float):
        self.job, self.connection, self.heartbeat = job, connection, heartbeat
        self.done = int((job.meta or {}).get("done") or 0) if job is not None else 0
        self._written = 0.0
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        if self.job is not None:
            self._beat()
            self._thread = threading.Thread(target=self._beating, daemon=True, name=f"beat-{self.job.id}")
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.job is not None:
            self.connection.delete(_beat_key(self.job.id))

    def _beat(self) -> None:
        self.connection.set(_beat_key(self.job.id), "1", ex=max(int(3 * self.heartbeat), 1))

    def _beating(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                self._beat()
            except Exception:  # pragma: no cover - Redis went away: the job is shown as stalled
                pass

    def start(self, total: int | None) -> None:
        if self.job is not None:
            self.job.meta["total"] = total
        self._write(force=True)

    def advance(self, n: int) -> None:
        self.set(self.done + n)

    def set(self, done: int) -> None:
        self.done = done
        self._write()

    def _write(self, force: bool = False) -> None:
        if self.job is None:
            return
        now = time.monotonic()
        if not force and now - self._written < 0.5:
            return
        self._written = now
        self.job.meta["done"] = self.done
        try:
            self.job.save_meta()
        except RedisError as exc:
            # A blip of Redis costs the page a progress step, not the job its work: the next
            # step writes again (the outcome, at the end, is not let go so).
            current_app.logger.warning("job %s: its progress was not written (%s)", self.job.id, exc)

    def finish(self, *, message: str, file: str | None = None, next_url: str | None = None,
               failed: bool = False, errors: list[str] | None = None) -> None:
        if self.job is None:
            return
        if not failed and self.job.meta.get("total") is not None:
            self.job.meta["done"] = max(self.done, int(self.job.meta.get("total") or 0))
        else:
            self.job.meta["done"] = self.done
        self.job.meta["outcome"] = {"message": message, "file": file, "next_url": next_url, "failed": failed,
                                    "errors": list(errors or [])[:200]}
        self.job.save_meta()


def owner_of(job) -> int | None:
    return (job.meta or {}).get("owner_id")


# -- the schedule ---------------------------------------------------------------------

def next_run(kind: str, after: datetime) -> datetime:
    """When the scheduled ``kind`` runs next after ``after`` (UTC): the campaign
    reminders daily at ``REMINDERS_AT`` (HH:MM, UTC), the review checks every
    ``ESCALATIONS_EVERY_MINUTES`` minutes, on the minute."""
    after = after.astimezone(timezone.utc).replace(second=0, microsecond=0)
    if kind == "campaign_reminders":
        hour, minute = (int(x) for x in str(_config("REMINDERS_AT", "08:00")).split(":", 1))
        at = after.replace(hour=hour, minute=minute)
        return at if at > after else at + timedelta(days=1)
    every = max(int(_config("ESCALATIONS_EVERY_MINUTES", 60)), 1)
    minutes = int(after.timestamp() // 60)
    return datetime.fromtimestamp((minutes // every + 1) * every * 60, tz=timezone.utc)


def schedule_periodic(connection, *, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Put the next run of each scheduled job in RQ's schedule (the worker's
    scheduler enqueues it when its time comes). Its id names its time, so that
    several workers scheduling it schedule it once."""
    from rq import Queue

    now = now or datetime.now(timezone.utc)
    queue = Queue(QUEUE, connection=connection)
    planned = []
    for kind in PERIODIC:
        at = next_run(kind, now)
        job_id = f"periodic-{kind.replace('_', '-')}-{at:%Y%m%dt%H%M}"
        queue.enqueue_at(at, TASK, kind, {}, job_id=job_id, job_timeout=int(_config("JOB_TIMEOUT_SECONDS", 3600)),
                         result_ttl=keep_seconds(), failure_ttl=keep_seconds(),
                         meta={"owner_id": None, "kind": kind, "title": KINDS[kind][0], "done": 0, "total": None,
                               "created": time.time()})
        planned.append((kind, at))
    return planned
