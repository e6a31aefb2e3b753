"""Services for members, delivery sites and rounds on SQLite and PostgreSQL."""
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from einkauf.audit.models import AuditEvent
from einkauf.berlin import berlin_to_utc
from einkauf.errors import DeadlinePassed, InvalidField, InvalidState, NotFound, StaleVersion, ValidationFailed
from einkauf.rounds import services
from einkauf.rounds.models import DeliverySite, Member, Round, RoundStatus

UTC = UTC


@pytest.fixture
def actor(make_user):
    return make_user("coordinator")


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def round_values(**overrides):
    values = {
        "code": "2099",
        "title": "Bedarfsabfrage 2099",
        "opens_on": date(2099, 1, 4),
        "deadline": berlin_to_utc(date(2099, 1, 31), time(12, 0)),
        "contract_term_months": 24,
        "extension_months": 24,
        "max_quantity_buffer_pct": Decimal("20.00"),
    }
    values.update(overrides)
    return values


# --- members -------------------------------------------------------------------------------

def test_a_new_member_keeps_the_leading_zero_of_its_ags(db, actor):
    member = services.create_member(db, actor, ags="05334002", name="Aachen", region="Rheinland")
    db.expire_all()
    stored = db.scalar(select(Member).where(Member.name == "Aachen"))
    assert stored.ags == "05334002"
    assert (stored.region, stored.active, stored.version) == ("Rheinland", True, 1)
    assert stored.id == member.id


def test_creating_a_member_is_audited_with_the_new_values(db, actor):
    member = services.create_member(db, actor, ags="05913000", name="Dortmund", region="Ruhrgebiet")
    [event] = events(db, "member.create")
    assert (event.entity_type, event.entity_id, event.member_id) == ("member", str(member.id), member.id)
    assert event.actor_id == actor.id
    assert event.before is None
    assert event.after == {"ags": "05913000", "name": "Dortmund", "region": "Ruhrgebiet", "active": True}


def test_a_second_member_with_the_same_ags_is_refused(db, actor):
    services.create_member(db, actor, ags="05913000", name="Dortmund")
    with pytest.raises(ValidationFailed, match="bereits ein Mitglied mit dem AGS 05913000 \\(Dortmund\\)"):
        services.create_member(db, actor, ags="05913000", name="Dortmund (doppelt)")
    assert db.scalar(select(Member.name).where(Member.ags == "05913000")) == "Dortmund"


@pytest.mark.parametrize("ags", ["0533400", "0533400a", "０５３３４００２", "053340021", "0533 4002", ""])
def test_an_ags_that_is_not_eight_ascii_digits_is_refused(db, actor, ags):
    with pytest.raises(ValidationFailed, match="genau 8 Ziffern") as caught:
        services.create_member(db, actor, ags=ags, name="Aachen")
    assert caught.value.field == "ags"
    assert db.scalar(select(Member).where(Member.name == "Aachen")) is None


def test_a_member_needs_a_name(db, actor):
    with pytest.raises(ValidationFailed, match="Name"):
        services.create_member(db, actor, ags="05334002", name="  \t ")


def test_updating_a_member_bumps_its_version_and_audits_only_what_changed(db, actor, make_member):
    member = make_member(ags="05911000", name="Bochum", region="")
    services.update_member(db, actor, member.id, expected_version=1, ags="05911000", name="Bochum",
                           region="Ruhrgebiet", active=True)
    assert (member.region, member.version) == ("Ruhrgebiet", 2)
    [event] = events(db, "member.update")
    assert (event.before, event.after) == ({"region": ""}, {"region": "Ruhrgebiet"})
    assert event.member_id == member.id


def test_a_save_based_on_a_stale_version_is_refused_and_changes_nothing(db, actor, make_member):
    member = make_member(name="Bochum", region="")
    services.update_member(db, actor, member.id, expected_version=1, ags=member.ags, name="Bochum",
                           region="Ruhrgebiet", active=True)
    with pytest.raises(StaleVersion):
        services.update_member(db, actor, member.id, expected_version=1, ags=member.ags, name="Bochum-Wattenscheid",
                               region="Westfalen", active=False)
    db.expire_all()
    assert (member.name, member.region, member.active, member.version) == ("Bochum", "Ruhrgebiet", True, 2)
    assert len(events(db, "member.update")) == 1


def test_a_version_changed_behind_the_loaded_record_is_detected_in_the_update(db, actor, make_member):
    member = make_member(name="Hagen")
    # Another transaction saved in the meantime: the row's version moved on, the loaded object did not.
    db.execute(Member.__table__.update().where(Member.__table__.c.id == member.id).values(version=7))
    with pytest.raises(StaleVersion):
        services.update_member(db, actor, member.id, expected_version=1, ags=member.ags, name="Hagen (neu)",
                               region="", active=True)


def test_a_member_cannot_take_over_another_members_ags(db, actor, make_member):
    make_member(ags="05113000", name="Essen")
    other = make_member(ags="05513000", name="Gelsenkirchen")
    with pytest.raises(ValidationFailed, match="05113000 \\(Essen\\)"):
        services.update_member(db, actor, other.id, expected_version=1, ags="05113000", name="Gelsenkirchen",
                               region="", active=True)


def test_saving_a_member_unchanged_writes_no_audit_event(db, actor, make_member):
    member = make_member(name="Hamm", region="Westfalen")
    services.update_member(db, actor, member.id, expected_version=1, ags=member.ags, name="Hamm",
                           region="Westfalen", active=True)
    assert events(db, "member.update") == []
    assert member.version == 1


def test_member_search_finds_name_ags_and_region(db, make_member):
    make_member(ags="05315000", name="Köln", region="Rheinland")
    make_member(ags="05913000", name="Dortmund", region="Ruhrgebiet")

    def names(term):
        return [m.name for m in db.scalars(services.member_query(term))]

    assert names("dort") == ["Dortmund"]
    assert names("05315") == ["Köln"]
    assert names("RHEINLAND") == ["Köln"]
    assert names("%") == []


def test_an_unknown_member_is_not_found(db):
    with pytest.raises(NotFound):
        services.get_member(db, 999999)


# --- delivery sites --------------------------------------------------------------------------

def test_a_delivery_site_is_added_to_its_member_and_audited(db, actor, make_member):
    member = make_member(name="Münster", sites=0)
    site = services.create_delivery_site(db, actor, member.id, name="Schulamt", street="Klemensstraße 10",
                                         postcode="48143", city="Münster")
    assert site.member_id == member.id
    [event] = events(db, "delivery_site.create")
    assert (event.entity_type, event.member_id) == ("delivery_site", member.id)
    assert event.after["postcode"] == "48143"


def test_site_names_are_unique_per_member_only(db, actor, make_member):
    first, second = make_member(sites=0), make_member(sites=0)
    fields = {"name": "Rathaus", "street": "Markt 1", "postcode": "44135", "city": "Dortmund"}
    services.create_delivery_site(db, actor, first.id, **fields)
    services.create_delivery_site(db, actor, second.id, **fields)
    with pytest.raises(ValidationFailed, match="bereits eine Lieferstelle „Rathaus“"):
        services.create_delivery_site(db, actor, first.id, **fields)


@pytest.mark.parametrize("postcode", ["4413", "441355", "4413a", "４４１３５", ""])
def test_a_delivery_site_needs_a_five_digit_postcode(db, actor, make_member, postcode):
    member = make_member(sites=0)
    with pytest.raises(ValidationFailed, match="Postleitzahl"):
        services.create_delivery_site(db, actor, member.id, name="Kita", street="Weg 1", postcode=postcode, city="Hamm")


def test_a_site_of_another_member_is_not_found(db, make_member):
    owner, other = make_member(), make_member()
    site = owner.delivery_sites[0]
    assert services.get_delivery_site(db, owner.id, site.id) is site
    with pytest.raises(NotFound):
        services.get_delivery_site(db, other.id, site.id)
    with pytest.raises(NotFound):
        services.update_delivery_site(db, None, other.id, site.id, name="Gekapert", street="X 1", postcode="12345",
                                      city="Y", active=True)
    assert site.name == "Rathaus 1"


def test_deactivating_a_site_is_audited_as_such(db, actor, make_member):
    member = make_member()
    site = member.delivery_sites[0]
    services.update_delivery_site(db, actor, member.id, site.id, name=site.name, street=site.street,
                                  postcode=site.postcode, city=site.city, active=False)
    assert site.active is False
    [event] = events(db, "delivery_site.deactivate")
    assert (event.before, event.after, event.member_id) == ({"active": True}, {"active": False}, member.id)


def test_renaming_a_site_to_a_sibling_name_is_refused(db, actor, make_member):
    member = make_member(sites=2)
    first, second = member.delivery_sites
    with pytest.raises(ValidationFailed, match="bereits eine Lieferstelle"):
        services.update_delivery_site(db, actor, member.id, second.id, name=first.name, street="Markt 1",
                                      postcode="44135", city="X", active=True)
    db.expire_all()
    assert db.get(DeliverySite, second.id).name == "Rathaus 2"


# --- rounds ----------------------------------------------------------------------------------

def test_a_new_round_is_a_draft_with_its_deadline_stored_as_utc(db, actor):
    row = services.create_round(db, actor, **round_values())
    db.expire_all()
    stored = db.get(Round, row.id)
    assert stored.status == RoundStatus.DRAFT
    assert stored.deadline == datetime(2099, 1, 31, 11, 0, tzinfo=UTC)
    assert stored.max_quantity_buffer_pct == Decimal("20.00")
    [event] = events(db, "round.create")
    assert event.after["deadline"] == "2099-01-31T11:00:00+00:00"
    assert event.after["max_quantity_buffer_pct"] == "20.00"


def test_a_summer_deadline_is_stored_two_hours_earlier_in_utc(db, actor):
    deadline = berlin_to_utc(date(2099, 7, 15), time(12, 0))
    row = services.create_round(db, actor, **round_values(code="S2099", opens_on=date(2099, 6, 1), deadline=deadline))
    db.expire_all()
    assert db.get(Round, row.id).deadline == datetime(2099, 7, 15, 10, 0, tzinfo=UTC)


def test_round_codes_are_unique(db, actor):
    services.create_round(db, actor, **round_values())
    with pytest.raises(ValidationFailed, match="bereits eine Bedarfsabfrage mit dem Kürzel „2099“"):
        services.create_round(db, actor, **round_values(title="Doppelt"))


@pytest.mark.parametrize("deadline_day", [date(2099, 1, 4), date(2099, 1, 3)])
def test_the_deadline_must_lie_after_the_opening_date(db, actor, deadline_day):
    with pytest.raises(ValidationFailed, match="nach dem Öffnungsdatum") as caught:
        services.create_round(db, actor, **round_values(deadline=berlin_to_utc(deadline_day, time(23, 59))))
    assert caught.value.field == "deadline_date"


@pytest.mark.parametrize("overrides,field", [
    ({"code": "20 99"}, "code"),
    ({"code": "x" * 21}, "code"),
    ({"title": ""}, "title"),
    ({"contract_term_months": 0}, "contract_term_months"),
    ({"contract_term_months": 121}, "contract_term_months"),
    ({"extension_months": -1}, "extension_months"),
    ({"max_quantity_buffer_pct": Decimal("100.01")}, "max_quantity_buffer_pct"),
    ({"max_quantity_buffer_pct": Decimal("5.555")}, "max_quantity_buffer_pct"),
    ({"max_quantity_buffer_pct": Decimal("NaN")}, "max_quantity_buffer_pct"),
])
def test_round_values_out_of_bounds_are_refused_per_field(db, actor, overrides, field):
    with pytest.raises(ValidationFailed) as caught:
        services.create_round(db, actor, **round_values(**overrides))
    assert caught.value.field == field
    assert db.scalar(select(Round).where(Round.code == "2099")) is None


def test_a_draft_round_can_be_edited_and_the_change_is_audited(db, actor):
    row = services.create_round(db, actor, **round_values())
    services.update_round(db, actor, row.id, expected_version=1,
                          **round_values(title="Gemeinsame Bedarfsabfrage 2099", extension_months=12))
    assert (row.title, row.extension_months, row.version) == ("Gemeinsame Bedarfsabfrage 2099", 12, 2)
    [event] = events(db, "round.update")
    assert event.before == {"title": "Bedarfsabfrage 2099", "extension_months": 24}
    assert event.after == {"title": "Gemeinsame Bedarfsabfrage 2099", "extension_months": 12}


def test_editing_a_round_with_a_stale_version_is_refused(db, actor):
    row = services.create_round(db, actor, **round_values())
    services.update_round(db, actor, row.id, expected_version=1, **round_values(title="Erste Änderung"))
    with pytest.raises(StaleVersion):
        services.update_round(db, actor, row.id, expected_version=1, **round_values(title="Zweite Änderung"))
    assert row.title == "Erste Änderung"


def test_an_opened_round_can_no_longer_be_edited(db, actor, make_round):
    row = make_round(opened=True)
    with pytest.raises(InvalidState, match="bereits geöffnet und kann nicht mehr bearbeitet werden"):
        services.update_round(db, actor, row.id, expected_version=row.version,
                              **round_values(code=row.code, title="Nachträglich geändert"))
    assert row.title != "Nachträglich geändert"


def test_a_closed_round_can_no_longer_be_edited(db, actor, make_round):
    row = make_round(closed=True)
    with pytest.raises(InvalidState, match="geschlossen"):
        services.update_round(db, actor, row.id, expected_version=row.version, **round_values(code=row.code))


def test_opening_a_draft_sets_its_opening_time_and_is_audited(db, actor, make_round):
    row = make_round()
    now = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    row.deadline = datetime(2030, 2, 1, 11, 0, tzinfo=UTC)
    services.open_round(db, actor, row.id, now=now)
    assert row.status == RoundStatus.OPEN
    assert row.opened_at == now
    [event] = events(db, "round.open")
    assert (event.entity_type, event.entity_id) == ("round", str(row.id))
    assert event.before == {"opened_at": None}
    assert event.after == {"opened_at": "2030-01-01T08:00:00+00:00"}


def test_a_round_whose_deadline_has_passed_cannot_be_opened(db, actor, make_round):
    row = make_round(deadline=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(DeadlinePassed, match="liegt nicht in der Zukunft"):
        services.open_round(db, actor, row.id)
    assert row.status == RoundStatus.DRAFT
    assert events(db, "round.open") == []


def test_a_deadline_exactly_now_counts_as_passed(db, actor, make_round):
    now = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    row = make_round(deadline=now)
    with pytest.raises(DeadlinePassed):
        services.open_round(db, actor, row.id, now=now)


def test_an_open_round_cannot_be_opened_again(db, actor, make_round):
    row = make_round(opened=True)
    with pytest.raises(InvalidState, match="nur ein Entwurf kann geöffnet werden"):
        services.open_round(db, actor, row.id)


def test_only_an_open_round_can_be_closed(db, actor, make_round):
    draft, open_, closed = make_round(), make_round(opened=True), make_round(closed=True)
    with pytest.raises(InvalidState, match="noch nicht geöffnet"):
        services.close_round(db, actor, draft.id)
    with pytest.raises(InvalidState, match="bereits geschlossen"):
        services.close_round(db, actor, closed.id)
    # Its deadline lies ahead: closing now needs the explicit confirmation (issue 16 part 6).
    with pytest.raises(InvalidField, match="nur mit ausdrücklicher Bestätigung") as caught:
        services.close_round(db, actor, open_.id)
    assert caught.value.field == "early" and open_.status == RoundStatus.OPEN
    services.close_round(db, actor, open_.id, early=True)
    assert open_.status == RoundStatus.CLOSED
    assert draft.status == RoundStatus.DRAFT
    [event] = events(db, "round.close")
    assert event.before == {"closed_at": None}
    assert event.after["closed_at"] is not None and event.after["early"] is True
    assert "vorzeitig" in event.summary


def test_after_the_deadline_a_round_closes_without_confirmation(db, actor, make_round):
    row = make_round(opened=True, deadline=datetime.now(UTC) - timedelta(minutes=1))
    services.close_round(db, actor, row.id)
    assert row.status == RoundStatus.CLOSED
    [event] = events(db, "round.close")
    assert event.after["early"] is False and "vorzeitig" not in event.summary


def test_rounds_are_found_by_id_or_by_code(db, make_round):
    row = make_round(code="2031")
    assert services.get_round(db, row.id) is row
    assert services.get_round_by_code(db, "2031") is row
    with pytest.raises(NotFound, match="keine Bedarfsabfrage mit dem Kürzel „2032“"):
        services.get_round_by_code(db, "2032")


def test_a_duplicate_that_slips_past_the_check_becomes_a_message_and_keeps_the_session_usable(db, actor, make_member,
                                                                                             monkeypatch):
    # Two saves at once: the other member was committed after this request checked for duplicates.
    existing = make_member(ags="05124000", name="Wuppertal")
    monkeypatch.setattr(services, "_member_values", lambda session, ags, name, region, exclude_id: (ags, name, region))
    with pytest.raises(ValidationFailed, match="bereits ein Mitglied mit dem AGS 05124000"):
        services.create_member(db, actor, ags="05124000", name="Wuppertal (doppelt)")
    assert db.scalars(select(Member.name).where(Member.ags == "05124000")).all() == ["Wuppertal"]
    assert existing.name == "Wuppertal"


def test_a_refused_save_in_a_unique_race_leaves_the_version_untouched(db, actor, make_member, monkeypatch):
    make_member(ags="05515000", name="Münster")
    other = make_member(ags="05711000", name="Bielefeld")
    monkeypatch.setattr(services, "_member_values", lambda session, ags, name, region, exclude_id: (ags, name, region))
    with pytest.raises(ValidationFailed, match="05515000"):
        services.update_member(db, actor, other.id, expected_version=1, ags="05515000", name="Bielefeld",
                               region="", active=True)
    db.expire_all()
    assert (other.ags, other.version) == ("05711000", 1)
    assert events(db, "member.update") == []


# --- issue 11 (h6): one Vergabenummer stem per round ---------------------------------------------

def test_a_round_code_that_differs_only_in_case_or_punctuation_is_refused(db, actor):
    services.create_round(db, actor, **round_values(code="2042_b"))
    with pytest.raises(ValidationFailed, match=r"„2042-B“ ergäbe dieselben Vergabenummern .*„2042_b“"):
        services.create_round(db, actor, **round_values(code="2042-B", title="Andere"))
    other = services.create_round(db, actor, **round_values(code="2042-C", title="Andere"))
    with pytest.raises(ValidationFailed, match="ergäbe dieselben Vergabenummern"):
        services.update_round(db, actor, other.id, expected_version=other.version,
                              **round_values(code="2042_B", title="Andere"))
    assert [e.summary for e in events(db, "round.create")] == ["Bedarfsabfrage 2042_b angelegt",
                                                               "Bedarfsabfrage 2042-C angelegt"]
