"""Catalogue services: CPV codes, units, categories (Warengruppen) and products (Artikel).

Plain functions verb_noun(session, actor, ...). They raise domain errors with German
messages, write an AuditEvent for every change (R10) and never commit: the request or the
CLI command that called them commits once at its end.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from einkauf.actor import Actor
from einkauf.audit.services import record_event, snapshot
from einkauf.catalogue.codes import (
    CPV_LABEL_MAX,
    UNIT_LABEL_MAX,
    UNIT_SYMBOL_MAX,
    is_cpv_format,
    parse_cpv_input,
    shown,
)
from einkauf.catalogue.models import Category, CpvCode, Product, Unit
from einkauf.catalogue.seed import CURATED_UNITS, load_curated
from einkauf.errors import InvalidField, NotFound, StaleVersion, UnknownCpvCode, ValidationFailed
from einkauf.formatting import format_number_de
from einkauf.money import round_money

CATEGORY_NAME_MAX = 200
CATEGORY_DESCRIPTION_MAX = 5000
SORT_ORDER_MAX = 1_000_000
PRODUCT_NUMBER_MAX = 30
PRODUCT_SHORT_TEXT_MAX = 200
PRODUCT_SPECIFICATION_MAX = 5000
PRICE_MAX = Decimal("1000000.00")
VAT_MAX = Decimal("100.00")
CHUNK = 1000

CATEGORY_FIELDS = ("name", "cpv_code", "sort_order", "description", "active")
PRODUCT_FIELDS = ("category_id", "number", "short_text", "specification", "unit_code",
                  "reference_price", "vat_rate", "active")

# Product numbers are codes (R12): ASCII letters and digits and . _ / - ; they start with a
# letter or digit, so an export can never read one as a formula, and comparing them without
# regard to case works alike on SQLite (whose lower() folds only ASCII) and PostgreSQL.
PRODUCT_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


# --- small validators shared by the services -------------------------------------------------

def _text(value: Any, field: str, label: tuple[str, str], maximum: int, *, required: bool,
          multiline: bool = False) -> str:
    """Trimmed NFC text; control characters (other than line breaks and tabs in multi-line
    text) are refused, not silently dropped. label = (nominative, accusative) in German."""
    text = unicodedata.normalize("NFC", str(value if value is not None else "")).strip()
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise InvalidField(field, f"{label[0]} enthält Steuerzeichen. Bitte entfernen Sie sie.")
    if required and not text:
        raise InvalidField(field, f"Bitte geben Sie {label[1]} an.")
    if len(text) > maximum:
        raise InvalidField(field, f"{label[0]} darf höchstens {format_number_de(maximum, 0)} Zeichen lang sein.")
    return text


def _int(value: Any, field: str, label: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidField(field, f"{label} muss eine ganze Zahl sein.")
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
        raise InvalidField(field, f"{label} muss eine ganze Zahl sein.")
    number = int(value)
    if number < minimum or number > maximum:
        raise InvalidField(field, f"{label} muss zwischen {format_number_de(minimum, 0)} und "
                                  f"{format_number_de(maximum, 0)} liegen.")
    return number


def _decimal(value: Any, field: str, label: str, maximum: Decimal) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidField(field, f"{label}: Bitte geben Sie eine Zahl ein.") from exc
    if isinstance(value, float) or not number.is_finite():
        raise InvalidField(field, f"{label}: Bitte geben Sie eine Zahl ein.")
    if number < 0:
        raise InvalidField(field, f"{label} darf nicht negativ sein.")
    if number > maximum:
        raise InvalidField(field, f"{label} darf höchstens {format_number_de(maximum)} betragen.")
    return round_money(number) + 0  # + 0 turns -0.00 into 0.00


def _version(value: Any) -> int:
    try:
        return int(str(value).strip()) if str(value).strip().isascii() else -1
    except ValueError:
        return -1


# --- CPV codes -------------------------------------------------------------------------------

def resolve_cpv_code(session: Session, text: str) -> CpvCode:
    """Find the CPV code a user typed, by looking it up in the loaded list.

    Accepts '30192000-1' or '30192000' (without check digit, resolved to the one matching
    entry), with surrounding whitespace. The check digit is never computed: only codes in the
    official list are valid. Raises UnknownCpvCode with a German message naming the input.
    """
    parsed = parse_cpv_input(text)
    if parsed is None:
        raise UnknownCpvCode(f"„{shown(text or '')}“ ist kein CPV-Code. Bitte im Format 30192000-1 angeben.")
    if parsed.code is not None:
        found = session.get(CpvCode, parsed.code)
        if found is None:
            raise UnknownCpvCode(f"Den CPV-Code {parsed.code} gibt es im CPV-Verzeichnis nicht. "
                                 "Bitte prüfen Sie den Code oder schlagen Sie ihn im CPV-Verzeichnis nach.")
        return found
    candidates = list(session.scalars(
        select(CpvCode).where(CpvCode.code.in_([f"{parsed.digits}-{d}" for d in range(10)]))
    ))
    if not candidates:
        raise UnknownCpvCode(f"Den CPV-Code {parsed.digits} gibt es im CPV-Verzeichnis nicht. "
                             "Bitte prüfen Sie den Code oder schlagen Sie ihn im CPV-Verzeichnis nach.")
    if len(candidates) > 1:  # pragma: no cover - the official list has one entry per 8 digits
        raise UnknownCpvCode(f"Der CPV-Code {parsed.digits} ist ohne Prüfziffer nicht eindeutig. "
                             "Bitte geben Sie ihn mit Prüfziffer an.")
    return candidates[0]


def import_cpv_codes(session: Session, rows: Iterable[tuple[str, str]], *, actor: Actor = "cli") -> tuple[int, int]:
    """Upsert the official CPV list: insert new codes, update changed labels.

    Set-based: one read of the existing codes, then inserts and updates as executemany in
    chunks. Codes missing from the file stay (categories may refer to them). Raises
    ValidationFailed — before changing anything — if a row is malformed. Returns (added, updated).
    """
    wanted: dict[str, str] = {}
    for code, label in rows:
        code, label = str(code).strip(), str(label).strip()
        if not is_cpv_format(code):
            raise ValidationFailed(f"„{shown(code)}“ ist kein CPV-Code im Format 12345678-9.")
        if not label or len(label) > CPV_LABEL_MAX:
            raise ValidationFailed(f"Die Bezeichnung zu {code} fehlt oder ist länger als {CPV_LABEL_MAX} Zeichen.")
        wanted[code] = label
    existing = dict(session.execute(select(CpvCode.code, CpvCode.label)).tuples().all())
    new = [{"code": c, "label": label} for c, label in wanted.items() if c not in existing]
    changed = [{"code": c, "label": label} for c, label in wanted.items() if c in existing and existing[c] != label]
    for start in range(0, len(new), CHUNK):
        session.execute(insert(CpvCode), new[start:start + CHUNK])
    for start in range(0, len(changed), CHUNK):
        session.execute(update(CpvCode), changed[start:start + CHUNK])  # bulk UPDATE by primary key
    if new or changed:
        record_event(session, actor, "cpv.import", "cpv_code", "",
                     summary=f"CPV-Verzeichnis geladen: {len(wanted)} Codes, {len(new)} neu, "
                             f"{len(changed)} aktualisiert",
                     after={"total": len(wanted), "added": len(new), "updated": len(changed)})
    return len(new), len(changed)


def count_cpv_codes(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CpvCode)) or 0


def cpv_query(search: str = "") -> Select:
    """CPV codes matching a code prefix or a word of the label, ordered by code."""
    stmt = select(CpvCode)
    term = (search or "").strip()[:100]
    if term:
        digits = term.replace("-", "")
        if digits.isascii() and digits.isdigit():
            stmt = stmt.where(CpvCode.code.startswith(term, autoescape=True))
        else:
            stmt = stmt.where(func.lower(CpvCode.label).contains(term.lower(), autoescape=True))
    return stmt.order_by(CpvCode.code)


# --- units -----------------------------------------------------------------------------------

def import_units(session: Session, rows: Iterable[tuple[str, str, str]], *, actor: Actor = "cli") -> tuple[int, int]:
    """Upsert UN/ECE Rec 20 units (code, English name, symbol).

    Codes of the curated German list keep their German label and symbol. Returns (added, updated).
    """
    wanted: dict[str, tuple[str, str]] = {}
    for code, label, symbol in rows:
        code, label, symbol = str(code).strip(), str(label).strip(), str(symbol or "").strip()
        if not code or len(code) > 3 or not label or len(label) > UNIT_LABEL_MAX:
            raise ValidationFailed(f"Ungültige Mengeneinheit „{shown(code)}“.")
        wanted[code] = CURATED_UNITS.get(code, (label, symbol[:UNIT_SYMBOL_MAX]))
    existing = {code: (label, symbol) for code, label, symbol in session.execute(
        select(Unit.code, Unit.label, Unit.symbol)).tuples()}
    new = [{"code": c, "label": label, "symbol": s} for c, (label, s) in wanted.items() if c not in existing]
    changed = [{"code": c, "label": label, "symbol": s} for c, (label, s) in wanted.items()
               if c in existing and existing[c] != (label, s)]
    for start in range(0, len(new), CHUNK):
        session.execute(insert(Unit), new[start:start + CHUNK])
    for start in range(0, len(changed), CHUNK):
        session.execute(update(Unit), changed[start:start + CHUNK])
    if new or changed:
        record_event(session, actor, "unit.import", "unit", "",
                     summary=f"Mengeneinheiten geladen: {len(wanted)} Codes, {len(new)} neu, "
                             f"{len(changed)} aktualisiert",
                     after={"total": len(wanted), "added": len(new), "updated": len(changed)})
    return len(new), len(changed)


def seed_catalogue(session: Session, *, actor: Actor = "cli") -> tuple[int, int]:
    """Load the curated CPV codes and units that are missing (idempotent). Returns (cpv added, units added)."""
    cpv_added, units_added = load_curated(session)
    if cpv_added or units_added:
        record_event(session, actor, "catalogue.seed", "catalogue", "",
                     summary=f"Grunddaten geladen: {cpv_added} CPV-Codes, {units_added} Mengeneinheiten",
                     after={"cpv_added": cpv_added, "units_added": units_added})
    return cpv_added, units_added


def unit_choices(session: Session) -> list[tuple[str, str]]:
    """(code, 'Stück (H87)') for every unit: the curated German units first, then the rest by name."""
    units = session.execute(select(Unit.code, Unit.label)).tuples().all()
    curated = sorted((u for u in units if u[0] in CURATED_UNITS), key=lambda u: u[1].lower())
    others = sorted((u for u in units if u[0] not in CURATED_UNITS), key=lambda u: (u[1].lower(), u[0]))
    return [(code, f"{label} ({code})") for code, label in curated + others]


# --- categories ------------------------------------------------------------------------------

def get_category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise NotFound("Die Warengruppe gibt es nicht.")
    return category


def category_query(search: str = "") -> Select:
    """Categories by sort order, optionally matching a name or CPV code."""
    stmt = select(Category).options(joinedload(Category.cpv))
    term = (search or "").strip()[:100]
    if term:
        stmt = stmt.where(or_(func.lower(Category.name).contains(term.lower(), autoescape=True),
                              Category.cpv_code.contains(term, autoescape=True)))
    return stmt.order_by(Category.sort_order, Category.name, Category.id)


def product_counts(session: Session, category_ids: Sequence[int]) -> dict[int, int]:
    """Number of products per category, for the given categories (one GROUP BY query)."""
    if not category_ids:
        return {}
    rows = session.execute(
        select(Product.category_id, func.count(Product.id))
        .where(Product.category_id.in_(list(category_ids)))
        .group_by(Product.category_id)
    ).tuples()
    return dict(rows.all())  # dict(result) would take the Result for a mapping (it has keys())


def category_choices(session: Session, include_id: int | None = None, *,
                     only_active: bool = True) -> list[tuple[str, str]]:
    """(id, 'Name (CPV)') of the categories by sort order: the active ones (plus include_id, so
    an inactive category stays selectable on its products), or all of them."""
    stmt = select(Category.id, Category.name, Category.cpv_code).order_by(Category.sort_order, Category.name)
    if only_active:
        condition: ColumnElement[bool] = Category.active.is_(True)
        if include_id is not None:
            condition = or_(condition, Category.id == include_id)
        stmt = stmt.where(condition)
    return [(str(i), f"{name} ({cpv})") for i, name, cpv in session.execute(stmt).tuples()]


def _category_values(session: Session, name, cpv_code, sort_order, description, active,
                     exclude_id: int | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _text(name, "name", ("Der Name", "den Namen"), CATEGORY_NAME_MAX, required=True),
        "sort_order": _int(sort_order, "sort_order", "Die Reihenfolge", 0, SORT_ORDER_MAX),
        "description": _text(description, "description", ("Die Beschreibung", "eine Beschreibung"),
                             CATEGORY_DESCRIPTION_MAX, required=False, multiline=True),
        "active": bool(active),
    }
    try:
        values["cpv_code"] = resolve_cpv_code(session, cpv_code).code
    except UnknownCpvCode as exc:
        exc.field = "cpv_code"  # type: ignore[attr-defined]
        raise
    _ensure_unique_category_name(session, values["name"], exclude_id)
    return values


def _ensure_unique_category_name(session: Session, name: str, exclude_id: int | None) -> None:
    # Compared in Python: SQLite's lower() folds only ASCII, and "BÜRO" must clash with "Büro"
    # on both backends. The table holds tens or hundreds of rows, not thousands.
    wanted = name.casefold()
    for other_id, other_name in session.execute(select(Category.id, Category.name)).tuples():
        if other_id != exclude_id and other_name.casefold() == wanted:
            raise InvalidField("name", f"Eine Warengruppe „{other_name}“ gibt es bereits. "
                                       "Bitte wählen Sie einen anderen Namen.")


def create_category(session: Session, actor: Actor, *, name: str, cpv_code: str, sort_order: int = 0,
                    description: str = "", active: bool = True) -> Category:
    """Create a category (Warengruppe) with one main CPV code from the official list."""
    values = _category_values(session, name, cpv_code, sort_order, description, active)
    category = Category(**values, version=1)
    try:
        with session.begin_nested():
            session.add(category)
            session.flush()
    except IntegrityError as exc:  # a parallel request took the name first
        raise InvalidField("name", f"Eine Warengruppe „{values['name']}“ gibt es bereits.") from exc
    record_event(session, actor, "category.create", "category", category.id,
                 summary=f"Warengruppe „{category.name}“ angelegt",
                 after=snapshot(category, CATEGORY_FIELDS))
    return category


def update_category(session: Session, actor: Actor, category_id: int, *, version: int, name: str, cpv_code: str,
                    sort_order: int, description: str = "", active: bool = True) -> Category:
    """Change a category if nobody saved it since `version` was read (R11); increments the version."""
    category = get_category(session, category_id)
    expected = _version(version)
    if category.version != expected:
        raise StaleVersion()
    values = _category_values(session, name, cpv_code, sort_order, description, active, exclude_id=category.id)
    before = snapshot(category, CATEGORY_FIELDS)
    if all(before[f] == snapshot_value for f, snapshot_value in _plain_values(values).items()):
        return category  # nothing changed: no new version, no audit event
    _conditional_update(session, Category, category, expected, values,
                        duplicate=InvalidField("name", f"Eine Warengruppe „{values['name']}“ gibt es bereits."))
    record_event(session, actor, "category.update", "category", category.id,
                 summary=f"Warengruppe „{category.name}“ geändert",
                 before=before, after=snapshot(category, CATEGORY_FIELDS))
    return category


def _plain_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def _conditional_update(session: Session, model, record, expected_version: int, values: dict[str, Any],
                        duplicate: ValidationFailed) -> None:
    """UPDATE … WHERE id = :id AND version = :version; no row updated means a stale version."""
    stmt = (update(model).where(model.id == record.id, model.version == expected_version)
            .values(**values, version=expected_version + 1)
            .execution_options(synchronize_session=False))
    try:
        with session.begin_nested():
            result = cast(CursorResult[Any], session.execute(stmt))  # an UPDATE: rowcount
    except IntegrityError as exc:
        raise duplicate from exc
    if result.rowcount != 1:
        session.refresh(record)
        raise StaleVersion()
    session.refresh(record)


# --- products --------------------------------------------------------------------------------

def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound("Den Artikel gibt es nicht.")
    return product


def product_query(search: str = "", category_id: int | None = None) -> Select:
    """Products ordered by number, optionally matching number or short text, within a category."""
    stmt = select(Product).options(joinedload(Product.category), joinedload(Product.unit))
    term = (search or "").strip()[:100]
    if term:
        stmt = stmt.where(or_(func.lower(Product.number).contains(term.lower(), autoescape=True),
                              func.lower(Product.short_text).contains(term.lower(), autoescape=True)))
    if category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    return stmt.order_by(Product.number, Product.id)


def _product_values(session: Session, category_id, number, short_text, specification, unit_code,
                    reference_price, vat_rate, active, exclude_id: int | None = None) -> dict[str, Any]:
    number = _text(number, "number", ("Die Artikelnummer", "die Artikelnummer"), PRODUCT_NUMBER_MAX, required=True)
    if not PRODUCT_NUMBER_PATTERN.match(number):
        raise InvalidField("number", "Die Artikelnummer darf nur Buchstaben A–Z, Ziffern und . _ / - enthalten "
                                     "und muss mit einem Buchstaben oder einer Ziffer beginnen.")
    values = {
        "number": number,
        "short_text": _text(short_text, "short_text", ("Der Kurztext", "den Kurztext"), PRODUCT_SHORT_TEXT_MAX,
                            required=True),
        "specification": _text(specification, "specification",
                               ("Die Leistungsbeschreibung", "die Leistungsbeschreibung"),
                               PRODUCT_SPECIFICATION_MAX, required=False, multiline=True),
        "reference_price": _decimal(reference_price, "reference_price", "Der Schätzpreis", PRICE_MAX),
        "vat_rate": _decimal(vat_rate, "vat_rate", "Der Umsatzsteuersatz", VAT_MAX),
        "active": bool(active),
    }
    valid_id = isinstance(category_id, int) and not isinstance(category_id, bool) and 0 < category_id < 2**31
    category = session.get(Category, category_id) if valid_id else None
    if category is None:
        raise InvalidField("category_id", "Bitte wählen Sie eine vorhandene Warengruppe.")
    values["category_id"] = category.id
    unit = session.get(Unit, str(unit_code or "").strip())
    if unit is None:
        raise InvalidField("unit_code", f"Die Mengeneinheit „{shown(unit_code or '')}“ gibt es nicht.")
    values["unit_code"] = unit.code
    stmt = select(Product.id).where(func.lower(Product.number) == number.lower())
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise InvalidField("number", f"Die Artikelnummer {number} ist bereits vergeben.")
    return values


def create_product(session: Session, actor: Actor, *, category_id: int, number: str, short_text: str,
                   unit_code: str, reference_price: Decimal, vat_rate: Decimal = Decimal("19.00"),
                   specification: str = "", active: bool = True) -> Product:
    """Create a catalogue product (Artikel). Prices are rounded half-up to cents."""
    values = _product_values(session, category_id, number, short_text, specification, unit_code,
                             reference_price, vat_rate, active)
    product = Product(**values, version=1)
    try:
        with session.begin_nested():
            session.add(product)
            session.flush()
    except IntegrityError as exc:
        raise InvalidField("number", f"Die Artikelnummer {values['number']} ist bereits vergeben.") from exc
    record_event(session, actor, "product.create", "product", product.id,
                 summary=f"Artikel {product.number} „{product.short_text}“ angelegt",
                 after=snapshot(product, PRODUCT_FIELDS))
    return product


def update_product(session: Session, actor: Actor, product_id: int, *, version: int, category_id: int, number: str,
                   short_text: str, unit_code: str, reference_price: Decimal, vat_rate: Decimal,
                   specification: str = "", active: bool = True) -> Product:
    """Change a product if nobody saved it since `version` was read (R11); increments the version."""
    product = get_product(session, product_id)
    expected = _version(version)
    if product.version != expected:
        raise StaleVersion()
    values = _product_values(session, category_id, number, short_text, specification, unit_code,
                             reference_price, vat_rate, active, exclude_id=product.id)
    before = snapshot(product, PRODUCT_FIELDS)
    if all(before[f] == v for f, v in _plain_values(values).items()):
        return product
    _conditional_update(session, Product, product, expected, values,
                        duplicate=InvalidField("number", f"Die Artikelnummer {values['number']} ist bereits vergeben."))
    record_event(session, actor, "product.update", "product", product.id,
                 summary=f"Artikel {product.number} „{product.short_text}“ geändert",
                 before=before, after=snapshot(product, PRODUCT_FIELDS))
    return product
