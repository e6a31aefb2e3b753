"""The finance export at awarded prices (issue 14 part 3, R20, R22): supplier, awarded unit price
and awarded net/VAT/gross per row to the cent, the estimate beside it, lots without an award
marked and unpriced, and the sums per member × lot equal to the contract pages' annual values."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from einkauf.bids.award import award_lot, cancel_lot
from einkauf.contracts.queries import member_contracts
from einkauf.finance.services import NoAwards, prepare_round_export, prepare_tender_export, write_export
from einkauf.lots.models import Allocation, LotPosition

from contracts_support import CLARIFIED, cities_of, open_bids_of

PRICES = {"1|P-1": Decimal("2.35"), "1|P-2": Decimal("7.1234"), "2|T-1": Decimal("39.90")}


def _awarded(db, tender, make_user, prices=PRICES, *, cancel_two=False):
    ids = open_bids_of(db, tender, make_user, (("Papier Müller GmbH", prices),))
    award_lot(db, "test", tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    if cancel_two:
        cancel_lot(db, "test", tender.id, "2", "Alle Angebote liegen über dem Budget.")


def _xlsx(db, export):
    out = io.BytesIO()
    totals = write_export(db, export, "xlsx", out)
    wb = load_workbook(io.BytesIO(out.getvalue()))
    header, *body = [[c.value for c in row] for row in wb["Kostenaufteilung"].iter_rows()]
    rows = [dict(zip(header, row, strict=True)) for row in body]
    info = {row[0].value: row[1].value for row in wb["Info"].iter_rows() if len(row) > 1 and row[0].value}
    return rows, totals, info, wb


def _csv(db, export):
    out = io.BytesIO()
    totals = write_export(db, export, "csv", out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")), delimiter=";")), totals


def _euro(value) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(Decimal("0.0001"))


def _de(text: str) -> Decimal | None:
    return Decimal(text.replace(",", ".")) if text else None


def test_refused_before_any_award_with_a_german_message(db, bid_tender):
    with pytest.raises(NoAwards, match="noch keine Zuschläge"):
        prepare_round_export(db, bid_tender.round.id, prices="awarded")
    with pytest.raises(NoAwards, match="erst nach der Zuschlagserteilung"):
        prepare_tender_export(db, bid_tender.id, prices="awarded")


def test_rows_at_awarded_prices_with_supplier_estimate_and_unawarded_lots_marked(db, bid_tender, make_user):
    _awarded(db, bid_tender, make_user)
    export = prepare_round_export(db, bid_tender.round.id, prices="awarded")
    rows, totals, info, wb = _xlsx(db, export)
    essen = [r for r in rows if r["Mitglied"] == "Essen" or "Essen" in r["Mitglied"]]
    p1 = next(r for r in essen if r["Artikel-Nr."] == "P-1")
    # 100.5 × 2.35 = 236.175 → 236.18; VAT 19 % per row: 44.8742 → 44.87; gross 281.05.
    assert (p1["Lieferant"], p1["Vergabestatus"], p1["Preisbasis"]) == ("Papier Müller GmbH", "vergeben",
                                                                        "Zuschlagspreis")
    assert _euro(p1["Einzelpreis netto"]) == Decimal("2.3500")
    assert (_euro(p1["Gesamt netto"]), _euro(p1["USt"]), _euro(p1["Gesamt brutto"])) == (
        Decimal("236.18"), Decimal("44.87"), Decimal("281.05"))
    assert p1["Schätzpreis netto"] is not None and p1["Schätzwert netto"] is not None
    assert wb["Kostenaufteilung"]["P2"].number_format == '#,##0.0000 "€"'
    p2 = next(r for r in essen if r["Artikel-Nr."] == "P-2")
    assert _euro(p2["Gesamt netto"]) == Decimal("23.74")  # 3.333 × 7.1234 = 23.742… → 23.74
    # Lot 2 is not decided: marked, no awarded amounts (empty, never 0), the estimate still there.
    open_rows = [r for r in rows if r["Los"] == "2"]
    assert open_rows and all(r["Vergabestatus"] == "nicht vergeben" and r["Lieferant"] is None
                             and r["Einzelpreis netto"] is None and r["Gesamt netto"] is None
                             and r["USt"] is None and r["Gesamt brutto"] is None and r["Schätzwert netto"]
                             for r in open_rows)
    assert totals.unpriced_rows == len(open_rows)
    # Control totals at awarded prices = the contract pages' annual values (R20, R22).
    members = cities_of(db)
    contract_total = sum((lot.annual_value for m in members.values() for t in member_contracts(db, m.id)
                          for lot in t.lots if lot.outcome == "awarded"), Decimal("0.00"))
    assert totals.net == contract_total == Decimal("259.92") + Decimal("262.27")
    assert _euro(info["Jahreswert netto zu Zuschlagspreisen (Verträge)"]) == contract_total
    assert _euro(info["Abweichung zu den Verträgen"]) == 0
    texts = " ".join(str(c.value) for row in wb["Info"].iter_rows() for c in row if c.value)
    assert "Zuschlagssumme des Loses" in texts and "Rundungsdifferenz = Zuschlagssumme" in texts


def test_the_info_sheet_states_the_difference_to_the_awarded_lot_total(db, bid_tender, make_user):
    _awarded(db, bid_tender, make_user)
    export = prepare_round_export(db, bid_tender.round.id, prices="awarded")
    [lot1, lot2] = export.info.lots
    # The awarded total (rounded per position over the term) vs annual rows × 4 years (R22).
    assert (lot1.annual_value, lot1.annual_term_value, lot1.term_value) == (
        Decimal("522.19"), Decimal("2088.76"), Decimal("2088.74"))
    assert lot1.rounding_difference == Decimal("-0.02")
    assert lot2.title.endswith("(nicht vergeben)") and lot2.annual_value == 0
    out = io.BytesIO()
    write_export(db, export, "abstimmung", out)
    lines = out.getvalue().decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Los;Los-Titel;Zeilen;Zeilen netto zu Zuschlagspreisen")
    assert lines[1].startswith("1;") and ";522,19;522,19;0,00;48;2088,76;2088,74;-0,02;Rundung: die Zuschlagssumme" \
        in lines[1]


def test_cancelled_lot_marked_and_csv_carries_the_same_figures(db, bid_tender, make_user):
    _awarded(db, bid_tender, make_user, cancel_two=True)
    export = prepare_tender_export(db, bid_tender.id, prices="awarded")
    rows, totals, _info, _wb = _xlsx(db, export)
    csv_rows, csv_totals = _csv(db, export)
    assert len(rows) == len(csv_rows) and (totals.net_cents, totals.vat_cents, totals.gross_cents) == (
        csv_totals.net_cents, csv_totals.vat_cents, csv_totals.gross_cents)
    assert totals.unpriced_rows == csv_totals.unpriced_rows > 0
    for x, c in zip(rows, csv_rows, strict=True):
        assert x["Vergabestatus"] == c["Vergabestatus"] and (x["Lieferant"] or "") == c["Lieferant"]
        for header in ("Einzelpreis netto", "Gesamt netto", "USt", "Gesamt brutto", "Schätzwert netto"):
            assert _euro(x[header]) == _de(c[header]), header
    assert {r["Vergabestatus"] for r in csv_rows if r["Los"] == "2"} == {"aufgehoben"}
    assert all(r["Gesamt netto"] == "" for r in csv_rows if r["Los"] == "2")


def test_one_members_export_equals_its_contract_page(db, bid_tender, make_user):
    _awarded(db, bid_tender, make_user)
    essen = cities_of(db)["Essen"]
    export = prepare_round_export(db, bid_tender.round.id, prices="awarded", member_id=essen.id)
    rows, totals, _info, _wb = _xlsx(db, export)
    assert {r["AGS"] for r in rows} == {essen.ags}
    [tender] = member_contracts(db, essen.id)
    assert totals.net == tender.lots[0].annual_value == Decimal("259.92")
    assert export.info.lots[0].annual_term_value == tender.lots[0].term_value


QUANTITIES = st.decimals(min_value=0, max_value=999999, places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prices=st.lists(st.decimals(min_value=0, max_value=99999, places=4, allow_nan=False, allow_infinity=False),
                       min_size=3, max_size=3), data=st.data())
def test_sum_of_rows_per_member_and_lot_is_the_contract_pages_annual_value(db, bid_tender, make_user, prices, data):
    """Random awarded prices (≥ 0, ≤ 4 decimals) and row quantities (≥ 0, ≤ 3 decimals) → Σ rows per
    member × lot of the export = the member's annual value on its contract page, to the cent."""
    nested = db.begin_nested()
    try:
        for allocation in db.scalars(select(Allocation).join(LotPosition, LotPosition.id == Allocation.position_id)
                                     .where(LotPosition.plan_id == bid_tender.plan_id)):
            allocation.quantity = data.draw(QUANTITIES)
        db.flush()
        _awarded(db, bid_tender, make_user, dict(zip(PRICES, prices, strict=True)))
        export = prepare_round_export(db, bid_tender.round.id, prices="awarded")
        out = io.BytesIO()
        totals = write_export(db, export, "xlsx", out)
        for member in cities_of(db).values():
            for tender in member_contracts(db, member.id):
                for lot in tender.lots:
                    if lot.outcome == "awarded":
                        sums = totals.by_member_lot[(member.ags, member.name, lot.number, lot.title)]
                        assert Decimal(sums[1]).scaleb(-2) == lot.annual_value
    finally:
        nested.rollback()
