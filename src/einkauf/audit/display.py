"""How audit events read in German: labels for actions, record types and fields, and the
before/after values of a change as text. Pure functions over plain data (no Flask, no SQL).

The labels are German, marked with N_ / NP_ (einkauf.texts) for the message catalogue. Each
function takes an optional `translate` (the viewer passes einkauf.i18n.translate_label), so
the English page shows English labels; dates and numbers in before/after values keep the
German notation, and stored summaries stay as they were written.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from einkauf.berlin import BERLIN
from einkauf.texts import N_, NP_

Translate = Callable[[str], str]


def keep_german(text: str) -> str:
    """The default `translate`: labels stay German (tests, logs)."""
    return text


ENTITY_LABELS = {
    "user": N_("Zugang"),
    "member": N_("Mitglied"),
    "delivery_site": N_("Lieferstelle"),
    "round": N_("Bedarfsabfrage"),
    "category": N_("Warengruppe"),
    "product": NP_("singular", "Artikel"),  # the catalogue pages use "Artikel" as a plural
    "unit": N_("Mengeneinheit"),
    "cpv": N_("CPV-Code"),
    "cpv_code": N_("CPV-Code"),
    "submission": N_("Bedarfsmeldung"),
    "demand_line": N_("Bedarfsposition"),
    "lot": N_("Los"),
    "lot_plan": N_("Losplanung"),
    "lot_position": N_("LV-Position"),
    "allocation": N_("Zuordnung"),
    "tender": N_("Vergabeverfahren"),
    "document": N_("Dokument"),
    "export": N_("Export"),
    "setting": N_("Einstellung"),
    "demo": N_("Demodaten"),
    "threshold": N_("Schwellenwert"),
    "catalogue": N_("Katalog"),
    "bid": N_("Angebot"),
    "bidder": N_("Bieter"),
    "framework": N_("Rahmenvertrag"),
    "customer_number": N_("Kundennummer"),
    "sales_report": N_("Umsatzmeldung"),
    "lot_rules": N_("Losregeln"),
}

# Actions whose label is not "<object> <verb>" (bids, awards, frameworks …), written out whole.
ACTION_LABELS = {
    "bid.check": N_("Angebot geprüft"),
    "bid.imported": N_("Preisblatt eines Angebots eingelesen"),
    "bid.prices": N_("Preise eines Angebots erfasst"),
    "bid.quality": N_("Qualität eines Angebots bewertet"),
    "bid.received": N_("Angebot eingegangen"),
    "bid.replaced": N_("Angebot ersetzt"),
    "bid.updated": N_("Angebot geändert"),
    "bidder.create": N_("Bieter angelegt"),
    "bids.opened": N_("Angebote geöffnet"),
    "customer_number.set": N_("Kundennummer zugeordnet"),
    "framework.create": N_("Rahmenvertrag angelegt"),
    "framework.option": N_("Verlängerungsoption entschieden"),
    "lot.award": N_("Zuschlag erteilt"),
    "lot.cancel": N_("Los aufgehoben"),
    "lot.contract": N_("Vertragsschluss erfasst"),
    "lot.draw": N_("Losentscheid erfasst"),
    "lot_rules.update": N_("Losregeln geändert"),
    "round.extend": N_("Abgabefrist verlängert"),
    "sales_report.import": N_("Umsatzmeldung eingelesen"),
    "tender.cancel": N_("Vergabeverfahren aufgehoben"),
    "tender.documents": N_("Vergabeunterlagen erzeugt"),
    "tender.inform": N_("Bieter informiert (§ 134 GWB)"),
    "tender.texts": N_("Texte der Vergabeunterlagen geändert"),
    "user.session_end": N_("Sitzung beendet"),
}

VERB_LABELS = {
    "create": N_("angelegt"),
    "update": N_("geändert"),
    "delete": N_("gelöscht"),
    "sign_in": N_("Anmeldung"),
    "sign_out": N_("Abmeldung"),
    "password": N_("Passwort neu gesetzt"),
    "activate": N_("aktiviert"),
    "deactivate": N_("deaktiviert"),
    "open": NP_("action", "geöffnet"),  # the round list uses "geöffnet" as a state
    "close": N_("geschlossen"),
    "reopen": N_("wieder geöffnet"),
    "submit": N_("eingereicht"),
    "withdraw": N_("zurückgezogen"),
    "import": N_("importiert"),
    "export": N_("exportiert"),
    "build": N_("gebildet"),
    "freeze": N_("eingefroren"),
    "generate": N_("erzeugt"),
    "download": N_("heruntergeladen"),
    "load": N_("geladen"),
    "seed": N_("Grundausstattung geladen"),
}

# Actions that read as a noun on their own ('Anmeldung', not 'Zugang Anmeldung').
_NOUN_VERBS = {"sign_in", "sign_out", "password"}

FIELD_LABELS = {
    "email": N_("E-Mail-Adresse"),
    "name": N_("Name"),
    "role": N_("Rolle"),
    "member_id": N_("Mitglied"),
    "active": N_("Aktiv"),
    "locale": N_("Sprache"),
    "version": N_("Version"),
    "ags": N_("AGS"),
    "region": N_("Region"),
    "street": N_("Straße"),
    "postcode": N_("PLZ"),
    "city": N_("Ort"),
    "code": N_("Kennung"),
    "title": N_("Titel"),
    "opens_on": N_("Beginn"),
    "deadline": N_("Frist"),
    "contract_term_months": N_("Vertragslaufzeit (Monate)"),
    "extension_months": N_("Verlängerungsoptionen (Monate)"),
    "max_quantity_buffer_pct": N_("Puffer Höchstmenge (%)"),
    "value_basis": N_("Maßgeblicher Wert"),
    "opened_at": N_("Geöffnet am"),
    "closed_at": N_("Geschlossen am"),
    "submitted_at": N_("Eingereicht am"),
    "cpv_code": N_("CPV-Code"),
    "sort_order": N_("Reihenfolge"),
    "category_id": N_("Warengruppe"),
    "number": N_("Artikelnummer"),
    "short_text": N_("Kurztext"),
    "specification": N_("Mindestanforderungen"),
    "unit_code": N_("Mengeneinheit"),
    "reference_price": N_("Schätzpreis (netto)"),
    "vat_rate": N_("USt.-Satz (%)"),
    "product_id": NP_("singular", "Artikel"),
    "quantity": N_("Menge"),
    "delivery_site_id": N_("Lieferstelle"),
    "cost_centre": N_("Kostenstelle"),
    "budget_account": N_("Sachkonto"),
    "note": N_("Bemerkung"),
    "reason": N_("Begründung"),
    "label": N_("Bezeichnung"),
    "status": N_("Status"),
    "members": N_("Mitglieder"),
    "delivery_sites": N_("Lieferstellen"),
    "categories": N_("Warengruppen"),
    "products": N_("Artikel"),
    "users": N_("Zugänge"),
    "submitted": N_("Eingereichte Bedarfsmeldungen"),
    "drafts": N_("Bedarfsmeldungen im Entwurf"),
    "demand_lines": N_("Bedarfspositionen"),
    "added": N_("Neu"),
    "updated": N_("Aktualisiert"),
    "sha256": "SHA-256",
    "lines": N_("Positionen"),
    "participates": N_("Teilnahme"),
    "estimated_value": N_("Geschätzter Wert (€)"),
    "source": N_("Quelle"),
    "reopened_until": N_("Wieder geöffnet bis"),
    "category": N_("Warengruppe"),
    "amount": N_("Betrag (€)"),
    "valid_from": N_("Gültig ab"),
    "valid_to": N_("Gültig bis"),
    "kind": N_("Art"),
    "maximum_total": N_("Höchstwert (€)"),
    "additional_cpv_codes": N_("Weitere CPV-Codes"),
    "annual_total": N_("Jahreswert (€)"),
    "award_criteria": N_("Zuschlagskriterien"),
    "base_ends_on": N_("Ende der Grundlaufzeit"),
    "bid_count": N_("Angebote"),
    "bid_id": N_("Angebot"),
    "bidder_id": N_("Bieter"),
    "deadline_justification": N_("Begründung der Frist"),
    "electronic_submission": N_("Elektronische Abgabe"),
    "estimated_total": N_("Geschätzter Auftragswert (€)"),
    "excluded_lines": N_("Nicht ausgeschriebene Positionen"),
    "excluded_products": N_("Nicht ausgeschriebene Artikel"),
    "late_count": N_("Verspätete Angebote"),
    "lot_plan": N_("Losplanung"),
    "maximum_value": N_("Wert zu Höchstmengen (€)"),
    "merge_groups": N_("Zusammengelegte Warengruppen"),
    "net_total": N_("Nettosumme (€)"),
    "off_contract_rows": N_("Zeilen außerhalb des Vertrags"),
    "plan_id": N_("Losplanung"),
    "positions_on_page": N_("Positionen auf der Seite"),
    "price_method": N_("Preisbewertung"),
    "prices_in_lot": N_("Preise im Los"),
    "prices_on_page": N_("Preise auf der Seite"),
    "publication_date": N_("Veröffentlichung"),
    "question_deadline": N_("Frist für Bieterfragen"),
    "reason_code": N_("Ausschlussgrund"),
    "reason_text": N_("Begründung"),
    "received_at": N_("Eingegangen am"),
    "region_split": N_("Gebietslose"),
    "sales_report": N_("Umsatzmeldung"),
    "scoring_formula": N_("Wertungsformel"),
    "split_value": N_("Teillose ab Wert (€)"),
    "starts_on": N_("Beginn der Laufzeit"),
    "submission_deadline": N_("Angebotsfrist"),
    "vat_id": N_("USt-IdNr."),
}

# Stored state values of a field as a German reader knows them (never "draft → submitted").
VALUE_LABELS = {
    "status": {"draft": N_("Entwurf"), "submitted": N_("abgegeben"), "open": NP_("action", "geöffnet"),
               "closed": N_("geschlossen"), "active": N_("aktiv"), "cancelled": N_("aufgehoben")},
    "decision": {"admitted": N_("zugelassen"), "excluded": N_("ausgeschlossen"), "pending": N_("offen")},
    "outcome": {"awarded": N_("Zuschlag"), "cancelled": N_("aufgehoben")},
    "channel": {"electronic": N_("elektronisch"), "post": N_("per Post")},
}

ROLE_LABELS = {
    "officer": N_("Beschaffungsstelle"),
    "coordinator": N_("Koordination"),
    "finance": N_("Finanzen"),
    "admin": N_("Administration"),
}

_DECIMAL_RE = re.compile(r"^-?\d+\.\d+$", re.ASCII)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", re.ASCII)


def entity_label(entity_type: str, translate: Translate = keep_german) -> str:
    """'member' → 'Mitglied'; unknown types are shown as they are."""
    label = ENTITY_LABELS.get(entity_type)
    return translate(label) if label is not None else entity_type


def action_label(action: str, translate: Translate = keep_german) -> str:
    """'user.update' → 'Zugang geändert'; unknown actions are shown as they are."""
    if action in ACTION_LABELS:
        return translate(ACTION_LABELS[action])
    entity, _, verb = action.rpartition(".")
    if not entity or verb not in VERB_LABELS:
        return action
    if verb in _NOUN_VERBS:
        return translate(VERB_LABELS[verb])
    entity_text = ENTITY_LABELS.get(entity)
    if entity_text is None:
        return action
    return f"{translate(entity_text)} {translate(VERB_LABELS[verb])}"


def field_label(field: str, translate: Translate = keep_german) -> str:
    label = FIELD_LABELS.get(field)
    return translate(label) if label is not None else field


def _german_decimal(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    grouped = f"{int(integer):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}"


def format_value(field: str, value: Any, member_names: Mapping[int, str] | None = None,
                 translate: Translate = keep_german) -> str:
    """A stored before/after value as a German reader expects it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return translate(N_("ja")) if value else translate(N_("nein"))
    if field == "role" and isinstance(value, str):
        return translate(ROLE_LABELS[value]) if value in ROLE_LABELS else value
    if field in VALUE_LABELS and isinstance(value, str) and value in VALUE_LABELS[field]:
        return translate(VALUE_LABELS[field][value])
    if field == "member_id" and isinstance(value, int) and member_names is not None:
        return member_names[value] if value in member_names else translate(N_("Nr. %(n)s")) % {"n": value}
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
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")
        return value
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(field, v, member_names, translate) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k, translate)}: {format_value(k, v, member_names, translate)}"
                         for k, v in value.items())
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
    translate: Translate = keep_german,
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
            label=field_label(field, translate),
            old=format_value(field, before[field], member_names, translate) if field in before else None,
            new=format_value(field, after[field], member_names, translate) if field in after else None,
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
