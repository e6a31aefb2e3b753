"""The quality ratings and the lot draw on the Preisspiegel lot page (issue 13, part 5; R17): a
table of bidders × quality criteria (German comma), errors at their fields and in a summary,
the points after saving; the draw form for an unresolved tie; coordinators only."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf import clock
from einkauf.bids.models import LotDraw, QualityScore

from bids_support import AFTER, HOSTILE, QUALITY_CRITERIA, create_bid_tender, open_tender, submit_bids
from support import csrf_token_from, text

D = Decimal
CHEAP = {"1|P-1": D("4.50"), "1|P-2": D("9.00"), "2|T-1": D("39.90")}
DEAR = {"1|P-1": D("4.80"), "1|P-2": D("9.40"), "2|T-1": D("39.00")}


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


def _tender(db, make_user, tables):
    tender = create_bid_tender(db, award_criteria=QUALITY_CRITERIA)
    ids = submit_bids(db, tender, tables)
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))
    return tender, ids


def _form(page: str, ids: dict, values: dict) -> dict:
    """The lot page's quality form: bidder → (Qualität, Service) as typed, versions from the page."""
    import re

    data = {"csrf_token": csrf_token_from(page)}
    for name, (quality, service) in values.items():
        bid = ids[name]
        data[f"q-{bid}-0"], data[f"q-{bid}-1"] = quality, service
        data[f"v-{bid}"] = re.search(rf'name="v-{bid}" value="(\d+)"', page).group(1)
    return data


def test_the_coordinator_rates_the_bids_and_sees_the_points(client, db, coordinator, make_user):
    tender, ids = _tender(db, make_user, (("Papier Müller GmbH", CHEAP), (HOSTILE, DEAR)))
    url = f"/vergaben/{tender.id}/preisspiegel/los/1"
    with clock.fixed(AFTER):
        page = text(client.get(url))
        assert "Qualitätswertung fehlt für das Angebot von Papier Müller GmbH" in page
        assert "Qualitätswertung speichern" in page and "Qualität – Papier Müller GmbH, Erfüllungsgrad" in page
        # Errors at their fields, in German, nothing stored.
        refused = client.post(url + "/qualitaet", data=_form(page, ids, {"Papier Müller GmbH": ("101", "87,125"),
                                                                         HOSTILE: ("gut", "")}))
        html = text(refused)
        assert refused.status_code == 422
        assert "Der Erfüllungsgrad muss zwischen 0 und 100 % liegen." in html
        assert "Bitte höchstens 2 Nachkommastellen angeben." in html
        assert "„gut“ ist keine Prozentzahl" in html and "Bitte den Erfüllungsgrad in Prozent angeben" in html
        assert 'href="#q-{}-0"'.format(ids["Papier Müller GmbH"]) in html and 'aria-invalid="true"' in html
        assert 'value="87,125"' in html  # what was typed is kept
        assert db.scalar(select(func.count()).select_from(QualityScore)) == 0
        done = client.post(url + "/qualitaet", data=_form(page, ids, {"Papier Müller GmbH": ("50", "0"),
                                                                      HOSTILE: ("100", "87,5")}))
        assert done.status_code == 303 and done.headers["Location"].endswith("#quality")
        shown = text(client.get(url))
        # A stale form (the versions of before) is refused.
        stale = client.post(url + "/qualitaet", data=_form(page, ids, {"Papier Müller GmbH": ("60", "0")}))
        assert stale.status_code == 409 and "inzwischen" in text(stale)
    assert db.scalar(select(func.count()).select_from(QualityScore)) == 4
    assert "Qualitätswertung fehlt" not in shown
    assert 'value="87,50"' in shown and "30,00 Punkte" in shown and "8,75 Punkte" in shown
    assert "Qualitätswertung für Los 1 gespeichert." in shown
    # Bidder names are text, never markup (table, labels, error summary).
    assert "<script>alert(1)</script>" not in shown + html and "&lt;script&gt;" in html


def test_a_price_only_tender_has_no_quality_form_and_refuses_ratings(client, db, coordinator, make_user):
    tender = create_bid_tender(db)
    ids = submit_bids(db, tender, (("Papier Müller GmbH", CHEAP),))
    open_tender(db, tender, make_user("coordinator"), make_user("coordinator"))
    url = f"/vergaben/{tender.id}/preisspiegel/los/1"
    with clock.fixed(AFTER):
        page = text(client.get(url))
        assert "Qualitätswertung" not in page
        refused = client.post(url + "/qualitaet", data={"csrf_token": csrf_token_from(page),
                                                        f"q-{ids['Papier Müller GmbH']}-0": "50"})
    assert refused.status_code == 409 and "allein nach dem Preis gewertet" in text(refused)


def test_a_tie_is_decided_by_the_draw_on_the_page(client, db, coordinator, make_user):
    tender, ids = _tender(db, make_user, (("Anders AG", CHEAP), ("Zander AG", CHEAP)))
    url = f"/vergaben/{tender.id}/preisspiegel/los/1"
    anders, zander = str(ids["Anders AG"]), str(ids["Zander AG"])
    with clock.fixed(AFTER):
        page = text(client.get(url))
        assert "Losentscheid erfassen" not in page  # not scored yet: no ranking, no tie
        client.post(url + "/qualitaet", data=_form(page, ids, {"Anders AG": ("80", "90"), "Zander AG": ("80", "90")}))
        page = text(client.get(url))
        assert "Gleichstand zwischen: Anders AG" in page and "Losentscheid erfassen" in page
        refused = client.post(url + "/losentscheid", data={"csrf_token": csrf_token_from(page), "tie": "0",
                                                           "draw-place-1": zander, "draw-place-2": "",
                                                           "draw-note": "kurz"})
        assert refused.status_code == 422 and "Bitte ein Angebot wählen." in text(refused)
        short = client.post(url + "/losentscheid", data={"csrf_token": csrf_token_from(page), "tie": "0",
                                                         "draw-place-1": zander, "draw-place-2": anders,
                                                         "draw-note": "kurz"})
        assert short.status_code == 422 and "wer gezogen hat und wer Zeuge war (mindestens 10" in text(short)
        assert db.scalar(select(func.count()).select_from(LotDraw)) == 0
        done = client.post(url + "/losentscheid", data={"csrf_token": csrf_token_from(page), "tie": "0",
                                                        "draw-place-1": zander, "draw-place-2": anders,
                                                        "draw-note": "Gezogen von Frau A, Zeuge Herr B."})
        assert done.status_code == 303
        shown = text(client.get(url))
    assert "Gezogene Reihenfolge: 1. Zander AG, 2. Anders AG." in shown
    assert "Gezogen von Frau A, Zeuge Herr B." in shown
    assert "Losentscheid erfassen" not in shown and "Qualitätswertung speichern" not in shown
    assert f'<option selected value="{zander}">Nr. {zander} – Zander AG (Rang 1)</option>' in shown


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
def test_only_coordinators_rate_and_draw(client, db, as_role, make_user, role):
    tender, ids = _tender(db, make_user, (("Anders AG", CHEAP),))
    as_role(role)
    for path in ("qualitaet", "losentscheid"):
        response = client.post(f"/vergaben/{tender.id}/preisspiegel/los/1/{path}",
                               data={f"q-{ids['Anders AG']}-0": "50"})
        assert response.status_code in (403, 404)
    assert db.scalar(select(func.count()).select_from(QualityScore)) == 0
