"""Users, roles and sign-in throttling."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.db import Base, UtcDateTime, utcnow
from einkauf.roles import Role
from einkauf.rounds.models import Member


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """A person who signs in. Officers are bound to one member; finance may be."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role <> 'officer' OR member_id IS NOT NULL", name="officer_has_member"),
        CheckConstraint("role IN ('officer', 'finance') OR member_id IS NULL", name="member_binding_roles"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The generation of the user's sessions: rotated at a password change, deactivation or a change
    # of role or member binding — every session of an older generation stops working at once.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Set when an administrator set or reset the password: the next sign-in must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    locale: Mapped[str] = mapped_column(String(5), default="de")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    member: Mapped[Member | None] = relationship()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Flask-Login's session id: user, generation and this browser's session key (UserSession)."""
        return f"{self.id}:{self.session_token}:{getattr(self, 'session_key', '')}"

    def has_role(self, *roles: Role | str) -> bool:
        return self.role.value in {Role(r).value for r in roles}


class SignInFailure(Base):
    """A failed sign-in, kept for a while to throttle guessing per account and per address."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (
        Index("ix_sign_in_failures_email_at", "email", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class UserSession(Base):
    """One signed-in browser of a user (issue 16 part 9): several at once, each listed on the
    account page and revocable; only the SHA-256 of its key is stored. A session of an older
    generation (User.session_token) is over, like a revoked one."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    generation: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
