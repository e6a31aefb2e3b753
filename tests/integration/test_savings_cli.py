"""`einkauf export savings ROUND -o FILE.xlsx` on the demo: the round 2025's tender EK-2025-01
saved money; the file holds the same figures as the report."""
from __future__ import annotations

from decimal import Decimal

from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from einkauf.cli import main
from einkauf.contracts.savings import savings_report
from einkauf.formatting import format_money_de
from einkauf.rounds.models import Round


def test_the_export_of_the_demo_round_2025(demo_database, tmp_path):
    target = tmp_path / "einsparungen.xlsx"
    result = CliRunner().invoke(main, ["export", "savings", "2025", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with demo_database() as session:
        report = savings_report(session, session.scalar(select(Round.id).where(Round.code == "2025")))
    assert report.total.saving > 0
    assert f"Einsparung {format_money_de(report.total.saving)}" in result.output
    workbook = load_workbook(target)
    lots = list(workbook["Lose"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], Decimal(str(row[2])), Decimal(str(row[3]))) for row in lots] == [
        ("EK-2025-01", lot.estimated, lot.awarded) for lot in report.lots]
    members = {row[0]: Decimal(str(row[3])) for row in workbook["Mitglieder"].iter_rows(min_row=2, values_only=True)}
    assert members == {m.label: m.saving for m in report.members}
    assert not list(tmp_path.glob(".einsparungen-*"))


def test_an_unknown_round_is_one_line_and_exit_code_1(cli_database, tmp_path):
    result = CliRunner().invoke(main, ["export", "savings", "1999", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and not (tmp_path / "x.xlsx").exists()
