"""Administration → Schwellenwerte: admins maintain the EU thresholds, coordinators read them (R4, R10)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.thresholds.models import EuThreshold

from support import text


def rows(db) -> list[tuple]:
    db.expire_all()
    return [(r.amount, r.valid_from, r.valid_to) for r in
            db.scalars(select(EuThreshold).order_by(EuThreshold.valid_from))]


def events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


SEEDED = [(Decimal("221000.00"), date(2024, 1, 1), date(2025, 12, 31)),
          (Decimal("216000.00"), date(2026, 1, 1), date(2027, 12, 31))]


def test_the_migration_seeds_the_known_rows(db):
    assert rows(db) == SEEDED


def test_an_admin_sees_the_table_and_adds_the_next_biennium(client, as_role, db):
    as_role("admin")
    page = text(client.get("/schwellenwerte"))
    assert "216.000,00 €" in page and "01.01.2026" in page and "31.12.2027" in page
    assert "Schwellenwert hinzufügen" in page and "Liefer- und Dienstleistungen subzentraler" in page

    response = client.post("/schwellenwerte", data={
        "kind": "supplies_services_subcentral", "amount": "230.000,00", "valid_from": "01.01.2028",
        "valid_to": "2029-12-31", "source": "Delegierte Verordnung (EU) 2027/1"})

    assert response.status_code == 303
    assert rows(db)[-1] == (Decimal("230000.00"), date(2028, 1, 1), date(2029, 12, 31))
    [event] = events(db, "threshold.create")
    assert event.after["amount"] == "230000.00" and event.after["valid_from"] == "2028-01-01"
    assert "230.000,00 €" in text(client.get("/schwellenwerte"))


@pytest.mark.parametrize(("changes", "message"), [
    ({"valid_from": "01.06.2027", "valid_to": "31.12.2029"}, "überschneidet sich mit dem hinterlegten Schwellenwert "
                                                             "216.000,00 € (gültig 01.01.2026–31.12.2027)"),
    ({"valid_from": "01.01.2030", "valid_to": "31.12.2029"}, "liegt vor „Gültig ab“"),
    ({"amount": "0"}, "nicht kleiner als 0,01"),
    ({"amount": "NaN"}, ""),
    ({"amount": ""}, "Bitte geben Sie den Schwellenwert an."),
    ({"valid_from": "31.02.2028"}, "gültiges Datum"),
    ({"kind": "works"}, ""),
])
def test_bad_rows_are_refused_in_german_and_nothing_is_written(client, as_role, db, changes, message):
    as_role("admin")
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    data = {"kind": "supplies_services_subcentral", "amount": "230.000,00", "valid_from": "01.01.2028",
            "valid_to": "31.12.2029", **changes}

    response = client.post("/schwellenwerte", data=data)

    assert response.status_code == 200
    page = text(response)
    assert "Bitte korrigieren Sie die folgenden Angaben" in page
    assert message in page
    assert data["amount"] in page or not data["amount"]  # the input is kept
    assert rows(db) == SEEDED
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_coordinator_reads_the_table_but_cannot_change_it(client, as_role, db):
    as_role("coordinator")
    page = text(client.get("/schwellenwerte"))
    assert "216.000,00 €" in page and 'id="read-only-note"' in page
    assert "Schwellenwert hinzufügen" not in page and "/loeschen" not in page
    assert 'href="/schwellenwerte"' in page  # in the navigation
    assert client.post("/schwellenwerte", data={"amount": "1"}).status_code == 403
    assert rows(db) == SEEDED


def test_an_unused_row_is_deleted_and_a_row_a_tender_used_is_kept(client, as_role, db, make_round):
    from einkauf.lots.models import LotPlan
    from einkauf.tenders.models import Tender, TenderStatus
    from einkauf.thresholds.rules import Threshold
    from einkauf.thresholds.services import mark_used

    extra = EuThreshold(kind="supplies_services_subcentral", amount=Decimal("230000.00"), valid_from=date(2028, 1, 1),
                        valid_to=date(2029, 12, 31))
    db.add(extra)
    rnd = make_round(closed=True)
    plan = LotPlan(round_id=rnd.id)
    db.add(plan)
    db.flush()
    db.add(Tender(reference="EK-T-01", round_id=rnd.id, plan_id=plan.id, title="T", status=TenderStatus.ACTIVE,
                  procedure="Offenes Verfahren (VgV)", eu_wide=True, national_procedure="x",
                  threshold_amount=Decimal("216000.00"), threshold_valid_from=date(2026, 1, 1),
                  threshold_valid_to=date(2027, 12, 31), estimated_total=Decimal("0.00"),
                  publication_date=date(2027, 2, 1), submission_deadline=datetime(2027, 3, 8, tzinfo=UTC)))
    mark_used(db, Threshold("supplies_services_subcentral", Decimal("216000.00"), date(2026, 1, 1),
                            date(2027, 12, 31)), "EK-T-01", datetime(2027, 1, 20, tzinfo=UTC))  # as freezing does
    db.flush()
    used = db.scalar(select(EuThreshold.id).where(EuThreshold.valid_from == date(2026, 1, 1)))
    as_role("admin")
    page = text(client.get("/schwellenwerte"))
    assert f"/schwellenwerte/{extra.id}/loeschen" in page and f"/schwellenwerte/{used}/loeschen" not in page

    refused = client.post(f"/schwellenwerte/{used}/loeschen")
    assert refused.status_code == 303
    assert "bereits für ein Vergabeverfahren verwendet" in text(client.get("/schwellenwerte"))
    assert len(rows(db)) == 3 and events(db, "threshold.delete") == []

    deleted = client.post(f"/schwellenwerte/{extra.id}/loeschen")
    assert deleted.status_code == 303
    assert rows(db) == SEEDED
    [event] = events(db, "threshold.delete")
    assert event.before["amount"] == "230000.00"
    assert client.post("/schwellenwerte/999999/loeschen").status_code == 404


def test_the_english_page_translates_the_labels(client, as_role):
    as_role("admin")
    client.post("/sprache", data={"lang": "en", "next": "/schwellenwerte"})
    page = text(client.get("/schwellenwerte"))
    assert re.search(r'<html lang="en"', page)
    assert "EU thresholds" in page and "Valid from" in page and "Supplies and services of sub-central" in page
