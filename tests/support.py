"""Helpers for tests that are plain functions (import with `from support import ...`)."""
import re
from datetime import UTC, datetime


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


def reference_file(name: str):
    """A file of the official reference lists in ../shared/reference (never copied into the repo).

    Skipped with the reason where the folder is missing, except in CI (EINKAUF_REQUIRE_REFERENCE),
    where a missing list is a failure.
    """
    import os

    import pytest

    from einkauf.config import PROJECT_ROOT

    path = PROJECT_ROOT.parent / "shared" / "reference" / name
    if not path.exists():
        if os.environ.get("EINKAUF_REQUIRE_REFERENCE"):
            pytest.fail(f"EINKAUF_REQUIRE_REFERENCE ist gesetzt, aber {path} fehlt")
        pytest.skip(f"Referenzliste {path} fehlt")
    return path


def soffice() -> str:
    """LibreOffice's soffice binary. Skipped where it is missing, except when
    EINKAUF_REQUIRE_LIBREOFFICE is set (CI installs libreoffice-calc-nogui): then a failure."""
    import os
    import shutil

    import pytest

    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        if os.environ.get("EINKAUF_REQUIRE_LIBREOFFICE"):
            pytest.fail("EINKAUF_REQUIRE_LIBREOFFICE ist gesetzt, aber soffice fehlt "
                        "(apt-get install libreoffice-calc-nogui)")
        pytest.skip("LibreOffice (soffice) fehlt; in CI: libreoffice-calc-nogui")
    return found


def filled_template(data: bytes, quantities: dict) -> bytes:
    """A downloaded demand template with quantities typed into the rows of the article numbers."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    for row in book["Bedarf"].iter_rows(min_row=2):
        if row[1].value in quantities:
            row[5].value = quantities[row[1].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The "today" of tests that publish "in 14 days" (fixture fixed_clock): a day in the 2026–2027
# threshold period, so that no result depends on the day the suite runs.
FIXED_NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


# The password of every user the test fixtures create (conftest.make_user).
PASSWORD = "richtig-geheim-1"


def kern_assets():
    """The KERN UX npm assets (node_modules, installed by make). Skipped with the reason where
    they are missing, except when EINKAUF_REQUIRE_KERN is set (CI): then a failure."""
    import os

    import pytest

    from einkauf.config import PROJECT_ROOT

    dist = PROJECT_ROOT / "node_modules" / "@kern-ux" / "native" / "dist"
    if not (dist / "kern.min.css").exists():
        if os.environ.get("EINKAUF_REQUIRE_KERN"):
            pytest.fail(f"EINKAUF_REQUIRE_KERN ist gesetzt, aber {dist} fehlt (npm ci)")
        pytest.skip(f"KERN-Assets fehlen ({dist}); make installiert sie mit npm ci")
    return dist


def text(response) -> str:
    """A page as text, with non-breaking spaces (1.234,56 €) as plain spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ")


def text_as_sent(response) -> str:
    """A page as text exactly as sent (for assertions on the non-breaking spaces themselves)."""
    return response.get_data(as_text=True)


def input_value(html: str, name: str) -> str | None:
    """The value of the input named `name` in a page ("" without a value, None without the input)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""
