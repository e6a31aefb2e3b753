"""Frameworks of awarded lots and the suppliers' sales reports (issue 15 parts 1 and 2), on SQLite
and PostgreSQL: creating them, deciding options in order, the state around the three-month
boundary, importing a month, importing it again, off-contract articles, and refusals that store
nothing."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.calloffs.frameworks import (
    FrameworkState,
    decide_option,
    end_of,
    ensure_frameworks,
    framework_positions,
    framework_rows,
    set_customer_number,
    state_of,
)
from einkauf.calloffs.models import CallOff, CustomerNumber, SalesReport
from einkauf.calloffs.reports import SalesReportRefused, import_sales_report, parse_period
from einkauf.errors import InvalidField, InvalidState, StaleVersion

from calloffs_support import START, SUPPLIER, award_both_lots, csv_bytes, frameworks_of, members, xlsx_bytes

MARCH = date(2027, 6, 1)


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_one_framework_per_awarded_lot_with_term_and_options(db, bid_tender, make_user):
    frameworks = frameworks_of(db, bid_tender, make_user)
    assert sorted(frameworks) == ["1", "2"]
    lot1 = frameworks["1"]
    # 24 months from 1 May 2027 → 30 April 2029; 24 extension months → two options of a year.
    assert (lot1.starts_on, lot1.base_ends_on) == (START, date(2029, 4, 30))
    assert [(o.number, o.months, o.exercised) for o in lot1.options] == [(1, 12, None), (2, 12, None)]
    positions = framework_positions(db, lot1)
    assert [(p.product_number, p.unit_price) for p in positions] == [("P-1", Decimal("2.3500")),
                                                                     ("P-2", Decimal("7.1234"))]
    # Essen 100.5 + Bochum 101.5 a year × 4 years; the maximum with 20 % rounded up (R5).
    assert positions[0].estimated_quantity == Decimal("808.000") and positions[0].maximum_quantity == Decimal("970")
    # Idempotent: nothing new the second time.
    assert ensure_frameworks(db, "test", bid_tender.id, starts_on=START) == []
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "framework.create")) == 2


def test_the_start_defaults_to_the_day_after_the_contract_date_else_it_is_required(db, bid_tender, make_user):
    award_both_lots(db, bid_tender, make_user)
    with pytest.raises(InvalidField) as refused:
        ensure_frameworks(db, "test", bid_tender.id)
    assert refused.value.field == "starts_on" and "Vertragsschluss" in refused.value.message
    for lot in bid_tender.lots:
        from einkauf.bids.models import LotAward

        award = db.scalar(select(LotAward).where(LotAward.tender_lot_id == lot.id))
        award.contract_date = date(2027, 4, 14)
    db.flush()
    created = ensure_frameworks(db, "test", bid_tender.id)
    assert {f.starts_on for f in created} == {date(2027, 4, 15)}


def test_a_tender_without_an_awarded_lot_has_no_frameworks(db, bid_tender):
    with pytest.raises(InvalidState):
        ensure_frameworks(db, "test", bid_tender.id, starts_on=START)


def test_state_around_the_three_month_boundary_and_options_in_order(db, bid_tender, make_user):
    framework = frameworks_of(db, bid_tender, make_user)["1"]
    assert state_of(framework, date(2027, 4, 30)) == FrameworkState.NOT_STARTED
    assert state_of(framework, START) == FrameworkState.RUNNING
    # The base term ends on 30 April 2029: due from 30 January 2029 (three months before) on.
    assert state_of(framework, date(2029, 1, 29)) == FrameworkState.RUNNING
    assert state_of(framework, date(2029, 1, 30)) == FrameworkState.OPTION_DUE
    assert state_of(framework, date(2029, 4, 30)) == FrameworkState.OPTION_DUE
    assert state_of(framework, date(2029, 5, 1)) == FrameworkState.ENDED

    with pytest.raises(InvalidState, match="der Reihe nach"):
        decide_option(db, "test", framework.id, 2, exercised=True, decided_on=date(2029, 2, 1), expected_version=1)
    with pytest.raises(StaleVersion):
        decide_option(db, "test", framework.id, 1, exercised=True, decided_on=date(2029, 2, 1), expected_version=7)
    decide_option(db, "test", framework.id, 1, exercised=True, decided_on=date(2029, 2, 1), note="Preise gut",
                  expected_version=1)
    assert end_of(framework) == date(2030, 4, 30)
    assert state_of(framework, date(2029, 5, 1)) == FrameworkState.RUNNING
    assert state_of(framework, date(2030, 1, 30)) == FrameworkState.OPTION_DUE
    with pytest.raises(InvalidState, match="bereits"):
        decide_option(db, "test", framework.id, 1, exercised=False, decided_on=date(2029, 2, 2), expected_version=2)
    decide_option(db, "test", framework.id, 2, exercised=False, decided_on=date(2030, 2, 1), expected_version=1)
    assert end_of(framework) == date(2030, 4, 30)
    # All options decided: nothing is due any more, the framework ends with the current end.
    assert state_of(framework, date(2030, 4, 1)) == FrameworkState.RUNNING
    assert state_of(framework, date(2030, 5, 1)) == FrameworkState.ENDED
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "framework.option")).all()
    assert len(events) == 2 and events[0].after["ends_on"] == "2030-04-30"


def test_a_declined_option_lets_the_later_ones_lapse(db, bid_tender, make_user):
    framework = frameworks_of(db, bid_tender, make_user)["2"]
    decide_option(db, "test", framework.id, 1, exercised=False, decided_on=date(2029, 2, 1), expected_version=1)
    with pytest.raises(InvalidState, match="entfallen"):
        decide_option(db, "test", framework.id, 2, exercised=True, decided_on=date(2029, 2, 1), expected_version=1)
    assert state_of(framework, date(2029, 3, 1)) == FrameworkState.RUNNING


def test_the_list_puts_the_frameworks_needing_action_first(db, bid_tender, make_user):
    frameworks = frameworks_of(db, bid_tender, make_user)
    decide_option(db, "test", frameworks["2"].id, 1, exercised=True, decided_on=date(2029, 1, 5), expected_version=1)
    rows = framework_rows(db, date(2029, 2, 1))
    assert [(r.lot_number, r.state_label) for r in rows] == [("1", "Option fällig"), ("2", "läuft")]
    assert rows[0].supplier == SUPPLIER


def _rows(cities, *extra):
    essen, bochum = cities["Essen"].ags, cities["Bochum"].ags
    return [[essen, "P-1", "Kopierpapier A4", "10", "23,50", "", "Rathaus", "03.06.2027"],
            [bochum, "P-2", "", "2,5", "17,81", "", "", "2027-06-04"],
            [essen, "X-99", "Locher (Sonderartikel)", "1", "12,00", "", "", ""],
            *extra]


def test_import_stores_rows_off_contract_kept_and_reimport_replaces(db, bid_tender, make_user):
    framework = frameworks_of(db, bid_tender, make_user)["1"]
    cities = members(db)
    data = csv_bytes(_rows(cities))
    outcome = import_sales_report(db, "test", framework.id, MARCH, data, file_name="juni.csv")
    assert (outcome.rows, outcome.off_contract_rows, outcome.net_total, outcome.replaced_rows) == (
        3, 1, Decimal("53.31"), None)
    assert outcome.format.describe() == "CSV, UTF-8, Trennzeichen Semikolon, Dezimalkomma"
    report = db.scalar(select(SalesReport))
    assert (report.encoding, report.delimiter, report.decimal_mark, report.file_format) == ("utf-8", ";", ",", "csv")
    stored = db.scalars(select(CallOff).order_by(CallOff.row_number)).all()
    assert [(c.article_number, c.quantity, c.net_amount, c.position_id is None) for c in stored] == [
        ("P-1", Decimal("10.000"), Decimal("23.50"), False), ("P-2", Decimal("2.500"), Decimal("17.81"), False),
        ("X-99", Decimal("1.000"), Decimal("12.00"), True)]
    assert stored[0].member_id == cities["Essen"].id and stored[0].order_date == date(2027, 6, 3)
    assert stored[1].order_date == date(2027, 6, 4) and stored[0].delivery_site == "Rathaus"

    # The same file again: the same rows, not twice as many (idempotent), and audited.
    again = import_sales_report(db, "test", framework.id, MARCH, data, file_name="juni.csv")
    assert again.replaced_rows == 3 and _count(db, CallOff) == 3 and _count(db, SalesReport) == 1
    # A corrected file replaces the period.
    import_sales_report(db, "test", framework.id, MARCH, csv_bytes(_rows(cities)[:1]), file_name="juni2.csv")
    assert _count(db, CallOff) == 1
    assert db.scalar(select(SalesReport.rows)) == 1
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "sales_report.import")
                        .order_by(AuditEvent.id)).all()
    assert len(events) == 3
    assert events[2].before["rows"] == 3 and events[2].after["rows"] == 1
    # Another month is another report.
    import_sales_report(db, "test", framework.id, date(2027, 7, 1), data)
    assert _count(db, SalesReport) == 2 and _count(db, CallOff) == 4


def test_credit_notes_are_stored_negative_and_customer_numbers_resolve(db, bid_tender, make_user):
    framework = frameworks_of(db, bid_tender, make_user)["1"]
    cities = members(db)
    set_customer_number(db, "test", framework.bidder_id, "K-4711", cities["Bochum"].ags)
    rows = [["K-4711", "P-1", "", "-2", "-4,70", "ja", "", ""],
            [cities["Essen"].ags.lstrip("0"), "P-1", "", "3", "7,05", "x", "", ""]]
    import_sales_report(db, "test", framework.id, MARCH, csv_bytes(rows))
    stored = db.scalars(select(CallOff).order_by(CallOff.row_number)).all()
    assert [(c.member_id, c.quantity, c.net_amount, c.credit_note) for c in stored] == [
        (cities["Bochum"].id, Decimal("-2.000"), Decimal("-4.70"), True),
        (cities["Essen"].id, Decimal("-3.000"), Decimal("-7.05"), True)]
    assert db.scalar(select(SalesReport.net_total)) == Decimal("-11.75")
    assert _count(db, CustomerNumber) == 1


def test_refused_reports_store_nothing(db, bid_tender, make_user, make_member):
    framework = frameworks_of(db, bid_tender, make_user)["1"]
    cities = members(db)
    outsider = make_member(name="Hamm")
    rows = [["99999999", "P-1", "", "1", "2,35", "", "", ""],
            [outsider.ags, "P-1", "", "1", "2,35", "", "", ""],
            [cities["Essen"].ags, "P-1", "", "-1", "-2,35", "", "", ""],
            [cities["Essen"].ags, "P-2", "", "1", "7,12", "", "", ""],
            [cities["Essen"].ags, "P-2", "", "1", "7,12", "", "", ""]]
    with pytest.raises(SalesReportRefused) as refused:
        import_sales_report(db, "test", framework.id, MARCH, csv_bytes(rows))
    messages = [str(p) for p in refused.value.problems]
    assert any("Zeile 4" in m and "nicht als Gutschrift" in m for m in messages)
    assert any("Zeile 6" in m and "doppelt (gleich Zeile 5)" in m for m in messages)
    # Member problems follow once the rows themselves are fine.
    with pytest.raises(SalesReportRefused) as refused:
        import_sales_report(db, "test", framework.id, MARCH, csv_bytes(rows[:2]))
    messages = [str(p) for p in refused.value.problems]
    assert "Zeile 2, Spalte Mitglied: Unbekanntes Mitglied „99999999“" in messages[0]
    assert "Hamm" in messages[1] and "nicht beteiligt" in messages[1] and "(R6)" in messages[1]
    assert _count(db, SalesReport) == 0 and _count(db, CallOff) == 0


def test_a_month_outside_the_term_is_refused(db, bid_tender, make_user):
    framework = frameworks_of(db, bid_tender, make_user)["1"]
    with pytest.raises(InvalidField, match="außerhalb der Laufzeit"):
        import_sales_report(db, "test", framework.id, date(2027, 4, 1), csv_bytes([]))
    with pytest.raises(InvalidField):
        parse_period("2027-13")
    assert parse_period("2027-05") == date(2027, 5, 1)


def test_xlsx_reports_with_numbers_as_cells(db, bid_tender, make_user):
    framework = frameworks_of(db, bid_tender, make_user)["1"]
    cities = members(db)
    data = xlsx_bytes([[cities["Essen"].ags, "P-1", "A4", 10, 23.5, None, None, date(2027, 6, 3)],
                       [int(cities["Bochum"].ags), "P-2", None, 0.1 + 0.2, 2.14, "", "", "04.06.2027"]])
    outcome = import_sales_report(db, "test", framework.id, MARCH, data)
    assert outcome.format.file_format == "xlsx" and outcome.format.describe() == "Excel-Arbeitsmappe (.xlsx)"
    stored = db.scalars(select(CallOff).order_by(CallOff.row_number)).all()
    assert [(c.member_id, c.quantity, c.net_amount) for c in stored] == [
        (cities["Essen"].id, Decimal("10.000"), Decimal("23.50")),
        (cities["Bochum"].id, Decimal("0.300"), Decimal("2.14"))]
