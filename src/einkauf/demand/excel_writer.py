"""The demand template workbook: plain data in, bytes out (R12; layout in excel_layout)."""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from einkauf.berlin import format_berlin
from einkauf.cells import (
    BOLD,
    HEADER_FILL,
    INPUT_FILL,
    PRICE_FORMAT,
    TEXT_FORMAT,
    UNLOCKED,
    WRAP,
    protect_sheet,
    put_text,
)
from einkauf.demand.excel_layout import (
    COL,
    COLUMNS,
    EXTRA_ROWS,
    INFO_LABELS,
    LAST_COLUMN,
    LETTER,
    SHEET_DEMAND,
    SHEET_GUIDE,
    SHEET_INFO,
    SHEET_LISTS,
    TEMPLATE_VERSION,
    SheetLine,
)

# --- plain data in ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateInfo:
    """Who and what the template is for; printed on the Info sheet and checked on import."""

    round_code: str
    round_title: str
    deadline: datetime
    member_ags: str
    member_name: str
    generated_at: datetime


@dataclass(frozen=True)
class CatalogueItem:
    category: str
    number: str
    short_text: str
    unit: str
    reference_price: Decimal


# --- writing ---------------------------------------------------------------------------------

def build_template(info: TemplateInfo, catalogue: Iterable[CatalogueItem], lines: Iterable[SheetLine],
                   delivery_sites: Sequence[str], *, extra_rows: int = EXTRA_ROWS) -> bytes:
    """The demand template of one member in one round as .xlsx bytes.

    `catalogue` in the order the rows should appear (category order, then product number);
    `lines` the member's current lines in their order; `delivery_sites` the names of the
    member's active delivery sites. Lines of products that are not in the catalogue (no longer
    orderable) go into the rows for additional lines, so nothing disappears unnoticed: the
    import then names them as errors.
    """
    items = list(catalogue)
    by_product: dict[str, list[SheetLine]] = {}
    for line in lines:
        by_product.setdefault(line.product_number, []).append(line)
    numbers = [item.number for item in items]
    known = set(numbers)
    orphans = [line for number, group in by_product.items() if number not in known for line in group]

    wb = Workbook()
    guide = wb.worksheets[0]  # the one sheet a new workbook has
    guide.title = SHEET_GUIDE
    demand = wb.create_sheet(SHEET_DEMAND)
    info_ws = wb.create_sheet(SHEET_INFO)
    lists = wb.create_sheet(SHEET_LISTS)

    _write_guide(guide, info, delivery_sites, extra_rows + len(orphans))
    _write_info(info_ws, info)
    _write_lists(wb, lists, delivery_sites, numbers)
    _write_demand(demand, items, by_product, orphans, extra_rows + len(orphans), bool(delivery_sites))

    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "einkauf"
    wb.properties.title = f"Bedarfsmeldung {info.round_code} – {info.member_name}"[:200]
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_demand(ws, items: list[CatalogueItem], by_product: dict[str, list[SheetLine]],
                  orphans: list[SheetLine], extra_rows: int, has_sites: bool) -> int:
    for index, (header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        put_text(cell, header)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.column_dimensions[LETTER["Schlüssel"]].hidden = True

    row = 1
    for item in items:
        group: list[SheetLine | None] = [*by_product.get(item.number, [])] or [None]
        for n, line in enumerate(group, start=1):
            row += 1
            _write_row(ws, row, item, line, f"{item.number}#{n}", product_editable=False)
    first_extra = row + 1
    if extra_rows:
        row += 1
        heading = ws.cell(row=row, column=1)
        put_text(heading, "Zusätzliche Positionen: weitere Lieferstellen oder Kostenstellen für einen Artikel – "
                          "Artikel-Nr. in Spalte B eintragen oder auswählen")
        heading.font = BOLD
        first_extra = row + 1
        pending = list(orphans)
        for n in range(1, extra_rows + 1):
            row += 1
            extra = pending.pop(0) if pending else None
            _write_row(ws, row, None, extra, f"#{n}", product_editable=True)
    last_row = max(row, 2)

    qty = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                         showErrorMessage=True, errorTitle="Menge",
                         error="Bitte eine Zahl ab 0 mit höchstens drei Nachkommastellen eingeben (z. B. 2,5).",
                         showInputMessage=True, promptTitle="Menge",
                         prompt="Jahresmenge in der Einheit der Spalte D; leer = kein Bedarf.")
    qty.add(f"{LETTER['Menge']}2:{LETTER['Menge']}{last_row}")
    ws.add_data_validation(qty)
    if has_sites:
        sites = DataValidation(type="list", formula1="Lieferstellen", allow_blank=True, showErrorMessage=True,
                               errorTitle="Lieferstelle", error="Bitte eine Lieferstelle aus der Liste wählen.")
        sites.add(f"{LETTER['Lieferstelle']}2:{LETTER['Lieferstelle']}{last_row}")
        ws.add_data_validation(sites)
    codes = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="40", allow_blank=True,
                           showErrorMessage=True, errorTitle="Zu lang", error="Höchstens 40 Zeichen.")
    codes.add(f"{LETTER['Kostenstelle']}2:{LETTER['Sachkonto']}{last_row}")
    ws.add_data_validation(codes)
    note = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True,
                          showErrorMessage=True, errorTitle="Zu lang", error="Höchstens 500 Zeichen.")
    note.add(f"{LETTER['Bemerkung']}2:{LETTER['Bemerkung']}{last_row}")
    ws.add_data_validation(note)
    if extra_rows and first_extra <= row:
        products = DataValidation(type="list", formula1="Artikelnummern", allow_blank=True, showErrorMessage=True,
                                  errorTitle="Artikel-Nr.", error="Bitte eine Artikel-Nr. aus dem Katalog wählen.")
        products.add(f"{LETTER['Artikel-Nr.']}{first_extra}:{LETTER['Artikel-Nr.']}{row}")
        ws.add_data_validation(products)

    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(LAST_COLUMN)}{last_row}"
    protect_sheet(ws)
    return last_row


def _write_row(ws, row: int, item: CatalogueItem | None, line: SheetLine | None, key: str, *,
               product_editable: bool) -> None:
    if item is not None:
        put_text(ws.cell(row=row, column=COL["Warengruppe"]), item.category)
        put_text(ws.cell(row=row, column=COL["Kurztext"]), item.short_text)
        put_text(ws.cell(row=row, column=COL["Einheit"]), item.unit)
        price = ws.cell(row=row, column=COL["Schätzpreis netto (€)"], value=Decimal(item.reference_price))
        price.number_format = PRICE_FORMAT
    number = ws.cell(row=row, column=COL["Artikel-Nr."])
    put_text(number, item.number if item is not None else (line.product_number if line else ""))
    number.number_format = TEXT_FORMAT
    if product_editable:
        number.protection = UNLOCKED
        number.fill = INPUT_FILL
    quantity = ws.cell(row=row, column=COL["Menge"], value=Decimal(line.quantity) if line is not None else None)
    quantity.protection = UNLOCKED
    quantity.fill = INPUT_FILL
    for header, value in (("Lieferstelle", line.delivery_site if line else ""),
                          ("Kostenstelle", line.cost_centre if line else ""),
                          ("Sachkonto", line.budget_account if line else ""),
                          ("Bemerkung", line.note if line else "")):
        cell = ws.cell(row=row, column=COL[header])
        if value:
            put_text(cell, value)
        cell.number_format = TEXT_FORMAT  # typed codes stay text ("0815", "1-2" is not a date)
        cell.protection = UNLOCKED
        cell.fill = INPUT_FILL
    key_cell = ws.cell(row=row, column=COL["Schlüssel"])
    put_text(key_cell, key)
    key_cell.number_format = TEXT_FORMAT


def _write_info(ws, info: TemplateInfo) -> None:
    put_text(ws.cell(row=1, column=1), "Bedarfsvorlage aus einkauf – bitte nicht ändern")
    ws.cell(row=1, column=1).font = BOLD
    values = (info.round_code, info.round_title, info.member_ags, info.member_name,
              f"{format_berlin(info.deadline)} (deutsche Zeit)", f"{format_berlin(info.generated_at)} (deutsche Zeit)",
              TEMPLATE_VERSION)
    for row, (label, value) in enumerate(zip(INFO_LABELS, values, strict=False), start=2):
        put_text(ws.cell(row=row, column=1), label)
        ws.cell(row=row, column=1).font = BOLD
        cell = ws.cell(row=row, column=2)
        put_text(cell, value)
        cell.number_format = TEXT_FORMAT
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 60
    protect_sheet(ws)


def _write_lists(wb: Workbook, ws, delivery_sites: Sequence[str], numbers: Sequence[str]) -> None:
    put_text(ws.cell(row=1, column=1), "Lieferstellen")
    put_text(ws.cell(row=1, column=2), "Artikelnummern")
    for row, name in enumerate(delivery_sites, start=2):
        put_text(ws.cell(row=row, column=1), name)
    for row, number in enumerate(numbers, start=2):
        put_text(ws.cell(row=row, column=2), number)
    if delivery_sites:
        wb.defined_names["Lieferstellen"] = DefinedName(
            "Lieferstellen", attr_text=f"{SHEET_LISTS}!$A$2:$A${len(delivery_sites) + 1}")
    if numbers:
        wb.defined_names["Artikelnummern"] = DefinedName(
            "Artikelnummern", attr_text=f"{SHEET_LISTS}!$B$2:$B${len(numbers) + 1}")
    ws.sheet_state = "hidden"
    protect_sheet(ws)


def _write_guide(ws, info: TemplateInfo, delivery_sites: Sequence[str], extra_rows: int) -> None:
    deadline = format_berlin(info.deadline)
    sites = ", ".join(delivery_sites) if delivery_sites else "– keine; bitte wenden Sie sich an die Koordination –"
    paragraphs: list[tuple[str, bool]] = [
        (f"Bedarfsmeldung {info.round_code} – {info.member_name} (AGS {info.member_ags})", True),
        (f"Abgabefrist: {deadline} (deutsche Zeit). Danach nimmt einkauf keine Datei mehr an.", False),
        ("", False),
        ("So füllen Sie die Vorlage aus", True),
        ("1. Tragen Sie im Blatt „Bedarf“ in der Spalte „Menge“ die Jahresmenge je Artikel ein – in der Einheit "
         "der Spalte „Einheit“ (z. B. Packungen, nicht Stück, wenn dort „Packung“ steht).", False),
        ("2. Zahlen mit Dezimalkomma: 2,5 oder 1.250 (Punkt als Tausendertrennzeichen). Höchstens drei "
         "Nachkommastellen, keine negativen Zahlen, keine Formeln – nur Werte.", False),
        ("3. Zeilen mit leerer Menge werden ignoriert; Menge 0 bedeutet „kein Bedarf“.", False),
        (f"4. Lieferstelle: bitte aus der Liste wählen. Ihre aktiven Lieferstellen: {sites}. Hat Ihr Mitglied "
         "nur eine Lieferstelle, darf die Spalte leer bleiben.", False),
        ("5. Kostenstelle und Sachkonto (freiwillig): höchstens 40 Zeichen aus Buchstaben, Ziffern, Leerzeichen "
         "und . / _ -, am Anfang ein Buchstabe oder eine Ziffer. Bemerkung (freiwillig): höchstens 500 Zeichen.",
         False),
        (f"6. Derselbe Artikel für mehrere Lieferstellen oder Kostenstellen: Nutzen Sie die {extra_rows} Zeilen "
         "im Bereich „Zusätzliche Positionen“ am Ende des Blatts „Bedarf“ – Artikel-Nr. in Spalte B eintragen "
         "oder auswählen, dann Menge, Lieferstelle usw. Dieselbe Kombination aus Artikel, Lieferstelle, "
         "Kostenstelle und Sachkonto darf nur einmal vorkommen.", False),
        ("7. Bitte nicht ändern: Blattnamen, Spaltenüberschriften, die ausgeblendete Spalte „Schlüssel“ und das "
         "Blatt „Info“. Keine Zeilen einfügen, löschen oder kopieren, keine Zellen verbinden. Der Blattschutz hat "
         "kein Kennwort; er schützt nur vor Versehen – einkauf prüft beim Hochladen jede Zeile.", False),
        ("", False),
        ("Hochladen", True),
        ("8. Speichern Sie die Datei als „Excel-Arbeitsmappe (*.xlsx)“ (nicht .xlsm, .xls oder .csv; höchstens "
         "5 MB) und laden Sie sie in einkauf unter „Bedarf per Excel hochladen“ hoch.", False),
        ("9. Die Datei ersetzt alle bisherigen Positionen Ihres Entwurfs, auch die im Web erfassten. Dieselbe "
         "Datei zweimal hochzuladen ergibt denselben Stand. Enthält die Datei einen Fehler, wird nichts "
         "übernommen; einkauf nennt jeden Fehler mit Blatt, Zeile und Spalte.", False),
        (f"10. Die Datei gilt nur für die Bedarfsabfrage {info.round_code} und Ihr Mitglied. Das Hochladen gibt den "
         "Bedarf noch nicht ab: Prüfen Sie ihn danach in einkauf und geben Sie ihn dort ab.", False),
        ("", False),
        ("Spalten im Blatt „Bedarf“", True),
        ("Warengruppe, Artikel-Nr., Kurztext, Einheit, Schätzpreis netto (€): aus dem Katalog, gesperrt.", False),
        ("Menge, Lieferstelle, Kostenstelle, Sachkonto, Bemerkung: Ihre Eingaben (gelb hinterlegt).", False),
        ("Schlüssel (ausgeblendet): technische Kennung der Zeile, bitte nicht ändern.", False),
    ]
    ws.column_dimensions["A"].width = 110
    for row, (text, heading) in enumerate(paragraphs, start=1):
        cell = ws.cell(row=row, column=1)
        if text:
            put_text(cell, text)
        cell.alignment = WRAP
        if heading:
            cell.font = Font(bold=True, size=13 if row == 1 else 11)
    protect_sheet(ws)

