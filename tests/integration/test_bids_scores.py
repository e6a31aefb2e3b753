"""The coordinator's scoring inputs (issue 13, part 5; R17): quality fulfilment per bid, lot and
criterion, and the lot draw of a tie — refused before the opening, for a price-only tender, for
bids that are not valid, after the decision and for bad values; they drive the ranking and the
award; audited without prices; `einkauf bids score` and `einkauf bids draw`."""
from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.bids import services
from einkauf.bids.award import award_lot
from einkauf.bids.evaluate import evaluate_bids, ranking_lines
from einkauf.bids.models import BidLot, LotDraw, QualityScore
from einkauf.bids.scores import parse_percent, record_draw, record_quality
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.errors import InvalidField, InvalidState, StaleVersion

from bids_support import QUALITY_CRITERIA, create_bid_tender, open_tender, submit_bids, two_coordinators

D = Decimal
CHEAP = {"1|P-1": D("4.50"), "1|P-2": D("9.00"), "2|T-1": D("39.90")}
DEAR = {"1|P-1": D("4.80"), "1|P-2": D("9.40"), "2|T-1": D("39.00")}
FULL_MARKS = {"Qualität": "100", "Service": "100"}


@pytest.fixture
def scored(db, make_user):
    """A price-and-quality tender (Preis 60, Qualität 30, Service 10), two bids, opened."""
    tender = create_bid_tender(db, award_criteria=QUALITY_CRITERIA)
    ids = submit_bids(db, tender, (("Papier Müller GmbH", CHEAP), ("Büro Schulz KG", DEAR)))
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))
    return tender, ids


def _lot(db, tender, number="1"):
    return next(lot for lot in evaluate_bids(db, tender.id)[1].lots if lot.lot.number == number)


def test_quality_ratings_are_refused_before_the_opening(db):
    tender = create_bid_tender(db, award_criteria=QUALITY_CRITERIA)
    ids = submit_bids(db, tender, (("Papier Müller GmbH", CHEAP),))
    with pytest.raises(InvalidState, match="noch nicht geöffnet"):
        record_quality(db, "test", tender.id, "1", ids["Papier Müller GmbH"], FULL_MARKS)
    assert db.scalar(select(func.count()).select_from(QualityScore)) == 0


def test_a_price_only_tender_has_no_quality_to_rate(db, make_user):
    tender = create_bid_tender(db)
    ids = submit_bids(db, tender, (("Papier Müller GmbH", CHEAP),))
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))
    with pytest.raises(InvalidState, match="allein nach dem Preis gewertet"):
        record_quality(db, "test", tender.id, "1", ids["Papier Müller GmbH"], FULL_MARKS)


def test_missing_ratings_leave_the_lot_unranked_and_refuse_the_award(db, scored):
    tender, ids = scored
    lot = _lot(db, tender)
    assert lot.first is None and lot.ranking == ()
    assert any(p.startswith("Qualitätswertung fehlt für das Angebot von Büro Schulz KG") for p in lot.problems)
    lines = ranking_lines(evaluate_bids(db, tender.id)[1])
    assert any("Hinweis: Qualitätswertung fehlt für das Angebot von Papier Müller GmbH" in line for line in lines)
    with pytest.raises(InvalidState, match="noch nicht vollständig gewertet"):
        award_lot(db, "test", tender.id, "1", ids["Papier Müller GmbH"], reason="Ein Grund von genug Länge.")


def test_ratings_drive_the_ranking_and_the_award_and_are_audited_without_prices(db, scored):
    tender, ids = scored
    cheap, dear = ids["Papier Müller GmbH"], ids["Büro Schulz KG"]
    record_quality(db, "k", tender.id, "1", cheap, {"Qualität": "50", "Service": "0"})
    lot = record_quality(db, "k", tender.id, "1", dear, {"qualität": "100", "Service": D("87.5")})
    points = {bid.bid_id: (bid.price_points, dict(bid.quality_points), bid.score) for bid in lot.bids}
    # 60 × 1080,00 / 1137,40 = 56,97; 30 × 50 % = 15; 10 × 87,5 % = 8,75
    assert points[cheap][1] == {"Qualität": D("15.00"), "Service": D("0.00")}
    assert points[dear] == (points[dear][0], {"Qualität": D("30.00"), "Service": D("8.75")},
                            points[dear][0] + D("38.75"))
    assert lot.first is not None and lot.first.bid_id == dear and lot.problems == ()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "bid.quality")
                       .order_by(AuditEvent.id.desc())).first()
    assert "Büro Schulz KG" in event.summary and "Qualität 100 %; Service 87,50 %" in event.summary
    assert "€" not in event.summary and "9,40" not in str(event.after)
    # A change is versioned; an old version is stale.
    row = db.scalars(select(QualityScore).join(BidLot).where(BidLot.bid_id == cheap,
                                                             QualityScore.criterion == "Qualität")).one()
    assert row.version == 1
    record_quality(db, "k", tender.id, "1", cheap, {"Qualität": "60", "Service": "0"}, expected_version=2)
    db.refresh(row)
    assert (row.percent, row.version) == (D("60.00"), 2)
    with pytest.raises(StaleVersion):
        record_quality(db, "k", tender.id, "1", cheap, {"Qualität": "70", "Service": "0"}, expected_version=2)
    award = award_lot(db, "k", tender.id, "1", dear)
    assert award.rank == 1
    with pytest.raises(InvalidState, match="bereits entschieden"):
        record_quality(db, "k", tender.id, "1", dear, FULL_MARKS)


@pytest.mark.parametrize(("value", "message"), [
    ("101", "zwischen 0 und 100"), ("-1", "keine Prozentzahl"), ("87,125", "höchstens 2 Nachkommastellen"),
    ("gut", "keine Prozentzahl"), ("", "Bitte den Erfüllungsgrad"), (D("-1"), "zwischen 0 und 100"),
    (D("80.001"), "höchstens 2 Nachkommastellen")])
def test_bad_percentages_are_refused_at_their_criterion(db, scored, value, message):
    tender, ids = scored
    with pytest.raises(InvalidField, match=message) as refused:
        record_quality(db, "test", tender.id, "1", ids["Papier Müller GmbH"], {"Qualität": "80", "Service": value})
    assert refused.value.field == "criterion-1"
    assert db.scalar(select(func.count()).select_from(QualityScore)) == 0


def test_german_and_plain_percentages_are_read():
    assert [parse_percent(t) for t in ("87,5", "87.25", "100 %", "0")] == [D("87.50"), D("87.25"), D("100.00"),
                                                                        D("0.00")]


def test_unknown_and_missing_criteria_are_named(db, scored):
    tender, ids = scored
    with pytest.raises(InvalidField, match="Unbekanntes Kriterium „Preis“"):
        record_quality(db, "test", tender.id, "1", ids["Papier Müller GmbH"], {**FULL_MARKS, "Preis": "10"})
    with pytest.raises(InvalidField, match="es fehlt: „Service“"):
        record_quality(db, "test", tender.id, "1", ids["Papier Müller GmbH"], {"Qualität": "10"})


def test_an_excluded_bid_is_not_rated(db, scored):
    tender, ids = scored
    bid = services.get_bid(db, tender.id, ids["Büro Schulz KG"])
    bid_lot = next(lot for lot in bid.lots if lot.lot_number == "1")
    services.decide_bid_lot(db, "test", tender.id, bid.id, bid_lot.id, decision="excluded", reason_code="formal",
                            expected_version=bid_lot.version)
    with pytest.raises(InvalidField, match="kein wertbares Angebot") as refused:
        record_quality(db, "test", tender.id, "1", bid.id, FULL_MARKS)
    assert refused.value.field == "bid"


def test_a_tie_is_decided_by_the_recorded_draw_and_then_awarded(db, make_user):
    tender = create_bid_tender(db, award_criteria=QUALITY_CRITERIA)
    ids = submit_bids(db, tender, (("Anders AG", CHEAP), ("Zander AG", CHEAP)))
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))
    with pytest.raises(InvalidState, match="noch nicht vollständig gewertet"):
        record_draw(db, "k", tender.id, "1", [ids["Zander AG"], ids["Anders AG"]], "Gezogen von A, Zeugin B.")
    for bid_id in ids.values():
        lot = record_quality(db, "k", tender.id, "1", bid_id, {"Qualität": "80", "Service": "90"})
    assert lot.first is None and lot.unresolved_ties == (tuple(sorted(ids.values())),)
    assert any("Gleichstand offen (Anders AG, Zander AG)" in line
               for line in ranking_lines(evaluate_bids(db, tender.id)[1]))
    with pytest.raises(InvalidField) as refused:  # no first-ranked bid: only with a reason
        award_lot(db, "k", tender.id, "1", ids["Anders AG"])
    assert refused.value.field == "reason"
    with pytest.raises(InvalidField, match="genau die gleichplatzierten Angebote") as refused:
        record_draw(db, "k", tender.id, "1", [ids["Zander AG"]], "Gezogen von A, Zeugin B.")
    assert refused.value.field == "order"
    with pytest.raises(InvalidField) as refused:
        record_draw(db, "k", tender.id, "1", [ids["Zander AG"], ids["Anders AG"]], "kurz")
    assert refused.value.field == "note"
    record_draw(db, "k", tender.id, "1", [ids["Zander AG"], ids["Anders AG"]],
                "Gezogen von Frau A, Zeuge Herr B (Koordination).")
    lot = _lot(db, tender)
    assert lot.first is not None and lot.first.bid_id == ids["Zander AG"]
    assert [(b.bidder, b.rank, b.tied) for b in lot.ranking] == [("Zander AG", 1, False), ("Anders AG", 2, False)]
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "lot.draw")).one().summary.endswith(
        "Losentscheid – 1. Zander AG, 2. Anders AG")
    with pytest.raises(InvalidState, match="keinen offenen Gleichstand"):
        record_draw(db, "k", tender.id, "1", [ids["Anders AG"], ids["Zander AG"]], "Noch einmal gezogen, bitte.")
    with pytest.raises(InvalidState, match="bereits ein Losentscheid"):
        record_quality(db, "k", tender.id, "1", ids["Anders AG"], {"Qualität": "90", "Service": "90"})
    award = award_lot(db, "k", tender.id, "1", ids["Zander AG"])
    assert award.rank == 1
    assert db.scalar(select(func.count()).select_from(LotDraw)) == 1


def test_a_draw_in_a_price_only_tender_with_equal_totals(db, make_user):
    tender = create_bid_tender(db)
    ids = submit_bids(db, tender, (("Anders AG", CHEAP), ("Zander AG", CHEAP)))
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))
    assert _lot(db, tender, "2").first is None
    with pytest.raises(InvalidField, match="nur einmal"):
        record_draw(db, "k", tender.id, "2", [ids["Zander AG"], ids["Zander AG"]], "Gezogen von A, Zeugin B.")
    record_draw(db, "k", tender.id, "2", [ids["Zander AG"], ids["Anders AG"]], "Gezogen von A, Zeugin B.")
    assert _lot(db, tender, "2").first.bid_id == ids["Zander AG"]


def test_score_and_draw_on_the_command_line(cli_database):
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session, award_criteria=QUALITY_CRITERIA)
        users = two_coordinators(session)
        ids = submit_bids(session, tender, (("Anders AG", CHEAP), ("Zander AG", CHEAP)))
        open_tender(session, tender, users[0], users[1])
        reference = tender.reference
    runner = CliRunner()
    anders, zander = str(ids["Anders AG"]), str(ids["Zander AG"])
    bad = runner.invoke(main, ["bids", "score", reference, "--lot", "1", "--bid", anders,
                               "--criterion", "Qualität=101", "--criterion", "Service=90"])
    assert bad.exit_code == 1 and "Der Erfüllungsgrad muss zwischen 0 und 100 % liegen" in bad.stderr
    malformed = runner.invoke(main, ["bids", "score", reference, "--lot", "1", "--bid", anders,
                                     "--criterion", "Qualität"])
    assert malformed.exit_code == 1 and "KRITERIUM=PROZENT" in malformed.stderr
    first = runner.invoke(main, ["bids", "score", reference, "--lot", "1", "--bid", anders,
                                 "--criterion", "Qualität=80", "--criterion", "Service=90,5"])
    assert first.exit_code == 0, first.stderr
    assert "Qualität 24,00; Service 9,05" in first.stdout
    assert f"Hinweis: Qualitätswertung fehlt für das Angebot von Zander AG (Nr. {zander})" in first.stdout
    second = runner.invoke(main, ["bids", "score", reference, "--lot", "1", "--bid", zander,
                                  "--criterion", "Qualität=80", "--criterion", "Service=90,5"])
    assert second.exit_code == 0 and "93,05 Punkte, Rang 1" in second.stdout
    draw = runner.invoke(main, ["bids", "draw", reference, "--lot", "1", "--order", zander, "--order", anders,
                                "--note", "Gezogen von Frau A, Zeuge Herr B."])
    assert draw.exit_code == 0, draw.stderr
    assert f"1. Angebot Nr. {zander}, 2. Angebot Nr. {anders}" in draw.stdout
    again = runner.invoke(main, ["bids", "draw", reference, "--lot", "1", "--order", zander, "--order", anders,
                                 "--note", "Gezogen von Frau A, Zeuge Herr B."])
    assert again.exit_code == 1 and "keinen offenen Gleichstand" in again.stderr
    listing = runner.invoke(main, ["tender", "evaluate", reference])
    assert "1. Zander AG" in listing.stdout and "Platz durch Losentscheid" in listing.stdout


def test_the_workbook_shows_the_missing_ratings_and_then_the_points(db, scored):
    import io

    from openpyxl import load_workbook

    from einkauf.bids.price_matrix import build_price_matrix

    tender, ids = scored

    def lot_sheet() -> dict:
        found, evaluation = evaluate_bids(db, tender.id)
        book = load_workbook(io.BytesIO(build_price_matrix(evaluation, reference=found.reference)))
        return {row[1]: row[6:] for row in book["Los 1"].iter_rows(values_only=True) if len(row) > 6}

    before = lot_sheet()
    assert any(isinstance(label, str) and label.startswith("Qualitätswertung fehlt") for label in before)
    record_quality(db, "k", tender.id, "1", ids["Papier Müller GmbH"], {"Qualität": "50", "Service": "0"})
    record_quality(db, "k", tender.id, "1", ids["Büro Schulz KG"], {"Qualität": "100", "Service": "87,5"})
    after = lot_sheet()
    assert not any(isinstance(label, str) and label.startswith("Qualitätswertung fehlt") for label in after)
    service = [value for value in after["Punkte Service"] if value is not None]
    assert sorted(Decimal(str(v)) for v in service) == [D("0"), D("8.75")]
