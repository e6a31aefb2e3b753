"""How audit events read in German: labels for actions, record types and fields, and the
before/after values of a change as text. Pure functions over plain data (no Flask, no SQL)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

ENTITY_LABELS = {
    "user": "Zugang",
    "member": "Mitglied",
    "delivery_site": "Lieferstelle",
    "round": "Bedarfsabfrage",
    "category": "Warengruppe",
    "product": "Artikel",
    "unit": "Mengeneinheit",
    "cpv": "CPV-Code",
    "cpv_code": "CPV-Code",
    "submission": "Bedarfsmeldung",
    "demand_line": "Bedarfsposition",
    "lot": "Los",
    "lot_plan": "Losplanung",
    "lot_position": "LV-Position",
    "allocation": "Zuordnung",
    "tender": "Vergabeverfahren",
    "document": "Dokument",
    "export": "Export",
    "setting": "Einstellung",
    "demo": "Demodaten",
    "catalogue": "Katalog",
}

VERB_LABELS = {
    "create": "angelegt",
    "update": "geändert",
    "delete": "gelöscht",
    "sign_in": "Anmeldung",
    "sign_out": "Abmeldung",
    "password": "Passwort neu gesetzt",
    "activate": "aktiviert",
    "deactivate": "deaktiviert",
    "open": "geöffnet",
    "close": "geschlossen",
    "reopen": "wieder geöffnet",
    "submit": "eingereicht",
    "withdraw": "zurückgezogen",
    "import": "importiert",
    "export": "exportiert",
    "build": "gebildet",
    "freeze": "eingefroren",
    "generate": "erzeugt",
    "download": "heruntergeladen",
    "load": "geladen",
    "seed": "Grundausstattung geladen",
}

# Actions that read as a noun on their own ('Anmeldung', not 'Zugang Anmeldung').
_NOUN_VERBS = {"sign_in", "sign_out", "password"}

FIELD_LABELS = {
    "email": "E-Mail-Adresse",
    "name": "Name",
    "role": "Rolle",
    "member_id": "Mitglied",
    "active": "Aktiv",
    "locale": "Sprache",
    "version": "Version",
    "ags": "AGS",
    "region": "Region",
    "street": "Straße",
    "postcode": "PLZ",
    "city": "Ort",
    "code": "Kennung",
    "title": "Titel",
    "opens_on": "Beginn",
    "deadline": "Frist",
    "contract_term_months": "Vertragslaufzeit (Monate)",
    "extension_months": "Verlängerungsoptionen (Monate)",
    "max_quantity_buffer_pct": "Puffer Höchstmenge (%)",
    "opened_at": "Geöffnet am",
    "closed_at": "Geschlossen am",
    "submitted_at": "Eingereicht am",
    "cpv_code": "CPV-Code",
    "sort_order": "Reihenfolge",
    "category_id": "Warengruppe",
    "number": "Artikelnummer",
    "short_text": "Kurztext",
    "specification": "Mindestanforderungen",
    "unit_code": "Mengeneinheit",
    "reference_price": "Schätzpreis (netto)",
    "vat_rate": "USt.-Satz (%)",
    "product_id": "Artikel",
    "quantity": "Menge",
    "delivery_site_id": "Lieferstelle",
    "cost_centre": "Kostenstelle",
    "budget_account": "Sachkonto",
    "note": "Bemerkung",
    "reason": "Begründung",
    "label": "Bezeichnung",
    "status": "Status",
    "members": "Mitglieder",
    "delivery_sites": "Lieferstellen",
    "categories": "Warengruppen",
    "products": "Artikel",
    "users": "Zugänge",
    "submitted": "Eingereichte Bedarfsmeldungen",
    "drafts": "Bedarfsmeldungen im Entwurf",
    "demand_lines": "Bedarfspositionen",
    "added": "Neu",
    "updated": "Aktualisiert",
    "sha256": "SHA-256",
}

ROLE_LABELS = {
    "officer": "Beschaffungsstelle",
    "coordinator": "Koordination",
    "finance": "Finanzen",
    "admin": "Administration",
}

_DECIMAL_RE = re.compile(r"^-?\d+\.\d+$", re.ASCII)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", re.ASCII)


def entity_label(entity_type: str) -> str:
    """'member' → 'Mitglied'; unknown types are shown as they are."""
    return ENTITY_LABELS.get(entity_type, entity_type)


def action_label(action: str) -> str:
    """'user.update' → 'Zugang geändert'; unknown actions are shown as they are."""
    entity, _, verb = action.rpartition(".")
    if not entity or verb not in VERB_LABELS:
        return action
    if verb in _NOUN_VERBS:
        return VERB_LABELS[verb]
    entity_text = ENTITY_LABELS.get(entity)
    if entity_text is None:
        return action
    return f"{entity_text} {VERB_LABELS[verb]}"


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def _german_decimal(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    grouped = "{:,}".format(int(integer)).replace(",", ".")
    return f"{sign}{grouped},{fraction}"


def format_value(field: str, value: Any, member_names: Mapping[int, str] | None = None) -> str:
    """A stored before/after value as a German reader expects it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if field == "role" and isinstance(value, str):
        return ROLE_LABELS.get(value, value)
    if field == "member_id" and isinstance(value, int) and member_names is not None:
        return member_names.get(value, f"Nr. {value}")
    if isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str):
        if _DECIMAL_RE.match(value):
            return _german_decimal(value)
        if _DATE_RE.match(value):
            try:
                return date.fromisoformat(value).strftime("%d.%m.%Y")
            except ValueError:
                return value
        if _DATETIME_RE.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")
        return value
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(field, v, member_names) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k)}: {format_value(k, v, member_names)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class Change:
    """One field of a change: old is None when the field did not exist before (a creation),
    new is None when it does not exist afterwards (a deletion)."""

    field: str
    label: str
    old: str | None
    new: str | None


def describe_changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    member_names: Mapping[int, str] | None = None,
) -> list[Change]:
    """The fields of an event's before/after, in a stable order, as German text."""
    before = before or {}
    after = after or {}
    fields = list(before) + [k for k in after if k not in before]
    changes = []
    for field in fields:
        if field in before and field in after and before[field] == after[field]:
            continue
        changes.append(Change(
            field=field,
            label=field_label(field),
            old=format_value(field, before[field], member_names) if field in before else None,
            new=format_value(field, after[field], member_names) if field in after else None,
        ))
    return changes


def member_ids_in(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> set[int]:
    """The member ids a change mentions (to look their names up once per page)."""
    ids = set()
    for values in (before or {}, after or {}):
        value = values.get("member_id")
        if isinstance(value, int) and not isinstance(value, bool):
            ids.add(value)
    return ids
