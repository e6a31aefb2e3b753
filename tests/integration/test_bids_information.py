"""The information of the unsuccessful bidders and the contract date (issue 13, part 7; R19,
§ 134 GWB): who gets a letter and with which reasons, the letters as registered PDFs, refusals
before the opening and while a lot is undecided, the waiting period of 10 / 15 days across a
weekend, a holiday and a month end, national procedures without one; `einkauf tender inform`
and `einkauf tender contract`."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import func, select

from einkauf import clock
from einkauf.audit.models import AuditEvent
from einkauf.berlin import BERLIN
from einkauf.bids import services
from einkauf.bids.award import award_lot, cancel_lot
from einkauf.bids.information import inform_bidders, letter_recipients, record_contract_date
from einkauf.bids.models import BidderInformation, LotAward
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.errors import InvalidField, InvalidState
from einkauf.tenders.documents import read_document
from einkauf.tenders.models import Document, DocumentKind

from bids_support import AFTER, BEFORE, create_bid_tender, import_bids, two_coordinators

GOOD = {"1|P-1": Decimal("4.50"), "1|P-2": Decimal("9.00"), "2|T-1": Decimal("39.90")}
DEARER = {"1|P-1": Decimal("4.80"), "1|P-2": Decimal("9.40"), "2|T-1": Decimal("41.00")}
WINNER = "Papier Müller GmbH"
HOSTILE = "<b>Büro & \"Schulz\" 'KG'</b>"
LATE = "Spät & Co. KG"
LATER = datetime(2027, 4, 20, 9, 0, tzinfo=BERLIN)


def _bids(db, tender, make_user) -> dict[str, int]:
    """Three bids: the winner, a dearer one with a hostile name, and a late one; then opened."""
    ids = import_bids(db, tender, ((WINNER, GOOD, BEFORE), (HOSTILE, DEARER, BEFORE), (LATE, GOOD, AFTER)))
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), tender.id)
    return ids


@pytest.fixture
def eu_tender(db, bid_tender):
    bid_tender.eu_wide = True
    db.flush()
    return bid_tender


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_letters_go_to_bidders_that_did_not_win_every_lot_they_bid_for(db, eu_tender, make_user):
    ids = _bids(db, eu_tender, make_user)
    with clock.fixed(AFTER):
        award_lot(db, "test", eu_tender.id, "1", ids[WINNER])
        award_lot(db, "test", eu_tender.id, "2", ids[WINNER])
    recipients = {r.name: r for r in letter_recipients(db, eu_tender.id)}
    assert set(recipients) == {HOSTILE, LATE}  # the winner of every lot gets none
    dearer = {lot.number: lot for lot in recipients[HOSTILE].lots}
    assert not dearer["1"].won and WINNER in dearer["1"].outcome
    assert "Rang 2 von 2" in dearer["1"].reasons and "belegt Rang 1" in dearer["1"].reasons
    assert "Losgesamtsumme" in dearer["1"].reasons
    assert all("ausgeschlossen" in lot.reasons and "verspätet" in lot.reasons for lot in recipients[LATE].lots)


def test_a_cancelled_lot_and_an_excluded_bid_are_explained(db, eu_tender, make_user):
    ids = _bids(db, eu_tender, make_user)
    bid = services.get_bid(db, eu_tender.id, ids[HOSTILE])
    lot2 = next(lot for lot in bid.lots if lot.lot_number == "2")
    with clock.fixed(AFTER):
        services.decide_bid_lot(db, "test", eu_tender.id, bid.id, lot2.id, decision="excluded",
                                reason_code="formal", expected_version=lot2.version)
        award_lot(db, "test", eu_tender.id, "1", ids[WINNER])
        cancel_lot(db, "test", eu_tender.id, "2", "Alle Angebote liegen über dem Budget.")
    recipients = {r.name: r for r in letter_recipients(db, eu_tender.id)}
    assert set(recipients) == {WINNER, HOSTILE, LATE}  # the winner of lot 1 bid for the cancelled lot 2
    winner = {lot.number: lot for lot in recipients[WINNER].lots}
    assert winner["1"].won and not winner["2"].won
    assert "aufgehoben" in winner["2"].outcome and "über dem Budget" in winner["2"].reasons
    hostile = {lot.number: lot for lot in recipients[HOSTILE].lots}
    assert "aufgehoben" in hostile["2"].outcome  # the cancellation, whatever the check said


def test_no_letters_before_the_opening_nor_while_a_lot_is_undecided(db, eu_tender, make_user, tmp_path):
    with pytest.raises(InvalidState, match="noch nicht geöffnet"):
        letter_recipients(db, eu_tender.id)
    ids = _bids(db, eu_tender, make_user)
    with clock.fixed(AFTER):
        award_lot(db, "test", eu_tender.id, "1", ids[WINNER])
        with pytest.raises(InvalidState, match="Noch offen: Los 2"):
            inform_bidders(db, "test", eu_tender.id, sent_on=date(2027, 3, 11), channel="electronic",
                           export_dir=tmp_path, cooperative_name="Einkaufsgemeinschaft")
    assert db.scalar(select(func.count()).select_from(BidderInformation)) == 0
    assert db.scalar(select(func.count()).select_from(Document)) == 0


def test_the_letters_are_registered_pdfs_with_winner_reasons_and_earliest_date(db, eu_tender, make_user, tmp_path):
    ids = _bids(db, eu_tender, make_user)
    with clock.fixed(AFTER):
        award_lot(db, "test", eu_tender.id, "1", ids[WINNER])
        award_lot(db, "test", eu_tender.id, "2", ids[WINNER])
    with clock.fixed(datetime(2027, 3, 19, 10, 0, tzinfo=BERLIN)):
        result = inform_bidders(db, "koordination", eu_tender.id, sent_on=date(2027, 3, 19), channel="post",
                                export_dir=tmp_path, cooperative_name="Einkaufsgemeinschaft Ruhr",
                                cooperative_address="Markt 1\n45127 Essen")
    db.commit()
    # Post: 15 days from 20.03. end on Saturday 03.04.2027, so on Monday 05.04.; the contract from 06.04.
    assert result.information.earliest_contract_date == date(2027, 4, 6)
    assert {d.kind for d in result.documents} == {DocumentKind.INFO_LETTER}
    assert len({d.recipient for d in result.documents}) == 2 and {d.version for d in result.documents} == {1}
    by_recipient = {d.recipient: d for d in result.documents}
    bidder_id = services.get_bid(db, eu_tender.id, ids[HOSTILE]).bidder_id
    text = _text(read_document(tmp_path, by_recipient[f"bidder:{bidder_id}"]))
    assert HOSTILE in text  # escaped: the markup is printed, not interpreted
    assert WINNER in text and "Rang 2 von 2" in text and "§ 134" in text
    assert "Dienstag, 06.04.2027" in text and "Samstag" in text
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "tender.inform")).one()
    assert "06.04.2027" in event.summary
    # Again: a new version per recipient, the first stays.
    with clock.fixed(datetime(2027, 3, 22, 10, 0, tzinfo=BERLIN)):
        again = inform_bidders(db, "koordination", eu_tender.id, sent_on=date(2027, 3, 22), channel="electronic",
                               export_dir=tmp_path, cooperative_name="Einkaufsgemeinschaft Ruhr")
    assert {d.version for d in again.documents} == {2}


@pytest.mark.parametrize(("channel", "sent_on", "refused", "allowed"), [
    # 10 days after Friday 19.03.2027: Monday 29.03. is Easter Monday, the period ends on Tuesday 30.03.
    ("electronic", date(2027, 3, 19), date(2027, 3, 30), date(2027, 3, 31)),
    # 15 days after Friday 19.03.2027: Saturday 03.04., so Monday 05.04. — across the month end.
    ("post", date(2027, 3, 19), date(2027, 4, 5), date(2027, 4, 6)),
    # 10 days after Friday 12.03.2027: Monday 22.03. (a working day).
    ("electronic", date(2027, 3, 12), date(2027, 3, 22), date(2027, 3, 23)),
])
def test_the_contract_date_waits_for_the_period(db, eu_tender, make_user, tmp_path, channel, sent_on, refused,
                                                allowed):
    ids = _bids(db, eu_tender, make_user)
    with clock.fixed(AFTER):
        award_lot(db, "test", eu_tender.id, "1", ids[WINNER])
        cancel_lot(db, "test", eu_tender.id, "2", "Alle Angebote liegen über dem Budget.")
    with clock.fixed(LATER):
        with pytest.raises(InvalidField, match="§ 134") as before:
            record_contract_date(db, "test", eu_tender.id, "1", allowed)
        assert before.value.field == "contract_date"
        inform_bidders(db, "test", eu_tender.id, sent_on=sent_on, channel=channel, export_dir=tmp_path,
                       cooperative_name="Einkaufsgemeinschaft")
        with pytest.raises(InvalidField, match=f"frühestens am .*{allowed.strftime('%d.%m.%Y')}"):
            record_contract_date(db, "test", eu_tender.id, "1", refused)
        award = record_contract_date(db, "koordination", eu_tender.id, "1", allowed)
        assert award.contract_date == allowed
        with pytest.raises(InvalidState, match="aufgehoben"):
            record_contract_date(db, "test", eu_tender.id, "2", allowed)
        with pytest.raises(InvalidState, match="bereits erfasst"):
            record_contract_date(db, "test", eu_tender.id, "1", allowed)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "lot.contract")) == 1


def test_a_national_procedure_has_no_waiting_period_and_no_letters(db, bid_tender, make_user, tmp_path):
    assert not bid_tender.eu_wide
    ids = _bids(db, bid_tender, make_user)
    with clock.fixed(AFTER):
        award_lot(db, "test", bid_tender.id, "1", ids[WINNER])
        award_lot(db, "test", bid_tender.id, "2", ids[WINNER])
        with pytest.raises(InvalidState, match="kein EU-weites Verfahren"):
            inform_bidders(db, "test", bid_tender.id, sent_on=date(2027, 3, 11), channel="electronic",
                           export_dir=tmp_path, cooperative_name="Einkaufsgemeinschaft")
        award = record_contract_date(db, "test", bid_tender.id, "1", date(2027, 3, 11))
    assert award.contract_date == date(2027, 3, 11)


def test_the_command_line_writes_the_letters_and_records_the_contract(cli_database, tmp_path, monkeypatch):
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "exports"))
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        tender.eu_wide = True
        reference = tender.reference
        ids = import_bids(session, tender, ((WINNER, GOOD, BEFORE), (HOSTILE, DEARER, BEFORE)))
        first, second = two_coordinators(session)
        with clock.fixed(AFTER):
            services.open_bids(session, first, second, tender.id)
            award_lot(session, "test", tender.id, "1", ids[WINNER])
    runner = CliRunner()
    out = tmp_path / "briefe"
    with clock.fixed(AFTER):
        refused = runner.invoke(main, ["tender", "inform", reference, "-o", str(out)])
        assert refused.exit_code == 1 and "Noch offen: Los 2" in refused.stderr
        with session_scope(cli_database) as session:
            award_lot(session, "test", reference, "2", ids[WINNER])
    with clock.fixed(datetime(2027, 3, 12, 10, 0, tzinfo=BERLIN)):
        done = runner.invoke(main, ["tender", "inform", reference, "--sent-on", "2027-03-12", "--channel", "post",
                                    "-o", str(out)])
    assert done.exit_code == 0, done.stderr
    assert "frühestens am Mittwoch, 31.03.2027" in done.stdout
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 1 and files[0].startswith(f"{reference}_Informationsschreiben_Bieter-")
    assert HOSTILE in _text((out / files[0]).read_bytes())
    with clock.fixed(LATER):
        early = runner.invoke(main, ["tender", "contract", reference, "--lot", "1", "--date", "2027-03-30"])
        assert early.exit_code == 1 and "31.03.2027" in early.stderr
        ok = runner.invoke(main, ["tender", "contract", reference, "--lot", "1", "--date", "2027-03-31"])
    assert ok.exit_code == 0, ok.stderr
    assert "31.03.2027" in ok.stdout
    with session_scope(cli_database) as session:
        dates = set(session.scalars(select(LotAward.contract_date)))
    assert dates == {date(2027, 3, 31), None}
