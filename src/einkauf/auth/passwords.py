"""Password hashing with argon2id (SECURITY.md): slow, salted, with a length cap checked first."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 128

# RFC 9106 second recommended option (64 MiB, 3 passes) unless configured otherwise;
# the test suite lowers the cost to keep runs short.
_hasher = PasswordHasher()


def configure(time_cost: int, memory_cost: int, parallelism: int) -> None:
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def password_problem(password: str) -> str | None:
    """A German message why the password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    if len(password) > MAX_LENGTH:
        return f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein."
    if any(ord(c) < 32 for c in password):
        return "Das Passwort darf keine Steuerzeichen enthalten."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# A hash to verify against when the account does not exist, so that both cases take as long.
_DUMMY_HASH: str | None = None


def verify_password(stored_hash: str | None, password: str) -> bool:
    global _DUMMY_HASH
    if len(password) > MAX_LENGTH:
        return False  # rejected before the expensive hash
    if stored_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash("einkauf-dummy-password")
        stored_hash = _DUMMY_HASH
        try:
            _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
