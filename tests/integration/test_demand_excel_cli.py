"""`einkauf demand template|import` against a migrated SQLite file (EINKAUF_DATABASE_URL).

Exit 0 with a German summary; otherwise non-zero with one German line per problem on stderr,
never a traceback."""
from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.catalogue.models import Category, CpvCode, Product, Unit
from einkauf.cli import main
from einkauf.db import session_scope
from einkauf.demand.models import DemandLine, Submission
from einkauf.rounds.models import DeliverySite, Member, Round

UTC = UTC


@pytest.fixture
def database(cli_database):
    now = datetime.now(UTC)
    with session_scope(cli_database) as session:
        session.add(CpvCode(code="30192000-1", label="Büroartikel"))
        session.add(Unit(code="H87", label="Stück"))
        session.flush()
        category = Category(name="Büromaterial", cpv_code="30192000-1", sort_order=1)
        session.add(category)
        session.flush()
        for i in range(1, 4):
            session.add(Product(category_id=category.id, number=f"BM-{i:04d}", short_text=f"Artikel {i}",
                                unit_code="H87", reference_price=Decimal("1.50"), vat_rate=Decimal("19.00")))
        for ags, name in (("05913000", "Dortmund"), ("05914000", "Hagen")):
            member = Member(ags=ags, name=name)
            member.delivery_sites.append(DeliverySite(name="Rathaus"))
            session.add(member)
        for code, opened in (("2027", True), ("2028", False)):
            session.add(Round(code=code, title=f"Bedarfsabfrage {code}", opens_on=date(2026, 12, 1),
                              deadline=now + timedelta(days=30), contract_term_months=24, extension_months=24,
                              max_quantity_buffer_pct=Decimal("20"), opened_at=now if opened else None))
    return cli_database


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def fill(path, values: dict[str, object]) -> None:
    wb = load_workbook(path)
    for ref, value in values.items():
        wb["Bedarf"][ref].value = value
    wb.save(path)


def line_count(database, ags: str) -> int:
    with session_scope(database) as session:
        return session.scalar(select(func.count()).select_from(DemandLine).join(Submission).join(Member)
                              .where(Member.ags == ags))


def test_template_writes_the_members_workbook_and_confirms_in_german(database, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "vorlage.xlsx"
    result = run("demand", "template", "2027", "05913000", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (f"Vorlage für Dortmund (05913000), Bedarfsabfrage 2027 gespeichert: {target} "
                                     "(0 Positionen vorbelegt).")
    wb = load_workbook(target)
    assert wb["Info"]["B4"].value == "05913000"
    assert [wb["Bedarf"][f"B{r}"].value for r in range(2, 5)] == ["BM-0001", "BM-0002", "BM-0003"]
    assert os.listdir(tmp_path / "out") == ["vorlage.xlsx"]  # no temporary file left behind


def test_import_replaces_the_draft_lines_and_prints_a_summary(database, tmp_path):
    target = tmp_path / "vorlage.xlsx"
    assert run("demand", "template", "2027", "05913000", "-o", str(target)).exit_code == 0
    fill(target, {"F2": 10, "F4": "2,5"})
    result = run("demand", "import", "2027", "05913000", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Import für Dortmund (05913000), Bedarfsabfrage 2027: 2 Positionen übernommen, "
                                    "geschätzter Wert 18,75 € (SHA-256 ")
    assert result.stderr == ""
    again = run("demand", "import", "2027", "05913000", str(target))
    assert again.exit_code == 0 and line_count(database, "05913000") == 2
    with session_scope(database) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.import")).all()
        assert [(e.actor_label, e.actor_id) for e in events] == [("cli", None), ("cli", None)]
        assert events[0].after["sha256"] == events[1].after["sha256"]


def test_a_refused_file_prints_one_line_per_problem_and_imports_nothing(database, tmp_path):
    target = tmp_path / "vorlage.xlsx"
    run("demand", "template", "2027", "05913000", "-o", str(target))
    fill(target, {"F2": "zehn", "F3": -1, "F4": "=1+2"})
    result = run("demand", "import", "2027", "05913000", str(target))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Blatt „Bedarf“, Zeile 2, Spalte F (Menge): „zehn“ ist keine Menge. Bitte eine Zahl wie 12 oder 2,5 eintragen.",
        "Blatt „Bedarf“, Zeile 3, Spalte F (Menge): Die Menge darf nicht negativ sein.",
        "Blatt „Bedarf“, Zeile 4, Spalte F (Menge): Formeln sind nicht erlaubt – bitte tragen Sie Werte ein (in "
        "Excel: Kopieren und „Inhalte einfügen › Werte“).",
    ]
    assert line_count(database, "05913000") == 0


@pytest.mark.parametrize("content", [b"", b"kein Excel", b"PK\x03\x04kaputt"])
def test_a_broken_file_is_one_german_line_never_a_traceback(database, tmp_path, content):
    target = tmp_path / "kaputt.xlsx"
    target.write_bytes(content)
    result = run("demand", "import", "2027", "05913000", str(target))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and "Datei" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped exception


def test_the_file_of_another_member_is_refused(database, tmp_path):
    target = tmp_path / "dortmund.xlsx"
    run("demand", "template", "2027", "05913000", "-o", str(target))
    fill(target, {"F2": 1})
    result = run("demand", "import", "2027", "05914000", str(target))
    assert result.exit_code == 1
    assert "anderen Mitglied (AGS 05913000)" in result.stderr
    assert line_count(database, "05914000") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("template", "2099", "05913000", "-o", "{tmp}/x.xlsx"),
            "Fehler: Es gibt keine Bedarfsabfrage mit dem Kürzel „2099“.",
        ),
        (
            ("template", "2027", "99999999", "-o", "{tmp}/x.xlsx"),
            "Fehler: Es gibt kein Mitglied mit dem AGS „99999999“.",
        ),
        (
            ("template", "2028", "05913000", "-o", "{tmp}/x.xlsx"),
            "Fehler: Die Bedarfsabfrage 2028 ist noch nicht geöffnet.",
        ),
        (
            ("template", "2027", "05913000", "-o", "{tmp}/fehlt/x.xlsx"),
            "Fehler: Die Datei {tmp}/fehlt/x.xlsx kann nicht geschrieben werden (No such file or directory).",
        ),
        (
            ("import", "2027", "05913000", "{tmp}/fehlt.xlsx"),
            "Fehler: Die Datei {tmp}/fehlt.xlsx kann nicht gelesen werden (No such file or directory).",
        ),
        (
            ("import", "2028", "05913000", "{tmp}/fehlt.xlsx"),
            "Fehler: Die Datei {tmp}/fehlt.xlsx kann nicht gelesen werden (No such file or directory).",
        ),
    ],
)
def test_wrong_arguments_fail_with_one_german_line(database, tmp_path, args, message):
    result = run("demand", *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == message.format(tmp=tmp_path)


def test_after_the_deadline_the_import_is_refused(database, tmp_path):
    target = tmp_path / "vorlage.xlsx"
    run("demand", "template", "2027", "05913000", "-o", str(target))
    fill(target, {"F2": 1})
    with session_scope(database) as session:
        session.scalar(select(Round).where(Round.code == "2027")).deadline = datetime.now(UTC) - timedelta(seconds=1)
    result = run("demand", "import", "2027", "05913000", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == "Fehler: Die Abgabefrist ist abgelaufen; Änderungen sind nicht mehr möglich."
    assert line_count(database, "05913000") == 0


def test_the_documented_commands_work_on_the_demo(demo_database, tmp_path):
    cli_database = demo_database
    dortmund, hagen = tmp_path / "dortmund.xlsx", tmp_path / "hagen.xlsx"
    assert run("demand", "template", "2027", "05913000", "-o", str(dortmund)).exit_code == 0
    submitted = run("demand", "import", "2027", "05913000", str(dortmund))
    assert submitted.exit_code == 1 and "bereits abgegeben" in submitted.stderr  # Dortmund has handed in
    assert run("demand", "template", "2027", "05914000", "-o", str(hagen)).exit_code == 0  # Hagen is a draft
    before = line_count(cli_database, "05914000")
    result = run("demand", "import", "2027", "05914000", str(hagen))
    assert result.exit_code == 0, result.output
    assert line_count(cli_database, "05914000") == before > 0
    assert io.BytesIO(hagen.read_bytes()).getvalue()[:2] == b"PK"
