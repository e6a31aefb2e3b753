"""Forms for signing in, passwords and the administration of users (Zugänge)."""
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from einkauf.auth.passwords import MAX_LENGTH, MIN_LENGTH
from einkauf.forms import CleanStringField, EinkaufForm


_EMAIL_TOO_LONG = "Die E-Mail-Adresse darf höchstens 254 Zeichen lang sein."
_PASSWORD_TOO_LONG = f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein."


class SignInForm(EinkaufForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie Ihre E-Mail-Adresse ein."),
                                                     Length(max=254, message=_EMAIL_TOO_LONG)],
                       render_kw={"autocomplete": "username"})
    # The length cap is checked before anything is hashed: a huge password costs no CPU.
    password = PasswordField("Passwort", validators=[DataRequired("Bitte geben Sie Ihr Passwort ein."),
                                                     Length(max=MAX_LENGTH, message=_PASSWORD_TOO_LONG)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField("Anmelden")


class SignOutForm(EinkaufForm):
    submit = SubmitField("Abmelden")


class ChangePasswordForm(EinkaufForm):
    current_password = PasswordField("Bisheriges Passwort",
                                     validators=[DataRequired("Bitte geben Sie Ihr bisheriges Passwort ein."),
                                                 Length(max=MAX_LENGTH, message=_PASSWORD_TOO_LONG)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        "Neues Passwort",
        validators=[DataRequired("Bitte geben Sie das neue Passwort ein."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH,
                           message=f"Das Passwort muss {MIN_LENGTH} bis {MAX_LENGTH} Zeichen lang sein.")],
        description=f"Mindestens {MIN_LENGTH} Zeichen.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField("Neues Passwort wiederholen",
                            validators=[DataRequired("Bitte wiederholen Sie das neue Passwort."),
                                        EqualTo("new_password", "Die Passwörter stimmen nicht überein.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Passwort ändern")


ROLE_CHOICES = [
    ("officer", "Beschaffungsstelle"),
    ("coordinator", "Koordination"),
    ("finance", "Finanzen"),
    ("admin", "Administration"),
]
NO_MEMBER = ("", "– kein Mitglied –")


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a SelectField."""
    return [SelectChoice(value, label) for value, label in pairs]


_PASSWORD_LENGTH = f"Das Passwort muss {MIN_LENGTH} bis {MAX_LENGTH} Zeichen lang sein."


class _RoleBindingMixin:
    """Officers need a member, coordination and administration must not have one."""

    def validate_member_ags(self, field):
        role = self.role.data
        if role == "officer" and not field.data:
            raise ValidationError("Bitte wählen Sie das Mitglied, für das die Beschaffungsstelle arbeitet.")
        if role in ("coordinator", "admin") and field.data:
            raise ValidationError("Koordination und Administration werden keinem Mitglied zugeordnet.")


class UserCreateForm(_RoleBindingMixin, EinkaufForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie die E-Mail-Adresse an."),
                                                     Length(max=254, message=_EMAIL_TOO_LONG)],
                       render_kw={"autocomplete": "off"})
    name = CleanStringField("Name", validators=[Optional(), Length(max=200, message="Höchstens 200 Zeichen.")])
    role = SelectField("Rolle", choices=select_choices(ROLE_CHOICES), validators=[DataRequired("Bitte wählen Sie eine Rolle.")])
    member_ags = SelectField("Mitglied", choices=select_choices([NO_MEMBER]), default="",
                             description="Pflicht für Beschaffungsstellen, für Finanzen optional; "
                                         "Koordination und Administration haben kein Mitglied.")
    password = PasswordField("Anfangspasswort",
                             validators=[DataRequired("Bitte vergeben Sie ein Anfangspasswort."),
                                         Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_PASSWORD_LENGTH)],
                             description=f"Mindestens {MIN_LENGTH} Zeichen. Teilen Sie es der Person auf sicherem Weg mit.",
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Zugang anlegen")


class UserEditForm(_RoleBindingMixin, EinkaufForm):
    name = CleanStringField("Name", validators=[Optional(), Length(max=200, message="Höchstens 200 Zeichen.")])
    role = SelectField("Rolle", choices=select_choices(ROLE_CHOICES), validators=[DataRequired("Bitte wählen Sie eine Rolle.")])
    member_ags = SelectField("Mitglied", choices=select_choices([NO_MEMBER]), default="",
                             description="Pflicht für Beschaffungsstellen, für Finanzen optional; "
                                         "Koordination und Administration haben kein Mitglied.")
    active = BooleanField("Aktiv", description="Deaktivierte Zugänge können sich nicht anmelden; "
                                               "offene Sitzungen enden sofort.")
    version = HiddenField()
    submit = SubmitField("Speichern")

    def expected_version(self) -> int:
        """The version the form was loaded with; unreadable counts as outdated (0)."""
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


class UserPasswordForm(EinkaufForm):
    new_password = PasswordField(
        "Neues Passwort",
        validators=[DataRequired("Bitte geben Sie das neue Passwort ein."),
                    Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_PASSWORD_LENGTH)],
        description=f"Mindestens {MIN_LENGTH} Zeichen. Alle Sitzungen dieses Zugangs werden beendet.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField("Neues Passwort wiederholen",
                            validators=[DataRequired("Bitte wiederholen Sie das neue Passwort."),
                                        EqualTo("new_password", "Die Passwörter stimmen nicht überein.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Passwort setzen")
