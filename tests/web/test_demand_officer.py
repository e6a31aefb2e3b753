"""Officers enter their member's demand in the web UI: the start page, the round page with
participation, copy, submit and withdraw, and the entry page per category (issue 3, items 1–5)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from einkauf.app import create_app
from einkauf.audit.models import AuditEvent
from einkauf.demand import queries, services
from einkauf.demand.models import CategoryExclusion, DemandLine, Submission, SubmissionStatus

from support import csrf_token_from, input_value, text

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")


def plain(html: str) -> str:
    """The page as a reader sees it: tags removed, blanks (incl. no-break spaces) collapsed."""
    html = re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", html)


def selected_site(html: str, name: str) -> str | None:
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, name
    chosen = re.search(r'<option value="([^"]*)" selected>', match.group(1))
    return chosen.group(1) if chosen else None


@pytest.fixture
def w(db, make_member, make_user, make_category, make_product, make_round):
    """Hagen (two delivery sites) with its officer, Hamm with its officer, two categories and an open round."""
    member = make_member(name="Hagen", sites=2)
    other = make_member(name="Hamm", sites=1)
    office = make_category(name="Büromaterial", sort_order=1)
    paper = make_category(name="Druckpapier", sort_order=2)
    pen = make_product(category=office, number="BM-0001", price="0.89", short_text="Kugelschreiber blau")
    stapler = make_product(category=office, number="BM-0002", price="1234.50", short_text="Heftgerät")
    copy_paper = make_product(category=paper, number="DP-0001", price="3.33", short_text="Kopierpapier A4")
    rnd = make_round(code="2027", opened=True, deadline=datetime.now(UTC) + timedelta(days=12, hours=3, minutes=30))

    class World:
        pass

    x = World()
    x.member, x.other, x.rnd, x.office, x.paper = member, other, rnd, office, paper
    x.pen, x.stapler, x.copy_paper = pen, stapler, copy_paper
    x.site, x.site2 = member.delivery_sites
    x.other_site = other.delivery_sites[0]
    x.officer = make_user("officer", member=member)
    x.other_officer = make_user("officer", member=other)
    x.coordinator = make_user("coordinator")
    return x


@pytest.fixture
def officer(w, sign_in):
    sign_in(w.officer)
    return w.officer


def url(w, *parts) -> str:
    return "/".join([f"/bedarf/{w.rnd.id}", *[str(p) for p in parts]]).rstrip("/")


def category_url(w, category=None) -> str:
    return f"/bedarf/{w.rnd.id}/warengruppen/{(category or w.office).id}"


def lines_of(db, w, member=None):
    member = member or w.member
    return db.execute(
        select(DemandLine.product_id, DemandLine.delivery_site_id, DemandLine.quantity, DemandLine.cost_centre,
               DemandLine.budget_account, DemandLine.note)
        .join(Submission, DemandLine.submission_id == Submission.id)
        .where(Submission.member_id == member.id, Submission.round_id == w.rnd.id)
        .order_by(DemandLine.product_id, DemandLine.id)
    ).all()


def submission_of(db, w, member=None):
    db.expire_all()  # the app saved through its own session
    return queries.get_submission(db, w.rnd.id, (member or w.member).id)


def grid(w, version="0", **rows):
    """Form data of the entry page; rows as l_<pid>_<n>=(site, qty, cc, ba, note)."""
    data = {"version": str(version), "save": "1"}
    for key, (site, qty, *rest) in rows.items():
        _, pid, n = key.split("_")
        cc, ba, note = ([*list(rest), "", "", ""])[:3]
        prefix = f"l-{pid}-{n}"
        data.update({f"{prefix}-site": str(site), f"{prefix}-qty": qty, f"{prefix}-cc": cc, f"{prefix}-ba": ba,
                     f"{prefix}-note": note})
    return data


def set_deadline(db, w, when):
    w.rnd.deadline = when
    db.flush()


def row(product, n=0):
    return f"l_{product.id}_{n}"


def save_lines(db, w, *lines, category=None):
    """Save lines directly through the service (as another browser tab would)."""
    submission = submission_of(db, w)
    return services.save_category_lines(db, w.officer, w.rnd, w.member.id, (category or w.office).id,
                                        [services.LineInput(product_id=p.id, delivery_site_id=s.id, quantity=Decimal(q))
                                         for p, s, q in lines],
                                        expected_version=submission.version if submission else 0)


# --- who may come in ----------------------------------------------------------------------------

OFFICER_PAGES = ["/bedarf", "{round}", "{round}/warengruppen/{category}", "{round}/abgeben",
                 "{round}/uebernehmen", "{round}/warengruppen/{category}/teilnahme"]


def expand(w, path: str) -> str:
    return path.format(round=f"/bedarf/{w.rnd.id}", category=w.office.id)


@pytest.mark.parametrize("path", OFFICER_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, w, path):
    response = client.get(expand(w, path))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden?next=")


@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
@pytest.mark.parametrize("path", OFFICER_PAGES)
def test_staff_get_403_on_the_officer_pages(client, w, as_role, role, path):
    as_role(role)
    assert client.get(expand(w, path)).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "finance", "admin"])
def test_staff_cannot_post_to_the_officer_pages(client, w, as_role, role, db):
    as_role(role)
    for path in (category_url(w), url(w, "abgeben"), url(w, "zurueckziehen"), url(w, "uebernehmen"),
                 category_url(w) + "/teilnahme"):
        assert client.post(path, data=grid(w, **{row(w.pen): (w.site.id, "5")})).status_code == 403
    assert lines_of(db, w) == []


def test_a_draft_round_is_not_found_for_officers(client, officer, make_round):
    draft = make_round(code="2028")
    for path in (f"/bedarf/{draft.id}", f"/bedarf/{draft.id}/abgeben", f"/bedarf/{draft.id}/uebernehmen"):
        assert client.get(path).status_code == 404
    assert client.post(f"/bedarf/{draft.id}/abgeben", data={"version": "0"}).status_code == 404
    assert "2028" not in text(client.get("/bedarf"))


def test_unknown_rounds_and_categories_are_not_found(client, w, officer):
    assert client.get("/bedarf/999999").status_code == 404
    assert client.get(f"/bedarf/{w.rnd.id}/warengruppen/999999").status_code == 404
    assert client.post(f"/bedarf/{w.rnd.id}/warengruppen/999999", data={"version": "0"}).status_code == 404
    assert client.get(f"/bedarf/{w.rnd.id}/warengruppen/999999/teilnahme").status_code == 404


# --- start page ---------------------------------------------------------------------------------

def test_the_start_page_lists_open_rounds_with_deadline_and_time_left(client, w, officer, make_round, db, fixed_clock):
    # A fixed clock: two hours before the deadline's hour, so that the hours are never zero.
    set_deadline(db, w, datetime(2099, 1, 22, 11, 0, tzinfo=UTC))
    make_round(code="ENTWURF")  # a draft round is never shown
    html = plain(text(client.get("/bedarf")))
    assert "Offene Bedarfsabfragen" in html
    assert "22.01.2099, 12:00 Uhr" in html  # Berlin time
    assert "noch 26350 Tage, 2 Stunden" in html
    assert "kein Bedarf gemeldet" in html
    assert "ENTWURF" not in html


def test_the_start_page_shows_the_time_left_in_days_and_hours(client, w, officer, db):
    set_deadline(db, w, datetime.now(UTC) + timedelta(days=12, hours=3, minutes=30))
    assert "noch 12 Tage, 3 Stunden" in plain(text(client.get("/bedarf")))
    set_deadline(db, w, datetime.now(UTC) + timedelta(hours=1, minutes=5, seconds=30))
    assert "noch 1 Stunde, 5 Minuten" in plain(text(client.get("/bedarf")))


def test_the_start_page_shows_the_drafts_totals_and_later_who_submitted(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"), (w.stapler, w.site, "2"))
    html = plain(text(client.get("/bedarf")))
    assert "Entwurf" in html
    assert "2.477,90 €" in html  # 10 × 0,89 + 2 × 1.234,50
    submission = submission_of(db, w)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version)
    html = plain(text(client.get("/bedarf")))
    assert "abgegeben" in html and w.officer.email in html
    assert f"am {submission.submitted_at.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr von {w.officer.email}" in html


def test_a_round_past_its_deadline_stays_listed_as_expired(client, w, officer, db):
    set_deadline(db, w, datetime.now(UTC) - timedelta(minutes=1))
    html = plain(text(client.get("/bedarf")))
    assert "Frist abgelaufen" in html and w.rnd.title in html


def test_a_reopened_submission_shows_until_when(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "1"))
    set_deadline(db, w, datetime.now(UTC) - timedelta(days=1))
    until = datetime(2099, 3, 1, 16, 0, tzinfo=UTC)
    services.reopen_submission(db, w.coordinator, w.rnd, w.member.id, reason="Nachmeldung Schulamt", until=until)
    html = plain(text(client.get("/bedarf")))
    assert "wieder geöffnet bis 01.03.2099, 17:00 Uhr" in html
    assert "Frist abgelaufen" not in html


def test_the_home_page_shows_officers_their_rounds_and_the_navigation_entry(client, w, officer):
    html = text(client.get("/"))
    assert f'href="/bedarf/{w.rnd.id}"' in html
    assert '<a class="kern-link" href="/bedarf"' in html and ">Bedarfsmeldung<" in html


def test_staff_do_not_see_the_officer_navigation_entry(client, as_role):
    as_role("coordinator")
    assert 'href="/bedarf"' not in text(client.get("/"))


# --- round page ---------------------------------------------------------------------------------

def test_the_round_page_lists_categories_in_lot_order_with_lines_values_and_total(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"), (w.pen, w.site2, "5"))
    save_lines(db, w, (w.copy_paper, w.site, "100"), category=w.paper)
    html = text(client.get(url(w)))
    page = plain(html)
    assert page.index("Büromaterial") < page.index("Druckpapier")
    assert "13,35 €" in page and "333,00 €" in page and "346,35 €" in page
    assert f'href="{category_url(w)}"' in html and f'href="{category_url(w, w.paper)}"' in html
    assert "<caption" in html and 'scope="col"' in html


def test_leaving_a_category_with_lines_asks_first_and_then_removes_them(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    page = text(client.get(url(w)))
    confirm_url = category_url(w) + "/teilnahme"
    assert f'href="{confirm_url}"' in page  # a link to the confirmation, not a direct button
    confirm = text(client.get(confirm_url))
    assert "wird die 1 Position dieser Warengruppe gelöscht" in plain(confirm)
    assert lines_of(db, w) != []  # GET changes nothing
    version = submission_of(db, w).version
    response = client.post(confirm_url, data={"version": str(version), "participates": "nein"})
    assert response.status_code == 303
    assert lines_of(db, w) == []
    page = plain(text(client.get(url(w))))
    assert "nimmt nicht teil" in page and "Sie nehmen an der Warengruppe „Büromaterial“ nicht teil." in page
    response = client.post(confirm_url, data={"version": str(version + 1), "participates": "ja"})
    assert response.status_code == 303
    assert queries.excluded_category_ids(db, submission_of(db, w).id) == set()


def test_leaving_an_empty_category_is_one_button(client, db, w, officer):
    html = text(client.get(url(w)))
    assert 'name="participates" value="nein"' in html
    client.post(category_url(w, w.paper) + "/teilnahme", data={"version": "0", "participates": "nein"})
    submission = submission_of(db, w)
    assert db.get(CategoryExclusion, (submission.id, w.paper.id)) is not None


def test_a_stale_participation_change_is_refused_with_a_message(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    version = submission_of(db, w).version
    response = client.post(category_url(w) + "/teilnahme", data={"version": str(version - 1), "participates": "nein"},
                           follow_redirects=True)
    assert "inzwischen an anderer Stelle geändert" in text(response)
    assert len(lines_of(db, w)) == 1


def test_submitting_asks_for_confirmation_then_hands_in(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    page = text(client.get(url(w)))
    assert f'href="{url(w, "abgeben")}"' in page
    confirm = text(client.get(url(w, "abgeben")))
    assert "Jetzt verbindlich abgeben" in confirm and "8,90 €" in plain(confirm)
    assert submission_of(db, w).status == SubmissionStatus.DRAFT  # GET changes nothing
    version = input_value(confirm, "version")
    response = client.post(url(w, "abgeben"), data={"version": version})
    assert response.status_code == 303 and response.headers["Location"].endswith(url(w))
    submission = submission_of(db, w)
    assert submission.status == SubmissionStatus.SUBMITTED and submission.submitted_by_id == w.officer.id
    page = plain(text(client.get(url(w))))
    assert "Ihre Bedarfsmeldung 2027 ist abgegeben." in page
    assert "abgegeben am" in page and "Zurückziehen und bearbeiten" in page
    assert "Bedarfsmeldung abgeben …" not in page


def test_submitting_an_empty_demand_warns_that_it_reports_no_demand(client, w, officer):
    assert "enthält keine Positionen" in text(client.get(url(w, "abgeben")))


def test_a_replayed_submit_changes_nothing_more(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    version = str(submission_of(db, w).version)
    client.post(url(w, "abgeben"), data={"version": version})
    response = client.post(url(w, "abgeben"), data={"version": version}, follow_redirects=True)
    assert "bereits abgegeben" in text(response)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "submission.submit")) == 1


def test_a_post_without_version_is_refused(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    response = client.post(url(w, "abgeben"), data={}, follow_redirects=True)
    assert "Die Versionsangabe fehlt" in text(response)
    assert submission_of(db, w).status == SubmissionStatus.DRAFT


def test_withdrawing_before_the_deadline_makes_it_a_draft_again(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    submission = submission_of(db, w)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version)
    page = text(client.get(url(w)))
    assert "kann deshalb nicht bearbeitet werden" in page
    response = client.post(url(w, "zurueckziehen"), data={"version": input_value(page, "version")})
    assert response.status_code == 303
    assert submission_of(db, w).status == SubmissionStatus.DRAFT
    assert "zurückgezogen" in text(client.get(url(w)))


def test_copying_the_previous_round_asks_first_and_replaces_the_lines(client, db, w, officer, make_round):
    old = make_round(code="2026", opened=True, closed=True, deadline=datetime(2026, 1, 22, 11, tzinfo=UTC))
    old.opens_on = date(2025, 11, 3)
    w.rnd.opens_on = date(2026, 11, 2)
    previous = Submission(round_id=old.id, member_id=w.member.id, status=SubmissionStatus.SUBMITTED)
    db.add(previous)
    db.flush()
    db.add(DemandLine(submission_id=previous.id, product_id=w.copy_paper.id, delivery_site_id=w.site2.id,
                      quantity=Decimal("40"), cost_centre="KST-4080"))
    db.flush()
    save_lines(db, w, (w.pen, w.site, "10"))
    page = text(client.get(url(w)))
    assert "Positionen aus 2026 übernehmen …" in page
    confirm = text(client.get(url(w, "uebernehmen")))
    assert "Vorhandene Positionen werden ersetzt" in confirm
    response = client.post(url(w, "uebernehmen"), data={"version": input_value(confirm, "version")})
    assert response.status_code == 303
    assert lines_of(db, w) == [(w.copy_paper.id, w.site2.id, Decimal("40.000"), "KST-4080", "", "")]
    assert "1 Position aus der früheren Bedarfsabfrage übernommen." in text(client.get(url(w)))


def test_copying_without_a_previous_round_is_not_offered(client, w, officer):
    assert "übernehmen …" not in text(client.get(url(w)))
    response = client.get(url(w, "uebernehmen"))
    assert response.status_code == 303


# --- entry page per category -----------------------------------------------------------------

def test_the_entry_page_lists_every_active_product_with_an_empty_row(client, db, w, officer, make_product):
    retired = make_product(category=w.office, number="BM-0099")
    retired.active = False
    db.flush()
    html = text(client.get(category_url(w)))
    page = plain(html)
    for expected in ("BM-0001", "Kugelschreiber blau", "Stück", "0,89 €", "BM-0002", "1.234,50 €"):
        assert expected in page
    assert "BM-0099" not in page and "DP-0001" not in page
    for product in (w.pen, w.stapler):
        for name in ("site", "qty", "cc", "ba", "note"):
            assert f'for="l-{product.id}-0-{name}"' in html and f'id="l-{product.id}-0-{name}"' in html
    assert input_value(html, "version") == "0"
    assert f'<label class="kern-sr-only" for="l-{w.pen.id}-0-qty">Menge BM-0001 Zeile 1</label>' in html
    assert "<caption" in html and 'scope="col"' in html and 'scope="rowgroup"' in html
    assert "style=" not in html and "<script" not in html


def test_saving_the_page_stores_every_line_and_shows_the_totals(client, db, w, officer):
    data = grid(w, **{row(w.pen, 0): (w.site.id, "1.000", "KST-1080", "5431100", "blau"),
                      row(w.pen, 1): (w.site2.id, "2,5", "KST-4080", "", ""),
                      row(w.stapler, 0): (w.site.id, "", "", "", "")})
    response = client.post(category_url(w), data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith(category_url(w))
    assert lines_of(db, w) == [(w.pen.id, w.site.id, Decimal("1000.000"), "KST-1080", "5431100", "blau"),
                               (w.pen.id, w.site2.id, Decimal("2.500"), "KST-4080", "", "")]
    html = text(client.get(category_url(w)))
    page = plain(html)
    assert "„Büromaterial“ gespeichert: 2 Positionen, geschätzter Wert 892,23 €." in page
    assert "890,00 €" in page and "2,23 €" in page  # 1.000 × 0,89 and 2,5 × 0,89 = 2,225 → 2,23
    assert "Summe 892,23 €" in page  # per product
    assert input_value(html, f"l-{w.pen.id}-0-qty") == "1.000"
    assert input_value(html, f"l-{w.pen.id}-1-qty") == "2,5"
    assert input_value(html, f"l-{w.pen.id}-2-qty") == ""  # one empty row after the lines
    assert input_value(html, "version") == str(submission_of(db, w).version)


def test_clearing_a_quantity_removes_the_line(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"), (w.stapler, w.site, "1"))
    html = text(client.get(category_url(w)))
    data = grid(w, input_value(html, "version"), **{row(w.pen): (w.site.id, "", "", "", ""),
                                                    row(w.stapler): (w.site.id, "0", "", "", "")})
    assert client.post(category_url(w), data=data).status_code == 303
    assert lines_of(db, w) == []


def test_another_row_is_added_without_saving_and_keeps_the_input(client, db, w, officer):
    data = grid(w, **{row(w.pen, 0): (w.site.id, "7", "KST-1", "", "Notiz")})
    data["add_row"] = str(w.pen.id)
    del data["save"]
    response = client.post(category_url(w), data=data)
    assert response.status_code == 200
    html = text(response)
    assert input_value(html, f"l-{w.pen.id}-0-qty") == "7"
    assert input_value(html, f"l-{w.pen.id}-0-note") == "Notiz"
    assert input_value(html, f"l-{w.pen.id}-1-qty") == ""  # the new row
    assert f'formaction="{category_url(w)}#p-{w.pen.id}"' in html
    assert "6,23 €" in plain(html)  # running total of the typed input
    assert lines_of(db, w) == [] and submission_of(db, w) is None


def test_a_number_that_is_no_number_is_shown_next_to_its_input(client, db, w, officer):
    data = grid(w, **{row(w.pen, 0): (w.site.id, "zwölf", "KST-1", "", ""),
                      row(w.stapler, 0): (w.site.id, "1,2345", "", "", "")})
    response = client.post(category_url(w), data=data)
    assert response.status_code == 200
    html = text(response)
    assert 'id="fehlerliste"' in html
    assert f'href="#l-{w.pen.id}-0-qty"' in html and f'href="#l-{w.stapler.id}-0-qty"' in html
    assert "Artikel BM-0001, Zeile 1" in html and "Bitte höchstens 3 Nachkommastellen angeben." in html
    assert f'aria-describedby="l-{w.pen.id}-0-qty-error"' in html
    assert input_value(html, f"l-{w.pen.id}-0-qty") == "zwölf"
    assert input_value(html, f"l-{w.pen.id}-0-cc") == "KST-1"
    assert lines_of(db, w) == []


def test_parse_errors_and_service_problems_are_reported_together(client, db, w, officer):
    data = grid(w, **{row(w.pen, 0): (w.site.id, "abc", "", "", ""),
                      row(w.stapler, 0): ("", "3", "", "", "")})
    html = text(client.post(category_url(w), data=data))
    assert f'href="#l-{w.pen.id}-0-qty"' in html
    assert f'href="#l-{w.stapler.id}-0-site"' in html and "Bitte eine Lieferstelle Ihres Mitglieds wählen." in html
    assert lines_of(db, w) == []


def test_a_delivery_site_of_another_member_is_refused(client, db, w, officer):
    data = grid(w, **{row(w.pen): (w.other_site.id, "5", "", "", "")})
    response = client.post(category_url(w), data=data)
    assert response.status_code == 200
    html = text(response)
    assert "Bitte eine Lieferstelle Ihres Mitglieds wählen." in html
    assert f'href="#l-{w.pen.id}-0-site"' in html
    assert lines_of(db, w) == [] and lines_of(db, w, w.other) == []
    assert f'<option value="{w.other_site.id}"' not in html  # never offered


def test_a_product_of_another_category_is_refused(client, db, w, officer):
    data = grid(w, **{row(w.pen): (w.site.id, "5", "", "", ""), row(w.copy_paper): (w.site.id, "5", "", "", "")})
    response = client.post(category_url(w), data=data)
    assert response.status_code == 200
    assert f"Artikel-ID {w.copy_paper.id}: Unbekannter oder nicht bestellbarer Artikel." in text(response)
    assert lines_of(db, w) == []


def test_invalid_codes_and_duplicates_are_marked_per_field(client, db, w, officer):
    data = grid(w, **{row(w.pen, 0): (w.site.id, "1", "=SUMME(A1)", "", ""),
                      row(w.stapler, 0): (w.site.id, "1", "KST", "", ""),
                      row(w.stapler, 1): (w.site.id, "2", "KST", "", "")})
    html = text(client.post(category_url(w), data=data))
    assert f'href="#l-{w.pen.id}-0-cc"' in html and "Kostenstelle „=SUMME(A1)“ ist ungültig" in html
    assert f'href="#l-{w.stapler.id}-1-site"' in html and "doppelt angegeben" in html
    assert input_value(html, f"l-{w.pen.id}-0-cc") == "=SUMME(A1)"
    assert lines_of(db, w) == []


def test_a_stale_page_gets_409_keeps_the_input_and_can_then_overwrite(client, db, w, officer):
    page = text(client.get(category_url(w)))
    version = input_value(page, "version")
    save_lines(db, w, (w.pen, w.site, "99"))  # another tab saved meanwhile
    data = grid(w, version, **{row(w.pen): (w.site.id, "5", "KST-7", "", "meins")})
    response = client.post(category_url(w), data=data)
    assert response.status_code == 409
    html = text(response)
    assert "Ihre Bedarfsmeldung wurde inzwischen an anderer Stelle geändert." in html
    assert "Gespeichert ist für diese Warengruppe jetzt 1 Position" in plain(html)
    assert input_value(html, f"l-{w.pen.id}-0-qty") == "5"
    assert input_value(html, f"l-{w.pen.id}-0-note") == "meins"
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("99.000")]
    new_version = input_value(html, "version")
    assert new_version == str(submission_of(db, w).version)
    data["version"] = new_version
    assert client.post(category_url(w), data=data).status_code == 303
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("5.000")]


def test_the_other_members_officer_sees_only_their_own_lines(client, db, w, sign_in):
    save_lines(db, w, (w.pen, w.site, "10"))
    sign_in(w.other_officer)
    html = text(client.get(category_url(w)))
    assert input_value(html, f"l-{w.pen.id}-0-qty") == ""
    assert f'<option value="{w.site.id}"' not in html and f'<option value="{w.other_site.id}"' in html
    assert "kein Bedarf gemeldet" in text(client.get("/bedarf"))
    assert "8,90 €" not in plain(text(client.get(url(w))))
    # Their save touches only their own submission.
    client.post(category_url(w), data=grid(w, **{row(w.pen): (w.other_site.id, "3", "", "", "")}))
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("10.000")]
    assert [line.quantity for line in lines_of(db, w, w.other)] == [Decimal("3.000")]


def test_a_single_delivery_site_is_preselected_in_new_rows(client, db, w, sign_in):
    sign_in(w.other_officer)
    html = text(client.get(category_url(w)))
    assert selected_site(html, f"l-{w.pen.id}-0-site") == str(w.other_site.id)


def test_several_delivery_sites_must_be_chosen(client, w, officer):
    html = text(client.get(category_url(w)))
    assert selected_site(html, f"l-{w.pen.id}-0-site") is None


def test_a_left_category_says_so_and_a_save_takes_part_again(client, db, w, officer):
    client.post(category_url(w) + "/teilnahme", data={"version": "0", "participates": "nein"})
    html = text(client.get(category_url(w)))
    assert "nimmt an dieser Warengruppe derzeit nicht teil" in html
    data = grid(w, input_value(html, "version"), **{row(w.pen): (w.site.id, "1", "", "", "")})
    assert client.post(category_url(w), data=data).status_code == 303
    assert queries.excluded_category_ids(db, submission_of(db, w).id) == set()


# --- read-only after the deadline, when submitted, when closed ------------------------------

def test_after_the_deadline_the_entry_page_is_read_only_with_a_reason(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    set_deadline(db, w, datetime.now(UTC) - timedelta(seconds=1))
    html = text(client.get(category_url(w)))
    assert "Die Abgabefrist ist am" in html and "abgelaufen" in html
    assert "<input" not in re.sub(r'<input type="hidden"[^>]*>', "", html.split('<main')[1])
    assert "Speichern" not in html and "Weitere Zeile" not in html
    assert "10" in plain(html) and "8,90 €" in plain(html)


def test_after_the_deadline_a_post_is_refused_with_409_and_the_input_kept(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    version = str(submission_of(db, w).version)
    set_deadline(db, w, datetime.now(UTC) - timedelta(seconds=1))
    response = client.post(category_url(w), data=grid(w, version, **{row(w.pen): (w.site.id, "77", "", "", "")}))
    assert response.status_code == 409
    html = text(response)
    assert "Ihre Eingaben wurden nicht gespeichert" in html
    assert input_value(html, f"l-{w.pen.id}-0-qty") == "77"
    assert re.search(rf'<input[^>]*name="l-{w.pen.id}-0-qty"[^>]*readonly', html)
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("10.000")]


def test_after_the_deadline_the_round_page_explains_and_offers_no_actions(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    set_deadline(db, w, datetime.now(UTC) - timedelta(seconds=1))
    html = text(client.get(url(w)))
    assert "Die Abgabefrist ist am" in html and "Koordinierungsstelle" in html
    assert "Bedarfsmeldung abgeben" not in html and 'name="participates"' not in html
    assert "Frist abgelaufen" in html


@pytest.mark.parametrize("action,data", [
    ("abgeben", {"participates": ""}),
    ("zurueckziehen", {}),
    ("uebernehmen", {}),
    ("warengruppen/{category}/teilnahme", {"participates": "nein"}),
])
def test_after_the_deadline_every_action_is_refused_with_a_message(client, db, w, officer, action, data):
    save_lines(db, w, (w.pen, w.site, "10"))
    version = str(submission_of(db, w).version)
    set_deadline(db, w, datetime.now(UTC) - timedelta(seconds=1))
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(url(w, action.format(category=w.office.id)), data={"version": version, **data})
    assert response.status_code == 303
    follow = text(client.get(response.headers["Location"]))
    assert 'kern-alert--danger' in follow  # the refusal is explained in a flashed message
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert len(lines_of(db, w)) == 1 and submission_of(db, w).status == SubmissionStatus.DRAFT


def test_after_the_deadline_the_confirmation_pages_send_back(client, w, officer, db):
    set_deadline(db, w, datetime.now(UTC) - timedelta(seconds=1))
    assert client.get(url(w, "abgeben")).status_code == 303
    assert client.get(category_url(w) + "/teilnahme").status_code == 303


def test_a_submitted_demand_is_read_only_until_withdrawn(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    submission = submission_of(db, w)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version)
    html = text(client.get(category_url(w)))
    assert "Ihre Bedarfsmeldung ist abgegeben" in html and "zurückziehen" in html
    assert 'name="save"' not in html
    response = client.post(category_url(w), data=grid(w, str(submission.version),
                                                      **{row(w.pen): (w.site.id, "1", "", "", "")}))
    assert response.status_code == 409
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("10.000")]


def test_a_closed_round_is_read_only(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    w.rnd.closed_at = datetime.now(UTC)
    db.flush()
    assert "Die Bedarfsabfrage ist geschlossen" in text(client.get(url(w)))
    assert "Die Bedarfsabfrage ist geschlossen" in text(client.get(category_url(w)))
    html = plain(text(client.get("/bedarf")))
    assert "Abgeschlossene Bedarfsabfragen" in html


def test_an_officer_whose_draft_was_not_handed_in_is_told_why_it_is_not_in_the_lots(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    w.rnd.closed_at = datetime(2027, 1, 25, 9, 0, tzinfo=UTC)
    db.flush()
    html = text(client.get(url(w)))
    alert = html[html.index('id="draft-not-in-lots"'):]
    assert "Ihr Bedarf ist nicht in den Losen" in alert and "25.01.2027" in alert
    assert "Ihre 1 Position" in alert and "Entwürfe fließen nicht in die Lose ein" in alert


def test_a_submitted_demand_of_a_closed_round_has_no_such_notice(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    submission = submission_of(db, w)
    services.submit_demand(db, w.officer, w.rnd, w.member.id, expected_version=submission.version)
    w.rnd.closed_at = datetime.now(UTC)
    db.flush()
    assert 'id="draft-not-in-lots"' not in text(client.get(url(w)))


def test_a_reopened_submission_can_be_changed_again(client, db, w, officer):
    save_lines(db, w, (w.pen, w.site, "10"))
    set_deadline(db, w, datetime.now(UTC) - timedelta(hours=1))
    services.reopen_submission(db, w.coordinator, w.rnd, w.member.id, reason="Nachmeldung",
                               until=datetime.now(UTC) + timedelta(days=2))
    html = text(client.get(category_url(w)))
    assert 'name="save"' in html
    data = grid(w, input_value(html, "version"), **{row(w.pen): (w.site.id, "11", "", "", "")})
    assert client.post(category_url(w), data=data).status_code == 303
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("11.000")]


# --- CSRF: an expired token keeps what was typed ------------------------------------------------

@pytest.fixture
def csrf_officer(app_config, w):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = app.test_client()
    token = csrf_token_from(text(client.get("/anmelden")))
    response = client.post("/anmelden", data={"email": w.officer.email, "password": "richtig-geheim-1",
                                              "csrf_token": token})
    assert response.status_code == 302
    return client


def test_an_expired_csrf_token_reshows_the_page_with_the_input(csrf_officer, db, w):
    client = csrf_officer
    data = grid(w, **{row(w.pen): (w.site.id, "12", "KST-1", "", "bitte liefern")})
    data["csrf_token"] = "abgelaufen"
    response = client.post(category_url(w), data=data)
    assert response.status_code == 200
    html = text(response)
    assert "Ihre Sitzung ist abgelaufen" in html
    assert input_value(html, f"l-{w.pen.id}-0-qty") == "12"
    assert input_value(html, f"l-{w.pen.id}-0-note") == "bitte liefern"
    assert lines_of(db, w) == []
    # The page carries a fresh token: sending it again saves.
    data["csrf_token"] = csrf_token_from(html)
    assert client.post(category_url(w), data=data).status_code == 303
    assert [line.quantity for line in lines_of(db, w)] == [Decimal("12.000")]


def test_button_actions_without_a_csrf_token_are_refused(csrf_officer, db, w):
    for path in (url(w, "abgeben"), url(w, "uebernehmen"), url(w, "zurueckziehen"),
                 category_url(w) + "/teilnahme"):
        assert csrf_officer.post(path, data={"version": "0", "participates": "nein"}).status_code == 400
    assert submission_of(db, w) is None


# --- many products ------------------------------------------------------------------------------

def test_a_page_with_300_products_renders_and_saves_in_one_go(client, db, w, officer, make_category, make_product):
    big = make_category(name="Großes Sortiment")
    products = [make_product(category=big, number=f"GS-{i:04d}", price="1.10") for i in range(300)]
    html = text(client.get(category_url(w, big)))
    assert html.count('inputmode="decimal"') == 300
    data = {"version": input_value(html, "version"), "save": "1"}
    for i, product in enumerate(products):
        data[f"l-{product.id}-0-site"] = str(w.site.id)
        data[f"l-{product.id}-0-qty"] = str(i + 1)
    assert client.post(category_url(w, big), data=data).status_code == 303
    assert len(lines_of(db, w)) == 300
    assert "49.665,00 €" in plain(text(client.get(category_url(w, big))))  # 1,10 × (1 + … + 300)


def test_the_round_page_links_to_the_excel_round_trip(client, db, w, officer):
    html = text(client.get(url(w)))
    assert f'href="/bedarf/{w.rnd.id}/hochladen"' in html and f'href="/bedarf/{w.rnd.id}/vorlage.xlsx"' in html
    set_deadline(db, w, datetime.now(UTC) - timedelta(seconds=1))
    html = text(client.get(url(w)))
    assert f'href="/bedarf/{w.rnd.id}/hochladen"' not in html
    assert "Excel-Datei mit Ihrem Bedarf herunterladen" in html
