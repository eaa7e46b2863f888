"""A background job's page: its progress (a <progress> bar that a small script
keeps up to date from the status endpoint, or the page reloading itself
without scripts), what came of it, and its file to download."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from skills_app.reports.export import disposition
from skills_app.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/<job_id>")
def show(job_id: str):
    job = jobs.get(current_user, job_id)
    return render_template("jobs/show.html", job=job)


@bp.get("/<job_id>/status")
def status(job_id: str):
    job = jobs.get(current_user, job_id)
    body = job.as_json()
    body["download"] = url_for("jobs.download", job_id=job.id) if job.state == "finished" and job.filename else None
    body["next"] = job.next_url
    return jsonify(body)


@bp.get("/<job_id>/download")
def download(job_id: str):
    path, filename = jobs.result_file(current_user, job_id)
    response = send_file(path, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Content-Disposition"] = disposition(filename)
    return response


def started(job_id: str):
    """Where a face sends the browser once it has queued a job: the job's page."""
    return redirect(url_for("jobs.show", job_id=job_id), code=303)
