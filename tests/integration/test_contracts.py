"""A member's contracts after the award (issue 13 part 8, issue 14 part 2; R15, R20, R22): the
awarded prices × the member's quantities to the cent, the members' shares against the awarded
lot total, cancelled lots with their reason, nothing before the decision and nothing of the
other bids."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import literal, select

from einkauf.bids.award import award_lot, cancel_lot
from einkauf.bids.evaluate import evaluate_bids
from einkauf.contracts.queries import awarded_row_cents, member_contracts
from einkauf.contracts.values import split_over_positions
from einkauf.db import ScaledDecimal
from einkauf.errors import NotFound
from einkauf.lots.values import rounding_bound
from einkauf.money import line_value

from bids_support import FULL
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of


def _tendered(db, tender, make_user):
    return open_bids_of(db, tender, make_user, (("Papier Müller GmbH", FULL), ("Büro Schulz KG", DEARER)))


def test_nothing_is_shown_before_the_award_decision(db, bid_tender, make_user):
    _tendered(db, bid_tender, make_user)
    essen = cities_of(db)["Essen"]
    assert member_contracts(db, essen.id) == []


def test_awarded_prices_times_the_members_quantities_to_the_cent(db, bid_tender, make_user):
    ids = _tendered(db, bid_tender, make_user)
    award = award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    members = cities_of(db)
    [tender] = member_contracts(db, members["Essen"].id)
    assert (tender.reference, tender.contract_term_months, tender.extension_months) == (bid_tender.reference, 24, 24)
    awarded, undecided = tender.lots
    assert (undecided.number, undecided.outcome, undecided.positions) == ("2", "open", ())
    assert awarded.outcome == "awarded" and awarded.supplier is not None
    assert (awarded.supplier.name, awarded.supplier.email) == ("Papier Müller GmbH", "angebote@example.org")
    assert awarded.supplier.address == "Hauptstr. 1\n44135 Dortmund"
    p1, p2 = awarded.positions
    # Essen: 100.5 × 2.35 = 236.175 → 236.18 (half-up); 3.333 × 7.1234 = 23.742292… → 23.74.
    assert (p1.product_number, p1.unit_price, p1.annual_quantity, p1.annual_value) == (
        "P-1", Decimal("2.3500"), Decimal("100.500"), Decimal("236.18"))
    assert (p2.product_number, p2.unit_price, p2.annual_quantity, p2.annual_value) == (
        "P-2", Decimal("7.1234"), Decimal("3.333"), Decimal("23.74"))
    # Over 24 + 24 months = 4 years: quantities × 4, maxima with 20 % rounded up, values × 4.
    assert (p1.estimated_quantity, p1.maximum_quantity, p1.position_maximum_quantity) == (
        Decimal("402.000"), Decimal("483"), Decimal("970"))
    assert (p1.term_value, p2.term_value) == (Decimal("944.72"), Decimal("94.96"))
    assert (awarded.annual_value, awarded.term_value) == (Decimal("259.92"), Decimal("1039.68"))
    assert DEARER["1|P-1"] not in {p.unit_price for p in awarded.positions}
    # Bochum's rows: 101.5 × 2.35 = 238.525 → 238.53.
    [bochum] = member_contracts(db, members["Bochum"].id)
    assert bochum.lots[0].positions[0].annual_value == Decimal("238.53")
    assert bochum.lots[0].annual_value == Decimal("262.27")
    # R22: the members' term shares add up to the lot's annual value × years; the awarded lot total
    # (R16: rounded once per position) differs from it by the rounding difference shown beside it.
    money = awarded.money
    assert money is not None and money.term_value == award.lot_total == Decimal("2088.74")
    assert money.annual_value == Decimal("259.92") + Decimal("262.27")
    assert awarded.term_value + bochum.lots[0].term_value == money.annual_term_value == Decimal("2088.76")
    assert money.rounding_difference == Decimal("-0.02")
    assert abs(money.rounding_difference) <= rounding_bound(positions=2, rows=4, term_months_total=48)
    _tender, evaluation = evaluate_bids(db, bid_tender.id)
    assert evaluation.lots[0].first.total == award.lot_total


def test_a_cancelled_lot_is_listed_with_its_reason(db, bid_tender, make_user):
    _tendered(db, bid_tender, make_user)
    cancel_lot(db, "test", bid_tender.id, "2", "Alle Angebote liegen über dem Budget.")
    [tender] = member_contracts(db, cities_of(db)["Bochum"].id)
    undecided, cancelled = tender.lots
    assert undecided.outcome == "open"
    assert (cancelled.outcome, cancelled.reason, cancelled.supplier, cancelled.positions) == (
        "cancelled", "Alle Angebote liegen über dem Budget.", None, ())


def test_a_member_sees_only_the_lots_it_takes_part_in(db, bid_tender, make_user, make_member):
    ids = _tendered(db, bid_tender, make_user)
    award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    outsider = make_member(name="Außenstadt")
    assert member_contracts(db, outsider.id) == []
    with pytest.raises(NotFound):
        member_contracts(db, 999999)


@pytest.mark.parametrize(("quantity", "price"), [
    ("100.5", "2.35"), ("101.5", "2.35"), ("3.333", "7.1234"), ("0.001", "0.0050"), ("0.001", "0.0049"),
    ("1.5", "0.0033"), ("999999999.999", "9000000.9999"), ("123456.789", "9876.5432"), ("0", "5"),
])
def test_the_row_rule_in_sql_is_quantity_times_price_half_up_once(db, quantity, price):
    """Exact also where quantity × price in 1/10,000,000 € would not fit 64 bits (the cents do)."""
    q, p = Decimal(quantity), Decimal(price)
    thousandths, units = int(q.scaleb(3)), int(p.scaleb(4))
    cents = db.scalar(select(awarded_row_cents(literal(thousandths), literal(units))))
    assert Decimal(cents).scaleb(-2) == line_value(q, p)
    assert ScaledDecimal(3).process_bind_param(q, None) == thousandths


def test_a_term_share_split_over_positions_adds_up():
    parts = split_over_positions(Decimal("100.01"), {1: Decimal("33.33"), 2: Decimal("33.33"), 3: Decimal("0.01")})
    assert sum(parts.values()) == Decimal("100.01")
    assert split_over_positions(Decimal("1039.68"), {1: Decimal("236.18"), 2: Decimal("23.74")}) == {
        1: Decimal("944.72"), 2: Decimal("94.96")}


def test_a_position_without_a_price_in_the_awarded_bid_is_marked_and_left_out_of_every_value(db, bid_tender,
                                                                                           make_user):
    from einkauf.bids.models import BidLot
    from einkauf.bids.services import decide_bid_lot

    gap = {"1|P-1": Decimal("2.35"), "2|T-1": Decimal("39.90")}  # no price for P-2
    ids = open_bids_of(db, bid_tender, make_user, (("Papier Müller GmbH", gap),))
    bid_lot = db.scalars(select(BidLot).where(BidLot.bid_id == ids["Papier Müller GmbH"],
                                              BidLot.lot_number == "1")).one()
    decide_bid_lot(db, "test", bid_tender.id, bid_lot.bid_id, bid_lot.id, decision="admitted",
                   gap_reason="Artikel P-2 wird kaum abgerufen.", expected_version=bid_lot.version)
    award = award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    [tender] = member_contracts(db, cities_of(db)["Essen"].id)
    lot = tender.lots[0]
    p1, p2 = lot.positions
    assert (p2.product_number, p2.unit_price, p2.annual_value, p2.term_value) == ("P-2", None, None, None)
    assert p2.annual_quantity == Decimal("3.333") and lot.unpriced == (p2,)
    assert (lot.annual_value, lot.term_value) == (p1.annual_value, p1.term_value) == (Decimal("236.18"),
                                                                                      Decimal("944.72"))
    # The lot total has P-2 at 0 (R16, gap accepted); the members' rows likewise leave it out.
    assert lot.money is not None and lot.money.term_value == award.lot_total == Decimal("1898.80")
    assert lot.money.annual_term_value == (Decimal("236.18") + Decimal("238.53")) * 4
    assert lot.money.rounding_difference == Decimal("-0.04")


def test_a_cancelled_tender_shows_no_contracts(db, bid_tender, make_user):
    from einkauf.tenders.services import cancel_tender

    ids = _tendered(db, bid_tender, make_user)
    award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    essen = cities_of(db)["Essen"]
    assert len(member_contracts(db, essen.id)) == 1
    cancel_tender(db, "test", bid_tender.id, "Wesentliche Änderung der Grundlagen des Verfahrens.")
    assert member_contracts(db, essen.id) == []
