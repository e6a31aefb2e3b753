"""Forms for signing in, passwords and the administration of users (Zugänge)."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from einkauf.auth.passwords import MAX_LENGTH, MIN_LENGTH
from einkauf.forms import CleanStringField, EinkaufForm, at_most_characters, select_choices

_EMAIL_TOO_LONG = _l("Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein.")
_PASSWORD_TOO_LONG = _l("Das Passwort darf höchstens %(n)s Zeichen lang sein.", n=MAX_LENGTH)
_PASSWORD_LENGTH = _l("Das Passwort muss %(min)s bis %(max)s Zeichen lang sein.", min=MIN_LENGTH, max=MAX_LENGTH)




def _confirm_new_password() -> PasswordField:
    """The repeat field of every form that sets a new password."""
    return PasswordField(_l("Neues Passwort wiederholen"),
                         validators=[DataRequired(_l("Bitte wiederholen Sie das neue Passwort.")),
                                     EqualTo("new_password", _l("Die Passwörter stimmen nicht überein."))],
                         render_kw={"autocomplete": "new-password"})

class SignInForm(EinkaufForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(_l("Bitte geben Sie Ihre E-Mail-Adresse ein.")),
                                                         Length(max=254, message=_EMAIL_TOO_LONG)],
                       render_kw={"autocomplete": "username"})
    # The length cap is checked before anything is hashed: a huge password costs no CPU.
    password = PasswordField(_l("Passwort"), validators=[DataRequired(_l("Bitte geben Sie Ihr Passwort ein.")),
                                                         Length(max=MAX_LENGTH, message=_PASSWORD_TOO_LONG)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField(_l("Anmelden"))


class SignOutForm(EinkaufForm):
    submit = SubmitField(_l("Abmelden"))


class ChangePasswordForm(EinkaufForm):
    current_password = PasswordField(_l("Bisheriges Passwort"),
                                     validators=[DataRequired(_l("Bitte geben Sie Ihr bisheriges Passwort ein.")),
                                                 Length(max=MAX_LENGTH, message=_PASSWORD_TOO_LONG)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie das neue Passwort ein.")),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_PASSWORD_LENGTH)],
        description=_l("Mindestens %(n)s Zeichen.", n=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = _confirm_new_password()
    submit = SubmitField(_l("Passwort ändern"))


ROLE_CHOICES = [
    ("officer", _l("Beschaffungsstelle")),
    ("coordinator", _l("Koordination")),
    ("finance", _l("Finanzen")),
    ("admin", _l("Administration")),
]
NO_MEMBER = ("", _l("– kein Mitglied –"))


class _RoleBindingMixin:
    """Officers need a member, coordination and administration must not have one."""

    role: SelectField

    def validate_member_ags(self, field):
        role = self.role.data
        if role == "officer" and not field.data:
            raise ValidationError(gettext("Bitte wählen Sie das Mitglied, für das die Beschaffungsstelle arbeitet."))
        if role in ("coordinator", "admin") and field.data:
            raise ValidationError(gettext("Koordination und Administration werden keinem Mitglied zugeordnet."))


class UserCreateForm(_RoleBindingMixin, EinkaufForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(_l("Bitte geben Sie die E-Mail-Adresse an.")),
                                                         Length(max=254, message=_EMAIL_TOO_LONG)],
                       render_kw={"autocomplete": "off"})
    name = CleanStringField(_l("Name"), validators=[Optional(), Length(max=200, message=at_most_characters(200))])
    role = SelectField(_l("Rolle"), choices=select_choices(ROLE_CHOICES),
                       validators=[DataRequired(_l("Bitte wählen Sie eine Rolle."))])
    member_ags = SelectField(_l("Mitglied"), choices=select_choices([NO_MEMBER]), default="",
                             description=_l("Pflicht für Beschaffungsstellen, für Finanzen optional; "
                                            "Koordination und Administration haben kein Mitglied."))
    password = PasswordField(_l("Anfangspasswort"),
                             validators=[DataRequired(_l("Bitte vergeben Sie ein Anfangspasswort.")),
                                         Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_PASSWORD_LENGTH)],
                             description=_l("Mindestens %(n)s Zeichen. Teilen Sie es der Person auf sicherem Weg mit.",
                                            n=MIN_LENGTH),
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Zugang anlegen"))


class UserEditForm(_RoleBindingMixin, EinkaufForm):
    name = CleanStringField(_l("Name"), validators=[Optional(), Length(max=200, message=at_most_characters(200))])
    role = SelectField(_l("Rolle"), choices=select_choices(ROLE_CHOICES),
                       validators=[DataRequired(_l("Bitte wählen Sie eine Rolle."))])
    member_ags = SelectField(_l("Mitglied"), choices=select_choices([NO_MEMBER]), default="",
                             description=_l("Pflicht für Beschaffungsstellen, für Finanzen optional; "
                                            "Koordination und Administration haben kein Mitglied."))
    active = BooleanField(_l("Aktiv"), description=_l("Deaktivierte Zugänge können sich nicht anmelden; "
                                                      "offene Sitzungen enden sofort."))
    version = HiddenField()
    submit = SubmitField(_l("Speichern"))

    def expected_version(self) -> int:
        """The version the form was loaded with; unreadable counts as outdated (0)."""
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


class UserPasswordForm(EinkaufForm):
    new_password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(_l("Bitte geben Sie das neue Passwort ein.")),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_PASSWORD_LENGTH)],
        description=_l("Mindestens %(n)s Zeichen. Alle Sitzungen dieses Zugangs werden beendet.", n=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = _confirm_new_password()
    submit = SubmitField(_l("Passwort setzen"))
