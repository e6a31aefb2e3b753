"""Forms of the lot plan page."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectField, SubmitField
from wtforms.validators import Length, Optional, Regexp

from einkauf.catalogue.models import Category
from einkauf.forms import CleanStringField, CleanTextAreaField, EinkaufForm, GermanDecimalField, select_choices
from einkauf.lots.rules_page import CategoryRuleInput
from einkauf.lots.services import NATIONAL_PROCEDURES
from einkauf.rounds.forms import GermanDateField

# Proposed planned publication date: two weeks from today (German calendar day).
PUBLICATION_LEAD_DAYS = 14


def default_publication_date(today: date | None = None) -> date:
    """Today (in Germany) plus two weeks: the planned publication date until the coordinator picks one."""
    from einkauf import clock

    return (today or clock.today_berlin()) + timedelta(days=PUBLICATION_LEAD_DAYS)


class PublicationDateForm(EinkaufForm):
    """The planned publication date that picks the EU threshold (a GET form: nothing changes)."""

    publication_date = GermanDateField(_l("Geplanter Veröffentlichungstag"), validators=[Optional()],
                                       name="veroeffentlichung", default=default_publication_date)

    class Meta:
        csrf = False


# More rows than a catalogue will ever have categories; posted rows beyond it are ignored.
MAX_CATEGORY_ROWS = 5000


class CategoryRuleForm(Form):
    """One category's row of the lot rules: its merge group and whether it is split by region."""

    category_id = HiddenField(validators=[Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Warengruppe."))])
    group = CleanStringField(_l("Zusammenlegen (Gruppe)"), validators=[
        Optional(), Regexp(r"^[0-9]{1,2}\Z", message=_l("Bitte eine Gruppennummer von 1 bis 99 angeben."))],
        render_kw={"inputmode": "numeric", "maxlength": 2, "autocomplete": "off"})
    region_split = BooleanField(_l("In Gebietslose teilen"))


class LotRulesForm(EinkaufForm):
    """The lot rules of a round (stored with it, applied by every build)."""

    categories = FieldList(FormField(CategoryRuleForm), max_entries=MAX_CATEGORY_ROWS)
    excluded = CleanTextAreaField(
        _l("Nicht ausschreiben (Artikel-Nr.)"),
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "Artikelnummern, die in keinem Los erscheinen sollen – eine je Zeile oder durch Komma getrennt."
        ),
    )
    split_value = GermanDecimalField(
        _l("In Teillose teilen ab (€)"),
        validators=[Optional()],
        places=2,
        minimum=Decimal("0.01"),
        maximum=Decimal("999999999999.99"),
        description=_l(
            "Ein Los, dessen geschätzter Wert diesen Betrag übersteigt, wird in Teillose geteilt. Leer: nie."
        ),
    )
    national_procedure = SelectField(_l("Nationales Verfahren unterhalb des EU-Schwellenwerts"),
                                     choices=select_choices((p, p) for p in NATIONAL_PROCEDURES),
                                     validate_choice=False)  # the service refuses others in German
    version = HiddenField(validators=[Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden "
                                                                          "Sie die Seite neu."))])
    submit = SubmitField(_l("Losregeln speichern"))

    def typed_rows(self) -> list[CategoryRuleInput]:
        """The posted category rows as plain values."""
        return [CategoryRuleInput(entry.form.category_id.data or "", entry.form.group.data or "",
                                  bool(entry.form.region_split.data)) for entry in self.categories.entries]

    def rows(self, categories: Sequence[Category]) -> list[tuple[Category, Any]]:
        """(category, its row of the form) in category order; categories missing from a post get an empty row."""
        entries = {entry.form.category_id.data: entry for entry in self.categories.entries}
        for category in categories:
            if str(category.id) not in entries and len(self.categories.entries) < MAX_CATEGORY_ROWS:
                entries[str(category.id)] = self.categories.append_entry({"category_id": str(category.id)})
        return [(category, entries[str(category.id)]) for category in categories if str(category.id) in entries]


class RebuildForm(EinkaufForm):
    """Accept the previewed rebuild: the stamp ties the acceptance to what was shown."""

    stamp = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{64}\Z", message=_l("Ungültige Vorschau."))])
