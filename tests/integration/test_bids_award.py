"""The decision per lot (issue 13, part 7): award to the first-ranked valid bid, another bid only
with a reason, an abnormally low bid only with the clarification of § 60 VgV, cancellation with a
reason; one decision per lot, nothing before the opening; audited; `einkauf tender award`."""
from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf import clock
from einkauf.audit.models import AuditEvent
from einkauf.bids import services
from einkauf.bids.award import award_lot, cancel_lot
from einkauf.bids.evaluate import evaluate_bids
from einkauf.bids.models import AwardOutcome, LotAward
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.errors import InvalidField, InvalidState

from bids_support import AFTER, BEFORE, create_bid_tender, open_tender, submit_bids, two_coordinators

# Near the estimates (4,99 / 9,50 / 40,00): nothing abnormal about them.
GOOD = {"1|P-1": Decimal("4.50"), "1|P-2": Decimal("9.00"), "2|T-1": Decimal("39.90")}
# Dearer in lot 1; in lot 2 far below the next bid and the estimate (abnormally low, R18).
LOW = {"1|P-1": Decimal("4.80"), "1|P-2": Decimal("9.40"), "2|T-1": Decimal("10.00")}


def _bids(db, tender, tables=(("Papier Müller GmbH", GOOD), ("Büro Schulz KG", LOW))):
    return submit_bids(db, tender, tables)


def _open(db, tender, make_user):
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))


def test_no_decision_before_the_opening(db, bid_tender):
    ids = _bids(db, bid_tender)
    with clock.fixed(BEFORE), pytest.raises(InvalidState, match="noch nicht geöffnet"):
        award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"])
    assert db.scalar(select(func.count()).select_from(LotAward)) == 0


def test_the_first_ranked_bid_is_awarded_without_a_reason_and_the_decision_is_audited(db, bid_tender, make_user):
    ids = _bids(db, bid_tender)
    _open(db, bid_tender, make_user)
    _tender, evaluation = evaluate_bids(db, bid_tender.id)
    first = evaluation.lots[0].first
    assert first is not None and first.bid_id == ids["Papier Müller GmbH"]
    award = award_lot(db, "koordination", bid_tender.id, "1", first.bid_id)
    assert (award.outcome, award.bid_id, award.rank, award.lot_total) == (AwardOutcome.AWARDED, first.bid_id, 1,
                                                                          first.total)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "lot.award")).one()
    assert "Papier Müller GmbH" in event.summary and "Rang 1" in event.summary
    with pytest.raises(InvalidState, match="bereits entschieden"):
        award_lot(db, "koordination", bid_tender.id, "1", first.bid_id)


def test_another_bid_needs_a_reason(db, bid_tender, make_user):
    ids = _bids(db, bid_tender)
    _open(db, bid_tender, make_user)
    with pytest.raises(InvalidField) as refused:
        award_lot(db, "test", bid_tender.id, "1", ids["Büro Schulz KG"])
    assert refused.value.field == "reason"
    award = award_lot(db, "test", bid_tender.id, "1", ids["Büro Schulz KG"],
                      reason="Das erstplatzierte Angebot wurde nach Aufklärung zurückgezogen.")
    assert award.rank == 2


def test_an_abnormally_low_bid_needs_the_clarification(db, bid_tender, make_user):
    ids = _bids(db, bid_tender)
    _open(db, bid_tender, make_user)
    _tender, evaluation = evaluate_bids(db, bid_tender.id)
    low = next(bid for bid in evaluation.lots[1].bids if bid.bid_id == ids["Büro Schulz KG"])
    assert low.rank == 1 and low.abnormally_low
    with pytest.raises(InvalidField) as refused:
        award_lot(db, "test", bid_tender.id, "2", low.bid_id)
    assert refused.value.field == "clarification"
    award = award_lot(db, "test", bid_tender.id, "2", low.bid_id,
                      clarification="Restposten des Herstellers; Preisblatt und Lieferzusage liegen vor.")
    assert award.clarification.startswith("Restposten")


def test_an_invalid_bid_cannot_be_awarded_and_a_lot_is_cancelled_with_a_reason(db, bid_tender, make_user):
    ids = _bids(db, bid_tender, tables=(("Papier Müller GmbH", {"1|P-1": Decimal("2.35")}),))
    _open(db, bid_tender, make_user)
    with pytest.raises(InvalidField, match="kein wertbares Angebot"):
        award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"])  # P-2 has no price
    with pytest.raises(InvalidField):
        cancel_lot(db, "test", bid_tender.id, "2", "zu kurz")
    award = cancel_lot(db, "test", bid_tender.id, "2", "Kein wertbares Angebot eingegangen.")
    assert award.outcome == AwardOutcome.CANCELLED and award.bid_id is None


def test_tender_award_on_the_command_line(cli_database):
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        users = two_coordinators(session)
        ids = _bids(session, tender)
        with clock.fixed(AFTER):
            services.open_bids(session, users[0], users[1], tender.id)
        reference = tender.reference
    runner = CliRunner()
    listing = runner.invoke(main, ["tender", "evaluate", reference])
    assert f"(Angebot Nr. {ids['Papier Müller GmbH']})" in listing.stdout
    both = runner.invoke(main, ["tender", "award", reference, "--lot", "1"])
    assert both.exit_code == 1 and "--bid NUMMER" in both.stderr
    done = runner.invoke(main, ["tender", "award", reference, "--lot", "1", "--bid", str(ids["Papier Müller GmbH"])])
    assert done.exit_code == 0, done.stderr
    assert "Zuschlag für Los 1" in done.stdout and "Rang 1" in done.stdout
    cancelled = runner.invoke(main, ["tender", "award", reference, "--lot", "2", "--cancel",
                                     "--reason", "Alle Angebote über dem Budget."])
    assert cancelled.exit_code == 0 and "Los 2 aufgehoben" in cancelled.stdout
