"""What the letters of the cooperative share (the information of § 134 GWB to bidders, the award
letters to members): the sender above the addressee, the closing, and one build with the PDF's
metadata and page frame. Pure; user text escaped by layout.para."""
from __future__ import annotations

from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from einkauf.exports.pdf.layout import PageFrame, PdfMeta, build_pdf, para


def address(*parts: str) -> str:
    """Name and address lines, empty parts left out."""
    return "\n".join(part.strip() for part in parts if part and part.strip())


def letter_head(sender: str, addressee: str, date_line: str) -> list:
    """The sender (small), the addressee, the date line."""
    return [para(sender, "small"), Spacer(1, 4 * mm), para(addressee, "body_left"), Spacer(1, 8 * mm),
            para(date_line, "body_left")]


def letter_close(cooperative_name: str) -> list:
    return [
        Spacer(1, 4 * mm),
        para("Mit freundlichen Grüßen", "body_left"),
        para(cooperative_name, "body_left"),
        para("Dieses Schreiben wurde maschinell erstellt und ist ohne Unterschrift gültig.", "small"),
    ]


def build_letter(story: list, *, document_name: str, cooperative_name: str, reference: str, title: str,
                 recipient: str, keywords: tuple[str, ...], generated_at: datetime) -> bytes:
    """The letter's PDF: metadata and page frame name the document, the tender and the recipient."""
    meta = PdfMeta(title=f"{document_name} {reference} – {recipient}", author=cooperative_name,
                   subject=f"{document_name}: {title}", keywords=(reference, *keywords))
    frame = PageFrame(header_left=cooperative_name, header_right=reference,
                      footer_left=f"{document_name} – {recipient}")
    return build_pdf(story, meta, frame, generated_at)
