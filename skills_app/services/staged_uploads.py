"""Uploads checked in the browser and kept aside for the import that follows
(``UPLOAD_DIR/framework-imports`` and ``UPLOAD_DIR/people-imports``): the ones
never imported (the page was left after the dry run) are found here once older
than a bound, for ``skills-app uploads sweep`` to remove; so are the files of
background jobs (``UPLOAD_DIR/jobs``: big exports, kept a day for their owner)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from skills_app.extensions import db
from skills_app.models import AuditEvent

FOLDERS = ("framework-imports", "people-imports", "jobs")


@dataclass
class Staged:
    path: Path
    size: int
    age_seconds: float

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


def stale(min_age_seconds: float) -> Iterator[Staged]:
    """The files kept aside by a check and not imported, older than ``min_age_seconds``."""
    root = Path(current_app.config["UPLOAD_DIR"])
    now = time.time()
    for folder in FOLDERS:
        where = root / folder
        if not where.is_dir():
            continue
        for entry in sorted(os.scandir(where), key=lambda e: e.name):
            if not entry.is_file(follow_symlinks=False):
                continue
            stat = entry.stat(follow_symlinks=False)
            if now - stat.st_mtime >= min_age_seconds:
                yield Staged(Path(entry.path), stat.st_size, now - stat.st_mtime)


def remove(staged: Staged) -> None:
    staged.path.unlink(missing_ok=True)


def owner_key(actor) -> str:
    """Who checked a kept file: only they may check it again or import it."""
    return f"person:{actor.id}" if getattr(actor, "id", None) else "system"


def mark_owner(folder: Path, token: str, actor) -> None:
    (folder / f"{token}.who").write_text(owner_key(actor), encoding="utf-8")


def owned_by(folder: Path, token: str, actor) -> bool:
    """True when ``actor`` checked the file kept under ``token`` (a token seen by
    someone else, another tab's or a log's, imports nothing for them)."""
    who = folder / f"{token}.who"
    return who.is_file() and who.read_text(encoding="utf-8") == owner_key(actor)


def forget(folder: Path, token: str) -> None:
    for name in (token, f"{token}.name", f"{token}.who"):
        (folder / name).unlink(missing_ok=True)


_IMPORTED = "skills_app.staged_uploads.imported"


def forget_when_imported(session, folder: Path, token: str, actor, summary: str, *, actions: tuple[str, ...]) -> None:
    """The kept file under ``token`` is imported in ``session``'s transaction: a note of
    the import (its summary, whose it was, and the audit event that records it) is
    written now, before the commit, so that the same file sent again (a double click
    waiting on the import's lock, the back button) finds it as soon as the lock is let
    go and is told it was imported. When the transaction commits the file goes; rolled
    back, the note goes and the file stays, to be imported again. A process killed
    before its commit ended leaves the note behind: its audit event, never committed,
    then tells that it is void (:func:`imported`)."""
    proof = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.action.in_(actions)))
    (folder / f"{token}.imported").write_text(f"{owner_key(actor)}\n{proof or ''}\n{summary}", encoding="utf-8")
    session.info.setdefault(_IMPORTED, []).append((folder, token))


def imported(folder: Path, token: str, actor) -> str | None:
    """The summary of the import of ``actor``'s kept file ``token``, once it was imported."""
    note = folder / f"{token}.imported"
    if not note.is_file():
        return None
    who, _, rest = note.read_text(encoding="utf-8").partition("\n")
    proof, _, summary = rest.partition("\n")
    if who != owner_key(actor):
        return None
    if proof.isdigit() and db.session.get(AuditEvent, int(proof)) is None:
        note.unlink(missing_ok=True)  # its import never committed (its process was killed at the commit)
        return None
    return summary


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    for folder, token in session.info.pop(_IMPORTED, []):
        forget(folder, token)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    for folder, token in session.info.pop(_IMPORTED, []):
        (folder / f"{token}.imported").unlink(missing_ok=True)
