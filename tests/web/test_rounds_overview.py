"""Coordinators follow up a round in the web UI: the overview of all members' demand, reopening
one member's submission, extending the deadline and closing the round."""
from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.demand.models import DemandLine, Submission, SubmissionStatus
from einkauf.rounds.models import Member, Round, RoundStatus

from support import input_value
from support import text_as_sent as text

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")


def textarea(html: str, element_id: str) -> str:
    match = re.search(rf'<textarea[^>]*id="{element_id}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea #{element_id}"
    value = html_lib.unescape(match.group(1))
    return value[2:] if value.startswith("\r\n") else value  # browsers drop the first line break


def row_of(html: str, member_id: int) -> str:
    match = re.search(rf'<tr class="kern-table__row" id="mitglied-{member_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for member {member_id}"
    return match.group(1)


def events(db, action: str) -> list[AuditEvent]:
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def in_days(days: int) -> str:
    return (datetime.now(BERLIN).date() + timedelta(days=days)).isoformat()


@pytest.fixture
def open_round(make_round, now):
    return make_round(code="W1", opened=True, deadline=now + timedelta(days=5))


@pytest.fixture
def late_round(make_round, now):
    return make_round(code="W2", opened=True, deadline=now - timedelta(days=2))


@pytest.fixture
def submit(add_submission):
    """add_submission, handed in on 20.01.2027 at 09:30 unless said otherwise."""

    def add(rnd, member, lines=(), status=SubmissionStatus.SUBMITTED, by=None):
        return add_submission(rnd, member, lines, status, by=by, at=datetime(2027, 1, 20, 9, 30, tzinfo=UTC))

    return add


# --- access ----------------------------------------------------------------------------------

def urls(round_id: int, member_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/runden/{round_id}/uebersicht"),
        ("GET", f"/runden/{round_id}/mitglieder/{member_id}/wieder-oeffnen"),
        ("POST", f"/runden/{round_id}/mitglieder/{member_id}/wieder-oeffnen"),
        ("GET", f"/runden/{round_id}/frist-verlaengern"),
        ("POST", f"/runden/{round_id}/frist-verlaengern"),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, open_round, make_member):
    member = make_member()
    for method, url in urls(open_round.id, member.id):
        response = client.open(url, method=method, data={"reason": "Nachmeldung"})
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/anmelden?next=")


@pytest.mark.parametrize("role", ["officer", "finance", "admin"])
def test_other_roles_are_forbidden_and_change_nothing(client, as_role, open_round, make_member, db, role):
    member = make_member()
    user = as_role(role, member=member if role == "officer" else None)
    assert user.role.value == role
    form = {"reason": "Nachmeldung Schulamt", "until_date": in_days(9), "until_time": "12:00",
            "deadline_date": in_days(30), "deadline_time": "12:00", "version": "1"}
    for method, url in urls(open_round.id, member.id):
        assert client.open(url, method=method, data=form).status_code == 403, (role, url)
    assert events(db, "submission.reopen") == [] and events(db, "round.extend") == []


def test_the_officer_of_the_member_cannot_reopen_its_own_submission(client, as_role, late_round, make_member, submit,
                                                                    db):
    member = make_member()
    as_role("officer", member=member)
    submission = submit(late_round, member)
    response = client.post(f"/runden/{late_round.id}/mitglieder/{member.id}/wieder-oeffnen",
                           data={"reason": "Bitte wieder öffnen", "until_date": in_days(9), "until_time": "12:00"})
    assert response.status_code == 403
    db.refresh(submission)
    assert submission.status == SubmissionStatus.SUBMITTED


def test_unknown_rounds_and_members_are_not_found(client, coordinator, open_round, make_member):
    member = make_member()
    for method, url in urls(999999, member.id):
        assert client.open(url, method=method).status_code == 404, url
    assert client.get(f"/runden/{open_round.id}/mitglieder/999999/wieder-oeffnen").status_code == 404
    response = client.post(f"/runden/{open_round.id}/mitglieder/999999/wieder-oeffnen",
                           data={"reason": "Nachmeldung", "until_date": in_days(9), "until_time": "12:00"})
    assert response.status_code == 404


# --- overview --------------------------------------------------------------------------------

def test_the_overview_shows_each_member_with_status_lines_and_value(client, coordinator, open_round, make_member,
                                                                    make_product, make_user, submit):
    aachen, bochum, essen = (make_member(name=n) for n in ("Aachen", "Bochum", "Essen"))
    officer = make_user("officer", member=aachen, email="einkauf@aachen.example")
    cheap, odd = make_product(price="0.33"), make_product(price="1234.57")
    submit(open_round, aachen, [(cheap, "2.5"), (odd, "1000.5")], by=officer)  # 0.83 + 1,235,187.29
    submit(open_round, bochum, [(cheap, "0.015")], status=SubmissionStatus.DRAFT)  # rounds to 0.00

    response = client.get(f"/runden/{open_round.id}/uebersicht")
    assert response.status_code == 200
    html = text(response)
    assert "<caption" in html and 'scope="col"' in html
    row = row_of(html, aachen.id)
    for expected in ("Aachen", aachen.ags, "abgegeben", "20.01.2027, 10:30 Uhr", "einkauf@aachen.example",
                     ">2<", "1.235.188,12\xa0€"):
        assert expected in row, expected
    assert "Entwurf" in row_of(html, bochum.id) and "0,00\xa0€" in row_of(html, bochum.id)
    assert "kein Bedarf gemeldet" in row_of(html, essen.id)
    assert re.search(r'id="total-lines">3<', html)
    assert "1.235.188,12\xa0€" in re.search(r'id="total-value">([^<]*)<', html).group(1)
    assert "1 von 3 abgegeben" in html
    assert f'href="/runden/{open_round.id}/mitglieder/{essen.id}/wieder-oeffnen"' in html


def test_the_missing_members_addresses_come_ready_to_copy(client, coordinator, open_round, make_member, make_user,
                                                         submit):
    done, hamm = make_member(name="Bielefeld"), make_member(name="Hamm")
    make_member(name="Mülheim an der Ruhr")  # no officer account at all
    make_user("officer", member=done, email="done@bielefeld.example")
    submit(open_round, done)
    make_user("officer", member=hamm, email="beschaffung@hamm.example")
    make_user("officer", member=hamm, email="vertretung@hamm.example")
    html = text(client.get(f"/runden/{open_round.id}/uebersicht"))
    assert textarea(html, "missing-emails") == "beschaffung@hamm.example; vertretung@hamm.example"
    assert textarea(html, "missing-names") == "Hamm\nMülheim an der Ruhr"
    assert '<label class="kern-label" for="missing-emails">' in html
    assert '<label class="kern-label" for="missing-names">' in html
    assert "Durch Semikolon getrennt" in html
    assert "readonly" in re.search(r'<textarea[^>]*id="missing-emails"[^>]*>', html).group(0)
    assert "Ohne aktiven Zugang" in html and "Mülheim an der Ruhr" in html.split("Ohne aktiven Zugang")[1]


def test_the_round_detail_page_links_to_the_overview_and_the_extension(client, coordinator, open_round):
    html = text(client.get(f"/runden/{open_round.id}"))
    assert f'href="/runden/{open_round.id}/uebersicht"' in html
    assert f'href="/runden/{open_round.id}/frist-verlaengern"' in html


def test_the_demo_overview_shows_ten_submitted_hagen_in_draft_and_two_without_demand(client, db, make_user,
                                                                                      sign_in):
    from einkauf.demo.services import load_demo

    load_demo(db, "demo-passwort-1")
    sign_in(make_user("coordinator"))
    rnd = db.scalar(select(Round).where(Round.code == "2027"))
    members = {m.name: m for m in db.scalars(select(Member))}
    html = text(client.get(f"/runden/{rnd.id}/uebersicht"))
    assert "10 von 13 Mitgliedern" in html and "10 von 13 abgegeben" in html
    assert "Entwurf" in row_of(html, members["Hagen"].id)
    for name in ("Hamm", "Mülheim an der Ruhr"):
        assert "kein Bedarf gemeldet" in row_of(html, members[name].id)
    for name in ("Aachen", "Köln", "Wuppertal"):
        assert "abgegeben" in row_of(html, members[name].id)
    assert textarea(html, "missing-names") == "Hagen\nHamm\nMülheim an der Ruhr"
    emails = textarea(html, "missing-emails").split("; ")
    assert "beschaffung-hamm@einkauf.example" in emails
    assert "beschaffung-muelheim-an-der-ruhr@einkauf.example" in emails
    assert "beschaffung-hagen@einkauf.example" in emails
    assert len(emails) == 3
    total_lines = db.scalar(select(func.count()).select_from(DemandLine).join(Submission)
                            .where(Submission.round_id == rnd.id))
    assert re.search(r'id="total-lines">([^<]*)<', html).group(1) == f"{total_lines:,}".replace(",", ".")


# --- reopening ---------------------------------------------------------------------------------

def reopen_url(rnd, member) -> str:
    return f"/runden/{rnd.id}/mitglieder/{member.id}/wieder-oeffnen"


def test_the_reopen_form_proposes_seven_days_from_now_at_noon(client, coordinator, late_round, make_member):
    member = make_member(name="Hagen")
    response = client.get(reopen_url(late_round, member))
    assert response.status_code == 200
    html = text(response)
    assert input_value(html, "until_date") == in_days(7)
    assert input_value(html, "until_time") == "12:00"
    assert 'type="date"' in html and 'type="time"' in html
    assert '<label class="kern-label" for="reason">Begründung</label>' in html
    assert "kein Bedarf gemeldet" in html


def test_a_coordinator_reopens_a_submission_after_the_deadline(client, coordinator, late_round, make_member, submit,
                                                                db):
    member = make_member(name="Hagen")
    submission = submit(late_round, member)
    response = client.post(reopen_url(late_round, member),
                           data={"reason": "Nachmeldung Schulamt laut Telefonat", "until_date": in_days(10),
                                 "until_time": "14:30"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/runden/{late_round.id}/uebersicht"
    db.refresh(submission)
    until = datetime.fromisoformat(f"{in_days(10)}T14:30").replace(tzinfo=BERLIN).astimezone(UTC)
    assert submission.status == SubmissionStatus.DRAFT
    assert submission.reopened_until == until
    assert submission.reopened_by_id == coordinator.id
    (event_row,) = events(db, "submission.reopen")
    assert event_row.after["reason"] == "Nachmeldung Schulamt laut Telefonat"

    html = text(client.get(response.headers["Location"]))
    row = row_of(html, member.id)
    assert "wieder geöffnet bis" in row and "14:30 Uhr" in row
    assert "Nachmeldung Schulamt laut Telefonat" in row
    assert coordinator.email in row
    assert "ist wieder geöffnet bis" in html  # the flash message


@pytest.mark.parametrize(("form", "message"), [
    ({"reason": "", "until_date": in_days(7), "until_time": "12:00"}, "Bitte geben Sie eine Begründung an."),
    ({"reason": "kurz", "until_date": in_days(7), "until_time": "12:00"}, "5 bis 500 Zeichen"),
    ({"reason": "x" * 501, "until_date": in_days(7), "until_time": "12:00"}, "5 bis 500 Zeichen"),
    ({"reason": "Nachmeldung", "until_date": in_days(-1), "until_time": "12:00"}, "in der Zukunft"),
    ({"reason": "Nachmeldung", "until_date": "31.02.2027", "until_time": "12:00"}, "gültiges Datum"),
    ({"reason": "Nachmeldung", "until_date": "", "until_time": "12:00"}, "Datum der neuen Frist"),
    ({"reason": "Nachmeldung", "until_date": in_days(7), "until_time": "25:00"}, "gültige Uhrzeit"),
    ({"reason": "Nachmeldung", "until_date": in_days(7), "until_time": ""}, "Uhrzeit der neuen Frist"),
    ({"reason": "Nachmeldung", "until_date": "2099-03-29", "until_time": "02:30"}, "Sommerzeit"),
    ({"reason": "Nachmeldung", "until_date": "١٢.٠٣.٢٠٢٧", "until_time": "12:00"}, "gültiges Datum"),
])
def test_bad_reopen_input_is_shown_again_with_a_german_message(client, coordinator, late_round, make_member, submit,
                                                               db, form, message):
    member = make_member()
    submission = submit(late_round, member)
    response = client.post(reopen_url(late_round, member), data=form)
    assert response.status_code == 200
    html = text(response)
    assert message in html
    assert 'id="fehlerliste"' in html
    assert textarea(html, "reason") == form["reason"]  # the input is kept
    db.refresh(submission)
    assert submission.status == SubmissionStatus.SUBMITTED and submission.reopened_until is None
    assert events(db, "submission.reopen") == []


def test_a_submission_of_a_closed_round_cannot_be_reopened(client, coordinator, make_round, make_member, submit,
                                                           db):
    rnd = make_round(closed=True)
    member = make_member()
    submission = submit(rnd, member)
    page = client.get(reopen_url(rnd, member))
    assert page.status_code == 200
    assert "Nur Bedarfsmeldungen einer geöffneten Bedarfsabfrage" in text(page)
    assert 'name="reason"' not in text(page)
    response = client.post(reopen_url(rnd, member),
                           data={"reason": "Nachmeldung", "until_date": in_days(7), "until_time": "12:00"})
    assert response.status_code == 409
    assert "geöffneten Bedarfsabfrage" in text(response)
    db.refresh(submission)
    assert submission.status == SubmissionStatus.SUBMITTED
    assert events(db, "submission.reopen") == []


def test_an_expired_csrf_token_keeps_the_reason(app_config, make_user, late_round, make_member, db):
    from einkauf.app import create_app

    from support import csrf_token_from

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    user = make_user("coordinator")
    token = csrf_token_from(client.get("/anmelden").get_data(as_text=True))
    client.post("/anmelden", data={"email": user.email, "password": "richtig-geheim-1", "csrf_token": token})
    member = make_member()
    response = client.post(reopen_url(late_round, member),
                           data={"reason": "Nachmeldung Kita Sonnenschein", "until_date": in_days(7),
                                 "until_time": "12:00", "csrf_token": "abgelaufen"})
    assert response.status_code == 200
    html = text(response)
    assert "Sitzung ist abgelaufen" in html
    assert textarea(html, "reason") == "Nachmeldung Kita Sonnenschein"
    assert events(db, "submission.reopen") == []


# --- extending the deadline ------------------------------------------------------------------------

def extend_url(rnd) -> str:
    return f"/runden/{rnd.id}/frist-verlaengern"


def test_the_extension_form_shows_the_current_deadline_and_proposes_a_week_later(client, coordinator, make_round):
    rnd = make_round(opened=True, deadline=datetime(2099, 1, 31, 11, 0, tzinfo=UTC))
    html = text(client.get(extend_url(rnd)))
    assert "31.01.2099, 12:00 Uhr" in html
    assert input_value(html, "deadline_date") == "2099-02-07"
    assert input_value(html, "deadline_time") == "12:00"
    assert input_value(html, "version") == str(rnd.version)


def test_a_coordinator_extends_the_deadline(client, coordinator, make_round, db):
    rnd = make_round(opened=True, deadline=datetime(2099, 1, 31, 11, 0, tzinfo=UTC))
    response = client.post(extend_url(rnd), data={"deadline_date": "14.02.2099", "deadline_time": "18:00",
                                                  "version": str(rnd.version)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/runden/{rnd.id}/uebersicht"
    db.expire_all()
    assert rnd.deadline == datetime(2099, 2, 14, 17, 0, tzinfo=UTC)
    (event_row,) = events(db, "round.extend")
    assert event_row.before == {"deadline": "2099-01-31T11:00:00+00:00"}
    html = text(client.get(response.headers["Location"]))
    assert "14.02.2099, 18:00 Uhr" in html


@pytest.mark.parametrize(("form", "message", "status"), [
    ({"deadline_date": "2099-01-30", "deadline_time": "12:00"}, "nach der bisherigen Frist", 200),
    ({"deadline_date": "2099-01-31", "deadline_time": "12:00"}, "nach der bisherigen Frist", 200),
    ({"deadline_date": "2020-01-31", "deadline_time": "12:00"}, "in der Zukunft", 200),
    ({"deadline_date": "kein Datum", "deadline_time": "12:00"}, "gültiges Datum", 200),
    ({"deadline_date": "2099-02-07", "deadline_time": "mittags"}, "gültige Uhrzeit", 200),
    ({"deadline_date": "2099-02-07", "deadline_time": "12:00", "version": "x"}, "Ungültige Versionsangabe", 200),
    ({"deadline_date": "2099-02-07", "deadline_time": "12:00", "version": "99"}, "inzwischen geändert", 409),
])
def test_bad_extensions_are_refused_with_a_german_message(client, coordinator, make_round, db, form, message, status):
    rnd = make_round(opened=True, deadline=datetime(2099, 1, 31, 11, 0, tzinfo=UTC))
    response = client.post(extend_url(rnd), data={"version": str(rnd.version), **form})
    assert response.status_code == status
    assert message in text(response)
    assert input_value(text(response), "deadline_date") == form["deadline_date"]
    db.expire_all()
    assert rnd.deadline == datetime(2099, 1, 31, 11, 0, tzinfo=UTC)
    assert events(db, "round.extend") == []


@pytest.mark.parametrize("closed", [False, True])
def test_only_an_open_round_can_be_extended(client, coordinator, make_round, db, closed):
    rnd = make_round(closed=closed, deadline=datetime(2099, 1, 31, 11, 0, tzinfo=UTC))
    page = client.get(extend_url(rnd))
    assert page.status_code == 200 and "Nur die Frist einer geöffneten Bedarfsabfrage" in text(page)
    response = client.post(extend_url(rnd), data={"deadline_date": "2099-02-07", "deadline_time": "12:00",
                                                  "version": str(rnd.version)})
    assert response.status_code == 409
    db.expire_all()
    assert rnd.deadline == datetime(2099, 1, 31, 11, 0, tzinfo=UTC)
    assert events(db, "round.extend") == []


# --- closing -------------------------------------------------------------------------------------

def test_the_overview_leads_to_the_confirmation_that_lists_drafts_and_missing_members(
        client, coordinator, open_round, make_member, make_product, db, submit):
    make_member(name="Hamm")
    draft = make_member(name="Dorsten")
    submit(open_round, draft, [(make_product(price="2.50"), "10")], "draft")
    db.commit()
    html = text(client.get(f"/runden/{open_round.id}/uebersicht"))
    assert f'href="/runden/{open_round.id}/schliessen"' in html and "nicht rückgängig" in html
    assert "2 Mitglieder haben noch nicht abgegeben." in html

    page = text(client.get(f"/runden/{open_round.id}/schliessen"))
    # The deadline runs five more days: the page says so and asks for the explicit confirmation.
    assert 'id="close-early"' in page and "Die Abgabefrist läuft noch" in page
    assert 'name="vorzeitig"' in page
    drafts = page[page.index('id="close-drafts"'):]
    drafts = drafts[:drafts.index("</table>")]
    assert "Dorsten" in drafts and "25,00" in drafts and "Hamm" not in drafts
    assert "Hamm" in page[page.index('id="close-without"'):]


def test_closing_before_the_deadline_needs_the_confirmation(client, coordinator, open_round, db):
    refused = client.post(f"/runden/{open_round.id}/schliessen")
    assert refused.status_code == 303 and refused.headers["Location"] == f"/runden/{open_round.id}/schliessen"
    db.expire_all()
    assert open_round.status == RoundStatus.OPEN and events(db, "round.close") == []
    assert "nur mit ausdrücklicher Bestätigung" in text(client.get(refused.headers["Location"]))

    response = client.post(f"/runden/{open_round.id}/schliessen", data={"vorzeitig": "ja"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/runden/{open_round.id}/uebersicht"
    db.expire_all()
    assert open_round.status == RoundStatus.CLOSED
    [event] = events(db, "round.close")
    assert event.after["early"] is True and "vorzeitig" in event.summary
    html = text(client.get(response.headers["Location"]))
    assert "ist geschlossen" in html and 'id="next-step-lots"' in html
    assert "wieder-oeffnen" not in html and "/schliessen" not in html and "frist-verlaengern" not in html
    # A closed round has no confirmation page any more.
    assert client.get(f"/runden/{open_round.id}/schliessen").status_code == 303


def test_after_the_deadline_closing_needs_no_extra_confirmation(client, coordinator, late_round, db):
    page = text(client.get(f"/runden/{late_round.id}/schliessen"))
    assert 'id="close-early"' not in page and 'name="vorzeitig"' not in page
    response = client.post(f"/runden/{late_round.id}/schliessen")
    assert response.status_code == 303
    db.expire_all()
    assert late_round.status == RoundStatus.CLOSED
    assert events(db, "round.close")[0].after["early"] is False


def test_dates_in_the_forms_are_read_in_berlin_time_around_the_clock_change(client, coordinator, make_round, db):
    rnd = make_round(opened=True, deadline=datetime(2099, 3, 20, 11, 0, tzinfo=UTC))
    response = client.post(extend_url(rnd), data={"deadline_date": "2099-04-03", "deadline_time": "12:00",
                                                  "version": str(rnd.version)})
    assert response.status_code == 302
    db.expire_all()
    assert rnd.deadline == datetime(2099, 4, 3, 10, 0, tzinfo=UTC)  # CEST
    assert date(2099, 4, 3) == rnd.deadline.astimezone(BERLIN).date()
