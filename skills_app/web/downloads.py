"""A report as a download: the web's adapter of ``reports.export``."""
from __future__ import annotations

from flask import Response

from skills_app.reports import export


def download(report: export.Report, fmt: str) -> Response:
    """``report`` in ``fmt`` (refused with 400 when it has no such format). The
    chunks are joined inside the request: the database session ends with it."""
    out = export.render(report, fmt)
    return Response(b"".join(out.chunks), content_type=out.content_type, headers=out.headers)
