"""Evidence files: checked, named and kept behind a small storage interface.

An upload is accepted only when its extension is on the allowlist *and* its
content is what the extension says (magic bytes, or valid UTF-8 text for text
files, or the right parts inside an Office/OpenDocument zip). It is kept under
a random name, never the uploader's; its size and SHA-256 are recorded.

Storage today is a local directory (``UPLOAD_DIR``, outside the static
folder); another backend only needs ``save``, ``read``, ``delete`` and ``names``.

Files follow their rows' transaction (a file is held by one library item,
``evidence_item``, whatever number of assessments attach it): a file stored for
an item that is then rolled back is deleted at the rollback; a file whose item
is removed is deleted once that removal commits (never before: the commit may fail). What a
killed worker leaves between the two, :func:`orphans` finds and
``skills-app evidence sweep`` removes.
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Protocol

from flask import current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from skills_app.errors import InvalidInput, NotFound
from skills_app.importers import limits

PDF, PNG, JPEG, GIF = "application/pdf", "image/png", "image/jpeg", "image/gif"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"

# extension -> content type
ALLOWED = {
    ".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".gif": GIF,
    ".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown",
    ".docx": DOCX, ".xlsx": XLSX, ".pptx": PPTX, ".odt": ODT,
}
ALLOWED_TEXT = "PDF, PNG, JPEG, GIF, plain text, CSV, Markdown, Word (.docx), Excel (.xlsx), PowerPoint (.pptx) or OpenDocument text (.odt)"

_OOXML_MAIN = {
    DOCX: "wordprocessingml.document.main+xml",
    XLSX: "spreadsheetml.sheet.main+xml",
    PPTX: "presentationml.presentation.main+xml",
}
_MAX_PART = 2 * 1024 * 1024


class Storage(Protocol):
    def save(self, name: str, data: bytes) -> None: ...
    def read(self, name: str) -> bytes: ...
    def delete(self, name: str) -> None: ...
    def names(self) -> Iterator[tuple[str, float]]: ...


class LocalStorage:
    """Files in one directory, by their random stored names."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise NotFound("no such file")
        return self.root / name

    def save(self, name: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._path(name)
        # O_EXCL: never overwrite; 0600: only the app reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def read(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise NotFound("the file of this evidence is missing") from None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[tuple[str, float]]:
        """Every stored file's name and when it was last written (seconds since the epoch)."""
        if not self.root.is_dir():
            return
        for entry in os.scandir(self.root):
            if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                yield entry.name, entry.stat(follow_symlinks=False).st_mtime


def storage() -> Storage:
    return LocalStorage(current_app.config["UPLOAD_DIR"])


@dataclass
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return int(current_app.config.get("MAX_UPLOAD_MB", 10)) * 1024 * 1024


def clean_name(filename: str | None) -> str:
    """The last part of an uploaded name: no directories, no control characters."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".").strip()
    if not name:
        raise InvalidInput.on("file", "The file has no name.")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext)] + ext
    return name


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _zip_part(data: bytes, part: str) -> bytes | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo(part)
            if info.file_size > _MAX_PART:
                return None
            return archive.read(info)
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError, OSError, NotImplementedError):
        return None


def check_container(name: str, data: bytes) -> None:
    """An Office or OpenDocument file, part by part: how many parts, their total
    uncompressed size and each one's compression ratio (from the directory, before
    any is decompressed), then each part read through once, bounded, so that a
    directory that lies is caught by the checksums. A bomb in any part is refused."""
    try:
        limits.check_zip(data, max_total=limits.MAX_EVIDENCE_UNCOMPRESSED, verify=True)
    except limits.LimitExceeded as exc:
        where = f" ({exc.place})" if exc.place else ""
        raise InvalidInput.on("file", f"{name}: refused{where}: {exc.message}.") from None


def content_matches(data: bytes, content_type: str) -> bool:
    """Is this content really of this type?"""
    if content_type == PDF:
        return data.startswith(b"%PDF-")
    if content_type == PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if content_type == GIF:
        return data[:6] in (b"GIF87a", b"GIF89a")
    if content_type.startswith("text/"):
        return _is_text(data)
    if content_type in _OOXML_MAIN:
        if not data.startswith(b"PK\x03\x04"):
            return False
        types = _zip_part(data, "[Content_Types].xml")
        return types is not None and _OOXML_MAIN[content_type].encode() in types
    if content_type == ODT:
        return data.startswith(b"PK\x03\x04") and (_zip_part(data, "mimetype") or b"").strip() == ODT.encode()
    return False


def read_capped(stream: BinaryIO) -> bytes:
    limit = max_bytes()
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput.on("file", f"The file is too big: the limit is {limit // (1024 * 1024)} MB.")
    return data


def check(filename: str | None, data: bytes) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload, else InvalidInput."""
    name = clean_name(filename)
    if not data:
        raise InvalidInput.on("file", "The file is empty.")
    if len(data) > max_bytes():
        raise InvalidInput.on("file", f"The file is too big: the limit is {max_bytes() // (1024 * 1024)} MB.")
    ext = os.path.splitext(name)[1].lower()
    content_type = ALLOWED.get(ext)
    if content_type is None:
        raise InvalidInput.on("file", f"{name}: files of this type are not accepted. Upload {ALLOWED_TEXT}.")
    if not content_matches(data, content_type):
        raise InvalidInput.on("file", f"{name}: the content is not a {ext[1:].upper()} file, whatever its name says. Upload {ALLOWED_TEXT}.")
    if content_type in _OOXML_MAIN or content_type == ODT:
        check_container(name, data)
    return name, content_type


# -- files that follow their rows' transaction ---------------------------------------

_PENDING = "skills_app.evidence_files"


def _pending(session) -> dict[str, list[tuple[Storage, str]]]:
    return session.info.setdefault(_PENDING, {"written": [], "released": []})


def _session():
    from skills_app.extensions import db

    return db.session()


def store(filename: str | None, stream: BinaryIO) -> StoredFile:
    """Check an upload and keep it; returns what the database records. The
    file is deleted again if the transaction that records it is rolled back."""
    data = read_capped(stream)
    name, content_type = check(filename, data)
    stored_name = secrets.token_hex(16) + os.path.splitext(name)[1].lower()
    where = storage()
    where.save(stored_name, data)
    _pending(_session())["written"].append((where, stored_name))
    return StoredFile(stored_name=stored_name, original_name=name, content_type=content_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest())


def release(stored_name: str | None, *, leaving: int = 1) -> bool:
    """A library item that carried ``stored_name`` is being removed (``leaving`` of them):
    the file is deleted when the removal commits, unless another item still carries
    it. Returns whether it will be deleted."""
    if not stored_name:
        return False
    from skills_app.models import EvidenceItem

    session = _session()
    with session.no_autoflush:
        holders = session.scalar(select(func.count()).select_from(EvidenceItem).where(EvidenceItem.stored_name == stored_name)) or 0
    if holders > leaving:
        return False
    _pending(session)["released"].append((storage(), stored_name))
    return True


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    pending = session.info.pop(_PENDING, None)
    for where, name in (pending or {}).get("released", []):
        try:
            where.delete(name)
        except OSError:  # pragma: no cover - left for the sweep
            pass


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    pending = session.info.pop(_PENDING, None)
    for where, name in (pending or {}).get("written", []):
        try:
            where.delete(name)
        except OSError:  # pragma: no cover - left for the sweep
            pass


@dataclass
class Orphan:
    name: str
    size: int
    age_seconds: float


def orphans(min_age_seconds: float = 3600) -> Iterator[Orphan]:
    """Stored files that no library item carries, older than ``min_age_seconds``
    (younger ones may belong to an upload whose transaction is still open)."""
    import time

    from skills_app.models import EvidenceItem

    known = set(_session().scalars(select(EvidenceItem.stored_name).where(EvidenceItem.stored_name.is_not(None))))
    where = storage()
    now = time.time()
    for name, written in where.names():
        if name not in known and now - written >= min_age_seconds:
            size = os.path.getsize(where.root / name) if isinstance(where, LocalStorage) else 0
            yield Orphan(name=name, size=size, age_seconds=now - written)


def delete_orphan(name: str) -> None:
    storage().delete(name)
