"""R4: the EU threshold as dated data, the procedure decision and the small-lots quota."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from einkauf.errors import ValidationFailed
from einkauf.lots.procedure import (
    DEFAULT_THRESHOLDS,
    EU_OPEN_PROCEDURE,
    NATIONAL_DEFAULT,
    InvalidSmallLots,
    LotValue,
    Threshold,
    ThresholdMissing,
    check_small_lots,
    decide_procedure,
    is_small_lot,
    propose_small_lots,
    quota_limit,
    threshold_for,
)

D = Decimal
IN_2026 = date(2026, 3, 15)


def decide(lots, day, **kwargs):
    """decide_procedure with the seed rows of the threshold table (the services pass the DB rows)."""
    kwargs.setdefault("thresholds", DEFAULT_THRESHOLDS)
    return decide_procedure(lots, day, **kwargs)


def lots_of(*values):
    return [LotValue(str(i), D(v)) for i, v in enumerate(values, start=1)]


# --- thresholds ---------------------------------------------------------------------------------

def test_the_table_picks_the_row_by_publication_date():
    assert threshold_for(date(2025, 12, 31), table=DEFAULT_THRESHOLDS).amount == D("221000.00")
    assert threshold_for(date(2026, 1, 1), table=DEFAULT_THRESHOLDS).amount == D("216000.00")
    assert threshold_for(date(2024, 1, 1), table=DEFAULT_THRESHOLDS).amount == D("221000.00")
    assert threshold_for(date(2027, 12, 31), table=DEFAULT_THRESHOLDS).amount == D("216000.00")


@pytest.mark.parametrize("day", [date(2023, 12, 31), date(2028, 1, 1)])
def test_a_date_outside_every_row_is_an_error_in_german(day):
    with pytest.raises(ThresholdMissing) as caught:
        threshold_for(day, table=DEFAULT_THRESHOLDS)
    assert isinstance(caught.value, ValidationFailed)
    assert f"{day:%d.%m.%Y}" in caught.value.message
    assert "kein EU-Schwellenwert" in caught.value.message


def test_overlapping_rows_are_an_error_rather_than_a_guess():
    overlapping = Threshold("supplies_services_subcentral", D("1"), date(2027, 1, 1), date(2028, 12, 31))
    table = (*DEFAULT_THRESHOLDS, overlapping)
    with pytest.raises(ThresholdMissing, match="mehrere"):
        threshold_for(date(2027, 6, 1), table=table)
    assert threshold_for(date(2028, 6, 1), table=table).amount == D("1")


def test_a_new_biennium_is_a_new_row_of_data():
    table = (
        *DEFAULT_THRESHOLDS,
        Threshold("supplies_services_subcentral", D("230000.00"), date(2028, 1, 1), date(2029, 12, 31)),
    )
    decision = decide(lots_of("225000.00"), date(2028, 2, 1), thresholds=table)
    assert not decision.eu_wide
    assert "230.000,00 €" in decision.reason


def test_a_datetime_is_not_a_publication_date():
    with pytest.raises(TypeError):
        threshold_for(datetime(2026, 1, 1, 12, 0), table=DEFAULT_THRESHOLDS)


# --- the threshold test -------------------------------------------------------------------------

def test_exactly_at_threshold_goes_eu_wide():
    decision = decide(lots_of("200000.00", "16000.00"), IN_2026)
    assert decision.eu_wide
    assert decision.procedure == EU_OPEN_PROCEDURE == "Offenes Verfahren (VgV)"
    assert decision.estimated_total == D("216000.00")
    assert "erreicht genau den EU-Schwellenwert von 216.000,00 €" in decision.reason


def test_one_cent_below_the_threshold_stays_national():
    decision = decide(lots_of("200000.00", "15999.99"), IN_2026)
    assert not decision.eu_wide
    assert decision.procedure == NATIONAL_DEFAULT == "Öffentliche Ausschreibung (UVgO)"
    assert "215.999,99 €" in decision.reason
    assert "0,01 € unter dem EU-Schwellenwert von 216.000,00 €" in decision.reason
    assert [lot.procedure for lot in decision.lots] == [NATIONAL_DEFAULT] * 2
    assert not any(lot.small_lot_quota for lot in decision.lots)


def test_the_same_total_is_eu_wide_in_2026_but_national_in_2025():
    lots = lots_of("218000.00")
    assert decide(lots, date(2026, 1, 1)).eu_wide
    assert not decide(lots, date(2025, 12, 31)).eu_wide


def test_the_national_procedure_below_the_threshold_is_a_setting():
    decision = decide(lots_of("1000.00"), IN_2026, national_procedure="Beschränkte Ausschreibung (UVgO)")
    assert decision.procedure == "Beschränkte Ausschreibung (UVgO)"
    assert "eingestellt ist: Beschränkte Ausschreibung (UVgO)" in decision.reason


def test_reasons_contain_the_numbers_the_date_and_the_law():
    decision = decide(lots_of("150000.00", "100000.00"), IN_2026, value_basis="estimate")
    reason = decision.reason
    for text in ("Der geschätzte Auftragswert aller 2 Lose beträgt 250.000,00 €",
                 "EU-Schwellenwert von 216.000,00 € (gültig 01.01.2026–31.12.2027, § 3 VgV i. V. m. § 106 GWB)",
                 "15.03.2026", "34.000,00 € darüber", "§ 3 Abs. 7 VgV", "Offenes Verfahren (VgV)"):
        assert text in reason


def test_the_decision_serialises_to_the_json_contract():
    decision = decide(lots_of("200000.00", "40000.00", "9999.50"), IN_2026)
    data = decision.to_json()
    assert data["procedure"] == "Offenes Verfahren (VgV)"
    assert data["threshold"] == "216000.00"
    assert data["estimated_total"] == "249999.50"
    assert data["reason"] == decision.reason
    assert data["value_basis"] == "maximum"
    assert data["maximum_total"] == "249999.50"  # no maximum values given: the estimate stands for them
    assert data["lots"] == [
        {"number": "1", "estimated_value": "200000.00", "maximum_value": "200000.00", "procedure": EU_OPEN_PROCEDURE,
         "small_lot_quota": False},
        {"number": "2", "estimated_value": "40000.00", "maximum_value": "40000.00", "procedure": NATIONAL_DEFAULT,
         "small_lot_quota": True},
        {"number": "3", "estimated_value": "9999.50", "maximum_value": "9999.50", "procedure": NATIONAL_DEFAULT,
         "small_lot_quota": True},
    ]


def test_lots_come_back_in_lot_number_order():
    decision = decide([LotValue("10", D("1")), LotValue("2", D("1")), LotValue("3.1", D("1"))], IN_2026)
    assert [lot.number for lot in decision.lots] == ["2", "3.1", "10"]


def test_no_lots_no_procedure():
    with pytest.raises(ValidationFailed):
        decide([], IN_2026)


# --- small-lots quota ---------------------------------------------------------------------------

def test_a_lot_of_exactly_80000_is_not_small():
    assert not is_small_lot(D("80000.00"))
    assert is_small_lot(D("79999.99"))


def test_quota_at_exactly_20_percent_is_allowed():
    lots = lots_of("400000.00", "60000.00", "40000.00")  # total 500,000; 20 % = 100,000
    assert check_small_lots(["2", "3"], lots, D("500000.00")) == []
    assert propose_small_lots(lots, D("500000.00")) == ["2", "3"]


def test_one_cent_over_20_percent_is_refused():
    lots = lots_of("399999.99", "60000.00", "40000.01")  # total 500,000; the pair is 100,000.01
    problems = check_small_lots(["2", "3"], lots, D("500000.00"))
    assert problems == ["Die ausgewählten Lose haben zusammen 100.000,01 €, das sind 20,01 % des Gesamtwerts "
                        "von 500.000,00 €; zulässig sind höchstens 20 %, also 100.000,00 € (§ 3 Abs. 9 VgV)."]


def test_a_lot_of_exactly_80000_cannot_be_chosen_for_the_quota():
    lots = lots_of("720000.00", "80000.00")
    problems = check_small_lots(["2"], lots, D("800000.00"))
    assert len(problems) == 1
    assert "Los 2" in problems[0] and "80.000,00 €" in problems[0] and "nicht unter" in problems[0]
    assert propose_small_lots(lots, D("800000.00")) == []


def test_a_lot_of_79999_99_can_be_chosen():
    lots = lots_of("720000.01", "79999.99")
    assert check_small_lots(["2"], lots, D("800000.00")) == []
    assert propose_small_lots(lots, D("800000.00")) == ["2"]


def test_unknown_and_repeated_lots_are_named():
    problems = check_small_lots(["7", "2", "2"], lots_of("500000", "1000"), D("501000"))
    assert problems == ["Los 7 gibt es nicht.", "Los 2 ist mehrfach ausgewählt."]


def test_the_quota_only_exists_in_an_eu_procedure():
    problems = check_small_lots(["2"], lots_of("100000", "1000"), D("101000"), eu_wide=False)
    assert any("nur in einem EU-weiten Verfahren" in p for p in problems)
    with pytest.raises(InvalidSmallLots):
        decide(lots_of("100000", "1000"), IN_2026, small_lots=["2"])


def test_the_proposal_takes_the_cheapest_small_lots_first_to_maximise_their_number():
    # total 1,000,000 → at most 200,000; small lots: 2 (79,000), 3 (70,000), 4 (60,000), 5 (10,000)
    lots = lots_of("781000.00", "79000.00", "70000.00", "60000.00", "10000.00")
    assert propose_small_lots(lots, D("1000000.00")) == ["3", "4", "5"]


def test_the_proposal_breaks_ties_by_lot_number():
    lots = [LotValue("10", D("50000")), LotValue("9", D("50000")), LotValue("1", D("350000"))]
    assert propose_small_lots(lots, D("450000")) == ["9"]  # room for one of the two (20 % = 90,000)


def test_the_decision_applies_the_proposal_and_says_so():
    decision = decide(lots_of("781000.00", "79000.00", "70000.00", "60000.00", "10000.00"), IN_2026)
    assert decision.small_lots == ("3", "4", "5")
    assert "Vorschlag des Systems" in decision.reason
    assert "Lose 3, 4, 5 liegen je unter 80.000,00 € und machen zusammen 140.000,00 € aus" in decision.reason
    assert "14,00 % des Gesamtwerts" in decision.reason
    assert [lot.procedure for lot in decision.lots] == [EU_OPEN_PROCEDURE, EU_OPEN_PROCEDURE] + [NATIONAL_DEFAULT] * 3


def test_a_valid_manual_choice_replaces_the_proposal():
    decision = decide(lots_of("781000.00", "79000.00", "70000.00", "60000.00", "10000.00"), IN_2026,
                                small_lots=["2", "3"])
    assert decision.small_lots == ("2", "3")
    assert "Auswahl der Koordination" in decision.reason


def test_an_invalid_manual_choice_is_refused_with_its_problems():
    with pytest.raises(InvalidSmallLots) as caught:
        decide(lots_of("781000.00", "79000.00", "70000.00", "60000.00", "10000.00"), IN_2026,
                         small_lots=["1"])
    assert any("Los 1" in p for p in caught.value.problems)


def test_an_empty_manual_choice_means_no_quota():
    decision = decide(lots_of("300000", "10000"), IN_2026, small_lots=[])
    assert decision.small_lots == ()
    assert "wird nicht genutzt" in decision.reason
    below = decide(lots_of("1000"), IN_2026, small_lots=iter([]))
    assert below.procedure == NATIONAL_DEFAULT


def test_without_small_lots_the_reason_says_why_the_quota_is_unused():
    decision = decide(lots_of("150000", "90000"), IN_2026)
    assert decision.small_lots == ()
    assert "Kein Los liegt mit seinem Höchstwert unter 80.000,00 €" in decision.reason


def test_a_small_lot_too_large_for_the_quota_is_explained():
    decision = decide(lots_of("150000", "70000"), IN_2026)  # 70,000 > 20 % of 220,000
    assert decision.small_lots == ()
    assert "übersteigt 20 %" in decision.reason and "44.000,00 €" in decision.reason


def test_the_quota_limit_is_rounded_down_to_whole_cents():
    assert quota_limit(D("0.04")) == D("0.00")  # 0.008 €
    assert quota_limit(D("500000.00")) == D("100000.00")


# --- value basis: maximum value of a framework agreement (Art. 5 Abs. 5 RL 2014/24/EU) ---------

def test_a_framework_worth_its_maximum_goes_eu_wide_although_its_estimate_is_below_the_threshold():
    lots = [LotValue("1", D("215999.99"), D("431999.98"))]
    decision = decide(lots, IN_2026)
    assert decision.eu_wide and decision.procedure == EU_OPEN_PROCEDURE
    assert decision.value_basis == "maximum"
    assert (decision.estimated_total, decision.maximum_total) == (D("215999.99"), D("431999.98"))
    assert decision.decisive_total == D("431999.98")
    reason = decision.reason
    for text in ("Der Höchstwert des Loses beträgt 431.999,98 €", "215.999,99 €",
                 "Maßgeblich ist der Höchstwert aller", "Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV",
                 "215.999,98 € darüber"):
        assert text in reason, text


def test_with_the_estimate_setting_the_same_lot_goes_national_and_the_reason_says_so():
    lots = [LotValue("1", D("215999.99"), D("431999.98"))]
    decision = decide(lots, IN_2026, value_basis="estimate")
    assert not decision.eu_wide and decision.procedure == NATIONAL_DEFAULT
    assert decision.decisive_total == D("215999.99")
    assert "Auf Einstellung der Bedarfsabfrage ist der geschätzte Wert maßgeblich" in decision.reason
    assert "431.999,98 €" in decision.reason and "0,01 € unter dem EU-Schwellenwert" in decision.reason
    assert decision.to_json()["value_basis"] == "estimate"
    assert decision.to_json()["maximum_total"] == "431999.98"
    assert decision.to_json()["lots"][0]["maximum_value"] == "431999.98"


def test_a_maximum_exactly_at_the_threshold_goes_eu_wide():
    decision = decide([LotValue("1", D("180000.00"), D("216000.00"))], IN_2026)
    assert decision.eu_wide
    assert "erreicht genau den EU-Schwellenwert" in decision.reason
    below = decide([LotValue("1", D("180000.00"), D("215999.99"))], IN_2026)
    assert not below.eu_wide


def test_the_small_lots_quota_uses_the_same_basis_as_the_threshold_test():
    # Lot 2 is small by its estimate (79,000) but not by its maximum (94,800).
    lots = [LotValue("1", D("400000.00"), D("480000.00")), LotValue("2", D("79000.00"), D("94800.00"))]
    by_maximum = decide(lots, IN_2026)
    assert by_maximum.small_lots == ()
    assert "Kein Los liegt mit seinem Höchstwert unter 80.000,00 €" in by_maximum.reason
    by_estimate = decide(lots, IN_2026, value_basis="estimate")
    assert by_estimate.small_lots == ("2",)
    assert "geprüft mit den geschätzten Werten" in by_estimate.reason
    with pytest.raises(InvalidSmallLots, match=re.escape("Höchstwert von 94.800,00 €")):
        decide(lots, IN_2026, small_lots=["2"])


def test_an_unknown_value_basis_is_a_programming_error():
    with pytest.raises(ValueError):
        decide(lots_of("1000"), IN_2026, value_basis="annual")


def test_a_missing_row_names_the_date_and_what_to_add():
    with pytest.raises(ThresholdMissing) as caught:
        decide(lots_of("1000"), date(2028, 3, 1))
    message = caught.value.message
    assert "01.03.2028" in message
    assert "Administration → Schwellenwerte" in message and "einkauf thresholds add" in message
    assert "Liefer- und Dienstleistungen subzentraler öffentlicher Auftraggeber" in message
    assert "01.01.2028–31.12.2029" in message
