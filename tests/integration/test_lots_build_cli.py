"""`einkauf lots build ROUND [--json]` against a real SQLite file with the demo data."""
from __future__ import annotations

import json
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf.catalogue.models import Category
from einkauf.cli import main
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.lots.models import Allocation, Lot, LotPlan, LotPosition
from einkauf.rounds.models import Round


def test_json_describes_the_lots_built_from_the_demo_round(closed_demo_round):

    result = CliRunner().invoke(main, ["lots", "build", "2027", "--json"])

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"round", "members", "demand_lines", "estimated_total", "maximum_total", "value_basis", "lots"}
    assert data["value_basis"] == "maximum"
    assert data["round"] == "2027"
    with closed_demo_round() as session:
        round_2027 = select(Round.id).where(Round.code == "2027").scalar_subquery()
        submitted = (select(DemandLine).join(Submission, Submission.id == DemandLine.submission_id)
                     .where(Submission.status == SubmissionStatus.SUBMITTED, Submission.round_id == round_2027))
        lines = session.scalar(select(func.count()).select_from(submitted.subquery()))
        members = session.scalar(select(func.count(func.distinct(Submission.member_id)))
                                 .where(Submission.status == SubmissionStatus.SUBMITTED,
                                        Submission.round_id == round_2027))
        categories = session.scalars(select(Category.name).order_by(Category.sort_order, Category.name)).all()
        assert session.scalar(select(func.count()).select_from(Allocation).join(LotPosition).join(LotPlan)
                              .where(LotPlan.round_id == round_2027, LotPlan.superseded_at.is_(None))) == lines
    assert data["members"] == members == 10  # Hagen's draft and the two cities without demand are not in it
    assert data["demand_lines"] == lines
    assert [lot["number"] for lot in data["lots"]] == [str(i) for i in range(1, len(data["lots"]) + 1)]
    titles = [lot["title"] for lot in data["lots"]]
    assert titles == [name for name in categories if name in titles]
    for lot in data["lots"]:
        assert set(lot) == {"number", "title", "cpv", "additional_cpv_codes", "members", "positions",
                            "estimated_value", "maximum_value"}
        assert lot["additional_cpv_codes"] == []  # the demo round merges no categories
        assert Decimal(lot["maximum_value"]) >= Decimal(lot["estimated_value"])
        assert isinstance(lot["estimated_value"], str) and len(lot["estimated_value"].split(".")[1]) == 2
        assert 0 < lot["members"] <= data["members"] and lot["positions"] > 0
        assert len(lot["cpv"]) == 10
    assert isinstance(data["estimated_total"], str) and data["estimated_total"].count(".") == 1
    assert Decimal(data["estimated_total"]) == sum(Decimal(lot["estimated_value"]) for lot in data["lots"])
    assert Decimal(data["maximum_total"]) == sum(Decimal(lot["maximum_value"]) for lot in data["lots"])
    with closed_demo_round() as session:  # stored at build time, the same figures as the JSON (R22)
        current = (select(Lot).join(LotPlan, LotPlan.id == Lot.plan_id)
                   .join(Round, Round.id == LotPlan.round_id)
                   .where(Round.code == "2027", LotPlan.superseded_at.is_(None)))
        assert sum(lot.maximum_value for lot in session.scalars(current)) == Decimal(data["maximum_total"])


def test_building_twice_prints_the_same_json(closed_demo_round):
    runner = CliRunner()

    first = runner.invoke(main, ["lots", "build", "2027", "--json"])
    second = runner.invoke(main, ["lots", "build", "2027", "--json"])

    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


def test_without_json_a_german_summary_is_printed(closed_demo_round):

    result = CliRunner().invoke(main, ["lots", "build", "2027"])

    assert result.exit_code == 0, result.output
    assert "Lose aus" in result.stdout and "Mitgliedern gebildet" in result.stdout
    assert "Los 1:" in result.stdout
    assert "Geschätzter Gesamtauftragswert:" in result.stdout and "€" in result.stdout


def test_an_open_round_is_refused_with_one_german_line(demo_database):
    result = CliRunner().invoke(main, ["lots", "build", "2027", "--json"])

    assert result.exit_code != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "Fehler: Die Bedarfsabfrage 2027 ist noch geöffnet; Lose können erst nach dem Schließen gebildet werden."]


def test_an_unknown_round_is_refused_with_one_german_line(demo_database):
    result = CliRunner().invoke(main, ["lots", "build", "1999"])

    assert result.exit_code != 0
    assert result.stderr.strip().splitlines() == ["Fehler: Es gibt keine Bedarfsabfrage mit dem Kürzel „1999“."]
