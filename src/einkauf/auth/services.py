"""Sign-in, users and roles."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import record_event, snapshot
from einkauf.auth import passwords, throttle
from einkauf.auth.models import SignInFailure, User, UserSession, new_session_token
from einkauf.berlin import format_berlin
from einkauf.db import unique_or, utcnow
from einkauf.errors import InvalidField, NotFound, StaleVersion, ValidationFailed
from einkauf.roles import Role
from einkauf.rounds.models import Member

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
USER_FIELDS = ("email", "name", "role", "member_id", "active")

INVALID_CREDENTIALS = "E-Mail-Adresse oder Passwort ist nicht korrekt."
THROTTLED = ("Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie einige Minuten "
             "und versuchen Sie es dann erneut.")
# Per account a growing delay, not a lock (einkauf.auth.throttle); %s is e.g. "8 Sekunden".
ACCOUNT_WAIT = ("Zu viele fehlgeschlagene Anmeldeversuche für dieses Konto. Bitte versuchen Sie es in %s "
                "erneut.")


class SignInRefused(ValidationFailed):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationFailed("Bitte geben Sie eine gültige E-Mail-Adresse an.")
    return email


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    *,
    max_per_account: int = 5,
    max_per_address: int = 20,
    window_seconds: int = 900,
    max_delay_seconds: int = 900,
    account_window_seconds: int = 24 * 3600,
    now: datetime | None = None,
) -> User:
    """Check the credentials; raise SignInRefused with one message for every kind of failure.

    Failed attempts are recorded per account and per client address. Per address: past
    `max_per_address` failures within the window every attempt is refused until the window
    has passed. Per account: from the `max_per_account`-th failure since the last successful
    sign-in (within `account_window_seconds`) on, the next attempt must wait 1 s, 2 s, 4 s …
    (at most `max_delay_seconds`) after the latest failure; an attempt made earlier is refused
    with the time to wait and is not counted (einkauf.auth.throttle). The account window is
    longer than the longest wait, so that a persistent guesser stays at the longest wait
    instead of starting over. Unknown addresses are treated like known ones.
    """
    email = normalise_email(email)[:254]
    address = (address or "unknown")[:64]
    now = now or utcnow()
    since = now - timedelta(seconds=window_seconds)
    per_account, latest = session.execute(
        select(func.count(), func.max(SignInFailure.at)).select_from(SignInFailure)
        .where(SignInFailure.email == email, SignInFailure.at >= now - timedelta(seconds=account_window_seconds))
    ).one()
    per_address = session.scalar(
        select(func.count()).select_from(SignInFailure).where(SignInFailure.address == address,
                                                              SignInFailure.at >= since)
    ) or 0
    if per_address >= max_per_address:
        raise SignInRefused(THROTTLED)
    until = throttle.retry_at(per_account, latest, free=max_per_account, cap=max_delay_seconds)
    if until is not None and now < until:
        raise SignInRefused(ACCOUNT_WAIT % throttle.wait_text((until - now).total_seconds()))
    user = session.scalar(select(User).where(User.email == email))
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        session.add(SignInFailure(email=email, address=address, at=now))
        raise SignInRefused(INVALID_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    session.execute(delete(SignInFailure).where(SignInFailure.email == email))
    # The browser gets a new session of its own (start_session); other browsers stay signed in.
    user.last_sign_in_at = utcnow()
    record_event(session, user, "user.sign_in", "user", user.id, summary=f"Anmeldung {user.email}")
    return user


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, *, address: str = "", user_agent: str = "") -> str:
    """A new session for one browser of the user (after sign-in or an own password change); the
    key goes into the browser's cookie (User.get_id), only its hash is stored."""
    key = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, key_hash=_key_hash(key), generation=user.session_token,
                            address=(address or "")[:64], user_agent=(user_agent or "")[:200]))
    session.flush()
    user.session_key = key  # type: ignore[attr-defined]  # read by User.get_id for Flask-Login
    return key


def _current_session(session: Session, user: User) -> UserSession | None:
    key = getattr(user, "session_key", "")
    if not key:
        return None
    return session.scalar(select(UserSession).where(UserSession.key_hash == _key_hash(key),
                                                    UserSession.user_id == user.id))


def sign_out(session: Session, user: User) -> None:
    """End this browser's session on the server side (the user's other sessions go on)."""
    current = _current_session(session, user)
    if current is not None and current.revoked_at is None:
        current.revoked_at = utcnow()
    record_event(session, user, "user.sign_out", "user", user.id, summary=f"Abmeldung {user.email}")


def load_user_by_session_id(session: Session, session_id: str) -> User | None:
    """Flask-Login's user loader: '<id>:<generation>:<key>' must name an active user, its current
    generation and a session of it that is not revoked."""
    user_id, _, rest = (session_id or "").partition(":")
    generation, _, key = rest.partition(":")
    if not user_id.isdigit() or not generation or not key:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != generation:
        return None
    found = session.scalar(select(UserSession.id).where(
        UserSession.key_hash == _key_hash(key), UserSession.user_id == user.id, UserSession.generation == generation,
        UserSession.revoked_at.is_(None)))
    if found is None:
        return None
    user.session_key = key  # type: ignore[attr-defined]
    user.session_id = found  # type: ignore[attr-defined]
    return user


def open_sessions(session: Session, user: User) -> list[UserSession]:
    """The user's sessions that still work, newest first (the account page)."""
    return list(session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.generation == user.session_token,
        UserSession.revoked_at.is_(None)).order_by(UserSession.created_at.desc(), UserSession.id.desc())))


def revoke_session(session: Session, user: User, session_id: int) -> UserSession:
    """End one of the user's own sessions (NotFound for another user's or an ended one). Audited."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None or row.generation != user.session_token:
        raise NotFound("Diese Sitzung gibt es nicht (mehr).")
    row.revoked_at = utcnow()
    record_event(session, user, "user.session_end", "user", user.id,
                 summary=f"Sitzung vom {format_berlin(row.created_at)} beendet ({row.user_agent[:60] or 'unbekannt'})")
    return row


def user_query(*, text: str | None = None, role: Role | str | None = None) -> Select:
    """Users whose e-mail or name contains the text (case-insensitive), optionally of one role,
    ordered by e-mail."""
    stmt = select(User)
    if text:
        needle = text.strip().lower()
        stmt = stmt.where(or_(func.lower(User.email).contains(needle, autoescape=True),
                              func.lower(User.name).contains(needle, autoescape=True)))
    if role:
        stmt = stmt.where(User.role == Role(role))
    return stmt.order_by(User.email, User.id)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Zugang nicht gefunden.")
    return user


def _lock_user(session: Session, user_id: int) -> User:
    """Load the user row for writing; FOR UPDATE on PostgreSQL, so that two concurrent saves
    of one version cannot both pass the version check (SQLite serialises writers anyway)."""
    user = session.scalar(
        select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound("Zugang nicht gefunden.")
    return user


def _check_role_binding(session: Session, role: Role, member_ags: str | None) -> Member | None:
    if role == Role.OFFICER and not member_ags:
        raise ValidationFailed("Eine Beschaffungsstelle (Rolle officer) muss einem Mitglied zugeordnet sein.")
    if role in (Role.COORDINATOR, Role.ADMIN) and member_ags:
        raise ValidationFailed("Koordination und Administration sind keinem Mitglied zugeordnet.")
    if not member_ags:
        return None
    member = session.scalar(select(Member).where(Member.ags == member_ags))
    if member is None:
        raise ValidationFailed(f"Kein Mitglied mit dem AGS {member_ags}.")
    return member


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    role: Role | str,
    password: str,
    *,
    member_ags: str | None = None,
    name: str = "",
    must_change: bool = False,
) -> User:
    """Create a user; the e-mail address must be new, the password acceptable. `must_change`: the
    user chooses a new password at the first sign-in (an administrator set this one)."""
    email = validate_email(email)
    role = Role(role)
    problem = passwords.password_problem(password)
    if problem:
        raise ValidationFailed(problem)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationFailed(f"Es gibt bereits einen Zugang für {email}.")
    member = _check_role_binding(session, role, member_ags)
    user = User(
        email=email,
        name=name.strip()[:200],
        role=role,
        member_id=member.id if member else None,
        password_hash=passwords.hash_password(password),
        active=True,
        must_change_password=must_change,
    )
    # Two "Zugang anlegen" at once: the second insert meets the unique e-mail (issue 11).
    with unique_or(session, ValidationFailed(f"Es gibt bereits einen Zugang für {email}.")):
        session.add(user)
        session.flush()
    record_event(session, actor, "user.create", "user", user.id, summary=f"Zugang {email} ({role.value}) angelegt",
                 after=snapshot(user, USER_FIELDS), member_id=user.member_id)
    return user


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    expected_version: int,
    name: str,
    role: Role | str,
    member_ags: str | None,
    active: bool,
) -> User:
    """Change a user's name, role, member binding or status.

    Deactivation and a change of role or member binding end the user's sessions at once.
    An administrator cannot deactivate or demote themselves.
    """
    user = _lock_user(session, user_id)
    if user.version != expected_version:
        raise StaleVersion()
    role = Role(role)
    member = _check_role_binding(session, role, member_ags)
    if actor is not None and getattr(actor, "id", None) == user.id and (not active or role != Role.ADMIN):
        raise ValidationFailed(
            "Sie können sich nicht selbst deaktivieren oder Ihre eigene Administrationsrolle entziehen."
        )
    before = snapshot(user, USER_FIELDS)
    user.name = name.strip()[:200]
    user.role = role
    user.member_id = member.id if member else None
    if user.active and not active:
        user.session_token = new_session_token()
    if before["role"] != role.value or before["member_id"] != user.member_id:
        user.session_token = new_session_token()
    user.active = active
    after = snapshot(user, USER_FIELDS)
    if after == before:
        return user  # saved without a change: no new version, nothing to log
    user.version += 1
    record_event(session, actor, "user.update", "user", user.id, summary=f"Zugang {user.email} geändert",
                 before=before, after=after, member_id=user.member_id)
    return user


def set_password(
    session: Session, actor: Actor, user_id: int, new_password: str, *, current_password: str | None = None,
    must_change: bool = False,
) -> User:
    """Set a new password; every existing session of that user ends.

    With current_password (a user changing their own password) the old one must match;
    without it (an administrator resetting it) no check is made. `must_change`: the user has to
    choose a new password at the next sign-in (an administrator set this one); otherwise that
    demand is lifted.
    """
    user = _lock_user(session, user_id)
    if current_password is not None and not passwords.verify_password(user.password_hash, current_password):
        raise InvalidField("current_password", "Das bisherige Passwort ist nicht korrekt.")
    problem = passwords.password_problem(new_password)
    if problem:
        raise InvalidField("new_password", problem)
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = new_session_token()
    user.must_change_password = must_change
    user.version += 1
    # A new password ends any sign-in delay of the account (e.g. an administrator's reset after an attack).
    session.execute(delete(SignInFailure).where(SignInFailure.email == user.email))
    record_event(session, actor, "user.password", "user", user.id, summary=f"Passwort für {user.email} neu gesetzt",
                 member_id=user.member_id)
    return user
