"""The audit log reads in German: labels for actions, record types and fields, values formatted."""
from datetime import date

import pytest

from einkauf.audit.display import Change, action_label, describe_changes, entity_label, format_value, member_ids_in
from einkauf.audit.forms import berlin_day_start, parse_date_de


@pytest.mark.parametrize(("action", "label"), [
    ("user.create", "Zugang angelegt"),
    ("member.update", "Mitglied geändert"),
    ("round.close", "Bedarfsabfrage geschlossen"),
    ("user.sign_in", "Anmeldung"),
    ("user.password", "Passwort neu gesetzt"),
    ("something.odd", "something.odd"),
    ("user.odd", "user.odd"),
    ("plain", "plain"),
])
def test_actions_read_as_german_phrases(action, label):
    assert action_label(action) == label


def test_unknown_record_types_are_shown_as_they_are():
    assert entity_label("submission") == "Bedarfsmeldung"
    assert entity_label("widget") == "widget"


@pytest.mark.parametrize(("field", "value", "text"), [
    ("active", True, "ja"),
    ("active", False, "nein"),
    ("name", None, "–"),
    ("name", "", "–"),
    ("role", "officer", "Beschaffungsstelle"),
    ("reference_price", "1234567.50", "1.234.567,50"),
    ("quantity", "-0.125", "-0,125"),
    ("opens_on", "2027-01-04", "04.01.2027"),
    ("deadline", "2027-01-31T23:30:00+00:00", "01.02.2027, 00:30 Uhr"),
    ("deadline", "2027-07-01T10:00:00", "01.07.2027, 12:00 Uhr"),  # naive values are UTC
    ("cpv_code", "30192000-1", "30192000-1"),
    ("ags", "05913000", "05913000"),
    ("sort_order", 3, "3"),
    ("tags", ["a", "b"], "a, b"),
])
def test_values_are_formatted_for_german_readers(field, value, text):
    assert format_value(field, value) == text


def test_member_ids_become_names_when_known():
    assert format_value("member_id", 7, {7: "Essen"}) == "Essen"
    assert format_value("member_id", 8, {7: "Essen"}) == "Nr. 8"


def test_an_update_lists_old_and_new_values_of_changed_fields_only():
    changes = describe_changes({"name": "Alt", "active": True, "region": "Ruhr"},
                               {"name": "Neu", "active": False, "region": "Ruhr"})
    assert changes == [Change("name", "Name", "Alt", "Neu"), Change("active", "Aktiv", "ja", "nein")]


def test_a_creation_has_only_new_values_and_a_deletion_only_old_ones():
    assert describe_changes(None, {"name": "Neu"}) == [Change("name", "Name", None, "Neu")]
    assert describe_changes({"name": "Alt"}, None) == [Change("name", "Name", "Alt", None)]
    assert describe_changes(None, None) == []


def test_member_ids_mentioned_in_a_change_are_collected():
    assert member_ids_in({"member_id": 3}, {"member_id": None}) == {3}
    assert member_ids_in({"active": True}, None) == set()


@pytest.mark.parametrize(("text", "day"), [
    ("31.12.2027", date(2027, 12, 31)),
    ("1.2.2027", date(2027, 2, 1)),
    ("2027-02-01", date(2027, 2, 1)),
    (" 29.02.2028 ", date(2028, 2, 29)),
])
def test_dates_are_read_in_german_or_iso_form(text, day):
    assert parse_date_de(text) == day


@pytest.mark.parametrize("text", ["29.02.2027", "2027-13-01", "31/12/2027", "12.31", "heute", "٢٠٢٧-٠١-٠١"])
def test_impossible_or_foreign_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date_de(text)


def test_a_day_starts_at_berlin_midnight():
    assert berlin_day_start(date(2027, 1, 15)).isoformat() == "2027-01-15T00:00:00+01:00"
    assert berlin_day_start(date(2027, 7, 15)).isoformat() == "2027-07-15T00:00:00+02:00"
