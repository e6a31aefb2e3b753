"""The chart of the Preisspiegel overview (issue 14, part 5): per lot the estimated value, the
lowest valid lot total and, where the lot is awarded, the awarded lot total.

Built only from an evaluation, which exists only after the opening (R15); the caller passes the
translation function of the page (gettext), the texts are marked for the catalogue with N_.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.orm import Session

from einkauf.bids.award import lot_awards
from einkauf.bids.evaluation import TenderEvaluation
from einkauf.bids.models import AwardOutcome
from einkauf.charts import Chart, bar_chart
from einkauf.tenders.models import Tender
from einkauf.texts import N_


def _same(text: str) -> str:
    return text


def lots_chart(session: Session, tender: Tender, evaluation: TenderEvaluation,
               translate: Callable[[str], str] = _same) -> Chart:
    """"Schätzwert und Angebote je Los" — one group of bars per lot, in the order of the evaluation."""
    awards = lot_awards(session, tender.id)
    lot_ids = {lot.number: lot.id for lot in tender.lots}
    awarded: list[Decimal | None] = []
    for lot in evaluation.lots:
        award = awards.get(lot_ids.get(lot.lot.number, -1))
        awarded.append(award.lot_total if award is not None and award.outcome == AwardOutcome.AWARDED else None)
    series: list[tuple[str, list[Decimal | None]]] = [
        (translate(N_("Geschätzter Wert")), [lot.estimated_value for lot in evaluation.lots]),
        (translate(N_("Niedrigstes wertbares Angebot")), [lot.lowest_total for lot in evaluation.lots]),
    ]
    if any(value is not None for value in awarded):
        series.append((translate(N_("Zuschlag")), awarded))
    return bar_chart(
        translate(N_("Schätzwert und Angebote je Los")),
        translate(N_("Je Los der geschätzte Wert, die Losgesamtsumme des niedrigsten wertbaren Angebots und, "
                     "wo der Zuschlag erteilt ist, die Losgesamtsumme des bezuschlagten Angebots (netto).")),
        translate(N_("Los")),
        [translate(N_("Los %(number)s")) % {"number": lot.lot.number} for lot in evaluation.lots],
        series,
    )
