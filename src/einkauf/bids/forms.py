"""Forms of the bids pages: bidders, receipt of a bid, price-sheet upload, opening, checks.

The per-lot price form is built from the lot's positions in the view (fields price-<id> and
offered-<id>); its values are read with einkauf.forms.parse_decimal_de (4 places)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from einkauf.bids.models import EXCLUSION_LABELS, ExclusionReason
from einkauf.demand.upload_checks import megabytes
from einkauf.forms import CleanStringField, CleanTextAreaField, EinkaufForm, select_choices
from einkauf.rounds.forms import GermanDateField, GermanTimeField

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VERSION = Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden Sie die Seite neu."))


class BidderForm(EinkaufForm):
    name = CleanStringField(_l("Name des Bieters"), validators=[DataRequired(_l("Bitte den Namen angeben.")),
                                                                Length(max=200)])
    address = CleanTextAreaField(_l("Anschrift"), validators=[Optional(), Length(max=1000)])
    vat_id = CleanStringField(_l("USt-IdNr."), validators=[Optional(), Length(max=30)],
                              description=_l("Länderkennzeichen und Nummer, z. B. DE123456789 (wird geprüft)."))
    email = CleanStringField(_l("E-Mail-Adresse"), validators=[Optional(), Length(max=254)])
    submit = SubmitField(_l("Bieter anlegen"))


class _Receipt(EinkaufForm):
    bidder = SelectField(_l("Bieter"), coerce=int, validate_choice=True,
                         validators=[InputRequired(_l("Bitte einen Bieter wählen."))])
    received_date = GermanDateField(_l("Eingang (Tag)"), validators=[InputRequired(_l("Bitte den Tag des Eingangs "
                                                                                       "angeben."))])
    received_time = GermanTimeField(_l("Eingang (Uhrzeit)"), validators=[InputRequired(_l("Bitte die Uhrzeit des "
                                                                                           "Eingangs angeben."))],
                                    description=_l("Deutsche Zeit (HH:MM)."))


class BidReceiptForm(_Receipt):
    submit = SubmitField(_l("Angebotseingang erfassen"))


class BidUploadForm(_Receipt):
    """The filled price sheet; the CSRF token is checked by the global CSRFProtect."""

    class Meta:
        csrf = False

    file = FileField(_l("Ausgefülltes Preisblatt (.xlsx)"),
                     validators=[FileRequired(_l("Bitte wählen Sie das ausgefüllte Preisblatt aus."))],
                     description=_l("Das Preisblatt, das einkauf für dieses Vergabeverfahren erzeugt hat; höchstens "
                                    "%(size)s.", size=megabytes(20 * 1024 * 1024)),
                     render_kw={"accept": ".xlsx," + XLSX_MIMETYPE})
    submit = SubmitField(_l("Preisblatt einlesen"))


class OpeningForm(EinkaufForm):
    second_email = CleanStringField(_l("E-Mail der zweiten Person der Koordination"),
                                    validators=[DataRequired(_l("Bitte die E-Mail-Adresse angeben.")),
                                                Length(max=254)])
    second_password = PasswordField(_l("Passwort der zweiten Person"),
                                    validators=[DataRequired(_l("Bitte das Passwort angeben.")), Length(max=1024)],
                                    description=_l("Die zweite Person bestätigt die Öffnung mit ihrem Passwort "
                                                   "(Vier-Augen-Prinzip, § 55 VgV)."))
    submit = SubmitField(_l("Angebote öffnen"))


DECISIONS = (("pending", _l("offen")), ("admitted", _l("zugelassen")), ("excluded", _l("ausgeschlossen")))


class CheckForm(EinkaufForm):
    decision = SelectField(_l("Entscheidung"), choices=select_choices(DECISIONS))
    # checked by the service with a German message (a missing reason is only an error when excluding)
    reason_code = SelectField(_l("Ausschlussgrund"), default="", validate_choice=False,
                              choices=select_choices([("", "–")] + [
                                  (reason.value, EXCLUSION_LABELS[reason]) for reason in ExclusionReason]))
    reason_text = CleanTextAreaField(_l("Begründung des Ausschlusses (bei „sonstiger Grund“ Pflicht)"),
                                     validators=[Optional(), Length(max=1000)])
    gap_reason = CleanTextAreaField(_l("Warum fehlende Preise unwesentlich sind"),
                                    validators=[Optional(), Length(max=1000)],
                                    description=_l("Nur wenn ein unvollständiges Los zugelassen wird."))
    version = HiddenField(validators=[VERSION])
    submit = SubmitField(_l("Prüfung speichern"))


AWARD_DECISIONS = (("award", _l("Zuschlag auf ein Angebot")), ("cancel", _l("Los aufheben")))


class AwardForm(EinkaufForm):
    """The decision on one lot; the bid choices (the lot's valid bids) are set by the view."""

    decision = SelectField(_l("Entscheidung"), choices=select_choices(AWARD_DECISIONS))
    bid = SelectField(_l("Angebot"), default="", validate_choice=False, choices=[])
    reason = CleanTextAreaField(_l("Begründung"), validators=[Optional(), Length(max=2000)],
                                description=_l("Pflicht, wenn nicht das erstplatzierte Angebot den Zuschlag erhält "
                                               "oder das Los aufgehoben wird."))
    clarification = CleanTextAreaField(_l("Aufklärung des Preises (§ 60 VgV)"),
                                       validators=[Optional(), Length(max=2000)],
                                       description=_l("Pflicht für ein ungewöhnlich niedriges Angebot."))
    submit = SubmitField(_l("Entscheidung speichern"))


CHANNELS = (("electronic", _l("elektronisch (Wartefrist 10 Kalendertage)")),
            ("post", _l("per Post (Wartefrist 15 Kalendertage)")))


class InformationForm(EinkaufForm):
    """Generate the information letters of § 134 GWB and record their sending."""

    sent_on = GermanDateField(_l("Tag des Versands"), validators=[InputRequired(_l("Bitte den Tag des Versands "
                                                                                 "angeben."))],
                              description=_l("Deutsche Zeit; die Wartefrist beginnt am Tag danach."))
    channel = SelectField(_l("Versandweg"), choices=select_choices(CHANNELS), default="electronic")
    submit = SubmitField(_l("Informationsschreiben erzeugen und Versand erfassen"))


class ContractForm(EinkaufForm):
    """The conclusion of the contract of one awarded lot (prefixed per lot by the view)."""

    contract_date = GermanDateField(_l("Tag des Vertragsschlusses (Zuschlag)"),
                                    validators=[InputRequired(_l("Bitte den Tag des Vertragsschlusses angeben."))])
    submit = SubmitField(_l("Vertragsschluss erfassen"))
