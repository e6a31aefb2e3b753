"""Forms of the tender pages: freezing a lot plan and cancelling a tender."""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from einkauf.forms import CleanStringField, CleanTextAreaField, EinkaufForm, select_choices
from einkauf.lots.models import Lot
from einkauf.rounds.forms import GermanDateField, GermanTimeField
from einkauf.tenders.documents import MAX_TEXT_BLOCK
from einkauf.tenders.new_page import TypedDates, TypedTender
from einkauf.tenders.rules import (
    DEFAULT_DEADLINE_TIME,
    DEFAULT_PRICE_METHOD,
    JUSTIFICATION_MAX,
    PRICE_METHODS,
    QUESTION_DEADLINE_TIME,
)
from einkauf.tenders.services import CANCEL_REASON_MAX, CANCEL_REASON_MIN, MAX_TITLE


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TenderForm(EinkaufForm):
    """Freeze the round's lot plan into a tender."""

    title = CleanStringField(_l("Bezeichnung des Vergabeverfahrens"), validators=[
        DataRequired(_l("Bitte eine Bezeichnung angeben.")), Length(max=MAX_TITLE)])
    publication_date = GermanDateField(_l("Geplanter Veröffentlichungstag"), validators=[
        InputRequired(_l("Bitte den geplanten Veröffentlichungstag angeben."))],
        description=_l("Bestimmt den geltenden EU-Schwellenwert."))
    deadline_date = GermanDateField(_l("Angebotsfrist (Tag)"), validators=[
        InputRequired(_l("Bitte den Tag der Angebotsfrist angeben."))])
    deadline_time = GermanTimeField(
        _l("Angebotsfrist (Uhrzeit)"),
        validators=[Optional()],
        default=DEFAULT_DEADLINE_TIME,
        description=_l("Berliner Zeit; ohne Angabe 12:00 Uhr."),
    )
    question_date = GermanDateField(_l("Frist für Bieterfragen (Tag)"), validators=[Optional()],
                                    description=_l("Nach dem Veröffentlichungstag und vor der Angebotsfrist. Ohne "
                                                   "Angabe: 12:00 Uhr an einem Werktag 10 Tage vor der "
                                                   "Angebotsfrist (siehe oben)."))
    question_time = GermanTimeField(_l("Frist für Bieterfragen (Uhrzeit)"), validators=[Optional()],
                                    default=QUESTION_DEADLINE_TIME,
                                    description=_l("Berliner Zeit; ohne Angabe 12:00 Uhr."))
    electronic_submission = BooleanField(_l("Elektronische Angebotsabgabe"), default=True,
                                         description=_l("Verkürzt die Mindestfrist im offenen Verfahren um 5 Tage "
                                                        "(§ 15 Abs. 4 VgV)."))
    award_criteria = CleanTextAreaField(_l("Zuschlagskriterien"), validators=[Optional(), Length(max=2000)],
                                        default="Preis: 100",
                                        description=_l("Ein Kriterium je Zeile als „Kriterium: Gewichtung in %“; "
                                                       "zusammen 100 %. Ohne Angabe: nur der Preis."))
    # The labels are msgids too (English entries in messages.po). Without the field in the post
    # (an older page) the default applies; another value is refused by the choice check.
    price_method = SelectField(_l("Umrechnung des Preises in Punkte"), default=DEFAULT_PRICE_METHOD,
                               choices=select_choices((key, _l(label)) for key, label in PRICE_METHODS.items()),
                               description=_l("Gilt, wenn neben dem Preis weitere Kriterien gewichtet werden; sie "
                                             "wird mit dem Verfahren festgeschrieben und in den Vergabeunterlagen "
                                             "erklärt."))
    small_lots = CheckboxListField(_l("Kleinlosregelung (§ 3 Abs. 9 VgV): national vergebene Lose"), choices=[],
                                   validate_choice=False)  # checked with German reasons by the service
    small_lots_shown = HiddenField(default="1")
    acknowledge = BooleanField(_l("Ich habe die Hinweise gelesen und erstelle das Vergabeverfahren trotzdem."))
    deadline_justification = CleanTextAreaField(
        _l("Begründung der verkürzten Angebotsfrist"), validators=[Optional(), Length(max=JUSTIFICATION_MAX)],
        description=_l("Pflicht, wenn die Angebotsfrist kürzer als die Mindestfrist ist (§ 15 Abs. 3 VgV): "
                       "20 bis 2.000 Zeichen; sie steht im Vergabevermerk."))
    submit = SubmitField(_l("Vergabeverfahren erstellen"))

    def offer_lots(self, lots: Iterable[Lot]) -> None:
        """The plan's lots as the small-lots choices."""
        self.small_lots.choices = select_choices((lot.number, lot.number) for lot in lots)

    def typed_dates(self) -> TypedDates:
        return TypedDates(self.publication_date.data, self.deadline_date.data, self.deadline_time.data,
                          self.question_date.data, self.question_time.data)

    def typed_tender(self) -> TypedTender:
        return TypedTender(
            title=self.title.data or "", dates=self.typed_dates(),
            electronic_submission=bool(self.electronic_submission.data),
            award_criteria=self.award_criteria.data or "", small_lots=list(self.small_lots.data or []),
            acknowledge_warnings=bool(self.acknowledge.data),
            deadline_justification=self.deadline_justification.data or "", price_method=self.price_method.data)


class CancelTenderForm(EinkaufForm):
    reason = CleanTextAreaField(_l("Grund der Aufhebung"), validators=[
        DataRequired(_l("Bitte einen Grund angeben.")), Length(min=CANCEL_REASON_MIN, max=CANCEL_REASON_MAX)])
    version = HiddenField(validators=[Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden "
                                                                          "Sie die Seite neu."))])
    submit = SubmitField(_l("Vergabeverfahren aufheben"))


class GenerateDocumentsForm(EinkaufForm):
    """Generate the tender documents (a new version of each).

    request_key is new on every rendering of the page: a double click sends the same key twice
    and gets the one version the first click made (issue 11)."""

    request_key = HiddenField(default=lambda: secrets.token_urlsafe(24), validators=[
        Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}\Z", message=_l("Ungültige Formularkennung. Bitte laden Sie die "
                                                                  "Seite neu."))])


class TenderTextsForm(EinkaufForm):
    """The text blocks of the Vergabeunterlagen, editable per tender."""

    invitation_text = CleanTextAreaField(_l("Aufforderung zur Angebotsabgabe"), validators=[
        Length(max=MAX_TEXT_BLOCK)], description=_l("Absätze durch eine Leerzeile trennen."))
    conditions_text = CleanTextAreaField(_l("Bewerbungsbedingungen"), validators=[Length(max=MAX_TEXT_BLOCK)])
    version = HiddenField(validators=[Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden "
                                                                          "Sie die Seite neu."))])
    submit = SubmitField(_l("Textbausteine speichern"))
