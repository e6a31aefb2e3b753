"""Bidders (Bieter), bids (Angebote) with their prices, the opening record (Angebotsöffnung).

A bid belongs to one bidder and one tender (unique). Its prices (BidPrice) are per lot
(BidLot) and position of the tender's frozen lot plan; unit prices are exact Decimals with
up to four places, stored as scaled integers (R1). Prices are sealed (R15): nothing reads them
for display before the tender's BidOpening exists, which needs the submission deadline to
have passed and two different coordinators. After the opening bids are immutable except the
check decision of each BidLot (R16), which is versioned (R11) and audited (R10).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from einkauf.db import Base, ScaledDecimal, UtcDateTime, utcnow

PRICE_PLACES = 4
LATE_REASON = "verspätet (§ 57 Abs. 1 Nr. 1 VgV)"


def UnitPrice() -> ScaledDecimal:
    """Net unit prices of bids: exact to 1/10,000 euro."""
    return ScaledDecimal(PRICE_PLACES)


class Bidder(Base):
    """A company that submits bids; cooperative-wide, so that it can bid in several tenders."""

    __tablename__ = "bidders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class Bid(Base):
    """One bidder's bid for one tender: when it was received, late or not, its lots."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("tender_id", "bidder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("bidders.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Received after the submission deadline: recorded and excluded (§ 57 Abs. 1 Nr. 1 VgV).
    late: Mapped[bool] = mapped_column(default=False)
    # "upload" (price sheet on the page), "cli" (einkauf bids import), "form" (web form)
    source: Mapped[str] = mapped_column(String(20), default="form")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by_label: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    bidder: Mapped[Bidder] = relationship()
    lots: Mapped[list[BidLot]] = relationship(back_populates="bid", order_by="BidLot.sort_key",
                                                cascade="all, delete-orphan", passive_deletes=True)


class CheckDecision(str, enum.Enum):
    PENDING = "pending"        # not checked yet
    ADMITTED = "admitted"      # complete, or a gap accepted as insignificant (gap_reason)
    EXCLUDED = "excluded"      # excluded with reason_code (and reason_text)


class ExclusionReason(str, enum.Enum):
    LATE = "late"
    INCOMPLETE = "incomplete"
    FORMAL = "formal"
    SUITABILITY = "suitability"
    OTHER = "other"


EXCLUSION_LABELS = {
    ExclusionReason.LATE: LATE_REASON,
    ExclusionReason.INCOMPLETE: "unvollständig (§ 57 Abs. 1 Nr. 5 VgV)",
    ExclusionReason.FORMAL: "Formfehler (§ 57 Abs. 1 VgV)",
    ExclusionReason.SUITABILITY: "fehlende Eignung (§ 57 Abs. 1 VgV, §§ 122 ff. GWB)",
    ExclusionReason.OTHER: "sonstiger Grund",
}


def _enum(cls, name: str):
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class BidLot(Base):
    """A lot a bid offers, with the coordinator's check decision for it (R16)."""

    __tablename__ = "bid_lots"
    __table_args__ = (UniqueConstraint("bid_id", "tender_lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id", ondelete="CASCADE"))
    tender_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id"), index=True)
    lot_number: Mapped[str] = mapped_column(String(20))
    sort_key: Mapped[int] = mapped_column(Integer)
    decision: Mapped[CheckDecision] = mapped_column(_enum(CheckDecision, "bid_check_decision"),
                                                    default=CheckDecision.PENDING)
    reason_code: Mapped[ExclusionReason | None] = mapped_column(_enum(ExclusionReason, "bid_exclusion_reason"))
    reason_text: Mapped[str] = mapped_column(String(1000), default="")
    # Why missing prices are insignificant (an admitted lot with gaps needs one).
    gap_reason: Mapped[str] = mapped_column(String(1000), default="")
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    checked_by_label: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    bid: Mapped[Bid] = relationship(back_populates="lots")
    prices: Mapped[list[BidPrice]] = relationship(back_populates="bid_lot", cascade="all, delete-orphan",
                                                    passive_deletes=True)

    @property
    def reason_label(self) -> str:
        if self.reason_code is None:
            return ""
        label = EXCLUSION_LABELS[self.reason_code]
        return f"{label}: {self.reason_text}" if self.reason_text else label


class BidPrice(Base):
    """A bid's net unit price for one position of the tender (sealed until the opening)."""

    __tablename__ = "bid_prices"
    __table_args__ = (UniqueConstraint("bid_lot_id", "position_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_lot_id: Mapped[int] = mapped_column(ForeignKey("bid_lots.id", ondelete="CASCADE"))
    position_id: Mapped[int] = mapped_column(ForeignKey("lot_positions.id"), index=True)
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())
    offered_product: Mapped[str] = mapped_column(String(500), default="")

    bid_lot: Mapped[BidLot] = relationship(back_populates="prices")


class BidOpening(Base):
    """The recorded opening of a tender's bids by two different coordinators (§ 55 VgV)."""

    __tablename__ = "bid_openings"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    first_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_by_label: Mapped[str] = mapped_column(String(254))
    second_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    second_by_label: Mapped[str] = mapped_column(String(254))
    # What was opened: {"bids": [{"bid_id", "bidder", "received_at", "late", "lots": [...], "prices": n}],
    # "bid_count", "late_count", "lots": {number: count}} — counts, never prices.
    record: Mapped[dict] = mapped_column(JSON, default=dict)


class AwardOutcome(str, enum.Enum):
    AWARDED = "awarded"  # Zuschlag auf ein Angebot
    CANCELLED = "cancelled"  # Los aufgehoben (kein wertbares Angebot, alle über dem Budget …)


class LotAward(Base):
    """The decision on one lot of a tender (issue 13, part 7): the award to one bid — the
    first-ranked valid bid, another only with a recorded reason — or the lot's cancellation with
    a reason. An abnormally low bid (R18) is awarded only with the recorded clarification of
    § 60 VgV. One decision per lot; audited."""

    __tablename__ = "lot_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    tender_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id"), unique=True)
    outcome: Mapped[AwardOutcome] = mapped_column(_enum(AwardOutcome, "award_outcome"))
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id"), index=True)
    # The lot total of the awarded bid at the decision (R16), for letters and the Vergabevermerk.
    lot_total: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    rank: Mapped[int | None] = mapped_column(Integer)
    # Why another than the first-ranked bid, or why the lot is cancelled.
    reason: Mapped[str] = mapped_column(Text, default="")
    # The clarification of an abnormally low price (§ 60 VgV).
    clarification: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_label: Mapped[str] = mapped_column(String(254), default="")
    # The conclusion of the contract (Zuschlag/Vertragsschluss) of an awarded lot (R19): in EU
    # procedures not before the waiting period of § 134 GWB after the information has run.
    contract_date: Mapped[date | None] = mapped_column(Date)
    contract_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    contract_recorded_by_label: Mapped[str] = mapped_column(String(254), default="", server_default="")


class InformationChannel(str, enum.Enum):
    ELECTRONIC = "electronic"  # 10 calendar days (§ 134 Abs. 2 Satz 2 GWB)
    POST = "post"  # 15 calendar days


class BidderInformation(Base):
    """The information of the unsuccessful bidders of a tender (§ 134 GWB, R19): when and how the
    letters were sent, and the first day the contract may be concluded. Recorded together with
    the letters (document register, kind info_letter); a later sending starts the period again."""

    __tablename__ = "bidder_informations"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    sent_on: Mapped[date] = mapped_column(Date)  # German calendar day of the sending
    channel: Mapped[InformationChannel] = mapped_column(_enum(InformationChannel, "information_channel"))
    earliest_contract_date: Mapped[date] = mapped_column(Date)
    letters: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_label: Mapped[str] = mapped_column(String(254), default="")



class QualityScore(Base):
    """The fulfilment of one quality criterion by one bid for one lot (R17): a percentage from
    0 to 100 with at most two places, entered by the coordinator after the opening for the
    criteria other than the price frozen with the tender. One row per bid lot and criterion
    (the criterion's name as frozen); versioned (R11) and audited (R10)."""

    __tablename__ = "quality_scores"
    __table_args__ = (UniqueConstraint("bid_lot_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_lot_id: Mapped[int] = mapped_column(ForeignKey("bid_lots.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(String(100))
    percent: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_label: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class LotDraw(Base):
    """The recorded lot draw (Losentscheid) that decides a tie of one lot (R17): the tied bids in
    the drawn order (LotDrawPlace) and a note on who drew and who witnessed it. A lot may have
    several draws, one per tie; each bid is drawn at most once per lot."""

    __tablename__ = "lot_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tenders.id"), index=True)
    tender_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_label: Mapped[str] = mapped_column(String(254), default="")

    places: Mapped[list[LotDrawPlace]] = relationship(order_by="LotDrawPlace.place", cascade="all, delete-orphan",
                                                        passive_deletes=True)


class LotDrawPlace(Base):
    """One bid's place in a lot draw (1 = drawn first)."""

    __tablename__ = "lot_draw_places"
    __table_args__ = (UniqueConstraint("draw_id", "place"), UniqueConstraint("tender_lot_id", "bid_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("lot_draws.id", ondelete="CASCADE"))
    tender_lot_id: Mapped[int] = mapped_column(ForeignKey("tender_lots.id"))
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"), index=True)
    place: Mapped[int] = mapped_column(Integer)
