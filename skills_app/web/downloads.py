"""A report as a download: the web's adapter of ``reports.export`` (the API's too)."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Response
from flask.globals import request_ctx

from skills_app import transaction
from skills_app.reports import export


class _Body:
    """A download's chunks, sent with the request's contexts (and its transaction)
    kept open until the last one is sent, or the body is closed.

    The request context is pushed once more here, so that Flask's pop when the
    view returns is not the last one: the teardown (which closes the database
    session) waits for :meth:`close`. Flask's ``stream_with_context`` pushes its
    contexts only when the body is first read, after that teardown has run: on
    PostgreSQL, rolling back the session's connection while its COPY is half
    read waits for the COPY's lock for ever (the request never answers, its
    connection is never given back). Closing stops the chunks first (a COPY
    read early is cancelled), then lets the contexts go."""

    def __init__(self, first: bytes, chunks: Iterator[bytes]):
        self.first, self.chunks = first, chunks
        self.context = request_ctx._get_current_object()
        self.context.push()
        self.closed = False

    def __iter__(self):
        try:
            # An empty chunk (a workbook's progress as it is written) is not sent: it would end a chunked body.
            if self.first:
                yield self.first
            yield from (chunk for chunk in self.chunks if chunk)
            transaction.commit()
        finally:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                close()
        finally:
            self.context.pop()


def download(report: export.Report, fmt: str) -> Response:
    """``report`` in ``fmt`` (refused with 400 when it has no such format), streamed
    as it is written (on PostgreSQL, by the database's COPY).

    The first chunk is made inside the view, so that access, filters and the
    statement are settled (and their errors answered) before anything is sent.
    The request's transaction then lasts as long as the body: it is committed
    after the last chunk (skills_app/web/transaction.py leaves a streamed
    download's transaction to it), and rolled back if the body is not sent to
    its end (:class:`_Body`)."""
    out = export.render(report, fmt)
    chunks = out.chunks
    first = next(chunks, b"")
    response = Response(_Body(first, chunks), content_type=out.content_type, headers=out.headers)
    response.ends_transaction = True
    return response
