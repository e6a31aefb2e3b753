"""`einkauf tender create ROUND [--json]` and `einkauf tender cancel` on the demo data."""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from einkauf.cli import main
from einkauf.rounds.services import get_round_by_code

from support import FIXED_NOW


@pytest.fixture
def built(fixed_clock, closed_demo_round):
    result = CliRunner().invoke(main, ["lots", "build", "2027", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _day(days: int) -> str:
    """A day `days` after the fixed "today" of the suite (support.FIXED_NOW)."""
    return (FIXED_NOW.date() + timedelta(days=days)).isoformat()


def test_json_names_reference_procedure_threshold_total_reason_and_every_lot(built):
    result = CliRunner().invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"reference", "procedure", "threshold", "value_basis", "estimated_total", "maximum_total",
                         "reason", "lots"}
    assert data["reference"] == "EK-2027-01"
    assert data["estimated_total"] == built["estimated_total"]
    assert [lot["number"] for lot in data["lots"]] == [lot["number"] for lot in built["lots"]]
    assert [lot["estimated_value"] for lot in data["lots"]] == [lot["estimated_value"] for lot in built["lots"]]
    assert data["value_basis"] == "maximum"
    assert data["maximum_total"] == built["maximum_total"]
    assert [lot["maximum_value"] for lot in data["lots"]] == [lot["maximum_value"] for lot in built["lots"]]
    eu = Decimal(data["maximum_total"]) >= Decimal(data["threshold"])
    assert data["procedure"] == ("Offenes Verfahren (VgV)" if eu else "Öffentliche Ausschreibung (UVgO)")
    assert data["threshold"] == "216000.00"  # in force 14 days after the fixed "today", 01.12.2026
    assert "geschätzte Auftragswert" in data["reason"] and "Maßgeblich ist der Höchstwert" in data["reason"]
    for lot in data["lots"]:
        assert set(lot) == {"number", "cpv_code", "additional_cpv_codes", "estimated_value", "maximum_value",
                            "procedure", "small_lot_quota"}
        assert isinstance(lot["small_lot_quota"], bool)
    assert [(lot["cpv_code"], lot["additional_cpv_codes"]) for lot in data["lots"]] == [
        (lot["cpv"], lot["additional_cpv_codes"]) for lot in built["lots"]]
    quota = sum(Decimal(lot["maximum_value"]) for lot in data["lots"] if lot["small_lot_quota"])
    assert quota * 5 <= Decimal(data["maximum_total"])  # the quota uses the same basis


def test_a_second_tender_of_the_same_round_is_refused_until_the_first_is_cancelled(built):
    runner = CliRunner()
    first = runner.invoke(main, ["tender", "create", "2027", "--publication-date", _day(20)])
    assert first.exit_code == 0, first.output
    assert "(maßgeblich: Höchstwert; EU-Schwellenwert 216.000,00 €)" in first.stdout

    again = runner.invoke(main, ["tender", "create", "2027", "--publication-date", _day(20)])
    rebuild = runner.invoke(main, ["lots", "build", "2027"])
    assert again.exit_code == 1 and "EK-2027-01" in again.stderr and "aufgehoben" in again.stderr
    assert rebuild.exit_code == 1 and "festgeschrieben" in rebuild.stderr
    assert len(again.stderr.strip().splitlines()) == 1

    cancelled = runner.invoke(
        main, ["tender", "cancel", "EK-2027-01", "--reason", "Leistungsbeschreibung überarbeitet"]
    )
    assert cancelled.exit_code == 0, cancelled.output
    assert runner.invoke(main, ["lots", "build", "2027"]).exit_code == 0
    second = runner.invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["reference"] == "EK-2027-02"  # numbers are never reused


def test_a_short_deadline_is_refused_without_a_justification_and_created_with_one(built):
    runner = CliRunner()
    publication = FIXED_NOW.date() + timedelta(days=20)
    deadline = (publication + timedelta(days=25)).isoformat() + " 10:00"
    args = ["tender", "create", "2027", "--json", "--publication-date", publication.isoformat(), "--deadline", deadline]
    assert Decimal(built["estimated_total"]) >= Decimal("216000")  # the demo is EU-wide: § 15 VgV applies

    refused = runner.invoke(main, args)
    assert refused.exit_code == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "25 Tage nach der Veröffentlichung" in refused.stderr and "--justification" in refused.stderr
    too_short = runner.invoke(main, [*args, "--justification", "eilt"])
    assert too_short.exit_code == 1 and "20 bis 2.000 Zeichen" in too_short.stderr
    assert len(too_short.stderr.strip().splitlines()) == 1
    assert runner.invoke(main, ["lots", "build", "2027"]).exit_code == 0  # nothing was frozen

    result = runner.invoke(main, [*args, "--justification", "Dringlichkeit: Lieferverträge laufen aus."])
    assert result.exit_code == 0, result.output
    assert "Hinweis: Die Angebotsfrist ist zu kurz" in result.stderr and "§ 15" in result.stderr


def test_the_question_deadline_option_is_checked_and_stored(built, cli_database):
    from sqlalchemy import select

    from einkauf.berlin import BERLIN
    from einkauf.tenders.models import Tender

    runner = CliRunner()
    publication = FIXED_NOW.date() + timedelta(days=20)
    args = ["tender", "create", "2027", "--publication-date", publication.isoformat()]
    late = runner.invoke(main, [*args, "--question-deadline", (publication + timedelta(days=60)).isoformat()])
    assert late.exit_code == 1 and "vor der Angebotsfrist" in late.stderr
    bad = runner.invoke(main, [*args, "--question-deadline", "morgen"])
    assert bad.exit_code == 1 and "--question-deadline" in bad.stderr

    day = publication + timedelta(days=21)
    done = runner.invoke(main, [*args, "--question-deadline", f"{day.isoformat()} 09:30"])
    assert done.exit_code == 0, done.output
    assert f"Frist für Bieterfragen: {day:%d.%m.%Y}, 09:30 Uhr" in done.stdout
    with cli_database() as session:
        stored = session.scalar(select(Tender.question_deadline).where(Tender.reference.like("%-2027-%"))).astimezone(
            BERLIN
        )
    assert (stored.date(), stored.hour, stored.minute) == (day, 9, 30)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--publication-date", "31.02.2027"], "kein Datum"),
        (["--publication-date", "2020-01-01"], "Vergangenheit"),
        (["--deadline", "morgen"], "kein Datum"),
        (["--small-lots", "99"], "Los 99 gibt es nicht"),
        (["--award", "Preis: 60; Qualität: 30"], "genau 100 %"),
    ],
)
def test_bad_options_fail_with_one_german_line_and_create_nothing(built, args, message):
    runner = CliRunner()
    result = runner.invoke(main, ["tender", "create", "2027", *args])

    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert runner.invoke(main, ["lots", "build", "2027"]).exit_code == 0  # still no tender


def test_a_round_without_lots_cannot_be_frozen(fixed_clock, demo_database):
    result = CliRunner().invoke(main, ["tender", "create", "2027"])

    assert result.exit_code == 1
    assert "noch keine Lose" in result.stderr


def test_tender_documents_writes_the_registered_files_into_the_folder(built, tmp_path, monkeypatch):
    import hashlib

    from pypdf import PdfReader

    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "exports"))
    runner = CliRunner()
    created = runner.invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])
    reference = json.loads(created.stdout)["reference"]

    result = runner.invoke(main, ["tender", "documents", reference, "-o", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(
        [
            f"{reference}_Vergabeunterlagen_v1.pdf",
            f"{reference}_Vergabevermerk_v1.pdf",
            f"{reference}_Preisblatt_v1.xlsx",
        ]
    )
    for name in files:
        content = (tmp_path / "out" / name).read_bytes()
        assert content == (tmp_path / "exports" / reference / name).read_bytes()
        assert hashlib.sha256(content).hexdigest() in result.stdout
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "out" / files[1]).pages)
    assert reference in text and "Seite 1 von" in text

    again = runner.invoke(main, ["tender", "documents", reference, "-o", str(tmp_path / "out")])
    assert again.exit_code == 0 and "_v2." in again.stdout  # a new version, nothing overwritten
    assert len(list((tmp_path / "out").iterdir())) == 6
    unknown = runner.invoke(main, ["tender", "documents", "EK-0000-99", "-o", str(tmp_path / "x")])
    assert unknown.exit_code == 1 and "nicht gefunden" in unknown.stderr


def test_a_plan_with_a_changed_reference_price_is_refused_in_one_line_naming_the_product(built, cli_database):
    from sqlalchemy import select

    from einkauf.catalogue.models import Product
    from einkauf.lots.models import LotPosition

    with cli_database() as session:
        product = session.get(Product, session.scalar(select(LotPosition.product_id).order_by(LotPosition.id)))
        number = product.number
        product.reference_price = product.reference_price * 2
        session.commit()
    runner = CliRunner()

    refused = runner.invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])

    assert refused.exit_code == 1 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "Referenzpreise geändert" in refused.stderr and number in refused.stderr
    assert "neu bilden" in refused.stderr
    assert runner.invoke(main, ["lots", "build", "2027"]).exit_code == 0
    created = runner.invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["reference"] == "EK-2027-01"


def test_a_merged_lot_keeps_every_cpv_code_in_both_json_objects(built, cli_database):
    from sqlalchemy import select

    from einkauf.catalogue.models import Category
    from einkauf.lots.models import Lot, LotPlan
    from einkauf.lots.planner import LotRules
    from einkauf.lots.services import NATIONAL_PROCEDURES, save_lot_rules

    with cli_database() as session:
        plan = session.scalar(select(LotPlan).where(LotPlan.superseded_at.is_(None)))
        first, second = session.execute(
            select(Category.id, Category.cpv_code)
            .join(Lot, Lot.category_id == Category.id)
            .where(Lot.plan_id == plan.id)
            .order_by(Lot.sort_key)
            .limit(2)
        ).all()
        assert first.cpv_code != second.cpv_code
        save_lot_rules(
            session,
            "test",
            get_round_by_code(session, "2027").id,
            LotRules(merge_groups=[(first.id, second.id)]),
            NATIONAL_PROCEDURES[0],
            expected_version=0,
        )
        session.commit()
    runner = CliRunner()

    rebuilt = runner.invoke(main, ["lots", "build", "2027", "--json"])
    as_text = runner.invoke(main, ["lots", "build", "2027"])
    created = runner.invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])

    assert rebuilt.exit_code == 0 and created.exit_code == 0, created.output
    merged = json.loads(rebuilt.stdout)["lots"][0]
    assert (merged["cpv"], merged["additional_cpv_codes"]) == (first.cpv_code, [second.cpv_code])
    assert len(json.loads(rebuilt.stdout)["lots"]) == len(built["lots"]) - 1
    frozen = json.loads(created.stdout)["lots"][0]
    assert (frozen["cpv_code"], frozen["additional_cpv_codes"]) == (first.cpv_code, [second.cpv_code])
    assert f"(CPV {first.cpv_code}, {second.cpv_code})" in as_text.stdout


@pytest.fixture
def frozen(built, tmp_path, monkeypatch, cli_database):
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "exports"))
    created = CliRunner().invoke(main, ["tender", "create", "2027", "--json", "--publication-date", _day(20)])
    return json.loads(created.stdout)["reference"]


def _documents(cli_database) -> int:
    from sqlalchemy import func, select

    from einkauf.tenders.models import Document

    with cli_database() as session:
        return session.scalar(select(func.count()).select_from(Document))


def test_tender_documents_into_a_folder_with_a_clashing_file_changes_nothing(frozen, tmp_path, cli_database):
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{frozen}_Vergabevermerk_v1.pdf").write_bytes(b"mine")

    result = CliRunner().invoke(main, ["tender", "documents", frozen, "-o", str(out)])

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Fehler: {out / f'{frozen}_Vergabevermerk_v1.pdf'} gibt es schon; es wurde nichts erzeugt und nichts "
        "überschrieben. Bitte einen anderen Ordner angeben."
    ]
    assert sorted(p.name for p in out.iterdir()) == [f"{frozen}_Vergabevermerk_v1.pdf"]
    assert (out / f"{frozen}_Vergabevermerk_v1.pdf").read_bytes() == b"mine"
    assert _documents(cli_database) == 0  # no version registered
    assert not (tmp_path / "exports" / frozen).exists() or list((tmp_path / "exports" / frozen).iterdir()) == []


def test_a_clash_found_only_while_copying_leaves_nothing_behind(frozen, tmp_path, cli_database, monkeypatch):
    """Someone writes the last file into the folder between the check and the copy."""
    from einkauf.tenders import cli as tender_cli

    out = tmp_path / "out"
    real_copy = tender_cli._copy_all

    def racing_copy(target, files):
        (target).mkdir(parents=True, exist_ok=True)
        (target / files[-1][0]).write_bytes(b"dazwischen")
        real_copy(target, files)

    monkeypatch.setattr(tender_cli, "_copy_all", racing_copy)
    result = CliRunner().invoke(main, ["tender", "documents", frozen, "-o", str(out)])

    assert result.exit_code == 1
    assert "es wurde nichts kopiert und keine neue Fassung angelegt" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert [p.name for p in out.iterdir()] == [f"{frozen}_Preisblatt_v1.xlsx"]  # only the other writer's file
    assert _documents(cli_database) == 0
    assert list((tmp_path / "exports" / frozen).iterdir()) == []  # the generated files are gone too


def test_a_file_where_the_folder_should_be_is_refused_before_generating(frozen, tmp_path, cli_database):
    (tmp_path / "datei").write_text("x")
    result = CliRunner().invoke(main, ["tender", "documents", frozen, "-o", str(tmp_path / "datei")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert _documents(cli_database) == 0


def test_without_a_date_the_tender_is_published_in_14_days_of_the_fixed_clock(built):
    result = CliRunner().invoke(main, ["tender", "create", "2027", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["threshold"] == "216000.00"
    assert "15.12.2026" in json.loads(result.stdout)["reason"]  # 01.12.2026 + 14 days


def test_thresholds_list_and_add_on_the_command_line(cli_database, fixed_clock):
    runner = CliRunner()
    listed = runner.invoke(main, ["thresholds", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)["thresholds"]
    assert [(r["amount"], r["valid_from"], r["valid_to"], r["in_use"]) for r in rows] == [
        ("221000.00", "2024-01-01", "2025-12-31", False),
        ("216000.00", "2026-01-01", "2027-12-31", False),
    ]
    assert {r["kind"] for r in rows} == {"supplies_services_subcentral"}

    added = runner.invoke(
        main,
        [
            "thresholds",
            "add",
            "--amount",
            "230.000,00",
            "--from",
            "2028-01-01",
            "--to",
            "31.12.2029",
            "--source",
            "Delegierte Verordnung (EU) 2027/1",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "230.000,00 €" in added.stdout and "01.01.2028–31.12.2029" in added.stdout
    plain = runner.invoke(main, ["thresholds", "list"])
    assert "01.01.2028–31.12.2029: 230.000,00 €" in plain.stdout

    overlap = runner.invoke(
        main, ["thresholds", "add", "--amount", "1000", "--from", "2029-06-01", "--to", "2031-12-31"]
    )
    assert overlap.exit_code == 1
    assert "überschneidet sich" in overlap.stderr and len(overlap.stderr.strip().splitlines()) == 1
    for args, message in (
        (["--amount", "abc"], "kein Betrag"),
        (["--amount", "0"], "größer als 0,00 €"),
        (["--amount", "1000.001"], "zwei Nachkommastellen"),
    ):
        bad = runner.invoke(main, ["thresholds", "add", *args, "--from", "2032-01-01", "--to", "2033-12-31"])
        assert bad.exit_code == 1 and message in bad.stderr, bad.output
    backwards = runner.invoke(
        main, ["thresholds", "add", "--amount", "1000", "--from", "2033-01-01", "--to", "2032-12-31"]
    )
    assert backwards.exit_code == 1 and "liegt vor" in backwards.stderr
    assert len(json.loads(runner.invoke(main, ["thresholds", "list", "--json"]).stdout)["thresholds"]) == 3
    with cli_database() as session:
        from sqlalchemy import select

        from einkauf.audit.models import AuditEvent

        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "threshold.create")).all()
        assert [(e.actor_label, e.after["amount"]) for e in events] == [("cli", "230000.00")]


def test_the_price_method_option_is_stored_with_the_tender(built, cli_database):
    from sqlalchemy import select

    from einkauf.tenders.models import Tender

    runner = CliRunner()
    bad = runner.invoke(main, ["tender", "create", "2027", "--price-method", "guess"])
    assert bad.exit_code != 0
    done = runner.invoke(
        main, ["tender", "create", "2027", "--award", "Preis: 70; Qualität: 30", "--price-method", "interpolation"]
    )
    assert done.exit_code == 0, done.output
    with cli_database() as session:
        tender = session.scalars(select(Tender).where(Tender.reference.like("%-2027-%"))).one()
        assert tender.price_method == "interpolation"
        assert "Interpolationsmethode" in tender.scoring_formula
