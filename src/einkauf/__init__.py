"""einkauf: pooled public procurement for purchasing cooperatives."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, abort, g, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError

from zoneinfo import ZoneInfo

from einkauf.config import PROJECT_ROOT, load_config
from einkauf.texts import N_

# zoneinfo, not pytz: pytz has no daylight-saving rules past 2037.
BERLIN = ZoneInfo("Europe/Berlin")

__version__ = "0.1.0"

NODE_MODULES = PROJECT_ROOT / "node_modules"
KERN_DIST = NODE_MODULES / "@kern-ux" / "native" / "dist"

CSP = (
    "default-src 'self'; img-src 'self' data:; font-src 'self'; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(config: dict | None = None) -> Flask:
    """Application factory. Nothing touches the database at import or here."""
    import defusedxml  # noqa: F401 - openpyxl only defuses XML when this is importable (SECURITY.md)

    from einkauf import i18n
    from einkauf.db import make_engine, make_session_factory, write_intent
    from flask_babel import gettext

    from einkauf.extensions import babel, csrf, login_manager

    settings = load_config(config)
    app = Flask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.TRANSLATIONS))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if "einkauf.session_factory" not in app.extensions:
        engine = app.config.get("ENGINE") or make_engine(app.config["DATABASE_URL"])
        app.extensions["einkauf.engine"] = engine
        app.extensions["einkauf.session_factory"] = app.config.get("SESSION_FACTORY") or make_session_factory(engine)

    i18n.compile_catalogues()
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=lambda: BERLIN)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = N_("Bitte melden Sie sich an, um diese Seite zu sehen.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    i18n.register(app)

    @login_manager.user_loader
    def _load_user(session_id: str):
        from einkauf.auth.services import load_user_by_session_id
        from einkauf.web import get_db

        return load_user_by_session_id(get_db(), session_id)

    @app.before_request
    def _begin():
        # SQLite: only requests that may write start with BEGIN IMMEDIATE.
        g.write_token = write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.after_request
    def _finish(response):
        db = g.pop("db", None)
        if db is not None:
            try:
                if response.status_code < 400:
                    db.commit()
                else:
                    db.rollback()
            finally:
                db.close()
        return _security_headers(response)

    @app.teardown_request
    def _teardown(exc):
        db = g.pop("db", None)
        if db is not None:
            db.rollback()
            db.close()
        token = g.pop("write_token", None)
        if token is not None:
            write_intent.reset(token)

    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint not in ("static", "kern_asset"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.route("/assets/kern/<path:filename>")
    def kern_asset(filename: str):
        """KERN UX styles and fonts, installed from npm by make (never committed)."""
        if not filename.endswith((".css", ".woff2", ".woff", ".ttf", ".svg", ".js")):
            abort(404)
        return send_from_directory(KERN_DIST, filename, max_age=86400)

    _register_errors(app)
    _register_blueprints(app)
    logging.getLogger("einkauf").setLevel(logging.INFO)
    return app


def _register_blueprints(app: Flask) -> None:
    from einkauf.audit.views import bp as audit_bp
    from einkauf.auth.views import bp as auth_bp
    from einkauf.catalogue.views import bp as catalogue_bp
    from einkauf.demand.excel_views import bp as demand_excel_bp
    from einkauf.demand.views import bp as demand_bp
    from einkauf.finance.views import bp as finance_bp
    from einkauf.home import bp as home_bp
    from einkauf.lots.views import bp as lots_bp
    from einkauf.rounds.views import bp as rounds_bp
    from einkauf.tenders.views import bp as tenders_bp
    from einkauf.thresholds.views import bp as thresholds_bp

    for bp in (home_bp, auth_bp, catalogue_bp, rounds_bp, demand_bp, demand_excel_bp, lots_bp, tenders_bp, finance_bp,
               audit_bp, thresholds_bp):
        app.register_blueprint(bp)


# German; errors/error.html translates them with _().
ERROR_TEXTS = {
    400: (N_("Ungültige Anfrage"), N_("Die Anfrage konnte nicht verarbeitet werden.")),
    403: (N_("Kein Zugriff"), N_("Sie haben keine Berechtigung für diese Seite.")),
    404: (N_("Nicht gefunden"), N_("Die Seite oder der Datensatz existiert nicht oder ist für Sie nicht sichtbar.")),
    405: (N_("Nicht erlaubt"), N_("Diese Aktion ist auf diesem Weg nicht möglich.")),
    409: (N_("Konflikt"), N_("Der Datensatz wurde inzwischen geändert.")),
    413: (N_("Datei zu groß"), N_("Die hochgeladene Datei ist zu groß.")),
    429: (N_("Zu viele Anfragen"), N_("Bitte warten Sie einen Moment und versuchen Sie es erneut.")),
    500: (N_("Interner Fehler"),
          N_("Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es später erneut.")),
}


def _register_errors(app: Flask) -> None:
    def render_error(code: int, detail: str | None = None):
        title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
        return render_template("errors/error.html", code=code, title=title, text=detail or text), code

    for code in ERROR_TEXTS:
        if code == 500:
            continue
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def _csrf_error(e):
        return render_error(400, N_("Ihre Sitzung ist abgelaufen oder das Formular war zu lange geöffnet. "
                                    "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."))

    @app.errorhandler(500)
    def _server_error(e):
        app.logger.exception("unhandled error", exc_info=getattr(e, "original_exception", e))
        return render_error(500)
