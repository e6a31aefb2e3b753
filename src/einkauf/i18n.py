"""Locale selection, message catalogues and de-DE formatting for templates.

Message ids are the German UI texts; translations/en holds the English catalogue. The
compiled .mo files are build output: compile_catalogues() writes them when missing or older
than their .po source (make does the same through pybabel).

Where texts are translated:
- templates: `_()` / `ngettext()`;
- form labels, descriptions and validator messages (defined at import time):
  `lazy_gettext as _l`, translated when the form is rendered or validated;
- flash messages and messages built in views: `gettext`;
- module-level tables that other code compares or prints (navigation, roles, audit labels,
  error pages): plain German marked with `N_()` (einkauf.texts), translated where shown.
Refresh the catalogue after changing texts with `make messages` (pybabel extract with
--ignore-dirs, else templates/_macros is skipped; then pybabel update), translate the new
entries in translations/en/LC_MESSAGES/messages.po and remove their fuzzy flags;
tests/web/test_i18n.py fails while an entry is missing, empty or fuzzy.
Domain errors raised by services (DomainError.message) and CLI output stay German.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, has_request_context, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    get_locale,
    gettext,
    pgettext,
)
from flask_login import current_user

from einkauf.berlin import BERLIN
from einkauf.config import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"


def compile_catalogues(directory: Path = TRANSLATIONS) -> None:
    for po_path in directory.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        tmp = mo_path.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo_path)


def select_locale() -> str:
    if not has_request_context():  # e.g. a CLI command inside an app context: German
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """'de' or 'en' for the current request; German outside a request."""
    locale = get_locale()
    return locale.language if locale is not None else "de"


def translate_label(text: str) -> str:
    """Translate a German label marked with N_ or NP_ (einkauf.texts), honouring its context."""
    context = getattr(text, "context", None)
    return pgettext(context, str(text)) if context else gettext(text)


def money(value: Decimal | None, currency: str = "EUR") -> str:
    """1.234,56 € in German."""
    if value is None:
        return "–"
    return format_currency(Decimal(value), currency)


def number(value: Decimal | int | None, places: int | None = None) -> str:
    if value is None:
        return "–"
    if places is None:
        return format_decimal(Decimal(value), format="#,##0.###")
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(value), format=pattern)


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date()
    return format_date(value, "medium" if str(get_locale()) != "de" else "dd.MM.yyyy")


def moment(value: datetime | None) -> str:
    """Date and time in Europe/Berlin, e.g. 31.01.2027, 12:00 Uhr (English: Jan 31, 2027, 12:00 PM)."""
    if value is None:
        return "–"
    if str(get_locale()) == "de":
        return format_datetime(value, "dd.MM.yyyy, HH:mm 'Uhr'")
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BERLIN)
    return f"{format_date(local.date(), 'medium')}, {format_time(value, 'short')}"


def register(app) -> None:
    app.jinja_env.filters.update(money=money, number=number, day=day, moment=moment)
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["request_path"] = lambda: request.full_path.rstrip("?")
