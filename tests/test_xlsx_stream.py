"""The gap report's workbook is written row by row off the cursor (reports/export.py's
XlsxBook, services/exports.py's streamed sheets): the same sheets and cells as the
frame it was made from before (gaps.frame, gap_tables.grouped), on the demo
organisation and a generated one, on SQLite and PostgreSQL; a table longer than a
sheet holds goes on in further sheets; the rows written are counted as they go, so
that a job or the command line shows progress before the file is whole."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from skills_app.policy import SYSTEM
from skills_app.reports import export
from skills_app.reports import gaps as gap_tables
from skills_app.services import exports, gaps
from tests.test_training_needs import needs_world  # noqa: F401  (the world: demo and 400 generated people)

pytestmark = pytest.mark.xdist_group("needs_world")

NOW = datetime(2026, 6, 1, 12, 0)


def _values(sheet) -> list[tuple]:
    return [tuple(c.value for c in row) for row in sheet.iter_rows()]


def _expected(by: str | None, filters: gaps.Filters) -> dict[str, list[tuple]]:
    """The sheets as the frame gives them: what the workbook held when it was made of frames."""
    df = gaps.frame(SYSTEM, filters, now=NOW)
    frames = {"Gaps": df[exports.GAP_SHEET_COLUMNS]}
    for grouping in ([by] if by else list(gap_tables.GROUPINGS)):
        frames[f"By {grouping.replace('_', ' ')}"] = gap_tables.grouped(df, grouping)
    out = {}
    for name, frame in frames.items():
        columns, batches = export.frame_batches(frame)
        out[name] = [tuple(columns)] + [tuple(export.cell(v) for v in row) for batch in batches for row in batch]
    return out


def _normal(value):
    # openpyxl reads a whole float back as an int; a datetime back to the microsecond Excel keeps (milliseconds)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


@pytest.mark.parametrize("by, filters", [
    (None, {}),
    ("org_unit", {}),
    ("skill", {"status": ["below", "expired"]}),
    (None, {"org_unit": "Acme"}),
])
def test_the_streamed_workbook_holds_what_the_frames_held(needs_world, by, filters):  # noqa: F811
    chosen = gaps.Filters.from_mapping(filters)
    out = export.render(exports.gap_report(SYSTEM, chosen, by=by, now=NOW), "xlsx")
    book = load_workbook(io.BytesIO(b"".join(out.chunks)))
    expected = _expected(by, chosen)
    assert book.sheetnames == list(expected)
    assert len(expected["Gaps"]) > 40
    for name, rows in expected.items():
        got = [tuple(_normal(v) for v in row) for row in _values(book[name])]
        assert got == [tuple(_normal(v) for v in row) for row in rows], name
    assert out.rows == len(expected["Gaps"]) - 1
    gap_sheet = book["Gaps"]
    assert gap_sheet.freeze_panes == "B2"
    assert gap_sheet.auto_filter.ref == f"A1:P{len(expected['Gaps'])}"
    status = exports.GAP_SHEET_COLUMNS.index("status") + 1
    colours = {"met": "C8EBD3", "awaiting_review": "D6E4F9", "below": "FBD3CF", "expired": "F6E0A8", "not_assessed": "E4E6EB"}
    for r in range(2, min(gap_sheet.max_row, 400) + 1):
        status_cell = gap_sheet.cell(row=r, column=status)
        assert status_cell.fill.fgColor.rgb.endswith(colours[status_cell.value])


def test_a_table_longer_than_a_sheet_goes_on_in_the_next(needs_world, monkeypatch):  # noqa: F811
    chosen = gaps.Filters()
    total = len(gaps.frame(SYSTEM, chosen, now=NOW))
    per_sheet = total // 3 + 1  # three sheets, the last one shorter
    monkeypatch.setattr(export, "XLSX_SHEET_ROWS", per_sheet)
    out = export.render(exports.gap_report(SYSTEM, chosen, by="service", now=NOW), "xlsx")
    book = load_workbook(io.BytesIO(b"".join(out.chunks)))
    parts = [name for name in book.sheetnames if name.startswith("Gaps")]
    assert parts == ["Gaps"] + [f"Gaps ({n})" for n in range(2, len(parts) + 1)]
    assert len(parts) == 3
    rows = []
    for name in parts:
        values = _values(book[name])
        assert values[0] == tuple(exports.GAP_SHEET_COLUMNS)  # each part has its header
        assert len(values) - 1 == (per_sheet if name != "Gaps (3)" else total - 2 * per_sheet)
        assert book[name].auto_filter.ref == f"A1:P{len(values)}"
        rows += values[1:]
    expected = _expected("service", chosen)["Gaps"][1:]
    assert [tuple(_normal(v) for v in r) for r in rows] == [tuple(_normal(v) for v in r) for r in expected]
    assert book.sheetnames[-1] == "By service"


def test_rows_are_counted_as_the_workbook_is_written(needs_world):  # noqa: F811
    out = export.render(exports.gap_report(SYSTEM, now=NOW), "xlsx")
    seen = []
    for chunk in out.chunks:
        seen.append((len(chunk), out.rows))
    *progress, (last_size, total) = seen
    assert last_size > 0 and all(size == 0 for size, _ in progress)  # the file comes whole, at the end
    counts = [rows for _, rows in progress]
    assert counts == sorted(counts) and 0 < counts[0] < total  # counted before the end, and rising
    assert total == len(gaps.frame(SYSTEM, now=NOW))


def test_an_empty_report_is_a_workbook_with_its_headers(needs_world):  # noqa: F811
    chosen = gaps.Filters.from_mapping({"skill": "NO-SUCH-SKILL"})
    book = load_workbook(io.BytesIO(b"".join(export.render(exports.gap_report(SYSTEM, chosen, by="job_role", now=NOW),
                                                             "xlsx").chunks)))
    assert book.sheetnames == ["Gaps", "By job role"]
    assert _values(book["Gaps"]) == [tuple(exports.GAP_SHEET_COLUMNS)]
    assert _values(book["By job role"]) == [tuple(gap_tables.GROUP_COLUMNS)]


def test_the_training_needs_workbook_streams_its_people(needs_world):  # noqa: F811
    # The People sheet (a million rows at 100,000 people) is read off the cursor: the same cells as its frame.
    for filters in ({}, {"org_unit": "Acme"}):
        chosen = gaps.Filters.from_mapping(filters)
        report = exports.training_needs(SYSTEM, chosen)
        out = export.render(report, "xlsx")
        book = load_workbook(io.BytesIO(b"".join(out.chunks)))
        frames = report.sheets()
        assert book.sheetnames == list(frames) == ["Training needs", "People"]
        for name, frame in frames.items():
            columns, batches = export.frame_batches(frame)
            expected = [tuple(columns)] + [tuple(export.cell(v) for v in row) for batch in batches for row in batch]
            assert [tuple(_normal(v) for v in row) for row in _values(book[name])] == \
                [tuple(_normal(v) for v in row) for row in expected], name
        assert len(frames["People"]) > (100 if not filters else 10)
        assert out.rows == len(frames["Training needs"])


HOSTILE = ["=HYPERLINK(\"http://x.example\",\"y\")", "+1+1", "-2-2", "@SUM(A1)", "\t=1", "\r=1", "Tab\x0bName",
           "\x0b=1+1", "Bell\x07 and NUL-free", "plain"]


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "frames"])
def test_a_workbook_of_hostile_text_is_whole_with_no_formula_and_no_control_character(streamed):
    # Text anyone can type (a person's or a unit's name) may start with what a spreadsheet evaluates, or hold
    # a control character XML cannot: the workbook is still written whole, every cell text, none a formula.
    import pandas as pd

    rows = [(text, n) for n, text in enumerate(HOSTILE)]
    frame = pd.DataFrame(rows, columns=["person", "gap"])
    report = export.Report("hostile", lambda: {"Gaps": frame},
                           streamed_sheets=(lambda: iter([("Gaps", ["person", "gap"], [rows])])) if streamed else None)
    book = load_workbook(io.BytesIO(b"".join(export.render(report, "xlsx").chunks)))
    cells = [row[0] for row in book["Gaps"].iter_rows(min_row=2)]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells]
    assert texts[:5] == ["'" + text for text in HOSTILE[:5]]  # neutralised, as the CSV is
    assert texts[5] == "'\n=1"  # (XML reads a carriage return back as a line feed)
    assert texts[6:] == ["Tab\ufffdName", "\ufffd=1+1", "Bell\ufffd and NUL-free", "plain"]


def test_a_command_line_export_that_fails_half_way_leaves_the_file_that_was_there(app, runner, tmp_path, monkeypatch):
    # Not a domain error (the database gone, a cell refused, Ctrl-C): the file named by --output was truncated
    # when the export began and left half written.
    def failing(report, fmt, **kwargs):
        def chunks():
            yield b"person_id,person\n1,Half\n"
            raise RuntimeError("the database went away")
        return export.Export("gaps.csv", "text/csv", chunks())

    monkeypatch.setattr(export, "render", failing)
    output = tmp_path / "gaps.csv"
    output.write_bytes(b"yesterday's export\n")
    result = runner.invoke(args=["report", "gaps", "--format", "csv", "--output", str(output)])
    assert result.exit_code != 0
    assert output.read_bytes() == b"yesterday's export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gaps.csv"]
