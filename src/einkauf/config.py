"""Configuration from the environment (the EINKAUF_* variables the README lists)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict from EINKAUF_* variables, then apply overrides."""
    env = os.environ
    overrides = dict(overrides or {})
    instance = Path(overrides.get("INSTANCE_PATH") or env.get("EINKAUF_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    development = env.get("EINKAUF_ENV", "development") == "development"
    secret = env.get("EINKAUF_SECRET_KEY")
    if not secret:
        if not development and not overrides.get("TESTING") and "SECRET_KEY" not in overrides:
            raise ConfigError("EINKAUF_SECRET_KEY muss außerhalb der Entwicklung gesetzt sein.")
        secret = _development_secret(instance)
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret,
        "DATABASE_URL": env.get("EINKAUF_DATABASE_URL") or f"sqlite:///{instance / 'einkauf.sqlite'}",
        "EXPORT_DIR": env.get("EINKAUF_EXPORT_DIR") or str(PROJECT_ROOT / "exports"),
        # First part of every Vergabenummer (e.g. "EK-2027-01").
        "REFERENCE_PREFIX": env.get("EINKAUF_REFERENCE_PREFIX") or "EK",
        # The contracting authority printed on the tender documents.
        "COOPERATIVE_NAME": env.get("EINKAUF_COOPERATIVE_NAME") or "Einkaufskooperation der Mitgliedskommunen",
        "COOPERATIVE_ADDRESS": (env.get("EINKAUF_COOPERATIVE_ADDRESS") or "").replace("\\n", "\n"),
        "DEVELOPMENT": development,
        # Logging (einkauf.logs): level and text|json, read by create_app and the command line.
        "LOG_LEVEL": env.get("EINKAUF_LOG_LEVEL") or "INFO",
        "LOG_FORMAT": env.get("EINKAUF_LOG_FORMAT") or "text",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "SESSION_COOKIE_NAME": "einkauf_session",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        # Every form, URL-encoded or multipart (einkauf.boundary): at most this many fields and this
        # much text. Pages with longer forms (demand entry, lot rules) raise them for their request.
        "MAX_FORM_PARTS": 1000,
        "MAX_FORM_MEMORY_SIZE": 2 * 1024 * 1024,
        # Reverse proxies in front of the application whose X-Forwarded-For/-Proto are trusted (0: none).
        "TRUSTED_PROXIES": _trusted_proxies(env.get("EINKAUF_TRUSTED_PROXIES")),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ("de", "en"),
        # Throttling of failed sign-ins: per account a growing delay after this many failures
        # (1 s, 2 s, 4 s … up to LOGIN_MAX_DELAY_SECONDS), per client address a limit.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
        "LOGIN_ACCOUNT_WINDOW_SECONDS": 24 * 3600,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
        "PAGE_SIZE": 25,
        # Seconds a SQLite write waits for another one's lock before the user gets "busy, try again" (503).
        "SQLITE_BUSY_TIMEOUT": float(env.get("EINKAUF_SQLITE_BUSY_TIMEOUT") or 5),
    }
    config.update(overrides)
    return config


def _trusted_proxies(value: str | None) -> int:
    text = (value or "0").strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 10:
        raise ConfigError(f"EINKAUF_TRUSTED_PROXIES muss die Zahl der vertrauenswürdigen Proxys sein (0 bis 10), "
                          f"nicht „{text[:20]}“.")
    return int(text)


def _development_secret(instance: Path) -> str:
    """A per-installation random key kept in instance/, so development sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
