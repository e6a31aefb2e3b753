"""One money story (R22) through the database, on SQLite and PostgreSQL: the regression case of
issue 10 (Essen's term share 1.814,92 € = 4 × 453,73 €, not 1.814,90 €) in the Vergabevermerk,
the lot plan and tender pages, the finance workbook's Info sheet, the reconciliation CSV and the
CLI — every figure the same to the cent, the rounding difference shown with its cause."""
from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from einkauf.berlin import BERLIN
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.exports.pdf.record import build_record_pdf
from einkauf.finance.services import prepare_round_export, prepare_tender_export, write_export
from einkauf.lots.services import build_lots
from einkauf.tenders.documents import tender_document_data
from einkauf.tenders.services import freeze_tender

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
D = Decimal


@pytest.fixture
def story(db, make_round, make_member, make_category, make_product):
    """24 + 24 months. Papier: Essen 181,490 × 2,50 € (row 453,73 €) and Bochum 100 × 2,50 €;
    § 3 VgV: 281,49 × 2,50 × 4 = 2.814,90 €, annual rows × 4 = 2.814,92 €. Tinte: Essen only,
    no rounding difference."""
    rnd = make_round(code="2031", closed=True)
    paper = make_category(name="Papier 2031", sort_order=1)
    ink = make_category(name="Tinte 2031", sort_order=2)
    sheet = make_product(paper, number="P-2031", price="2.50", short_text="Kopierpapier")
    cartridge = make_product(ink, number="T-2031", price="40.00", short_text="Patrone")
    essen = make_member(ags="05113000", name="Essen")
    bochum = make_member(ags="05911000", name="Bochum")
    for member, lines in ((essen, ((sheet, "181.490"), (cartridge, "3"))), (bochum, ((sheet, "60"), (sheet, "40")))):
        submission = Submission(round_id=rnd.id, member_id=member.id, status=SubmissionStatus.SUBMITTED, version=1)
        db.add(submission)
        db.flush()
        for k, (product, quantity) in enumerate(lines):
            db.add(DemandLine(submission_id=submission.id, product_id=product.id, quantity=D(quantity),
                              delivery_site_id=member.delivery_sites[0].id, cost_centre=f"KST-{k}"))
    db.flush()
    build_lots(db, "test", rnd.id)
    tender = freeze_tender(db, "koordination@example.org", rnd.id, publication_date=date(2027, 2, 1),
                           submission_deadline=datetime(2027, 3, 10, 12, 0, tzinfo=BERLIN), now=NOW)
    return rnd, tender, essen, bochum


def test_the_vermerk_shows_annual_and_term_shares_that_add_up_and_the_explained_difference(db, story):
    _, tender, _, _ = story
    data = tender_document_data(db, tender, cooperative_name="EK")
    paper = data.lots[0]

    assert (paper.annual_value, paper.estimated_value) == (D("703.73"), D("2814.90"))
    shares = {s.member_name: (s.annual_value, s.value) for s in paper.member_shares}
    assert shares == {"Essen": (D("453.73"), D("1814.92")), "Bochum": (D("250.00"), D("1000.00"))}
    assert data.lots[1].member_shares[0].value == D("480.00") == data.lots[1].estimated_value

    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        build_record_pdf(data, generated_at=NOW))).pages))
    assert "1.814,92 €" in text and "1.814,90 €" not in text
    assert "Jahreswert × Laufzeit (4 Jahre) 2.814,92 €" in text
    assert "zusammen 2.814,92 € = 703,73 € × 4. Geschätzter Wert des Loses nach § 3 VgV: 2.814,90 €; " \
           "Rundungsdifferenz -0,02 €. Rundungsdifferenz = geschätzter Wert nach § 3 VgV" in text
    assert "Rundungsdifferenz +0,00 €" not in text and "Rundungsdifferenz 0,00 €." in text  # Tinte: none


def test_the_lot_plan_and_tender_pages_show_the_same_figures_side_by_side(client, as_role, story):
    rnd, tender, _, _ = story
    as_role("coordinator")
    for url, row in ((f"/runden/{rnd.id}/lose", "los-1"), (f"/vergaben/{tender.id}", "vergabe-los-1")):
        page = client.get(url).get_data(as_text=True).replace("\xa0", " ")
        cells = re.findall(r'cell--numeric">([^<]*)<', re.search(rf'id="{row}">(.*?)</tr>', page, re.S).group(1))
        assert cells[-4:] == ["703,73 €", "2.814,90 €", "2.814,92 €", "-0,02 €"], url
        assert "Wert über die Laufzeit (4 Jahre)" in page and "Jahreswert × 4 Jahre" in page
        assert "Rundungsdifferenz = geschätzter Wert nach § 3 VgV − Jahreswert × Laufzeit in Jahren" in page


def test_the_info_sheet_reconciles_every_lot(db, story):
    rnd, _, _, _ = story
    out = io.BytesIO()
    write_export(db, prepare_round_export(db, rnd.id, now=NOW), "xlsx", out)
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(out.getvalue()))["Info"].iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0] == "Los")
    assert rows[start + 1] == ["1", "Papier 2031", 3, 703.73, 703.73, 0, 48, 2814.92, 2814.9, -0.02]
    assert rows[start + 2] == ["2", "Tinte 2031", 1, 120, 120, 0, 48, 480, 480, 0]
    assert rows[start + 3] == ["Summe", None, 4, 823.73, 823.73, 0, None, 3294.92, 3294.9, -0.02]
    assert any(row[0] and row[0].startswith("Rundungsdifferenz = geschätzter Wert") for row in rows)


def test_a_members_info_sheet_reconciles_its_own_shares_as_in_the_vermerk(db, story):
    _, tender, essen, _ = story
    out = io.BytesIO()
    write_export(db, prepare_tender_export(db, tender.id, member_id=essen.id, now=NOW), "xlsx", out)
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(out.getvalue()))["Info"].iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0] == "Los")
    assert rows[start + 1] == ["1", "Papier 2031", 1, 453.73, 453.73, 0, 48, 1814.92, None, None]
    assert rows[start + 2] == ["2", "Tinte 2031", 1, 120, 120, 0, 48, 480, None, None]
    assert "Bochum" not in str(rows)


def test_the_reconciliation_csv_is_exactly_these_bytes(db, story):
    rnd, _, essen, _ = story
    out = io.BytesIO()
    totals = write_export(db, prepare_round_export(db, rnd.id, now=NOW), "abstimmung", out)
    cause = ("Rundung: § 3 VgV rundet je Position einmal (Jahresmenge × Schätzpreis × Jahre), die Jahreszeilen "
             "werden je Bedarfsposition gerundet und danach mit der Laufzeit multipliziert")
    assert out.getvalue().decode("utf-8-sig").split("\r\n") == [
        "Los;Los-Titel;Zeilen;Zeilen netto (Summe, jährlich);Jahreswert laut Losplan;Abweichung;Laufzeit (Monate);"
        "Jahreswert × Laufzeit;Geschätzter Wert (§ 3 VgV);Rundungsdifferenz;Ursache",
        f"1;Papier 2031;3;703,73;703,73;0,00;48;2814,92;2814,90;-0,02;{cause}",
        "2;Tinte 2031;1;120,00;120,00;0,00;48;480,00;480,00;0,00;",
        f"Summe;;4;823,73;823,73;0,00;;3294,92;3294,90;-0,02;{cause}",
        "",
    ]
    assert (totals.rows, totals.net) == (4, D("823.73"))

    out = io.BytesIO()
    write_export(db, prepare_round_export(db, rnd.id, member_id=essen.id, now=NOW), "abstimmung", out)
    assert out.getvalue().decode("utf-8-sig").split("\r\n")[1:] == [
        "1;Papier 2031;1;453,73;453,73;0,00;48;1814,92;;;", "2;Tinte 2031;1;120,00;120,00;0,00;48;480,00;;;",
        "Summe;;2;573,73;573,73;0,00;;2294,92;;;", ""]


def test_the_reconciliation_downloads_only_the_signed_in_officers_own_shares(client, as_role, story):
    rnd, tender, essen, _ = story
    as_role("officer", member=essen)
    for url in (f"/finanzen/runden/{rnd.id}/abstimmung.csv", f"/finanzen/vergaben/{tender.id}/abstimmung.csv"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "_05113000_Abstimmung.csv" in response.headers["Content-Disposition"]
        body = response.get_data().decode("utf-8-sig")
        assert "453,73;453,73;0,00;48;1814,92;;;" in body and "703,73" not in body
    page = client.get("/finanzen").get_data(as_text=True)
    assert f"/finanzen/runden/{rnd.id}/abstimmung.csv" in page


def test_the_cli_writes_the_reconciliation_of_the_demo_round(built_demo_round, tmp_path):
    from click.testing import CliRunner

    from einkauf.cli import main

    built = built_demo_round
    target = tmp_path / "abstimmung.csv"
    result = CliRunner().invoke(main, ["export", "finance", "2027", "--format", "abstimmung", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Abstimmung je Los 2027 (Profil standard): {len(built.lots)} Lose")
    lines = [line.split(";") for line in target.read_bytes().decode("utf-8-sig").split("\r\n")[1:-1]]
    assert [line[0] for line in lines] == [lot.number for lot in built.lots] + ["Summe"]
    euro = [D(value.replace(",", ".")) for value in lines[-1][3:6]]
    assert euro == [built.annual_total, built.annual_total, D("0.00")]
    assert D(lines[-1][8].replace(",", ".")) == built.estimated_total
