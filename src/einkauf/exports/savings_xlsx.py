"""The savings report as an xlsx workbook (issue 14 part 4): plain data in, bytes out.

Sheets Übersicht, Lose, Warengruppen, Mitglieder, Preisentwicklung; each with a bold, frozen
header row; money and percentages as numbers; every text through einkauf.cells.put_text (never a
formula, R12). The caller passes the rows already in German (the same figures as the page, R22).
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from einkauf.cells import BOLD, HEADER_FILL, PRICE_FORMAT, put_text

PERCENT_FORMAT = '0.00" %"'
UNIT_PRICE_FORMAT = '#,##0.0000 "€"'


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    formats: tuple[str | None, ...]  # per column: None (text) or an Excel number format


def write_savings_xlsx(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook()
    for index, sheet in enumerate(sheets):
        ws = workbook.active if index == 0 else workbook.create_sheet()
        assert ws is not None
        ws.title = sheet.title
        for column, header in enumerate(sheet.headers, start=1):
            cell = ws.cell(row=1, column=column)
            put_text(cell, header)
            cell.font = BOLD
            cell.fill = HEADER_FILL
            ws.column_dimensions[get_column_letter(column)].width = max(14, min(48, len(header) + 4))
        for row_index, row in enumerate(sheet.rows, start=2):
            for column, (value, number_format) in enumerate(zip(row, sheet.formats, strict=True), start=1):
                cell = ws.cell(row=row_index, column=column)
                if value is None:
                    continue
                if number_format is None:
                    put_text(cell, value)
                else:
                    cell.value = value
                    cell.number_format = number_format
        ws.freeze_panes = "A2"
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()
