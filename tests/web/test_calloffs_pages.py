"""The frameworks pages (issue 15 parts 1 and 2): list and detail render for coordinators, the
frameworks of an awarded tender are created from the list, an option is decided, a sales report
is uploaded (format and counts shown), a bad file is refused without a trace, the templates are
downloaded, customer numbers are mapped; other roles are kept out."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.calloffs.models import CallOff, CustomerNumber, Framework, FrameworkOption, SalesReport

from calloffs_support import award_both_lots, csv_bytes, frameworks_of, members, xlsx_bytes


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def framework(db, bid_tender, make_user):
    return frameworks_of(db, bid_tender, make_user)["1"]


def test_the_frameworks_of_an_awarded_tender_are_created_from_the_list(client, as_role, db, bid_tender, make_user):
    award_both_lots(db, bid_tender, make_user)
    as_role("coordinator")
    page = client.get("/rahmenvertraege").get_data(as_text=True)
    assert "Noch keine Rahmenverträge angelegt." in page and bid_tender.reference in page
    prefix = f"t{bid_tender.id}-"
    refused = client.post(f"/rahmenvertraege/anlegen/{bid_tender.id}", data={prefix + "starts_on": ""})
    assert refused.status_code in (409, 422) and "Vertragsschluss" in refused.get_data(as_text=True)
    assert _count(db, Framework) == 0
    response = client.post(f"/rahmenvertraege/anlegen/{bid_tender.id}", data={prefix + "starts_on": "01.05.2027"})
    assert response.status_code == 303
    assert _count(db, Framework) == 2
    page = client.get("/rahmenvertraege").get_data(as_text=True)
    assert "2 Rahmenvertrag/-verträge" in page and "01.05.2027 – 30.04.2029" in page
    assert "Alle bezuschlagten Lose haben einen Rahmenvertrag." in page


def test_the_detail_page_shows_supplier_positions_and_decides_the_next_option(client, as_role, db, framework):
    as_role("coordinator")
    page = client.get(f"/rahmenvertraege/{framework.id}").get_data(as_text=True)
    assert "Papier Müller GmbH" in page and "P-1" in page and "2,35" in page and "970" in page
    assert "Über Option 1 entscheiden" in page and "Essen BID" in page
    assert '<th scope="col" class="kern-table__header">' in page
    response = client.post(f"/rahmenvertraege/{framework.id}/optionen/1", data={
        "option1-exercised": "ja", "option1-decided_on": "01.02.2029", "option1-note": "Preise stabil",
        "option1-version": "1"})
    assert response.status_code == 303
    db.expire_all()
    option = db.scalar(select(FrameworkOption).where(FrameworkOption.framework_id == framework.id,
                                                     FrameworkOption.number == 1))
    assert (option.exercised, option.decided_on, option.note) == (True, date(2029, 2, 1), "Preise stabil")
    page = client.get(f"/rahmenvertraege/{framework.id}").get_data(as_text=True)
    assert "30.04.2030" in page and "Über Option 2 entscheiden" in page
    stale = client.post(f"/rahmenvertraege/{framework.id}/optionen/2", data={
        "option2-exercised": "ja", "option2-decided_on": "01.02.2030", "option2-version": "9"})
    assert stale.status_code == 409 and "inzwischen" in stale.get_data(as_text=True)


def test_upload_shows_the_detected_format_and_counts(client, as_role, db, framework):
    as_role("coordinator")
    cities = members(db)
    data = csv_bytes([[cities["Essen"].ags, "P-1", "", "10", "23.50", "", "", ""],
                      [cities["Bochum"].ags, "Z-1", "Sonderartikel", "1", "5.00", "", "", ""]],
                     delimiter=",", encoding="cp1252", header=["Mitglied", "Artikelnummer", "Artikelbezeichnung",
                                                               "Menge", "Nettobetrag", "Gutschrift", "Lieferort",
                                                               "Bestelldatum"])
    response = client.post(f"/rahmenvertraege/{framework.id}/umsatzmeldung",
                           data={"period": "2027-06", "file": (io.BytesIO(data), "juni.csv")})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Umsatzmeldung 06/2027 übernommen" in page
    assert "CSV, UTF-8, Trennzeichen Komma, Dezimalpunkt" in page
    assert "2 Zeilen, davon 1 außerhalb des Vertrags" in page
    assert _count(db, CallOff) == 2


@pytest.mark.parametrize(("name", "data"), [
    ("kaputt.xlsx", b"PK\x03\x04 kein Arbeitsblatt"),
    ("formel.xlsx", None),
    ("text.csv", b"Mitglied;Artikelnummer;Menge;Nettobetrag\r\n05990300;P-1;zehn;1,00\r\n"),
])
def test_a_refused_upload_leaves_no_trace(client, as_role, db, framework, name, data):
    as_role("coordinator")
    if data is None:
        data = xlsx_bytes([["05990300", "P-1", "", "=1+1", 2, None, None, None]])
    events = _count(db, AuditEvent)
    response = client.post(f"/rahmenvertraege/{framework.id}/umsatzmeldung",
                           data={"period": "2027-06", "file": (io.BytesIO(data), name)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nichts gespeichert" in page
    assert _count(db, SalesReport) == 0 and _count(db, CallOff) == 0 and _count(db, AuditEvent) == events


def test_templates_download_as_xlsx_and_csv(client, as_role, framework):
    as_role("coordinator")
    response = client.get(f"/rahmenvertraege/{framework.id}/vorlage.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][:5] == ["Mitglied", "Artikelnummer", "Artikelbezeichnung", "Menge", "Nettobetrag"]
    assert [r[1] for r in rows[1:]] == ["P-1", "P-2"]
    csv = client.get(f"/rahmenvertraege/{framework.id}/vorlage.csv")
    assert csv.data.startswith(b"\xef\xbb\xbfMitglied;Artikelnummer;") and b";P-1;Kopierpapier A4;" in csv.data


def test_a_customer_number_is_mapped_to_a_member(client, as_role, db, framework):
    as_role("coordinator")
    essen = members(db)["Essen"]
    response = client.post(f"/rahmenvertraege/{framework.id}/kundennummern",
                           data={"customer_number": "K-0815", "member_ags": essen.ags})
    assert response.status_code == 303
    assert db.scalar(select(CustomerNumber.member_id).where(CustomerNumber.customer_number == "K-0815")) == essen.id
    page = client.get(f"/rahmenvertraege/{framework.id}").get_data(as_text=True)
    assert "K-0815" in page


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
def test_only_coordinators_see_the_frameworks(client, as_role, framework, role):
    as_role(role)
    assert client.get("/rahmenvertraege").status_code == 403
    assert client.get(f"/rahmenvertraege/{framework.id}").status_code == 403
    assert client.get(f"/rahmenvertraege/{framework.id}/vorlage.csv").status_code == 403
