from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from einkauf.auth.passwords import MAX_LENGTH, MIN_LENGTH
from einkauf.forms import CleanStringField, EinkaufForm


class SignInForm(EinkaufForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired("Bitte geben Sie Ihre E-Mail-Adresse ein."),
                                                     Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Passwort", validators=[DataRequired("Bitte geben Sie Ihr Passwort ein."),
                                                     Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()
    submit = SubmitField("Anmelden")


class SignOutForm(EinkaufForm):
    submit = SubmitField("Abmelden")


class ChangePasswordForm(EinkaufForm):
    current_password = PasswordField("Bisheriges Passwort", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        "Neues Passwort",
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH,
                                           message=f"Das Passwort muss {MIN_LENGTH} bis {MAX_LENGTH} Zeichen lang sein.")],
        description=f"Mindestens {MIN_LENGTH} Zeichen.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField("Neues Passwort wiederholen",
                            validators=[DataRequired(), EqualTo("new_password", "Die Passwörter stimmen nicht überein.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Passwort ändern")


ROLE_CHOICES = [
    ("officer", "Beschaffungsstelle (Mitglied)"),
    ("coordinator", "Koordination"),
    ("finance", "Finanzen"),
    ("admin", "Administration"),
]


class UserForm(EinkaufForm):
    email = EmailField("E-Mail-Adresse", validators=[DataRequired(), Length(max=254)])
    name = CleanStringField("Name", validators=[Optional(), Length(max=200)])
    role = SelectField("Rolle", choices=ROLE_CHOICES, validators=[DataRequired()])
    member_ags = SelectField("Mitglied", choices=[], validate_choice=True,
                             description="Pflicht für Beschaffungsstellen; für Finanzen optional.")
    password = PasswordField("Passwort", validators=[Optional(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    active = BooleanField("Aktiv", default=True)
    version = HiddenField()
    submit = SubmitField("Speichern")
