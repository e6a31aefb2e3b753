"""An admin adds the EU threshold of the next biennium; an overlapping row is refused (axe-core clean)."""
import pytest

pytestmark = pytest.mark.browser


def test_admin_adds_the_next_biennium_and_an_overlap_is_refused(visitor):
    page = visitor.page
    visitor.sign_in("admin@einkauf.example")
    page.get_by_role("link", name="Schwellenwerte").first.click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#thresholds").get_by_text("216.000,00 €").is_visible()

    page.get_by_label("Schwellenwert in € (netto)").fill("240.000,00")
    page.get_by_label("Gültig ab").fill("2027-07-01")
    page.get_by_label("Gültig bis (einschließlich)").fill("2029-12-31")
    page.get_by_role("button", name="Schwellenwert hinzufügen").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#fehlerliste").get_by_text("überschneidet sich").is_visible()
    assert page.get_by_label("Schwellenwert in € (netto)").input_value() == "240.000,00"

    page.get_by_label("Gültig ab").fill("2030-01-01")
    page.get_by_label("Gültig bis (einschließlich)").fill("2031-12-31")
    page.get_by_role("button", name="Schwellenwert hinzufügen").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#thresholds").get_by_text("240.000,00 €").is_visible()
    assert page.get_by_role("cell", name="31.12.2031", exact=True).is_visible()
    assert page.get_by_role("button", name="Löschen : 01.01.2030–31.12.2031").is_visible()
