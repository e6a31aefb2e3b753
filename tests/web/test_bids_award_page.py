"""The award page (issue 13, part 7; R19): the decisions per lot, the information letters of
§ 134 GWB generated and their sending recorded in one action, the letters downloaded through the
document register, the earliest contract date, the contract date per lot refused inside the
waiting period; coordinators only."""
from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from einkauf import clock
from einkauf.berlin import BERLIN
from einkauf.bids import services
from einkauf.bids.award import award_lot, cancel_lot

from bids_support import AFTER, BEFORE, import_bids
from support import csrf_token_from, text

WINNER = "Papier Müller GmbH"
HOSTILE = "<b>Büro & \"Schulz\" 'KG'</b>"
GOOD = {"1|P-1": Decimal("4.50"), "1|P-2": Decimal("9.00"), "2|T-1": Decimal("39.90")}
DEARER = {"1|P-1": Decimal("4.80"), "1|P-2": Decimal("9.40"), "2|T-1": Decimal("41.00")}
SENT = datetime(2027, 3, 12, 10, 0, tzinfo=BERLIN)
LATER = datetime(2027, 4, 20, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


def _opened(db, tender, make_user, *, eu_wide=True) -> dict[str, int]:
    tender.eu_wide = eu_wide
    ids = import_bids(db, tender, ((WINNER, GOOD, BEFORE), (HOSTILE, DEARER, BEFORE)))
    with clock.fixed(AFTER):
        services.open_bids(db, make_user("coordinator"), make_user("coordinator"), tender.id)
        award_lot(db, "test", tender.id, "1", ids[WINNER])
    db.commit()
    return ids


def test_before_the_opening_the_page_is_sealed(client, db, bid_tender, coordinator):
    response = client.get(f"/vergaben/{bid_tender.id}/zuschlag")
    assert response.status_code == 409 and "noch nicht geöffnet" in text(response)


def test_letters_are_generated_downloaded_and_the_contract_waits(client, db, bid_tender, coordinator, make_user):
    _opened(db, bid_tender, make_user)
    url = f"/vergaben/{bid_tender.id}/zuschlag"
    with clock.fixed(SENT):
        page = client.get(url)
        html = text(page)
        assert page.status_code == 200 and "Noch offen: 2" in html and WINNER in html
        assert "<b>Büro" not in html
        cancel_lot(db, "test", bid_tender.id, "2", "Alle Angebote liegen über dem Budget.")
        db.commit()
        page = client.get(url)
        html = text(page)
        assert "Informationsschreiben erzeugen und Versand erfassen" in html
        # Default: today, electronically.
        assert 'value="2027-03-12"' in html and '<option selected value="electronic">' in html.replace(
            'value="electronic" selected', 'selected value="electronic"')
        done = client.post(url + "/information", data={"csrf_token": csrf_token_from(html),
                                                       "sent_on": "12.03.2027", "channel": "electronic"})
        assert done.status_code == 303
        page = client.get(url)
        html = text(page)
    # Two letters (the winner of lot 1 also bid for the cancelled lot 2); 10 days → Tuesday 23.03.
    assert "23.03.2027" in html and "&lt;b&gt;Büro" in html
    assert html.count("_Informationsschreiben_Bieter-") == 2
    link = html.split(f'href="/vergaben/{bid_tender.id}/zuschlag/schreiben/')[1].split('"')[0]
    letter = client.get(f"/vergaben/{bid_tender.id}/zuschlag/schreiben/{link}")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    content = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.data)).pages)
    assert "23.03.2027" in content and "aufgehoben" in content
    lot1 = bid_tender.lots[0].id
    form_url = f"{url}/los/{lot1}/vertrag"
    with clock.fixed(LATER):
        page = client.get(url)
        early = client.post(form_url, data={"csrf_token": csrf_token_from(text(page)),
                                            f"lot{lot1}-contract_date": "22.03.2027"})
        assert early.status_code == 422
        assert "frühestens am Dienstag, 23.03.2027" in text(early)
        ok = client.post(form_url, data={"csrf_token": csrf_token_from(text(page)),
                                         f"lot{lot1}-contract_date": "23.03.2027"})
        assert ok.status_code == 303
        html = text(client.get(url))
    assert "Vertragsschluss für Los 1 erfasst" in html and "23.03.2027 (" in html
    # The cancelled lot has no contract form; the price matrix and the tender link here.
    assert f"/los/{bid_tender.lots[1].id}/vertrag" not in html
    summary = text(client.get(f"/vergaben/{bid_tender.id}/preisspiegel"))
    assert url in summary and "Vertragsschluss frühestens am 23.03.2027" in summary
    assert url in text(client.get(f"/vergaben/{bid_tender.id}"))


def test_a_national_procedure_records_the_contract_without_letters(client, db, bid_tender, coordinator, make_user):
    _opened(db, bid_tender, make_user, eu_wide=False)
    url = f"/vergaben/{bid_tender.id}/zuschlag"
    with clock.fixed(AFTER):
        page = client.get(url)
        html = text(page)
        assert "keine Wartefrist" in html and "Informationsschreiben erzeugen" not in html
        refused = client.post(url + "/information", data={"csrf_token": csrf_token_from(html),
                                                          "sent_on": "11.03.2027", "channel": "post"})
        assert refused.status_code == 409 and "kein EU-weites Verfahren" in text(refused)
        lot1 = bid_tender.lots[0].id
        ok = client.post(f"{url}/los/{lot1}/vertrag", data={"csrf_token": csrf_token_from(html),
                                                              f"lot{lot1}-contract_date": "11.03.2027"})
    assert ok.status_code == 303


def test_officers_and_finance_are_refused_and_other_letters_are_not_found(client, db, bid_tender, as_role,
                                                                          make_user):
    _opened(db, bid_tender, make_user)
    for role in ("officer", "finance"):
        as_role(role)
        assert client.get(f"/vergaben/{bid_tender.id}/zuschlag").status_code == 403
    as_role("coordinator")
    assert client.get(f"/vergaben/{bid_tender.id}/zuschlag/schreiben/999999").status_code == 404
    assert client.post(f"/vergaben/{bid_tender.id}/zuschlag/los/999999/vertrag").status_code == 404
