"""Password rules: 8–128 characters, no control characters, argon2id, long input never hashed."""
import time

import pytest

from einkauf.auth import passwords


class _NoHashing:
    def __getattr__(self, name):
        raise AssertionError(f"the password hasher was called ({name})")


@pytest.mark.parametrize(("password", "ok"), [
    ("1234567", False),
    ("12345678", True),
    ("ä" * 8, True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("geheim\x00geheim", False),
    ("geheim\ngeheim", False),
])
def test_password_length_and_characters(password, ok):
    assert (passwords.password_problem(password) is None) == ok


def test_the_messages_are_german():
    assert passwords.password_problem("kurz") == "Das Passwort muss mindestens 8 Zeichen lang sein."
    assert passwords.password_problem("x" * 129) == "Das Passwort darf höchstens 128 Zeichen lang sein."


def test_hashes_are_argon2id_salted_and_verifiable():
    first, second = passwords.hash_password("richtig-geheim"), passwords.hash_password("richtig-geheim")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert passwords.verify_password(first, "richtig-geheim")
    assert not passwords.verify_password(first, "falsch-geheim")


def test_verifying_a_huge_password_returns_at_once_without_hashing(monkeypatch):
    stored = passwords.hash_password("richtig-geheim")
    monkeypatch.setattr(passwords, "_hasher", _NoHashing())
    started = time.perf_counter()
    assert passwords.verify_password(stored, "a" * 1_000_000) is False
    assert passwords.verify_password(None, "a" * 1_000_000) is False
    assert time.perf_counter() - started < 0.1


def test_a_broken_stored_hash_never_verifies():
    assert passwords.verify_password("kein-hash", "richtig-geheim") is False


def test_an_unknown_user_is_checked_against_a_dummy_hash():
    """Same work for unknown accounts as for wrong passwords: no timing hint that an account exists."""
    assert passwords.verify_password(None, "richtig-geheim") is False
    assert passwords._DUMMY_HASH is not None and passwords._DUMMY_HASH.startswith("$argon2id$")
