"""Sign-in security: one message for every failure, throttling per account and per address,
argon2id hashes and a length cap checked before anything is hashed."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from einkauf.auth import passwords
from einkauf.auth.models import SignInFailure, User
from einkauf.auth.services import INVALID_CREDENTIALS, THROTTLED
from einkauf.db import utcnow

PASSWORD = "richtig-geheim-1"


def _attempt(client, email: str, password: str, address: str = "127.0.0.1"):
    return client.post("/anmelden", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _failures(db, email: str) -> int:
    return db.scalar(select(func.count()).select_from(SignInFailure).where(SignInFailure.email == email))


def _add_failures(db, email: str, n: int, address: str = "127.0.0.1") -> None:
    db.add_all([SignInFailure(email=email, address=address, at=utcnow()) for _ in range(n)])
    db.flush()


class _NoHashing:
    """Stands in for the argon2 hasher: any use fails the test."""

    def __getattr__(self, name):
        raise AssertionError(f"the password hasher was called ({name})")


# --- one message for every failure ----------------------------------------------------------

def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    user = make_user("coordinator")
    unknown = _attempt(client, "niemand@einkauf.example", PASSWORD)
    wrong = _attempt(client, user.email, "falsches-passwort")
    for response in (unknown, wrong):
        assert response.status_code == 200
        assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in
    # apart from the e-mail address echoed into the form, both pages are the same
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "").replace("niemand@einkauf.example", "")  # noqa: E731
    assert len(strip(unknown, user.email)) == len(strip(wrong, user.email))


def test_an_inactive_user_cannot_sign_in_even_with_the_right_password(client, make_user):
    user = make_user("coordinator", active=False)
    response = _attempt(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert INVALID_CREDENTIALS in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_email_address_is_matched_case_insensitively(client, make_user):
    make_user("coordinator", email="gross.klein@einkauf.example")
    assert _attempt(client, "  Gross.Klein@EINKAUF.example ", PASSWORD).status_code == 302


# --- throttling -------------------------------------------------------------------------------

def test_after_repeated_failures_even_the_right_password_must_wait(client, make_user, db):
    user = make_user("coordinator")
    for _ in range(5):  # failures 1-4 cost nothing, the 5th one second
        assert INVALID_CREDENTIALS in _attempt(client, user.email, "falsch-falsch").get_data(as_text=True)
    _add_failures(db, user.email, 3)  # three more: the 8th failure costs 8 seconds
    response = _attempt(client, user.email, PASSWORD)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Zu viele fehlgeschlagene Anmeldeversuche für dieses Konto. Bitte versuchen Sie es in " in html
    assert client.get("/").status_code == 302
    assert _failures(db, user.email) == 8  # the refused attempt is not counted


def test_five_wrong_passwords_of_someone_else_do_not_lock_the_user_out(client, make_user, db):
    """A known e-mail address and five guesses used to lock the account for 15 minutes."""
    user = make_user("coordinator")
    a_minute_ago = utcnow() - timedelta(minutes=1)
    db.add_all([SignInFailure(email=user.email, address="203.0.113.9", at=a_minute_ago) for _ in range(6)])
    db.flush()
    assert _attempt(client, user.email, PASSWORD).status_code == 302


def test_four_failures_do_not_lock_the_account_and_success_clears_them(client, make_user, db):
    user = make_user("coordinator")
    for _ in range(4):
        _attempt(client, user.email, "falsch-falsch")
    assert _failures(db, user.email) == 4
    assert _attempt(client, user.email, PASSWORD).status_code == 302
    assert _failures(db, user.email) == 0
    client.post("/abmelden")
    for _ in range(4):  # a fresh allowance after the successful sign-in
        _attempt(client, user.email, "falsch-falsch")
    assert _attempt(client, user.email, PASSWORD).status_code == 302


def test_throttling_counts_failures_in_the_last_15_minutes_only(client, make_user, db):
    user = make_user("coordinator")
    long_ago = utcnow() - timedelta(minutes=16)
    db.add_all([SignInFailure(email=user.email, address="127.0.0.1", at=long_ago) for _ in range(10)])
    db.flush()
    assert _attempt(client, user.email, PASSWORD).status_code == 302


def test_throttling_an_account_does_not_depend_on_the_address(client, make_user, db):
    user = make_user("coordinator")
    for n in range(4):
        _attempt(client, user.email, "falsch-falsch", address=f"10.0.0.{n}")
    _add_failures(db, user.email, 4, address="10.0.0.9")
    response = _attempt(client, user.email, PASSWORD, address="10.0.1.1")
    assert "für dieses Konto" in response.get_data(as_text=True)


def test_twenty_failures_from_one_address_block_that_address_for_every_account(client, make_user):
    victim = make_user("coordinator")
    for n in range(20):
        _attempt(client, f"rate{n}@einkauf.example", "falsch-falsch", address="192.0.2.7")
    blocked = _attempt(client, victim.email, PASSWORD, address="192.0.2.7")
    assert THROTTLED in blocked.get_data(as_text=True)
    # the same account from another address is fine
    assert _attempt(client, victim.email, PASSWORD, address="198.51.100.3").status_code == 302


def test_the_limits_come_from_the_configuration(app, client, make_user, db):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 1
    app.config["LOGIN_MAX_DELAY_SECONDS"] = 3600
    user = make_user("coordinator")
    _add_failures(db, user.email, 13)  # 2^12 seconds, capped at the configured hour
    assert "in 60 Minuten erneut" in _attempt(client, user.email, PASSWORD).get_data(as_text=True)


# --- passwords --------------------------------------------------------------------------------

def test_passwords_are_stored_as_argon2id_hashes(client, as_role, db):
    as_role("admin")
    client.post("/zugaenge/neu", data={"email": "hash@einkauf.example", "role": "coordinator",
                                      "password": "anfang-geheim-9"})
    stored = db.scalar(select(User.password_hash).where(User.email == "hash@einkauf.example"))
    assert stored.startswith("$argon2id$")
    assert "anfang-geheim-9" not in stored


def test_a_one_megabyte_password_is_rejected_fast_without_hashing(client, make_user, monkeypatch):
    user = make_user("coordinator")
    monkeypatch.setattr(passwords, "_hasher", _NoHashing())
    started = time.perf_counter()
    response = _attempt(client, user.email, "a" * 1_000_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    assert response.status_code == 200
    assert "Das Passwort darf höchstens 128 Zeichen lang sein." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_129_characters_are_too_long_but_128_are_accepted(client, make_user, db):
    user = make_user("coordinator", password="p" * 128)
    response = _attempt(client, user.email, "p" * 129)
    assert "Das Passwort darf höchstens 128 Zeichen lang sein." in response.get_data(as_text=True)
    assert _attempt(client, user.email, "p" * 128).status_code == 302


def test_the_sign_in_page_does_not_echo_the_password(client, make_user):
    user = make_user("coordinator")
    html = _attempt(client, user.email, "geheimes-falsches-pw").get_data(as_text=True)
    assert "geheimes-falsches-pw" not in html
    assert f'value="{user.email}"' in html


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_get_never_signs_out(client, as_role, method):
    as_role("coordinator")
    assert client.open("/abmelden", method=method).status_code == 405
    assert client.get("/").status_code == 200
