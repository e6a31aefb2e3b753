"""The filter form of the audit log viewer (a GET form: it changes nothing, so no CSRF token)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; not in its stubs yet
from wtforms.validators import Length, Optional, ValidationError

from einkauf.berlin import BERLIN
from einkauf.forms import CleanStringField, at_most_characters
from einkauf.i18n import current_language

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$", re.ASCII)


def parse_date_de(text: str) -> date:
    """Read '31.12.2027' (as typed) or '2027-12-31' (as an <input type=date> sends it)."""
    raw = (text or "").strip()
    if match := _GERMAN_DATE.match(raw):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_DATE.match(raw):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(gettext("Bitte ein Datum wie 31.12.2027 eingeben."))
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(gettext("Dieses Datum gibt es nicht.")) from exc


def berlin_day_start(day: date) -> datetime:
    """Midnight at the start of the day in Europe/Berlin (an aware datetime)."""
    return datetime.combine(day, time(0), tzinfo=BERLIN)


class DateField(StringField):
    """A date typed in German or picked in the browser; rendered as <input type=date>."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("type", "date")
        super().__init__(label, validators, **kwargs)
        self.day: date | None = None

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()[:20]
        self.day = None
        if self.data:
            self.day = parse_date_de(self.data)  # a ValueError becomes the field's error

    def _value(self) -> str:
        # A date input only shows ISO values; anything else is shown as typed.
        return self.day.isoformat() if self.day else (self.data or "")


class AuditFilterForm(Form):
    """Filters of the Protokoll. Choices (actions, record types, members) are set by the view."""

    action = SelectField(_l("Aktion"), choices=[SelectChoice("", _l("Alle Aktionen"))], validators=[Optional()])
    entity_type = SelectField(_l("Objektart"), choices=[SelectChoice("", _l("Alle Objektarten"))],
                              validators=[Optional()])
    user = CleanStringField(_l("Benutzer (E-Mail enthält)"),
                            validators=[Optional(), Length(max=254, message=at_most_characters(254))])
    member = SelectField(_l("Mitglied"), choices=[SelectChoice("", _l("Alle Mitglieder"))], validators=[Optional()])
    since = DateField(_l("Von (Datum)"), validators=[Optional()])
    until = DateField(_l("Bis (Datum)"), validators=[Optional()])
    text = CleanStringField(_l("Text in der Zusammenfassung"),
                            validators=[Optional(), Length(max=200, message=at_most_characters(200))])

    class Meta:
        @property
        def locales(self):
            """WTForms' own messages (e.g. an invalid choice) in the language of the page."""
            return ("en",) if current_language() == "en" else ("de_DE", "de")

    def set_choices(self, actions, entity_types, members) -> None:
        """Options from (value, label) pairs; each select starts with 'all'."""
        for field, pairs in ((self.action, actions), (self.entity_type, entity_types), (self.member, members)):
            first = field.choices[0]  # type: ignore[index]  # a list, set in the class body
            field.choices = [first, *(SelectChoice(value, label) for value, label in pairs)]

    def validate_until(self, field):
        if field.day and self.since.day and field.day < self.since.day:
            raise ValidationError(gettext("Das Bis-Datum liegt vor dem Von-Datum."))

    def filters(self) -> dict:
        """Keyword arguments for audit_query from the fields that are valid (others are ignored)."""
        def ok(field):
            return field.data and not field.errors

        result = {}
        if ok(self.action):
            result["action"] = self.action.data
        if ok(self.entity_type):
            result["entity_type"] = self.entity_type.data
        if ok(self.user):
            result["actor_email"] = self.user.data
        if ok(self.member) and str(self.member.data).isdigit():
            result["member_id"] = int(self.member.data)
        if ok(self.since) and self.since.day:
            result["since"] = berlin_day_start(self.since.day)
        if ok(self.until) and self.until.day:
            # "to" includes the whole day: everything before midnight after it.
            result["until"] = berlin_day_start(self.until.day + timedelta(days=1))
        if ok(self.text):
            result["text"] = self.text.data
        return result

    @property
    def active(self) -> bool:
        return any(field.data for field in self)
