"""Informationsschreiben nach § 134 GWB (R19): the letter to one unsuccessful bidder of an EU
procedure — the lots it bid for, per lot the outcome (its own award, the winner's name, or the
lot's cancellation) and the reasons, and the earliest date of the contract's conclusion.

Pure: plain dataclasses in, PDF bytes out. The waiting period is counted by the caller
(einkauf.tenders.periods) and comes in as the date and its German explanation. Every text of a
user (bidder names, addresses, reasons) goes through the escaping helpers of layout.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from einkauf.exports.pdf.layout import Heading, facts_table, para
from einkauf.exports.pdf.letter import address, build_letter, letter_close, letter_head
from einkauf.exports.pdf.sections import generated
from einkauf.formatting import format_date_de, format_day_de

DOCUMENT_NAME = "Informationsschreiben nach § 134 GWB"


@dataclass(frozen=True)
class LetterLot:
    """One lot the bidder bid for: `won` when its bid is to be accepted; `outcome` what is to
    happen with the lot (German), `reasons` why the bidder's bid is not to be accepted ("" when won)."""

    number: str
    title: str
    won: bool
    outcome: str
    reasons: str


@dataclass(frozen=True)
class InformationLetter:
    cooperative_name: str
    cooperative_address: str
    reference: str
    title: str
    procedure: str
    bidder_name: str
    bidder_address: str
    sent_on: date
    channel: str  # German: "elektronisch", "per Post"
    earliest_contract_date: date
    waiting_text: str  # einkauf.tenders.periods.WaitingPeriod.describe()
    lots: tuple[LetterLot, ...]


INTRO = ("in dem oben genannten Vergabeverfahren ({procedure}) haben Sie ein Angebot abgegeben. Gemäß § 134 "
         "Abs. 1 GWB informieren wir Sie hiermit über den Namen des Unternehmens, dessen Angebot angenommen "
         "werden soll, über die Gründe der vorgesehenen Nichtberücksichtigung Ihres Angebots und über den "
         "frühesten Zeitpunkt des Vertragsschlusses.")
LEGAL = ("Ein Vertrag darf erst nach Ablauf der Wartefrist des § 134 Abs. 2 GWB geschlossen werden; ein vorher "
         "geschlossener Vertrag ist nach § 135 Abs. 1 Nr. 1 GWB von Anfang an unwirksam. Wir weisen auf die "
         "Rügeobliegenheit nach § 160 Abs. 3 GWB hin: Ein Antrag auf Nachprüfung ist unzulässig, soweit der "
         "Antragsteller einen erkannten Verstoß gegen Vergabevorschriften nicht innerhalb von zehn Kalendertagen "
         "gegenüber dem Auftraggeber gerügt hat (§ 160 Abs. 3 Satz 1 Nr. 1 GWB) oder mehr als 15 Kalendertage nach "
         "Eingang der Mitteilung des Auftraggebers, einer Rüge nicht abhelfen zu wollen, vergangen sind "
         "(§ 160 Abs. 3 Satz 1 Nr. 4 GWB).")


def _lot_story(lot: LetterLot) -> list:
    rows = [("Ergebnis", lot.outcome)]
    if not lot.won:
        rows.append(("Gründe der Nichtberücksichtigung", lot.reasons))
    return [Heading(f"Los {lot.number} – {lot.title}", "h2"), facts_table(rows)]


def build_information_letter(letter: InformationLetter, *, generated_at: datetime | None = None) -> bytes:
    """The letter as PDF bytes; the same letter and generated_at give the same bytes."""
    moment = generated(generated_at)
    story: list = [
        *letter_head(address(letter.cooperative_name, letter.cooperative_address),
                     address(letter.bidder_name, letter.bidder_address),
                     f"Datum: {format_date_de(letter.sent_on)} (Versand {letter.channel})"),
        Heading(f"{DOCUMENT_NAME}: Vergabenummer {letter.reference} – {letter.title}", "h1"),
        para("Sehr geehrte Damen und Herren,", "body_left"),
        para(INTRO.format(procedure=letter.procedure)),
        para("Ihr Angebot betrifft die folgenden Lose:", "body_left"),
    ]
    for lot in letter.lots:
        story += _lot_story(lot)
    story += [
        Heading("Frühester Zeitpunkt des Vertragsschlusses", "h2"),
        para(f"Der Vertrag wird frühestens am {format_day_de(letter.earliest_contract_date)} geschlossen.", "body_left"),
        para(letter.waiting_text),
        para(LEGAL),
        *letter_close(letter.cooperative_name),
    ]
    return build_letter(story, document_name=DOCUMENT_NAME, cooperative_name=letter.cooperative_name,
                        reference=letter.reference, title=letter.title, recipient=letter.bidder_name,
                        keywords=("§ 134 GWB", "Informationsschreiben"), generated_at=moment)
