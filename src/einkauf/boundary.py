"""The request boundary, in one place: ids in URLs, text in forms and queries, form sizes.

- Ids: every `<int:…>` in a route matches only 1 … 2,147,483,647, the range of an Integer
  column on PostgreSQL. A larger id is 404 like any other unknown record, instead of an
  OverflowError (SQLite) or `integer out of range` (PostgreSQL) and a 500.
- Text: NUL and the other C0 control characters (except tab, line feed and carriage return)
  and DEL are removed from every value and key of the query string and of posted forms
  before any view, form or service sees them. PostgreSQL refuses NUL in text, and no user
  types a control character on purpose (SECURITY.md: "refused or stripped … in one place").
- Forms: the number of fields and the size of the form's text are capped for URL-encoded
  bodies too (Werkzeug applies MAX_FORM_PARTS and MAX_FORM_MEMORY_SIZE to multipart bodies
  only); a view may raise the caps for its request (the demand entry page does, from the
  number of products on the page). Too large → 413 before anything is parsed.
"""
from __future__ import annotations

import re
import typing as t
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

# The largest value of a 32-bit signed Integer column (PostgreSQL "integer").
MAX_ID = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str) -> str:
    """The text without NUL, the other C0 control characters and DEL (tab, CR and LF stay)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


class BoundedIdConverter(IntegerConverter):
    """`<int:…>` for record ids: ASCII digits only, 1 ≤ id ≤ MAX_ID, otherwise the route does
    not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.regex = BoundedIdConverter.regex


class CleanMultiDict(ImmutableMultiDict):
    """The query string's and the form's fields with control characters removed from every
    key and text value (uploaded files are left as they are)."""

    def __init__(self, mapping=None) -> None:
        if mapping is None or isinstance(mapping, (dict, ImmutableMultiDict)):
            super().__init__(mapping)
            return
        super().__init__([(_clean(key), _clean(value)) for key, value in mapping])


def _clean(value: t.Any) -> t.Any:
    return strip_controls(value) if isinstance(value, str) else value


class FormTooLarge(RequestEntityTooLarge):
    """A form with more fields or more text than this request allows (413)."""


class BoundedFormDataParser(FormDataParser):
    """Applies the field-count and size caps to URL-encoded bodies as well."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        limit = self.max_form_memory_size
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise FormTooLarge()
        if self.max_form_parts is not None and raw.count(b"&") + 1 > self.max_form_parts:
            raise FormTooLarge()
        items = parse_qsl(raw.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return stream, self.cls(items), self.cls()


class EinkaufRequest(Request):
    """Flask's request with the boundary rules above."""

    parameter_storage_class = CleanMultiDict
    form_data_parser_class = BoundedFormDataParser


def client_address(request: Request) -> str:
    """The client's address as the WSGI server (or ProxyFix, for a trusted proxy) reports it."""
    return strip_controls(request.remote_addr or "")[:64] or "unknown"


def size_text(n: int, *, exact: bool = True) -> str:
    """A size in megabytes, German: '10,0 MB' (exact) or '5 MB' (a limit: no needless decimals)."""
    value = n / (1024 * 1024)
    text = f"{value:.1f}"
    if not exact:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + " MB"
