"""The Protokoll: coordination and administration read who changed what, when, newest first,
with filters and the before/after values in German."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from einkauf.audit.services import record_event

ROUTES = ["/protokoll", "/protokoll/{id}"]


@pytest.fixture
def log(db):
    """Add an event at a given UTC time."""

    def add(action="member.update", entity_type="member", entity_id=1, *, at=None, actor="koordination@einkauf.example",
            summary="", before=None, after=None, member=None):
        event = record_event(db, actor, action, entity_type, entity_id, summary=summary, before=before, after=after,
                             member_id=member.id if member is not None else None)
        if at is not None:
            event.at = at
        db.flush()
        return event

    return add


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _rows(html: str) -> list[str]:
    body = html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr")[1:]]


# --- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("role", ["officer", "finance"])
def test_officers_and_finance_may_not_read_the_log(client, as_role, log, role, path):
    event = log()
    as_role(role)
    assert client.get(path.format(id=event.id)).status_code == 403


@pytest.mark.parametrize("path", ROUTES)
def test_anonymous_visitors_are_sent_to_sign_in_for_the_log(client, log, path):
    event = log()
    response = client.get(path.format(id=event.id))
    assert response.status_code == 302 and response.headers["Location"].startswith("/anmelden")


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordination_and_administration_read_the_log(client, as_role, log, role, path):
    event = log(summary="Etwas geändert")
    as_role(role)
    response = client.get(path.format(id=event.id))
    assert response.status_code == 200
    assert "Etwas geändert" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_the_log_cannot_be_changed_through_the_viewer(client, as_role, log, method):
    event = log()
    as_role("admin")
    assert client.open(f"/protokoll/{event.id}", method=method).status_code == 405


def test_an_unknown_event_is_not_found(client, as_role):
    as_role("coordinator")
    assert client.get("/protokoll/999999").status_code == 404


# --- list -----------------------------------------------------------------------------------

def test_newest_events_come_first_with_berlin_time(client, as_role, log):
    log(summary="Im Winter", at=_utc(2027, 1, 31, 23, 30))
    log(summary="Im Sommer", at=_utc(2027, 7, 1, 10, 0))
    as_role("coordinator")
    rows = [r for r in _rows(client.get("/protokoll?text=Im").get_data(as_text=True)) if "Im " in r]
    assert "Im Sommer" in rows[0] and "01.07.2027, 12:00 Uhr" in rows[0]  # CEST
    assert "Im Winter" in rows[1] and "01.02.2027, 00:30 Uhr" in rows[1]  # CET, already the next day


def test_each_row_shows_user_action_object_summary_and_changes_in_german(client, as_role, log, make_member):
    bochum = make_member(name="Bochum")
    log("user.update", "user", 42, actor="admin@einkauf.example", summary="Zugang x@einkauf.example geändert",
        before={"role": "officer", "member_id": bochum.id, "active": True},
        after={"role": "coordinator", "member_id": None, "active": False}, member=bochum)
    as_role("admin")
    html = client.get("/protokoll?user=admin%40einkauf").get_data(as_text=True)
    row, = [r for r in _rows(html) if "x@einkauf.example" in r]
    assert "admin@einkauf.example" in row
    assert "Zugang geändert" in row and "user.update" not in row  # no program identifiers (issue 16 part 3)
    assert "Zugang 42" in row and "Bochum" in row
    assert "Rolle : Beschaffungsstelle → wird zu Koordination" in row
    assert "Mitglied : Bochum → wird zu –" in row
    assert "Aktiv : ja → wird zu nein" in row


def test_a_creation_shows_the_new_values_only(client, as_role, log):
    log(
        "category.create", "category", 7, summary="Neue Warengruppe", after={"name": "Druckpapier", "vat_rate": "19.00"}
    )
    as_role("coordinator")
    row, = list(_rows(client.get("/protokoll?text=Neue+Warengruppe").get_data(as_text=True)))
    assert "Warengruppe angelegt" in row
    assert "Name : Druckpapier" in row and "USt.-Satz (%) : 19,00" in row
    assert "→" not in row


def test_user_text_in_the_log_is_escaped(client, as_role, log):
    log(summary="<script>alert(1)</script>", after={"name": "<img src=x onerror=alert(1)>"})
    as_role("coordinator")
    html = client.get("/protokoll").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_log_pages(client, app, as_role, log):
    app.config["PAGE_SIZE"] = 3
    for n in range(5):
        log(summary=f"Seitentest {n}", at=_utc(2027, 3, 1, 12, n))
    as_role("coordinator")
    first = client.get("/protokoll?text=Seitentest").get_data(as_text=True)
    second = client.get("/protokoll?text=Seitentest&page=2").get_data(as_text=True)
    assert [n for n in range(5) if f"Seitentest {n}" in first] == [2, 3, 4]
    assert [n for n in range(5) if f"Seitentest {n}" in second] == [0, 1]
    assert "Seite 1 von 2" in first and "text=Seitentest" in first


# --- filters --------------------------------------------------------------------------------

@pytest.fixture
def three_events(log, make_member):
    essen, hagen = make_member(name="Essen"), make_member(name="Hagen")
    log("user.create", "user", 1, actor="admin@einkauf.example", summary="Eins: Zugang angelegt",
        at=_utc(2027, 1, 10, 9, 0))
    log("member.update", "member", essen.id, actor="koordination@einkauf.example", summary="Zwei: Essen umbenannt",
        at=_utc(2027, 2, 10, 9, 0), member=essen)
    log("member.update", "member", hagen.id, actor="andere@koordination.example", summary="Drei: Hagen geändert",
        at=_utc(2027, 3, 10, 9, 0), member=hagen)
    return essen, hagen


def _found(client, query: str) -> list[str]:
    html = client.get("/protokoll?" + query).get_data(as_text=True)
    return [word for word in ("Eins", "Zwei", "Drei") if f"{word}:" in html]


@pytest.mark.parametrize(("query", "expected"), [
    ("action=member.update", ["Zwei", "Drei"]),
    ("entity_type=user", ["Eins"]),
    ("user=KOORDINATION", ["Zwei", "Drei"]),
    ("user=admin%40", ["Eins"]),
    ("since=01.02.2027", ["Zwei", "Drei"]),
    ("since=2027-02-01", ["Zwei", "Drei"]),
    ("until=10.02.2027", ["Eins", "Zwei"]),  # the whole day counts
    ("until=2027-02-09", ["Eins"]),
    ("since=1.2.2027&until=28.02.2027", ["Zwei"]),
    ("text=umbenannt", ["Zwei"]),
    ("text=HAGEN", ["Drei"]),
    ("action=member.update&text=hagen", ["Drei"]),
    ("", ["Eins", "Zwei", "Drei"]),
])
def test_filters_narrow_the_log(client, as_role, three_events, query, expected):
    as_role("coordinator")
    assert _found(client, query) == expected


def test_filter_by_member(client, as_role, three_events):
    essen, hagen = three_events
    as_role("coordinator")
    assert _found(client, f"member={hagen.id}") == ["Drei"]
    html = client.get("/protokoll").get_data(as_text=True)
    assert f'<option value="{essen.id}">Essen ({essen.ags})</option>' in html



def test_the_viewers_own_description_of_the_members_table_matches_the_model():
    """The log viewer reads members without importing einkauf.rounds (the lowest layer); its
    table description must name real columns of the members table."""
    from einkauf.audit.queries import _members
    from einkauf.rounds.models import Member

    assert _members.name == Member.__table__.name
    assert set(_members.c.keys()) <= set(Member.__table__.c.keys())

def test_action_and_type_filters_offer_what_the_log_contains_in_german(client, as_role, three_events):
    as_role("admin")
    html = client.get("/protokoll").get_data(as_text=True)
    assert '<option value="member.update">Mitglied geändert</option>' in html
    assert '<option value="user">Zugang</option>' in html


def test_the_day_boundary_is_berlin_midnight_not_utc(client, as_role, log):
    log(summary="Nachts: kurz nach Mitternacht in Berlin", at=_utc(2027, 1, 31, 23, 30))
    as_role("coordinator")
    assert "Nachts:" not in client.get("/protokoll?until=31.01.2027").get_data(as_text=True)
    assert "Nachts:" in client.get("/protokoll?since=01.02.2027&until=01.02.2027").get_data(as_text=True)


def test_the_filter_form_keeps_the_values_and_dates_show_in_the_date_input(client, as_role, three_events):
    as_role("coordinator")
    html = client.get("/protokoll?since=01.02.2027&user=koord&text=Essen").get_data(as_text=True)
    assert 'type="date"' in html and 'value="2027-02-01"' in html
    assert 'value="koord"' in html and 'value="Essen"' in html
    assert "Filter zurücksetzen" in html


@pytest.mark.parametrize(("query", "message"), [
    ("since=31.02.2027", "Dieses Datum gibt es nicht."),
    ("since=morgen", "Bitte ein Datum wie 31.12.2027 eingeben."),
    ("since=01.03.2027&until=01.02.2027", "Das Bis-Datum liegt vor dem Von-Datum."),
    ("action=gibt.es.nicht", "Keine gültige Auswahl"),
    ("member=abc", "Keine gültige Auswahl"),
])
def test_invalid_filters_get_a_german_message_and_are_ignored(client, as_role, three_events, query, message):
    as_role("coordinator")
    response = client.get("/protokoll?" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Eins:" in html or "Drei:" in html  # the list is still shown


def test_wildcards_in_text_filters_are_taken_literally(client, as_role, three_events):
    as_role("coordinator")
    assert _found(client, "text=%25") == []
    assert _found(client, "user=_") == []


# --- detail ---------------------------------------------------------------------------------

def test_the_detail_page_shows_the_whole_event(client, as_role, log, make_member):
    hamm = make_member(name="Hamm")
    long_text = "Mindestanforderung " * 40
    event = log("product.update", "product", 5, actor="koordination@einkauf.example", summary="Artikel A-1 geändert",
                before={"specification": "alt", "reference_price": "1234.50", "opens_on": "2027-01-04"},
                after={"specification": long_text, "reference_price": "1300.00", "opens_on": "2027-02-01"},
                member=hamm, at=_utc(2027, 6, 30, 22, 15))
    as_role("coordinator")
    html = client.get(f"/protokoll/{event.id}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "01.07.2027, 00:15 Uhr" in text
    assert "koordination@einkauf.example" in text and "Artikel geändert" in text and "Artikel 5" in text
    assert "Hamm" in text and "Artikel A-1 geändert" in text
    assert "Schätzpreis (netto) 1.234,50 1.300,00" in text
    assert "Beginn 04.01.2027 01.02.2027" in text
    assert long_text.strip() in text  # not shortened on the detail page


def test_a_change_made_in_the_user_administration_appears_in_the_log(client, as_role, make_user):
    user = make_user("coordinator", email="protokolliert@einkauf.example")
    as_role("admin")
    client.post(f"/zugaenge/{user.id}", data={"name": "", "role": "finance", "member_ags": "", "active": "y",
                                               "version": str(user.version)})
    html = client.get("/protokoll?action=user.update").get_data(as_text=True)
    row, = _rows(html)
    assert "Zugang protokolliert@einkauf.example geändert" in row
    assert "Rolle : Koordination → wird zu Finanzen" in row
