"""``skills-app worker``: a background-job worker (RQ on Redis, ``REDIS_URL``).

It takes the jobs the web app queues (services/jobs.py): gap exports of more than
``JOB_EXPORT_ROWS`` rows, the people and framework imports confirmed in the
browser; and, with its scheduler (on unless ``--no-scheduler``), the campaign
reminders (daily at ``REMINDERS_AT``) and the review service level checks
(every ``ESCALATIONS_EVERY_MINUTES``) in place of cron lines. Each job runs in
this process (RQ's SimpleWorker) with an app context and a transaction of its
own (skills_app/tasks.py). Run as many as you like, on any app server that
shares the database, ``UPLOAD_DIR`` and Redis.
"""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from skills_app.cli.common import fail


def _end_children_with_the_worker() -> None:
    """The scheduler runs in a child process of the worker: on Linux, it is told to
    stop (SIGTERM) when the worker dies, even killed outright, instead of living on
    alone and holding the scheduler's lock."""
    import ctypes
    import os
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    PR_SET_PDEATHSIG = 1
    os.register_at_fork(after_in_child=lambda: prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM)))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work through the jobs queued now, then stop.")
@click.option("--no-scheduler", is_flag=True,
              help="Leave the schedule (reminders, review checks, jobs for later) to other workers.")
@click.option("--name", help="The worker's name (default: RQ's, unique).")
@with_appcontext
def worker_command(burst, no_scheduler, name):
    """Run a background-job worker (RQ on Redis) and its scheduler: big exports, imports, reminders.

    It takes the gap exports over JOB_EXPORT_ROWS rows and the imports confirmed
    in the browser, and runs the campaign reminders (daily at REMINDERS_AT) and
    the review escalations (every ESCALATIONS_EVERY_MINUTES) in place of cron.
    Needs REDIS_URL; stops cleanly on Ctrl-C or SIGTERM (after the job in hand;
    a second one stops at once)."""
    import redis
    from rq import Queue, SimpleWorker

    from skills_app.redis_link import redacted
    from skills_app.services import jobs

    url = current_app.config.get("REDIS_URL")
    if not url:
        fail("Error: REDIS_URL is not set: the worker takes its jobs from Redis (e.g. REDIS_URL=redis://127.0.0.1:6379/0).")
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except (redis.RedisError, OSError) as exc:
        fail(f"Error: Redis at {redacted(url)} does not answer ({exc}).")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not no_scheduler:
        for kind, at in jobs.schedule_periodic(connection):
            click.echo(f"Scheduled {jobs.KINDS[kind][0].lower()}: next at {at:%Y-%m-%d %H:%M} UTC", err=True)
    _end_children_with_the_worker()
    worker = SimpleWorker([Queue(jobs.QUEUE, connection=connection)], connection=connection, name=name)
    click.echo(f"Worker {worker.name} on {redacted(url)}, queue {jobs.QUEUE}"
               + ("" if no_scheduler else ", with the scheduler") + (" (burst)" if burst else ""), err=True)
    # Beats while the process lives (RQ's registration outlives a worker killed outright).
    end = jobs.keep_alive(connection, worker.name, heartbeat=jobs.heartbeat_seconds())
    try:
        worker.work(burst=burst, with_scheduler=not no_scheduler, logging_level="INFO")
    finally:
        end()
