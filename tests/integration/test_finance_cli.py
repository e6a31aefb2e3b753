"""`einkauf export finance ROUND --format xlsx|csv -o FILE [--prices …]` against a SQLite file with
the demo data, its lots built."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from einkauf.cli import main

DUESSELDORF = "05111000"


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def read_csv(path):
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_csv_and_xlsx_hold_the_same_rows_and_add_up_to_the_plan(runner, built_demo_round, out):
    result = runner.invoke(main, ["export", "finance", "2027", "--format", "csv", "-o", str(out / "k.csv")])
    assert result.exit_code == 0, result.output
    assert "Kostenaufteilung 2027 (csv, Profil standard):" in result.stdout
    rows = read_csv(out / "k.csv")
    assert len(rows) == built_demo_round.demand_line_count
    net = sum(Decimal(r["Gesamt netto"].replace(",", ".")) for r in rows)
    assert net == built_demo_round.annual_total
    assert {r["Haushaltsjahr"] for r in rows} == {"2027"} and {r["Preisbasis"] for r in rows} == {"Schätzpreis"}

    result = runner.invoke(main, ["export", "finance", "2027", "--format", "xlsx", "-o", str(out / "k.xlsx")])
    assert result.exit_code == 0, result.output
    header, *body = CalamineWorkbook.from_path(str(out / "k.xlsx")).get_sheet_by_name(
        "Kostenaufteilung").to_python()
    assert len(body) == len(rows)
    assert (sum(Decimal(repr(dict(zip(header, r, strict=False))["Gesamt netto"])) for r in body)
            == built_demo_round.annual_total)
    assert sorted(p.name for p in out.iterdir()) == ["k.csv", "k.xlsx"]  # no temporary files left


def test_one_members_share_with_a_custom_profile_file(runner, built_demo_round, out):
    profile = out.parent / "infoma.toml"
    profile.write_text('[format]\ndate = "JJJJ-MM-TT"\ndecimal_separator = "."\n[csv]\nbom = false\nheader = false\n'
                       '[[columns]]\ncolumn = "Belegdatum"\n[[columns]]\ncolumn = "Kostenstelle"\nheader = "KST"\n'
                       '[[columns]]\ncolumn = "Gesamt brutto"\n', encoding="utf-8")
    target = out / "d.csv"
    result = runner.invoke(main, ["export", "finance", "2027", "--format", "csv", "-o", str(target), "--member",
                                  DUESSELDORF, "--profile", str(profile)])
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    first = lines[0].split(";")
    assert len(first) == 3 and first[0][:4].isdigit() and first[0][4] == "-" and "." in first[2]


def test_awarded_prices_fail_with_one_german_line_and_no_file(runner, built_demo_round, out):
    result = runner.invoke(main, ["export", "finance", "2027", "--format", "xlsx", "-o", str(out / "z.xlsx"),
                                  "--prices", "awarded"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Fehler: ")
    assert "noch keine Zuschläge" in result.stderr
    assert not list(out.iterdir())


@pytest.mark.parametrize(("args", "message"), [
    (["UNBEKANNT"], "keine Bedarfsabfrage"),
    (["2027", "--member", "99999999"], "Kein Mitglied"),
    (["2027", "--profile", "fehlt"], "gibt es nicht"),
])
def test_wrong_arguments_fail_with_one_line(runner, built_demo_round, out, args, message):
    result = runner.invoke(main, ["export", "finance", *args[:1], "--format", "csv", "-o", str(out / "x.csv"),
                                  *args[1:]])
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_tender_option_exports_the_frozen_plan_with_its_vergabenummer(runner, built_demo_round, out, fixed_clock):
    # Published on the default day, 14 days after the fixed "today" (support.FIXED_NOW).
    created = runner.invoke(main, ["tender", "create", "2027"])
    assert created.exit_code == 0, created.output

    result = runner.invoke(main, ["export", "finance", "2027", "--tender", "EK-2027-01", "--format", "csv",
                                  "-o", str(out / "t.csv")])
    assert result.exit_code == 0, result.output
    rows = read_csv(out / "t.csv")
    assert len(rows) == built_demo_round.demand_line_count and {r["Vergabenummer"] for r in rows} == {"EK-2027-01"}

    wrong = runner.invoke(main, ["export", "finance", "2026", "--tender", "EK-2027-01", "--format", "csv",
                                 "-o", str(out / "w.csv")])
    assert wrong.exit_code == 1 and "gehört nicht zur Bedarfsabfrage 2026" in wrong.stderr
    assert not (out / "w.csv").exists()


def test_awarded_prices_of_the_demos_awarded_tender(runner, demo_database, out):
    """The demo's round 2025 has its tender awarded: every row with supplier and awarded amounts,
    and the sums equal the contract pages' annual values (issue 14)."""
    from einkauf.contracts.queries import member_contracts
    from einkauf.rounds.models import Member

    target = out / "z.csv"
    result = runner.invoke(main, ["export", "finance", "2025", "--format", "csv", "-o", str(target),
                                  "--prices", "awarded"])
    assert result.exit_code == 0, result.output
    assert "Kostenaufteilung 2025 (csv, Profil standard):" in result.stdout
    rows = read_csv(target)
    assert rows and {r["Preisbasis"] for r in rows} == {"Zuschlagspreis"}
    assert {r["Vergabestatus"] for r in rows} == {"vergeben"} and all(r["Lieferant"] for r in rows)
    net = sum(Decimal(r["Gesamt netto"].replace(",", ".")) for r in rows)
    with demo_database() as session:
        contracts = sum((lot.annual_value for member in session.query(Member)
                         for tender in member_contracts(session, member.id) for lot in tender.lots
                         if lot.outcome == "awarded"), Decimal("0.00"))
    assert net == contracts > 0
