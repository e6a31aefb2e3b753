"""A coordinator creates a category and a product through the forms (axe-core clean)."""
import pytest

pytestmark = pytest.mark.browser


def test_coordinator_creates_a_category_and_a_product(visitor):
    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto("/warengruppen")
    page.get_by_role("link", name="Neue Warengruppe").click()
    page.wait_for_load_state()
    visitor.check()

    # A wrong CPV code is explained in German, and what was typed stays.
    page.get_by_label("Name").fill("Ordnungsmittel Browser")
    page.get_by_label("CPV-Code").fill("99999999-9")
    page.get_by_label("Reihenfolge").fill("90")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_text("99999999-9").first.is_visible()
    assert page.get_by_label("Name").input_value() == "Ordnungsmittel Browser"

    page.get_by_label("CPV-Code").fill("30197210")  # without check digit: resolved to 30197210-1
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    visitor.check()
    row = page.get_by_role("row").filter(has_text="Ordnungsmittel Browser")
    assert row.get_by_text("30197210-1").is_visible()

    visitor.goto("/artikel/neu")
    page.get_by_label("Warengruppe").select_option(label="Ordnungsmittel Browser (30197210-1)")
    page.get_by_label("Artikelnummer").fill("OM-0001")
    page.get_by_label("Kurztext").fill("Ringordner A4, 8 cm, blau")
    page.get_by_label("Leistungsbeschreibung (Mindestanforderungen)").fill("Hartpappe, Hebelmechanik, Rückenschild")
    page.get_by_label("Mengeneinheit").select_option("H87")
    page.get_by_label("Schätzpreis netto je Einheit (€)").fill("1.234,56")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    visitor.check()

    visitor.goto("/artikel?q=OM-0001")
    row = page.get_by_role("row").filter(has_text="OM-0001")
    assert row.get_by_text("Ringordner A4, 8 cm, blau").is_visible()
    assert row.get_by_text("1.234,56 €").is_visible()
