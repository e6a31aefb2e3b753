"""Forms for members, delivery sites and rounds. Texts are German (translated lazily); checks mirror rounds.rules."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, HiddenField, SelectField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import DateInput, TimeInput

from einkauf.berlin import NonexistentLocalTime, berlin_to_utc, utc_to_berlin
from einkauf.db import utcnow
from einkauf.forms import CleanStringField, CleanTextAreaField, EinkaufForm, GermanDecimalField, select_choices
from einkauf.i18n import day
from einkauf.rounds import rules
from einkauf.texts import N_


class _FormattedField(Field):
    """A text input read with one of several strptime formats; what was typed is shown back as typed.

    Subclasses set the widget, `formats`, `max_length`, `part` (datetime.date or datetime.time),
    `display(value)` and `invalid_message()`, and may check the parsed value in `check(value)`.
    """

    formats: tuple[str, ...] = ()
    max_length = 20
    part: Callable[..., Any]  # datetime.date or datetime.time, called with the parsed datetime
    display: Callable[[Any], str]
    invalid_message: Callable[[], str]

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._raw: str | None = None

    def _value(self) -> str:
        if self._raw is not None:
            return self._raw
        return self.display(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self._raw = (valuelist[0] or "").strip()[:self.max_length]
        self.data = None
        if not self._raw:
            return
        if self._raw.isascii():
            for fmt in self.formats:
                try:
                    self.data = type(self).part(datetime.strptime(self._raw, fmt))
                    break
                except ValueError:
                    continue
        if self.data is None:
            raise ValueError(self.invalid_message())
        self.check(self.data)

    def check(self, value) -> None:
        """Raise ValueError with a German message when the parsed value is out of range."""


class GermanDateField(_FormattedField):
    """A date from `<input type="date">` (2027-01-31) or typed as TT.MM.JJJJ (31.01.2027)."""

    widget = DateInput()
    formats = ("%Y-%m-%d", "%d.%m.%Y")
    max_length = 20
    part = datetime.date

    @staticmethod
    def display(value) -> str:
        return value.isoformat() if isinstance(value, date) else ""

    @staticmethod
    def invalid_message() -> str:
        return gettext("Bitte ein gültiges Datum im Format TT.MM.JJJJ angeben.")

    def check(self, value) -> None:
        if rules.date_problem(str(self.label.text), value):
            self.data = None
            # rules.date_problem's wording, in the language of the page
            raise ValueError(gettext("„%(label)s“ muss zwischen dem %(first)s und dem %(last)s liegen.",
                                     label=self.label.text, first=day(rules.EARLIEST_DATE),
                                     last=day(rules.LATEST_DATE)))


class GermanTimeField(_FormattedField):
    """A wall-clock time (HH:MM) from `<input type="time">`; 12.00 is read as 12:00 as well."""

    widget = TimeInput()
    formats = ("%H:%M", "%H:%M:%S", "%H.%M")
    max_length = 10
    part = datetime.time

    @staticmethod
    def display(value) -> str:
        return value.strftime("%H:%M") if isinstance(value, time) else ""

    @staticmethod
    def invalid_message() -> str:
        return gettext("Bitte eine gültige Uhrzeit im Format HH:MM angeben, z. B. 12:00.")


class WholeNumberField(GermanDecimalField):
    """A whole number (months) with inclusive bounds; data is an int."""

    def __init__(self, label=None, validators=None, minimum: int = 0, maximum: int | None = None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "numeric")
        super().__init__(label, validators, places=0, minimum=minimum, maximum=maximum, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = int(self.data)


def _ascii_digits(count: int, message) -> Regexp:
    # [0-9], not \d: full-width or other Unicode digits are not part of an AGS or postcode.
    return Regexp(rf"^[0-9]{{{count}}}\Z", message=message)


# The value that decides the EU threshold test and the small-lots quota (einkauf.lots.procedure).
VALUE_BASIS_CHOICES = select_choices((
    ("maximum", _l("Höchstwert (Höchstmengen; Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV)")),
    ("estimate", _l("Geschätzter Wert (geschätzte Mengen; Einstellung der Bedarfsabfrage)")),
))


class _Versioned:
    version = HiddenField(validators=[
        InputRequired(_l("Die Versionsangabe fehlt. Bitte laden Sie die Seite neu.")),
        Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden Sie die Seite neu."))])

    @property
    def expected_version(self) -> int:
        return int(self.version.data or 0)  # 0 is refused as stale


class MemberForm(EinkaufForm):
    ags = CleanStringField(
        _l("AGS (Amtlicher Gemeindeschlüssel)"),
        validators=[DataRequired(_l("Bitte geben Sie den AGS an.")), _ascii_digits(8, _l(rules.AGS_PROBLEM))],
        description=_l("8 Ziffern, z. B. 05913000 für Dortmund."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 8},
    )
    name = CleanStringField(_l("Name"), validators=[DataRequired(_l("Bitte geben Sie den Namen an.")),
                                                    Length(max=rules.MAX_MEMBER_NAME)],
                            render_kw={"maxlength": rules.MAX_MEMBER_NAME})
    region = CleanStringField(_l("Region"), validators=[Optional(), Length(max=rules.MAX_REGION)],
                              description=_l("Für Gebietslose, z. B. Ruhrgebiet, Rheinland oder Westfalen."),
                              render_kw={"maxlength": rules.MAX_REGION})
    active = BooleanField(_l("Aktiv"), default=True,
                          description=_l("Nur aktive Mitglieder nehmen an Bedarfsabfragen teil."))
    submit = SubmitField(_l("Speichern"))


class MemberEditForm(_Versioned, MemberForm):
    pass


class DeliverySiteForm(EinkaufForm):
    name = CleanStringField(_l("Bezeichnung"), validators=[DataRequired(_l("Bitte geben Sie eine Bezeichnung an.")),
                                                           Length(max=rules.MAX_SITE_NAME)],
                            description=_l("Zum Beispiel Rathaus, Schulamt oder Kita Sonnenschein."),
                            render_kw={"maxlength": rules.MAX_SITE_NAME})
    street = CleanStringField(_l("Straße und Hausnummer"),
                              validators=[DataRequired(_l("Bitte geben Sie Straße und Hausnummer an.")),
                                          Length(max=rules.MAX_STREET)],
                              render_kw={"maxlength": rules.MAX_STREET, "autocomplete": "street-address"})
    postcode = CleanStringField(_l("Postleitzahl"),
                                validators=[DataRequired(_l("Bitte geben Sie die Postleitzahl an.")),
                                            _ascii_digits(5, _l(rules.POSTCODE_PROBLEM))],
                                render_kw={"inputmode": "numeric", "maxlength": 5, "autocomplete": "postal-code"})
    city = CleanStringField(_l("Ort"), validators=[DataRequired(_l("Bitte geben Sie den Ort an.")),
                                                   Length(max=rules.MAX_CITY)],
                            render_kw={"maxlength": rules.MAX_CITY, "autocomplete": "address-level2"})
    active = BooleanField(_l("Aktiv"), default=True,
                          description=_l("Inaktive Lieferstellen sind für neue Bedarfe nicht wählbar."))
    submit = SubmitField(_l("Speichern"))


class RoundForm(EinkaufForm):
    code = CleanStringField(
        _l("Kürzel"), validators=[DataRequired(_l("Bitte geben Sie ein Kürzel an.")),
                                  Regexp(r"^[A-Za-z0-9_-]{1,20}\Z", message=_l(rules.ROUND_CODE_PROBLEM))],
        description=_l("Zum Beispiel 2027; bis zu 20 Zeichen aus Buchstaben, Ziffern, - und _."),
        render_kw={"maxlength": 20, "autocomplete": "off"},
    )
    title = CleanStringField(_l("Titel"), validators=[DataRequired(_l("Bitte geben Sie einen Titel an.")),
                                                      Length(max=rules.MAX_ROUND_TITLE)],
                             render_kw={"maxlength": rules.MAX_ROUND_TITLE})
    opens_on = GermanDateField(_l("Öffnungsdatum"),
                               validators=[InputRequired(_l("Bitte geben Sie das Öffnungsdatum an."))],
                               description=_l("Format TT.MM.JJJJ."))
    deadline_date = GermanDateField(_l("Abgabefrist – Datum"),
                                    validators=[InputRequired(_l("Bitte geben Sie das Datum der Abgabefrist an."))],
                                    description=_l("Format TT.MM.JJJJ. Muss nach dem Öffnungsdatum liegen."))
    deadline_time = GermanTimeField(_l("Abgabefrist – Uhrzeit"),
                                    validators=[InputRequired(_l("Bitte geben Sie die Uhrzeit der Abgabefrist an."))],
                                    description=_l("Deutsche Zeit (Europe/Berlin), z. B. 12:00."))
    contract_term_months = WholeNumberField(
        _l("Vertragslaufzeit in Monaten"), minimum=rules.MIN_TERM_MONTHS, maximum=rules.MAX_TERM_MONTHS,
        validators=[InputRequired(_l("Bitte geben Sie die Vertragslaufzeit an."))],
        description=_l("1 bis 120 Monate, ohne Verlängerungsoptionen."),
    )
    extension_months = WholeNumberField(
        _l("Verlängerungsoptionen in Monaten"), minimum=rules.MIN_EXTENSION_MONTHS, maximum=rules.MAX_EXTENSION_MONTHS,
        validators=[InputRequired(_l("Bitte geben Sie die Verlängerungsoptionen an (0, wenn keine)."))],
        description=_l("Summe aller Verlängerungsoptionen, 0 bis 120 Monate."),
    )
    max_quantity_buffer_pct = GermanDecimalField(
        _l("Puffer für Höchstmengen in %"), places=2, minimum=Decimal(0), maximum=rules.MAX_BUFFER_PCT,
        validators=[InputRequired(_l("Bitte geben Sie den Puffer an (0, wenn keiner)."))],
        description=_l("0 bis 100, höchstens 2 Nachkommastellen, z. B. 20,00."),
    )
    value_basis = SelectField(
        _l("Maßgeblicher Wert für EU-Schwellenwert und Kleinlosregelung"), choices=VALUE_BASIS_CHOICES,
        default="maximum", validators=[DataRequired(_l("Bitte wählen Sie den maßgeblichen Wert."))],
        description=_l("Standard ist der Höchstwert aller Abrufe bis zu den Höchstmengen der Rahmenvereinbarung "
                       "(Art. 5 Abs. 5 RL 2014/24/EU, § 3 Abs. 4 VgV). Der geschätzte Wert wird in der "
                       "Begründung des Verfahrens als Einstellung ausgewiesen."))
    submit = SubmitField(_l("Speichern"))

    def validate_deadline_time(self, field) -> None:
        if self.deadline_date.data is None or field.data is None:
            return
        try:
            berlin_to_utc(self.deadline_date.data, field.data)
        except NonexistentLocalTime as exc:
            raise ValidationError(gettext(
                "Die Uhrzeit %(time)s gibt es am %(day)s wegen der Umstellung auf Sommerzeit nicht. "
                "Bitte wählen Sie eine andere Uhrzeit.",
                time=field.data.strftime("%H:%M"), day=day(self.deadline_date.data))) from exc

    def validate_deadline_date(self, field) -> None:
        if field.data is not None and self.opens_on.data is not None and field.data <= self.opens_on.data:
            raise ValidationError(gettext("Die Abgabefrist muss nach dem Öffnungsdatum liegen."))

    @property
    def deadline(self) -> datetime:
        """The deadline as an aware UTC datetime (valid only after validate())."""
        return berlin_to_utc(self.deadline_date.data, self.deadline_time.data)

    def values(self) -> dict:
        """Plain values for create_round / update_round."""
        return {
            "code": self.code.data,
            "title": self.title.data,
            "opens_on": self.opens_on.data,
            "deadline": self.deadline,
            "contract_term_months": self.contract_term_months.data,
            "extension_months": self.extension_months.data,
            "max_quantity_buffer_pct": self.max_quantity_buffer_pct.data,
            "value_basis": self.value_basis.data,
        }


class ValueBasisForm(_Versioned, EinkaufForm):
    """The round's value basis alone: changeable after opening, until a tender is frozen."""

    value_basis = SelectField(
        _l("Maßgeblicher Wert für EU-Schwellenwert und Kleinlosregelung"), choices=VALUE_BASIS_CHOICES,
        validators=[InputRequired(_l("Bitte wählen Sie den maßgeblichen Wert."))])
    submit = SubmitField(_l("Maßgeblichen Wert speichern"))


class RoundEditForm(_Versioned, RoundForm):
    pass


def round_form_data(row) -> dict:
    """A stored round as form data; the deadline is shown as Berlin date and wall-clock time."""
    local = utc_to_berlin(row.deadline)
    return {
        "code": row.code,
        "title": row.title,
        "opens_on": row.opens_on,
        "deadline_date": local.date(),
        "deadline_time": local.time().replace(second=0, microsecond=0),
        "contract_term_months": row.contract_term_months,
        "extension_months": row.extension_months,
        "max_quantity_buffer_pct": row.max_quantity_buffer_pct,
        "value_basis": row.value_basis,
        "version": str(row.version),
    }


# --- demand coordination: reopen a member's submission, extend a round's deadline ------------

MIN_REOPEN_REASON = 5
MAX_REOPEN_REASON = 500


class _BerlinMoment:
    """A date and a wall-clock time in Europe/Berlin (fields `<prefix>_date`, `<prefix>_time`)."""

    _moment_prefix = "until"
    _past_message = N_("Die neue Frist muss in der Zukunft liegen.")

    def _moment_fields(self):
        return getattr(self, f"{self._moment_prefix}_date"), getattr(self, f"{self._moment_prefix}_time")

    def _check_moment(self, now: datetime | None = None) -> None:
        day_field, time_field = self._moment_fields()
        if day_field.data is None or time_field.data is None:
            return
        try:
            moment = berlin_to_utc(day_field.data, time_field.data)
        except NonexistentLocalTime as exc:
            raise ValidationError(gettext(
                "Die Uhrzeit %(time)s gibt es am %(day)s wegen der Umstellung auf Sommerzeit nicht. "
                "Bitte wählen Sie eine andere Uhrzeit.",
                time=time_field.data.strftime("%H:%M"), day=day(day_field.data))) from exc
        if moment <= (now or utcnow()):
            raise ValidationError(gettext(self._past_message))

    @property
    def moment(self) -> datetime:
        """The entered moment as an aware UTC datetime (valid only after validate())."""
        day_field, time_field = self._moment_fields()
        return berlin_to_utc(day_field.data, time_field.data)


class ReopenSubmissionForm(_BerlinMoment, EinkaufForm):
    """A coordinator reopens a member's submission until a new individual deadline (R9)."""

    reason = CleanTextAreaField(
        _l("Begründung"),
        validators=[DataRequired(_l("Bitte geben Sie eine Begründung an.")),
                    Length(min=MIN_REOPEN_REASON, max=MAX_REOPEN_REASON,
                           message=_l("Die Begründung muss 5 bis 500 Zeichen lang sein."))],
        description=_l("Wird im Protokoll und in der Übersicht gezeigt, z. B. „Nachmeldung Schulamt laut "
                       "Telefonat vom 02.02.“. 5 bis 500 Zeichen."),
        render_kw={"maxlength": MAX_REOPEN_REASON, "rows": 3},
    )
    until_date = GermanDateField(_l("Neue Frist – Datum"),
                                 validators=[InputRequired(_l("Bitte geben Sie das Datum der neuen Frist an."))],
                                 description=_l("Format TT.MM.JJJJ. Bis dahin kann das Mitglied ändern und abgeben."))
    until_time = GermanTimeField(_l("Neue Frist – Uhrzeit"),
                                 validators=[InputRequired(_l("Bitte geben Sie die Uhrzeit der neuen Frist an."))],
                                 description=_l("Deutsche Zeit (Europe/Berlin), z. B. 12:00."))
    submit = SubmitField(_l("Bedarfsmeldung wieder öffnen"))

    def validate_until_time(self, field) -> None:
        self._check_moment()


class ExtendDeadlineForm(_Versioned, _BerlinMoment, EinkaufForm):
    """A coordinator moves the round's deadline later."""

    _moment_prefix = "deadline"
    _past_message = N_("Die neue Abgabefrist muss in der Zukunft liegen.")

    deadline_date = GermanDateField(
        _l("Neue Abgabefrist – Datum"),
        validators=[InputRequired(_l("Bitte geben Sie das Datum der neuen Abgabefrist an."))],
        description=_l("Format TT.MM.JJJJ. Muss nach der bisherigen Abgabefrist liegen."),
    )
    deadline_time = GermanTimeField(
        _l("Neue Abgabefrist – Uhrzeit"),
        validators=[InputRequired(_l("Bitte geben Sie die Uhrzeit der neuen Abgabefrist an."))],
        description=_l("Deutsche Zeit (Europe/Berlin), z. B. 12:00."),
    )
    submit = SubmitField(_l("Abgabefrist verlängern"))

    def validate_deadline_time(self, field) -> None:
        self._check_moment()
