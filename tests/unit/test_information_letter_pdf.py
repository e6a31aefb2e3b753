"""The information letter of § 134 GWB as PDF (einkauf.exports.pdf.information): the winner, the
reasons, the earliest contract date and the legal wording; user text escaped, never markup."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

from pypdf import PdfReader

from einkauf.exports.pdf.information import InformationLetter, LetterLot, build_information_letter
from einkauf.tenders.periods import waiting_period

HOSTILE = "<b>Büro & \"Schulz\" 'KG'</b> <font size=40>groß</font>"


def _letter(**changes) -> InformationLetter:
    waiting = waiting_period(date(2027, 3, 19), "post")
    values = dict(
        cooperative_name="Einkaufsgemeinschaft Ruhr & Co", cooperative_address="Markt 1\n45127 Essen",
        reference="EK-2027-01", title="Büromaterial 2027", procedure="Offenes Verfahren (§ 15 VgV)",
        bidder_name=HOSTILE, bidder_address="Hauptstr. 1 <br/>\n44135 Dortmund", sent_on=date(2027, 3, 19),
        channel="per Post", earliest_contract_date=waiting.earliest_contract_date, waiting_text=waiting.describe(),
        lots=(LetterLot("1", "Papier <i>A4</i>", False, "Der Zuschlag soll auf das Angebot von Papier Müller GmbH "
                        "erteilt werden.", "Ihr Angebot belegt Rang 2 von 3; das Angebot von Papier Müller GmbH "
                        "belegt Rang 1."),
              LetterLot("2", "Tinte", True, "Der Zuschlag soll auf Ihr Angebot erteilt werden.", "")))
    values.update(changes)
    return InformationLetter(**values)


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_letter_names_the_winner_the_reasons_and_the_earliest_date():
    text = _text(build_information_letter(_letter(), generated_at=datetime(2027, 3, 19, 9, tzinfo=UTC)))
    assert "Papier Müller GmbH" in text and "Rang 2 von 3" in text
    assert "Dienstag, 06.04.2027" in text and "Samstag" in text  # 03.04. is a Saturday: moved
    assert "§ 134" in text and "§ 135 Abs. 1 Nr. 1 GWB" in text and "§ 160 Abs. 3" in text
    assert "Los 2 – Tinte" in text and "Ihr Angebot erteilt" in text


def test_user_text_is_printed_as_it_is_never_as_markup():
    text = _text(build_information_letter(_letter(), generated_at=datetime(2027, 3, 19, 9, tzinfo=UTC)))
    assert "<b>Büro & \"Schulz\" 'KG'</b>" in text and "<font size=40>groß</font>" in text
    assert "Papier <i>A4</i>" in text and "&amp;" not in text and "Ruhr & Co" in text


def test_the_same_letter_gives_the_same_bytes():
    moment = datetime(2027, 3, 19, 9, tzinfo=UTC)
    assert build_information_letter(_letter(), generated_at=moment) == build_information_letter(
        _letter(), generated_at=moment)
