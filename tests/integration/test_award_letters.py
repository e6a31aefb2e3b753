"""The members' award letters (Zuschlagsmitteilung / Abrufberechtigung; issue 14 part 1, R20,
R22): refused before any decision; one registered PDF per member with the supplier, the awarded
unit prices, the member's quantities and values equal to the contract page's figures to the cent;
cancelled lots with their reason; hostile names printed literally; a new version per generation;
`einkauf tender letters`."""
from __future__ import annotations

import hashlib
import io
from decimal import Decimal

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select

from einkauf.bids.award import award_lot, cancel_lot
from einkauf.cli import main
from einkauf.contracts.letters import generate_award_letters, newest_letter
from einkauf.contracts.queries import member_contracts
from einkauf.db import session_scope
from einkauf.errors import InvalidState
from einkauf.formatting import format_money_de, format_number_de, format_quantity_de
from einkauf.tenders.documents import read_document
from einkauf.tenders.models import Document, DocumentKind

from bids_support import FULL, create_bid_tender
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of

SUPPLIER = """Müller <b>&"' GmbH"""
MEMBER = """Essen <i>&"' BID"""
REASON = "Alle Angebote liegen über dem Budget <script>."


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _opened(db, tender, make_user) -> dict[str, int]:
    return open_bids_of(db, tender, make_user, ((SUPPLIER, FULL), ("Büro Schulz KG", DEARER)))


def _generate(db, tender, tmp_path):
    return generate_award_letters(db, "test", tender.id, export_dir=tmp_path,
                                  cooperative_name="Einkaufsgemeinschaft Ruhr",
                                  cooperative_address="Rathausplatz 1\n45127 Essen")


def test_no_letters_before_any_lot_is_decided(db, bid_tender, make_user, tmp_path):
    _opened(db, bid_tender, make_user)
    with pytest.raises(InvalidState, match="mindestens ein Los"):
        _generate(db, bid_tender, tmp_path)
    assert db.scalars(select(Document).where(Document.kind == DocumentKind.AWARD_LETTER)).all() == []


def test_the_letter_shows_the_contract_pages_figures_to_the_cent(db, bid_tender, make_user, tmp_path):
    ids = _opened(db, bid_tender, make_user)
    award_lot(db, "test", bid_tender.id, "1", ids[SUPPLIER], clarification=CLARIFIED)
    cancel_lot(db, "test", bid_tender.id, "2", REASON)
    cities = cities_of(db)
    essen, bochum = cities["Essen"], cities["Bochum"]
    essen.name = MEMBER
    db.flush()
    documents = _generate(db, bid_tender, tmp_path)
    assert {d.recipient for d in documents} == {f"member:{essen.id}", f"member:{bochum.id}"}
    assert all(d.kind == DocumentKind.AWARD_LETTER and d.version == 1 for d in documents)
    db.commit()  # the files take their final names when the register rows commit
    letter = newest_letter(db, bid_tender.id, essen.id)
    content = read_document(tmp_path, letter)
    assert hashlib.sha256(content).hexdigest() == letter.sha256
    text = _text(content)
    flat = _flat(text)
    # Hostile names and reasons print literally (escaped for the PDF, not interpreted).
    assert SUPPLIER in text and MEMBER in text and REASON in flat
    assert "Hauptstr. 1" in text and "angebote@example.org" in text
    assert "24 Monate; Verlängerungsoption um bis zu 24 Monate" in flat
    # The figures are the contract page's (member_contracts), to the cent.
    [contracts] = member_contracts(db, essen.id, tender_id=bid_tender.id)
    [lot] = contracts.with_outcome("awarded")
    for position in lot.positions:
        assert position.unit_price is not None and position.annual_value is not None
        assert position.term_value is not None
        for figure in (format_number_de(position.unit_price, 4) + " €", format_quantity_de(position.estimated_quantity),
                       format_quantity_de(position.maximum_quantity), format_money_de(position.annual_value),
                       format_money_de(position.term_value)):
            assert figure in flat, figure
    # Essen: 100,5 × 2,35 = 236,175 → 236,18 €; over four years 944,72 €; the lot 259,92 € / 1.039,68 €.
    for figure in ("2,3500 €", "236,18 €", "944,72 €", "402", "483", "259,92 €", "1.039,68 €"):
        assert figure in flat, figure
    assert format_money_de(lot.term_value) == "1.039,68 €"
    assert "Aufgehobene Lose" in text and "Los 2" in text
    # Nothing of the other bid, nor of Bochum's rows (238,53 €).
    for other in ("4,8765", "9,4321", "Büro Schulz", "238,53"):
        assert other not in flat


def test_each_generation_is_a_new_version_per_member(db, bid_tender, make_user, tmp_path):
    ids = _opened(db, bid_tender, make_user)
    award_lot(db, "test", bid_tender.id, "1", ids[SUPPLIER], clarification=CLARIFIED)
    first = _generate(db, bid_tender, tmp_path)
    second = _generate(db, bid_tender, tmp_path)
    assert sorted(d.version for d in first) == [1, 1] and sorted(d.version for d in second) == [2, 2]
    assert {d.recipient for d in first} == {d.recipient for d in second}
    assert all(d.file_name.endswith("_v2.pdf") and "Zuschlagsmitteilung_Mitglied-" in d.file_name for d in second)
    essen = cities_of(db)["Essen"]
    assert newest_letter(db, bid_tender.id, essen.id).version == 2


def test_a_cancelled_tender_has_no_letters(db, bid_tender, make_user, tmp_path):
    from einkauf.tenders.models import TenderStatus

    ids = _opened(db, bid_tender, make_user)
    award_lot(db, "test", bid_tender.id, "1", ids[SUPPLIER], clarification=CLARIFIED)
    bid_tender.status = TenderStatus.CANCELLED
    db.flush()
    with pytest.raises(InvalidState, match="aufgehoben"):
        _generate(db, bid_tender, tmp_path)


def test_the_command_writes_one_letter_per_member(cli_database, tmp_path, monkeypatch):
    from einkauf.auth import passwords
    from einkauf.auth.models import User
    from einkauf.roles import Role

    def coordinator(_role):
        user = User(email=f"k{len(made)}@einkauf.example", role=Role.COORDINATOR,
                    password_hash=passwords.hash_password("x" * 12))
        session.add(user)
        session.flush()
        made.append(user)
        return user

    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "exports"))
    made: list = []
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        reference = tender.reference
    runner = CliRunner()
    refused = runner.invoke(main, ["tender", "letters", reference, "-o", str(tmp_path / "out")])
    assert refused.exit_code != 0 and "mindestens ein Los" in refused.output
    with session_scope(cli_database) as session:
        from einkauf.tenders.models import Tender

        tender = session.scalar(select(Tender).where(Tender.reference == reference))
        ids = open_bids_of(session, tender, coordinator, ((SUPPLIER, FULL),))
        award_lot(session, "test", tender.id, "1", ids[SUPPLIER], clarification=CLARIFIED)
    result = runner.invoke(main, ["tender", "letters", reference, "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == 2 and all(f.name.endswith("_v1.pdf") for f in files)
    assert "2 Zuschlagsmitteilungen." in result.output
    assert SUPPLIER in _text(files[0].read_bytes())
    again = runner.invoke(main, ["tender", "letters", reference, "-o", str(tmp_path / "out")])
    assert again.exit_code == 0 and len(list((tmp_path / "out").iterdir())) == 4


def test_every_demo_members_letter_carries_its_contract_figures(demo_database, tmp_path):
    """The demo's awarded tender: per member and lot, the letter's annual and term values and
    every position's awarded price and term value are the contract page's, to the cent (R22)."""
    from einkauf.rounds.models import Member
    from einkauf.tenders.models import Tender

    with session_scope(demo_database) as session:
        tender = session.scalar(select(Tender).where(Tender.reference == "EK-2025-01"))
        documents = generate_award_letters(session, "test", tender.id, export_dir=tmp_path,
                                           cooperative_name="Einkaufskooperation")
        tender_id, recipients = tender.id, {d.recipient for d in documents}
    assert len(recipients) == 10
    with session_scope(demo_database) as session:
        for recipient in sorted(recipients):
            member = session.get(Member, int(recipient.split(":")[1]))
            flat = _flat(_text(read_document(tmp_path, newest_letter(session, tender_id, member.id))))
            [contracts] = member_contracts(session, member.id, tender_id=tender_id)
            assert member.name in flat
            for lot in contracts.with_outcome("awarded"):
                assert lot.supplier is not None and lot.supplier.name in flat
                assert f"Summe Los {lot.number} {format_money_de(lot.annual_value)} {format_money_de(lot.term_value)}" \
                    in flat, (member.name, lot.number)
                for position in lot.positions:
                    assert position.unit_price is not None and position.term_value is not None
                    assert (f"{format_number_de(position.unit_price, 4)} € "
                            f"{format_quantity_de(position.estimated_quantity)}") in flat
            total = sum((lot.term_value for lot in contracts.with_outcome("awarded")), Decimal("0.00"))
            assert format_money_de(total) in flat
