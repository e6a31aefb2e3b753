"""The Vergabevermerk after the opening (issue 13, parts 4 and 7): a new version with the opening,
the checks and exclusions, the Preisspiegel summary, the scoring and the award, and the
Preisspiegel per lot as its annex — every lot total to the cent as evaluate_bids has it (R22);
before the opening no award part and no price of a bid (R15). On SQLite and PostgreSQL."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from einkauf import clock
from einkauf.bids import services
from einkauf.bids.award import award_lot
from einkauf.bids.evaluate import evaluate_bids
from einkauf.bids.record import award_record_part
from einkauf.formatting import format_money_de, format_price_de
from einkauf.tenders import documents
from einkauf.tenders.documents import generate_documents, staged_content
from einkauf.tenders.models import DocumentKind

from bids_support import AFTER, BEFORE, fill, price_sheet_of

GENERATED = datetime(2027, 3, 12, 9, 0, tzinfo=UTC)
ESCAPED_NAME = 'Büro <b>&"\' Schulz KG'
# Distinctive prices: none of them, nor a total made from them, occurs anywhere else in a record.
GOOD = {"1|P-1": Decimal("4.4321"), "1|P-2": Decimal("8.8765"), "2|T-1": Decimal("38.1234")}
LOW = {"1|P-1": Decimal("4.6543"), "1|P-2": Decimal("9.1357"), "2|T-1": Decimal("11.2345")}
FORMAL = {"1|P-1": Decimal("4.2468"), "1|P-2": Decimal("8.6421"), "2|T-1": Decimal("39.8642")}
GAP = {"1|P-1": Decimal("4.7531"), "2|T-1": Decimal("39.1357")}  # no price for P-2 (OZ 1.002)
GAP_REASON = "Der Artikel wird vom Hersteller nicht mehr geliefert."
EXCLUSION = "Formblatt 3 nicht unterschrieben"
AWARD_REASON = "Das erstplatzierte Angebot wurde nach Aufklärung zurückgezogen."
CLARIFICATION = "Die Kalkulation wurde mit Einkaufsbelegen nachvollziehbar begründet."


def _plain(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\xa0", " ").split())


def _record(db, tender, folder) -> bytes:
    created = generate_documents(db, "koordination@example.org", tender.id, folder,
                                 cooperative_name="Einkaufskooperation", now=GENERATED)
    return next(staged_content(db, d) for d in created if d.kind == DocumentKind.RECORD_PDF)


def _bids(db, tender) -> dict[str, int]:
    base = price_sheet_of(db, tender)
    ids = {}
    with clock.fixed(BEFORE):
        for name, table in (("Papier Müller GmbH", GOOD), (ESCAPED_NAME, LOW), ("Formfehler OHG", FORMAL),
                            ("Lücke GmbH", GAP)):
            bidder = services.create_bidder(db, "test", name=name)
            bid, _lots, _count = services.import_bid(db, "test", tender.id, bidder.id, fill(base, table),
                                                     received_at=BEFORE)
            ids[name] = bid.id
    with clock.fixed(AFTER):
        late = services.create_bidder(db, "test", name="Spät AG")
        ids["Spät AG"] = services.import_bid(db, "test", tender.id, late.id, fill(base, GOOD), received_at=AFTER)[0].id
    return ids


@pytest.fixture
def decided(app, db, bid_tender, make_user):
    """Four bids (one late), opened by two coordinators, one lot of a bid excluded with a reason,
    lot 1 awarded to the second-ranked bid with a reason, lot 2 to an abnormally low bid with
    the clarification of § 60 VgV. (`app`: create_app wires the award part in.)"""
    ids = _bids(db, bid_tender)
    first, second = make_user("coordinator", email="erste@einkauf.example"), make_user(
        "coordinator", email="zweite@einkauf.example")
    with clock.fixed(AFTER):
        services.open_bids(db, first, second, bid_tender.id)
        formal = services.get_bid(db, bid_tender.id, ids["Formfehler OHG"])
        lot = formal.lots[0]
        services.decide_bid_lot(db, first, bid_tender.id, formal.id, lot.id, decision="excluded",
                                reason_code="other", reason_text=EXCLUSION, expected_version=lot.version)
        gap = services.get_bid(db, bid_tender.id, ids["Lücke GmbH"])
        services.decide_bid_lot(db, second, bid_tender.id, gap.id, gap.lots[0].id, decision="admitted",
                                gap_reason=GAP_REASON, expected_version=gap.lots[0].version)
        award_lot(db, first, bid_tender.id, "1", ids[ESCAPED_NAME], reason=AWARD_REASON)
        award_lot(db, first, bid_tender.id, "2", ids[ESCAPED_NAME], clarification=CLARIFICATION)
    return bid_tender, ids


def test_the_new_vergabevermerk_records_opening_checks_preisspiegel_scoring_and_award(db, decided, tmp_path):
    tender, _ids = decided
    text = _plain(_record(db, tender, tmp_path))

    for chapter in ("Angebotsöffnung", "Prüfung der Angebote", "Preisspiegel", "Wertung", "Zuschlag und Aufhebung",
                    "Anlage: Preisspiegel je Los"):
        assert chapter in text
    # The opening: who, and the late bid.
    assert "erste@einkauf.example und zweite@einkauf.example" in text
    assert "Eingegangene Angebote 5, davon verspätet: 1" in text
    assert "verspätet, ausgeschlossen (§ 57 Abs. 1 Nr. 1 VgV)" in text
    # The checks: the excluded lot with its reason, the incomplete lot with its accepted gap.
    assert f"sonstiger Grund: {EXCLUSION}" in text
    assert "unvollständig: 1 Position ohne Preis (1.002)" in text
    assert f"unwesentliche Lücke akzeptiert: {GAP_REASON}" in text
    # Every lot total of every compared bid, to the cent as the evaluation has it (R22).
    _tender, evaluation = evaluate_bids(db, tender.id)
    totals = [bid.total for lot in evaluation.lots for bid in lot.bids]
    assert len(totals) == 7  # lot 1: three bids (one excluded, one late), lot 2: four (one late)
    for total in totals:
        assert format_money_de(total).replace("\xa0", " ") in text
    # The annex: unit prices of the bids with the lowest marked.
    assert f"{format_price_de(GOOD['1|P-1'])} ↓".replace("\xa0", " ") in text
    # The decisions with reason and clarification; the bidder name printed literally (escaped).
    assert AWARD_REASON in text and CLARIFICATION in text
    assert f"Zuschlag auf das Angebot von {ESCAPED_NAME}" in text
    assert "ungewöhnlich niedrig" in text


def test_before_the_opening_the_vergabevermerk_has_no_award_part_and_no_price_of_a_bid(app, db, bid_tender, tmp_path):
    _bids(db, bid_tender)
    with clock.fixed(AFTER):
        text = _plain(_record(db, bid_tender, tmp_path))
    assert "Angebotsöffnung" not in text and "Preisspiegel" not in text
    for table in (GOOD, LOW, FORMAL, GAP):
        for price in table.values():
            assert format_price_de(price).replace("\xa0", " ") not in text
    assert "Papier Müller GmbH" not in text


def test_a_check_saved_while_rendering_makes_the_rendered_vergabevermerk_stale(db, decided):
    from einkauf.bids.record import award_state, ensure_award_state
    from einkauf.errors import StaleVersion

    tender, ids = decided
    state = award_state(db, tender.id)
    ensure_award_state(db, tender.id, state)  # nothing changed
    bid = services.get_bid(db, tender.id, ids["Papier Müller GmbH"])
    with clock.fixed(AFTER):
        services.decide_bid_lot(db, "test", tender.id, bid.id, bid.lots[0].id, decision="admitted",
                                expected_version=bid.lots[0].version)
    with pytest.raises(StaleVersion, match="erneut"):
        ensure_award_state(db, tender.id, state)


def test_the_award_part_is_none_before_the_opening(db, bid_tender):
    _bids(db, bid_tender)
    assert award_record_part(db, bid_tender) is None


def test_the_web_application_and_the_command_line_wire_the_award_part_in(app_config, monkeypatch):
    from einkauf.app import create_app
    from einkauf.cli import main

    monkeypatch.setattr(documents, "_award_part", [])
    create_app(app_config)
    assert documents._award_part == [award_record_part]

    monkeypatch.setattr(documents, "_award_part", [])
    result = CliRunner().invoke(main, ["tender", "--help"])
    assert result.exit_code == 0, result.output
    assert documents._award_part == [award_record_part]


def test_einkauf_tender_documents_after_the_opening_writes_the_vergabevermerk_with_the_award_part(
        cli_database, tmp_path, monkeypatch):
    from pathlib import Path

    from einkauf.cli import main
    from einkauf.db import session_scope

    from bids_support import create_bid_tender, two_coordinators

    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setattr(documents, "_award_part", [])  # only the command line's own wiring counts
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        two_coordinators(session)
        _bids(session, tender)
        reference = tender.reference
    runner = CliRunner()
    with clock.fixed(AFTER):
        opened = runner.invoke(main, ["bids", "open", reference, "--by", "a@einkauf.example", "--by",
                                      "b@einkauf.example"])
        assert opened.exit_code == 0, opened.output
        result = runner.invoke(main, ["tender", "documents", reference, "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    record = next(Path(tmp_path / "out").glob("*_Vergabevermerk_v1.pdf"))
    text = _plain(record.read_bytes())
    assert "a@einkauf.example und b@einkauf.example" in text and "Anlage: Preisspiegel je Los" in text
