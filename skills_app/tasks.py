"""What a background job does, in the worker (``skills-app worker``): the face
of the job queue, as the web and the command line are faces of the services.

:func:`perform` is the one function RQ calls (services/jobs.py queues it by
name). It runs one job in an app context and a transaction of its own, as the
person who started it (the scheduled jobs as the command line's system actor),
through the same services the request would call; it tells the job's page how
far it is (``jobs.Progress``) and what came of it. A domain error (the import's
line and column problems) is the job's outcome, shown on its page, with nothing
written; anything else fails the job in RQ (the worker's log has the trace).
"""
from __future__ import annotations

from flask import current_app

from skills_app import replica, transaction
from skills_app.errors import DomainError
from skills_app.policy import SYSTEM
from skills_app.reports import export
from skills_app.services import accounts, campaigns, exports, framework_import, gaps, jobs, people_import, service_levels


def _actor(owner_id):
    return SYSTEM if owner_id is None else accounts.get_person(SYSTEM, int(owner_id))


def perform(kind: str, params: dict) -> str:
    """Run the job of ``kind`` (RQ calls this; see services/jobs.py)."""
    from rq import get_current_job

    job = get_current_job()
    app = current_app._get_current_object()
    with app.app_context():
        with jobs.Progress(job, job.connection if job else None, heartbeat=jobs.heartbeat_seconds()) as progress:
            if kind in jobs.PERIODIC and job is not None:
                # The next run is put in the schedule first, so that a failure of this one stops nothing.
                jobs.schedule_periodic(job.connection)
            try:
                actor = _actor(jobs.owner_of(job) if job is not None else params.get("owner_id"))
                outcome = RUNNERS[kind](actor, params, progress, job.id if job is not None else "local")
                transaction.commit()
            except DomainError as exc:
                transaction.rollback()
                errors = exc.details.get("errors") or [f"{k}: {v}" for k, v in exc.fields.items()]
                progress.finish(message=exc.message.split("\n", 1)[0], errors=errors, failed=True)
                return "failed: " + exc.message
            except BaseException:
                transaction.rollback()
                raise
            finally:
                transaction.release()
            progress.finish(**outcome)
    return outcome["message"]


def _gap_export(actor, params: dict, progress: jobs.Progress, job_id: str) -> dict:
    replica.for_reports()  # until the job's session ends
    report = exports.gap_report(actor, gaps.Filters.from_mapping(params.get("filters") or {}), by=params.get("group") or None)
    out = export.render(report, params.get("format") or "csv")
    target = jobs.folder() / f"{job_id}.{out.filename.rsplit('.', 1)[-1]}"
    partial = target.with_name(target.name + ".part")
    total = params.get("total")
    progress.start(total)
    # The database's COPY counts its rows at the end: until then, the rows are counted in the chunks
    # as they pass (a line of CSV, an object of JSON; near enough for a progress bar).
    fmt = params.get("format") or "csv"
    marker = {"csv": b"\n", "json": b'"person_id"'}.get(fmt)
    seen = -1 if fmt == "csv" else 0  # the CSV's header line
    # Readable by the app alone (as evidence files are): it may hold everyone's names and levels.
    partial.touch(mode=0o600)
    try:
        with partial.open("wb") as file:
            for chunk in out.chunks:
                file.write(chunk)
                if marker is not None:
                    seen += chunk.count(marker)
                progress.set(min(max(out.rows, seen), total) if total else max(out.rows, seen))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return {"message": f"Wrote {out.rows:,} row{'s' if out.rows != 1 else ''} to {out.filename}.", "file": out.filename}


def _people_import(actor, params: dict, progress: jobs.Progress, job_id: str) -> dict:
    report = people_import.import_checked(actor, params.get("token"), progress=progress)
    return {"message": report.summary() + ".", "next_url": "/admin/people"}


def _framework_import(actor, params: dict, progress: jobs.Progress, job_id: str) -> dict:
    progress.start(1)
    result, report = framework_import.run(actor, params.get("token"), **(params.get("options") or {}))
    lost = len(report.lost)
    said = f" {lost} part{'s' if lost != 1 else ''} of the file not kept." if lost else ""
    progress.set(1)
    return {"message": f"{result.message[0].upper()}{result.message[1:]}.{said}",
            "next_url": f"/frameworks/{result.framework.code}?version={result.framework.version}"}


def _campaign_reminders(actor, params: dict, progress: jobs.Progress, job_id: str) -> dict:
    chosen = campaigns.to_remind(actor)
    progress.start(len(chosen))
    people = managers = 0
    for campaign in chosen:
        sent = campaigns.remind(actor, campaign)
        people, managers = people + sent.people, managers + sent.managers
        progress.advance(1)
    return {"message": f"Reminded {people} people behind and {managers} managers with reviews waiting, "
                       f"for {len(chosen)} campaign{'s' if len(chosen) != 1 else ''}."}


def _review_escalations(actor, params: dict, progress: jobs.Progress, job_id: str) -> dict:
    progress.start(1)
    result = service_levels.run_checks(actor)
    progress.set(1)
    return {"message": result.summary()}


RUNNERS = {
    "gap_export": _gap_export,
    "people_import": _people_import,
    "framework_import": _framework_import,
    "campaign_reminders": _campaign_reminders,
    "review_escalations": _review_escalations,
}
