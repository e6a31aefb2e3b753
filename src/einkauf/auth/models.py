"""Users, roles and sign-in throttling."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String
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
    # Rotated at logout, password change and deactivation: old session cookies stop working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
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
        return f"{self.id}:{self.session_token}"

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
