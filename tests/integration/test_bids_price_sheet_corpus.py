"""A corpus of broken and malicious price sheets: each is refused with a German message naming
sheet, row and column where it can, and nothing is stored (no bid, no price, no audit event),
on SQLite and PostgreSQL (issue 13, R13)."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from einkauf import clock
from einkauf.audit.models import AuditEvent
from einkauf.bids import services
from einkauf.bids.models import Bid, BidLot, BidPrice

from bids_support import BEFORE, FULL, create_bid_tender, fill, price_sheet_of


def _cell(sheet: str, ref: str, value):
    def edit(book):
        book[sheet][ref] = value
    return edit


def _rezip(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        extra = change("__extra__", b"")
        if extra:
            target.writestr(*extra)
    return out.getvalue()


def _macro(name, content):
    if name == "__extra__":
        return ("xl/vbaProject.bin", b"\x00" * 64)
    return content


def _doctype(name, content):
    if name == "xl/workbook.xml":
        bomb = b'<!DOCTYPE lol [<!ENTITY lol "lol">]>'
        return content.replace(b"?>", b"?>" + bomb, 1) if b"?>" in content[:200] else bomb + content
    return None if name == "__extra__" else content


def _hide_row(book):
    book["Los 1"].row_dimensions[5].hidden = True


def _hide_column(book):
    book["Los 1"].column_dimensions["D"].hidden = True


def _delete_row(book):
    book["Los 1"].delete_rows(6)


def _duplicate_key(book):
    book["Los 1"]["L6"] = book["Los 1"]["L5"].value


def _rename(book):
    book["Los 2"].title = "Los zwei"


def _drop_meta(book):
    del book["Meta"]


CASES = {
    "vergabenummer im Meta-Blatt geändert": (dict(edit=_cell("Meta", "B3", "EK-ANDERE-01")),
                                             "gehört zum Vergabeverfahren „EK-ANDERE-01“"),
    "andere Fassung": (dict(edit=_cell("Meta", "B9", "0" * 24)), "anderen Fassung des Leistungsverzeichnisses"),
    "anderes Layout": (dict(edit=_cell("Meta", "B2", "2")), "kein Preisblatt dieser einkauf-Version"),
    "kein Meta-Blatt": (dict(edit=_drop_meta), "Das Blatt „Meta“ fehlt"),
    "geänderter Schlüssel": (dict(edit=_cell("Los 1", "L5", "1|P-9")),
                             "Blatt „Los 1“, Zeile 5, Spalte L: Unbekannter Schlüssel „1|P-9“"),
    "doppelter Schlüssel": (dict(edit=_duplicate_key), "kommt doppelt vor"),
    "gelöschte Zeile": (dict(edit=_delete_row), "Die Position „P-2“ fehlt im Blatt"),
    "geänderte Menge": (dict(edit=_cell("Los 1", "H5", 999)), "Spalte H: Die geschätzte Menge wurde geändert"),
    "geänderte Artikel-Nr.": (dict(edit=_cell("Los 1", "B5", "X-1")), "Spalte B: Die Artikel-Nr. wurde geändert"),
    "Formel als Preis": (dict(prices={"1|P-1": "=1+1"}), "Blatt „Los 1“, Zeile 5, Spalte I: Formeln sind"),
    "Formel im Produkt": (dict(edit=_cell("Los 2", "K5", "=HYPERLINK(\"http://x\")")), "Zeile 5, Spalte K: Formeln"),
    "Text als Preis": (dict(prices={"1|P-1": "2,35 EUR"}), "Spalte I: Der Einheitspreis ist als Text eingetragen"),
    "negativer Preis": (dict(prices={"1|P-1": -1}), "darf nicht negativ sein"),
    "fünf Nachkommastellen": (dict(prices={"1|P-1": 1.23456}), "höchstens 4 Nachkommastellen"),
    "absurder Preis": (dict(prices={"1|P-1": 2_000_000_000}), "unrealistisch hoch"),
    "WAHR als Preis": (dict(prices={"1|P-1": True}), "nicht WAHR oder FALSCH"),
    "ausgeblendete Zeile": (dict(edit=_hide_row), "Blatt „Los 1“, Zeile 5: Ausgeblendete Zeilen sind nicht erlaubt"),
    "ausgeblendete Spalte": (dict(edit=_hide_column), "Blatt „Los 1“, Spalte D: Ausgeblendete Spalten"),
    "zusätzliches Blatt": (dict(edit=lambda book: book.create_sheet("Rabatte")),
                           "Das Blatt „Rabatte“ gehört nicht zum Preisblatt"),
    "umbenanntes Losblatt": (dict(edit=_rename), "Das Blatt „Los 2“ fehlt"),
    "Wert neben der Tabelle": (dict(edit=_cell("Los 1", "N5", "Rabatt 5 %")), "Spalte N: Inhalte außerhalb"),
}


def _assert_nothing_stored(db):
    assert db.scalar(select(func.count()).select_from(Bid)) == 0
    assert db.scalar(select(func.count()).select_from(BidLot)) == 0
    assert db.scalar(select(func.count()).select_from(BidPrice)) == 0
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("bid.%"))) == 0


@pytest.fixture
def bidder(db):
    return services.create_bidder(db, "test", name="Prüf GmbH")


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_price_sheet_is_refused_in_german_and_nothing_is_stored(db, bid_tender, bidder, case):
    change, expected = CASES[case]
    prices = {**FULL, **change.get("prices", {})}
    data = fill(price_sheet_of(db, bid_tender), prices, edit=change.get("edit"))
    with clock.fixed(BEFORE), pytest.raises(services.PriceSheetRefused) as refused:
        services.import_bid(db, "test", bid_tender.id, bidder.id, data, received_at=BEFORE)
    text = " | ".join(refused.value.problems)
    assert expected in text
    assert "nichts gespeichert" in refused.value.message
    _assert_nothing_stored(db)


@pytest.mark.parametrize(("name", "make", "expected"), [
    ("keine Zip-Datei", lambda data: b"Preisblatt als Text", "keine Excel-Arbeitsmappe"),
    ("leer", lambda data: b"", "Die Datei ist leer"),
    ("abgeschnitten", lambda data: data[: len(data) // 2], "beschädigt"),
    ("Makros", lambda data: _rezip(data, _macro), "Makros"),
    ("DOCTYPE", lambda data: _rezip(data, _doctype), "DOCTYPE"),
])
def test_files_that_are_no_safe_workbook_are_refused_before_parsing(db, bid_tender, bidder, name, make, expected):
    data = make(fill(price_sheet_of(db, bid_tender), FULL))
    with clock.fixed(BEFORE), pytest.raises(services.PriceSheetRefused) as refused:
        services.import_bid(db, "test", bid_tender.id, bidder.id, data, received_at=BEFORE)
    assert expected in " ".join(refused.value.problems)
    _assert_nothing_stored(db)


def test_the_price_sheet_of_another_tender_is_refused(db, bid_tender, bidder):
    other = create_bid_tender(db, code="ANDERE")
    data = fill(price_sheet_of(db, other), {"1|ANDERE-P-1": Decimal("1")})
    with clock.fixed(BEFORE), pytest.raises(services.PriceSheetRefused) as refused:
        services.import_bid(db, "test", bid_tender.id, bidder.id, data, received_at=BEFORE)
    assert f"gehört zum Vergabeverfahren „{other.reference}“, nicht zu „{bid_tender.reference}“" in \
        refused.value.problems[0]
    _assert_nothing_stored(db)


def test_no_refusal_repeats_a_price(db, bid_tender, bidder):
    """Before the opening an error message must not reveal a price (R15)."""
    data = fill(price_sheet_of(db, bid_tender), {"1|P-1": -7654.3219, "1|P-2": "8765,4321 €", "2|T-1": 9876.54321})
    with clock.fixed(BEFORE), pytest.raises(services.PriceSheetRefused) as refused:
        services.import_bid(db, "test", bid_tender.id, bidder.id, data, received_at=BEFORE)
    text = " ".join(refused.value.problems) + refused.value.message
    assert len(refused.value.problems) == 3
    for digits in ("7654", "7.654", "8765", "9876"):
        assert digits not in text


def test_an_old_sheet_without_fingerprint_is_still_read_by_its_keys(db, bid_tender, bidder):
    def drop_fingerprint(book):
        book["Meta"]["A9"] = None
        book["Meta"]["B9"] = None

    data = fill(price_sheet_of(db, bid_tender), FULL, edit=drop_fingerprint)
    with clock.fixed(BEFORE):
        _bid, lots, count = services.import_bid(db, "test", bid_tender.id, bidder.id, data, received_at=BEFORE)
    assert (lots, count) == (2, 3)
