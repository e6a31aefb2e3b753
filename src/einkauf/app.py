"""The Flask application: create_app() with its extensions, blueprints, request hooks and error pages."""
from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, abort, g, render_template, request, send_from_directory
from flask_compress import Compress
from flask_wtf.csrf import CSRFError

from einkauf.assets import LONG_CACHE, asset_version
from einkauf.berlin import BERLIN
from einkauf.boundary import BoundedIdConverter, EinkaufRequest, FormTooLarge
from einkauf.config import PROJECT_ROOT, load_config
from einkauf.errors import DomainError
from einkauf.logs import REQUEST_ID, configure_logging
from einkauf.texts import N_

NODE_MODULES = PROJECT_ROOT / "node_modules"
KERN_DIST = NODE_MODULES / "@kern-ux" / "native" / "dist"

CSP = (
    "default-src 'self'; img-src 'self' data:; font-src 'self'; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


# --- h5: request boundary, request ids, quiet logs (issue 11, items 3, 6, 7) ---------------------

class EinkaufFlask(Flask):
    """Flask with the request boundary of einkauf.boundary and one traceback per unexpected error."""

    request_class = EinkaufRequest

    def log_exception(self, exc_info) -> None:
        # Flask would log the traceback here and our 500 handler again: once, with the request id.
        self.logger.error("unexpected error on %s %s [request %s]", request.method, request.path,
                          request_id(), exc_info=exc_info)


def request_id() -> str:
    """The id of the current request: in the log, on the error page and in X-Request-ID."""
    if "request_id" not in g:
        import secrets

        g.request_id = secrets.token_hex(8)
    return g.request_id


def _behind_proxies(app: Flask) -> None:
    """Trust X-Forwarded-For and X-Forwarded-Proto only from the configured number of proxies."""
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Werkzeug's documented way to wrap the WSGI callable (mypy reads it as a method).
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)

# --- end h5 ----------------------------------------------------------------------------------------


def create_app(config: dict | None = None) -> Flask:
    """Application factory. Nothing touches the database at import or here."""
    import defusedxml  # noqa: F401 - openpyxl only defuses XML when this is importable (SECURITY.md)
    from flask_babel import gettext
    from sqlalchemy.exc import IntegrityError, OperationalError

    from einkauf import i18n
    from einkauf.db import make_engine, make_session_factory, write_intent
    from einkauf.extensions import babel, csrf, login_manager
    from einkauf.web import was_refused
    from einkauf.wiring import wire

    settings = load_config(config)
    app = EinkaufFlask(
        __name__,
        instance_path=settings["INSTANCE_PATH"],
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.TRANSLATIONS))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # h5: ids in URLs are bounded to the Integer column range (einkauf.boundary).
    app.url_map.converters["int"] = BoundedIdConverter
    _behind_proxies(app)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    @app.before_request
    def _start():
        # Registered first: every later line of this request carries its id (einkauf.logs).
        g.started = time.perf_counter()
        g.log_token = REQUEST_ID.set(request_id())

    @app.before_request
    def _form_caps():
        # Registered before CSRFProtect, which reads the form: a long form's caps apply to that read too.
        from einkauf.web import allow_form_fields

        caps = getattr(app.view_functions.get(request.endpoint or ""), "form_fields", None)
        if caps is not None:
            allow_form_fields(caps[0], bytes_per_field=caps[1])

    if "einkauf.session_factory" not in app.extensions:
        engine = app.config.get("ENGINE") or make_engine(app.config["DATABASE_URL"],
                                                         busy_timeout=app.config["SQLITE_BUSY_TIMEOUT"])
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
        writes = request.method not in ("GET", "HEAD", "OPTIONS")
        # --- issue 11 (h6): an upload parses in a read transaction first (web.reads_first) ---
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "reads_first", False):
            writes = False
        # --- end issue 11 (h6) ---
        g.write_token = write_intent.set(writes)

    @app.after_request
    def _finish(response):
        # The one transaction rule: commit only a request that succeeded (status < 400) and was
        # not refused (einkauf.web.refuse); roll back everything else.
        db = g.pop("db", None)
        if db is not None:
            try:
                if response.status_code < 400 and not was_refused():
                    db.commit()
                else:
                    db.rollback()
            # --- issue 11 (h6): a conflict or a busy database at the commit: 409 / 503 ---
            except (IntegrityError, OperationalError) as exc:
                db.rollback()
                answer = _database_answer(app, exc)
                if answer is None:
                    raise
                response = app.make_response(answer)
            # --- end issue 11 (h6) ---
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
        log_token = g.pop("log_token", None)
        if log_token is not None:
            REQUEST_ID.reset(log_token)

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
        elif "v" in request.args and response.status_code == 200:
            # A versioned asset URL names one content (einkauf.assets): a year, never revalidated.
            response.headers["Cache-Control"] = LONG_CACHE
        response.headers.setdefault("X-Request-ID", request_id())  # h5
        _access_log(response)
        return response

    @app.route("/assets/kern/<path:filename>")
    def kern_asset(filename: str):
        """KERN UX styles and fonts, installed from npm by make (never committed)."""
        if not filename.endswith((".css", ".woff2", ".woff", ".ttf", ".svg", ".js")):
            abort(404)
        return send_from_directory(KERN_DIST, filename, max_age=86400)

    @app.url_defaults
    def _versioned_assets(endpoint: str, values: dict) -> None:
        if endpoint in ("static", "kern_asset") and "v" not in values and "filename" in values:
            folder = app.static_folder if endpoint == "static" else str(KERN_DIST)
            version = asset_version(folder, values["filename"]) if folder else None
            if version is not None:
                values["v"] = version

    # HTML, CSS, JS, JSON and SVG compressed (gzip, br) when the browser accepts it; downloads
    # (xlsx, pdf, csv) are left as they are.
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "text/css", "application/javascript",
                                                 "application/json", "image/svg+xml"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault("COMPRESS_REGISTER", True)
    Compress(app)

    _register_errors(app)
    _register_blueprints(app)
    wire()  # the award part of the Vergabevermerk, the consumption for copying a round: as in the CLI
    return app


ACCESS_LOG = logging.getLogger("einkauf.access")


def _access_log(response) -> None:
    """One INFO line per request: method, path (without the query), status and duration in ms."""
    started = g.get("started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    ACCESS_LOG.info("%s %s %s %s ms", request.method, request.path, response.status_code, duration_ms,
                    extra={"method": request.method, "path": request.path, "status": response.status_code,
                           "duration_ms": duration_ms})


def _register_blueprints(app: Flask) -> None:
    from einkauf.audit.views import bp as audit_bp
    from einkauf.auth.views import bp as auth_bp
    from einkauf.bids.views import bp as bids_bp
    from einkauf.calloffs.monitoring_views import bp as monitoring_bp
    from einkauf.calloffs.views import bp as calloffs_bp
    from einkauf.catalogue.views import bp as catalogue_bp
    from einkauf.contracts.savings_views import bp as savings_bp
    from einkauf.contracts.views import bp as contracts_bp
    from einkauf.demand.coordination_views import bp as demand_coordination_bp
    from einkauf.demand.excel_views import bp as demand_excel_bp
    from einkauf.demand.views import bp as demand_bp
    from einkauf.finance.views import bp as finance_bp
    from einkauf.home import bp as home_bp
    from einkauf.lots.views import bp as lots_bp
    from einkauf.rounds.views import bp as rounds_bp
    from einkauf.tenders.views import bp as tenders_bp
    from einkauf.thresholds.views import bp as thresholds_bp

    for bp in (home_bp, auth_bp, catalogue_bp, rounds_bp, demand_bp, demand_coordination_bp, demand_excel_bp, lots_bp,
               tenders_bp, finance_bp, audit_bp, thresholds_bp, bids_bp, contracts_bp, savings_bp,
               calloffs_bp, monitoring_bp):
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
    # --- issue 11 (h6) ---
    503: (N_("System ausgelastet"),
          N_("Das System ist gerade ausgelastet, bitte in einigen Sekunden erneut versuchen. Ihre Eingaben wurden "
             "nicht gespeichert – mit „Zurück“ im Browser finden Sie sie wieder.")),
    # --- end issue 11 (h6) ---
    500: (N_("Interner Fehler"),
          N_("Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es später erneut.")),
}


def _render_error(code: int, detail: str | None = None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return render_template("errors/error.html", code=code, title=title, text=detail or text,
                           request_id=request_id()), code


# --- issue 11 (h6) ---
CONFLICT_TEXT = N_("Ihre Eingabe konnte nicht gespeichert werden, weil gleichzeitig ein anderer Vorgang denselben "
                   "Datensatz angelegt oder geändert hat. Es wurde nichts geändert. Bitte laden Sie die Seite neu und "
                   "prüfen Sie das Ergebnis; mit „Zurück“ im Browser finden Sie Ihre Eingaben wieder.")


def _database_answer(app: Flask, exc: BaseException):
    """The page for a database error a user can cause by timing: 409 for a constraint conflict
    (two saves at once), 503 with Retry-After when a lock could not be had in time; None for
    anything else (a real 500)."""
    from einkauf.db import database_error_kind

    kind = database_error_kind(exc)
    if kind == "conflict":
        app.logger.warning("constraint conflict answered with 409: %s", str(getattr(exc, "orig", exc))[:300])
        return _render_error(409, CONFLICT_TEXT)
    if kind == "busy":
        app.logger.warning("database busy answered with 503: %s", str(getattr(exc, "orig", exc))[:300])
        body, code = _render_error(503)
        return body, code, {"Retry-After": "5"}
    return None
# --- end issue 11 (h6) ---


def _register_errors(app: Flask) -> None:
    render_error = _render_error

    for code in ERROR_TEXTS:
        if code in (500, 413):
            continue
        app.register_error_handler(code, lambda e, code=code: render_error(code))

    @app.errorhandler(CSRFError)
    def _csrf_error(e):
        _log_refusal(400, "CSRF token missing or expired")
        return render_error(400, N_("Ihre Sitzung ist abgelaufen oder das Formular war zu lange geöffnet. "
                                    "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."))

    # --- h5: 413 with the real size, expected domain errors, one traceback per 500 ----------------
    @app.errorhandler(413)
    def _too_large(e):
        detail = too_large_text(request.content_length, request.max_content_length, request.max_form_parts,
                                form=isinstance(e, FormTooLarge))
        _log_refusal(413, detail)
        return render_error(413, detail)

    @app.errorhandler(DomainError)
    def _domain_error(e):
        # A service refused something a view did not expect to be refused: a clear page, one line
        # in the log and no traceback (the request rolls back: status >= 400).
        from einkauf.errors import DeadlinePassed, InvalidState, NotFound, PermissionDenied, StaleVersion

        code = (404 if isinstance(e, NotFound) else 403 if isinstance(e, PermissionDenied)
                else 409 if isinstance(e, (StaleVersion, InvalidState, DeadlinePassed)) else 400)
        _log_refusal(code, f"{type(e).__name__}: {e.message}")
        return render_error(code, e.message if code not in (403, 404) else None)

    # --- end h5 --------------------------------------------------------------------------------
    # --- issue 11 (h6): a constraint conflict is a 409, a busy database a 503, never a 500 ---
    from sqlalchemy.exc import IntegrityError, OperationalError

    def database_answer(exc):
        return _database_answer(app, exc)

    @app.errorhandler(IntegrityError)
    @app.errorhandler(OperationalError)
    def _database_error(e):
        answer = database_answer(e)
        if answer is None:
            app.logger.exception("unhandled database error", exc_info=e)
            return render_error(500)
        return answer

    @app.errorhandler(500)
    def _server_error(e):
        # Database errors raised outside a view (other before/after-request functions) land here.
        answer = database_answer(getattr(e, "original_exception", None) or e)
        if answer is not None:
            return answer
        # EinkaufFlask.log_exception has logged the traceback with the request id (h5).
        return render_error(500)
    # --- end issue 11 (h6) ---


def _log_refusal(code: int, reason: str) -> None:
    """One INFO line for a refused request (an expected outcome, not a fault of the server)."""
    logging.getLogger("einkauf.web").info("%s %s refused (%s): %s [request %s]", request.method, request.path,
                                          code, reason, request_id())


def too_large_text(content_length: int | None, limit: int | None, max_fields: int | None, *,
                   form: bool = False) -> str:
    """Why a request was too large, in German, with its real size where it is known."""
    from einkauf.boundary import size_text

    if not form and limit is not None and content_length is not None and content_length > limit:
        return (
            f"Die Anfrage ist {size_text(content_length)} groß; erlaubt sind höchstens {size_text(limit, exact=False)}."
        )
    if not form and content_length is None:
        return (f"Die Anfrage ist zu groß; ihre Größe wurde nicht angegeben (erlaubt sind höchstens "
                f"{size_text(limit or 0, exact=False)}).")
    return ("Das Formular enthält zu viele Felder oder zu viel Text" +
            (f" (höchstens {max_fields:,} Felder)".replace(",", ".") if max_fields else "") +
            ". Bitte laden Sie die Seite neu und teilen Sie die Eingabe auf.")
