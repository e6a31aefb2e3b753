"""The UI speaks German by default and English after the language button (POST /sprache).

Message ids are the German texts; translations/en/LC_MESSAGES/messages.po holds the English.
The catalogue tests at the end keep that file complete: every text in the templates and the
Python sources has a reviewed (non-fuzzy, non-empty) English translation.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale

from einkauf.config import PROJECT_ROOT
from einkauf.i18n import day, moment, money, number

PO_FILE = PROJECT_ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def switch_language(client, lang: str, next_path: str = "/"):
    response = client.post("/sprache", data={"lang": lang, "next": next_path})
    assert response.status_code == 302
    return response


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def assert_english(html: str, english: list[str], german: list[str]) -> None:
    assert html_lang(html) == "en"
    for text in english:
        assert text in html, text
    for text in german:
        assert text not in html, text


def assert_german(html: str, german: list[str], english: list[str]) -> None:
    assert html_lang(html) == "de"
    for text in german:
        assert text in html, text
    for text in english:
        assert text not in html, text


# --- sign-in page ----------------------------------------------------------------------------

SIGN_IN_DE = ["Melden Sie sich mit Ihrer dienstlichen E-Mail-Adresse an.", ">E-Mail-Adresse<", ">Passwort<",
              '<span class="kern-label">Anmelden</span>']
SIGN_IN_EN = ["Sign in with your work email address.", ">Email address<", ">Password<",
              '<span class="kern-label">Sign in</span>']


def test_a_new_browser_gets_the_german_sign_in_page(client):
    assert_german(page(client, "/anmelden"), SIGN_IN_DE, SIGN_IN_EN)


def test_the_language_button_switches_the_sign_in_page_to_english_and_back(client):
    response = switch_language(client, "en", "/anmelden")
    assert response.headers["Location"].endswith("/anmelden")
    assert_english(page(client, "/anmelden"), SIGN_IN_EN, SIGN_IN_DE)

    switch_language(client, "de", "/anmelden")
    assert_german(page(client, "/anmelden"), SIGN_IN_DE, SIGN_IN_EN)


def test_the_language_button_offers_the_other_language(client):
    assert 'value="en"' in page(client, "/anmelden")
    switch_language(client, "en")
    html = page(client, "/anmelden")
    assert 'value="de"' in html and 'value="en"' not in html


def test_german_stays_the_default_for_another_browser(app, client):
    switch_language(client, "en")
    assert html_lang(page(client, "/anmelden")) == "en"
    assert_german(page(app.test_client(), "/anmelden"), SIGN_IN_DE, SIGN_IN_EN)


def test_an_unknown_language_is_ignored(client):
    switch_language(client, "fr", "/anmelden")
    assert_german(page(client, "/anmelden"), SIGN_IN_DE, SIGN_IN_EN)


def test_a_failed_sign_in_is_explained_in_english(client, make_user):
    switch_language(client, "en")
    html = client.post("/anmelden", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Please correct the following entries" in html
    assert "Please enter your email address." in html
    assert "Bitte geben Sie Ihre E-Mail-Adresse ein." not in html


def test_the_request_to_sign_in_is_flashed_in_english(client):
    switch_language(client, "en")
    response = client.get("/warengruppen", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Please sign in to see this page." in html
    assert "Bitte melden Sie sich an" not in html


# --- start page ------------------------------------------------------------------------------

def test_the_start_page_and_navigation_follow_the_language(client, as_role):
    as_role("coordinator")
    german = ["Willkommen bei einkauf", "(Koordination)", ">Bedarfsabfragen<", ">Warengruppen<", ">Artikel<",
              ">Protokoll<", ">Abmelden<", "Hauptnavigation"]
    english = ["Welcome to einkauf", "(Coordination)", ">Demand rounds<", ">Categories<", ">Products<",
               ">Audit log<", ">Sign out<", "Main navigation"]
    assert_german(page(client, "/"), german, english)

    switch_language(client, "en")
    assert_english(page(client, "/"), english, german)

    switch_language(client, "de")
    assert_german(page(client, "/"), german, english)


def test_the_choice_of_language_survives_signing_in(client, make_user, sign_in):
    switch_language(client, "en")
    sign_in(make_user("admin"))
    html = page(client, "/")
    assert_english(html, ["Welcome to einkauf", ">Users<", "(Administration)"], ["Willkommen", ">Zugänge<"])


# --- a coordinator's list page ---------------------------------------------------------------

def test_the_category_list_in_english(client, as_role, make_category):
    as_role("coordinator")
    make_category(name="Büromaterial")
    switch_language(client, "en")
    html = page(client, "/warengruppen")
    assert_english(
        html,
        ["<title>Categories – einkauf</title>", "Categories in lot order", ">Sort order<", ">CPV description<",
         ">New category<", "Go to products", "Search by name or CPV code", ">active<",
         'aria-label="0 products in Büromaterial"'],
        ["Warengruppen in Los-Reihenfolge", "Reihenfolge", "Neue Warengruppe", ">aktiv<", "Artikel in"],
    )
    assert "Büromaterial" in html  # data stays as entered


def test_the_category_list_stays_german_in_german(client, as_role, make_category):
    as_role("coordinator")
    make_category(name="Büromaterial")
    assert_german(page(client, "/warengruppen"),
                  ["Warengruppen in Los-Reihenfolge", ">Reihenfolge<", "Neue Warengruppe",
                   'aria-label="0 Artikel in Büromaterial"'],
                  ["Categories", "Sort order"])


# --- a form page with its labels, hints and messages -----------------------------------------

PRODUCT_FORM_DE = [">Warengruppe<", ">Artikelnummer<", ">Kurztext<", "Leistungsbeschreibung (Mindestanforderungen)",
                   "Schätzpreis netto je Einheit (€)", ">Umsatzsteuersatz<", "– bitte wählen –",
                   "Zum Beispiel 1.234,56 – höchstens zwei Nachkommastellen.", ">Speichern<", ">Abbrechen<"]
PRODUCT_FORM_EN = [">Category<", ">Product number<", ">Short description<", "Specification (minimum requirements)",
                   "Net reference price per unit (€)", ">VAT rate<", "– please choose –",
                   "In German notation, for example 1.234,56 – at most two decimal places.", ">Save<", ">Cancel<"]


def test_the_product_form_shows_its_labels_in_english_and_back_in_german(client, as_role, make_category, make_unit):
    as_role("coordinator")
    make_category(name="Büromaterial")
    make_unit("H87", "Stück")
    switch_language(client, "en")
    html = page(client, "/artikel/neu")
    assert_english(html, [*PRODUCT_FORM_EN, "<h1 class=\"kern-heading-large\">New product</h1>"],
                   [*PRODUCT_FORM_DE, "Neuer Artikel"])

    switch_language(client, "de")
    assert_german(page(client, "/artikel/neu"), PRODUCT_FORM_DE, PRODUCT_FORM_EN)


def test_form_messages_are_english_in_english_and_unchanged_in_german(client, as_role, make_category, make_unit):
    as_role("coordinator")
    category = make_category(name="Büromaterial")
    make_unit("H87", "Stück")
    data = {"category_id": str(category.id), "number": "", "short_text": "Kugelschreiber", "unit_code": "H87",
            "reference_price": "1,234", "vat_rate": "19.00", "specification": "x" * 5001}

    german = client.post("/artikel/neu", data=data).get_data(as_text=True)
    assert "Bitte geben Sie eine Artikelnummer ein." in german
    assert "Höchstens 5.000 Zeichen." in german
    assert "Bitte höchstens 2 Nachkommastellen angeben." in german

    switch_language(client, "en")
    english = client.post("/artikel/neu", data=data).get_data(as_text=True)
    assert "Please correct the following entries" in english
    assert "Please enter a product number." in english
    assert "At most 5,000 characters." in english  # the number in English notation, too
    assert "Please enter at most 2 decimal places." in english
    for text in ("Bitte geben Sie eine Artikelnummer ein.", "Höchstens", "Nachkommastellen"):
        assert text not in english


def test_a_saved_product_is_confirmed_in_english(client, as_role, make_category, make_unit):
    as_role("coordinator")
    category = make_category(name="Büromaterial")
    make_unit("H87", "Stück")
    switch_language(client, "en")
    response = client.post("/artikel/neu", follow_redirects=True, data={
        "category_id": str(category.id), "number": "BM-0001", "short_text": "Kugelschreiber", "unit_code": "H87",
        "reference_price": "1.234,56", "vat_rate": "19.00", "active": "y"})
    html = response.get_data(as_text=True)
    assert "Product BM-0001 created." in html
    assert "€1,234.56" in html  # the list shows the price in English notation
    assert "angelegt" not in html


def test_the_round_form_explains_dates_in_english(client, as_role):
    as_role("coordinator")
    switch_language(client, "en")
    html = page(client, "/runden/neu")
    assert_english(html, [">Opening date<", "Format DD.MM.YYYY.", "Deadline – time", "German time (Europe/Berlin)",
                          "Maximum quantity buffer in %"],
                   ["Öffnungsdatum", "TT.MM.JJJJ", "Deutsche Zeit"])


def test_date_and_time_messages_follow_the_language(client, as_role):
    as_role("coordinator")
    data = {"code": "X", "title": "T", "opens_on": "01.01.1990", "deadline_date": "28.03.2027",
            "deadline_time": "02:30", "contract_term_months": "12", "extension_months": "0",
            "max_quantity_buffer_pct": "0"}
    german = client.post("/runden/neu", data=data).get_data(as_text=True)
    assert "„Öffnungsdatum“ muss zwischen dem 01.01.2000 und dem 31.12.2199 liegen." in german
    assert ("Die Uhrzeit 02:30 gibt es am 28.03.2027 wegen der Umstellung auf Sommerzeit nicht. "
            "Bitte wählen Sie eine andere Uhrzeit.") in german

    switch_language(client, "en")
    english = client.post("/runden/neu", data=data).get_data(as_text=True)
    assert "“Opening date” must be between Jan 1, 2000 and Dec 31, 2199." in english
    assert "The time 02:30 does not exist on Mar 28, 2027 because the clocks go forward to summer time." in english
    assert "Sommerzeit" not in english and "Öffnungsdatum" not in english


# --- labels kept in tables: audit log, role names, error pages -------------------------------

def test_the_audit_log_reads_in_english(client, as_role, cpv):
    as_role("coordinator")
    cpv("30192000-1", "Büroartikel")
    switch_language(client, "en")
    response = client.post("/warengruppen/neu", data={"name": "Tinte", "cpv_code": "30192000-1", "sort_order": "1",
                                                     "active": "y"})
    assert response.status_code == 302
    html = page(client, "/protokoll")
    assert_english(html, ["Category created", ">Record type<", "All actions", "Audit log entries",
                          '"audit-changes__field">Sort order<', '"diff-after">yes<'],
                   ["Warengruppe angelegt", "Objektart", "Alle Aktionen", "Reihenfolge", '"diff-after">ja<'])
    assert '"diff-after">Tinte<' in html  # values stay as entered

    switch_language(client, "de")
    assert "Warengruppe angelegt" in page(client, "/protokoll")


def test_user_roles_are_named_in_english(client, as_role):
    as_role("admin")
    switch_language(client, "en")
    html = page(client, "/zugaenge")
    assert_english(html, ["Procurement officer", "Coordination", "Finance", "All roles", ">Create user<"],
                   ["Beschaffungsstelle", "Alle Rollen", "Zugang anlegen"])


def test_error_pages_follow_the_language(client, as_role):
    as_role("coordinator")
    assert "Nicht gefunden" in client.get("/warengruppen/999999").get_data(as_text=True)
    switch_language(client, "en")
    html = client.get("/warengruppen/999999").get_data(as_text=True)
    assert_english(html, ["Not found", "The page or record does not exist or is not visible to you.", "Error code"],
                   ["Nicht gefunden", "Fehlercode"])


# --- numbers and dates -----------------------------------------------------------------------

def plain(text: str) -> str:
    """Babel separates amount and currency with a no-break space."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_numbers_and_dates_are_german_in_german(app):
    with app.test_request_context(), force_locale("de"):
        assert plain(money(Decimal("1234.56"))) == "1.234,56 €"
        assert number(Decimal("1234567.5"), 2) == "1.234.567,50"
        assert day(date(2027, 12, 31)) == "31.12.2027"
        assert moment(datetime(2027, 1, 31, 11, 0, tzinfo=UTC)) == "31.01.2027, 12:00 Uhr"


def test_numbers_and_dates_use_english_formats_in_english(app):
    with app.test_request_context(), force_locale("en"):
        assert money(Decimal("1234.56")) == "€1,234.56"
        assert number(Decimal("1234567.5"), 2) == "1,234,567.50"
        assert day(date(2027, 12, 31)) == "Dec 31, 2027"
        assert plain(moment(datetime(2027, 1, 31, 11, 0, tzinfo=UTC))) == "Jan 31, 2027, 12:00 PM"


def test_the_round_list_shows_dates_in_the_language_of_the_page(client, as_role, make_round):
    as_role("coordinator")
    make_round(code="2027", deadline=datetime(2027, 1, 31, 11, 0, tzinfo=UTC))
    assert "31.01.2027, 12:00 Uhr" in page(client, "/runden")
    switch_language(client, "en")
    html = plain(page(client, "/runden"))
    assert "Jan 31, 2027, 12:00 PM" in html
    assert "Uhr" not in html


# --- the catalogue itself --------------------------------------------------------------------

def read_catalogue():
    with PO_FILE.open("rb") as fh:
        return read_po(fh)


def source_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every marked text in src/ and templates/, extracted as `make messages` does."""
    with (PROJECT_ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

    def visit(path: str) -> bool:
        # pybabel's own default would also skip templates/_macros.
        name = path.rstrip("/").rsplit("/", 1)[-1]
        return not name.startswith(".") and name not in ("node_modules", "__pycache__")

    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            PROJECT_ROOT, method_map, options_map, keywords=keywords, directory_filter=visit):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        found.add((context, msgid))
    return found


def catalogue_ids(catalogue) -> set[tuple[str | None, str]]:
    return {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue if m.id}


def test_every_text_of_the_templates_and_sources_is_in_the_catalogue():
    found = source_messages()
    assert ("_macros", "Abbrechen") not in found  # sanity: the set holds (context, msgid)
    assert (None, "Abbrechen") in found  # templates/_macros is included
    assert (None, "Speichern") in found and (None, "Start") in found
    missing = sorted(found - catalogue_ids(read_catalogue()), key=str)
    assert not missing, f"not in messages.po (run `make messages` and translate): {missing}"


def test_the_catalogue_has_no_stale_entries():
    stale = sorted(catalogue_ids(read_catalogue()) - source_messages(), key=str)
    assert not stale, f"no longer used (run `make messages`): {stale}"
    assert not read_catalogue().obsolete


def test_every_entry_is_translated_and_reviewed():
    catalogue = read_catalogue()
    entries = [m for m in catalogue if m.id]
    assert len(entries) > 300
    fuzzy = [m.id for m in entries if m.fuzzy]
    untranslated = [m.id for m in entries
                    if not all(m.string if isinstance(m.string, tuple) else (m.string,))]
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert not untranslated, f"untranslated: {untranslated}"


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_translations_keep_every_placeholder():
    for m in read_catalogue():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == expected, (m.id, text)


def test_translations_contain_no_markup_characters():
    # Lazily translated form labels and hints reach the page through __html__ without escaping.
    for m in read_catalogue():
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in strings:
            if m.id:
                assert not set("<>&") & set(text), (m.id, text)
