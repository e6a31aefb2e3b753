"""The columns of the finance export at awarded prices (issue 14 part 3): profiles keep working,
the unit price becomes the awarded one under the profile's header, the award columns follow, and
an unpriced row is written as empty cells (never 0) in both writers."""
from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from einkauf.exports.finance import ExportInfo
from einkauf.exports.finance_columns import AWARD_COLUMNS, DEFAULT_COLUMNS, FinanceRow
from einkauf.exports.finance_csv import write_finance_csv
from einkauf.exports.finance_profiles import DEFAULT_PROFILE, for_price_basis, parse_profile
from einkauf.exports.finance_xlsx import write_finance_xlsx

INFO = ExportInfo(round_code="2027", round_title="Test", generated_at=datetime(2027, 1, 4, 9, tzinfo=UTC),
                  price_basis="awarded")
BASE = dict(fiscal_year="2027", member_name="Essen", ags="05113000", delivery_site="Rathaus", cost_centre="0815",
            budget_account="5210", reference="VG-1", lot_number="1", lot_title="Papier", position=1,
            product_number="P-1", short_text="Papier", cpv_code="30197630-1", quantity_thousandths=100500,
            unit="Stück", unit_price_cents=33, vat_rate_hundredths=1900, price_basis="Zuschlagspreis",
            round_code="2027", unit_code="H87", estimated_net_cents=3317)
PRICED = FinanceRow(**BASE, net_cents=23618, vat_cents=4487, gross_cents=28105, supplier="=Müller GmbH",
                    award_status="vergeben", awarded_unit_price=23500)
UNPRICED = FinanceRow(**{**BASE, "lot_number": "2"}, net_cents=None, vat_cents=None, gross_cents=None,
                      supplier="", award_status="aufgehoben", awarded_unit_price=None)


def test_awarded_columns_follow_the_profile_and_replace_its_unit_price():
    profile = for_price_basis(DEFAULT_PROFILE, "awarded")
    assert profile.headers == [c.header for c in DEFAULT_COLUMNS] + [c.header for c in AWARD_COLUMNS]
    assert profile.columns[15].column.field == "awarded_unit_price"
    assert for_price_basis(DEFAULT_PROFILE, "estimated") is DEFAULT_PROFILE
    renamed = parse_profile('[[columns]]\ncolumn = "Einzelpreis netto"\nheader = "PREIS"\n'
                            '[[columns]]\ncolumn = "Lieferant"\nheader = "LIEF"\n', "sap")
    awarded = for_price_basis(renamed, "awarded")
    assert awarded.headers == ["PREIS", "LIEF", "Vergabestatus", "Schätzpreis netto", "Schätzwert netto"]


def test_unpriced_rows_are_empty_cells_and_csv_equals_xlsx():
    profile = for_price_basis(DEFAULT_PROFILE, "awarded")
    out = io.BytesIO()
    totals = write_finance_csv([PRICED, UNPRICED], out, profile, INFO)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert (rows[0]["Einzelpreis netto"], rows[0]["Gesamt netto"], rows[0]["USt"], rows[0]["Gesamt brutto"]) == (
        "2,3500", "236,18", "44,87", "281,05")
    assert (rows[0]["Lieferant"], rows[0]["Schätzpreis netto"], rows[0]["Schätzwert netto"]) == (
        "'=Müller GmbH", "0,33", "33,17")
    assert [rows[1][h] for h in ("Einzelpreis netto", "Gesamt netto", "USt", "Gesamt brutto", "Vergabestatus")] == [
        "", "", "", "", "aufgehoben"]
    assert (totals.rows, totals.net_cents, totals.unpriced_rows) == (2, 23618, 1)
    out = io.BytesIO()
    xlsx_totals = write_finance_xlsx([PRICED, UNPRICED], out, profile, INFO)
    ws = load_workbook(io.BytesIO(out.getvalue()))["Kostenaufteilung"]
    header = [c.value for c in ws[1]]
    second = dict(zip(header, [c.value for c in ws[3]], strict=True))
    assert second["Gesamt netto"] is None and second["Einzelpreis netto"] is None
    assert (xlsx_totals.net_cents, xlsx_totals.unpriced_rows) == (totals.net_cents, totals.unpriced_rows)
