"""The empty sales report template of a framework's lot, as xlsx and CSV (issue 15 part 2).

Pure generators: plain data in, bytes out. The header row names the columns the import reads
(einkauf.calloffs.report_reader.COLUMNS); one hint row per position of the lot carries its article
number and text, the other cells empty for the supplier. Texts are written safely (R12: never a
formula; CSV with `;`, UTF-8 with BOM, a leading ' before text a spreadsheet would run).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from einkauf.calloffs.report_reader import COLUMNS, iter_template_rows
from einkauf.cells import BOLD, FORMULA_TRIGGERS, HEADER_FILL, TEXT_FORMAT, put_text

SHEET = "Umsatzmeldung"
WIDTHS = (16, 18, 40, 12, 14, 12, 24, 14)
TEXT_COLUMNS = (1, 2, 3, 6, 7)  # member, article number and text, credit marker, delivery site


def build_template_xlsx(positions: Sequence[tuple[str, str]]) -> bytes:
    """The template as a workbook: header, one row per article of the lot, text columns as text."""
    book = Workbook()
    ws = book.create_sheet(SHEET)
    book.remove(book.worksheets[0])
    for index, row in enumerate(iter_template_rows(positions), start=1):
        for column, value in enumerate(row, start=1):
            cell = ws.cell(row=index, column=column)
            if value:
                put_text(cell, value)
            if column in TEXT_COLUMNS:
                cell.number_format = TEXT_FORMAT
            if index == 1:
                cell.font = BOLD
                cell.fill = HEADER_FILL
    for column, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(ws.max_row, 1)}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_template_csv(positions: Sequence[tuple[str, str]]) -> bytes:
    """The template as CSV: `;`, UTF-8 with BOM, CRLF; guarded text (R12)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in iter_template_rows(positions):
        writer.writerow(["'" + v if v and v.startswith(FORMULA_TRIGGERS) else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
