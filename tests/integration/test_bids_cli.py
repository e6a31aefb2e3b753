"""`einkauf bids bidder|import|open|list` against a migrated SQLite file: counts, never prices,
before the opening; the two-person opening; one German line per problem and exit 1 otherwise."""
from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf import clock
from einkauf.auth import passwords
from einkauf.auth.models import User
from einkauf.bids.models import Bid, BidOpening, BidPrice
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.roles import Role

from bids_support import AFTER, BEFORE, FULL, create_bid_tender, fill, price_sheet_of


@pytest.fixture
def world(cli_database, tmp_path):
    with session_scope(cli_database) as session:
        tender = create_bid_tender(session)
        sheet = price_sheet_of(session, tender)
        for email in ("a@einkauf.example", "b@einkauf.example"):
            session.add(User(email=email, role=Role.COORDINATOR, password_hash=passwords.hash_password("x" * 12)))
        session.add(User(email="f@einkauf.example", role=Role.FINANCE, password_hash=passwords.hash_password("x" * 12)))
        reference = tender.reference
    good = tmp_path / "angebot.xlsx"
    good.write_bytes(fill(sheet, {"1|P-1": Decimal("1234.5678"), "1|P-2": 7, "2|T-1": Decimal("39.9")}))
    bad = tmp_path / "kaputt.xlsx"
    bad.write_bytes(fill(sheet, {**FULL, "1|P-1": "=2*3", "2|T-1": -5}))
    return {"factory": cli_database, "reference": reference, "good": str(good), "bad": str(bad)}


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_import_open_and_list(world):
    ref = world["reference"]
    assert run("bids", "bidder", "Papier Müller GmbH", "--vat-id", "DE136695976").exit_code == 0
    unknown = run("bids", "import", ref, world["good"], "--bidder", "Niemand AG")
    assert unknown.exit_code == 1 and "Bieter „Niemand AG“ nicht gefunden" in unknown.stderr
    with clock.fixed(BEFORE):
        result = run("bids", "import", ref, world["good"], "--bidder", "papier müller gmbh",
                     "--received", "10.03.2027 08:30")
        assert result.exit_code == 0, result.stderr
        assert "2 Lose, 3 Preise übernommen; Eingang 10.03.2027, 08:30 Uhr" in result.stdout
        again = run("bids", "import", ref, world["good"], "--bidder", "Papier Müller GmbH",
                    "--received", "10.03.2027 08:30")
        assert again.exit_code == 0
        listing = run("bids", "list", ref)
        refused = run("bids", "open", ref, "--by", "a@einkauf.example", "--by", "b@einkauf.example")
    assert "Noch nicht geöffnet" in listing.stdout
    for output in (result.stdout, listing.stdout, refused.stderr):
        assert "1234" not in output and "1.234" not in output
    assert refused.exit_code == 1 and "Angebotsfrist läuft bis 10.03.2027, 12:00 Uhr" in refused.stderr
    with session_scope(world["factory"]) as session:
        assert session.scalar(select(func.count()).select_from(Bid)) == 1
        assert session.scalar(select(func.count()).select_from(BidPrice)) == 3
    with clock.fixed(AFTER):
        same = run("bids", "open", ref, "--by", "a@einkauf.example", "--by", "A@einkauf.example")
        one = run("bids", "open", ref, "--by", "a@einkauf.example")
        finance = run("bids", "open", ref, "--by", "a@einkauf.example", "--by", "f@einkauf.example")
        opened = run("bids", "open", ref, "--by", "a@einkauf.example", "--by", "b@einkauf.example")
        late = run("bids", "import", ref, world["good"], "--bidder", "Papier Müller GmbH")
    assert same.exit_code == 1 and "zwei verschiedene Personen" in same.stderr
    assert one.exit_code == 1 and "genau zwei" in one.stderr
    assert finance.exit_code == 1 and "kein aktiver Zugang der Koordination" in finance.stderr
    assert opened.exit_code == 0, opened.stderr
    assert "Geöffnet am 11.03.2027, 09:00 Uhr von a@einkauf.example und b@einkauf.example" in opened.stdout
    assert "Papier Müller GmbH: Eingang 10.03.2027, 08:30 Uhr; Lose 1, 2; 3 Preise" in opened.stdout
    assert late.exit_code == 1 and "unveränderlich" in late.stderr
    with session_scope(world["factory"]) as session:
        assert session.scalar(select(func.count()).select_from(BidOpening)) == 1


def test_a_broken_file_prints_one_line_per_problem_and_stores_nothing(world):
    run("bids", "bidder", "Büro Schulz KG")
    with clock.fixed(BEFORE):
        result = run("bids", "import", world["reference"], world["bad"], "--bidder", "Büro Schulz KG",
                     "--received", "2027-03-10 09:00")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Blatt „Los 1“, Zeile 5, Spalte I: Formeln sind nicht erlaubt")
    assert lines[1].startswith("Blatt „Los 2“, Zeile 5, Spalte I: Der Einheitspreis darf nicht negativ sein")
    assert lines[-1] == "Fehler: Das Preisblatt wurde nicht übernommen; es wurde nichts gespeichert."
    assert "Traceback" not in result.output
    with session_scope(world["factory"]) as session:
        assert session.scalar(select(func.count()).select_from(Bid)) == 0


@pytest.mark.parametrize(("received", "message"), [
    ("gestern", "ist kein Datum"),
    ("10.03.2027 25:00", "ist kein Zeitpunkt"),
    ("28.03.2027 02:30", "Sommerzeit"),
])
def test_a_bad_time_of_receipt_is_refused(world, received, message):
    run("bids", "bidder", "Büro Schulz KG")
    result = run("bids", "import", world["reference"], world["good"], "--bidder", "Büro Schulz KG",
                 "--received", received)
    assert result.exit_code == 1 and message in result.stderr
