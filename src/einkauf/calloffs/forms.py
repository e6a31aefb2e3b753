"""Forms of the frameworks pages: creating the frameworks of a tender, deciding an option, mapping a
customer number, uploading a sales report."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from einkauf.calloffs.report_reader import WEB_MAX_BYTES
from einkauf.demand.upload_checks import megabytes
from einkauf.forms import CleanStringField, CleanTextAreaField, EinkaufForm, select_choices
from einkauf.rounds.forms import GermanDateField

VERSION = Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden Sie die Seite neu."))
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FrameworkCreateForm(EinkaufForm):
    starts_on = GermanDateField(_l("Beginn der Laufzeit"), validators=[Optional()],
                                description=_l("Leer lassen: der Tag nach dem erfassten Vertragsschluss des Loses."))
    submit = SubmitField(_l("Rahmenverträge anlegen"))


class OptionForm(EinkaufForm):
    """The decision on one option (prefixed per option by the view)."""

    exercised = SelectField(_l("Entscheidung"), choices=select_choices([("", _l("Bitte wählen")),
                                                                        ("ja", _l("Option ausüben")),
                                                                        ("nein", _l("Option nicht ausüben"))]),
                            validators=[InputRequired(_l("Bitte die Entscheidung wählen."))])
    decided_on = GermanDateField(_l("Tag der Entscheidung"),
                                 validators=[InputRequired(_l("Bitte den Tag der Entscheidung angeben."))])
    note = CleanTextAreaField(_l("Bemerkung"), validators=[Optional(), Length(max=1000)])
    version = HiddenField(validators=[VERSION])
    submit = SubmitField(_l("Entscheidung erfassen"))

    def validate_exercised(self, field) -> None:
        if field.data not in ("ja", "nein"):
            raise ValueError(_l("Bitte die Entscheidung wählen."))


class CustomerNumberForm(EinkaufForm):
    customer_number = CleanStringField(_l("Kundennummer beim Lieferanten"),
                                       validators=[InputRequired(_l("Bitte die Kundennummer angeben.")),
                                                   Length(max=60)])
    member_ags = SelectField(_l("Mitglied"), validators=[InputRequired(_l("Bitte ein Mitglied wählen."))],
                             validate_choice=True)
    submit = SubmitField(_l("Kundennummer zuordnen"))


class SalesReportUploadForm(EinkaufForm):
    """A supplier's sales report; the CSRF token is checked by the global CSRFProtect."""

    class Meta:
        csrf = False

    period = CleanStringField(_l("Gemeldeter Monat"),
                              validators=[InputRequired(_l("Bitte den Monat angeben (JJJJ-MM).")),
                                          Regexp(r"^[0-9]{4}-[0-9]{2}\Z",
                                                 message=_l("Bitte den Monat als JJJJ-MM angeben, z. B. 2027-06."))],
                              description=_l("JJJJ-MM, z. B. 2027-06. Ein erneuter Import des Monats ersetzt ihn."),
                              render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": "JJJJ-MM"})
    file = FileField(_l("Umsatzmeldung (.xlsx oder .csv)"),
                     validators=[FileRequired(_l("Bitte wählen Sie die Umsatzmeldung aus."))],
                     description=_l("Excel-Arbeitsmappe oder CSV (UTF-8 oder Windows-1252, Semikolon oder Komma); "
                                    "höchstens %(size)s.", size=megabytes(WEB_MAX_BYTES)),
                     render_kw={"accept": ".xlsx,.csv,text/csv," + XLSX_MIMETYPE})
    submit = SubmitField(_l("Umsatzmeldung einlesen"))
