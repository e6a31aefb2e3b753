"""Form base class and fields shared by every domain (German decimals, clean text)."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in its stubs yet
from wtforms.widgets import TextInput

from einkauf.formatting import format_decimal_de
from einkauf.i18n import current_language, number
from einkauf.texts import N_

# Plain German text (tests and logs compare it); translated when it is put on the form.
CSRF_EXPIRED = N_("Ihre Sitzung ist abgelaufen oder das Formular war zu lange geöffnet. Ihre Eingaben sind "
                  "erhalten – bitte prüfen Sie sie und senden Sie das Formular erneut.")

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """Strip, normalise to NFC and remove control characters (tabs and newlines only in multi-line text)."""
    if value is None:
        return ""
    value = unicodedata.normalize("NFC", str(value))
    value = _CONTROL_RE.sub("", value)
    if not multiline:
        value = value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    else:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


class EinkaufForm(FlaskForm):
    """FlaskForm whose CSRF failures read as a German message and keep the user's input."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        csrf_field = getattr(self, "csrf_token", None)
        if csrf_field is not None and csrf_field.errors:
            csrf_field.errors = [gettext(CSRF_EXPIRED)]
        return ok


class CleanStringField(StringField):
    """A single-line text field: control characters removed, whitespace trimmed."""

    data: str  # after a post always a string (clean_text turns a missing value into "")

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean_text(self.data)


class CleanTextAreaField(TextAreaField):
    data: str  # after a post always a string, as in CleanStringField

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = clean_text(self.data, multiline=True)


_GERMAN_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^\d+([.,]\d+)?$")


def parse_decimal_de(text: str, places: int) -> Decimal:
    """Read a decimal as German users type it.

    The comma is the decimal separator and dots group thousands ('1.234,56'); a number with
    a single dot and no comma that is not a thousands group ('12.5') is read with the dot as
    decimal point. Only ASCII digits; no signs, exponents, NaN or infinities. More places than
    allowed is an error, not a silent rounding.
    """
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not raw:
        raise ValueError(gettext("Bitte geben Sie eine Zahl ein."))
    if not raw.isascii():
        raise ValueError(gettext("Bitte nur die Ziffern 0–9 verwenden."))
    if _GERMAN_GROUPED.match(raw):
        normalised = raw.replace(".", "").replace(",", ".")
    elif _PLAIN.match(raw):
        normalised = raw.replace(",", ".")
    else:
        raise ValueError(gettext("Bitte eine Zahl wie 1.234,56 eingeben (ohne Vorzeichen)."))
    try:
        value = Decimal(normalised)
    except InvalidOperation as exc:  # pragma: no cover - regexes admit only valid numbers
        raise ValueError(gettext("Keine gültige Zahl.")) from exc
    if len(normalised.replace(".", "")) > 18:
        raise ValueError(gettext("Die Zahl ist zu groß."))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValueError(
            gettext("Bitte keine Nachkommastellen angeben.") if places == 0
            else gettext("Bitte höchstens %(n)s Nachkommastellen angeben.", n=places)
        )
    return value


def display_number(value: Decimal | int) -> str:
    """A number in a message: German notation (1.234,56) unless the UI is English (1,234.56)."""
    value = Decimal(value)
    if current_language() != "en":
        return format_decimal_de(value, 0)
    exponent = value.as_tuple().exponent
    return number(value, -exponent if isinstance(exponent, int) and exponent < 0 else 0)


def at_most_characters(maximum: int) -> LazyString:
    """The message of a length cap, e.g. 'Höchstens 5.000 Zeichen.' (translated when shown)."""
    return _l("Höchstens %(n)s Zeichen.", n=LazyString(display_number, maximum))


class GermanDecimalField(Field):
    """A decimal input read per parse_decimal_de, with optional bounds (inclusive)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, places: int = 2, minimum: Decimal | int | None = Decimal(0),
                 maximum: Decimal | int | None = None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "decimal")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.minimum = minimum
        self.maximum = maximum
        self._raw: str | None = None

    def _value(self) -> str:
        if self._raw is not None:
            return self._raw
        return format_decimal_de(self.data, self.places) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self._raw = (valuelist[0] or "")[:40]
        if not self._raw.strip():
            self.data = None
            return
        try:
            value = parse_decimal_de(self._raw, self.places)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from exc
        if self.minimum is not None and value < self.minimum:
            self.data = None
            raise ValueError(gettext("Der Wert darf nicht kleiner als %(n)s sein.", n=display_number(self.minimum)))
        if self.maximum is not None and value > self.maximum:
            self.data = None
            raise ValueError(gettext("Der Wert darf nicht größer als %(n)s sein.", n=display_number(self.maximum)))
        self.data = value


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]
