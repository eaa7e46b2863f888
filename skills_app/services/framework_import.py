"""Framework imports from an upload (the browser): check first, then import.

``check`` reads an uploaded file, runs every check of the import as a dry run
and keeps the file aside under a token (in ``UPLOAD_DIR/framework-imports``),
so that the person can read the import report before anything is written;
``run`` imports the file kept under that token, with the same options, and
lets go of it. Both go through the importers and the frameworks service, as the
command line does: the same formats, the same report, the same all-or-nothing
rule. Nothing here commits: the request does, once.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from skills_app import policy
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.importers import FORMATS, MAX_FILE_BYTES, FrameworkFileError, ImportReport, load_bytes
from skills_app.importers.table import parse_columns
from skills_app.services import frameworks, jobs, locks, staged_uploads

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Checked:
    token: str
    filename: str
    format: str
    report: ImportReport
    result: frameworks.ImportResult


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "framework-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _options(fmt: str | None, *, framework_code=None, version=None, framework_name=None, publisher=None,
             columns: str | None = None, scale: str | None = None) -> dict:
    options = {"framework_code": framework_code or None, "version": version or None, "framework_name": framework_name or None,
               "publisher": publisher or None}
    specs = [line.strip() for line in (columns or "").splitlines() if line.strip()]
    if specs:
        try:
            options["column"] = parse_columns(specs)
        except FrameworkFileError as exc:
            raise InvalidInput.on("columns", exc.message, exc.message) from None
    if scale:
        found = frameworks.find(scale)
        if found is None:
            raise InvalidInput.on("scale", f"No framework {scale} is loaded.", f"no framework {scale} is loaded")
        options["scale"] = {"code": found.label, "levels": [
            {"number": lvl.number, "name": lvl.name, "description": lvl.description} for lvl in found.levels]}
    return options


def _read(data: bytes | None, filename: str | None, fmt: str | None, named: dict, *, missing: tuple[str, str]):
    """The one way an upload is received, whichever face sent it: present, within the size
    limit, a safe name, then read by its format. Returns ``(filename, format, document)``."""
    if not data:
        raise InvalidInput.on("file", *missing)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput.on("file", f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.", "the file is too large")
    filename = Path(filename or "upload").name[:200] or "upload"
    if fmt and fmt not in FORMATS:
        raise InvalidInput.on("format", "Choose one of the formats listed.", f"unknown format {fmt}")
    try:
        detected, doc = load_bytes(data, filename, fmt or None, **_options(fmt, **named))
    except FrameworkFileError as exc:
        raise InvalidInput.on("file", str(exc), str(exc), location=exc.location, problem=exc.message) from None
    return filename, detected, doc


def _outcome(report: ImportReport, result, *, dry_run: bool = False) -> ImportReport:
    report.outcome, report.message, report.created, report.dry_run = result.outcome, result.message, result.written, dry_run
    return report


def check(actor, data: bytes | None, filename: str | None, *, fmt: str | None = None, replace: bool = False,
          token: str | None = None, **named) -> Checked:
    """Read and check an upload as a dry run; keep it aside for :func:`run`. Without an
    upload, ``token`` checks again the file kept from an earlier check (with other options,
    such as another column mapping)."""
    policy.require(actor, "manage_frameworks")
    previous = None
    if not data and token:
        data, filename = _kept(actor, token)
        previous = token
    filename, detected, doc = _read(data, filename, fmt, named, missing=("Choose the framework file to import.", "choose a file"))
    result = frameworks.import_doc(actor, doc, partial=FORMATS[detected].partial, replace=replace, source=filename, dry_run=True)
    token = secrets.token_urlsafe(24)
    (_folder() / token).write_bytes(data)
    (_folder() / f"{token}.name").write_text(filename, encoding="utf-8")
    staged_uploads.mark_owner(_folder(), token, actor)
    if previous:  # the copy checked before is replaced by this one
        staged_uploads.forget(_folder(), previous)
    return Checked(token, filename, detected, _outcome(doc.report, result, dry_run=True), result)


def _kept(actor, token: str | None) -> tuple[bytes, str]:
    """The file ``actor`` checked and kept under ``token``; anyone else's is "gone"."""
    if token and TOKEN.fullmatch(token) and (done := staged_uploads.imported(_folder(), token, actor)):
        raise InvalidInput.on("file", f"This file has been imported already ({done}): sending it again imports nothing more.",
                              "imported already")
    path = _folder() / (token or "")
    if not token or not TOKEN.fullmatch(token) or not path.is_file() or not staged_uploads.owned_by(_folder(), token, actor):
        raise InvalidInput.on("file", "Check the file again: the checked copy is gone.", "that checked file is no longer here")
    name = _folder() / f"{token}.name"
    return path.read_bytes(), name.read_text(encoding="utf-8") if name.is_file() else "upload"


def queue_run(actor, token: str | None, *, back: tuple[str, str] | None = None, **options) -> str | None:
    """The import of the checked file, with the same options, as a background job (its
    id) when a worker can take it (services/jobs.py); None when none can: then
    :func:`run` imports it in the request."""
    policy.require(actor, "manage_frameworks")
    _kept(actor, token)
    return jobs.start(actor, "framework_import", {"token": token, "options": options}, back=back)


def run(actor, token: str | None, *, fmt: str | None = None, replace: bool = False, **named) -> tuple[frameworks.ImportResult, ImportReport]:
    """Import the file :func:`check` kept under ``token``, with the same options."""
    policy.require(actor, "manage_frameworks")
    # The same checked file sent twice waits for the first import to commit, then is told it was imported.
    locks.one_at_a_time("skills_app.framework_import", actor)
    data, filename = _kept(actor, token)
    filename, detected, doc = _read(data, filename, fmt, named, missing=("Check the file again: the checked copy is gone.", "that checked file is no longer here"))
    result = frameworks.import_doc(actor, doc, partial=FORMATS[detected].partial, replace=replace, source=filename)
    staged_uploads.forget_when_imported(db.session, _folder(), token, actor, result.message,
                                        actions=("framework.imported", "framework.replaced", "framework.skills_merged"))
    return result, _outcome(doc.report, result)


def upload(actor, data: bytes | None, filename: str | None, *, fmt: str | None = None, dry_run: bool = False,
           replace: bool = False, strict: bool = False, **named) -> tuple[frameworks.ImportResult, ImportReport]:
    """Import an uploaded framework file at once (the API): every check, then the import, or
    with ``dry_run`` the report of what it would do and nothing written. ``strict`` refuses a
    file of which anything would not be kept."""
    policy.require(actor, "manage_frameworks")
    filename, detected, doc = _read(data, filename, fmt, named, missing=("Send the framework file to import.", "send a file"))
    report = doc.report
    if strict and report.lost:
        counts = ", ".join(f"{n} {kind}" for kind, n in report.lost_counts().items())
        raise InvalidInput(f"{filename}: strict: not everything would be kept ({counts}); nothing was imported",
                           details={"report": report.to_dict()})
    result = frameworks.import_doc(actor, doc, partial=FORMATS[detected].partial, replace=replace, source=filename, dry_run=dry_run)
    return result, _outcome(report, result, dry_run=dry_run)

