"""Finance signs in, opens the finance exports and downloads the cost allocation as Excel and CSV
(axe-core clean on every page); the files hold the round's rows and add up to the plan.

The demo round 2027 is still open (other browser tests enter demand there), so a closed round
"2024" with Münster's demand and a built lot plan is added behind the live server's back;
Münster takes part in no other browser test.
"""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

MUENSTER = "05515000"


@pytest.fixture
def closed_round(live_database_url):
    from sqlalchemy import select

    from einkauf.catalogue.models import Product
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
    from einkauf.lots.services import build_lots
    from einkauf.rounds.models import Member, Round

    engine = make_engine(live_database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            existing = session.scalar(select(Round).where(Round.code == "2024"))
            if existing is None:
                now = datetime.now(UTC)
                rnd = Round(code="2024", title="Bedarfsabfrage 2024", opens_on=date.today() - timedelta(days=90),
                            deadline=now - timedelta(days=30), contract_term_months=24, extension_months=24,
                            max_quantity_buffer_pct=Decimal("10.00"), opened_at=now - timedelta(days=90),
                            closed_at=now - timedelta(days=29))
                session.add(rnd)
                session.flush()
                member = session.scalar(select(Member).where(Member.ags == MUENSTER))
                submission = Submission(round_id=rnd.id, member_id=member.id, status=SubmissionStatus.SUBMITTED,
                                        version=1, submitted_at=now - timedelta(days=31))
                session.add(submission)
                session.flush()
                products = session.scalars(select(Product).where(Product.active.is_(True))
                                           .order_by(Product.number).limit(3)).all()
                for product, quantity in zip(products, ("12.5", "0.333", "7"), strict=False):
                    session.add(DemandLine(submission_id=submission.id, product_id=product.id,
                                           delivery_site_id=member.delivery_sites[0].id, quantity=Decimal(quantity),
                                           cost_centre="0815-Schule", budget_account="=5210"))
                session.flush()
                build_lots(session, "browser-test", rnd.id)
            round_id = session.scalar(select(Round.id).where(Round.code == "2024"))
    finally:
        engine.dispose()
    return round_id


def download(page, name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    download = info.value
    assert download.failure() is None
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


def test_finance_downloads_the_cost_allocation_as_excel_and_csv(visitor, closed_round):
    visitor.sign_in("finanzen@einkauf.example")
    page = visitor.page
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Finanzexporte").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_role("heading", level=1, name="Finanzexporte").is_visible()
    row = page.get_by_role("row").filter(has_text="2024 – Bedarfsabfrage 2024")
    assert row.is_visible()

    name, data = download(page, "Kostenaufteilung 2024 als Excel-Datei herunterladen")
    assert name == "Kostenaufteilung_2024.xlsx"
    wb = load_workbook(io.BytesIO(data))
    header, *rows = list(wb["Kostenaufteilung"].iter_rows(values_only=True))
    assert len(rows) == 3 and {r[header.index("AGS")] for r in rows} == {MUENSTER}
    assert {r[header.index("Sachkonto")] for r in rows} == {"=5210"}  # text, not a formula
    net_xlsx = sum(Decimal(repr(r[header.index("Gesamt netto")])) for r in rows)

    name, data = download(page, "Kostenaufteilung 2024 als CSV-Datei herunterladen")
    assert name == "Kostenaufteilung_2024.csv"
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    records = list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline=""), delimiter=";"))
    assert len(records) == 3
    assert sum(Decimal(r["Gesamt netto"].replace(",", ".")) for r in records) == net_xlsx
    info = {r[0]: r[1] for r in wb["Info"].iter_rows(values_only=True) if r[0]}
    assert Decimal(repr(info["Summe Gesamt netto"])) == net_xlsx
    visitor.check()  # the page is still there and clean after the downloads
