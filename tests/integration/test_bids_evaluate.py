"""The evaluation of stored bids (issue 13, parts 4 and 5): sealed before the opening, then the
lot totals exactly as R16 computes them from the frozen quantities, the ranking, the
`einkauf tender evaluate` and `einkauf export price-matrix` commands."""
from __future__ import annotations

import io
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from einkauf import clock
from einkauf.bids import services
from einkauf.bids.evaluate import evaluate_bids
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.errors import InvalidState
from einkauf.lots.models import Lot, LotPosition

from bids_support import AFTER, BEFORE, FULL, create_bid_tender, fill, price_sheet_of, two_coordinators

CHEAPER = FULL  # 2,35 / 7,1234 / 39,90
DEARER = {"1|P-1": Decimal("2.50"), "1|P-2": Decimal("6.00"), "2|T-1": Decimal("45.00")}


def _bid_and_open(db, tender, make_user=None, users=None):
    base = price_sheet_of(db, tender)
    with clock.fixed(BEFORE):
        for name, prices in (("Papier Müller GmbH", CHEAPER), ("Büro Schulz KG", DEARER)):
            bidder = services.create_bidder(db, "test", name=name)
            services.import_bid(db, "test", tender.id, bidder.id, fill(base, prices), received_at=BEFORE)
    first, second = users or (make_user("coordinator"), make_user("coordinator"))
    with clock.fixed(AFTER):
        services.open_bids(db, first, second, tender.id)


def _expected_totals(db, tender, prices: dict[str, Decimal]) -> dict[str, Decimal]:
    """Σ over the lot's positions of (frozen estimated quantity × unit price), half-up to cents per position."""
    totals: dict[str, Decimal] = {}
    for number, product_number, quantity in db.execute(
            select(Lot.number, LotPosition.product_number, LotPosition.estimated_quantity)
            .join(Lot, Lot.id == LotPosition.lot_id).where(LotPosition.plan_id == tender.plan_id)):
        line = (quantity * prices[f"{number}|{product_number}"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        totals[number] = totals.get(number, Decimal("0.00")) + line
    return totals


def test_nothing_is_evaluated_before_the_opening(db, bid_tender):
    base = price_sheet_of(db, bid_tender)
    with clock.fixed(BEFORE):
        bidder = services.create_bidder(db, "test", name="Papier Müller GmbH")
        services.import_bid(db, "test", bid_tender.id, bidder.id, fill(base, CHEAPER), received_at=BEFORE)
        with pytest.raises(InvalidState, match="noch nicht geöffnet"):
            evaluate_bids(db, bid_tender.id)


def test_after_the_opening_the_lot_totals_are_exact_and_the_cheaper_bid_ranks_first(db, bid_tender, make_user):
    _bid_and_open(db, bid_tender, make_user)
    _tender, evaluation = evaluate_bids(db, bid_tender.id)
    cheaper, dearer = _expected_totals(db, bid_tender, CHEAPER), _expected_totals(db, bid_tender, DEARER)
    assert [lot.lot.number for lot in evaluation.lots] == ["1", "2"]
    for lot in evaluation.lots:
        totals = {bid.bidder: bid.total for bid in lot.bids}
        assert totals == {"Papier Müller GmbH": cheaper[lot.lot.number], "Büro Schulz KG": dearer[lot.lot.number]}
        assert lot.first is not None and lot.first.bidder == "Papier Müller GmbH"
        assert [bid.rank for bid in lot.ranking] == [1, 2]
    # The estimate is the one frozen with the tender (the Vergabevermerk's figure, R22).
    frozen = {tl.number: tl.estimated_value for tl in bid_tender.lots}
    assert {lot.lot.number: lot.estimated_value for lot in evaluation.lots} == frozen


@pytest.fixture
def cli_world(cli_database):
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        users = two_coordinators(session)
        _bid_and_open(session, tender, users=users)
        expected = _expected_totals(session, tender, CHEAPER)
        reference = tender.reference
    return reference, expected


def _run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_tender_evaluate_prints_the_ranking_and_json_keeps_amounts_as_strings(cli_world):
    reference, expected = cli_world
    text = _run("tender", "evaluate", reference)
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"Auswertung {reference}")
    first = next(line for line in lines if line.startswith("  1. "))
    assert "Papier Müller GmbH" in first and "Losgesamtsumme" in first
    as_json = _run("tender", "evaluate", reference, "--json")
    data = json.loads(as_json.stdout)
    lot = data["lots"][0]
    assert lot["bids"][0]["bidder"] == "Papier Müller GmbH" and lot["bids"][0]["rank"] == 1
    assert lot["bids"][0]["total"] == f"{expected['1']:f}"


def test_export_price_matrix_writes_a_workbook_with_a_summary_and_a_sheet_per_lot(cli_world, tmp_path):
    reference, expected = cli_world
    target = tmp_path / "preisspiegel.xlsx"
    result = _run("export", "price-matrix", reference, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    book = load_workbook(io.BytesIO(target.read_bytes()))
    assert len(book.sheetnames) == 3 and book.sheetnames[1:] == ["Los 1", "Los 2"]
    numbers = [cell for row in book["Los 1"].iter_rows(values_only=True) for cell in row
               if isinstance(cell, (int, float, Decimal))]
    assert float(expected["1"]) in [float(n) for n in numbers]


def test_the_commands_refuse_before_the_opening_with_one_german_line(cli_database):
    with session_scope(cli_database) as session:
        reference = create_bid_tender(session).reference
    result = CliRunner().invoke(main, ["tender", "evaluate", reference])
    assert result.exit_code == 1 and "noch nicht geöffnet" in result.stderr
