"""The start page and the navigation each role sees."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from einkauf.auth.models import Role
from einkauf.web import safe_next, signed_in

bp = Blueprint("home", __name__)

ROLE_LABELS = {
    Role.OFFICER: "Beschaffungsstelle",
    Role.COORDINATOR: "Koordination",
    Role.FINANCE: "Finanzen",
    Role.ADMIN: "Administration",
}

# (endpoint, German label, roles that see it). Entries whose endpoint does not exist yet are hidden.
NAVIGATION = [
    ("home.index", "Start", set(Role)),
    ("rounds.round_list", "Bedarfsabfragen", {Role.COORDINATOR}),
    ("rounds.member_list", "Mitglieder", {Role.COORDINATOR}),
    ("catalogue.category_list", "Warengruppen", {Role.COORDINATOR}),
    ("catalogue.product_list", "Artikel", {Role.COORDINATOR}),
    ("auth.user_list", "Zugänge", {Role.ADMIN}),
    ("audit.event_list", "Protokoll", {Role.COORDINATOR, Role.ADMIN}),
]


@bp.app_context_processor
def navigation():
    def nav_items():
        if not current_user.is_authenticated:
            return []
        return [(endpoint, _(label)) for endpoint, label, roles in NAVIGATION
                if current_user.role in roles and endpoint in current_app.view_functions]

    def role_label(role):
        return _(ROLE_LABELS.get(Role(role), str(role)))

    return {"nav_items": nav_items, "role_label": role_label}


@bp.get("/")
@signed_in
def index():
    return render_template("home/index.html")


@bp.post("/sprache")
def set_language():
    """Switch the UI language (German or English) for this browser session."""
    lang = request.form.get("lang", "de")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.get("/health")
def health():
    return {"status": "ok"}
