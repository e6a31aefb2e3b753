"""Each demo role signs in, finds its way and signs out; every page passes axe-core."""
import pytest

pytestmark = pytest.mark.browser

ROLES = [
    (
        "koordination@einkauf.example",
        "Koordination",
        ["Bedarfsabfragen", "Mitglieder", "Warengruppen", "Artikel", "Finanzexporte", "Protokoll"],
    ),
    ("finanzen@einkauf.example", "Finanzen", ["Finanzexporte"]),
    ("admin@einkauf.example", "Administration", ["Zugänge", "Protokoll"]),
    ("beschaffung-muelheim-an-der-ruhr@einkauf.example", "Beschaffungsstelle", []),
]


@pytest.mark.parametrize(("email", "role_label", "nav"), ROLES)
def test_each_role_signs_in_sees_its_navigation_and_signs_out(visitor, email, role_label, nav):
    visitor.sign_in(email)
    page = visitor.page
    assert page.get_by_text(role_label).first.is_visible()
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    for label in nav:
        link = navigation.get_by_role("link", name=label)
        assert link.is_visible(), label
        link.click()
        page.wait_for_load_state()
        visitor.check()
        assert page.get_by_role("heading", level=1).is_visible()
    visitor.sign_out()
    assert "/anmelden" in page.url
    assert page.get_by_text("Sie haben sich abgemeldet.").is_visible()


def test_wrong_password_shows_a_german_error_summary(visitor):
    visitor.goto("/anmelden")
    page = visitor.page
    page.get_by_label("E-Mail-Adresse").fill("koordination@einkauf.example")
    page.get_by_label("Passwort").fill("falsches-passwort")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    visitor.check()
    assert page.get_by_role("alert").filter(has_text="E-Mail-Adresse oder Passwort ist nicht korrekt.").is_visible()


def test_skip_link_moves_keyboard_focus_to_the_content(visitor):
    visitor.goto("/anmelden")
    page = visitor.page
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhalt"
