"""The static facts of the demo: cities, delivery sites, categories, products, accounts.

Plain data, no database: `einkauf.demo.services.load_demo` turns it into records. Prices are
reference net prices (Schätzpreise) in euro; `base_quantity` is a plausible annual demand per
100,000 inhabitants, scaled by each city's population when the demo demand is generated.
"""
from __future__ import annotations

import random
import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

DEFAULT_PASSWORD = "einkauf-demo-2027"
MAIL_DOMAIN = "einkauf.example"
DEMO_ACTOR = "demo"

# The round the demo opens.
ROUND_CODE = "2027"
ROUND_TITLE = "Bedarfsabfrage 2027"
ROUND_OPENS_ON = date(2026, 11, 2)
ROUND_DEADLINE_DAYS = 60          # the deadline is 12:00 Europe/Berlin, this many days after `now`
ROUND_CONTRACT_TERM_MONTHS = 24
ROUND_EXTENSION_MONTHS = 24
ROUND_MAX_QUANTITY_BUFFER_PCT = Decimal("20.00")

# Seed of the generator that picks and scales each city's demand lines.
DEMAND_SEED = 2027


# --- cities and delivery sites ---------------------------------------------------------------

# Kinds of delivery site; categories name the kinds that order them (see CATEGORIES).
ADMIN_OFFICE = "verwaltung"
SCHOOLS = "schule"
DAYCARE = "kita"
DEPOT = "betrieb"


class Site(NamedTuple):
    kind: str
    name: str
    street: str
    postcode: str
    cost_centre: str


class City(NamedTuple):
    name: str
    ags: str
    region: str
    population_thousands: int
    submission: str        # "submitted", "draft" or "none" in the demo round
    submitted_days_ago: int
    sites: tuple[Site, ...]


SUBMITTED = "submitted"
DRAFT = "draft"
NO_SUBMISSION = "none"

CITIES: tuple[City, ...] = (
    City("Aachen", "05334002", "Rheinland", 249, SUBMITTED, 9, (
        Site(ADMIN_OFFICE, "Verwaltungsgebäude Katschhof", "Johannes-Paul-II.-Straße 1", "52062", "KST-1010"),
        Site(SCHOOLS, "Fachbereich Kinder, Jugend und Schule", "Mozartstraße 2–10", "52064", "KST-4010"),
        Site(DEPOT, "Aachener Stadtbetrieb – Betriebshof", "Madrider Ring 20", "52078", "KST-7010"),
    )),
    City("Bielefeld", "05711000", "Westfalen", 338, SUBMITTED, 4, (
        Site(ADMIN_OFFICE, "Neues Rathaus", "Niederwall 23", "33602", "KST-1020"),
        Site(SCHOOLS, "Amt für Schule", "Ravensberger Straße 12", "33602", "KST-4020"),
        Site(DAYCARE, "Zentrale Kita-Verwaltung", "Turnerstraße 5", "33602", "KST-5120"),
    )),
    City("Bochum", "05911000", "Ruhrgebiet", 366, SUBMITTED, 12, (
        Site(ADMIN_OFFICE, "Rathaus", "Willy-Brandt-Platz 2–6", "44777", "KST-1030"),
        Site(SCHOOLS, "Schulverwaltungsamt", "Gustav-Heinemann-Platz 2", "44787", "KST-4030"),
        Site(DEPOT, "Betriebshof der Technischen Betriebe", "Hanielstraße 8", "44801", "KST-7030"),
    )),
    City("Dortmund", "05913000", "Ruhrgebiet", 595, SUBMITTED, 6, (
        Site(ADMIN_OFFICE, "Rathaus", "Friedensplatz 1", "44135", "KST-1040"),
        Site(SCHOOLS, "Schulverwaltungsamt", "Königswall 25–27", "44137", "KST-4040"),
        Site(DAYCARE, "FABIDO – Zentrale Kita-Verwaltung", "Kleppingstraße 37", "44135", "KST-5140"),
    )),
    City("Düsseldorf", "05111000", "Rheinland", 629, SUBMITTED, 2, (
        Site(ADMIN_OFFICE, "Rathaus", "Marktplatz 2", "40213", "KST-1050"),
        Site(SCHOOLS, "Schulverwaltungsamt", "Willi-Becker-Allee 10", "40227", "KST-4050"),
        Site(DEPOT, "Betriebshof Garten-, Friedhofs- und Forstamt", "Kaiserswerther Straße 390", "40474", "KST-6750"),
    )),
    City("Essen", "05113000", "Ruhrgebiet", 584, SUBMITTED, 15, (
        Site(ADMIN_OFFICE, "Rathaus", "Porscheplatz 1", "45127", "KST-1060"),
        Site(SCHOOLS, "Schulverwaltungsamt", "Hollestraße 3", "45127", "KST-4060"),
        Site(DEPOT, "Betriebshof Grün und Gruga", "Virchowstraße 167", "45147", "KST-6760"),
    )),
    City("Gelsenkirchen", "05513000", "Ruhrgebiet", 263, SUBMITTED, 7, (
        Site(ADMIN_OFFICE, "Hans-Sachs-Haus", "Ebertstraße 11", "45879", "KST-1070"),
        Site(DEPOT, "Betriebshof Gelsendienste", "Wickingstraße 25", "45891", "KST-7070"),
    )),
    City("Hagen", "05914000", "Ruhrgebiet", 190, DRAFT, 0, (
        Site(ADMIN_OFFICE, "Rathaus an der Volme", "Rathausstraße 11", "58095", "KST-1080"),
        Site(SCHOOLS, "Fachbereich Bildung", "Berliner Platz 22", "58089", "KST-4080"),
    )),
    City("Hamm", "05915000", "Ruhrgebiet", 180, NO_SUBMISSION, 0, (
        Site(ADMIN_OFFICE, "Rathaus", "Theodor-Heuss-Platz 16", "59065", "KST-1090"),
        Site(SCHOOLS, "Schulverwaltungsamt", "Gustav-Heinemann-Straße 10", "59065", "KST-4090"),
        Site(DAYCARE, "Zentrale Kita-Verwaltung", "Caldenhofer Weg 10", "59063", "KST-5190"),
    )),
    City("Köln", "05315000", "Rheinland", 1084, SUBMITTED, 3, (
        Site(ADMIN_OFFICE, "Stadthaus Deutz", "Willy-Brandt-Platz 2", "50679", "KST-1100"),
        Site(SCHOOLS, "Amt für Schulentwicklung", "Willy-Brandt-Platz 3", "50679", "KST-4100"),
        Site(DEPOT, "Betriebshof Gebäudewirtschaft", "Ostmerheimer Straße 555", "51109", "KST-6500"),
    )),
    City("Mülheim an der Ruhr", "05117000", "Ruhrgebiet", 171, NO_SUBMISSION, 0, (
        Site(ADMIN_OFFICE, "Rathaus", "Am Rathaus 1", "45468", "KST-1110"),
        Site(DAYCARE, "Zentrale Kita-Verwaltung", "Hans-Böckler-Platz 5", "45468", "KST-5110"),
    )),
    City("Münster", "05515000", "Westfalen", 320, SUBMITTED, 10, (
        Site(ADMIN_OFFICE, "Stadthaus 1", "Klemensstraße 10", "48143", "KST-1120"),
        Site(SCHOOLS, "Amt für Schule und Weiterbildung", "Hafenstraße 30", "48153", "KST-4120"),
        Site(DAYCARE, "Zentrale Kita-Verwaltung", "Ludgeriplatz 4", "48151", "KST-5121"),
    )),
    City("Wuppertal", "05124000", "Rheinland", 358, SUBMITTED, 5, (
        Site(ADMIN_OFFICE, "Rathaus Barmen", "Johannes-Rau-Platz 1", "42275", "KST-1130"),
        Site(SCHOOLS, "Schulverwaltungsamt", "Neumarkt 10", "42103", "KST-4130"),
        Site(DEPOT, "Betriebshof Gebäudemanagement", "Uellendahler Straße 400", "42109", "KST-6530"),
    )),
)


def ascii_slug(name: str) -> str:
    """'Mülheim an der Ruhr' -> 'muelheim-an-der-ruhr' (German transliteration, ASCII only)."""
    text = name.strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text)
    return text.strip("-")


def officer_email(city_name: str) -> str:
    return f"beschaffung-{ascii_slug(city_name)}@{MAIL_DOMAIN}"


# --- accounts --------------------------------------------------------------------------------

class Account(NamedTuple):
    email: str
    role: str                 # einkauf.roles.Role value
    name: str
    member_ags: str | None


def accounts() -> tuple[Account, ...]:
    """Every demo account: the cooperative's staff first, then one officer per city."""
    staff = (
        Account(f"koordination@{MAIL_DOMAIN}", "coordinator", "Koordinierungsstelle der Einkaufskooperation", None),
        Account(f"vergabe@{MAIL_DOMAIN}", "coordinator", "Vergabestelle der Einkaufskooperation", None),
        Account(f"finanzen@{MAIL_DOMAIN}", "finance", "Finanzen der Einkaufskooperation", None),
        Account(f"admin@{MAIL_DOMAIN}", "admin", "Administration", None),
    )
    officers = tuple(Account(officer_email(c.name), "officer", f"Zentrale Vergabestelle {c.name}", c.ags) for c in CITIES)
    return staff + officers


# --- catalogue -------------------------------------------------------------------------------

class CategoryData(NamedTuple):
    prefix: str               # product numbers are <prefix>-0001, <prefix>-0002, ...
    name: str
    cpv_code: str             # must be one of einkauf.catalogue.seed.CURATED_CPV
    budget_account: str       # Sachkonto the demo demand lines are booked on
    site_kinds: tuple[str, ...]   # which delivery sites order this group
    description: str


class ProductData(NamedTuple):
    short_text: str
    specification: str
    unit: str                 # must be one of einkauf.catalogue.seed.CURATED_UNITS
    price: str                # reference net price in euro, two places
    base_quantity: int        # annual demand per 100,000 inhabitants
    vat: str = "19.00"


CATEGORIES: tuple[CategoryData, ...] = (
    CategoryData("BM", "Büromaterial", "30192700-8", "5431100", (ADMIN_OFFICE, SCHOOLS),
                 "Kernsortiment Bürobedarf: Schreibgeräte, Ablage, Kleinmaterial."),
    CategoryData("PA", "Druckpapier", "30197630-1", "5431100", (ADMIN_OFFICE, SCHOOLS),
                 "Kopier- und Druckpapier, als eigenes Los neben dem Büromaterial."),
    CategoryData("TO", "Tonerpatronen", "30125100-2", "5431200", (ADMIN_OFFICE,),
                 "Toner und Trommeln für Laserdrucker, Original oder gleichwertig."),
    CategoryData("TI", "Tinte", "22600000-6", "5431200", (ADMIN_OFFICE,),
                 "Tintenpatronen für Tintenstrahldrucker, Stempel- und Schreibtinte."),
    CategoryData("IT", "Teile und Zubehör für Computer", "30237000-9", "5431300", (ADMIN_OFFICE,),
                 "Eingabegeräte, Kabel, Speichermedien und Arbeitsplatzzubehör."),
    CategoryData("RM", "Reinigungsmittel", "39830000-9", "5241100", (DEPOT, DAYCARE, SCHOOLS),
                 "Reinigungs-, Pflege- und Desinfektionsmittel sowie Reinigungszubehör."),
    CategoryData("HY", "Hygienepapier", "33770000-8", "5241100", (DEPOT, DAYCARE, SCHOOLS),
                 "Toilettenpapier, Papierhandtücher und Tücher für Spendersysteme."),
    CategoryData("BK", "Berufskleidung", "18110000-3", "5421000", (DEPOT, DAYCARE),
                 "Arbeitskleidung für Betriebshöfe, Hausmeisterdienste und Kitas."),
    CategoryData("SK", "Schutzkleidung", "18143000-3", "5421000", (DEPOT,),
                 "Persönliche Schutzausrüstung nach den einschlägigen EN-Normen."),
    CategoryData("SM", "Schulmöbel", "39160000-1", "0821000", (SCHOOLS, DAYCARE),
                 "Schüler- und Lehrermöbel sowie Kita-Möbel nach DIN EN 1729."),
    CategoryData("MO", "Büromöbel", "39130000-2", "0820000", (ADMIN_OFFICE,),
                 "Ergonomische Büroarbeitsplätze, Schränke und Besprechungsmöbel."),
    CategoryData("LM", "Lehrmaterial", "39162000-5", "5431400", (SCHOOLS, DAYCARE),
                 "Lehr- und Lernmittel; Bücher und Karten mit ermäßigtem Umsatzsteuersatz."),
)

P = ProductData

PRODUCTS: dict[str, tuple[ProductData, ...]] = {
    "BM": (
        P("Kugelschreiber, nachfüllbar, blau",
          "Druckmechanik, Schreibfarbe blau, Strichstärke M, dokumentenecht nach ISO 12757-2", "H87", "0.89", 2400),
        P("Kugelschreibermine, Großraum, blau",
          "Format G2 nach ISO 12757-2, Strichstärke M, dokumentenecht", "H87", "0.65", 1500),
        P("Gelschreiber, schwarz",
          "Gel-Tinte, Strichstärke 0,5 mm, Druckmechanik, dokumentenecht", "H87", "1.45", 600),
        P("Bleistift HB",
          "Härtegrad HB, sechskantig, Holz aus nachhaltiger Forstwirtschaft (FSC oder PEFC), ohne Lackierung", "H87", "0.32", 1200),
        P("Textmarker, 4er-Etui",
          "Keilspitze 1–5 mm, Farben gelb, grün, orange, rosa, Tinte auf Wasserbasis", "XPK", "3.49", 400),
        P("Folienstift permanent, schwarz",
          "Strichstärke F (0,6 mm), wisch- und wasserfest, schnell trocknend", "H87", "1.15", 300),
        P("Radiergummi, PVC-frei",
          "ca. 40 × 20 × 10 mm, weiß, radiert Bleistift rückstandsarm", "H87", "0.39", 500),
        P("Druckbleistift 0,5 mm",
          "Minenstärke 0,5 mm, mit Radiergummi und Clip, Minen HB nachfüllbar", "H87", "1.95", 200),
        P("Whiteboardmarker, 4er-Etui",
          "Rundspitze 2–3 mm, Farben schwarz, blau, rot, grün, trocken abwischbar, nachfüllbar", "XPK", "5.90", 150),
        P("Lineal 30 cm",
          "Kunststoff, transparent, Millimeterteilung, bruchsicher", "H87", "0.79", 150),
        P("Büroschere 21 cm",
          "rostfreie Stahlklingen, Kunststoffgriff, für Rechts- und Linkshänder", "H87", "3.20", 120),
        P("Klebestift 20 g",
          "lösungsmittelfrei, auswaschbar bei 30 °C, Hülse aus Recyclingkunststoff", "H87", "1.10", 800),
        P("Klebefilm, transparent, 19 mm × 33 m",
          "kristallklar, reißfest, auf Kern 25 mm", "XRO", "0.69", 700),
        P("Tischabroller für Klebefilm",
          "rutschfester Fuß, für Rollen bis 19 mm × 33 m, mit gezahnter Abreißkante", "H87", "4.90", 60),
        P("Heftgerät, Heftleistung 30 Blatt",
          "Ganzmetall, für Heftklammern 24/6 und 26/6, Einlegetiefe 60 mm", "H87", "8.50", 80),
        P("Heftklammern 24/6",
          "verzinkt, 1.000 Stück je Schachtel", "XBX", "0.49", 900),
        P("Enthefter",
          "Zangenform, für Heftklammern 24/6 und 26/6", "H87", "0.95", 100),
        P("Locher, Lochleistung 25 Blatt",
          "Metall, Anschlagschiene mit Formatangaben, Lochabstand 80 mm", "H87", "7.40", 70),
        P("Büroklammern 26 mm",
          "verzinkt, gewölbt, 100 Stück je Schachtel", "XBX", "0.35", 600),
        P("Foldback-Klammern 25 mm",
          "schwarz, Klemmweite bis 10 mm, 12 Stück je Schachtel", "XBX", "1.60", 150),
        P("Haftnotizen 76 × 76 mm, gelb",
          "100 Blatt je Block, wiederablösbar, 12 Blöcke je Packung", "XPK", "6.90", 350),
        P("Haftstreifen zur Markierung",
          "5 Farben à 100 Streifen, 12 × 45 mm, beschriftbar", "XPK", "2.40", 250),
        P("Ordner A4, Rückenbreite 80 mm",
          "Pappe mit Polypropylen-Bezug, Hebelmechanik, Griffloch, auswechselbares Rückenschild, blau", "H87", "2.29", 1500),
        P("Ordner A4, Rückenbreite 50 mm",
          "Pappe mit Polypropylen-Bezug, Hebelmechanik, auswechselbares Rückenschild, blau", "H87", "2.19", 800),
        P("Schnellhefter A4, Karton",
          "Manilakarton 250 g/m², kaufmännische und Behördenheftung, sortierte Farben", "H87", "0.18", 3000),
        P("Prospekthüllen A4",
          "Polypropylen 0,06 mm, oben offen, glasklar, Universallochung, 100 Stück je Packung", "XPK", "3.20", 500),
        P("Sichthüllen A4",
          "Polypropylen 0,12 mm, oben und rechts offen, glasklar, 100 Stück je Packung", "XPK", "6.80", 200),
        P("Register A4, Zahlen 1–12",
          "Kunststoff, 12-teilig, mit bedruckbarem Deckblatt", "H87", "1.35", 250),
        P("Trennstreifen, 100 Stück",
          "Recyclingkarton 190 g/m², 240 × 105 mm, zweifach gelocht, sortierte Farben", "XPK", "2.80", 200),
        P("Hängemappen für Registraturschrank",
          "Recyclingkarton 230 g/m², Einhängebreite 330 mm, 25 Stück je Packung", "XPK", "13.90", 60),
        P("Briefumschläge DIN lang mit Fenster",
          "110 × 220 mm, 80 g/m², haftklebend, Recyclingpapier mit Blauem Engel, 1.000 Stück je Karton", "XCT", "16.50", 250),
        P("Versandtaschen C4 ohne Fenster",
          "229 × 324 mm, 120 g/m², haftklebend, braun, 250 Stück je Karton", "XCT", "24.90", 60),
        P("Schreibblock A4, kariert",
          "50 Blatt, 70 g/m², Recyclingpapier mit Blauem Engel, Kopfleimung, gelocht", "H87", "0.95", 1000),
        P("Collegeblock A4, liniert",
          "80 Blatt, 70 g/m², Vierfachlochung, Spiralbindung, Recyclingpapier", "H87", "1.79", 500),
        P("Etiketten 70 × 37 mm",
          "selbstklebend, weiß, für Laser- und Tintenstrahldrucker, 2.400 Etiketten je Packung (100 Blatt A4)", "XPK", "12.90", 80),
        P("Stempelkissen, schwarz",
          "110 × 70 mm, ölfrei getränkt, Kunststoffgehäuse", "H87", "4.20", 40),
        P("Briefablage A4/C4",
          "Polystyrol, stapelbar, schwarz", "H87", "2.95", 150),
        P("Stehsammler A4",
          "Rückenbreite 70 mm, Kunststoff, mit Griffloch, grau", "H87", "2.10", 200),
        P("Gummiringe, sortiert",
          "Naturkautschuk, verschiedene Größen, 100 g je Beutel", "XBG", "1.95", 100),
        P("Korrekturroller 5 mm × 8 m",
          "seitliche Abrollung, sofort überschreibbar, lösungsmittelfrei", "H87", "1.85", 400),
    ),
    "PA": (
        P("Kopierpapier DIN A4, 80 g/m², weiß",
          "DIN A4, 80 g/m², weiß, CIE-Weiße mind. 161, FSC-zertifiziert, 500 Blatt je Ries", "RM", "4.15", 300),
        P("Recyclingpapier DIN A4, 80 g/m²",
          "DIN A4, 80 g/m², 100 % Altpapier, Blauer Engel (DE-UZ 14a), Weiße ISO 70, 500 Blatt je Ries", "RM", "3.85", 260),
        P("Kopierpapier DIN A4, 80 g/m², Karton mit 5 Ries",
          "DIN A4, 80 g/m², weiß, FSC-zertifiziert, 2.500 Blatt je Karton", "XCT", "20.40", 120),
        P("Kopierpapier DIN A3, 80 g/m², weiß",
          "DIN A3, 80 g/m², weiß, CIE-Weiße mind. 161, FSC-zertifiziert, 500 Blatt je Ries", "RM", "8.60", 40),
        P("Recyclingpapier DIN A3, 80 g/m²",
          "DIN A3, 80 g/m², 100 % Altpapier, Blauer Engel (DE-UZ 14a), 500 Blatt je Ries", "RM", "7.90", 20),
        P("Laserpapier DIN A4, 100 g/m², hochweiß",
          "DIN A4, 100 g/m², CIE-Weiße mind. 165, für Laser- und Tintenstrahldrucker, 500 Blatt je Ries", "RM", "7.20", 20),
        P("Farblaserpapier DIN A4, 160 g/m², satiniert",
          "DIN A4, 160 g/m², beidseitig satiniert, für Farblaserdrucker, 250 Blatt je Packung", "XPK", "9.90", 25),
        P("Kopierpapier farbig DIN A4, 80 g/m², Pastellfarben",
          "DIN A4, 80 g/m², fünf Pastellfarben sortiert, 500 Blatt je Ries", "RM", "6.40", 30),
        P("Karton DIN A4, 250 g/m², weiß",
          "DIN A4, 250 g/m², weiß, für Laserdrucker geeignet, 125 Blatt je Packung", "XPK", "11.50", 15),
        P("Plotterpapier, Rolle 914 mm × 50 m",
          "90 g/m², weiß, Kern 50 mm, für Tintenstrahlplotter", "XRO", "14.80", 8),
    ),
    "TO": (
        P("Tonerkartusche schwarz, für HP LaserJet Pro M404/M428 (59A)",
          "Reichweite ca. 3.000 Seiten nach ISO/IEC 19752, Original oder gleichwertig, Rücknahme der Leerkartuschen", "H87", "89.90", 40),
        P("Tonerkartusche schwarz, hohe Kapazität, für HP LaserJet Pro M404/M428 (59X)",
          "Reichweite ca. 10.000 Seiten nach ISO/IEC 19752, Original oder gleichwertig, Rücknahme der Leerkartuschen", "H87", "189.00", 20),
        P("Tonerkartusche schwarz, für HP Color LaserJet Pro M255 (207A)",
          "Reichweite ca. 1.350 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "62.50", 15),
        P("Tonerkartusche cyan, für HP Color LaserJet Pro M255 (207A)",
          "Reichweite ca. 1.250 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "69.90", 8),
        P("Tonerkartusche magenta, für HP Color LaserJet Pro M255 (207A)",
          "Reichweite ca. 1.250 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "69.90", 8),
        P("Tonerkartusche gelb, für HP Color LaserJet Pro M255 (207A)",
          "Reichweite ca. 1.250 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "69.90", 8),
        P("Tonerkartusche schwarz, für Brother HL-L2350/MFC-L2710 (TN-2420)",
          "Reichweite ca. 3.000 Seiten nach ISO/IEC 19752, Original oder gleichwertig", "H87", "64.90", 25),
        P("Trommeleinheit für Brother HL-L2350/MFC-L2710 (DR-2400)",
          "Reichweite ca. 12.000 Seiten, Original oder gleichwertig", "H87", "99.00", 8),
        P("Tonerkit schwarz, für Kyocera ECOSYS M6230/P6230 (TK-5270K)",
          "Reichweite ca. 8.000 Seiten nach ISO/IEC 19798, inkl. Resttonerbehälter, Original oder gleichwertig", "H87", "98.50", 12),
        P("Tonerkit cyan, für Kyocera ECOSYS M6230/P6230 (TK-5270C)",
          "Reichweite ca. 6.000 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "119.00", 6),
        P("Tonerkit magenta, für Kyocera ECOSYS M6230/P6230 (TK-5270M)",
          "Reichweite ca. 6.000 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "119.00", 6),
        P("Tonerkit gelb, für Kyocera ECOSYS M6230/P6230 (TK-5270Y)",
          "Reichweite ca. 6.000 Seiten nach ISO/IEC 19798, Original oder gleichwertig", "H87", "119.00", 6),
        P("Tonerkartusche schwarz, für Lexmark B2236/MB2236 (B232000)",
          "Reichweite ca. 3.000 Seiten nach ISO/IEC 19752, Original oder gleichwertig, Rücknahmeprogramm", "H87", "79.00", 10),
        P("Tonerkartusche schwarz, hohe Kapazität, für Canon i-SENSYS MF445 (057H)",
          "Reichweite ca. 10.000 Seiten nach ISO/IEC 19752, Original oder gleichwertig", "H87", "149.00", 10),
    ),
    "TI": (
        P("Tintenpatrone schwarz, für HP OfficeJet Pro 8210/8710 (953XL)",
          "Reichweite ca. 2.000 Seiten nach ISO/IEC 24711, Original oder gleichwertig", "H87", "44.90", 10),
        P("Tintenpatrone cyan, für HP OfficeJet Pro 8210/8710 (953XL)",
          "Reichweite ca. 1.600 Seiten nach ISO/IEC 24711, Original oder gleichwertig", "H87", "32.90", 6),
        P("Tintenpatrone magenta, für HP OfficeJet Pro 8210/8710 (953XL)",
          "Reichweite ca. 1.600 Seiten nach ISO/IEC 24711, Original oder gleichwertig", "H87", "32.90", 6),
        P("Tintenpatrone gelb, für HP OfficeJet Pro 8210/8710 (953XL)",
          "Reichweite ca. 1.600 Seiten nach ISO/IEC 24711, Original oder gleichwertig", "H87", "32.90", 6),
        P("Tintenpatrone schwarz, für Epson WorkForce WF-2810 (603XL)",
          "Reichweite ca. 500 Seiten nach ISO/IEC 24711, Original oder gleichwertig", "H87", "21.90", 8),
        P("Tintenpatrone schwarz, für Canon PIXMA TS8350 (PGI-580PGBK XXL)",
          "Reichweite ca. 600 Seiten nach ISO/IEC 24711, Original oder gleichwertig", "H87", "19.90", 8),
        P("Stempelfarbe schwarz, 25 ml",
          "ölfrei, für Stempelkissen ohne Gummiplatte, Flasche mit Dosierspitze", "XBO", "2.90", 40),
        P("Tintenpatronen für Füllhalter, königsblau",
          "Standardpatronen (kurz), löschbar, 6 Patronen je Schachtel", "XBX", "1.20", 200),
    ),
    "IT": (
        P("Maus, USB, optisch",
          "kabelgebunden, 3 Tasten mit Scrollrad, 1.000 dpi, symmetrisch für Rechts- und Linkshänder", "H87", "9.90", 40),
        P("Funkmaus",
          "2,4 GHz mit USB-Empfänger, 3 Tasten mit Scrollrad, Batterielaufzeit mind. 12 Monate", "H87", "19.90", 15),
        P("Tastatur USB, deutsches Layout",
          "Layout nach DIN 2137-01 (T1), flache Tasten, kabelgebunden, Kabellänge mind. 1,5 m", "H87", "18.50", 30),
        P("Tastatur-Maus-Set kabellos",
          "deutsches Layout (QWERTZ), 2,4 GHz, ein gemeinsamer USB-Empfänger", "SET", "34.90", 10),
        P("USB-Stick 32 GB, USB 3.2",
          "Lesegeschwindigkeit mind. 100 MB/s, Metallgehäuse, Öse für Schlüsselring", "H87", "7.90", 60),
        P("Externe SSD 1 TB, USB-C",
          "USB 3.2 Gen 2, Lesegeschwindigkeit mind. 1.000 MB/s, Hardware-Verschlüsselung AES-256", "H87", "89.00", 5),
        P("Headset USB, beidohrig",
          "Mikrofon mit Geräuschunterdrückung, Stummschalttaste am Kabel, für Videokonferenzen zertifiziert", "H87", "59.00", 30),
        P("Webcam Full HD",
          "1080p bei 30 Bildern/s, Autofokus, Stereomikrofon, mechanische Abdeckung, USB-A", "H87", "49.90", 10),
        P("Dockingstation USB-C",
          "2 × DisplayPort, 1 × HDMI, 4 × USB-A, Gigabit-LAN, Power Delivery 90 W", "H87", "179.00", 12),
        P("Netzwerkkabel Cat. 6a, 3 m",
          "S/FTP, RJ45, halogenfrei (LSZH), grau", "H87", "3.40", 80),
        P("HDMI-Kabel 2 m",
          "High Speed mit Ethernet, 4K bei 60 Hz, vergoldete Kontakte", "H87", "4.90", 30),
        P("Mauspad mit Handgelenkauflage",
          "Gelkissen, rutschfeste Unterseite, ca. 230 × 190 mm", "H87", "6.50", 25),
    ),
    "RM": (
        P("Allzweckreiniger, Konzentrat, 1 l",
          "pH-neutral, EU Ecolabel, Dosierung 10 ml auf 8 l Wasser, Flasche mit Dosierkammer", "XBO", "3.90", 250),
        P("Allzweckreiniger, Konzentrat, 10 l",
          "pH-neutral, EU Ecolabel, Kanister mit Auslaufhahn-Anschluss", "XCI", "28.50", 30),
        P("Sanitärreiniger",
          "auf Zitronensäurebasis, entfernt Kalk und Urinstein, EU Ecolabel, 1-l-Flasche", "LTR", "3.20", 300),
        P("Glasreiniger, gebrauchsfertig",
          "alkoholhaltig, streifenfrei, Sprühflasche 1 l", "XBO", "2.60", 150),
        P("Unterhaltsreiniger für Fußböden",
          "wischpflegend, rutschhemmend nach DIN 18032-2, für elastische Beläge und Stein", "LTR", "4.10", 400),
        P("Grundreiniger, alkalisch, 10 l",
          "für PVC, Linoleum und Stein, lösemittelfrei, Kanister", "XCI", "42.00", 10),
        P("Handgeschirrspülmittel",
          "pH-hautneutral, EU Ecolabel, Konzentrat", "LTR", "1.95", 200),
        P("Reinigertabs für Geschirrspülmaschinen",
          "phosphatfrei, wasserlösliche Folie, 100 Tabs je Packung", "XPK", "14.90", 40),
        P("Flüssigseife, Nachfüllbeutel 1 l",
          "mild, pH-hautneutral, parfümfrei, passend für Spendersysteme mit 1-l-Beuteln", "XBG", "3.40", 300),
        P("Händedesinfektionsmittel, 500 ml",
          "alkoholisch, VAH-gelistet, viruzid begrenzt, Spenderflasche", "XBO", "6.90", 120),
        P("Flächendesinfektionstücher",
          "gebrauchsfertig, alkoholisch, VAH-gelistet, 100 Tücher je Dose", "XCA", "8.70", 80),
        P("Mikrofasertücher 40 × 40 cm",
          "vier Farben für das Vier-Farben-System, waschbar bis 95 °C, 10 Stück je Packung", "XPK", "7.80", 120),
        P("Müllbeutel 120 l",
          "LDPE-Rezyklat, Stärke 60 µm, blau, 25 Stück je Rolle", "XRO", "4.60", 300),
        P("Wischmopp 40 cm",
          "Baumwolle/Polyester, Laschen- und Taschenmopp, kochfest", "H87", "5.40", 100),
    ),
    "HY": (
        P("Toilettenpapier, 3-lagig, Kleinrolle",
          "250 Blatt je Rolle, Recyclingpapier mit Blauem Engel, 72 Rollen je Karton", "XCT", "26.90", 300),
        P("Toilettenpapier, 2-lagig, Großrolle",
          "Rollendurchmesser 25 cm, 380 m je Rolle, Recyclingpapier mit Blauem Engel, 6 Rollen je Karton", "XCT", "32.50", 120),
        P("Papierhandtücher Z-Falz, 2-lagig",
          "25 × 23 cm, Recyclingpapier mit Blauem Engel, 3.200 Blatt je Karton", "XCT", "24.90", 500),
        P("Papierhandtuchrollen für Spender",
          "2-lagig, 150 m je Rolle, Recyclingpapier, 6 Rollen je Karton", "XCT", "39.90", 100),
        P("Kosmetiktücher, 2-lagig",
          "100 Tücher je Box, Zellstoff, weiß", "XBX", "0.95", 300),
        P("Putztuchrolle, 3-lagig",
          "Industrierolle, 36 cm breit, 1.000 Abrisse, Recyclingpapier", "XRO", "29.00", 40),
        P("Küchenrollen, 2-lagig",
          "64 Blatt je Rolle, Recyclingpapier mit Blauem Engel, 4 Rollen je Packung", "XPK", "2.60", 200),
        P("Servietten 33 × 33 cm, weiß",
          "3-lagig, 1/4-Falz, 250 Stück je Packung", "XPK", "4.80", 60),
        P("Hygienebeutel",
          "Polyethylen, blickdicht, 30 Beutel je Packung", "XPK", "2.30", 60),
        P("Taschentücher, 4-lagig",
          "15 Päckchen à 10 Tücher je Packung", "XPK", "2.10", 100),
    ),
    "BK": (
        P("Bundjacke",
          "65 % Polyester / 35 % Baumwolle, 285 g/m², Größen 44–64, industriewäschetauglich nach ISO 15797", "H87", "39.90", 30),
        P("Bundhose",
          "65 % Polyester / 35 % Baumwolle, 285 g/m², Kniepolstertaschen nach EN 14404, Größen 24–110", "H87", "34.90", 45),
        P("Latzhose",
          "65 % Polyester / 35 % Baumwolle, 285 g/m², verstellbare Träger, Größen 44–64", "H87", "32.50", 25),
        P("T-Shirt, Baumwolle",
          "100 % Baumwolle, 180 g/m², Rundhals, Größen S–4XL, waschbar bis 60 °C", "H87", "7.90", 120),
        P("Poloshirt",
          "50 % Baumwolle / 50 % Polyester, 200 g/m², Größen S–4XL, waschbar bis 60 °C", "H87", "14.50", 60),
        P("Kasack",
          "65 % Polyester / 35 % Baumwolle, Druckknopfleiste, zwei Seitentaschen, Größen XS–3XL, waschbar bis 60 °C", "H87", "19.90", 40),
        P("Kochjacke, weiß",
          "100 % Baumwolle, waschbar bis 95 °C, Größen 44–62", "H87", "24.90", 10),
        P("Softshelljacke",
          "wasserabweisend, winddicht, atmungsaktiv, Größen S–4XL", "H87", "59.00", 25),
        P("Fleecejacke",
          "280 g/m², Anti-Pilling-Ausrüstung, durchgehender Reißverschluss, Größen S–4XL", "H87", "27.50", 30),
        P("Arbeitskittel, weiß",
          "100 % Baumwolle, Druckknöpfe, Größen 44–64, waschbar bis 95 °C", "H87", "26.90", 15),
    ),
    "SK": (
        P("Warnschutzjacke, Klasse 3",
          "EN ISO 20471 Klasse 3, Wetterschutz nach EN 343 Klasse 3/1, fluoreszierend orange, Größen S–4XL", "H87", "69.00", 15),
        P("Warnschutzbundhose, Klasse 2",
          "EN ISO 20471 Klasse 2, orange/marine, Kniepolstertaschen, Größen 24–110", "H87", "44.90", 20),
        P("Warnweste, gelb",
          "EN ISO 20471 Klasse 2, Klettverschluss, Einheitsgröße", "H87", "2.90", 80),
        P("Sicherheitshalbschuh S3",
          "EN ISO 20345 S3 SRC, Zehenschutzkappe, durchtrittsicher, Weite 11, Größen 36–50", "PR", "69.90", 30),
        P("Sicherheitsstiefel S3",
          "EN ISO 20345 S3 SRC, Zehenschutzkappe, durchtrittsicher, gefüttert, Größen 38–48", "PR", "89.00", 15),
        P("Schutzhandschuhe, Nitril beschichtet",
          "EN 388 4121, Strickbund, Größen 7–11", "PR", "1.85", 600),
        P("Einmalhandschuhe Nitril, puderfrei",
          "EN 455, EN ISO 374-5, Größen S–XL, 100 Stück je Schachtel", "XBX", "5.90", 250),
        P("Schutzbrille, klar",
          "EN 166 1 F, kratzfest und beschlagfrei beschichtet, Seitenschutz", "H87", "4.50", 40),
        P("Gehörschutzstöpsel",
          "EN 352-2, SNR 37 dB, 200 Paar je Spenderbox", "XBX", "29.00", 10),
        P("Schutzhelm",
          "EN 397, belüftet, Ratschenverstellung, weiß", "H87", "12.90", 15),
    ),
    "SM": (
        P("Schülertisch, Einzeltisch, höhenverstellbar",
          "70 × 50 cm, Größen 4–7 nach DIN EN 1729-1, Platte HPL-beschichtet, Stahlrohrgestell", "H87", "149.00", 30),
        P("Schülertisch, Zweiertisch, höhenverstellbar",
          "130 × 50 cm, Größen 4–7 nach DIN EN 1729-1, Platte HPL-beschichtet, Stahlrohrgestell", "H87", "189.00", 30),
        P("Schülerstuhl, höhenverstellbar",
          "Vierfußgestell, Sitzschale Buche-Formholz, Größen 4–7 nach DIN EN 1729-1", "H87", "89.00", 60),
        P("Lehrertisch 130 × 65 cm",
          "Höhe 76 cm, Platte HPL-beschichtet, Kabeldurchlass, Stahlrohrgestell", "H87", "229.00", 4),
        P("Lehrerstuhl",
          "Vierfußgestell, Sitz und Rücken gepolstert, Stoff abwaschbar, stapelbar", "H87", "139.00", 4),
        P("Kita-Tisch rund, Ø 100 cm",
          "Höhe 52 cm, Buche-Multiplex, Kanten mit ABS-Umleimer, DIN EN 1729 Größe 2", "H87", "219.00", 5),
        P("Kita-Stuhl, Sitzhöhe 31 cm",
          "Buche massiv, stapelbar, DIN EN 1729 Größe 2", "H87", "59.00", 20),
        P("Garderobenbank mit Hakenleiste",
          "Breite 120 cm, 6 Doppelhaken, Schuhrost, Buche", "H87", "249.00", 4),
        P("Stapelstuhl für Mensa",
          "Kunststoffsitzschale, Stahlrohrgestell, bis 8 Stück stapelbar, Sitzhöhe 46 cm", "H87", "49.90", 20),
        P("Materialschrank mit Flügeltüren",
          "100 × 50 × 190 cm, 4 Fachböden, abschließbar, Korpus Buche-Dekor", "H87", "459.00", 3),
    ),
    "MO": (
        P("Bürodrehstuhl",
          "DIN EN 1335, Synchronmechanik, Sitztiefenverstellung, Lordosenstütze, höhenverstellbare Armlehnen", "H87", "289.00", 20),
        P("Schreibtisch, elektrisch höhenverstellbar",
          "160 × 80 cm, Höhe 65–125 cm, DIN EN 527-1, Memory-Funktion, Kollisionsschutz", "H87", "549.00", 8),
        P("Schreibtisch 160 × 80 cm",
          "Höhe 72 cm, C-Fuß-Gestell, Platte Ahorn-Dekor, DIN EN 527-1", "H87", "239.00", 6),
        P("Rollcontainer",
          "3 Schubladen und Utensilienschub, Zentralverschluss, Tiefe 60 cm", "H87", "179.00", 10),
        P("Aktenschrank, 5 Ordnerhöhen",
          "80 × 42 × 190 cm, Flügeltüren, abschließbar, 4 Fachböden", "H87", "329.00", 6),
        P("Regal, 5 Ordnerhöhen, Stahl",
          "80 × 35 × 190 cm, 5 Fachböden, Tragkraft 80 kg je Boden, lichtgrau", "H87", "159.00", 5),
        P("Besucherstuhl, Vierfuß",
          "Sitz und Rücken gepolstert, Armlehnen, stapelbar bis 4 Stück", "H87", "89.00", 15),
        P("Besprechungstisch 180 × 90 cm",
          "Höhe 74 cm, Vierfußgestell, Platte Ahorn-Dekor", "H87", "349.00", 3),
        P("Fußstütze, ergonomisch",
          "neigungs- und höhenverstellbar, rutschfeste Oberfläche, DIN 4556", "H87", "29.90", 10),
        P("Monitorarm für zwei Bildschirme",
          "VESA 75/100, Gasdruckfedern, Tragkraft bis 8 kg je Arm, Tischklemme", "H87", "119.00", 8),
    ),
    "LM": (
        P("Duden – Die deutsche Rechtschreibung",
          "aktuelle Auflage, gebunden, Preis nach Buchpreisbindung", "H87", "28.04", 20, "7.00"),
        P("Schulatlas, Weltatlas für die Sekundarstufe",
          "aktuelle Ausgabe, gebunden, Preis nach Buchpreisbindung", "H87", "34.53", 15, "7.00"),
        P("Schulwörterbuch Englisch–Deutsch",
          "aktuelle Auflage, kartoniert, Preis nach Buchpreisbindung", "H87", "13.97", 15, "7.00"),
        P("Wandkarte Deutschland, physisch",
          "Maßstab 1:750.000, beidseitig foliert, mit Stäben und Aufhängung", "H87", "89.00", 2, "7.00"),
        P("Taschenrechner, wissenschaftlich",
          "mind. 240 Funktionen, zweizeiliges Display, Solar- und Batteriebetrieb, für die Sekundarstufe I", "H87", "11.90", 40),
        P("Geodreieck 16 cm",
          "bruchsicher, mit abnehmbarem Griff, Facettenkante", "H87", "1.20", 100),
        P("Zirkel mit Schnellverstellung",
          "Metall, Radius bis 15 cm, mit Ersatzminen", "H87", "4.90", 40),
        P("Rechenrahmen mit 100 Kugeln",
          "Holzrahmen, 10 Stäbe mit je 10 Kugeln in zwei Farben", "H87", "9.90", 10),
    ),
}

del P


def product_number(prefix: str, position: int) -> str:
    return f"{prefix}-{position:04d}"


# --- demand ------------------------------------------------------------------------------------

class PlannedLine(NamedTuple):
    ags: str
    product_number: str
    site_name: str
    quantity: Decimal
    cost_centre: str
    budget_account: str


# Share of the catalogue (in %) a city orders: a submitted demand is nearly complete, a draft
# is still being filled in.
CATALOGUE_SHARE_SUBMITTED = 85
CATALOGUE_SHARE_DRAFT = 35


def planned_demand() -> tuple[PlannedLine, ...]:
    """The demo's demand lines, the same on every call (seeded generator, exact arithmetic).

    A city orders a product at every delivery site whose kind the category names (or at its
    first site when none fits), in a quantity proportional to its population, ±30 %.
    """
    rng = random.Random(DEMAND_SEED)
    lines: list[PlannedLine] = []
    for city in CITIES:
        if city.submission == NO_SUBMISSION:
            continue
        share = CATALOGUE_SHARE_SUBMITTED if city.submission == SUBMITTED else CATALOGUE_SHARE_DRAFT
        for category in CATEGORIES:
            sites = [s for s in city.sites if s.kind in category.site_kinds] or [city.sites[0]]
            for position, product in enumerate(PRODUCTS[category.prefix], start=1):
                if rng.randrange(100) >= share:
                    continue
                for site in sites:
                    jitter = rng.randint(70, 130)
                    raw = Decimal(product.base_quantity) * city.population_thousands * jitter / (100 * 100 * len(sites))
                    quantity = max(Decimal(1), raw.quantize(Decimal(1), rounding=ROUND_HALF_UP))
                    lines.append(PlannedLine(city.ags, product_number(category.prefix, position), site.name,
                                             quantity, site.cost_centre, category.budget_account))
    return tuple(lines)


# --- the finished tender of the previous round 2025 (issue 13) ----------------------------------
# The round 2025 is closed; its lots were tendered EU-wide, the bids opened by both coordinators,
# checked, evaluated and every lot awarded — the whole cycle, for newcomers and for the contracts.

PREVIOUS_ROUND_CODE = "2025"
PREVIOUS_ROUND_TITLE = "Bedarfsabfrage 2025"
PREVIOUS_OPENS_ON = date(2024, 11, 4)
PREVIOUS_DEADLINE = (2025, 1, 15, 12, 0)          # Europe/Berlin
PREVIOUS_CLOSED = (2025, 1, 16, 9, 0)
PREVIOUS_LOTS_BUILT = (2025, 1, 20, 10, 0)
PREVIOUS_PUBLICATION = date(2025, 2, 3)
PREVIOUS_SUBMISSION_DEADLINE = (2025, 3, 14, 12, 0)
PREVIOUS_OPENING = (2025, 3, 14, 14, 0)
PREVIOUS_DECISION = (2025, 3, 24, 10, 0)
# 2025's demand: the cities that submitted in 2027, each line at 90 % of its 2027 quantity.
PREVIOUS_QUANTITY_SHARE = Decimal("0.90")
PRICE_SEED = 2025


class BidderData(NamedTuple):
    name: str
    address: str
    vat_digits: str           # the first eight digits of a German USt-IdNr.; the check digit is computed
    email: str
    price_level: int          # % of the reference price, before the jitter per position and lot
    lots: str                 # "all", or the first N lots as "first:N"
    note: str                 # what the demo shows with this bidder


BIDDERS = (
    BidderData("Bürowelt Rhein-Ruhr GmbH", "Hafenstraße 12\n47119 Duisburg", "81234567",
               "ausschreibung@buerowelt-rhein-ruhr.example", 95, "all", "wins most lots"),
    BidderData("Papierhaus Westfalen KG", "Ludgeristraße 40\n48143 Münster", "12398765",
               "angebote@papierhaus-westfalen.example", 97, "all", "a close second"),
    BidderData("Schreibwaren Krämer e. K.", "Elberfelder Straße 8\n58095 Hagen", "27461538",
               "info@kraemer-hagen.example", 94, "first:2", "incomplete in its first lot: excluded"),
    BidderData("Office Direkt Nord AG", "Am Bahnhof 3\n33602 Bielefeld", "30571929",
               "vertrieb@office-direkt-nord.example", 104, "all", "abnormally low in one lot"),
)
# The bidder and lot (1-based lot index) with the abnormally low offer, and its price level (%):
# more than 20 % below the next bid (R18). It is awarded with the recorded clarification.
ABNORMAL_BIDDER = "Office Direkt Nord AG"
ABNORMAL_LOT_INDEX = 3
ABNORMAL_PRICE_LEVEL = 68
ABNORMAL_CLARIFICATION = ("Aufklärung nach § 60 VgV: Der Bieter hat seine Kalkulation vorgelegt. Er räumt ein "
                          "Auslaufsortiment zu Einstandspreisen und bindet die Preise vertraglich für die "
                          "gesamte Laufzeit; die Lieferfähigkeit ist durch Lagerbestände belegt. Der Preis ist "
                          "auskömmlich, das Angebot wird gewertet.")
INCOMPLETE_BIDDER = "Schreibwaren Krämer e. K."
INCOMPLETE_MISSING = 3            # positions without a price in its first lot
