"""The pure evaluation of bids (einkauf.bids.evaluation): Preisspiegel, scoring, ranking, ties and
abnormally low bids (issue 13; R1, R16–R18)."""
from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from einkauf.bids.evaluation import (
    LotBid,
    LotInput,
    PositionInput,
    Scoring,
    abnormally_low,
    evaluate_lot,
    evaluate_tender,
    evaluation_json,
    position_total,
    price_points,
    quality_points,
    round_half_up,
)

D = Decimal
PRICE_AND_QUALITY = Scoring(criteria=(("Preis", D(70)), ("Qualität", D(30))))


def position(key: str, quantity: str = "1", estimated: str | None = None) -> PositionInput:
    return PositionInput(key, f"1.{key}", f"Artikel {key}", "Stück", D(quantity),
                         D(estimated) if estimated is not None else None)


def bid(bid_id, bidder: str, **prices) -> LotBid:
    return LotBid(bid_id, bidder, {key: (D(value) if value is not None else None) for key, value in prices.items()})


def one_position_lot(*totals: str, estimate: str | None = None, drawn=()) -> LotInput:
    """A lot with one position of quantity 1, one bid per total (bid ids 1, 2, …; bidders A, B, …)."""
    bids = tuple(LotBid(i, chr(64 + i), {"p": D(t)}) for i, t in enumerate(totals, start=1))
    return LotInput("1", "Los", (position("p", "1", estimate),), bids, drawn=tuple(drawn))


# --- rounding and totals -----------------------------------------------------------------------

def test_a_four_decimal_price_times_a_fractional_quantity_rounds_half_up_once_per_position():
    # 2.5 × 0.1235 = 0.30875 → 0.31 (half-up of the exact product, not of a rounded unit price)
    assert position_total(D("2.5"), D("0.1235")) == D("0.31")
    # 12.5 × 1.0005 = 12.50625 → 12.51; rounding the price first (1.00) would give 12.50
    assert position_total(D("12.5"), D("1.0005")) == D("12.51")
    # exactly half a cent rounds up: 0.5 × 0.0125 = 0.00625 → 0.01; 3 × 0.0050 = 0.015 → 0.02
    assert position_total(D("0.5"), D("0.0125")) == D("0.01")
    assert position_total(D("3"), D("0.0050")) == D("0.02")


def test_the_lot_total_is_the_sum_of_the_rounded_position_totals():
    lot = LotInput("1", "Los", (position("a", "2.5"), position("b", "2.5")),
                   (bid(1, "A", a="0.1235", b="0.1235"),))
    # each position 0.30875 → 0.31; the total is 0.62, not round(0.6175) = 0.62 by chance: check 3 rows
    assert evaluate_lot(lot, Scoring()).bids[0].total == D("0.62")
    lot = LotInput("1", "Los", tuple(position(k, "1") for k in "abc"), (bid(1, "A", a="0.005", b="0.005", c="0.005"),))
    assert evaluate_lot(lot, Scoring()).bids[0].total == D("0.03")  # 3 × 0.01, not round(0.015) = 0.02


def test_round_half_up_is_exact_at_the_half():
    assert round_half_up(Fraction(12345, 1000)) == D("12.35")
    assert round_half_up(Fraction(-12345, 1000)) == D("-12.35")
    assert round_half_up(Fraction(1, 3)) == D("0.33")


# --- the matrix --------------------------------------------------------------------------------

def test_the_matrix_marks_the_lowest_price_and_outliers_above_one_and_a_half_times_the_median():
    lot = LotInput("1", "Los", (position("p", "10"),),
                   (bid(1, "A", p="10"), bid(2, "B", p="10"), bid(3, "C", p="15"), bid(4, "D", p="14.99")))
    row = evaluate_lot(lot, Scoring()).rows[0]
    # median of 10, 10, 14.99, 15 = 12.495; 1.5 × 12.495 = 18.7425: nothing is an outlier
    assert [c.lowest for c in row.cells] == [True, True, False, False]
    assert not any(c.outlier for c in row.cells)
    lot = LotInput("1", "Los", (position("p", "10"),),
                   (bid(1, "A", p="10"), bid(2, "B", p="10"), bid(3, "C", p="15"), bid(4, "D", p="30")))
    row = evaluate_lot(lot, Scoring()).rows[0]
    # median 12.5 → limit 18.75: 30 is an outlier; exactly 50 % above the median is one too
    assert [c.outlier for c in row.cells] == [False, False, False, True]
    lot = LotInput("1", "Los", (position("p"),), (bid(1, "A", p="10"), bid(2, "B", p="15"), bid(3, "C", p="10")))
    assert [c.outlier for c in evaluate_lot(lot, Scoring()).rows[0].cells] == [False, True, False]


def test_excluded_bids_are_shown_but_neither_lowest_nor_ranked():
    lot = LotInput("1", "Los", (position("p"),),
                   (LotBid(1, "A", {"p": D("5")}, excluded_reason="verspätet"), bid(2, "B", p="8")))
    result = evaluate_lot(lot, Scoring())
    a, _b = result.bids
    assert a.rank is None and not a.valid and a.status == "ausgeschlossen: verspätet"
    assert [c.lowest for c in result.rows[0].cells] == [False, True]
    assert result.first.bidder == "B" and result.lowest_total == D("8.00")


def test_columns_follow_the_bidder_name_and_deviations_are_in_percent():
    lot = LotInput("1", "Los", (position("p", "4", "2.50"),), (bid(9, "Zeta", p="3"), bid(3, "alpha", p="2.4")))
    result = evaluate_lot(lot, Scoring())
    assert [b.bidder for b in result.bids] == ["alpha", "Zeta"]
    alpha, zeta = result.bids
    assert result.estimated_value == D("10.00")
    assert (alpha.total, zeta.total) == (D("9.60"), D("12.00"))
    assert zeta.deviation_from_lowest == D("25.00") and alpha.deviation_from_lowest == D("0.00")
    assert alpha.deviation_from_estimate == D("-4.00") and zeta.deviation_from_estimate == D("20.00")


# --- completeness ------------------------------------------------------------------------------

def test_a_bid_missing_a_price_is_incomplete_and_not_ranked_unless_the_gap_is_accepted():
    positions = (position("a", "1"), position("b", "2"))
    gap = LotBid(1, "A", {"a": D("1")})
    full = bid(2, "B", a="2", b="3")
    result = evaluate_lot(LotInput("1", "Los", positions, (gap, full)), Scoring())
    a = result.bids[0]
    assert a.missing == ("b",) and not a.valid and a.rank is None
    assert a.status == "unvollständig (1 Position ohne Preis)"
    assert a.gap_value == D("6.00")  # the missing position at the other bid's price
    accepted = LotBid(1, "A", {"a": D("1"), "b": None}, gap_accepted=True)
    result = evaluate_lot(LotInput("1", "Los", positions, (accepted, full)), Scoring())
    a = result.bids[0]
    assert a.valid and a.rank == 1 and a.total == D("1.00") and a.missing == ("b",)
    assert a.status.startswith("wertbar (unwesentliche Lücke akzeptiert")


# --- scoring -----------------------------------------------------------------------------------

def test_price_only_ranks_the_lowest_valid_lot_total_first():
    result = evaluate_lot(one_position_lot("300", "100", "200"), Scoring())
    assert [(b.bidder, b.rank) for b in result.ranking] == [("B", 1), ("C", 2), ("A", 3)]
    assert result.first.bid_id == 2 and result.bids[0].score is None


def test_price_points_by_the_linear_ratio_and_by_interpolation():
    assert price_points(D("100"), D("100"), D("70"), "ratio") == D("70.00")
    assert price_points(D("125"), D("100"), D("70"), "ratio") == D("56.00")
    assert price_points(D("300"), D("100"), D("70"), "ratio") == D("23.33")
    assert price_points(D("110"), D("100"), D("70"), "interpolation") == D("63.00")
    assert price_points(D("200"), D("100"), D("70"), "interpolation") == D("0.00")
    assert price_points(D("250"), D("100"), D("70"), "interpolation") == D("0.00")
    assert price_points(D("0"), D("0"), D("70"), "ratio") == D("70.00")
    assert price_points(D("5"), D("0"), D("70"), "interpolation") == D("0.00")
    # 2/3 × 70 = 46.666… → 46.67; 100/115 × 40 = 34.7826… → 34.78
    assert price_points(D("150"), D("100"), D("70"), "ratio") == D("46.67")
    assert price_points(D("115"), D("100"), D("40"), "ratio") == D("34.78")
    with pytest.raises(ValueError):
        price_points(D("90"), D("100"), D("70"), "ratio")


def test_quality_points_are_the_percentage_of_the_weight():
    assert quality_points(D("80"), D("30")) == D("24.00")
    assert quality_points(D("33.335"), D("30")) == D("10.00")  # 10.0005 → 10.00
    assert quality_points(D("66.65"), D("15")) == D("10.00")  # 9.9975 → 10.00
    with pytest.raises(ValueError):
        quality_points(D("101"), D("30"))


def test_price_and_quality_rank_by_the_weighted_sum():
    bids = (LotBid(1, "A", {"p": D("100")}, quality={"Qualität": D("50")}),
            LotBid(2, "B", {"p": D("110")}, quality={"Qualität": D("100")}))
    lot = LotInput("1", "Los", (position("p"),), bids)
    result = evaluate_lot(lot, PRICE_AND_QUALITY)
    a, b = result.bids
    assert (a.price_points, dict(a.quality_points), a.score) == (D("70.00"), {"Qualität": D("15.00")}, D("85.00"))
    assert (b.price_points, dict(b.quality_points), b.score) == (D("63.64"), {"Qualität": D("30.00")}, D("93.64"))
    assert result.first.bidder == "B"
    interpolated = evaluate_lot(lot, Scoring(criteria=PRICE_AND_QUALITY.criteria, price_method="interpolation"))
    assert [b.score for b in interpolated.bids] == [D("85.00"), D("93.00")]


def test_missing_quality_ratings_prevent_a_ranking_and_are_named():
    bids = (LotBid(1, "A", {"p": D("100")}, quality={"Qualität": D("50")}), LotBid(2, "B", {"p": D("110")}))
    result = evaluate_lot(LotInput("1", "Los", (position("p"),), bids), PRICE_AND_QUALITY)
    assert result.ranking == () and result.first is None
    assert result.problems == ("Qualitätswertung fehlt für das Angebot von B (Nr. 2): „Qualität“.",)


# --- ties ------------------------------------------------------------------------------------

def test_an_equal_lot_total_is_an_unresolved_tie_until_the_draw_is_recorded():
    result = evaluate_lot(one_position_lot("100", "100", "150"), Scoring())
    assert result.first is None and result.first_place_tied
    assert result.unresolved_ties == ((1, 2),)
    assert [(b.bid_id, b.rank, b.tied) for b in result.ranking] == [(1, 1, True), (2, 1, True), (3, 3, False)]
    drawn = evaluate_lot(one_position_lot("100", "100", "150", drawn=(2, 1)), Scoring())
    assert drawn.first.bid_id == 2 and drawn.unresolved_ties == ()
    assert [(b.bid_id, b.rank) for b in drawn.ranking] == [(2, 1), (1, 2), (3, 3)]
    # a draw naming only one of the tied bids does not decide anything
    partial = evaluate_lot(one_position_lot("100", "100", "150", drawn=(2,)), Scoring())
    assert partial.first is None and partial.unresolved_ties == ((1, 2),)


def test_equal_points_go_to_the_lower_lot_total_before_the_draw():
    # A: 70 + 30 × 0.8 = 94.00; B: 100/105 × 70 = 66.67 + 27.33 (91.1 %) = 94.00 — equal points
    bids = (LotBid(1, "A", {"p": D("100")}, quality={"Qualität": D("80")}),
            LotBid(2, "B", {"p": D("105")}, quality={"Qualität": D("91.1")}))
    result = evaluate_lot(LotInput("1", "Los", (position("p"),), bids), PRICE_AND_QUALITY)
    assert [b.score for b in result.bids] == [D("94.00"), D("94.00")]
    assert result.first.bidder == "A" and result.unresolved_ties == ()


def test_equal_points_and_equal_totals_wait_for_the_draw():
    bids = (LotBid(1, "A", {"p": D("100")}, quality={"Qualität": D("80")}),
            LotBid(2, "B", {"p": D("100")}, quality={"Qualität": D("80")}))
    lot = LotInput("1", "Los", (position("p"),), bids)
    assert evaluate_lot(lot, PRICE_AND_QUALITY).unresolved_ties == ((1, 2),)
    drawn = LotInput("1", "Los", (position("p"),), bids, drawn=(2, 1))
    assert evaluate_lot(drawn, PRICE_AND_QUALITY).first.bidder == "B"


# --- abnormally low (R18) ----------------------------------------------------------------------

def test_a_bid_exactly_20_percent_below_the_next_is_flagged():
    result = evaluate_lot(one_position_lot("80.00", "100.00"), Scoring())
    low, next_ = result.bids
    assert low.abnormal_reasons == ("Losgesamtsumme 20 % unter dem nächsten Angebot (Aufgreifschwelle 20 %)",)
    assert not next_.abnormally_low


def test_a_bid_just_under_20_percent_below_the_next_is_not_flagged():
    result = evaluate_lot(one_position_lot("80.01", "100.00"), Scoring())
    assert not result.bids[0].abnormally_low
    assert evaluate_lot(one_position_lot("79.99", "100.00"), Scoring()).bids[0].abnormal_reasons == (
        "Losgesamtsumme 20,01 % unter dem nächsten Angebot (Aufgreifschwelle 20 %)",)


def test_a_bid_far_below_the_estimate_is_flagged_and_the_share_is_configurable():
    lot = one_position_lot("70.00", estimate="100.00")
    assert evaluate_lot(lot, Scoring()).bids[0].abnormal_reasons == (
        "Losgesamtsumme 30 % unter dem geschätzten Auftragswert (Aufgreifschwelle 20 %)",)
    assert not evaluate_lot(lot, Scoring(abnormal_share=D("0.35"))).bids[0].abnormally_low
    assert abnormally_low(D("75"), D("100"), None, D("0.25"))  # exactly 25 % with a 25 % share


def test_equal_lowest_totals_are_not_abnormally_low_against_each_other():
    result = evaluate_lot(one_position_lot("50", "50", "100"), Scoring())
    assert not any(b.abnormally_low for b in result.bids)


def test_an_excluded_or_incomplete_bid_is_not_checked_for_an_abnormally_low_price():
    lot = LotInput("1", "Los", (position("p"), position("q")),
                   (bid(1, "A", p="1"), bid(2, "B", p="50", q="50"), bid(3, "C", p="60", q="60")))
    result = evaluate_lot(lot, Scoring())
    assert not result.bids[0].abnormally_low and not result.bids[1].abnormally_low


# --- the tender --------------------------------------------------------------------------------

def test_the_summary_adds_up_the_lots_and_the_json_carries_strings():
    lots = [one_position_lot("100", "120", estimate="110"),
            LotInput("2", "Zwei", (position("p", "1", "10"),), (bid(1, "A", p="9.5"), bid(2, "B", p="9.5")))]
    result = evaluate_tender(lots, Scoring())
    one, two = result.summary
    assert (one.first_bidder, one.first_total, one.deviation_from_estimate) == ("A", D("100.00"), D("-9.09"))
    assert two.first_bidder is None and two.first_place_tied
    assert result.estimated_total == D("120.00") and result.first_total == D("100.00")
    data = evaluation_json(result)
    assert data["lots"][0]["bids"][0] == {
        "bid": 1, "bidder": "A", "total": "100.00", "valid": True, "status": "wertbar", "missing": [], "rank": 1,
        "tied": False, "price_points": None, "score": None, "quality_points": {}, "deviation_from_lowest": "0.00",
        "deviation_from_estimate": "-9.09", "abnormally_low": []}
    assert data["lots"][1]["unresolved_ties"] == [[1, 2]] and data["lots"][1]["first_bid"] is None


def test_inputs_that_cannot_be_evaluated_are_refused():
    with pytest.raises(ValueError):
        Scoring(criteria=(("Preis", D(70)),))
    with pytest.raises(ValueError):
        Scoring(price_method="guess")
    with pytest.raises(ValueError):
        evaluate_lot(LotInput("1", "Los", (position("p"),), (bid(1, "A", p="1"), bid(1, "B", p="2"))), Scoring())
    with pytest.raises(ValueError):
        evaluate_lot(LotInput("1", "Los", (position("p"),), (bid(1, "A", p="-1"),)), Scoring())


# --- properties --------------------------------------------------------------------------------

quantities = st.decimals(min_value=D("0.001"), max_value=D("100000"), places=3, allow_nan=False)
unit_prices = st.decimals(min_value=D("0"), max_value=D("9999.9999"), places=4, allow_nan=False)


@st.composite
def lots(draw):
    size = draw(st.integers(1, 6))
    positions = tuple(PositionInput(f"k{i}", str(i), f"P{i}", "Stk", draw(quantities)) for i in range(size))
    count = draw(st.integers(1, 5))
    # few distinct prices, so that equal totals (ties) happen often
    price = st.one_of(st.none(), unit_prices, st.sampled_from([D("1"), D("2.5")]))
    bids = []
    for b in range(count):
        prices = {p.key: draw(price) for p in positions}
        bids.append(LotBid(b, draw(st.sampled_from(["Alpha", "Beta", "Beta", "Gamma"])), prices,
                           excluded_reason=draw(st.sampled_from([None, None, None, "Formfehler"])),
                           gap_accepted=draw(st.booleans()),
                           quality={"Qualität": draw(st.decimals(min_value=0, max_value=100, places=2))}))
    drawn = tuple(draw(st.permutations(range(count)))) if draw(st.booleans()) else ()
    return LotInput("1", "Los", positions, tuple(bids), drawn=drawn)


def _outcome(result):
    return ([(b.bid_id, b.total, b.rank, b.tied, b.score, b.abnormal_reasons) for b in result.bids],
            [b.bid_id for b in result.ranking], result.unresolved_ties,
            [[(c.unit_price, c.total, c.lowest, c.outlier) for c in row.cells] for row in result.rows])


@settings(max_examples=150, deadline=None)
@given(lots(), st.randoms(use_true_random=False), st.sampled_from([Scoring(), PRICE_AND_QUALITY,
       Scoring(criteria=PRICE_AND_QUALITY.criteria, price_method="interpolation")]))
def test_the_ranking_does_not_depend_on_the_order_of_the_bids(lot, rnd: random.Random, scoring):
    shuffled = list(lot.bids)
    rnd.shuffle(shuffled)
    again = LotInput(lot.number, lot.title, lot.positions, tuple(shuffled), drawn=lot.drawn)
    assert _outcome(evaluate_lot(lot, scoring)) == _outcome(evaluate_lot(again, scoring))


@settings(max_examples=150, deadline=None)
@given(lots())
def test_totals_are_exact_against_fractions(lot):
    result = evaluate_lot(lot, Scoring())
    for res in result.bids:
        expected = Fraction(0)
        for p in lot.positions:
            price = res.bid.prices.get(p.key)
            if price is None:
                continue
            exact = Fraction(p.quantity) * Fraction(price) * 100
            cents = int(exact) + (1 if exact - int(exact) >= Fraction(1, 2) else 0)  # half-up, values ≥ 0
            expected += Fraction(cents, 100)
        assert Fraction(res.total) == expected
    valid = sorted(b.total for b in result.bids if b.valid)
    ranked = list(result.ranking)
    assert [b.total for b in ranked] == valid  # price only: ranking order is the order of totals
    assert all(b.rank is None for b in result.bids if not b.valid)
    if result.first is not None:
        assert result.first.total == valid[0] and result.first.rank == 1


def test_without_a_price_criterion_equal_points_go_straight_to_the_draw():
    scoring = Scoring(criteria=(("Qualität", D(60)), ("Service", D(40))))
    bids = (LotBid(1, "A", {"p": D("100")}, quality={"Qualität": D("50"), "Service": D("50")}),
            LotBid(2, "B", {"p": D("120")}, quality={"Qualität": D("50"), "Service": D("50")}))
    result = evaluate_lot(LotInput("1", "Los", (position("p"),), bids), scoring)
    assert [b.score for b in result.bids] == [D("50.00"), D("50.00")] and result.bids[0].price_points is None
    assert result.unresolved_ties == ((1, 2),)  # the lower total does not decide: it was not announced


def test_the_pure_modules_import_neither_flask_nor_sqlalchemy():
    import ast
    from pathlib import Path

    import einkauf.bids.evaluation
    import einkauf.bids.price_matrix

    for module in (einkauf.bids.evaluation, einkauf.bids.price_matrix):
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names}
        names |= {node.module.split(".")[0] for node in ast.walk(tree)
                  if isinstance(node, ast.ImportFrom) and node.module}
        assert not names & {"flask", "sqlalchemy", "flask_babel", "flask_login"}, module.__name__


@settings(max_examples=150, deadline=None)
@given(lots(), st.sampled_from(["ratio", "interpolation"]))
def test_with_quality_the_ranking_follows_the_points_then_the_lower_total(lot, method):
    result = evaluate_lot(lot, Scoring(criteria=PRICE_AND_QUALITY.criteria, price_method=method))
    keys = [(-b.score, b.total) for b in result.ranking]
    assert keys == sorted(keys)
    for b in result.ranking:
        assert D(0) <= b.price_points <= D(70) and b.score == b.price_points + dict(b.quality_points)["Qualität"]
        if b.total == result.lowest_total:
            assert b.price_points == D("70.00")


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
       st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
       st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
       st.sampled_from(["ratio", "interpolation"]))
def test_price_points_fall_as_the_total_rises(lowest, a, b, method):
    small, large = sorted((lowest + a, lowest + b))
    assert (price_points(small, lowest, D(70), method) >= price_points(large, lowest, D(70), method) >= D(0))
