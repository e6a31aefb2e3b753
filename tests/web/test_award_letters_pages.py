"""The members' award letters on the pages (issue 14 parts 1 and 6): coordinators generate them
for all members on the award page; officers download their own member's newest letter from
/bedarf/vertraege, finance bound to a member likewise; coordinators and cooperative-wide finance
any member's; another member's letter is 404."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from einkauf.bids.award import award_lot, cancel_lot
from einkauf.contracts.letters import generate_award_letters

from bids_support import FULL
from contracts_support import CLARIFIED, DEARER, cities_of, open_bids_of
from support import csrf_token_from, text

SUPPLIER = """Müller <b>&"' GmbH"""


@pytest.fixture
def opened(db, bid_tender, make_user):
    ids = open_bids_of(db, bid_tender, make_user, ((SUPPLIER, FULL), ("Büro Schulz KG", DEARER)))
    db.commit()
    return ids


@pytest.fixture
def cities(db, bid_tender):
    return cities_of(db)


def _decide(db, tender, ids):
    award_lot(db, "test", tender.id, "1", ids[SUPPLIER], clarification=CLARIFIED)
    cancel_lot(db, "test", tender.id, "2", "Alle Angebote liegen über dem Budget.")
    db.commit()


def _generated(db, tender, tmp_path):
    documents = generate_award_letters(db, "test", tender.id, export_dir=tmp_path / "exports",
                                       cooperative_name="Einkaufsgemeinschaft Ruhr")
    db.commit()
    return documents


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)


def test_the_coordinator_generates_the_letters_on_the_award_page(client, db, bid_tender, opened, cities, as_role):
    as_role("coordinator")
    url = f"/vergaben/{bid_tender.id}/zuschlag"
    html = text(client.get(url))
    assert "sobald über mindestens ein Los entschieden ist" in html and "Zuschlagsmitteilungen erzeugen" not in html
    refused = client.post(url + "/mitteilungen", data={"csrf_token": csrf_token_from(html)})
    assert refused.status_code == 303
    html = text(client.get(url))
    assert "Zuschlagsmitteilungen gibt es erst, wenn über mindestens ein Los" in html  # the refusal, flashed
    assert 'id="member-letters"' not in html
    _decide(db, bid_tender, opened)
    html = text(client.get(url))
    assert "Zuschlagsmitteilungen erzeugen" in html
    done = client.post(url + "/mitteilungen", data={"csrf_token": csrf_token_from(html)})
    assert done.status_code == 303
    html = text(client.get(url))
    assert "2 Zuschlagsmitteilungen erzeugt." in html
    assert html.count("_Zuschlagsmitteilung_Mitglied-") == 2 and "Essen BID" in html and "Bochum BID" in html
    bochum = cities["Bochum"].id
    letter = client.get(f"/finanzen/vertraege/{bochum}/zuschlagsmitteilung/{bid_tender.id}")
    content = _pdf_text(letter)
    assert SUPPLIER in content and "238,53 €" in content  # Bochum's 101,5 × 2,35 = 238,525 → 238,53
    # A second generation: version 2, the download gives the newest.
    client.post(url + "/mitteilungen", data={"csrf_token": csrf_token_from(html)})
    assert "_v2.pdf" in text(client.get(url))
    assert client.get(f"/finanzen/vertraege/{bochum}/zuschlagsmitteilung/{bid_tender.id}").headers[
        "Content-Disposition"].endswith('_v2.pdf')


def test_an_officer_downloads_only_its_own_members_letter(client, db, bid_tender, opened, cities, as_role, tmp_path):
    _decide(db, bid_tender, opened)
    essen, bochum = cities["Essen"].id, cities["Bochum"].id
    as_role("officer", member=cities["Essen"])
    assert "noch nicht erzeugt" in text(client.get("/bedarf/vertraege"))
    assert client.get(f"/finanzen/vertraege/{essen}/zuschlagsmitteilung/{bid_tender.id}").status_code == 404
    _generated(db, bid_tender, tmp_path)
    html = text(client.get("/bedarf/vertraege"))
    own = f"/finanzen/vertraege/{essen}/zuschlagsmitteilung/{bid_tender.id}"
    assert f'href="{own}"' in html and "Fassung 1" in html
    content = _pdf_text(client.get(own))
    assert "Essen BID" in content and "236,18 €" in content and "944,72 €" in content
    assert client.get(f"/finanzen/vertraege/{bochum}/zuschlagsmitteilung/{bid_tender.id}").status_code == 404
    assert client.get(f"/finanzen/vertraege/{essen}/zuschlagsmitteilung/999999").status_code == 404


def test_finance_bound_to_a_member_downloads_only_its_own(client, db, bid_tender, opened, cities, as_role, tmp_path):
    _decide(db, bid_tender, opened)
    _generated(db, bid_tender, tmp_path)
    essen, bochum = cities["Essen"].id, cities["Bochum"].id
    as_role("finance", member=cities["Bochum"])
    assert "238,53 €" in _pdf_text(client.get(f"/finanzen/vertraege/{bochum}/zuschlagsmitteilung/{bid_tender.id}"))
    assert client.get(f"/finanzen/vertraege/{essen}/zuschlagsmitteilung/{bid_tender.id}").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_coordinators_and_cooperative_finance_download_any_members_letter(client, db, bid_tender, opened, cities,
                                                                          as_role, tmp_path, role):
    _decide(db, bid_tender, opened)
    _generated(db, bid_tender, tmp_path)
    as_role(role)
    for name in ("Essen", "Bochum"):
        member = cities[name].id
        html = text(client.get(f"/finanzen/vertraege/{member}"))
        link = f"/finanzen/vertraege/{member}/zuschlagsmitteilung/{bid_tender.id}"
        assert f'href="{link}"' in html
        assert f"{name} BID" in _pdf_text(client.get(link))
