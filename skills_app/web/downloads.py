"""A report as a download: the web's adapter of ``reports.export`` (the API's too)."""
from __future__ import annotations

from flask import Response, stream_with_context

from skills_app import transaction
from skills_app.reports import export


def download(report: export.Report, fmt: str) -> Response:
    """``report`` in ``fmt`` (refused with 400 when it has no such format), streamed
    as it is written (on PostgreSQL, by the database's COPY).

    The first chunk is made inside the view, so that access, filters and the
    statement are settled (and their errors answered) before anything is sent.
    The request's transaction then lasts as long as the body: it is committed
    after the last chunk (skills_app/web/transaction.py leaves a streamed
    download's transaction to it), and rolled back if the body is not sent to
    its end."""
    out = export.render(report, fmt)
    chunks = out.chunks
    first = next(chunks, b"")

    def body():
        yield first
        yield from chunks
        transaction.commit()

    response = Response(stream_with_context(body()), content_type=out.content_type, headers=out.headers)
    response.ends_transaction = True
    return response
