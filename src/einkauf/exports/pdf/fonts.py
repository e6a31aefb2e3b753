"""The embedded TrueType fonts of the PDFs (R14): DejaVu Sans, which covers German letters,
"€", typographic quotes and dashes. The standard PDF fonts would not embed anything and lack
glyphs outside Latin-1.

The fonts come from the system (Debian package fonts-dejavu-core, installed by .ci/run);
EINKAUF_FONT_DIR points elsewhere. A missing file is a clear error, not a PDF with holes.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

REGULAR = "EinkaufSans"
BOLD = "EinkaufSans-Bold"
ITALIC = "EinkaufSans-Oblique"
BOLD_ITALIC = "EinkaufSans-BoldOblique"
CONDENSED = "EinkaufSansCondensed"
CONDENSED_BOLD = "EinkaufSansCondensed-Bold"

FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
    CONDENSED: "DejaVuSansCondensed.ttf",
    CONDENSED_BOLD: "DejaVuSansCondensed-Bold.ttf",
}

_lock = threading.Lock()
_registered = False


class FontMissing(RuntimeError):
    """A TrueType file the PDFs need is not installed."""


def font_dir() -> Path:
    return Path(os.environ.get("EINKAUF_FONT_DIR") or DEFAULT_FONT_DIR)


def register_fonts() -> None:
    """Register the fonts with reportlab once per process; FontMissing names what to install."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = font_dir()
        missing = [name for name in FILES.values() if not (folder / name).is_file()]
        if missing:
            raise FontMissing(
                f"Schriftdateien fehlen in {folder}: {', '.join(missing)}. Bitte das Debian-Paket "
                "fonts-dejavu-core installieren (apt-get install fonts-dejavu-core) oder EINKAUF_FONT_DIR "
                "auf einen Ordner mit den DejaVu-TTF-Dateien setzen.")
        for name, file in FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        for family, regular, bold in ((REGULAR, REGULAR, BOLD), (CONDENSED, CONDENSED, CONDENSED_BOLD)):
            addMapping(family, 0, 0, regular)
            addMapping(family, 1, 0, bold)
            addMapping(family, 0, 1, ITALIC if family == REGULAR else regular)
            addMapping(family, 1, 1, BOLD_ITALIC if family == REGULAR else bold)
        _registered = True
