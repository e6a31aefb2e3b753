"""Sign-in, sign-out, the user's own password, and the administration of users (Zugänge)."""
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from einkauf.auth import services
from einkauf.auth.forms import (
    NO_MEMBER,
    ROLE_CHOICES,
    ChangePasswordForm,
    SignInForm,
    UserCreateForm,
    UserEditForm,
    UserPasswordForm,
    select_choices,
)
from einkauf.errors import DomainError, InvalidField, NotFound, StaleVersion
from einkauf.extensions import csrf
from einkauf.roles import Role
from einkauf.rounds.picklists import member_choices_by_ags
from einkauf.web import client_address, get_db, paginate, refuse, roles_required, safe_next, signed_in

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _fresh_session() -> None:
    """Drop everything from the browser session except the chosen language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/anmelden", methods=["GET", "POST"])
@csrf.exempt  # the form validates its own token and keeps the input on expiry
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, url_for("home.index")))
    error = None
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(
                get_db(), form.email.data or "", form.password.data or "", client_address(),
                max_per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                max_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                window_seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"],
                max_delay_seconds=cfg["LOGIN_MAX_DELAY_SECONDS"],
                account_window_seconds=cfg["LOGIN_ACCOUNT_WINDOW_SECONDS"],
            )
        except DomainError as exc:
            # Who and from where, never the password.
            log.warning(
                "sign-in refused for %s from %s: %s", (form.email.data or "")[:254], client_address(), exc.message
            )
            error = refuse(exc, keep_records=True)  # the recorded failure counts towards throttling
        else:
            _fresh_session()  # a new session at sign-in: nothing planted before survives
            _start_session(user)
            login_user(user)
            flash(gettext("Willkommen, %(name)s.", name=user.name or user.email), "success")
            return redirect(safe_next(form.next.data, url_for("home.index")))
    form.password.data = ""
    # 200 even after a failed attempt: the request must commit the recorded failure.
    return render_template("auth/sign_in.html", form=form, error=error)


@bp.post("/abmelden")
@signed_in
def sign_out():
    # No form to validate: the global CSRF protection has checked the token before we get here.
    services.sign_out(get_db(), current_user._get_current_object())
    logout_user()
    _fresh_session()
    flash(gettext("Sie haben sich abgemeldet."), "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/konto/passwort", methods=["GET", "POST"])
@signed_in
@csrf.exempt
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password(get_db(), current_user._get_current_object(), current_user.id,
                                         form.new_password.data or "", current_password=form.current_password.data)
        except DomainError as exc:
            refuse(exc, form, field=None if isinstance(exc, InvalidField) else "new_password")
        else:
            _start_session(user)  # every session ended; this browser goes on with a new one
            login_user(user)
            flash(gettext("Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


def _start_session(user) -> None:
    services.start_session(get_db(), user, address=client_address(), user_agent=request.user_agent.string)


# Where a user who must choose a new password may still go (issue 16 part 9).
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.sign_out", "static", "kern_asset", "home.set_language",
                           "home.health", "home.healthz", "home.readyz"}


@bp.before_app_request
def _demand_a_new_password():
    """After an administrator set or reset the password, every page leads to the password change
    until the user has chosen their own."""
    if (request.endpoint not in PASSWORD_CHANGE_ALLOWED and current_user.is_authenticated
            and current_user.must_change_password):
        flash(gettext("Bitte wählen Sie zuerst ein eigenes Passwort: Ihr Passwort wurde von der Administration "
                      "gesetzt."), "info")
        return redirect(url_for("auth.change_password"), 303)
    return None


@bp.get("/konto")
@signed_in
def account():
    """The user's own account: open sessions (this one marked), each can be ended; the password."""
    return render_template("auth/account.html", sessions=services.open_sessions(get_db(), current_user),
                           current_id=getattr(current_user, "session_id", None))


@bp.post("/konto/sitzungen/<int:session_id>/beenden")
@signed_in
def session_end(session_id: int):
    """End one of the user's sessions (another user's or an ended one: 404). Ending this one
    signs this browser out."""
    try:
        services.revoke_session(get_db(), current_user._get_current_object(), session_id)
    except NotFound:
        abort(404)
    if session_id == getattr(current_user, "session_id", None):
        logout_user()
        _fresh_session()
        flash(gettext("Diese Sitzung wurde beendet. Bitte melden Sie sich wieder an."), "success")
        return redirect(url_for("auth.sign_in"), 303)
    flash(gettext("Die Sitzung wurde beendet."), "success")
    return redirect(url_for("auth.account"), 303)


# --- administration of users ----------------------------------------------------------------

ROLE_VALUES = {value for value, _label in ROLE_CHOICES}


def _load_user(user_id: int):
    try:
        return services.get_user(get_db(), user_id)
    except NotFound:
        abort(404)


def _member_choices(form) -> None:
    form.member_ags.choices = select_choices([NO_MEMBER, *member_choices_by_ags(get_db())])


@bp.get("/zugaenge")
@roles_required(Role.ADMIN)
def user_list():
    text = request.args.get("q", "").strip()[:100]
    role = request.args.get("rolle", "")
    if role not in ROLE_VALUES:
        role = ""
    page = paginate(get_db(), services.user_query(text=text, role=role or None))
    return render_template("auth/user_list.html", page=page, q=text, role=role, roles=ROLE_CHOICES)


@bp.route("/zugaenge/neu", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@csrf.exempt  # the form validates its own token and keeps the input on expiry
def user_new():
    form = UserCreateForm()
    _member_choices(form)
    error = None
    if form.validate_on_submit():
        try:
            user = services.create_user(
                get_db(), current_user._get_current_object(), form.email.data or "", form.role.data,
                form.password.data or "",
                member_ags=form.member_ags.data or None, name=form.name.data or "",
                must_change=True,  # the administrator knows this password: the user chooses their own
            )
        except DomainError as exc:
            error = refuse(exc)
        else:
            flash(gettext("Der Zugang %(email)s wurde angelegt.", email=user.email), "success")
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_form.html", form=form, error=error, user=None)


@bp.route("/zugaenge/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@csrf.exempt  # the form validates its own token and keeps the input on expiry
def user_edit(user_id: int):
    user = _load_user(user_id)
    if request.method == "GET":
        form = UserEditForm(data={
            "name": user.name,
            "role": user.role.value,
            "member_ags": user.member.ags if user.member else "",
            "active": user.active,
            "version": str(user.version),
        })
    else:
        form = UserEditForm()
    _member_choices(form)
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            services.update_user(
                get_db(), current_user._get_current_object(), user.id,
                expected_version=form.expected_version(), name=form.name.data or "", role=form.role.data,
                member_ags=form.member_ags.data or None, active=form.active.data,
            )
        except StaleVersion as exc:
            # Keep the input; the next save is based on what is stored now (shown next to the form).
            error, status, conflict = refuse(exc), 409, True
            form.version.data = str(user.version)
        except DomainError as exc:
            error = refuse(exc)
        else:
            flash(gettext("Der Zugang %(email)s wurde gespeichert.", email=user.email), "success")
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_form.html", form=form, error=error, user=user, conflict=conflict), status


@bp.route("/zugaenge/<int:user_id>/passwort", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@csrf.exempt  # the form validates its own token and keeps the input on expiry
def user_password(user_id: int):
    user = _load_user(user_id)
    form = UserPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            services.set_password(get_db(), current_user._get_current_object(), user.id, form.new_password.data or "",
                                  must_change=user.id != current_user.id)
        except DomainError as exc:
            error = refuse(exc)
        else:
            if user.id == current_user.id:
                _start_session(user)  # an admin resetting their own password stays signed in here
                login_user(user)
            flash(gettext("Das Passwort für %(email)s wurde neu gesetzt. Alle Sitzungen dieses Zugangs wurden beendet.",
                          email=user.email), "success")
            return redirect(url_for("auth.user_list"))
    return render_template("auth/user_password.html", form=form, error=error, user=user)
