"""The curated CPV codes and units einkauf ships with (hand-picked, German labels).

The full official CPV list is loaded with `einkauf cpv import FILE.csv`; these few codes cover
the categories of a typical municipal cooperative and the demo.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from einkauf.catalogue.models import CpvCode, Unit

# code with check digit -> German label (CPV 2008)
CURATED_CPV: dict[str, str] = {
    "18110000-3": "Berufskleidung",
    "18143000-3": "Schutzkleidung",
    "18421000-6": "Taschentücher",
    "18424000-7": "Handschuhe",
    "18831000-3": "Fußbekleidung mit Zehenschutz aus Metall",
    "22600000-6": "Tinte",
    "22816000-3": "Notizblöcke",
    "30125100-2": "Tonerpatronen",
    "30125110-5": "Toner für Laserdrucker/Fax-Geräte",
    "30192000-1": "Bürobedarf",
    "30192121-5": "Kugelschreiber",
    "30192130-1": "Bleistifte",
    "30192700-8": "Büromaterial",
    "30192800-9": "Selbstklebende Etiketten",
    "30197000-6": "Kleinere Bürobedarfsartikel",
    "30197110-0": "Heftklammern",
    "30197210-1": "Ringordner",
    "30197320-5": "Hefter",
    "30197330-8": "Locher",
    "30197630-1": "Druckpapier",
    "30197642-8": "Kopierpapier und xerografisches Papier",
    "30199000-0": "Bürobedarf aus Papier und andere Artikel",
    "30234000-8": "Speichermedien",
    "30234600-4": "Flashspeicher",
    "30237000-9": "Teile und Zubehör für Computer",
    "30237410-6": "Computermäuse",
    "30237460-1": "Computertastaturen",
    "33711900-6": "Seife",
    "33760000-5": "Toilettenpapier, Taschentücher, Handtücher und Servietten",
    "33763000-6": "Papierhandtücher",
    "33770000-8": "Hygienepapier",
    "37520000-9": "Spielwaren",
    "39112000-0": "Stühle",
    "39121100-7": "Schreibtische",
    "39130000-2": "Büromöbel",
    "39131000-9": "Büroregale",
    "39160000-1": "Schulmöbel",
    "39161000-8": "Kindergartenmöbel",
    "39162000-5": "Lehrmaterial",
    "39224000-8": "Besen, Bürsten und sonstige Artikel verschiedener Art",
    "39830000-9": "Reinigungsmittel",
    "39831300-9": "Fussbodenreiniger",
    "39832000-3": "Geschirrspülmittel",
}

# UN/ECE Rec 20 codes, and Rec 21 package codes with the X prefix (as in UBL/XRechnung).
# code -> (German label, symbol)
CURATED_UNITS: dict[str, tuple[str, str]] = {
    "H87": ("Stück", "Stk."),
    "C62": ("Einheit", ""),
    "PR": ("Paar", "Paar"),
    "SET": ("Satz", "Satz"),
    "RM": ("Ries (500 Blatt)", "Ries"),
    "DZN": ("Dutzend", "Dtzd."),
    "MIL": ("Tausend", "Tsd."),
    "KT": ("Kit", "Kit"),
    "LTR": ("Liter", "l"),
    "MLT": ("Milliliter", "ml"),
    "KGM": ("Kilogramm", "kg"),
    "GRM": ("Gramm", "g"),
    "MTR": ("Meter", "m"),
    "MTK": ("Quadratmeter", "m²"),
    "MTQ": ("Kubikmeter", "m³"),
    "HUR": ("Stunde", "h"),
    "E48": ("Leistungseinheit", "LE"),
    "XPK": ("Packung", "Pck."),
    "XPA": ("Päckchen", "Päck."),
    "XBX": ("Schachtel", "Schacht."),
    "XCT": ("Karton", "Ktn."),
    "XRO": ("Rolle", "Rl."),
    "XBO": ("Flasche", "Fl."),
    "XCA": ("Dose", "Ds."),
    "XBG": ("Beutel", "Btl."),
    "XTU": ("Tube", "Tb."),
    "XCI": ("Kanister", "Kan."),
    "XBE": ("Bündel", "Bd."),
}


def load_curated(session: Session) -> tuple[int, int]:
    """Insert the curated CPV codes and units that are missing; returns (cpv added, units added)."""
    known_cpv = set(session.scalars(select(CpvCode.code)))
    new_cpv = [CpvCode(code=c, label=label) for c, label in CURATED_CPV.items() if c not in known_cpv]
    known_units = set(session.scalars(select(Unit.code)))
    new_units = [Unit(code=c, label=label, symbol=s) for c, (label, s) in CURATED_UNITS.items() if c not in known_units]
    session.add_all([*new_cpv, *new_units])
    session.flush()
    return len(new_cpv), len(new_units)
