"""A lot merged from several categories keeps every CPV code in both PDFs (issue 10, item 6):
the main code marked "(Haupt)", the others after "weitere:", read back with pypdf."""
from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader

from einkauf.exports.pdf.bidder import build_bidder_pdf
from einkauf.exports.pdf.record import build_record_pdf
from einkauf.exports.tender_data import CpvEntry

from support_documents import GENERATED_AT, make_lot, make_tender

ADDITIONAL = (CpvEntry("30197630-1", "Druckpapier"), CpvEntry("30125100-2", "Tonerpatronen"))


def squashed(pages: list[str]) -> str:
    return re.sub(r"\s+", "", "\n".join(pages))


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def tender():
    merged = replace(make_lot("1", title="Büromaterial, Druckpapier, Toner", cpv_code="30192000-1",
                              cpv_label="Bürobedarf"), additional_cpv=ADDITIONAL)
    single = make_lot("2", title="Reinigungsmittel", cpv_code="39830000-9", cpv_label="Reinigungsmittel")
    return make_tender([merged, single])


def test_the_lot_text_names_the_main_code_and_the_others():
    lot = replace(make_lot("1", cpv_code="30192000-1", cpv_label="Bürobedarf"), additional_cpv=ADDITIONAL)
    assert lot.cpv_text() == ("30192000-1 – Bürobedarf (Haupt), weitere: 30197630-1 – Druckpapier, "
                              "30125100-2 – Tonerpatronen")
    assert lot.cpv_text(labels=False) == "30192000-1 (Haupt), weitere: 30197630-1, 30125100-2"
    assert lot.cpv_codes == ("30192000-1", "30197630-1", "30125100-2")
    assert make_lot("2", cpv_code="39830000-9", cpv_label="Reinigungsmittel").cpv_text() == \
        "39830000-9 – Reinigungsmittel"


def test_a_cpv_code_twice_in_one_lot_is_refused():
    with pytest.raises(ValueError, match="CPV code appears twice"):
        replace(make_lot("1", cpv_code="30192000-1"), additional_cpv=(CpvEntry("30192000-1"),))


@pytest.mark.parametrize("build", [build_bidder_pdf, build_record_pdf], ids=["bidder", "record"])
def test_both_pdfs_print_every_cpv_code_of_a_merged_lot(tender, build):
    data = build(tender, generated_at=GENERATED_AT)
    text = squashed(pages_of(data))
    expected = ("CPV-Codes30192000-1–Bürobedarf(Haupt),weitere:30197630-1–Druckpapier,"
                "30125100-2–Tonerpatronen")
    assert expected in text
    assert "CPV-Code39830000-9–Reinigungsmittel" in text  # a lot of one category: one code, no "(Haupt)"
    assert text.count("(Haupt)") >= 1 and "39830000-9–Reinigungsmittel(Haupt)" not in text


def test_the_bidder_overview_and_the_keywords_carry_the_additional_codes(tender):
    reader = PdfReader(io.BytesIO(build_bidder_pdf(tender, generated_at=GENERATED_AT)))
    [overview] = [text for text in (page.extract_text() for page in reader.pages)
                  if "Lose im Überblick" in text and "glieder" in text]
    assert "30192000-1–Bürobedarf(Haupt),weitere:30197630-1–Druckpapier,30125100-2–Tonerpatronen" in \
        squashed([overview])
    keywords = reader.metadata.get("/Keywords", "")
    for code in ("30192000-1", "30197630-1", "30125100-2", "39830000-9"):
        assert code in keywords
