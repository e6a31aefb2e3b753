"""Sign-in, sign-out and the user's own password."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from einkauf.auth import services
from einkauf.auth.forms import ChangePasswordForm, SignInForm, SignOutForm
from einkauf.errors import DomainError
from einkauf.extensions import csrf
from einkauf.web import client_address, get_db, safe_next, signed_in

bp = Blueprint("auth", __name__)


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
                get_db(), form.email.data, form.password.data, client_address(),
                max_per_account=cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
                max_per_address=cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                window_seconds=cfg["LOGIN_FAILURE_WINDOW_SECONDS"],
            )
        except DomainError as exc:
            error = exc.message
        else:
            locale = session.get("locale")
            session.clear()  # a new session at sign-in
            if locale:
                session["locale"] = locale
            login_user(user)
            flash(f"Willkommen, {user.name or user.email}.", "success")
            return redirect(safe_next(form.next.data, url_for("home.index")))
    form.password.data = ""
    # 200 even after a failed attempt: the request must commit the recorded failure.
    return render_template("auth/sign_in.html", form=form, error=error)


@bp.post("/abmelden")
@signed_in
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        services.sign_out(get_db(), current_user._get_current_object())
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash("Sie haben sich abgemeldet.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/konto/passwort", methods=["GET", "POST"])
@signed_in
@csrf.exempt
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.set_password(get_db(), current_user._get_current_object(), current_user.id,
                                         form.new_password.data, current_password=form.current_password.data)
        except DomainError as exc:
            target = form.current_password if "bisherige" in exc.message else form.new_password
            target.errors = [*target.errors, exc.message]
        else:
            login_user(user)  # the old token is gone; keep this browser signed in with the new one
            flash("Ihr Passwort wurde geändert. Andere Sitzungen wurden beendet.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
