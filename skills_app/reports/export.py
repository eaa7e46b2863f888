"""Writing report frames as CSV, XLSX and JSON: the same rows in each."""
from __future__ import annotations

import io
import json

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_FILL = PatternFill("solid", fgColor="17263F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
STATUS_FILLS = {
    "met": PatternFill("solid", fgColor="C8EBD3"),
    "awaiting_review": PatternFill("solid", fgColor="D6E4F9"),
    "below": PatternFill("solid", fgColor="FBD3CF"),
    "expired": PatternFill("solid", fgColor="F6E0A8"),
    "not_assessed": PatternFill("solid", fgColor="E4E6EB"),
}
GAP_FILLS = {1: PatternFill("solid", fgColor="FDE2DF"), 2: PatternFill("solid", fgColor="F9B9B2"), 3: PatternFill("solid", fgColor="F08D83")}


def to_csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


def to_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n"


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per view: a formatted header, frozen panes, an autofilter,
    sensible widths, and gaps and statuses coloured."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            title = name[:31]
            clean = df.copy()
            for column in clean.columns:
                if isinstance(clean[column].dtype, pd.DatetimeTZDtype):
                    clean[column] = clean[column].dt.tz_localize(None)
            clean.to_excel(writer, sheet_name=title, index=False)
            sheet = writer.sheets[title]
            sheet.freeze_panes = "B2" if len(clean.columns) > 1 else "A2"
            if len(clean.columns):
                sheet.auto_filter.ref = f"A1:{get_column_letter(len(clean.columns))}{max(len(clean), 1) + 1}"
            for i, column in enumerate(clean.columns, start=1):
                cell = sheet.cell(row=1, column=i)
                cell.fill, cell.font = HEADER_FILL, HEADER_FONT
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                values = [str(v) for v in clean[column].head(500).tolist() if v is not None]
                width = max([len(str(column))] + [len(v) for v in values]) + 2
                sheet.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 60)
            columns = list(clean.columns)
            status_col = columns.index("status") + 1 if "status" in columns else None
            gap_col = columns.index("gap") + 1 if "gap" in columns else None
            if status_col or gap_col:
                for row in range(2, len(clean) + 2):
                    if status_col:
                        cell = sheet.cell(row=row, column=status_col)
                        fill = STATUS_FILLS.get(cell.value)
                        if fill:
                            cell.fill = fill
                    if gap_col:
                        cell = sheet.cell(row=row, column=gap_col)
                        if isinstance(cell.value, (int, float)) and cell.value > 0:
                            cell.fill = GAP_FILLS[min(int(cell.value), 3)]
            if "coverage" in columns:
                col = columns.index("coverage") + 1
                for row in range(2, len(clean) + 2):
                    cell = sheet.cell(row=row, column=col)
                    if isinstance(cell.value, (int, float)):
                        cell.fill = STATUS_FILLS["met"] if cell.value >= 80 else STATUS_FILLS["expired"] if cell.value >= 50 else STATUS_FILLS["below"]
    return buffer.getvalue()
