"""The monitoring pages (issue 15 part 3/5): coordinators see the warnings first, the chart with
its data table and every framework; the consumption report as xlsx with the same figures;
officers see only their own member's consumption, another tender is 404."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from einkauf import clock

from calloffs_support import reported_framework


@pytest.fixture
def reported(db, bid_tender, make_user):
    _next, essen, tender = reported_framework(db, bid_tender, make_user)
    db.commit()
    return tender, essen


@pytest.fixture(autouse=True)
def april():
    with clock.fixed(datetime(2027, 4, 1, 10, tzinfo=UTC)):
        yield


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_coordinator_sees_warnings_first_then_the_chart_and_the_frameworks(client, as_role, reported):
    tender, _essen = reported
    as_role("coordinator")
    assert f"/vergaben/{tender.id}/abrufe" in _html(client, "/abrufe")
    page = _html(client, f"/vergaben/{tender.id}/abrufe")
    warnings = page.index('id="monitoring-warnings"')
    assert warnings < page.index("<svg") < page.index('id="rahmenvertrag-')
    first_row = page[page.index("<tbody", warnings):page.index("</tr>", page.index("<tbody", warnings))]
    assert "Höchstmenge erreicht" in first_row and "Bochum BID" in first_row and "P-1" in first_row
    assert "Abrufe über die Zeit" in page and 'id="abrufe-zeit-data"' in page and "<script" not in page
    assert "Käufe außerhalb des Rahmenvertrags" in page and "14,00" in page


def test_the_consumption_report_holds_the_page_figures(client, as_role, reported):
    tender, _essen = reported
    as_role("coordinator")
    response = client.get(f"/vergaben/{tender.id}/abrufe.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Positionen", "Mitglieder", "Außerhalb des Vertrags"]
    positions = {row[2]: row for row in workbook["Positionen"].iter_rows(min_row=2, values_only=True)}
    assert positions["P-1"][6:11] == (808, 50.327, 970, 584, 386) and positions["P-1"][11] == "über Schätzmenge"
    members = [row for row in workbook["Mitglieder"].iter_rows(min_row=2, values_only=True) if row[2] == "P-1"]
    assert {row[6]: row[13] for row in members} == {"Bochum BID": "Höchstmenge erreicht",
                                                      "Essen BID": "über Schätzmenge"}


def test_an_officer_sees_only_its_own_members_consumption(client, as_role, db, reported):
    tender, essen = reported
    as_role("officer", member=essen)
    assert f"/bedarf/abrufe/{tender.id}" in _html(client, "/abrufe")
    page = _html(client, f"/bedarf/abrufe/{tender.id}")
    assert "Essen BID" in page and "Bochum BID" not in page and "<svg" not in page
    assert "84" in page  # Essen's P-1: 30 + 30 + 30 − 6
    workbook = load_workbook(io.BytesIO(client.get(f"/bedarf/abrufe/{tender.id}.xlsx").data))
    assert workbook.sheetnames == ["Mitglieder", "Außerhalb des Vertrags"]
    assert {row[6] for row in workbook["Mitglieder"].iter_rows(min_row=2, values_only=True)} == {"Essen BID"}
    # The coordinator's pages are not the officer's.
    assert client.get(f"/vergaben/{tender.id}/abrufe").status_code == 403


def test_an_officer_of_a_member_outside_the_tender_gets_404(client, as_role, make_member, reported):
    tender, _essen = reported
    as_role("officer", member=make_member(name="Hamm"))
    assert client.get(f"/bedarf/abrufe/{tender.id}").status_code == 404
    assert client.get(f"/bedarf/abrufe/{tender.id}.xlsx").status_code == 404
    assert client.get("/bedarf/abrufe/999999").status_code == 404


def test_a_tender_without_frameworks_shows_no_warnings(client, as_role, bid_tender):
    as_role("coordinator")
    page = _html(client, f"/vergaben/{bid_tender.id}/abrufe")
    assert 'id="no-warnings"' in page and "<svg" not in page
    assert client.get("/vergaben/999999/abrufe").status_code == 404
