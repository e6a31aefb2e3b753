"""A coordinator creates a round and opens it (axe-core clean on every page)."""
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.browser


def test_coordinator_creates_and_opens_a_round(visitor):
    page = visitor.page
    visitor.sign_in("koordination@einkauf.example")
    visitor.goto("/runden")
    page.get_by_role("link", name="Bedarfsabfrage anlegen").click()
    page.wait_for_load_state()
    visitor.check()

    opens = date.today() + timedelta(days=1)
    deadline = date.today() + timedelta(days=40)
    page.get_by_label("Kürzel").fill("2028")
    page.get_by_label("Titel").fill("Bedarfsabfrage 2028")
    page.get_by_label("Öffnungsdatum").fill(opens.isoformat())
    # A deadline before the opening date is refused with a German message; input stays.
    page.get_by_label("Abgabefrist – Datum").fill(opens.isoformat())
    page.get_by_label("Abgabefrist – Uhrzeit").fill("12:00")
    page.get_by_label("Vertragslaufzeit in Monaten").fill("24")
    page.get_by_label("Verlängerungsoptionen in Monaten").fill("24")
    page.get_by_label("Puffer für Höchstmengen in %").fill("20,00")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.locator("#fehlerliste").is_visible()
    assert page.get_by_label("Titel").input_value() == "Bedarfsabfrage 2028"

    page.get_by_label("Abgabefrist – Datum").fill(deadline.isoformat())
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_role("heading", level=1).filter(has_text="2028").is_visible()
    assert page.get_by_text(deadline.strftime("%d.%m.%Y")).first.is_visible()
    assert page.get_by_text("12:00").first.is_visible()

    page.get_by_role("button", name="Bedarfsabfrage öffnen").click()
    page.wait_for_load_state()
    visitor.check()
    page.get_by_role("link", name="Bedarfsabfrage schließen …").click()
    page.wait_for_load_state()
    visitor.check()
    # The deadline lies ahead: the confirmation page says so and wants the explicit confirmation.
    assert page.get_by_role("heading", name="Die Abgabefrist läuft noch").is_visible()
    page.get_by_role("button", name="Ja, Bedarfsabfrage jetzt schließen").click()
    assert page.get_by_label("Ich schließe die Bedarfsabfrage vor Ablauf der Abgabefrist", exact=False).is_visible()
    assert page.url.endswith("/schliessen")  # the browser's own check of the required box stopped it
    page.get_by_label("Ich schließe die Bedarfsabfrage vor Ablauf der Abgabefrist", exact=False).check()
    page.get_by_role("button", name="Ja, Bedarfsabfrage jetzt schließen").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_role("link", name="Nächster Schritt: die Lose bilden").is_visible()

    visitor.goto("/runden")
    row = page.get_by_role("row").filter(has_text="Bedarfsabfrage 2028")
    assert row.get_by_text("geschlossen").is_visible()
