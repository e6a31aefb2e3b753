"""The decisions taken at the freeze in both PDFs (issue 10, item 4; § 8 VgV): deadlines with the
§ 15 VgV check, warning, acknowledgement and justification, electronic or paper submission,
award criteria with the scoring formula, the small-lots selection and its check, the lot rules,
who froze and when; the question deadline and the contracting authority on the bidders' cover.
Read back with pypdf."""
from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from einkauf.exports.pdf.bidder import build_bidder_pdf
from einkauf.exports.pdf.record import build_record_pdf
from einkauf.exports.tender_data import (
    DEFAULT_INVITATION_TEXT,
    ELECTRONIC_SUBMISSION_PARAGRAPH,
    PAPER_SUBMISSION_PARAGRAPH,
    default_invitation_text,
)
from einkauf.rounds.timing import BERLIN
from einkauf.tenders.rules import scoring_formula

from support_documents import GENERATED_AT, make_lot, make_position, make_tender

UTC = UTC
WARNING = ("Die Angebotsfrist ist zu kurz: Sie endet am 02.03.2027, 12:00 Uhr, 29 Tage nach der Veröffentlichung am "
           "01.02.2027.")
JUSTIFICATION = "Dringlichkeit: die Verträge der Mitglieder enden am 31.03.2027 <b>sofort</b> & ohne Verlängerung."
FORMULA = scoring_formula([("Preis", Decimal("70")), ("Qualität und Umwelteigenschaften", Decimal("30"))])
RULES = ("Zusammengelegte Warengruppen (ein gemeinsames Fachlos): Büromaterial, Druckpapier.", "Keine Gebietslose.",
         "Aus allen Losen herausgenommene Artikel: P-7 Füller.", "Keine Teilung in Teillose nach Wert.",
         "Nationales Verfahren unterhalb des EU-Schwellenwerts und für Lose der Kleinlosregelung: "
         "Öffentliche Ausschreibung (UVgO).")


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def first_page(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def decided(**overrides):
    values = {
        "minimum_period_days": 30,
        "minimum_period_end": datetime(2027, 3, 4, 0, 0, tzinfo=BERLIN),
        "electronic_submission": True,
        "scoring_formula": FORMULA,
        "national_procedure": "Öffentliche Ausschreibung (UVgO)",
        "lot_rules": RULES,
    }
    values.update(overrides)
    return make_tender(**values)


@pytest.fixture(scope="module")
def short_record():
    tender = decided(submission_deadline=datetime(2027, 3, 2, 11, 0, tzinfo=UTC),
                     question_deadline=datetime(2027, 2, 19, 11, 0, tzinfo=UTC),
                     deadline_warnings=(WARNING,), deadline_justification=JUSTIFICATION)
    return squashed(text_of(build_record_pdf(tender, generated_at=GENERATED_AT)))


def test_the_record_names_every_deadline_and_the_minimum_period(short_record):
    for expected in ("Fristen und Angebotsabgabe", "01.02.2027", "Frist für Bieterfragen", "19.02.2027, 12:00 Uhr",
                     "02.03.2027, 12:00 Uhr", "29 Kalendertage", "30 Tage (§ 15 Abs. 2 und 4 VgV",
                     "Mittwoch, 03.03.2027, 24:00 Uhr", "1182/71"):
        assert squashed(expected) in short_record, expected


def test_the_record_holds_the_warning_its_acknowledgement_and_the_justification_literally(short_record):
    assert squashed(WARNING) in short_record
    assert squashed("Mindestfrist unterschritten") in short_record
    assert squashed("am 20.01.2027, 10:30 Uhr von Kira Koordination zur Kenntnis genommen") in short_record
    assert squashed(JUSTIFICATION) in short_record  # markup printed as text, not interpreted
    assert "Fristausreichend" not in short_record


def test_a_sufficient_deadline_reads_frist_ausreichend_and_paper_submission_is_named():
    text = squashed(text_of(build_record_pdf(decided(electronic_submission=False, minimum_period_days=35,
                                                     minimum_period_end=datetime(2027, 3, 9, tzinfo=BERLIN)),
                                             generated_at=GENERATED_AT)))
    assert "Fristausreichend" in text
    assert squashed("oder in Papierform") in text and squashed("35 Tage (§ 15 Abs. 2 VgV)") in text
    assert "Begründungderverkürzten" not in text


def test_without_a_minimum_period_the_record_says_why():
    text = squashed(text_of(build_record_pdf(decided(minimum_period_days=None, minimum_period_end=None, eu_wide=False,
                                                     procedure="Öffentliche Ausschreibung (UVgO)"),
                                             generated_at=GENERATED_AT)))
    assert squashed("entfällt: die Mindestfrist des § 15 VgV") in text
    assert squashed("Nicht anwendbar: Der geschätzte Auftragswert liegt unter dem EU-Schwellenwert") in text


def test_criteria_weights_and_the_same_formula_appear_in_the_record_and_the_bidder_documents(short_record):
    bidder = squashed(text_of(build_bidder_pdf(decided(), generated_at=GENERATED_AT)))
    for line in FORMULA.splitlines():
        assert squashed(line) in short_record
        assert squashed(line) in bidder
    assert squashed("Qualität und Umwelteigenschaften") in short_record and "70,00%" in short_record


def test_the_small_lots_selection_is_recorded_with_sum_share_limit_and_check():
    # Lot 1: 150.000 € (annual 3.750 × 10 € × 4 years), lot 2: 12.768,00 € (small, 7,84 %).
    big = make_lot("1", [make_position("1", 1, annual_quantity=Decimal("3750"), reference_price=Decimal("10.00"))])
    lots = [big, make_tender().lots[1]]
    total = sum((lot.estimated_value for lot in lots), Decimal("0.00"))
    text = squashed(text_of(build_record_pdf(decided(lots=lots, estimated_total=total), generated_at=GENERATED_AT)))
    assert squashed("Kleinlosregelung (§ 3 Abs. 9 VgV)") in text
    assert squashed("Ausgewählte Lose2") in text and squashed("Lose unter 80.000,00 €2") in text
    assert squashed("Summe der ausgewählten Lose12.768,00 €") in text
    assert squashed("Anteil am Gesamtwert7,84 % von 162.768,00 €") in text
    assert squashed("höchstens 20 % des Gesamtwerts = 32.553,60 €") in text
    assert squashed("Prüfungeingehalten") in text


def test_a_selection_beyond_the_quota_is_recorded_as_not_kept_with_the_same_share_as_the_check():
    # The factory's lot 2 (12.768,00 €) is 45,02… % of 28.359,78 €: above the 20 % limit.
    text = squashed(text_of(build_record_pdf(decided(), generated_at=GENERATED_AT)))
    assert squashed("nicht eingehalten") in text
    assert text.count(squashed("45,03 %")) == 2  # the table and the check's reason round alike


def test_the_lot_rules_appear_in_german_words(short_record):
    assert squashed("Losregeln") in short_record
    for rule in RULES:
        assert squashed(rule) in short_record


def test_a_long_justification_wraps_over_pages_without_breaking_the_layout():
    tender = decided(deadline_warnings=(WARNING,), deadline_justification=("Begründung " * 180).strip())
    text = squashed(text_of(build_record_pdf(tender, generated_at=GENERATED_AT)))
    assert text.count("Begründung") >= 180


def test_the_bidders_cover_names_the_authority_with_address_the_question_deadline_and_the_submission_form():
    cover = squashed(first_page(build_bidder_pdf(decided(electronic_submission=False), generated_at=GENERATED_AT)))
    assert squashed("Öffentlicher Auftraggeber") in cover
    assert squashed("Einkaufskooperation NRW-Städte") in cover
    assert squashed("Friedensplatz 1") in cover and squashed("44135 Dortmund") in cover
    assert squashed("Frist für Bieterfragen05.03.2027, 12:00 Uhr") in cover
    assert squashed("oder in Papierform") in cover


def test_the_bidder_documents_keep_the_record_only_decisions_out():
    bidder = squashed(text_of(build_bidder_pdf(decided(deadline_warnings=(WARNING,),
                                                       deadline_justification=JUSTIFICATION),
                                               generated_at=GENERATED_AT)))
    assert squashed(JUSTIFICATION) not in bidder and squashed(WARNING) not in bidder
    assert squashed(RULES[0]) not in bidder and "Kleinlosregelung" not in bidder


def test_a_naive_minimum_period_end_is_refused():
    with pytest.raises(TypeError, match="minimum_period_end"):
        replace(decided(), minimum_period_end=datetime(2027, 3, 4))


def test_without_a_stored_formula_no_formula_is_invented():
    text = squashed(text_of(build_record_pdf(decided(scoring_formula=""), generated_at=GENERATED_AT)))
    assert squashed("Keine Wertungsformel hinterlegt.") in text
    assert date(2027, 2, 1)  # the fixture's publication day stays as given


def test_the_default_invitation_follows_the_submission_form():
    assert default_invitation_text(True) == DEFAULT_INVITATION_TEXT
    assert ELECTRONIC_SUBMISSION_PARAGRAPH in DEFAULT_INVITATION_TEXT
    paper = default_invitation_text(False)
    assert "ausschließlich elektronisch" not in paper and PAPER_SUBMISSION_PARAGRAPH in paper
    assert paper.startswith("Sehr geehrte Damen und Herren,") and paper.endswith("Wir freuen uns auf Ihr Angebot.")
