"""The finance page's price-basis choice (issue 14 part 3): the export at awarded prices is offered
once a lot is awarded, for the round and the tender; before that, or with an unknown basis, 404;
a user bound to a member gets only its rows (R8)."""
from __future__ import annotations

import csv
import io

from einkauf.bids.award import award_lot

from bids_support import FULL
from contracts_support import CLARIFIED, cities_of, open_bids_of


def _rows(response):
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data()[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_awarded_prices_are_offered_and_exported_once_a_lot_is_awarded(db, client, as_role, bid_tender, make_user):
    ids = open_bids_of(db, bid_tender, make_user, (("Papier Müller GmbH", FULL),))
    round_url = f"/finanzen/runden/{bid_tender.round.id}/export.csv"
    tender_url = f"/finanzen/vergaben/{bid_tender.id}/export.xlsx"
    as_role("finance")
    html = client.get("/finanzen?preise=zuschlag").get_data(as_text=True)
    assert 'id="preise"' in html and "noch kein Zuschlag" in html
    assert client.get(round_url + "?preise=zuschlag").status_code == 404  # nothing awarded yet
    assert client.get(round_url + "?preise=irgendwas").status_code == 404
    award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    db.flush()
    html = client.get("/finanzen?preise=zuschlag").get_data(as_text=True)
    assert "preise=zuschlag" in html and 'id="awarded-note"' in html
    rows = _rows(client.get(round_url + "?preise=zuschlag"))
    assert {r["Preisbasis"] for r in rows} == {"Zuschlagspreis"}
    assert {(r["Los"], r["Vergabestatus"], r["Lieferant"]) for r in rows} == {
        ("1", "vergeben", "Papier Müller GmbH"), ("2", "nicht vergeben", "")}
    assert all(r["Gesamt netto"] == "" for r in rows if r["Los"] == "2")
    response = client.get(tender_url + "?preise=zuschlag")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    # The estimated export is unchanged: no award columns.
    assert "Lieferant" not in _rows(client.get(round_url))[0]


def test_a_member_bound_user_gets_only_its_members_awarded_rows(db, client, as_role, bid_tender, make_user):
    ids = open_bids_of(db, bid_tender, make_user, (("Papier Müller GmbH", FULL),))
    award_lot(db, "test", bid_tender.id, "1", ids["Papier Müller GmbH"], clarification=CLARIFIED)
    db.flush()
    essen = cities_of(db)["Essen"]
    as_role("finance", member=essen)
    rows = _rows(client.get(f"/finanzen/runden/{bid_tender.round.id}/export.csv?preise=zuschlag"))
    assert rows and {r["AGS"] for r in rows} == {essen.ags}
    as_role("officer", member=essen)
    rows = _rows(client.get(f"/finanzen/vergaben/{bid_tender.id}/export.csv?preise=zuschlag"))
    assert rows and {r["AGS"] for r in rows} == {essen.ags}
