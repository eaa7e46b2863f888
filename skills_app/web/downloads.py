"""A report as a download: the web's adapter of ``reports.export``."""
from __future__ import annotations

from flask import Response, stream_with_context

from skills_app.reports import export


def download(report: export.Report, fmt: str) -> Response:
    """Stream ``report`` in ``fmt`` (refused with 400 when it has no such format)."""
    out = export.render(report, fmt)
    return Response(stream_with_context(out.chunks), content_type=out.content_type, headers=out.headers)
