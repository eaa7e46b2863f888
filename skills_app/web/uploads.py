"""Uploads too big are answered on their page, with everything else kept.

A file of a form is kept only up to the evidence cap (``MAX_UPLOAD_MB``) and
one byte more; the rest of it is read and dropped, so the form's other fields
still arrive and the service refuses the file beside its field ("The file is
too big"), the note typed with it shown again. Only a request larger than
``MAX_REQUEST_MB`` as a whole is refused before it is read (413)."""
from __future__ import annotations

import tempfile

from flask import Request, current_app


class CappedUpload:
    """A file of a form, written up to ``room`` bytes; what comes after is dropped."""

    def __init__(self, room: int):
        self._file = tempfile.SpooledTemporaryFile(max_size=512 * 1024)
        self._room = room
        self.dropped = 0

    def write(self, data) -> int:
        kept = data[: max(self._room, 0)]
        if kept:
            self._file.write(kept)
            self._room -= len(kept)
        self.dropped += len(data) - len(kept)
        return len(data)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __iter__(self):
        return iter(self._file)


# The forms whose files are evidence (capped one by one); every other upload
# (the people CSV, imports) is never cut short.
EVIDENCE_ENDPOINTS = frozenset({"assessments.save", "library.index", "api.add_evidence"})


def _import_caps() -> dict[str, int]:
    """The import forms, each with the size its file may have (as their pages say:
    a people CSV up to 20 MB, a framework file up to 50 MB)."""
    from skills_app.importers import MAX_FILE_BYTES
    from skills_app.services.people_import import MAX_UPLOAD

    return {"admin.import_people": MAX_UPLOAD, "frameworks.import_file": MAX_FILE_BYTES,
            "api.import_framework": MAX_FILE_BYTES}


class UploadRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        """An evidence form with files may be as big as MAX_REQUEST_MB (its files are
        capped one by one); an import form, its file's cap and 1 MB for the rest of the
        form (within MAX_REQUEST_MB); any other body keeps MAX_CONTENT_LENGTH."""
        if self.mimetype == "multipart/form-data":
            whole = int(current_app.config.get("MAX_REQUEST_MB", 100)) * 1024 * 1024
            if self.endpoint in EVIDENCE_ENDPOINTS:
                return whole
            if (cap := _import_caps().get(self.endpoint or "")) is not None:
                return min(cap + 1024 * 1024, whole)
        return super().max_content_length

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if self.endpoint not in EVIDENCE_ENDPOINTS:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        return CappedUpload(int(current_app.config.get("MAX_UPLOAD_MB", 10)) * 1024 * 1024 + 1)
