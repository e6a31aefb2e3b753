"""The consumption report (issue 15 part 5) as the sheets of an xlsx workbook: per framework
position in total and per member, estimated, maximum, called off, remaining, the level and the
overcharge; the off-contract spend. The same figures as the monitoring page (R22); numbers as
numbers, texts through the safe writer (einkauf.exports.savings_xlsx, R12)."""
from __future__ import annotations

from einkauf.calloffs.monitoring import TenderMonitoring
from einkauf.calloffs.monitoring_rules import LEVEL_LABELS
from einkauf.cells import PRICE_FORMAT
from einkauf.exports.savings_xlsx import UNIT_PRICE_FORMAT, Sheet

QUANTITY_FORMAT = "#,##0.000"


def report_sheets(monitoring: TenderMonitoring, translate=lambda text: text) -> list[Sheet]:
    figures = ("Geschätzte Menge (Laufzeit)", "Anteilig bis heute", "Höchstmenge", "Abgerufen", "Verbleibend",
               "Stand", "Überzahlung")
    formats = (QUANTITY_FORMAT,) * 5 + (None, PRICE_FORMAT)
    positions: list[tuple] = []
    members: list[tuple] = []
    off: list[tuple] = []
    for framework in monitoring.frameworks:
        for p in framework.positions:
            label = translate(LEVEL_LABELS[p.total.level])
            head = (framework.lot_number, p.number, p.product_number, p.short_text, p.unit_label, p.awarded_price)
            if monitoring.member_id is None:
                positions.append((*head, p.total.estimated, p.total.expected, p.total.maximum, p.total.called,
                                  p.total.remaining, label, p.total.overcharge))
            for m in p.members:
                members.append((*head, m.name, m.ags, m.use.estimated, m.use.expected, m.use.maximum, m.use.called,
                                m.use.remaining, translate(LEVEL_LABELS[m.use.level]), m.use.overcharge))
        off.extend((framework.lot_number, name, amount, rows) for name, amount, rows in framework.off_contract)
    head_headers = ("Los", "Pos.", "Artikelnummer", "Kurztext", "Einheit", "Zuschlagspreis")
    head_formats = (None, "0", None, None, None, UNIT_PRICE_FORMAT)
    sheets = []
    if monitoring.member_id is None:
        sheets.append(Sheet("Positionen", (*head_headers, *figures), tuple(positions), (*head_formats, *formats)))
    sheets.append(Sheet("Mitglieder", (*head_headers, "Mitglied", "AGS", *figures), tuple(members),
                        (*head_formats, None, None, *formats)))
    sheets.append(Sheet("Außerhalb des Vertrags", ("Los", "Mitglied", "Nettobetrag", "Zeilen"), tuple(off),
                        (None, None, PRICE_FORMAT, "0")))
    return sheets
