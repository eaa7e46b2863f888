"""The one export path: any report as CSV, XLSX or JSON, streamed, with its file
name and content type.

A :class:`Report` says what a report holds (computed only when a format asks for
it); :func:`render` turns it into an :class:`Export`: the chunks to send, the
file name, the content type and the Content-Disposition header. The web, the API
and the command line each adapt an Export in a few lines.

Every CSV and XLSX cell goes through :func:`cell`: text that a spreadsheet would
evaluate (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
is written with a leading single quote (OWASP's rule for CSV injection), numbers
stay numbers, and no XLSX cell is ever a formula. JSON is data for programs and
is written as it is.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from skills_app.lazy import pandas as pd

from skills_app.errors import InvalidInput
from skills_app.reports.gaps import group_records

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FORMATS = tuple(CONTENT_TYPES)
# What a spreadsheet would read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 5000


@cache
def _styles() -> dict:
    """The XLSX's fills and fonts (openpyxl imported when a workbook is written)."""
    from openpyxl.styles import Font, PatternFill

    return {
        "header_fill": PatternFill("solid", fgColor="17263F"),
        "header_font": Font(bold=True, color="FFFFFF"),
        "status": {
            "met": PatternFill("solid", fgColor="C8EBD3"),
            "awaiting_review": PatternFill("solid", fgColor="D6E4F9"),
            "below": PatternFill("solid", fgColor="FBD3CF"),
            "expired": PatternFill("solid", fgColor="F6E0A8"),
            "not_assessed": PatternFill("solid", fgColor="E4E6EB"),
        },
        "gap": {1: PatternFill("solid", fgColor="FDE2DF"), 2: PatternFill("solid", fgColor="F9B9B2"),
                3: PatternFill("solid", fgColor="F08D83")},
    }


# -- the cell writer -----------------------------------------------------------------

def cell(value):
    """A value as a CSV or XLSX cell may hold it: text a spreadsheet would evaluate
    gets a leading ``'``; everything else (numbers included, negative ones too) is
    left as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# The control characters XML 1.0 cannot hold (openpyxl refuses them: the whole workbook would fail).
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value):
    """:func:`cell`, and a control character a worksheet cannot hold shown as U+FFFD."""
    value = cell(value)
    if isinstance(value, str):
        return _NOT_IN_XML.sub("\ufffd", value)
    return value


def neutralised(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with :func:`cell` applied to its text columns."""
    out = df
    for column in df.columns:
        if df[column].dtype == object or pd.api.types.is_string_dtype(df[column].dtype):
            if out is df:
                out = df.copy()
            out[column] = df[column].map(cell)
    return out


# -- what a report holds ---------------------------------------------------------------

@dataclass
class Report:
    """A report to export.

    ``sheets()`` gives its tables, by sheet name: XLSX writes each, CSV the first
    (or ``table()`` when given), JSON the same as ``{"rows": [...]}``. A report large enough to stream from the
    database gives ``rows()`` instead for CSV and JSON: ``(columns, batches of
    rows)``, and ``extra()`` for what the JSON adds after its rows. ``payload()``
    replaces the JSON altogether. ``written(fmt, counted)``: the bytes of the
    format as the database writes them (PostgreSQL's COPY), or None where it
    cannot; then they are sent as they are, and counted["rows"] set.
    ``streamed_sheets()`` replaces ``sheets()`` for XLSX: ``(name, columns,
    batches of rows)`` for each sheet, each consumed before the next is asked
    for (so a later sheet may total what an earlier one passed)."""

    name: str
    sheets: Callable[[], dict[str, pd.DataFrame]]
    table: Callable[[], pd.DataFrame] | None = None
    rows: Callable[[], tuple[Sequence[str], Iterable[Sequence]]] | None = None
    extra: Callable[[], dict] | None = None
    payload: Callable[[], dict] | None = None
    written: Callable[[str, dict], Iterator[bytes] | None] | None = None
    streamed_sheets: Callable[[], Iterator[tuple[str, Sequence[str], Iterable[Sequence[Sequence]]]]] | None = None
    formats: tuple[str, ...] = FORMATS
    dated: bool = True


@dataclass
class Export:
    """A report in one format: ``chunks`` (bytes) to send or write, once."""

    filename: str
    content_type: str
    chunks: Iterator[bytes]
    counted: dict = field(default_factory=lambda: {"rows": 0})

    @property
    def rows(self) -> int:
        """How many rows were written (known once the chunks are consumed)."""
        return self.counted["rows"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Disposition": disposition(self.filename)}


def disposition(filename: str) -> str:
    """The Content-Disposition of a download: every face's file names come through here."""
    safe = filename.replace("\\", "_").replace('"', "_").replace("\r", "_").replace("\n", "_")
    return f'attachment; filename="{safe}"'


def check_format(fmt: str | None, formats: Sequence[str] = FORMATS) -> str:
    """The format asked for, or a clear error naming those there are."""
    if fmt not in formats:
        raise InvalidInput.on("format", f"format is {' or '.join(formats) if len(formats) < 3 else 'one of ' + ', '.join(formats)}")
    return fmt


def render(report: Report, fmt: str, *, today: date | None = None) -> Export:
    """The report in ``fmt``; the work happens as the chunks are consumed, except
    checking the format (so a face can still answer 400)."""
    check_format(fmt, report.formats)
    stem = f"{report.name}-{(today or date.today()):%Y-%m-%d}" if report.dated else report.name
    counted = {"rows": 0}
    writer = {"csv": _csv_chunks, "json": _json_chunks, "xlsx": _xlsx_chunks}[fmt]
    return Export(f"{stem}.{fmt}", CONTENT_TYPES[fmt], writer(report, counted), counted)


def _first(report: Report) -> pd.DataFrame:
    return report.table() if report.table else next(iter(report.sheets().values()))


def _csv_chunks(report: Report, counted: dict) -> Iterator[bytes]:
    if report.written is not None and (chunks := report.written("csv", counted)) is not None:
        yield from chunks
        return
    if report.rows is not None:
        columns, batches = report.rows()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        yield _drain(buffer)
        for batch in batches:
            cells = [["" if v is None else cell(v) for v in row] for row in batch]
            writer.writerows(cells)
            counted["rows"] += len(batch)
            if "\r" in buffer.getvalue():
                buffer.seek(0)
                buffer.truncate()
                buffer.write("".join(_csv_line(row) for row in cells))
            yield _drain(buffer)
        return
    df = neutralised(_first(report))
    counted["rows"] = len(df)
    yield df.head(0).to_csv(index=False, lineterminator="\n").encode("utf-8")
    for start in range(0, len(df), CHUNK_ROWS):
        yield df.iloc[start:start + CHUNK_ROWS].to_csv(index=False, header=False, lineterminator="\n").encode("utf-8")


def _csv_line(cells: Sequence) -> str:
    """A CSV line that quotes a cell holding a carriage return too (the csv module,
    with a line feed to end lines, leaves it bare, and a bare one splits the row
    in every reader; PostgreSQL's COPY quotes it)."""
    def one(value) -> str:
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text

    return ",".join(one(value) for value in cells) + "\n"


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def _json_chunks(report: Report, counted: dict) -> Iterator[bytes]:
    if report.written is not None and (chunks := report.written("json", counted)) is not None:
        yield from chunks
        return
    if report.payload is not None:
        payload = report.payload()
        counted["rows"] = len(payload.get("rows", ()))
        yield to_json(payload).encode("utf-8")
        return
    if report.rows is None:
        records = group_records(_first(report))
        counted["rows"] = len(records)
        yield to_json({"rows": records, **(report.extra() if report.extra else {})}).encode("utf-8")
        return
    columns, batches = report.rows()
    yield b'{"rows": ['
    for batch in batches:
        parts = [json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str) for row in batch]
        yield (("," if counted["rows"] else "") + ",".join(parts)).encode("utf-8")
        counted["rows"] += len(batch)
    tail = "]"
    for key, value in (report.extra() if report.extra else {}).items():
        tail += f", {json.dumps(key)}: " + json.dumps(value, ensure_ascii=False, default=str)
    yield (tail + "}\n").encode("utf-8")


def _xlsx_chunks(report: Report, counted: dict) -> Iterator[bytes]:
    """The workbook, its sheets written row by row (openpyxl's write-only mode): what
    it holds in memory is a batch of rows, not the sheet. Until the file is whole,
    an empty chunk follows each thousand rows of the first sheet, so that whoever
    writes it can show ``counted["rows"]`` as progress (a download leaves them out)."""
    book = XlsxBook()
    if report.streamed_sheets is not None:
        for n, (name, columns, batches) in enumerate(report.streamed_sheets()):
            for _ in book.sheet(name, columns, batches, counted if n == 0 else None):
                yield b""
    else:
        for n, (name, df) in enumerate(report.sheets().items()):
            columns, batches = frame_batches(df)
            if n == 0:
                counted["rows"] = len(df)
            for _ in book.sheet(name, columns, batches):
                pass
    yield book.save()


# -- the writers ------------------------------------------------------------------------

def to_csv(df: pd.DataFrame) -> str:
    return neutralised(df).to_csv(index=False, lineterminator="\n")


def to_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per view (see :class:`XlsxBook`)."""
    book = XlsxBook()
    for name, df in sheets.items():
        for _ in book.sheet(name, *frame_batches(df)):
            pass
    return book.save()


def frame_batches(df: pd.DataFrame) -> tuple[list[str], Iterator[list[tuple]]]:
    """A frame's columns and its rows in batches, as a sheet takes them: missing
    values as None, dates with a time zone in UTC without it (a spreadsheet has none)."""
    clean = neutralised(df)
    for column in clean.columns:
        if isinstance(clean[column].dtype, pd.DatetimeTZDtype):
            clean[column] = clean[column].dt.tz_convert("UTC").dt.tz_localize(None)
    clean = clean.astype(object).where(clean.notna(), None)

    def batches():
        for start in range(0, len(clean), CHUNK_ROWS):
            yield list(clean.iloc[start:start + CHUNK_ROWS].itertuples(index=False, name=None))

    return [str(c) for c in clean.columns], batches()


XLSX_SHEET_ROWS = 1_048_575  # a sheet's rows under its header: a spreadsheet holds 1,048,576 rows in all
_WIDTH_ROWS = 500  # the rows a column's width is measured on


class XlsxBook:
    """A workbook written sheet by sheet, row by row (openpyxl's write-only mode):
    each sheet with a formatted header, frozen panes, an autofilter, widths measured
    on its first rows, and gaps, statuses and coverage coloured. A table longer than
    a sheet holds goes on in "<name> (2)", "<name> (3)", each with its header. Text
    is neutralised (:func:`cell`), so no cell is a formula."""

    PROGRESS_ROWS = 1000

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self.titles: set[str] = set()

    def sheet(self, name: str, columns: Sequence[str], batches: Iterable[Sequence[Sequence]],
              counted: dict | None = None) -> Iterator[None]:
        """Write the rows of ``batches``; yields every ``PROGRESS_ROWS`` rows written
        and at the end (``counted["rows"]``, when given, counts them)."""
        counted = counted if counted is not None else {"rows": 0}
        rows = (row for batch in batches for row in batch)
        first = list(itertools.islice(rows, _WIDTH_ROWS))
        pending = itertools.chain(first, rows)
        widths = self._widths(columns, first)
        part = 1
        while True:
            ws = self._new(name if part == 1 else f"{name[:25]} ({part})", columns, widths)
            cells = self._colourer(ws, columns)
            written = 0
            for row in pending:
                ws.append(cells(row))
                written += 1
                if written % self.PROGRESS_ROWS == 0:
                    counted["rows"] += self.PROGRESS_ROWS
                    yield
                if written == XLSX_SHEET_ROWS:
                    break
            counted["rows"] += written % self.PROGRESS_ROWS
            self._close(ws, columns, written)
            nxt = next(pending, None)
            if nxt is None:
                break
            pending = itertools.chain([nxt], pending)
            part += 1
        yield

    def _new(self, title: str, columns: Sequence[str], widths: list[float]):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment
        from openpyxl.utils import get_column_letter

        title = title[:31]
        self.titles.add(title)
        ws = self.book.create_sheet(title)
        ws.freeze_panes = "B2" if len(columns) > 1 else "A2"
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        styles = _styles()
        header = []
        for column in columns:
            c = WriteOnlyCell(ws, value=column)
            c.fill, c.font = styles["header_fill"], styles["header_font"]
            c.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(c)
        ws.append(header)
        return ws

    @staticmethod
    def _close(ws, columns: Sequence[str], written: int) -> None:
        from openpyxl.utils import get_column_letter

        if len(columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(written, 1) + 1}"

    @staticmethod
    def _widths(columns: Sequence[str], first: list) -> list[float]:
        out = []
        for i, column in enumerate(columns):
            values = [str(cell(row[i])) for row in first if row[i] is not None]
            width = max([len(str(column))] + [len(v) for v in values]) + 2
            out.append(min(max(width, 8), 60))
        return out

    @staticmethod
    def _colourer(ws, columns: Sequence[str]):
        """What colours a row's cells: a function that makes its gap, status and
        coverage cells styled cells (the rest are written as values)."""
        from openpyxl.cell import WriteOnlyCell

        styles = _styles()
        status_fills, gap_fills = styles["status"], styles["gap"]

        def status(value):
            return status_fills.get(value)

        def gap(value):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return gap_fills[min(int(value), 3)]
            return None

        def coverage(value):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return status_fills["met"] if value >= 80 else status_fills["expired"] if value >= 50 else status_fills["below"]
            return None

        rules = {"status": status, "gap": gap, "coverage": coverage}
        coloured = [(i, rules[c]) for i, c in enumerate(columns) if c in rules]

        def cells(row: Sequence) -> list:
            out = [xlsx_cell(v) for v in row]
            for i, rule in coloured:
                if (fill := rule(out[i])) is not None:
                    c = WriteOnlyCell(ws, value=out[i])
                    c.fill = fill
                    out[i] = c
            return out

        return cells

    def save(self) -> bytes:
        if not self.titles:
            self.book.create_sheet("Sheet")
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()
