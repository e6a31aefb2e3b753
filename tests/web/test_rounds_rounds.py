"""Coordinators create, edit, open and close demand rounds (Bedarfsabfragen)."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from einkauf.audit.models import AuditEvent
from einkauf.rounds import services
from einkauf.rounds.models import Round, RoundStatus

from support import input_value, text

UTC = UTC


def round_form(**overrides):
    data = {
        "code": "2031",
        "title": "Bedarfsabfrage 2031",
        "opens_on": "2031-01-04",
        "deadline_date": "2031-01-31",
        "deadline_time": "12:00",
        "contract_term_months": "24",
        "extension_months": "24",
        "max_quantity_buffer_pct": "20,00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored(db, code="2031") -> Round | None:
    db.expire_all()
    return db.scalar(select(Round).where(Round.code == code))


# --- list and detail -------------------------------------------------------------------------

def test_the_round_list_shows_status_and_berlin_deadline(client, coordinator, make_round):
    make_round(code="2030", deadline=datetime(2030, 7, 15, 10, 0, tzinfo=UTC), opened=True)
    html = text(client.get("/runden"))
    assert "2030" in html
    assert "geöffnet" in html and "kern-badge" in html
    assert "15.07.2030, 12:00 Uhr" in html
    assert "<caption" in html and 'scope="col"' in html


def test_each_state_has_its_german_badge(client, coordinator, make_round):
    make_round(code="E1")
    make_round(code="O1", opened=True)
    make_round(code="C1", closed=True)
    html = text(client.get("/runden"))
    assert "Entwurf" in html and "geöffnet" in html and "geschlossen" in html


def test_the_detail_page_shows_every_field(client, coordinator, make_round):
    row = make_round(code="2029", deadline=datetime(2029, 1, 31, 11, 0, tzinfo=UTC))
    html = text(client.get(f"/runden/{row.id}"))
    for expected in ("2029", row.title, "Entwurf", row.opens_on.strftime("%d.%m.%Y"), "31.01.2029, 12:00 Uhr",
                     "24 Monate", "48 Monate", "20,00 %"):
        assert expected in html, expected


def test_an_unknown_round_is_404(client, coordinator):
    assert client.get("/runden/999999").status_code == 404
    assert client.get("/runden/999999/bearbeiten").status_code == 404
    assert client.post("/runden/999999/oeffnen").status_code == 404
    assert client.post("/runden/999999/schliessen").status_code == 404


# --- create ----------------------------------------------------------------------------------

def test_a_coordinator_creates_a_round_with_a_winter_deadline(client, coordinator, db):
    response = client.post("/runden/neu", data=round_form())
    assert response.status_code == 302
    row = stored(db)
    assert response.headers["Location"] == f"/runden/{row.id}"
    assert row.status == RoundStatus.DRAFT
    assert row.deadline == datetime(2031, 1, 31, 11, 0, tzinfo=UTC)  # 12:00 CET
    assert (row.contract_term_months, row.extension_months) == (24, 24)
    assert str(row.max_quantity_buffer_pct) == "20.00"
    html = text(client.get(response.headers["Location"]))
    assert "31.01.2031, 12:00 Uhr" in html and "als Entwurf angelegt" in html
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "round.create", AuditEvent.entity_id == str(row.id)))


def test_a_summer_deadline_is_stored_as_utc_and_shown_in_berlin_time(client, coordinator, db):
    client.post("/runden/neu", data=round_form(opens_on="2031-06-01", deadline_date="2031-07-15"))
    row = stored(db)
    assert row.deadline == datetime(2031, 7, 15, 10, 0, tzinfo=UTC)  # 12:00 CEST
    assert "15.07.2031, 12:00 Uhr" in text(client.get(f"/runden/{row.id}"))


def test_dates_can_be_typed_the_german_way(client, coordinator, db):
    response = client.post("/runden/neu", data=round_form(opens_on="04.01.2031", deadline_date="31.01.2031"))
    assert response.status_code == 302
    assert stored(db).opens_on.isoformat() == "2031-01-04"


def test_the_buffer_accepts_a_german_decimal_comma(client, coordinator, db):
    client.post("/runden/neu", data=round_form(max_quantity_buffer_pct="12,5"))
    assert str(stored(db).max_quantity_buffer_pct) == "12.50"


def test_the_form_uses_date_and_time_inputs(client, coordinator):
    html = text(client.get("/runden/neu"))
    assert re.search(r'<input[^>]*type="date"[^>]*name="opens_on"|<input[^>]*name="opens_on"[^>]*type="date"', html)
    assert re.search(
        r'<input[^>]*type="time"[^>]*name="deadline_time"|<input[^>]*name="deadline_time"[^>]*type="time"', html
    )


@pytest.mark.parametrize("overrides,message", [
    ({"deadline_date": "2031-01-04"}, "Die Abgabefrist muss nach dem Öffnungsdatum liegen."),
    ({"deadline_date": "2030-12-31"}, "Die Abgabefrist muss nach dem Öffnungsdatum liegen."),
    ({"opens_on": "32.01.2031"}, "Bitte ein gültiges Datum im Format TT.MM.JJJJ angeben."),
    ({"opens_on": "0001-01-01"}, "muss zwischen dem 01.01.2000 und dem 31.12.2199 liegen"),
    ({"deadline_date": "9999-12-31"}, "muss zwischen dem 01.01.2000 und dem 31.12.2199 liegen"),
    ({"opens_on": "０４.０１.２０９９"}, "Bitte ein gültiges Datum"),
    ({"opens_on": ""}, "Bitte geben Sie das Öffnungsdatum an."),
    ({"deadline_time": "25:00"}, "Bitte eine gültige Uhrzeit"),
    ({"deadline_time": ""}, "Bitte geben Sie die Uhrzeit der Abgabefrist an."),
    ({"code": "20 99"}, "Das Kürzel besteht aus 1 bis 20 Zeichen"),
    ({"code": "Bürobedarf"}, "Das Kürzel besteht aus 1 bis 20 Zeichen"),
    ({"code": "x" * 21}, "Das Kürzel besteht aus 1 bis 20 Zeichen"),
    ({"title": ""}, "Bitte geben Sie einen Titel an."),
    ({"contract_term_months": "0"}, "nicht kleiner als 1"),
    ({"contract_term_months": "121"}, "nicht größer als 120"),
    ({"contract_term_months": "12,5"}, "keine Nachkommastellen"),
    ({"contract_term_months": "-3"}, "ohne Vorzeichen"),
    ({"contract_term_months": "１２"}, "nur die Ziffern 0–9"),
    ({"extension_months": ""}, "Bitte geben Sie die Verlängerungsoptionen an"),
    ({"max_quantity_buffer_pct": "100,01"}, "nicht größer als 100"),
    ({"max_quantity_buffer_pct": "5,555"}, "höchstens 2 Nachkommastellen"),
    ({"max_quantity_buffer_pct": "NaN"}, "ohne Vorzeichen"),
    ({"max_quantity_buffer_pct": "sNaN"}, "ohne Vorzeichen"),
    ({"max_quantity_buffer_pct": "1e5"}, "ohne Vorzeichen"),
    ({"max_quantity_buffer_pct": "Infinity"}, "ohne Vorzeichen"),
])
def test_bad_round_input_is_shown_again_with_a_german_error(client, coordinator, db, overrides, message):
    response = client.post("/runden/neu", data=round_form(**overrides))
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert input_value(html, "title") == round_form(**overrides)["title"]
    assert stored(db) is None


def test_a_deadline_inside_the_spring_forward_gap_is_explained(client, coordinator, db):
    # 28 March 2027: clocks jump from 02:00 to 03:00, so 02:30 never happens in Berlin.
    response = client.post("/runden/neu", data=round_form(opens_on="2027-03-01", deadline_date="2027-03-28",
                                                          deadline_time="02:30"))
    assert response.status_code == 200
    assert "gibt es am 28.03.2027 wegen der Umstellung auf Sommerzeit nicht" in text(response)


def test_a_duplicate_code_is_shown_at_the_code_field(client, coordinator, make_round):
    make_round(code="2031")
    response = client.post("/runden/neu", data=round_form())
    assert response.status_code == 200
    html = text(response)
    assert "Es gibt bereits eine Bedarfsabfrage mit dem Kürzel „2031“." in html
    assert 'id="code-error"' in html


# --- edit ------------------------------------------------------------------------------------

def test_the_edit_form_shows_the_deadline_in_berlin_time(client, coordinator, make_round):
    row = make_round(deadline=datetime(2031, 7, 15, 10, 0, tzinfo=UTC))
    html = text(client.get(f"/runden/{row.id}/bearbeiten"))
    assert input_value(html, "deadline_date") == "2031-07-15"
    assert input_value(html, "deadline_time") == "12:00"
    assert input_value(html, "max_quantity_buffer_pct") == "20,00"
    assert input_value(html, "version") == "1"


def test_a_draft_round_is_edited(client, coordinator, make_round, db):
    row = make_round(code="2031")
    response = client.post(f"/runden/{row.id}/bearbeiten",
                           data=round_form(title="Gemeinsame Bedarfsabfrage", deadline_time="18:30", version="1"))
    assert response.status_code == 302
    row = stored(db)
    assert row.title == "Gemeinsame Bedarfsabfrage"
    assert row.deadline == datetime(2031, 1, 31, 17, 30, tzinfo=UTC)
    assert row.version == 2
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "round.update"))
    assert event.before["title"] != event.after["title"] == "Gemeinsame Bedarfsabfrage"


def test_bad_input_when_editing_is_shown_again(client, coordinator, make_round, db):
    row = make_round(code="2031")
    response = client.post(f"/runden/{row.id}/bearbeiten", data=round_form(contract_term_months="abc", version="1"))
    assert response.status_code == 200
    assert "Bitte eine Zahl wie 1.234,56 eingeben" in text(response)
    assert stored(db).version == 1


def test_a_stale_round_save_is_refused_with_409_and_keeps_the_input(client, coordinator, make_round, db):
    row = make_round(code="2031")
    services.update_round(db, "kollegin", row.id, expected_version=1, code="2031", title="Von Kollegin geändert",
                          opens_on=row.opens_on, deadline=row.deadline, contract_term_months=24,
                          extension_months=24, max_quantity_buffer_pct=row.max_quantity_buffer_pct)
    db.flush()
    response = client.post(f"/runden/{row.id}/bearbeiten", data=round_form(title="Meine Änderung", version="1"))
    assert response.status_code == 409
    html = text(response)
    assert "inzwischen von anderer Seite geändert" in html
    assert input_value(html, "title") == "Meine Änderung"
    assert "Von Kollegin geändert" in html  # the stored values are shown for comparison
    assert input_value(html, "version") == "2"
    assert stored(db).title == "Von Kollegin geändert"


@pytest.mark.parametrize("state", ["opened", "closed"])
def test_a_round_that_is_no_longer_a_draft_is_shown_read_only(client, coordinator, make_round, state):
    row = make_round(**{state: True})
    response = client.get(f"/runden/{row.id}/bearbeiten")
    assert response.status_code == 200
    html = text(response)
    assert "kann nicht mehr bearbeitet werden" in html
    assert re.search(r'<input[^>]*name="title"[^>]*readonly', html)
    assert 'type="submit"' not in html.split('id="inhalt"')[1].split("</main>")[0]
    assert input_value(html, "code") == row.code


def test_saving_an_opened_round_is_refused_and_changes_nothing(client, coordinator, make_round, db):
    row = make_round(opened=True)
    response = client.post(f"/runden/{row.id}/bearbeiten",
                           data=round_form(code=row.code, title="Nachträglich", version=str(row.version)))
    assert response.status_code == 409
    assert "bereits geöffnet und kann nicht mehr bearbeitet werden" in text(response)
    db.refresh(row)
    assert row.title != "Nachträglich"


def test_the_detail_page_of_an_open_round_offers_no_edit_link(client, coordinator, make_round):
    row = make_round(opened=True)
    html = text(client.get(f"/runden/{row.id}"))
    assert f'href="/runden/{row.id}/bearbeiten"' not in html


# --- open and close --------------------------------------------------------------------------

def test_a_draft_offers_the_open_button_and_opening_works(client, coordinator, make_round, db):
    row = make_round()
    html = text(client.get(f"/runden/{row.id}"))
    assert f'action="/runden/{row.id}/oeffnen"' in html
    assert f'action="/runden/{row.id}/schliessen"' not in html
    response = client.post(f"/runden/{row.id}/oeffnen")
    assert response.status_code == 303
    db.refresh(row)
    assert row.status == RoundStatus.OPEN
    assert "ist geöffnet" in text(client.get(response.headers["Location"]))
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "round.open"))
    assert event.actor_id == coordinator.id and event.after["opened_at"]


def test_a_round_with_a_past_deadline_is_not_opened(client, coordinator, make_round, db):
    row = make_round(deadline=datetime.now(UTC) - timedelta(hours=1))
    response = client.post(f"/runden/{row.id}/oeffnen", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == f"/runden/{row.id}"
    assert "liegt nicht in der Zukunft" in text(response)
    db.refresh(row)
    assert row.opened_at is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "round.open")) is None


def test_an_open_round_offers_the_close_button_and_closing_works(client, coordinator, make_round, db):
    row = make_round(opened=True)
    html = text(client.get(f"/runden/{row.id}"))
    assert f'href="/runden/{row.id}/schliessen"' in html  # the confirmation page
    assert f'action="/runden/{row.id}/oeffnen"' not in html
    response = client.post(f"/runden/{row.id}/schliessen", data={"vorzeitig": "ja"})
    assert response.status_code == 303
    db.refresh(row)
    assert row.status == RoundStatus.CLOSED
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "round.close"))


def test_a_draft_cannot_be_closed(client, coordinator, make_round, db):
    row = make_round()
    response = client.post(f"/runden/{row.id}/schliessen", follow_redirects=True)
    # Refused: back to the confirmation page, which sends a round that is not open to its overview.
    assert response.request.path == f"/runden/{row.id}/uebersicht"
    assert "noch nicht geöffnet" in text(response)
    db.refresh(row)
    assert row.closed_at is None


def test_a_closed_round_offers_no_buttons_and_cannot_be_reopened(client, coordinator, make_round, db):
    row = make_round(closed=True)
    html = text(client.get(f"/runden/{row.id}"))
    assert "/oeffnen" not in html and "/schliessen" not in html
    response = client.post(f"/runden/{row.id}/oeffnen", follow_redirects=True)
    assert "nur ein Entwurf kann geöffnet werden" in text(response)
    db.refresh(row)
    assert row.status == RoundStatus.CLOSED


def test_open_is_not_reachable_by_get_and_close_by_get_only_confirms(client, coordinator, make_round, db):
    row = make_round(opened=True)
    assert client.get(f"/runden/{row.id}/oeffnen").status_code == 405
    assert client.get(f"/runden/{row.id}/schliessen").status_code == 200
    db.refresh(row)
    assert row.status == RoundStatus.OPEN


# --- value basis of the threshold test (Art. 5 Abs. 5 RL 2014/24/EU) -----------------------------

def test_a_new_round_decides_on_the_maximum_value_unless_the_estimate_is_chosen(client, coordinator, db):
    assert client.post("/runden/neu", data=round_form()).status_code == 302
    assert stored(db).value_basis == "maximum"
    html = text(client.get("/runden/neu"))
    assert 'name="value_basis"' in html and '<option selected value="maximum">' in html

    assert client.post("/runden/neu", data=round_form(code="2032", value_basis="estimate")).status_code == 302
    row = stored(db, "2032")
    assert row.value_basis == "estimate"
    assert "Geschätzter Wert (geschätzte Mengen" in text(client.get(f"/runden/{row.id}"))
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.create",
                                                AuditEvent.entity_id == str(row.id))).one()
    assert event.after["value_basis"] == "estimate"


def test_an_unknown_value_basis_is_refused_at_the_field(client, coordinator, db):
    response = client.post("/runden/neu", data=round_form(value_basis="jahreswert"))
    assert response.status_code == 200
    assert stored(db) is None


def test_the_value_basis_of_a_draft_is_edited_with_the_round_and_audited(client, coordinator, db, make_round):
    row = make_round(code="2033")
    form = round_form(code="2033", value_basis="estimate", version=str(row.version))
    assert client.post(f"/runden/{row.id}/bearbeiten", data=form).status_code == 302
    assert stored(db, "2033").value_basis == "estimate"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "round.update")).one()
    assert event.before["value_basis"] == "maximum" and event.after["value_basis"] == "estimate"
