"""Forms of the catalogue: one per use case, German messages (translated lazily), every field capped."""
from __future__ import annotations

import unicodedata
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in its stubs yet
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from einkauf.catalogue.seed import CURATED_UNITS
from einkauf.catalogue.services import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    PRICE_MAX,
    PRODUCT_NUMBER_MAX,
    PRODUCT_NUMBER_PATTERN,
    PRODUCT_SHORT_TEXT_MAX,
    PRODUCT_SPECIFICATION_MAX,
    SORT_ORDER_MAX,
)
from einkauf.formatting import format_decimal_de
from einkauf.forms import (
    CleanStringField,
    CleanTextAreaField,
    EinkaufForm,
    GermanDecimalField,
    at_most_characters,
)

VAT_CHOICES = [("19.00", "19 %"), ("7.00", "7 %"), ("0.00", "0 %")]
COMMON_UNITS = _l("Gebräuchliche Mengeneinheiten")
OTHER_UNITS = _l("Weitere Mengeneinheiten (UN/ECE-Empfehlung 20)")


def choices(pairs, optgroup: str | None = None) -> list[SelectChoice]:
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


class NoControlCharacters:
    """Refuse control characters in what the user sent (tabs and line breaks are fine).

    The clean fields would silently drop them; refusing says clearly that the input was odd.
    """

    message = _l("Bitte keine Steuerzeichen verwenden.")

    def __call__(self, form, field) -> None:
        raw = field.raw_data[0] if field.raw_data else ""
        if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in str(raw)):
            raise ValidationError(self.message)


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=at_most_characters(maximum))


def _version_present(form, field) -> None:
    """The version the user started from travels in a hidden field (optimistic locking, R11)."""
    value = (field.data or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise ValidationError(gettext("Die Versionsangabe des Formulars fehlt. Bitte laden Sie die Seite neu."))


def version_field() -> HiddenField:
    return HiddenField(validators=[_version_present])


def _select(label, message, **kwargs) -> SelectField:
    return SelectField(label, choices=[], validate_choice=True, invalid_choice_message=message,  # type: ignore[call-arg]  # WTForms 3.3
                       validators=[InputRequired(message)], **kwargs)


class CategoryForm(EinkaufForm):
    name = CleanStringField(_l("Name"), validators=[
        DataRequired(_l("Bitte geben Sie einen Namen ein.")), NoControlCharacters(), _length(CATEGORY_NAME_MAX)],
        render_kw={"maxlength": CATEGORY_NAME_MAX, "autocomplete": "off"})
    cpv_code = CleanStringField(
        _l("CPV-Code"),
        validators=[DataRequired(_l("Bitte geben Sie einen CPV-Code ein.")), NoControlCharacters(), _length(20)],
        description=_l("Hauptgegenstand der Warengruppe, z. B. 30192000-1 (Bürobedarf). "
                       "Ohne Prüfziffer (30192000) wird der passende Code ergänzt."),
        render_kw={"maxlength": 20, "autocomplete": "off", "spellcheck": "false"})
    sort_order = GermanDecimalField(
        _l("Reihenfolge"), places=0, minimum=Decimal(0), maximum=Decimal(SORT_ORDER_MAX),
        validators=[InputRequired(_l("Bitte geben Sie eine Reihenfolge an (0 oder größer)."))],
        description=_l("Ganze Zahl ab 0; bestimmt die Reihenfolge der Lose."), default=Decimal(0))
    description = CleanTextAreaField(_l("Beschreibung"), validators=[NoControlCharacters(),
                                                                     _length(CATEGORY_DESCRIPTION_MAX)],
                                     render_kw={"rows": 4, "maxlength": CATEGORY_DESCRIPTION_MAX})
    active = BooleanField(_l("Aktiv (neuen Artikeln zuordenbar)"), default=True)
    version = version_field()
    submit = SubmitField(_l("Speichern"))

    def fill_from(self, category) -> None:
        self.name.data = category.name
        self.cpv_code.data = category.cpv_code
        self.sort_order.data = Decimal(category.sort_order)
        self.description.data = category.description
        self.active.data = category.active
        self.version.data = str(category.version)

    def values(self) -> dict:
        """The plain values the service takes."""
        return {
            "name": self.name.data,
            "cpv_code": self.cpv_code.data,
            "sort_order": int(self.sort_order.data),
            "description": self.description.data or "",
            "active": bool(self.active.data),
        }


class NewCategoryForm(CategoryForm):
    version = None  # type: ignore[assignment]  # removes the field: nothing to lock on a new record


class ProductForm(EinkaufForm):
    category_id = _select(_l("Warengruppe"), _l("Bitte wählen Sie eine Warengruppe."))
    number = CleanStringField(_l("Artikelnummer"), validators=[
        DataRequired(_l("Bitte geben Sie eine Artikelnummer ein.")), NoControlCharacters(),
        _length(PRODUCT_NUMBER_MAX),
        Regexp(PRODUCT_NUMBER_PATTERN, message=_l("Nur Buchstaben A–Z, Ziffern und . _ / - ; am Anfang ein "
                                                  "Buchstabe oder eine Ziffer."))],
        description=_l("Eindeutig, z. B. BM-0001."),
        render_kw={"maxlength": PRODUCT_NUMBER_MAX, "autocomplete": "off", "spellcheck": "false"})
    short_text = CleanStringField(_l("Kurztext"), validators=[
        DataRequired(_l("Bitte geben Sie einen Kurztext ein.")), NoControlCharacters(),
        _length(PRODUCT_SHORT_TEXT_MAX)],
        render_kw={"maxlength": PRODUCT_SHORT_TEXT_MAX})
    specification = CleanTextAreaField(
        _l("Leistungsbeschreibung (Mindestanforderungen)"),
        validators=[NoControlCharacters(), _length(PRODUCT_SPECIFICATION_MAX)],
        render_kw={"rows": 8, "maxlength": PRODUCT_SPECIFICATION_MAX})
    unit_code = _select(_l("Mengeneinheit"), _l("Bitte wählen Sie eine Mengeneinheit."))
    reference_price = GermanDecimalField(
        _l("Schätzpreis netto je Einheit (€)"), places=2, minimum=Decimal(0), maximum=PRICE_MAX,
        validators=[InputRequired(_l("Bitte geben Sie einen Schätzpreis ein."))],
        description=_l("Zum Beispiel 1.234,56 – höchstens zwei Nachkommastellen."))
    vat_rate = SelectField(  # type: ignore[call-arg]  # invalid_choice_message: WTForms 3.3, not in the stubs
        _l("Umsatzsteuersatz"), choices=choices(VAT_CHOICES), validate_choice=True,
                           invalid_choice_message=_l("Bitte wählen Sie einen Umsatzsteuersatz."), default="19.00",
                           validators=[InputRequired(_l("Bitte wählen Sie einen Umsatzsteuersatz."))])
    active = BooleanField(_l("Aktiv"), default=True)
    version = version_field()
    submit = SubmitField(_l("Speichern"))

    def set_choices(self, categories: list[tuple[str, str]], units: list[tuple[str, str]]) -> None:
        placeholder = SelectChoice("", gettext("– bitte wählen –"))
        self.category_id.choices = [placeholder, *choices(categories)]
        common = [u for u in units if u[0] in CURATED_UNITS]
        other = [u for u in units if u[0] not in CURATED_UNITS]
        if common and other:  # with the full Rec 20 list loaded, the familiar units come first
            # Group names as plain text: the select widget groups options by comparing them.
            self.unit_code.choices = [placeholder, *choices(common, str(COMMON_UNITS)),
                                      *choices(other, str(OTHER_UNITS))]
        else:
            self.unit_code.choices = [placeholder, *choices(units)]

    def fill_from(self, product) -> None:
        self.category_id.data = str(product.category_id)
        self.number.data = product.number
        self.short_text.data = product.short_text
        self.specification.data = product.specification
        self.unit_code.data = product.unit_code
        self.reference_price.data = product.reference_price
        self.vat_rate.data = f"{product.vat_rate:.2f}"
        self.active.data = product.active
        self.version.data = str(product.version)

    def keep_vat_choice(self, rate: Decimal) -> None:
        """A stored rate outside 19/7/0 % stays selectable when editing."""
        value = f"{rate:.2f}"
        if value not in {v for v, _ in VAT_CHOICES}:
            self.vat_rate.choices = [*choices(VAT_CHOICES), SelectChoice(value, f"{format_decimal_de(rate, 2)} %")]

    def values(self) -> dict:
        return {
            "category_id": int(self.category_id.data),
            "number": self.number.data,
            "short_text": self.short_text.data,
            "specification": self.specification.data or "",
            "unit_code": self.unit_code.data,
            "reference_price": self.reference_price.data,
            "vat_rate": Decimal(self.vat_rate.data),
            "active": bool(self.active.data),
        }


class NewProductForm(ProductForm):
    version = None  # type: ignore[assignment]  # removes the field (WTForms' way)
