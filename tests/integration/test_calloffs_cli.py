"""`einkauf calloffs frameworks|option|customer-number|template|import` against a migrated SQLite
file (issue 15 parts 1 and 2): the detected format, rows, off-contract rows and the net total on
stdout; row errors one line each on stderr and nothing stored; a period imported twice replaces it."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf.calloffs.models import CallOff, Framework, SalesReport
from einkauf.cli import main

from bids_support import create_bid_tender, two_coordinators
from calloffs_support import award_both_lots, csv_bytes, xlsx_bytes


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def world(cli_database):
    with cli_database() as session:
        tender = create_bid_tender(session)
        users = iter(two_coordinators(session) * 2)
        award_both_lots(session, tender, lambda _role: next(users))
        session.commit()
        return {"reference": tender.reference, "session": cli_database}


def _count(world, model) -> int:
    with world["session"]() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_frameworks_import_and_reimport(world, tmp_path):
    ref = world["reference"]
    missing = run("calloffs", "frameworks", ref)
    assert missing.exit_code == 1 and "Vertragsschluss" in missing.stderr
    created = run("calloffs", "frameworks", ref, "--start", "2027-05-01")
    assert created.exit_code == 0, created.output
    assert "2 Rahmenvertrag/-verträge angelegt." in created.stdout
    assert f"{ref} Los 1 (Papier Müller GmbH): 01.05.2027 bis 30.04.2029" in created.stdout
    assert "Alle bezuschlagten Lose haben bereits" in run("calloffs", "frameworks", ref).stdout
    assert _count(world, Framework) == 2

    assert run("calloffs", "customer-number", "Papier Müller GmbH", "K-1", "05990300").exit_code == 0
    report = tmp_path / "juni.csv"
    report.write_bytes(csv_bytes([["K-1", "P-1", "", "10", "23,50", "", "", ""],
                                  ["05990301", "X-1", "Locher für Büro", "1", "4,00", "", "", ""]], encoding="cp1252"))
    result = run("calloffs", "import", ref, str(report), "--lot", "1", "--period", "2027-06")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Format: CSV, Windows-1252, Trennzeichen Semikolon, Dezimalkomma",
        "Umsatzmeldung 06/2027 für Los 1: 2 Zeilen, davon 1 außerhalb des Vertrags; netto 27,50 €."]
    again = run("calloffs", "import", ref, str(report), "--lot", "1", "--period", "2027-06")
    assert "ersetzt die bisherige Meldung (2 Zeilen)" in again.stdout
    assert (_count(world, SalesReport), _count(world, CallOff)) == (1, 2)

    option = run("calloffs", "option", ref, "--lot", "1", "--option", "1", "--exercised", "ja", "--day", "2029-02-01")
    assert option.exit_code == 0 and "Laufzeit bis 30.04.2030" in option.stdout

    template = tmp_path / "vorlage.xlsx"
    assert run("calloffs", "template", ref, "--lot", "2", "-o", str(template)).exit_code == 0
    assert template.read_bytes().startswith(b"PK")


def test_row_errors_one_line_each_and_nothing_stored(world, tmp_path):
    ref = world["reference"]
    run("calloffs", "frameworks", ref, "--start", "2027-05-01")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([["05990300", "P-1", None, "=1+1", 2], ["99999999", "P-1", None, -1, -2]]))
    result = run("calloffs", "import", ref, str(bad), "--lot", "1", "--period", "2027-06")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Blatt „Sheet“, Zeile 2, Spalte D (Menge): Formeln sind nicht erlaubt")
    assert lines[1].startswith("Blatt „Sheet“, Zeile 3, Spalte D (Menge): Menge ist negativ")
    assert lines[-1] == "Fehler: Die Umsatzmeldung wurde nicht übernommen; es wurde nichts gespeichert."
    outside = run("calloffs", "import", ref, str(bad), "--lot", "1", "--period", "2026-06")
    assert outside.exit_code == 1 and "außerhalb der Laufzeit" in outside.stderr
    unknown_lot = run("calloffs", "import", ref, str(bad), "--lot", "9", "--period", "2027-06")
    assert unknown_lot.exit_code == 1 and "keinen Rahmenvertrag" in unknown_lot.stderr
    assert _count(world, CallOff) == 0
