"""Tenders (Vergabeverfahren): a lot plan frozen with its procedure, deadlines and award criteria.

A tender points to the lot plan it was frozen from. That plan is never changed again: a later
rebuild of the round supersedes it instead of deleting it (see einkauf.lots.models), so the
tender's lots, positions (with their product texts) and allocations stay exactly as frozen,
whatever happens to the demand afterwards. TenderLot keeps the procedure decided per lot.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.berlin import utc_to_berlin
from einkauf.db import Base, Money, UtcDateTime, utcnow
from einkauf.lots.models import Lot, LotPlan
from einkauf.rounds.models import Round


class TenderStatus(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class Tender(Base):
    """A frozen tender with its Vergabenummer (unique, never reused)."""

    __tablename__ = "tenders"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lot_plans.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[TenderStatus] = mapped_column(
        Enum(TenderStatus, name="tender_status", native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        default=TenderStatus.ACTIVE,
    )
    procedure: Mapped[str] = mapped_column(String(120))
    eu_wide: Mapped[bool] = mapped_column(default=False)
    national_procedure: Mapped[str] = mapped_column(String(120))
    threshold_amount: Mapped[Decimal] = mapped_column(Money())
    threshold_valid_from: Mapped[date] = mapped_column(Date)
    threshold_valid_to: Mapped[date] = mapped_column(Date)
    estimated_total: Mapped[Decimal] = mapped_column(Money())
    # The value at the maximum quantities and the basis the threshold was tested with
    # ("maximum" or "estimate", the round's setting at freezing).
    maximum_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    value_basis: Mapped[str] = mapped_column(String(20), default="maximum")
    # The German reasons of the decision, one sentence per line.
    reasons: Mapped[str] = mapped_column(Text, default="")
    publication_date: Mapped[date] = mapped_column(Date)
    submission_deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    electronic_submission: Mapped[bool] = mapped_column(default=True)
    # Award criteria as JSON: [{"name": "Preis", "weight": "100"}] (weights in percent).
    award_criteria: Mapped[str] = mapped_column(Text, default="[]")
    # Warnings acknowledged at freezing (e.g. a deadline shorter than § 15 VgV), one per line.
    warnings: Mapped[str] = mapped_column(Text, default="")
    frozen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    frozen_by_label: Mapped[str] = mapped_column(String(254), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_by_label: Mapped[str] = mapped_column(String(254), default="")
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    # The coordinator's text blocks of the Vergabeunterlagen; "" means the German default text.
    invitation_text: Mapped[str] = mapped_column(Text, default="")
    conditions_text: Mapped[str] = mapped_column(Text, default="")
    # Deadlines and scoring decided at the freeze (issue 10): the Frist für Bieterfragen; the
    # minimum period of § 15 VgV in days and the instant it ends (None when it does not apply);
    # the coordinator's justification of a shorter deadline ("" when the deadline suffices);
    # the scoring formula announced with the award criteria (German, one sentence per line).
    question_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    minimum_period_days: Mapped[int | None] = mapped_column(Integer)
    minimum_period_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deadline_justification: Mapped[str] = mapped_column(Text, default="")
    scoring_formula: Mapped[str] = mapped_column(Text, default="")
    # The announced price method for price points (einkauf.tenders.rules.PRICE_METHODS, issue 13);
    # tenders frozen before it was a choice use the linear ratio their formula describes.
    price_method: Mapped[str] = mapped_column(String(20), default="ratio", server_default="ratio")
    version: Mapped[int] = mapped_column(Integer, default=1)

    round: Mapped[Round] = relationship()
    plan: Mapped[LotPlan] = relationship()
    lots: Mapped[list[TenderLot]] = relationship(back_populates="tender", order_by="TenderLot.sort_key",
                                                   cascade="all, delete-orphan")

    @property
    def reason_list(self) -> list[str]:
        return [line for line in self.reasons.splitlines() if line]

    @property
    def warning_list(self) -> list[str]:
        return [line for line in self.warnings.splitlines() if line]

    @property
    def minimum_period_last_day(self) -> date | None:
        """The last day of the § 15 VgV minimum period (it ends at 24:00 German time of it)."""
        if self.minimum_period_end is None:
            return None
        return (utc_to_berlin(self.minimum_period_end) - timedelta(days=1)).date()


class TenderLot(Base):
    """The procedure decided for one lot of a tender (EU-wide, or national under the quota)."""

    __tablename__ = "tender_lots"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    sort_key: Mapped[int] = mapped_column(Integer)
    estimated_value: Mapped[Decimal] = mapped_column(Money())
    maximum_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    procedure: Mapped[str] = mapped_column(String(120))
    small_lot_quota: Mapped[bool] = mapped_column(default=False)

    tender: Mapped[Tender] = relationship(back_populates="lots")
    lot: Mapped[Lot] = relationship()


class DocumentKind(str, enum.Enum):
    BIDDER_PDF = "bidder_pdf"  # Vergabeunterlagen (for bidders, R7: no prices or values)
    RECORD_PDF = "record_pdf"  # Vergabevermerk (internal)
    PRICE_SHEET = "price_sheet"  # Leistungsverzeichnis / Preisblatt (xlsx, for bidders)
    INFO_LETTER = "info_letter"  # Informationsschreiben nach § 134 GWB (one per unsuccessful bidder)
    AWARD_LETTER = "award_letter"  # Zuschlagsmitteilung / Abrufberechtigung (one per member, issue 14)


# The documents of a tender generated together ("Unterlagen erzeugen"); letters are per recipient.
TENDER_DOCUMENT_KINDS = (DocumentKind.BIDDER_PDF, DocumentKind.RECORD_PDF, DocumentKind.PRICE_SHEET)


class Document(Base):
    """A generated file of a tender (document register): every generation is a new version."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("tender_id", "kind", "recipient", "version"),
                      UniqueConstraint("tender_id", "kind", "recipient", "request_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(
        Enum(DocumentKind, name="document_kind", native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]))
    # Whom a per-recipient document is addressed to, e.g. "bidder:12" for an information letter
    # ("" for the tender's own documents); versions count per tender, kind and recipient.
    recipient: Mapped[str] = mapped_column(String(100), default="", server_default="")
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    # Relative to the export folder, always "<Vergabenummer>/<file_name>".
    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    # The idempotency key of the page that asked for the generation (a hidden form field): a
    # double click on "Unterlagen erzeugen" finds the set of the first click (issue 11).
    request_key: Mapped[str | None] = mapped_column(String(64))

    tender: Mapped[Tender] = relationship()
