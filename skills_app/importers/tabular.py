"""What the spreadsheet-like importers share: reading CSV and XLSX into rows
of clean cell text, finding columns by header name, and building a
:class:`FrameworkDoc` whose validation errors point at a row and a column.

Cell text is cleaned the same way for every format: ``None``, empty cells and
cells that read ``NaN`` (as pandas writes a missing value) are empty; Windows
and old Mac line ends become ``\\n``; a whole number stored as a float
(``3.0``) reads ``3``; surrounding whitespace is stripped.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any, Callable

from skills_app.importers import limits
from skills_app.importers.document import FrameworkFileError, build_at  # noqa: F401 (build_at: the tabular importers' way in)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


@dataclass
class Row:
    """One row of a table: where it is (for messages) and its cells by column index."""

    place: str  # "line 12" (CSV) or "sheet Skills, row 12" (XLSX)
    cells: list[str]

    def get(self, index: int | None) -> str:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    @property
    def empty(self) -> bool:
        return not any(self.cells)


def clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer():
            return str(int(value))
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return "" if text.lower() == "nan" else text


OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_ooxml(text: str) -> str:
    """Text with the escapes of Office Open XML decoded: a workbook stores a
    character that XML cannot hold as ``_xHHHH_`` (``_x000D_`` for a carriage
    return) and a literal ``_x`` sequence as ``_x005F_x...``. Readers that do
    not decode them leave ``_x000D_`` in the text."""
    if "_x" not in text:
        return text
    return OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def header_key(text: str) -> str:
    """A header as a comparable key: lower case, letters and digits only ("Level 1 description" -> "level1description")."""
    text = re.sub(r"\(optional\)", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrameworkFileError(file, f"line {line}", "not UTF-8 text (save the file as 'CSV UTF-8')") from None


def csv_rows(text: str, file: str) -> list[Row]:
    """Rows of a CSV text, each placed at the line where it starts (quoted cells may span lines)."""
    text = text.lstrip("\ufeff")
    try:
        limits.check_text(text, "CSV field")
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, exc.message) from None
    # The header line names the delimiter: Excel writes ';' where ',' is the decimal mark.
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            rows.append(Row(f"line {start}", [clean(c) for c in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise FrameworkFileError(file, f"line {start}", f"not valid CSV: {exc}") from None
    return rows


def xlsx_sheets(data: bytes, file: str, *, escapes: list[tuple[str, int]] | None = None) -> dict[str, list[Row]]:
    """Every sheet of a workbook as rows of clean text, placed as 'sheet NAME, row N'.

    The archive's sizes are checked before anything is decompressed, each
    sheet's declared dimension before its rows are read, and the rows and
    cells read are counted (importers/limits.py). Office XML escapes in the
    text (``_x000D_``) are decoded; ``escapes``, when given, gets (place, how
    many) for each row that held some."""
    from openpyxl import load_workbook

    try:
        limits.check_zip(data, max_total=limits.MAX_XLSX_UNCOMPRESSED)
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, f"not an Excel workbook that can be read: {exc.message}") from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise FrameworkFileError(file, None, f"not an Excel workbook (.xlsx): {exc.__class__.__name__}") from None
    sheets: dict[str, list[Row]] = {}
    budget = limits.SheetBudget()
    try:
        for sheet in book.worksheets:
            limits.check_sheet_dimension(sheet.title, sheet.max_row, sheet.max_column)
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                budget.take(sheet.title, number, len(values))
                place = f"sheet {sheet.title}, row {number}"
                if escapes is not None:
                    n = sum(len(OOXML_ESCAPE.findall(v)) for v in values if isinstance(v, str))
                    if n:
                        escapes.append((place, n))
                rows.append(Row(place, [clean(unescape_ooxml(v) if isinstance(v, str) else v) for v in values]))
            sheets[sheet.title] = rows
    except limits.LimitExceeded as exc:
        raise FrameworkFileError(file, exc.place, exc.message) from None
    except FrameworkFileError:
        raise
    except Exception as exc:  # a damaged part (bad checksum, bad XML) found while reading
        raise FrameworkFileError(file, None, f"the workbook is damaged and cannot be read: {exc.__class__.__name__}") from None
    finally:
        book.close()
    return sheets


def find_header(rows: list[Row], accept: Callable[[list[str]], bool], scan: int = 10) -> int | None:
    """The index of the first of the first ``scan`` rows whose header keys ``accept`` approves."""
    for i, row in enumerate(rows[:scan]):
        if accept([header_key(c) for c in row.cells]):
            return i
    return None


def column(keys: list[str], *names: str) -> int | None:
    """The index of the first header among ``names`` (header keys), or None."""
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def as_code(text: str) -> str:
    """Any identifier as a framework or skill code: runs of other characters become '-', at most 40 long."""
    code = re.sub(r"[^A-Za-z0-9._\-]+", "-", text.strip()).strip("-._")
    return code[:40].rstrip("-._")
