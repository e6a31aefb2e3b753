"""Finance exports read back with openpyxl, python-calamine and the csv module and compared with
the database, amount by amount; reconciliation with the lot plan and the tender (R1); member
filter (R8); on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from einkauf.berlin import BERLIN
from einkauf.errors import InvalidState, NotFound
from einkauf.finance.services import NoAwards, prepare_round_export, prepare_tender_export, write_export
from einkauf.lots.models import Lot

from finance_support import HEADERS, MONEY, NOW, build_finance_world, expected_rows, export, row_key


@pytest.fixture
def world(db, make_round, make_member, make_category, make_product):
    return build_finance_world(db, make_round, make_member, make_category, make_product)


def number(value) -> Decimal:
    """A number as openpyxl or calamine returns it (float or int), as the Decimal it was written as."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(repr(value))


def sheet_dicts(rows):
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body if any(v not in (None, "") for v in row)]


def assert_same(actual_rows, expected):
    assert len(actual_rows) == len(expected)
    by_key = {row_key(r): r for r in expected}
    assert len(by_key) == len(expected)
    for row in actual_rows:
        want = by_key[row_key(row)]
        for header in HEADERS:
            got = row[header]
            if header in (*MONEY, "Menge", "USt-Satz"):
                assert number(got) == want[header], (header, got, want[header])
            elif header == "Position":
                assert int(got) == want[header]
            else:
                assert (got or "") == want[header], (header, got, want[header])


def test_every_amount_of_the_workbook_equals_the_database_in_openpyxl_and_calamine(db, world):
    data, totals, _ = export(db, world, "xlsx")
    expected = expected_rows(db, world["plan"].id)
    assert totals.rows == len(expected) == 10

    wb = load_workbook(io.BytesIO(data))
    ws = wb["Kostenaufteilung"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == HEADERS
    assert_same(sheet_dicts(rows), expected)
    # Codes are text, amounts are numbers with a euro format; formula-like text stays text (R12).
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(HEADERS, row, strict=False))
        for header in ("AGS", "Kostenstelle", "Sachkonto", "Artikel-Nr.", "CPV", "Haushaltsjahr", "Los",
                       "Bezeichnung", "Lieferstelle"):
            assert cells[header].data_type == "s", header
        assert cells["Gesamt netto"].number_format == '#,##0.00 "€"'
        assert cells["Menge"].number_format == "#,##0.000"
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert ws.freeze_panes == "A2"
    (name, ref), = ws.tables.items()
    assert ref == f"A1:U{len(expected) + 1}"
    assert [c.name for c in ws.tables[name].tableColumns] == HEADERS
    assert ws.tables[name].autoFilter.ref == ref

    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert calamine.sheet_names == ["Kostenaufteilung", "Summen", "Info"]
    assert_same(sheet_dicts(calamine.get_sheet_by_name("Kostenaufteilung").to_python()), expected)


def test_the_csv_holds_the_same_rows_with_decimal_commas(db, world):
    data, totals, _ = export(db, world, "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.count("\r\n") == totals.rows + 1 and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == HEADERS
    parsed = []
    for row in rows[1:]:
        record = dict(zip(HEADERS, row, strict=False))
        for header in (*MONEY, "Menge", "USt-Satz"):
            assert "." not in record[header]
            record[header] = float(record[header].replace(",", "."))
        for header in ("Bezeichnung", "Lieferstelle", "Kostenstelle"):
            if record[header].startswith("'"):  # the CSV formula guard (OWASP)
                assert record[header][1] in "=+-@"
                record[header] = record[header][1:]
        parsed.append(record)
    assert_same(parsed, expected_rows(db, world["plan"].id))
    assert next(r for r in rows if r[3] == "'=1+1 Lager")  # guarded, not dropped


def test_money_columns_in_the_csv_are_exact_strings(db, world):
    data, _, _ = export(db, world, "csv")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))
    index = HEADERS.index("Gesamt netto")
    by_net = {row[index] for row in rows[1:]}
    # 1.5 × 0.33 = 0.495 → 0,50; 0.5 × 0.01 = 0.005 → 0,01; 1000.001 × 0.33 = 330.00033 → 330,00
    assert {"0,50", "0,01", "330,00"} <= by_net
    assert rows[1][HEADERS.index("Menge")].count(",") == 1


def test_member_totals_add_up_to_the_lot_totals_of_the_plan_and_the_workbook_sums(db, world):
    data, totals, _ = export(db, world, "xlsx")
    plan = world["plan"]
    per_lot: dict[str, Decimal] = defaultdict(Decimal)
    per_member: dict[str, Decimal] = defaultdict(Decimal)
    wb = load_workbook(io.BytesIO(data))
    summary = list(wb["Summen"].iter_rows(values_only=True))
    assert summary[0] == ("Mitglied", "AGS", "Los", "Los-Titel", "Zeilen", "Gesamt netto", "USt", "Gesamt brutto")
    body = [r for r in summary[1:] if r[0] not in (None, "Summe")]
    for _member, ags, lot, _title, _count, net, vat, gross in body:
        per_lot[lot] += number(net)
        per_member[ags] += number(net)
        assert number(net) + number(vat) == number(gross)
    lots = {lot.number: lot.annual_value for lot in db.scalars(select(Lot).where(Lot.plan_id == plan.id))}
    assert dict(per_lot) == lots
    assert sum(per_member.values()) == plan.annual_total == totals.net
    total_row = next(r for r in summary if r[0] == "Summe")
    assert number(total_row[5]) == totals.net and number(total_row[7]) == totals.gross
    # The summary equals the detail sums to the cent.
    detail = sheet_dicts([list(r) for r in wb["Kostenaufteilung"].iter_rows(values_only=True)])
    sums: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for row in detail:
        s = sums[(row["AGS"], row["Los"])]
        for i, header in enumerate(("Gesamt netto", "USt", "Gesamt brutto")):
            s[i] += number(row[header])
    assert {(r[1], r[2]): [number(r[5]), number(r[6]), number(r[7])] for r in body} == dict(sums)
    info = dict(r[:2] for r in wb["Info"].iter_rows(values_only=True) if r[0])
    assert info["Zeilen (Detail)"] == 10
    assert number(info["Summe Gesamt netto"]) == plan.annual_total
    assert number(info["Abweichung zum Losplan"]) == 0
    assert info["Preisbasis"] == "Schätzpreis" and info["Bedarfsabfrage"] == "2027"
    assert info["Erstellt am (deutsche Zeit)"] == NOW.astimezone(BERLIN).replace(tzinfo=None)


def test_a_tender_export_carries_the_vergabenummer_and_adds_up_to_the_tender_lots(db, world):
    from einkauf.tenders.services import freeze_tender

    publish = date(2027, 2, 1)
    tender = freeze_tender(db, "test", world["round"].id, publication_date=publish, acknowledge_warnings=True,
                           submission_deadline=datetime.combine(publish + timedelta(days=40),
                                                                datetime.min.time().replace(hour=12), BERLIN),
                           now=NOW)
    prepared = prepare_tender_export(db, tender.reference, now=NOW)
    out = io.BytesIO()
    totals = write_export(db, prepared, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue()[3:].decode("utf-8"), newline=""), delimiter=";"))
    assert {r["Vergabenummer"] for r in rows} == {tender.reference}
    per_lot: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        per_lot[r["Los"]] += Decimal(r["Gesamt netto"].replace(",", "."))
    assert per_lot == {tl.number: tl.lot.annual_value for tl in tender.lots}
    assert totals.net == tender.plan.annual_total
    assert prepared.file_name("csv") == f"Kostenaufteilung_{tender.reference.replace('-', '-')}.csv"


def test_a_member_export_holds_only_that_members_rows(db, world):
    member = world["members"]["b"]
    data, totals, prepared = export(db, world, "xlsx", member_id=member.id)
    rows = sheet_dicts(
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Kostenaufteilung").to_python()
    )
    assert {r["AGS"] for r in rows} == {member.ags}
    assert_same(rows, expected_rows(db, world["plan"].id, member_id=member.id))
    assert prepared.info.plan_net_total == totals.net
    assert prepared.file_name("xlsx") == f"Kostenaufteilung_2027_{member.ags}.xlsx"
    csv_data, _, _ = export(db, world, "csv", member_id=member.id)
    assert world["members"]["a"].ags.encode() not in csv_data and b"Ahaus" not in csv_data


def test_a_member_without_demand_gets_an_empty_but_valid_export(db, world):
    data, totals, _ = export(db, world, "xlsx", member_id=world["members"]["draft"].id)
    assert totals.rows == 0
    wb = load_workbook(io.BytesIO(data))
    assert [c.value for c in wb["Kostenaufteilung"][1]] == HEADERS
    assert wb["Kostenaufteilung"].max_row <= 2


def test_rows_beyond_a_sheet_continue_on_further_sheets_and_nothing_is_cut_off(db, world):
    data, totals, _ = export(db, world, "xlsx", rows_per_sheet=3)
    wb = load_workbook(io.BytesIO(data))
    # 10 rows on four sheets; the 6 member × lot sums overflow as well.
    assert wb.sheetnames == ["Kostenaufteilung", "Kostenaufteilung 2", "Kostenaufteilung 3", "Kostenaufteilung 4",
                             "Summen", "Summen 2", "Info"]
    collected = []
    for name in wb.sheetnames[:4]:
        rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
        assert rows[0] == HEADERS
        collected += sheet_dicts(rows)
        assert len(wb[name].tables) == 1
    assert totals.sheets == 4
    assert_same(collected, expected_rows(db, world["plan"].id))


def test_awarded_prices_are_refused_while_nothing_is_awarded(db, world):
    with pytest.raises(NoAwards, match="noch keine Zuschläge"):
        prepare_round_export(db, world["round"].id, prices="awarded")


def test_rounds_that_are_open_or_have_no_plan_cannot_be_exported(db, make_round):
    with pytest.raises(InvalidState, match="nicht geschlossen"):
        prepare_round_export(db, make_round(opened=True).id)
    with pytest.raises(InvalidState, match="noch keine Lose"):
        prepare_round_export(db, make_round(closed=True).id)
    with pytest.raises(NotFound):
        prepare_round_export(db, 999999)
