"""The award part of the Vergabevermerk (issue 13, parts 4 and 7) as the generator prints it:
points and ranks with a tie and its draw, many bidders split over table parts of the landscape
annex, and records that contradict themselves refused."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from einkauf.bids.evaluation import LotBid, LotInput, PositionInput, Scoring, evaluate_tender
from einkauf.bids.record import award_record
from einkauf.exports import tender_data as td
from einkauf.exports.pdf.record import build_record_pdf
from einkauf.exports.pdf.record_award import check_award_figures
from einkauf.formatting import format_money_de

from support_documents import GENERATED_AT, make_tender

D = Decimal
OPENED = datetime(2027, 3, 16, 9, 0, tzinfo=UTC)
QUALITY = "Qualität und Umwelteigenschaften"
SCORING = Scoring(criteria=(("Preis", D("70")), (QUALITY, D("30"))))
NAMES = ("Alpha GmbH", "Beta KG", 'Gamma <i>&"\' AG', "Delta OHG", "Epsilon SE", "Zeta e. K.", "Eta GmbH",
         "Theta AG", "Iota GmbH")


def _lot(number: str, bidders: int, drawn: tuple = ()) -> LotInput:
    positions = tuple(PositionInput(f"{number}|A-{i}", f"{number}.00{i}", f"Artikel {i}", "Stück", D("1234.5"),
                                    D("4.87")) for i in range(1, 4))
    bids = []
    for b in range(bidders):
        # Alpha and Beta offer the same prices and quality: a tie on points and on the lot total.
        factor = D("1.00") if b < 2 else D("1.00") + D(b) / 20
        prices = {p.key: (D("4.5000") * factor).quantize(D("0.0001")) for p in positions}
        bids.append(LotBid(b + 1, NAMES[b], prices, quality={QUALITY: D("80")}))
    return LotInput(number, f"Los {number}", positions, tuple(bids), drawn=drawn)


def _award(lots: list[LotInput]) -> td.AwardRecord:
    evaluation = evaluate_tender(lots, SCORING)
    opening = td.OpeningRecord(OPENED, ("erste@einkauf.example", "zweite@einkauf.example"),
                               tuple(td.OpenedBid(name, OPENED, False, ("1",), 3) for name in NAMES))
    return award_record(evaluation, opening, (), ())


@pytest.fixture(scope="module")
def printed():
    award = _award([_lot("1", 9), _lot("2", 2, drawn=(2, 1))])
    data = build_record_pdf(replace(make_tender(), award=award), generated_at=GENERATED_AT)
    reader = PdfReader(io.BytesIO(data))
    return award, reader.pages, " ".join(" ".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")
                                         .split())


def test_the_scoring_shows_points_ranks_an_open_tie_and_a_draw(printed):
    award, _pages, text = printed
    # Rank, bidder, lot total, price points, quality points per criterion, score; the tie marked.
    assert "1 Alpha GmbH 16.665,75 € 70,00" in text and "94,00 Gleichstand" in text
    assert "3 Gamma <i>&\"' AG 18.332,34 € 63,64" in text and "87,64" in text
    assert f"{QUALITY}: 24,00" in text
    assert "Gleichstand offen zwischen Alpha GmbH, Beta KG" in text
    assert "Gleichstand durch Los entschieden, gezogene Reihenfolge: Beta KG, Alpha GmbH" in text
    first = award.standing("1").bids[0]
    assert first.score == D("94.00") and first.tied


def test_nine_bidders_are_split_over_three_table_parts_on_landscape_pages(printed):
    award, pages, text = printed
    for part in ("Bieter 1–4 von 9", "Bieter 5–8 von 9", "Bieter 9 von 9"):
        assert part in text
    assert 'Bieter 6 = Gamma <i>&"\' AG' in text  # printed literally, never as markup
    for total in award.matrices[0].totals:
        assert format_money_de(total).replace("\xa0", " ") in text
    landscape = [p for p in pages if p.mediabox.width > p.mediabox.height]
    assert landscape and "Anlage: Preisspiegel je Los" in landscape[0].extract_text()
    assert f"Seite {len(pages)} von {len(pages)}" in pages[-1].extract_text()


def test_a_record_that_contradicts_itself_is_refused():
    tender = make_tender()
    award = _award([_lot("1", 2)])
    matrix = award.matrices[0]
    wrong = replace(award, matrices=(replace(matrix, totals=(matrix.totals[0] + D("0.01"), matrix.totals[1])),))
    with pytest.raises(ValueError, match="add up"):
        check_award_figures(tender, wrong)
    with pytest.raises(ValueError, match="not a lot of the tender"):
        check_award_figures(tender, _award([_lot("9", 2)]))


def test_the_opening_needs_two_different_people():
    with pytest.raises(ValueError, match="two different people"):
        td.OpeningRecord(OPENED, ("erste@einkauf.example", "erste@einkauf.example"), ())
