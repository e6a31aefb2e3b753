"""User services on the database: binding rules, audit, session rotation, optimistic locking,
sign-in throttling."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from einkauf.audit.models import AuditEvent
from einkauf.auth import services
from einkauf.auth.models import SignInFailure, User
from einkauf.errors import NotFound, StaleVersion, ValidationFailed
from einkauf.roles import Role

PASSWORD = "richtig-geheim-1"


def _events(db, action, user) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                     AuditEvent.entity_id == str(user.id))))


@pytest.fixture
def admin(make_user):
    return make_user("admin")


# --- create -----------------------------------------------------------------------------------

def test_create_user_normalises_the_email_hashes_and_audits(db, admin, make_member):
    member = make_member(ags="05913000", name="Dortmund")
    user = services.create_user(db, admin, " Einkauf@Dortmund.Example ", "officer", "anfang-geheim-9",
                                member_ags="05913000", name="  Eva  ")
    assert user.email == "einkauf@dortmund.example" and user.name == "Eva"
    assert user.member_id == member.id and user.active and user.version == 1
    assert user.password_hash.startswith("$argon2id$")
    event, = _events(db, "user.create", user)
    assert event.actor_id == admin.id and event.member_id == member.id
    assert event.after == {"email": "einkauf@dortmund.example", "name": "Eva", "role": "officer",
                           "member_id": member.id, "active": True}


@pytest.mark.parametrize(("role", "ags", "message"), [
    ("officer", None, "muss einem Mitglied zugeordnet sein"),
    ("coordinator", "05913000", "keinem Mitglied zugeordnet"),
    ("admin", "05913000", "keinem Mitglied zugeordnet"),
    ("finance", "99999999", "Kein Mitglied mit dem AGS 99999999."),
])
def test_create_user_enforces_the_member_binding_of_each_role(db, admin, make_member, role, ags, message):
    make_member(ags="05913000")
    with pytest.raises(ValidationFailed, match=message):
        services.create_user(db, admin, "x@einkauf.example", role, "anfang-geheim-9", member_ags=ags)
    assert db.scalar(select(User).where(User.email == "x@einkauf.example")) is None


@pytest.mark.parametrize("password", ["kurz", "x" * 129, "mit\x00steuerzeichen"])
def test_create_user_refuses_unacceptable_passwords(db, admin, password):
    with pytest.raises(ValidationFailed, match="Passwort"):
        services.create_user(db, admin, "x@einkauf.example", "coordinator", password)


def test_create_user_refuses_a_second_user_with_the_same_email(db, admin, make_user):
    make_user("coordinator", email="da@einkauf.example")
    with pytest.raises(ValidationFailed, match=re.escape("Es gibt bereits einen Zugang für da@einkauf.example.")):
        services.create_user(db, admin, "DA@einkauf.example", "finance", "anfang-geheim-9")


# --- update -----------------------------------------------------------------------------------

def _update(db, actor, user, **changes):
    values = {"expected_version": user.version, "name": user.name, "role": user.role,
              "member_ags": user.member.ags if user.member else None, "active": user.active}
    values.update(changes)
    return services.update_user(db, actor, user.id, **values)


def test_update_user_records_only_what_changed(db, admin, make_user):
    user = make_user("coordinator")
    _update(db, admin, user, name="Neu")
    event, = _events(db, "user.update", user)
    assert event.before == {"name": ""} and event.after == {"name": "Neu"}
    assert user.version == 2


@pytest.mark.parametrize("changes", [{"active": False}, {"role": Role.FINANCE}, {"member_ags": "05913000"}])
def test_deactivation_and_role_or_binding_changes_rotate_the_session_token(db, admin, make_user, make_member, changes):
    make_member(ags="05913000")
    user = make_user("finance" if "member_ags" in changes else "coordinator")
    token = user.session_token
    _update(db, admin, user, **changes)
    assert user.session_token != token


def test_renaming_keeps_the_session_token(db, admin, make_user):
    user = make_user("coordinator")
    token = user.session_token
    _update(db, admin, user, name="Anders")
    assert user.session_token == token


def test_a_stale_version_is_refused_and_nothing_changes(db, admin, make_user):
    user = make_user("coordinator")
    _update(db, admin, user, name="Erste")
    with pytest.raises(StaleVersion):
        _update(db, admin, user, name="Zweite", expected_version=1)
    assert user.name == "Erste" and user.version == 2
    assert len(_events(db, "user.update", user)) == 1


@pytest.mark.parametrize("changes", [{"active": False}, {"role": Role.COORDINATOR}])
def test_an_admin_cannot_deactivate_or_demote_themselves(db, admin, changes):
    with pytest.raises(ValidationFailed, match="nicht selbst"):
        _update(db, admin, admin, **changes)
    assert admin.active and admin.role == Role.ADMIN


def test_one_admin_may_deactivate_another(db, admin, make_user):
    other = make_user("admin")
    _update(db, admin, other, active=False)
    assert not other.active


def test_updating_an_unknown_user_is_not_found(db, admin):
    with pytest.raises(NotFound):
        services.update_user(db, admin, 999999, expected_version=1, name="", role="admin", member_ags=None,
                             active=True)


# --- passwords --------------------------------------------------------------------------------

def test_set_password_rotates_the_token_and_audits_without_the_password(db, admin, make_user):
    user = make_user("finance")
    token, version = user.session_token, user.version
    services.set_password(db, admin, user.id, "neues-geheimnis-7")
    assert user.session_token != token and user.version == version + 1
    event, = _events(db, "user.password", user)
    assert event.before is None and event.after is None and "neues-geheimnis" not in event.summary


def test_changing_ones_own_password_needs_the_current_one(db, make_user):
    user = make_user("finance")
    with pytest.raises(ValidationFailed, match="bisherige Passwort"):
        services.set_password(db, user, user.id, "neues-geheimnis-7", current_password="falsch-falsch")
    services.set_password(db, user, user.id, "neues-geheimnis-7", current_password=PASSWORD)


# --- sign-in ----------------------------------------------------------------------------------

def _failures(db, email) -> int:
    return db.scalar(select(func.count()).select_from(SignInFailure).where(SignInFailure.email == email))


def test_sign_in_keeps_the_other_sessions_and_records_the_time(db, make_user):
    user = make_user("coordinator")
    token = user.session_token
    signed_in = services.authenticate(db, user.email.upper(), PASSWORD, "127.0.0.1")
    # Several sessions at once (issue 16 part 9): signing in elsewhere ends none of them.
    assert signed_in.id == user.id and signed_in.session_token == token
    assert signed_in.last_sign_in_at is not None
    assert len(_events(db, "user.sign_in", user)) == 1


def test_each_failure_is_recorded_with_one_message(db, make_user):
    user = make_user("coordinator")
    for email, password in ((user.email, "falsch-falsch"), ("niemand@einkauf.example", PASSWORD)):
        with pytest.raises(services.SignInRefused) as refused:
            services.authenticate(db, email, password, "127.0.0.1")
        assert refused.value.message == services.INVALID_CREDENTIALS
    assert _failures(db, user.email) == 1 and _failures(db, "niemand@einkauf.example") == 1


NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _failed(db, email: str, *seconds_ago: int, address: str = "10.0.0.1") -> None:
    db.add_all([SignInFailure(email=email, address=address, at=NOW - timedelta(seconds=s)) for s in seconds_ago])
    db.flush()


@pytest.mark.parametrize(("failures", "wait"), [(5, 1), (6, 2), (7, 4), (10, 32), (14, 512), (15, 900), (40, 900)])
def test_the_account_waits_longer_after_each_failure_beyond_the_fifth(db, make_user, failures, wait):
    user = make_user("coordinator")
    _failed(db, user.email, *([100] * (failures - 1)), 0)  # the latest failure just now
    with pytest.raises(services.SignInRefused, match="für dieses Konto"):
        services.authenticate(db, user.email, PASSWORD, "10.0.0.2", now=NOW + timedelta(seconds=wait - 0.5))
    assert _failures(db, user.email) == failures  # a refused early attempt is not counted
    signed_in = services.authenticate(db, user.email, PASSWORD, "10.0.0.2", now=NOW + timedelta(seconds=wait))
    assert signed_in.id == user.id and _failures(db, user.email) == 0


def test_four_failures_cost_no_wait(db, make_user):
    user = make_user("coordinator")
    _failed(db, user.email, 3, 2, 1, 0)
    assert services.authenticate(db, user.email, PASSWORD, "10.0.0.2", now=NOW).id == user.id


def test_the_message_says_how_long_to_wait(db, make_user):
    user = make_user("coordinator")
    _failed(db, user.email, *([60] * 11), 0)  # 12 failures: 128 seconds
    with pytest.raises(services.SignInRefused) as refused:
        services.authenticate(db, user.email, PASSWORD, "10.0.0.2", now=NOW + timedelta(seconds=10))
    assert refused.value.message == ("Zu viele fehlgeschlagene Anmeldeversuche für dieses Konto. Bitte versuchen "
                                     "Sie es in 2 Minuten erneut.")


def test_failures_older_than_a_day_do_not_count(db, make_user):
    user = make_user("coordinator")
    _failed(db, user.email, *([24 * 3600 + 1] * 30), 0)
    assert services.authenticate(db, user.email, PASSWORD, "10.0.0.2", now=NOW).id == user.id


def test_a_persistent_guesser_stays_at_the_longest_wait(db, make_user):
    user = make_user("coordinator")
    _failed(db, user.email, *[n * 901 for n in range(1, 30)], 0)  # one failure every 15 minutes for 7 hours
    with pytest.raises(services.SignInRefused, match="15 Minuten"):
        services.authenticate(db, user.email, PASSWORD, "10.0.0.2", now=NOW + timedelta(seconds=1))


def test_a_new_password_ends_the_wait(db, make_user):
    admin = make_user("admin")
    user = make_user("coordinator")
    _failed(db, user.email, *([1] * 20))
    services.set_password(db, admin, user.id, "ganz-neues-pw-7")
    assert _failures(db, user.email) == 0
    assert services.authenticate(db, user.email, "ganz-neues-pw-7", "10.0.0.2", now=NOW).id == user.id


def test_the_address_limit_stays_a_hard_limit_within_the_window(db, make_user):
    user = make_user("coordinator")
    db.add_all([SignInFailure(email=f"x{n}@einkauf.example", address="10.0.0.9", at=NOW - timedelta(minutes=14))
                for n in range(20)])
    db.flush()
    with pytest.raises(services.SignInRefused, match="Bitte warten Sie einige Minuten"):
        services.authenticate(db, user.email, PASSWORD, "10.0.0.9", now=NOW)
    assert services.authenticate(db, user.email, PASSWORD, "10.0.0.9", now=NOW + timedelta(minutes=2)).id == user.id


def test_a_stale_session_id_loads_no_user(db, make_user):
    user = make_user("coordinator")
    key = services.start_session(db, user, address="127.0.0.1", user_agent="Test")
    assert services.load_user_by_session_id(db, user.get_id()).id == user.id
    generation = user.session_token
    forged = (f"{user.id}:falsch", f"{user.id}:", "abc:def", "", f"{user.id}", f"{user.id}:{generation}",
              f"{user.id}:{generation}:falsch", f"{user.id}:falsch:{key}", f"{user.id + 1}:{generation}:{key}")
    for session_id in forged:
        assert services.load_user_by_session_id(db, session_id) is None, session_id
    user.active = False
    db.flush()
    assert services.load_user_by_session_id(db, user.get_id()) is None


def test_sessions_are_listed_ended_one_by_one_and_all_by_a_new_password(db, make_user, admin):
    user = make_user("finance")
    first = services.start_session(db, user, address="10.0.0.1", user_agent="Firefox")
    second = services.start_session(db, user, address="10.0.0.2", user_agent="Edge")
    assert [s.user_agent for s in services.open_sessions(db, user)] == ["Edge", "Firefox"]
    ended = services.revoke_session(db, user, services.open_sessions(db, user)[1].id)
    assert ended.user_agent == "Firefox"
    assert services.load_user_by_session_id(db, f"{user.id}:{user.session_token}:{first}") is None
    assert services.load_user_by_session_id(db, f"{user.id}:{user.session_token}:{second}") is not None
    assert len(_events(db, "user.session_end", user)) == 1
    with pytest.raises(NotFound):
        services.revoke_session(db, admin, services.open_sessions(db, user)[0].id)  # not the admin's own
    services.set_password(db, admin, user.id, "neues-geheimnis-7", must_change=True)
    assert services.open_sessions(db, user) == [] and user.must_change_password
    assert services.load_user_by_session_id(db, f"{user.id}:{user.session_token}:{second}") is None


# --- list -------------------------------------------------------------------------------------

def test_user_query_searches_email_and_name_and_filters_role(db, make_user):
    anna = make_user("coordinator", email="anna.q@einkauf.example")
    anna.name = "Anna Quast"
    make_user("finance", email="bernd.q@einkauf.example")
    db.flush()
    emails = lambda **kw: [u.email for u in db.scalars(services.user_query(**kw)) if ".q@" in u.email]  # noqa: E731
    assert emails(text="QUAST") == ["anna.q@einkauf.example"]
    assert emails(text=".q@") == ["anna.q@einkauf.example", "bernd.q@einkauf.example"]
    assert emails(text=".q@", role="finance") == ["bernd.q@einkauf.example"]
    assert emails(text="%") == []


def test_saving_without_a_change_neither_versions_nor_logs(db, admin, make_user):
    user = make_user("coordinator")
    _update(db, admin, user)
    assert user.version == 1
    assert _events(db, "user.update", user) == []
