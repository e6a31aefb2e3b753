"""The demo's frameworks of the awarded tender of 2025 and twelve months of sales reports
(issue 15, part 6).

Every awarded lot of EK-2025-01 becomes a framework starting on the first day of the month twelve
months before the demo is loaded, so that the last twelve months are reported. Each supplier
reports each month what every named member bought: about a twelfth of the member's annual
quantity (a seeded variation of 70–100 %), at the awarded unit price — as a CSV file (";",
decimal comma, UTF-8) imported through the same service as an upload (einkauf.calloffs.reports).
Four things are planted for the monitoring to find:
- Bochum buys three times its share in the first lot every month: above its estimate;
- one position of the second lot reaches 85 % of its maximum through a large order in month 7;
- the third lot's supplier bills one member one position 8 % above the awarded price in month 5
  (an overcharge);
- the first lot's supplier reports articles outside the framework (off-contract) and a credit
  note in month 4.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from einkauf import clock
from einkauf.auth.models import User
from einkauf.berlin import BERLIN
from einkauf.bids.models import BidLot, BidPrice, LotAward
from einkauf.calloffs.frameworks import ensure_frameworks
from einkauf.calloffs.models import Framework
from einkauf.calloffs.reports import import_sales_report
from einkauf.calloffs.terms import add_months
from einkauf.formatting import format_number_de
from einkauf.lots.models import Allocation, LotPosition
from einkauf.rounds.models import Member
from einkauf.tenders.models import Tender, TenderLot

MONTHS = 12
SEED = 2026
OVER_ESTIMATE_CITY = "Bochum"
OVER_ESTIMATE_FACTOR = Decimal("3")
NEAR_MAXIMUM_SHARE = Decimal("0.85")
OVERCHARGE = Decimal("1.08")
OFF_CONTRACT = (("FREMD-1001", "Kaffeemaschine Filter 1,5 l", Decimal("2"), Decimal("89.90")),
                ("FREMD-1002", "Schreibtischlampe LED", Decimal("3"), Decimal("34.50")))
HEADER = "Mitglied;Artikelnummer;Artikelbezeichnung;Menge;Nettobetrag;Gutschrift;Lieferort;Bestelldatum"


@dataclass(frozen=True)
class CallOffDemo:
    frameworks: int
    reports: int
    rows: int


def _row(ags: str, number: str, text: str, quantity: Decimal, net: Decimal, *, credit: bool = False,
         ordered: date | None = None) -> str:
    quantity_text = format_number_de(quantity, 0 if quantity == quantity.to_integral_value() else 3)
    fields = [ags, number, text.replace(";", ","), quantity_text.replace(".", ""),
              format_number_de(net, 2).replace(".", ""), "ja" if credit else "", "",
              ordered.strftime("%d.%m.%Y") if ordered else ""]
    return ";".join(fields)


def _net(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def add_sales_reports(session: Session, reference: str, coordinator: User, now: datetime) -> CallOffDemo:
    """Frameworks of the tender's awarded lots and twelve months of imported sales reports."""
    today = now.astimezone(BERLIN).date()
    start = add_months(today.replace(day=1), -MONTHS)
    tender = session.scalar(select(Tender).where(Tender.reference == reference))
    assert tender is not None
    with clock.fixed(datetime.combine(start, time(9), tzinfo=BERLIN).astimezone(UTC)):
        frameworks = ensure_frameworks(session, coordinator, tender.id, starts_on=start)
    members = {m.id: m for m in session.scalars(select(Member))}
    rng = random.Random(SEED)
    reports = rows = 0
    for index, framework in enumerate(sorted(frameworks, key=lambda f: f.id)):
        lines = _framework_lines(session, framework)
        if not lines:
            continue
        special = lines[0][0] if index == 1 else None  # the position of lot 2 that nears its maximum
        for month in range(MONTHS):
            period = add_months(start, month)
            report: list[str] = [HEADER]
            for position_id, number, text, price, maximum, annual_by_member in lines:
                for member_id, annual in annual_by_member:
                    member = members[member_id]
                    share = annual / 12 * Decimal(rng.randint(70, 100)) / 100
                    if index == 0 and member.name == OVER_ESTIMATE_CITY:
                        share *= OVER_ESTIMATE_FACTOR
                    quantity = share.quantize(Decimal(1), rounding=ROUND_HALF_UP)
                    if quantity <= 0:
                        continue
                    overcharged = (index == 2 and month == 4 and position_id == lines[0][0]
                                   and member_id == annual_by_member[0][0])
                    bill = price * OVERCHARGE if overcharged else price
                    report.append(_row(member.ags, number, text, quantity, _net(quantity, bill),
                                       ordered=period.replace(day=min(28, 3 + member_id))))
                if position_id == special and month == 6:
                    # A large order: the position's call-offs reach 85 % of its maximum.
                    target = (maximum * NEAR_MAXIMUM_SHARE).to_integral_value(rounding=ROUND_CEILING)
                    already = sum(annual for _m, annual in annual_by_member) * Decimal("0.85") * 7 / 12
                    extra = max(Decimal(1), (target - already).to_integral_value(rounding=ROUND_CEILING))
                    member = members[annual_by_member[0][0]]
                    report.append(_row(member.ags, number, text, extra, _net(extra, price),
                                       ordered=period.replace(day=15)))
            if index == 0 and month == 3:
                position_id, number, text, price, _maximum, annual_by_member = lines[0]
                member = members[annual_by_member[-1][0]]
                report.append(_row(member.ags, number, text, Decimal(-2), _net(Decimal(-2), price), credit=True))
            if index == 0 and month % 4 == 1:
                member = members[lines[0][5][0][0]]
                for article, text, quantity, unit_price in OFF_CONTRACT:
                    report.append(_row(member.ags, article, text, quantity, _net(quantity, unit_price)))
            data = ("\n".join(report) + "\n").encode("utf-8")
            reported_at = datetime.combine(add_months(period, 1).replace(day=10), time(10), tzinfo=BERLIN)
            with clock.fixed(reported_at.astimezone(UTC)):
                outcome = import_sales_report(session, coordinator, framework.id, period, data,
                                              file_name=f"Umsatzmeldung-{period:%Y-%m}.csv")
            reports += 1
            rows += outcome.rows
    return CallOffDemo(len(frameworks), reports, rows)


def _framework_lines(session: Session, framework: Framework) -> list[tuple]:
    """(position id, article number, text, awarded price, maximum, [(member id, annual quantity)])
    of the framework's positions with an awarded price, in position order."""
    tender_lot = session.get(TenderLot, framework.tender_lot_id)
    award = session.get(LotAward, framework.award_id)
    assert tender_lot is not None and award is not None
    prices = dict(session.execute(
        select(BidPrice.position_id, BidPrice.unit_price).join(BidLot, BidLot.id == BidPrice.bid_lot_id)
        .where(BidLot.bid_id == award.bid_id, BidLot.tender_lot_id == tender_lot.id)).tuples().all())
    annual: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for position_id, member_id, thousandths in session.execute(
            select(Allocation.position_id, Allocation.member_id,
                   cast(func.sum(type_coerce(Allocation.quantity, BigInteger)), BigInteger))
            .join(LotPosition, LotPosition.id == Allocation.position_id)
            .where(LotPosition.lot_id == tender_lot.lot_id)
            .group_by(Allocation.position_id, Allocation.member_id)
            .order_by(Allocation.position_id, Allocation.member_id)):
        annual[position_id].append((member_id, Decimal(int(thousandths)).scaleb(-3)))
    return [(p.id, p.product_number, p.short_text, prices[p.id], p.maximum_quantity, annual[p.id])
            for p in session.scalars(select(LotPosition).where(LotPosition.lot_id == tender_lot.lot_id)
                                     .order_by(LotPosition.number))
            if p.id in prices and annual[p.id]]
