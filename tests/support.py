"""Helpers for tests that are plain functions (import with `from support import ...`)."""
import re


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)
