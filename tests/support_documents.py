"""A small factory for tender-document test data (import with `from support_documents import ...`).

Values are chosen so that every amount is distinctive in a PDF's text: reference prices such as
4,87 € and estimated values such as 1.753,20 € occur nowhere else in the documents."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from einkauf.db import line_value
from einkauf.exports.tender_data import (
    AwardCriterion,
    Beneficiary,
    DeliverySite,
    MemberShare,
    TenderDocument,
    TenderLot,
    TenderPosition,
    position_oz,
)
from einkauf.lots.rules import estimated_quantity, lot_money, maximum_quantity, position_estimated_value

D = Decimal
UTC = UTC
TERM_MONTHS, EXTENSION_MONTHS = 24, 24
BUFFER_PCT = D("20")

DORTMUND = Beneficiary("Dortmund", "05913000")
KOELN = Beneficiary("Köln", "05315000")
MUELHEIM = Beneficiary("Mülheim an der Ruhr", "05117000")
MUENSTER = Beneficiary("Münster", "05515000")


def make_position(lot_number: str, index: int, *, product_number: str | None = None, short_text: str | None = None,
                  specification: str = "Mindestanforderungen: schadstoffarm, recyclingfähig, Lieferung frei "
                                       "Verwendungsstelle.",
                  unit: str = "Stück", annual_quantity: Decimal = D("1234.5"), reference_price: Decimal = D("4.87"),
                  delivery_site_count: int = 2, count: int = 0) -> TenderPosition:
    months = TERM_MONTHS + EXTENSION_MONTHS
    estimated = estimated_quantity(annual_quantity, months)
    return TenderPosition(
        oz=position_oz(lot_number, index, count),
        product_number=product_number or f"A-{lot_number}-{index:04d}",
        short_text=short_text or f"Artikel {lot_number}/{index} Größenübersicht",
        specification=specification,
        unit=unit,
        annual_quantity=annual_quantity,
        estimated_quantity=estimated,
        maximum_quantity=maximum_quantity(estimated, BUFFER_PCT),
        reference_price=reference_price,
        estimated_value=position_estimated_value(annual_quantity, reference_price, months),
        delivery_site_count=delivery_site_count,
    )


def make_lot(number: str = "1", positions: list[TenderPosition] | None = None, *, title: str = "Büromaterial",
             members: tuple[Beneficiary, ...] = (DORTMUND, KOELN, MUELHEIM), procedure: str = "Offenes Verfahren (VgV)",
             small_lot_quota: bool = False, cpv_code: str = "30192700-8", cpv_label: str = "Schreibwaren",
             delivery_sites: tuple[DeliverySite, ...] | None = None) -> TenderLot:
    if positions is None:
        positions = [make_position(number, 1, annual_quantity=D("1500"), reference_price=D("2.35")),
                     make_position(number, 2, annual_quantity=D("12.5"), reference_price=D("17.49"),
                                   unit="Packung (500 Blatt)"),
                     make_position(number, 3, annual_quantity=D("0.125"), reference_price=D("1234.56"))]
    value = sum((p.estimated_value for p in positions), D("0.00"))
    if delivery_sites is None:
        delivery_sites = tuple(DeliverySite(f"Rathaus {m.name}", f"Marktplatz {i}\n{44000 + i} {m.name}", m.name, m.ags)
                               for i, m in enumerate(members, start=1))
    annual = sum((line_value(p.annual_quantity, p.reference_price) for p in positions), D("0.00"))
    shares = _shares(annual, value, members)
    return TenderLot(number=number, title=title, cpv_code=cpv_code, cpv_label=cpv_label, procedure=procedure,
                     small_lot_quota=small_lot_quota, estimated_value=value, members=tuple(members),
                     positions=tuple(positions), delivery_sites=delivery_sites, member_shares=shares,
                     annual_value=annual)


def _shares(annual: Decimal, value: Decimal, members) -> tuple[MemberShare, ...]:
    """Annual shares that add up to the lot's annual value to the cent (the last member takes
    the remainder) and their term shares as einkauf.lots.rules.lot_money derives them (R22)."""
    if not members:
        return ()
    each = (annual / len(members)).quantize(D("0.01"))
    parts = {(m.ags, m.name): each for m in members[:-1]}
    parts[(members[-1].ags, members[-1].name)] = annual - each * (len(members) - 1)
    money = lot_money(annual, value, TERM_MONTHS + EXTENSION_MONTHS, parts)
    return tuple(MemberShare(m.name, m.ags, money.member((m.ags, m.name)).term_value, parts[(m.ags, m.name)])
                 for m in members)


def make_tender(lots: list[TenderLot] | None = None, **overrides) -> TenderDocument:
    if lots is None:
        lots = [make_lot("1"),
                make_lot("2", [make_position("2", 1, short_text="Kopierpapier A4, 80 g/m², weiß",
                                             annual_quantity=D("800"), reference_price=D("3.99"),
                                             unit="Packung (500 Blatt)")],
                         title="Druckpapier", cpv_code="30197630-1", cpv_label="Druckpapier",
                         members=(KOELN, MUENSTER), procedure="Öffentliche Ausschreibung (UVgO)",
                         small_lot_quota=True)]
    total = sum((lot.estimated_value for lot in lots), D("0.00"))
    values = {
        "cooperative_name": "Einkaufskooperation NRW-Städte",
        "cooperative_address": "Geschäftsstelle\nFriedensplatz 1\n44135 Dortmund",
        "reference": "EK-2027-001",
        "title": "Rahmenvereinbarungen Büromaterial und Papier 2027–2031",
        "procedure": "Offenes Verfahren (VgV)",
        "eu_wide": True,
        "publication_date": date(2027, 2, 1),
        "submission_deadline": datetime(2027, 3, 15, 11, 0, tzinfo=UTC),  # 12:00 Uhr in Berlin
        "question_deadline": datetime(2027, 3, 5, 11, 0, tzinfo=UTC),
        "contract_term_months": TERM_MONTHS,
        "extension_months": EXTENSION_MONTHS,
        "award_criteria": (
            AwardCriterion("Preis", D("70")),
            AwardCriterion("Qualität und Umwelteigenschaften", D("30")),
        ),
        "lots": tuple(lots),
        "frozen_at": datetime(2027, 1, 20, 9, 30, tzinfo=UTC),
        "frozen_by": "Kira Koordination",
        "procedure_reasons": (
            "Der geschätzte Auftragswert aller 2 Lose beträgt 300.000,00 € und erreicht den EU-Schwellenwert.",
            "Das Vergabeverfahren wird EU-weit durchgeführt.",
        ),
        "threshold_amount": D("216000.00"),
        "threshold_valid_from": date(2026, 1, 1),
        "threshold_valid_to": date(2027, 12, 31),
        "estimated_total": total,
    }
    values.update(overrides)
    return TenderDocument(**values)


def with_text(tender: TenderDocument, **position_fields) -> TenderDocument:
    """The tender with the first position of the first lot changed (e.g. hostile texts)."""
    lot = tender.lots[0]
    first = replace(lot.positions[0], **position_fields)
    lots = (replace(lot, positions=(first, *lot.positions[1:])), *tender.lots[1:])
    return replace(tender, lots=lots)


GENERATED_AT = datetime(2027, 1, 21, 8, 0, tzinfo=UTC)
