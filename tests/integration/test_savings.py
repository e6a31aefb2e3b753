"""The savings report (issue 14 part 4, R22): estimated vs awarded annual values to the cent per
lot, category and member; a cancelled lot listed apart and not counted; the price development
against the previous round; the xlsx export with the same figures; the demo's positive saving."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from einkauf.bids.award import award_lot, cancel_lot
from einkauf.contracts.savings import cooperative_saving, report_sheets, rounds_with_awards, savings_report
from einkauf.exports.savings_xlsx import write_savings_xlsx
from einkauf.lots.models import LotPosition
from einkauf.rounds.models import Round

from bids_support import FULL, create_bid_tender
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of

# Lot 1 at reference prices: Essen 100.5 × 4.99 = 501.495 → 501.50, 3.333 × 9.50 = 31.6635 → 31.66;
# Bochum 101.5 × 4.99 = 506.485 → 506.49, 31.66. At the awarded prices (FULL): Essen 236.18 + 23.74,
# Bochum 238.53 + 23.74 (the contract pages' figures).
ESSEN = (Decimal("533.16"), Decimal("259.92"))
BOCHUM = (Decimal("538.15"), Decimal("262.27"))


def _awarded(db, tender, make_user):
    ids = open_bids_of(db, tender, make_user, (("Papier Müller GmbH", FULL), ("Büro Schulz KG", DEARER)))
    award_lot(db, "test", tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    cancel_lot(db, "test", tender.id, "2", "Alle Angebote liegen über dem Budget.")
    return ids


def test_estimated_and_awarded_values_per_lot_member_and_category_to_the_cent(db, bid_tender, make_user):
    _awarded(db, bid_tender, make_user)
    report = savings_report(db, bid_tender.round_id)
    [lot] = report.lots
    assert (lot.detail, lot.estimated, lot.awarded) == (bid_tender.reference, ESSEN[0] + BOCHUM[0],
                                                        ESSEN[1] + BOCHUM[1])
    assert (lot.estimated, lot.awarded, lot.saving, lot.pct) == (
        Decimal("1071.31"), Decimal("522.19"), Decimal("549.12"), Decimal("51.26"))
    assert report.total == lot.__class__("Gesamt", lot.estimated, lot.awarded)
    assert [(m.label, m.estimated, m.awarded) for m in report.members] == [
        ("Bochum BID", *BOCHUM), ("Essen BID", *ESSEN)]
    assert [(c.label, c.estimated, c.awarded) for c in report.categories] == [
        ("Papier BID", Decimal("1071.31"), Decimal("522.19"))]
    # The cancelled lot (T-1: Essen 1 × 40, Bochum 2 × 40) is listed apart and not counted.
    [cancelled] = report.not_counted
    assert (cancelled.number, cancelled.outcome, cancelled.estimated) == ("2", "cancelled", Decimal("120.00"))
    assert cancelled.reason == "Alle Angebote liegen über dem Budget."
    # One member's report holds only its own figures.
    essen = savings_report(db, bid_tender.round_id, member_id=cities_of(db)["Essen"].id)
    assert (essen.total.estimated, essen.total.awarded) == ESSEN
    assert [m.label for m in essen.members] == ["Essen BID"]
    assert essen.not_counted[0].estimated == Decimal("40.00")


def test_nothing_counts_before_an_award(db, bid_tender, make_user):
    open_bids_of(db, bid_tender, make_user, (("Papier Müller GmbH", FULL),))
    report = savings_report(db, bid_tender.round_id)
    assert not report.has_awards and report.total.saving == 0 and report.total.pct is None
    assert [lot.outcome for lot in report.not_counted] == ["open", "open"]


def test_price_development_against_the_previous_rounds_awarded_price(db, bid_tender, make_user):
    earlier = create_bid_tender(db, code="ALTE")
    db.get(Round, earlier.round_id).opens_on = date(2025, 9, 1)
    # The same articles: the positions' snapshot of the product number as in the later round.
    for position in db.scalars(select(LotPosition).where(LotPosition.plan_id == earlier.plan_id)):
        position.product_number = position.product_number.removeprefix("ALTE-")
    db.flush()
    ids = open_bids_of(db, earlier, make_user, (("Schulz Vorjahr KG", DEARER),))
    award_lot(db, "test", earlier.id, "1", ids["Schulz Vorjahr KG"])
    _awarded(db, bid_tender, make_user)
    prices = {p.product_number: p for p in savings_report(db, bid_tender.round_id).prices}
    assert set(prices) == {"P-1", "P-2"}
    p1 = prices["P-1"]
    assert (p1.price, p1.previous_price, p1.previous_round) == (Decimal("2.3500"), Decimal("4.8765"), "ALTE")
    assert p1.change == Decimal("-2.5265") and p1.pct == Decimal("-51.81")
    # The earlier round itself has no round before it.
    assert all(p.previous_price is None for p in savings_report(db, earlier.round_id).prices)


def test_the_xlsx_export_holds_the_same_figures(db, bid_tender, make_user):
    _awarded(db, bid_tender, make_user)
    report = savings_report(db, bid_tender.round_id)
    workbook = load_workbook(io.BytesIO(write_savings_xlsx(report_sheets(report))))
    assert workbook.sheetnames == ["Übersicht", "Lose", "Warengruppen", "Mitglieder", "Preisentwicklung"]
    assert all(ws.freeze_panes == "A2" for ws in workbook)
    lots = list(workbook["Lose"].iter_rows(min_row=2, values_only=True))
    assert lots == [(bid_tender.reference, "1 " + report.lots[0].label.split(" ", 1)[1], 1071.31, 522.19, 549.12,
                     51.26)]
    members = {row[0]: row[1:] for row in workbook["Mitglieder"].iter_rows(min_row=2, values_only=True)}
    assert members["Essen BID"][:2] == (533.16, 259.92)
    overview = list(workbook["Übersicht"].iter_rows(values_only=True))
    assert ("Gesamt", None, 1071.31, 522.19, 549.12, 51.26) in overview
    assert any(row[0].startswith("Nicht gezählt: aufgehoben") and row[2] == 120 for row in overview)


def test_the_demo_tender_of_2025_saves_money(db):
    from einkauf.demo.services import load_demo

    load_demo(db, "xyz12345", now=datetime(2026, 11, 23, 10, 30, tzinfo=UTC))
    round_id = db.scalar(select(Round.id).where(Round.code == "2025"))
    report = savings_report(db, round_id)
    assert report.tenders[0].label == "EK-2025-01"
    assert report.total.saving > 0 and report.total.pct is not None and report.total.pct > 0
    assert report.total.saving == sum((lot.saving for lot in report.lots), Decimal(0))
    assert report.total.awarded == sum((m.awarded for m in report.members), Decimal(0))


def _two_awarded_rounds(db, bid_tender, make_user):
    earlier = create_bid_tender(db, code="ALTE")
    db.get(Round, earlier.round_id).opens_on = date(2025, 9, 1)
    for position in db.scalars(select(LotPosition).where(LotPosition.plan_id == earlier.plan_id)):
        position.product_number = position.product_number.removeprefix("ALTE-")
    db.flush()
    ids = open_bids_of(db, earlier, make_user, (("Schulz Vorjahr KG", DEARER),))
    award_lot(db, "test", earlier.id, "1", ids["Schulz Vorjahr KG"])
    _awarded(db, bid_tender, make_user)
    return earlier


def test_the_cooperative_saving_adds_up_every_awarded_round(db, bid_tender, make_user):
    assert cooperative_saving(db) is None
    earlier = _two_awarded_rounds(db, bid_tender, make_user)
    later_report, earlier_report = savings_report(db, bid_tender.round_id), savings_report(db, earlier.round_id)
    saving = cooperative_saving(db)
    assert saving is not None
    # Newest round first, each with the figures of its own savings report, and their sum.
    assert [(round_id, f.label, f.estimated, f.awarded) for round_id, f in saving.rounds] == [
        (bid_tender.round_id, later_report.round_code, later_report.total.estimated, later_report.total.awarded),
        (earlier.round_id, "ALTE", earlier_report.total.estimated, earlier_report.total.awarded)]
    assert saving.total.estimated == later_report.total.estimated + earlier_report.total.estimated
    assert saving.total.saving == later_report.total.saving + earlier_report.total.saving
    assert rounds_with_awards(db) == [(bid_tender.round_id, later_report.round_code), (earlier.round_id, "ALTE")]
