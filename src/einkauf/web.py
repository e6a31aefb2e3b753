"""Helpers for views: the request's database session, role checks, paging, safe redirects."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, overload
from urllib.parse import urlsplit

from flask import abort, current_app, g, request
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from einkauf.errors import DomainError
from einkauf.roles import Role


def get_db() -> Session:
    """The request's session. The request commits once at its end (see create_app)."""
    if "db" not in g:
        g.db = current_app.extensions["einkauf.session_factory"]()
    return g.db


# --- issue 12: one transaction rule ------------------------------------------------------------

@overload
def refuse(error: DomainError, form: None = None, *, field: str | None = None, keep_records: bool = False) -> str: ...


@overload
def refuse(error: DomainError, form: Any, *, field: str | None = None, keep_records: bool = False) -> str | None: ...


def refuse(error: DomainError, form: Any = None, *, field: str | None = None,
           keep_records: bool = False) -> str | None:
    """The one way a view answers a domain error it caught: the request is refused.

    The transaction rule (one place, einkauf.app `_finish`): a request commits at its end only
    when its status is below 400 AND it was not refused; otherwise it rolls back. A view that
    catches a DomainError and re-renders its form (200) or redirects (303) calls this: the
    session rolls back at once (the page shown next reads the stored state) and nothing later
    in the request commits, so whatever the service wrote before it raised — rows and audit
    events — is undone, whatever the status code. No view rolls back by hand
    (tests/web/test_refusals.py checks both over every POST route).

    With a form: the message is attached to the field named by `field`, else by the error's
    own `field` (InvalidField), when the form has such a field, and None is returned; otherwise
    the message is returned for the page's error summary or a flash.

    `keep_records=True` only where the service records the refusal itself on purpose and the
    record must stay (a failed sign-in counts towards throttling): the request still commits.
    """
    if not keep_records:
        g.refused = True
        db = g.get("db")
        if db is not None:
            db.rollback()  # at once, so that the page shown next reads the stored state
    name = field or getattr(error, "field", None)
    target = form[name] if form is not None and name and name in form else None
    if target is None:
        return error.message
    target.errors = [*target.errors, error.message]
    return None


def was_refused() -> bool:
    """True once the current request has been refused (see refuse)."""
    return bool(g.get("refused", False))


# --- issue 11: slow reads before the write transaction ---------------------------------------

def reads_first(view: Callable) -> Callable:
    """Mark a POST view that does slow, read-only work (parsing an upload) before it writes.

    Its database work starts as a read transaction (SQLite: a plain BEGIN instead of BEGIN
    IMMEDIATE), so that no other request waits for SQLite's write lock while it parses; the
    view calls `begin_writing()` once it is ready to save. Put it between the route and the
    role decorator (the role check already loads the user)."""
    view.reads_first = True  # type: ignore[attr-defined]
    return view


def begin_writing() -> Session:
    """End the request's read transaction and let the next statement begin the write
    transaction (SQLite: BEGIN IMMEDIATE). Everything loaded so far is expired, so the
    services see the state as of the write transaction, not as of the read."""
    from einkauf.db import write_intent

    db = get_db()
    db.rollback()  # nothing has been written; a rollback also expires what was loaded
    write_intent.set(True)  # restored by the request's teardown (create_app)
    return db


# -----------------------------------------------------------------------------------------------


def load_or_404(load: Callable, *args: Any, **kwargs: Any):
    """`load(session, *args, **kwargs)` with the request's session; a NotFound becomes a 404
    (missing records and other members' records look the same)."""
    from einkauf.errors import NotFound

    try:
        return load(get_db(), *args, **kwargs)
    except NotFound:
        abort(404)


def roles_required(*roles: Role) -> Callable:
    """Allow only signed-in users with one of the roles; anonymous users are sent to sign in."""
    allowed = {Role(r) for r in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]  # set by Flask-Login
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


def signed_in(view: Callable) -> Callable:
    """Any signed-in user."""
    return roles_required(*Role)(view)


_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def safe_next(target: str | None, default: str) -> str:
    """Return target only if it is a path on this site; otherwise the default.

    Browsers treat backslashes like slashes and drop tabs and newlines, so '/\\evil',
    '//evil', '/\t/evil' and 'https:evil' all leave the site; none of them pass.
    """
    if not target or len(target) > 2000:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    if _SCHEME_RE.match(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(session: Session, stmt: Select, *, per_page: int | None = None) -> Page:
    """Run a select for the page named in ?page= (1-based), with the total count."""
    per_page = per_page or current_app.config["PAGE_SIZE"]
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100000))
    except ValueError:
        page = 1
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def client_address() -> str:
    """The client's address (behind a trusted proxy: the one it forwarded, see TRUSTED_PROXIES)."""
    from einkauf.boundary import client_address as address_of

    return address_of(request)


def long_form(fields: int, *, bytes_per_field: int = 200) -> Callable:
    """Mark a view whose legitimate form has up to `fields` fields: its caps are raised before
    anything reads the form, the global CSRF check included (see create_app)."""

    def decorator(view: Callable) -> Callable:
        view.form_fields = (fields, bytes_per_field)  # type: ignore[attr-defined]
        return view

    return decorator


def allow_form_fields(fields: int, *, bytes_per_field: int = 200) -> None:
    """Raise this request's form caps (MAX_FORM_PARTS, MAX_FORM_MEMORY_SIZE) for a page whose
    legitimate form has up to `fields` fields; call before request.form is read. The caps
    never go below the configured defaults nor above MAX_CONTENT_LENGTH."""
    config = current_app.config
    request.max_form_parts = max(config["MAX_FORM_PARTS"], fields)
    memory = max(config["MAX_FORM_MEMORY_SIZE"], fields * bytes_per_field)
    limit = config.get("MAX_CONTENT_LENGTH")
    request.max_form_memory_size = min(memory, limit) if limit else memory


def registered_file_response(content: bytes, content_type: str, file_name: str):
    """A registered document as a download: never cached, never sniffed into another type."""
    import io

    from flask import send_file

    response = send_file(io.BytesIO(content), mimetype=content_type, as_attachment=True, download_name=file_name,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
