"""Frameworks (Rahmenvereinbarungen) and the call-offs reported under them (issue 15, R21).

Each awarded lot of a tender becomes one Framework: the supplier (the awarded bid's bidder), the
start of the term and the last day of the base term, and its options (Verlängerungsoptionen),
each exercised or not, with the day and who decided. The positions, the awarded unit prices
and the estimated and maximum quantities per member and in total are not copied: they are the
frozen lot plan's (LotPosition, Allocation) and the awarded bid's (BidPrice), read through
einkauf.contracts.

Suppliers report what each member bought (SalesReport, one per framework and month; a re-import
of the period replaces it): every row becomes a CallOff — member, period, the framework
position it matched (None: an article outside the framework, off-contract spend), quantity and
net amount (both signed: a credit note is negative and marked), optionally delivery site and
order date. CallOff rows carry plain integer ids of framework, position and member, without
foreign keys, like allocations: they are inserted in bulk (5,000,000 rows at national scale)
and PostgreSQL checks a foreign key with a trigger per row. Only the report is a foreign key,
so that replacing a period deletes its rows.

A supplier's own customer numbers are mapped once per bidder to members (CustomerNumber); a
report may name a member by its AGS or by such a customer number.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.db import Base, Money, Quantity, UtcDateTime, utcnow

OPTION_MONTHS = 12  # the round's extension months are offered as options of (up to) one year each


class Framework(Base):
    """The contract of one awarded lot: supplier, term and options."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    tender_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id"), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("lot_awards.id"), unique=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("bidders.id"), index=True)
    # The first day of the term and the last day of the base term (without options).
    starts_on: Mapped[date] = mapped_column(Date)
    base_ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    options: Mapped[list[FrameworkOption]] = relationship(
        back_populates="framework", order_by="FrameworkOption.number", cascade="all, delete-orphan")


class FrameworkOption(Base):
    """One extension option of a framework: its length, and the decision on it (None: open)."""

    __tablename__ = "framework_options"
    __table_args__ = (UniqueConstraint("framework_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2 … in the order they follow the base term
    months: Mapped[int] = mapped_column(Integer)
    exercised: Mapped[bool | None] = mapped_column(default=None)
    decided_on: Mapped[date | None] = mapped_column(Date)  # the German calendar day of the decision
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_label: Mapped[str] = mapped_column(String(254), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    framework: Mapped[Framework] = relationship(back_populates="options")


class CustomerNumber(Base):
    """A supplier's customer number of a member, mapped once (then reports may use it)."""

    __tablename__ = "customer_numbers"
    __table_args__ = (UniqueConstraint("bidder_id", "customer_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("bidders.id"))
    customer_number: Mapped[str] = mapped_column(String(60))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")


class SalesReport(Base):
    """A supplier's sales report of one framework and month (Umsatzmeldung), as imported: the
    file's name, SHA-256 and the format read from it (detected, shown, never guessed silently)."""

    __tablename__ = "sales_reports"
    __table_args__ = (UniqueConstraint("framework_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"), index=True)
    period: Mapped[date] = mapped_column(Date)  # the first day of the reported month
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    file_format: Mapped[str] = mapped_column(String(10), default="xlsx")  # "xlsx" or "csv"
    encoding: Mapped[str] = mapped_column(String(20), default="")  # csv: "utf-8" or "cp1252"
    delimiter: Mapped[str] = mapped_column(String(3), default="")  # csv: ";" or ","
    decimal_mark: Mapped[str] = mapped_column(String(1), default="")  # "," or "."
    rows: Mapped[int] = mapped_column(Integer, default=0)
    off_contract_rows: Mapped[int] = mapped_column(Integer, default=0)
    net_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_by_label: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class CallOff(Base):
    """One reported purchase: a row of a sales report (see the module docstring on the ids)."""

    __tablename__ = "call_offs"
    __table_args__ = (
        # The monitoring sums per framework position and member (R21).
        Index("ix_call_offs_framework_id_position_id_member_id", "framework_id", "position_id", "member_id"),
        Index("ix_call_offs_member_id_period", "member_id", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("sales_reports.id", ondelete="CASCADE"), index=True)
    framework_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[date] = mapped_column(Date)
    member_id: Mapped[int] = mapped_column(Integer)
    position_id: Mapped[int | None] = mapped_column(Integer)  # None: off-contract (not in the framework)
    row_number: Mapped[int] = mapped_column(Integer)  # the row in the supplier's file
    article_number: Mapped[str] = mapped_column(String(60), default="")
    article_text: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity())  # signed: negative for a credit note
    net_amount: Mapped[Decimal] = mapped_column(Money())  # signed, as reported
    credit_note: Mapped[bool] = mapped_column(default=False)
    delivery_site: Mapped[str] = mapped_column(String(200), default="")
    order_date: Mapped[date | None] = mapped_column(Date)
