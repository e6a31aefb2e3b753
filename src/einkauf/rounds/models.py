"""Members, their delivery sites, and demand rounds."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.db import Base, Percent, UtcDateTime, utcnow


class Member(Base):
    """A municipality of the cooperative (Mitglied), keyed by its AGS."""

    __tablename__ = "members"
    __table_args__ = (CheckConstraint("length(ags) = 8", name="ags_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ags: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    delivery_sites: Mapped[list[DeliverySite]] = relationship(
        back_populates="member", order_by="DeliverySite.name", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Member {self.ags} {self.name}>"


class DeliverySite(Base):
    """A delivery address of a member (Lieferstelle)."""

    __tablename__ = "delivery_sites"
    __table_args__ = (UniqueConstraint("member_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)

    member: Mapped[Member] = relationship(back_populates="delivery_sites")

    @property
    def address(self) -> str:
        return ", ".join(p for p in (self.street, f"{self.postcode} {self.city}".strip()) if p)


class RoundStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Round(Base):
    """An annual demand collection (Bedarfsabfrage)."""

    __tablename__ = "rounds"
    __table_args__ = (
        CheckConstraint("contract_term_months > 0", name="term_positive"),
        CheckConstraint("extension_months >= 0", name="extension_nonnegative"),
        CheckConstraint("max_quantity_buffer_pct >= 0", name="buffer_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    opens_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    contract_term_months: Mapped[int] = mapped_column(Integer)
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    max_quantity_buffer_pct: Mapped[Decimal] = mapped_column(Percent(), default=Decimal("0"))
    # The value that decides the EU threshold test and the small-lots quota: "maximum" (value
    # at the maximum quantities, Art. 5 Abs. 5 RL 2014/24/EU; default) or "estimate".
    value_basis: Mapped[str] = mapped_column(String(20), default="maximum", server_default="maximum")
    # The Vergabenummer of the active tender frozen from this round (set by
    # einkauf.tenders.services.freeze_tender, cleared when that tender is cancelled).
    tender_reference: Mapped[str | None] = mapped_column(String(40))
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    @property
    def status(self) -> RoundStatus:
        if self.closed_at is not None:
            return RoundStatus.CLOSED
        if self.opened_at is not None:
            return RoundStatus.OPEN
        return RoundStatus.DRAFT

    def deadline_passed(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.deadline

    @property
    def total_term_months(self) -> int:
        return self.contract_term_months + self.extension_months
