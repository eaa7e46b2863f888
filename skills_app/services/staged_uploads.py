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
