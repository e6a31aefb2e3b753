"""The admin's form for a new threshold row."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from einkauf.forms import CleanStringField, EinkaufForm, GermanDecimalField, select_choices
from einkauf.rounds.forms import GermanDateField
from einkauf.thresholds.rules import SUPPLIES_SERVICES_SUBCENTRAL, THRESHOLD_KINDS
from einkauf.thresholds.services import MAX_AMOUNT, MAX_SOURCE


class ThresholdForm(EinkaufForm):
    kind = SelectField(_l("Art"), choices=select_choices((key, _l(label)) for key, label in THRESHOLD_KINDS.items()),
                       default=SUPPLIES_SERVICES_SUBCENTRAL,
                       validators=[InputRequired(_l("Bitte wählen Sie die Art des Schwellenwerts."))])
    amount = GermanDecimalField(_l("Schwellenwert in € (netto)"), places=2, minimum=Decimal("0.01"),
                                maximum=MAX_AMOUNT,
                                validators=[InputRequired(_l("Bitte geben Sie den Schwellenwert an."))],
                                description=_l("Zum Beispiel 216.000,00."))
    valid_from = GermanDateField(_l("Gültig ab"), validators=[InputRequired(_l("Bitte geben Sie „Gültig ab“ an."))],
                                 description=_l("Format TT.MM.JJJJ, z. B. 01.01.2028."))
    valid_to = GermanDateField(_l("Gültig bis (einschließlich)"),
                               validators=[InputRequired(_l("Bitte geben Sie „Gültig bis“ an."))],
                               description=_l("Format TT.MM.JJJJ, z. B. 31.12.2029."))
    source = CleanStringField(_l("Quelle"), validators=[Optional(), Length(max=MAX_SOURCE)],
                              description=_l("Zum Beispiel die Delegierte Verordnung (EU) mit Nummer und Datum."),
                              render_kw={"maxlength": MAX_SOURCE})
    submit = SubmitField(_l("Schwellenwert hinzufügen"))
