"""An officer downloads the Excel template of a round, fills it in, uploads it and submits; a
broken file is refused with a German list of errors (axe-core clean on every page).

The template is filled with openpyxl inside the test, as a user would in Excel: quantities,
a delivery site from the member's own list, a cost centre.
"""
from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

# Mülheim an der Ruhr has no submission in the demo round 2027, and no other browser test changes
# its demand (test_sign_in_roles only signs in). Hamm and Hagen belong to test_officer_demand.
MUELHEIM = "beschaffung-muelheim-an-der-ruhr@einkauf.example"
HAGEN = "beschaffung-hagen@einkauf.example"  # a draft; a refused upload must leave it unchanged
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEY_COLUMN = 11  # "Schlüssel": product number and row, e.g. "BM-0001#1"


def click(visitor, locator):
    locator.click()
    visitor.page.wait_for_load_state()
    visitor.check()


def expect_refusal(visitor, status: int):
    """The browser logs the (intended) 4xx of a refused upload as a failed resource; nothing else."""
    expected = [e for e in visitor.console_errors if f"status of {status}" in e]
    assert expected, visitor.console_errors
    visitor.console_errors = [e for e in visitor.console_errors if e not in expected]
    visitor.check()


def open_round(visitor, email: str):
    visitor.sign_in(email)
    page = visitor.page
    click(visitor, page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Bedarfsmeldung"))
    click(visitor, page.get_by_role("link", name="Bedarfsabfrage 2027"))
    assert page.get_by_role("heading", level=1).filter(has_text="Bedarfsabfrage 2027").is_visible()


def download_template(page) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel-Vorlage herunterladen").first.click()
    download = info.value
    assert download.failure() is None
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


def upload(visitor, name: str, data: bytes):
    page = visitor.page
    page.get_by_label("Ausgefüllte Excel-Vorlage (.xlsx)").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": data})
    page.get_by_role("button", name="Hochladen und übernehmen").click()
    page.wait_for_load_state()


def fill_template(data: bytes,
                  values: dict[str, dict[str, object]]) -> tuple[bytes, dict[str, str], dict[str, Decimal]]:
    """Set cells of the rows with the given keys ({"BM-0001#1": {"F": 1200, "G": "Rathaus"}}).

    Returns the file, the category of each key and the reference price of each key, as read
    from the template itself.
    """
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Bedarf"]
    rows = {ws.cell(row=r, column=KEY_COLUMN).value: r for r in range(2, ws.max_row + 1)}
    categories, prices = {}, {}
    for key, cells in values.items():
        row = rows[key]
        categories[key] = ws.cell(row=row, column=1).value
        prices[key] = Decimal(str(ws.cell(row=row, column=5).value))
        for column, value in cells.items():
            ws[f"{column}{row}"] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), categories, prices


def euro(value: Decimal) -> str:
    """1.234,56 € as the pages print it (the non-breaking space normalised to a space)."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + " €"


def text_of(locator) -> str:
    return locator.inner_text().replace("\u00a0", " ")


def test_officer_uploads_a_filled_template_and_submits(visitor):
    page = visitor.page
    open_round(visitor, MUELHEIM)
    overview = page.locator("dl")
    assert page.get_by_text("kein Bedarf gemeldet").is_visible()

    name, template = download_template(page)
    assert name.endswith(".xlsx") and "05117000" in name
    sites = [c.value for c in load_workbook(io.BytesIO(template))["Listen"]["A"][1:] if c.value]
    assert sites == ["Rathaus", "Zentrale Kita-Verwaltung"]
    quantities = {"BM-0001#1": Decimal("1200"), "BM-0003#1": Decimal("35.5"), "PA-0001#1": Decimal("640")}
    filled, categories, prices = fill_template(template, {
        "BM-0001#1": {"F": 1200, "G": sites[0], "H": "KST-1110"},
        "BM-0003#1": {"F": "35,5", "G": sites[1]},
        "PA-0001#1": {"F": 640, "G": sites[0], "I": "5431100"},
    })
    assert sorted(set(categories.values())) == ["Büromaterial", "Druckpapier"]
    values = {key: (quantities[key] * prices[key]).quantize(Decimal("0.01"), ROUND_HALF_UP) for key in quantities}
    total = sum(values.values())
    office = values["BM-0001#1"] + values["BM-0003#1"]

    click(visitor, page.get_by_role("link", name="Bedarf per Excel hochladen"))
    assert page.get_by_role("heading", level=1, name="Bedarf per Excel hochladen").is_visible()
    upload(visitor, "Bedarf Mülheim.xlsx", filled)
    visitor.check()

    # Back on the round page: the message, the totals and the lines per category.
    assert page.get_by_role("heading", level=1).filter(has_text="Bedarfsabfrage 2027").is_visible()
    message = page.get_by_text("Die Excel-Datei wurde übernommen: 3 Positionen")
    assert message.is_visible() and euro(total) in text_of(message)
    assert page.get_by_text("Entwurf", exact=True).is_visible()
    assert re.search(r"Positionen\s+3\b", text_of(overview))
    assert euro(total) in text_of(overview)
    categories_table = page.get_by_role("table", name="Ihr Bedarf je Warengruppe")
    office_row = text_of(categories_table.get_by_role("row").filter(has_text="Büromaterial"))
    paper_row = text_of(categories_table.get_by_role("row").filter(has_text="Druckpapier"))
    assert re.search(r"\t2\t", office_row) and euro(office) in office_row
    assert re.search(r"\t1\t", paper_row) and euro(values["PA-0001#1"]) in paper_row

    # The entry page shows the imported lines as typed in the file.
    click(visitor, page.get_by_role("link", name="Büromaterial", exact=True))
    assert page.get_by_label("Menge BM-0003 Zeile 1", exact=True).input_value() == "35,5"
    assert page.get_by_label("Kostenstelle BM-0001 Zeile 1", exact=True).input_value() == "KST-1110"
    click(visitor, page.get_by_role("link", name="Zurück zur Bedarfsmeldung"))

    # Submit, with the confirmation step.
    click(visitor, page.get_by_role("link", name="Bedarfsmeldung abgeben …"))
    assert page.get_by_role("heading", level=1).filter(has_text="abgeben").is_visible()
    assert euro(total) in text_of(page.locator("dl"))
    click(visitor, page.get_by_role("button", name="Jetzt verbindlich abgeben"))
    assert page.get_by_text("Ihre Bedarfsmeldung 2027 ist abgegeben.").is_visible()
    assert page.get_by_text("abgegeben", exact=True).is_visible()
    assert page.get_by_role("button", name="Zurückziehen und bearbeiten").is_visible()
    assert page.get_by_role("link", name="Bedarf per Excel hochladen").count() == 0

    # The start page says so too.
    visitor.goto("/bedarf")
    row = page.get_by_role("row").filter(has_text="Bedarfsabfrage 2027")
    assert row.get_by_text("abgegeben", exact=True).is_visible()


def test_a_broken_file_is_refused_with_a_german_error_list(visitor):
    page = visitor.page
    open_round(visitor, HAGEN)
    demand = page.get_by_role("table", name="Ihr Bedarf je Warengruppe")
    before = text_of(demand)
    assert re.search(r"Summe\t\t[1-9]", before)  # Hagen's draft has lines
    _name, template = download_template(page)
    click(visitor, page.get_by_role("link", name="Bedarf per Excel hochladen"))
    upload_url = page.url

    # A text file with an .xlsx name.
    upload(visitor, "bedarf.xlsx", b"Artikel;Menge\nBM-0001;12\n")
    expect_refusal(visitor, 422)
    alert = page.get_by_role("alert").filter(has_text="Die Datei wurde nicht übernommen: 1 Fehler gefunden.")
    assert alert.is_visible() and "Ihr bisheriger Bedarf ist unverändert" in alert.inner_text()
    problems = page.get_by_role("table", name="Fehler in der hochgeladenen Datei")
    assert problems.get_by_text("Die Datei ist keine Excel-Arbeitsmappe (.xlsx).").is_visible()

    # The template with a quantity that is no number and a formula: each named with sheet, row, column.
    broken, _categories, _prices = fill_template(template, {
        "BM-0002#1": {"F": "viel"},
        "PA-0001#1": {"F": "=2*5"},
    })
    upload(visitor, "bedarf.xlsx", broken)
    expect_refusal(visitor, 422)
    alert = page.get_by_role("alert").filter(has_text="Die Datei wurde nicht übernommen: 2 Fehler gefunden.")
    assert alert.is_visible()
    rows = page.get_by_role("table", name="Fehler in der hochgeladenen Datei").locator("tbody tr")
    assert rows.count() == 2
    texts = [text_of(rows.nth(i)) for i in range(2)]
    assert all(re.match(r"Bedarf\t\d+\tF \(Menge\)\t", t) for t in texts), texts
    assert "viel" in texts[0] and "Formeln sind nicht erlaubt" in texts[1], texts
    assert page.url == upload_url

    # Nothing changed.
    click(visitor, page.get_by_role("link", name="Zurück zur Bedarfsmeldung"))
    assert text_of(demand) == before
