"""What the tender documents are made of: plain frozen dataclasses, filled by the tenders
package from the frozen lot plan and handed to the pure generators in einkauf.exports
(Vergabeunterlagen, Vergabevermerk, Preisblatt). No Flask, no SQLAlchemy.

Conventions the generators rely on (checked on construction):
- money and quantities are Decimal, never float (R1); quantities have at most 3 places;
- datetimes are aware (stored as UTC, printed in Europe/Berlin);
- sequences are tuples (lists are accepted and turned into tuples);
- lot numbers are unique in a tender; OZ and product numbers are unique in a lot;
- the award criteria weigh 100 % together.

Which fields reach the bidders: everything except `TenderPosition.reference_price`,
`TenderPosition.estimated_value`, `TenderLot.estimated_value`, `TenderLot.member_shares`, `TenderLot.annual_value`,
`TenderLot.small_lot_quota` and the record fields of `TenderDocument` (procedure reasons,
threshold, estimated total, deadline warnings and justification, national procedure, lot
rules, and the award part `award` with every price of the bids) — those appear only in the
internal Vergabevermerk (R7, R15).
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from einkauf.errors import ValidationFailed
from einkauf.formatting import format_number_de
from einkauf.lots.values import LotMoney, lot_money


DEFAULT_INVITATION_TEXT = """Sehr geehrte Damen und Herren,

die Einkaufskooperation schreibt im Namen und für Rechnung der in diesen Unterlagen je Los namentlich benannten Mitglieder Rahmenvereinbarungen über die Lieferung der im Leistungsverzeichnis beschriebenen Waren aus. Hiermit fordern wir Sie auf, auf der Grundlage dieser Vergabeunterlagen ein Angebot abzugeben.

Gegenstand, Lose, Laufzeit und Fristen ergeben sich aus dem Deckblatt und den folgenden Abschnitten. Sie können ein Angebot für ein einzelnes Los, für mehrere Lose oder für alle Lose abgeben. Jedes Los wird für sich gewertet und gesondert bezuschlagt; je Los wird eine Rahmenvereinbarung mit einem Unternehmen geschlossen.

Abrufberechtigt sind ausschließlich die für das jeweilige Los genannten Mitglieder. Andere Stellen dürfen aus der Rahmenvereinbarung nicht abrufen.

Die geschätzten Mengen beruhen auf den Bedarfsmeldungen der Mitglieder und sind für die Mitglieder nicht verbindlich; ein Anspruch auf Abnahme bestimmter Mengen besteht nicht. Die Höchstmengen gelten für die gesamte Laufzeit einschließlich aller Verlängerungsoptionen. Ist die Höchstmenge eines Loses erreicht, verliert die Rahmenvereinbarung für dieses Los ihre Wirkung.

Das Angebot ist ausschließlich elektronisch über die in der Bekanntmachung genannte Vergabeplattform in Textform einzureichen. Angebote per E-Mail, Telefax oder auf Papier werden nicht berücksichtigt. Tragen Sie Ihre Preise bitte in das beigefügte Preisblatt (Excel-Datei) ein und verändern Sie dessen Aufbau nicht.

Wir freuen uns auf Ihr Angebot."""

ELECTRONIC_SUBMISSION_PARAGRAPH = ("Das Angebot ist ausschließlich elektronisch über die in der Bekanntmachung "
                                   "genannte Vergabeplattform in Textform einzureichen. Angebote per E-Mail, Telefax "
                                   "oder auf Papier werden nicht berücksichtigt.")
PAPER_SUBMISSION_PARAGRAPH = ("Das Angebot ist elektronisch über die in der Bekanntmachung genannte Vergabeplattform "
                              "in Textform oder schriftlich auf Papier, unterschrieben und in einem verschlossenen "
                              "Umschlag mit der Aufschrift „Angebot – nicht öffnen“ und der Vergabenummer, an die "
                              "Vergabestelle einzureichen. Angebote per E-Mail oder Telefax werden nicht "
                              "berücksichtigt.")


def default_invitation_text(electronic_submission: bool = True) -> str:
    """The default Aufforderung zur Angebotsabgabe; with paper submission allowed at the freeze,
    its paragraph on the form of tenders says so (never "ausschließlich elektronisch")."""
    if electronic_submission:
        return DEFAULT_INVITATION_TEXT
    return DEFAULT_INVITATION_TEXT.replace(ELECTRONIC_SUBMISSION_PARAGRAPH, PAPER_SUBMISSION_PARAGRAPH)


DEFAULT_CONDITIONS_TEXT = """1. Fragen zu den Vergabeunterlagen
Fragen richten Sie bitte ausschließlich über die Vergabeplattform an die Vergabestelle, und zwar bis zur genannten Frist für Bieterfragen. Fragen und Antworten werden allen Unternehmen, die die Unterlagen abgerufen haben, in anonymisierter Form zur Verfügung gestellt. Später eingehende Fragen werden nur beantwortet, soweit dies vor Ablauf der Angebotsfrist noch möglich ist.

2. Inhalt des Angebots
Zum Angebot gehören das vollständig ausgefüllte Preisblatt, die Angaben zum Bieter, die Eigenerklärungen zur Eignung und zum Nichtvorliegen von Ausschlussgründen (§§ 123, 124 GWB) sowie die in der Bekanntmachung verlangten Nachweise. Bei Bietergemeinschaften ist ein bevollmächtigtes Mitglied zu benennen; alle Mitglieder haften gesamtschuldnerisch.

3. Preise
Alle Preise sind Nettopreise in Euro ohne Umsatzsteuer. Sie gelten als Festpreise für die Vertragslaufzeit und schließen Verpackung, Versicherung und Lieferung frei Verwendungsstelle an die genannten Lieferstellen ein. Für jede Position eines Loses ist genau ein Einheitspreis anzugeben. Ein Angebot für ein Los, in dem Positionen ohne Preis bleiben, kann von der Wertung ausgeschlossen werden.

4. Nebenangebote und Änderungen
Nebenangebote sind nicht zugelassen. Änderungen oder Ergänzungen an den Vergabeunterlagen, insbesondere am Leistungsverzeichnis und am Aufbau des Preisblatts, führen zum Ausschluss des Angebots (§ 57 Abs. 1 Nr. 4 VgV).

5. Angebotsfrist und Bindefrist
Angebote, die nach Ablauf der Angebotsfrist eingehen, werden nicht berücksichtigt. Bis zum Ablauf der Angebotsfrist kann ein Angebot über die Vergabeplattform zurückgezogen und neu eingereicht werden. Der Bieter ist bis zum Ablauf der in der Bekanntmachung genannten Bindefrist an sein Angebot gebunden.

6. Prüfung und Wertung
Die Angebote werden in vier Stufen geprüft: formale Vollständigkeit, Eignung des Bieters, Angemessenheit der Preise und Wirtschaftlichkeit. Fehlende oder unvollständige unternehmensbezogene Unterlagen können nach § 56 VgV nachgefordert werden. Der Zuschlag wird je Los auf das wirtschaftlichste Angebot nach den angegebenen Zuschlagskriterien und ihrer Gewichtung erteilt.

7. Information und Rechtsschutz
Nicht berücksichtigte Bieter werden vor dem Zuschlag über den Namen des vorgesehenen Unternehmens und die Gründe der Nichtberücksichtigung informiert. Verstöße gegen Vergabevorschriften sind unverzüglich gegenüber der Vergabestelle zu rügen. Zuständig für Nachprüfungsverfahren ist die in der Bekanntmachung genannte Vergabekammer."""


# --- checks ----------------------------------------------------------------------------------

def _decimal(value, what: str, *, places: int | None = None) -> Decimal:
    if isinstance(value, float) or not isinstance(value, Decimal):
        raise TypeError(f"{what}: Decimal expected (never float), got {value!r}")
    if not value.is_finite():
        raise ValueError(f"{what}: not a finite number: {value!r}")
    if places is not None and value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{what}: at most {places} decimal places, got {value}")
    return value


def _aware(value, what: str, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise TypeError(f"{what}: an aware datetime is expected, got {value!r}")


def _tuples(obj) -> None:
    """Turn list-valued fields into tuples, so that the frozen records are really immutable."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, list):
            object.__setattr__(obj, f.name, tuple(value))


def _months(value, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{what}: whole months ≥ 0 expected, got {value!r}")


def position_oz(lot_number: str, index: int, count: int = 0) -> str:
    """The Ordnungszahl (OZ) of a position: lot number, a dot, the 1-based position index in
    product-number order, zero-padded to three digits ("1.001", "3.2.015"); a lot with more
    than 999 positions pads all its OZ to the width of `count` ("1.0001"), so that the OZ of
    one lot still sort as text."""
    if index < 1:
        raise ValueError("position index starts at 1")
    width = max(3, len(str(max(count, index))))
    return f"{lot_number}.{index:0{width}d}"


# --- the records -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Beneficiary:
    """A member named in a framework agreement (R6): only these may call off from the lot."""

    name: str
    ags: str  # 8 digits, text


@dataclass(frozen=True)
class DeliverySite:
    """A delivery site (Lieferstelle) of a lot. `address` may hold line breaks
    ("Friedensplatz 1\\n44135 Dortmund")."""

    name: str
    address: str
    member_name: str
    member_ags: str


@dataclass(frozen=True)
class MemberShare:
    """A member's share of a lot (Vergabevermerk only, R22): `annual_value` is the sum of its
    rounded annual rows, `value` its share over the term (annual × years, see
    einkauf.lots.values.lot_money — the figure the finance export shows for it too)."""

    member_name: str
    member_ags: str
    value: Decimal
    annual_value: Decimal = Decimal("0.00")

    def __post_init__(self):
        _decimal(self.value, "MemberShare.value", places=2)
        _decimal(self.annual_value, "MemberShare.annual_value", places=2)


@dataclass(frozen=True)
class AwardCriterion:
    """A Zuschlagskriterium with its weight in percent, e.g. ("Preis", Decimal("70"))."""

    name: str
    weight_pct: Decimal

    def __post_init__(self):
        _decimal(self.weight_pct, "AwardCriterion.weight_pct", places=2)
        if self.weight_pct <= 0 or self.weight_pct > 100:
            raise ValueError(f"award criterion weight out of range: {self.weight_pct}")


@dataclass(frozen=True)
class TenderPosition:
    """One LV-Position of a lot, frozen with the tender.

    oz: Ordnungszahl, see position_oz ("1.001"); product_number: the catalogue number (text);
    annual_quantity: summed annual demand; estimated_quantity / maximum_quantity: over the
    whole term including all extension options (R5); reference_price (net, per unit) and
    estimated_value (R3): internal, printed only in the Vergabevermerk (R7);
    delivery_site_count: how many of the lot's delivery sites order this position.
    """

    oz: str
    product_number: str
    short_text: str
    specification: str
    unit: str  # German label of the unit, e.g. "Stück", "Packung (500 Blatt)"
    annual_quantity: Decimal
    estimated_quantity: Decimal
    maximum_quantity: Decimal
    reference_price: Decimal
    estimated_value: Decimal
    delivery_site_count: int = 0

    def __post_init__(self):
        for name in ("annual_quantity", "estimated_quantity", "maximum_quantity"):
            if _decimal(getattr(self, name), f"TenderPosition.{name}", places=3) < 0:
                raise ValueError(f"TenderPosition.{name} must not be negative")
        _decimal(self.reference_price, "TenderPosition.reference_price")
        _decimal(self.estimated_value, "TenderPosition.estimated_value", places=2)
        if isinstance(self.delivery_site_count, bool) or not isinstance(self.delivery_site_count, int):
            raise TypeError("TenderPosition.delivery_site_count: int expected")


@dataclass(frozen=True)
class CpvEntry:
    """A CPV code with its German label ("" when the code is not in the vocabulary table)."""

    code: str
    label: str = ""


@dataclass(frozen=True)
class TenderLot:
    """A lot of the frozen tender: number ("1", "3.2"), title, main CPV code with its German
    label (a lot merged from several categories: the other categories' codes as
    `additional_cpv`, in category order), its procedure (German text) and whether it is awarded under the small-lots quota
    (§ 3 Abs. 9 VgV), its estimated value (sum of the position values), the named
    beneficiaries (R6), the positions in OZ order, the lot's delivery sites, and (record
    only) each member's annual and term share and the lot's annual value (R22)."""

    number: str
    title: str
    cpv_code: str
    cpv_label: str
    procedure: str
    small_lot_quota: bool
    estimated_value: Decimal
    members: tuple[Beneficiary, ...]
    positions: tuple[TenderPosition, ...]
    delivery_sites: tuple[DeliverySite, ...] = ()
    member_shares: tuple[MemberShare, ...] = ()
    additional_cpv: tuple[CpvEntry, ...] = ()
    annual_value: Decimal = Decimal("0.00")  # Σ of the lot's rounded annual rows (R1, R22)
    # Record only: the value at the maximum quantities (Σ maximum quantity × reference price,
    # each half-up to cents); None when not known (then the estimate stands for it).
    maximum_value: Decimal | None = None

    def __post_init__(self):
        _tuples(self)
        _decimal(self.estimated_value, "TenderLot.estimated_value", places=2)
        _decimal(self.annual_value, "TenderLot.annual_value", places=2)
        codes = [self.cpv_code, *(entry.code for entry in self.additional_cpv)]
        if len(set(codes)) != len(codes):
            raise ValueError(f"lot {self.number}: a CPV code appears twice: {codes}")
        if self.maximum_value is not None:
            _decimal(self.maximum_value, "TenderLot.maximum_value", places=2)
        for what, values in (("OZ", [p.oz for p in self.positions]),
                             ("product number", [p.product_number for p in self.positions])):
            if len(set(values)) != len(values):
                raise ValueError(f"lot {self.number}: {what} appears twice")

    @property
    def cpv_codes(self) -> tuple[str, ...]:
        """The main CPV code first, then the additional codes."""
        return (self.cpv_code, *(entry.code for entry in self.additional_cpv))

    def cpv_text(self, *, labels: bool = True) -> str:
        """The lot's CPV codes as the documents print them: "30192000-1 – Bürobedarf"; a merged
        lot: "30192000-1 – Bürobedarf (Haupt), weitere: 30197630-1 – Druckpapier, …"
        (labels=False: codes only, "30192000-1 (Haupt), weitere: 30197630-1")."""
        def one(code: str, label: str) -> str:
            return f"{code} – {label}" if labels and label else code

        main = one(self.cpv_code, self.cpv_label)
        if not self.additional_cpv:
            return main
        return f"{main} (Haupt), weitere: " + ", ".join(one(entry.code, entry.label) for entry in self.additional_cpv)

    def money(self, term_months_total: int) -> LotMoney:
        """The lot's annual and term values side by side with the members' shares (R22);
        ValueError when the member shares do not add up to the annual value."""
        return lot_money(self.annual_value, self.estimated_value, term_months_total,
                         {(s.member_ags, s.member_name): s.annual_value for s in self.member_shares})

    def position_key(self, position: TenderPosition) -> str:
        """The stable key of a position across documents and the price-sheet import:
        "<lot number>|<product number>" (a product appears once per lot)."""
        return f"{self.number}|{position.product_number}"


@dataclass(frozen=True)
class TenderDocument:
    """Everything the three tender documents print.

    Cover and header: cooperative_name, cooperative_address (line breaks allowed), reference
    (Vergabenummer, "EK-2027-001"), title, procedure ("Offenes Verfahren (VgV)"), eu_wide.
    Dates: publication_date; submission_deadline and question_deadline (aware datetimes,
    printed in Europe/Berlin); contract_term_months and extension_months (all options).
    Texts the coordinator may edit: invitation_text (Aufforderung zur Angebotsabgabe) and
    conditions_text (Bewerbungsbedingungen) — paragraphs separated by blank lines; the
    defaults are DEFAULT_INVITATION_TEXT and DEFAULT_CONDITIONS_TEXT.
    Freezing: frozen_at (aware), frozen_by (display name or e-mail of the coordinator).
    Record only (R4): procedure_reasons (German sentences), threshold_amount with its
    validity, estimated_total (sum of the lot values, § 3 Abs. 7 VgV), maximum_total (sum of
    the lots' maximum values) and value_basis ("maximum" or "estimate": the value the threshold
    was tested with).
    """

    cooperative_name: str
    cooperative_address: str
    reference: str
    title: str
    procedure: str
    eu_wide: bool
    publication_date: date
    submission_deadline: datetime
    contract_term_months: int
    extension_months: int
    award_criteria: tuple[AwardCriterion, ...]
    lots: tuple[TenderLot, ...]
    frozen_at: datetime
    frozen_by: str
    question_deadline: datetime | None = None
    invitation_text: str = DEFAULT_INVITATION_TEXT
    conditions_text: str = DEFAULT_CONDITIONS_TEXT
    procedure_reasons: tuple[str, ...] = ()
    threshold_amount: Decimal = Decimal("0.00")
    threshold_valid_from: date | None = None
    threshold_valid_to: date | None = None
    estimated_total: Decimal = Decimal("0.00")
    # Decided at the freeze (§ 8 VgV): electronic_submission (False: also on paper); the § 15 VgV
    # minimum period in days and the instant it ends (None: not applicable); the deadline
    # warnings acknowledged and the coordinator's justification; the announced scoring formula
    # (one sentence per line, printed in both PDFs); record only: the national procedure and the
    # lot rules the plan was built with, in German sentences.
    electronic_submission: bool = True
    minimum_period_days: int | None = None
    minimum_period_end: datetime | None = None
    deadline_warnings: tuple[str, ...] = ()
    deadline_justification: str = ""
    scoring_formula: str = ""
    national_procedure: str = ""
    lot_rules: tuple[str, ...] = ()
    maximum_total: Decimal | None = None
    value_basis: str = "maximum"
    # Record only, after the opening of the bids (issue 13): opening, checks, Preisspiegel, award.
    award: AwardRecord | None = None

    @property
    def decisive_total(self) -> Decimal:
        """The total the threshold was tested with (see value_basis)."""
        if self.value_basis == "maximum" and self.maximum_total is not None:
            return self.maximum_total
        return self.estimated_total

    def __post_init__(self):
        _tuples(self)
        _aware(self.minimum_period_end, "minimum_period_end", optional=True)
        _aware(self.submission_deadline, "submission_deadline")
        _aware(self.question_deadline, "question_deadline", optional=True)
        _aware(self.frozen_at, "frozen_at")
        if isinstance(self.publication_date, datetime) or not isinstance(self.publication_date, date):
            raise TypeError("publication_date: a date is expected")
        _months(self.contract_term_months, "contract_term_months")
        _months(self.extension_months, "extension_months")
        _decimal(self.threshold_amount, "threshold_amount", places=2)
        _decimal(self.estimated_total, "estimated_total", places=2)
        if self.maximum_total is not None:
            _decimal(self.maximum_total, "maximum_total", places=2)
        if self.value_basis not in ("maximum", "estimate"):
            raise ValueError(f"value_basis: 'maximum' or 'estimate' expected, not {self.value_basis!r}")
        if not self.lots:
            raise ValueError("a tender without lots has no documents")
        numbers = [lot.number for lot in self.lots]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"lot numbers must be unique: {numbers}")
        if self.award_criteria:
            total = sum((c.weight_pct for c in self.award_criteria), Decimal(0))
            if total != 100:
                raise ValidationFailed(f"Die Gewichtungen der Zuschlagskriterien ergeben zusammen "
                                       f"{format_number_de(total, 2)} %, nicht 100 %.")

    @property
    def term_months_total(self) -> int:
        return self.contract_term_months + self.extension_months


# --- the award part of the Vergabevermerk (issue 13: opening, checks, Preisspiegel, award) -------
#
# Filled by einkauf.bids.record after the opening (before it there is none, R15) and attached to
# TenderDocument.award; only the Vergabevermerk prints it, never a bidder document (R7, R15).
# Later stages add their records as new fields with defaults (e.g. the information letters sent
# and the contract dates), so that existing builders and generators keep working.

@dataclass(frozen=True)
class OpenedBid:
    """A bid as the opening recorded it: bidder, receipt, late or not, the lots it offers and how
    many prices it holds (counts, never prices)."""

    bidder: str
    received_at: datetime
    late: bool
    lots: tuple[str, ...] = ()
    price_count: int = 0

    def __post_init__(self):
        _tuples(self)
        _aware(self.received_at, "OpenedBid.received_at")


@dataclass(frozen=True)
class OpeningRecord:
    """The opening of the bids (§ 55 VgV): when, by whom (two different people), the bids."""

    opened_at: datetime
    opened_by: tuple[str, str]
    bids: tuple[OpenedBid, ...]

    def __post_init__(self):
        _tuples(self)
        _aware(self.opened_at, "OpeningRecord.opened_at")
        if len(self.opened_by) != 2 or self.opened_by[0] == self.opened_by[1]:
            raise ValueError("the opening is recorded by two different people")

    @property
    def late_count(self) -> int:
        return sum(1 for bid in self.bids if bid.late)


CHECK_DECISIONS = ("pending", "admitted", "excluded")


@dataclass(frozen=True)
class BidLotCheck:
    """The check of one lot of one bid (R16): `decision` one of CHECK_DECISIONS; `missing` the OZ
    of the positions without a price (empty: complete); `reason` the exclusion reason (German,
    with the coordinator's text); `gap_reason` why an accepted gap is insignificant."""

    bidder: str
    lot_number: str
    decision: str
    missing: tuple[str, ...] = ()
    reason: str = ""
    gap_reason: str = ""
    checked_at: datetime | None = None
    checked_by: str = ""

    def __post_init__(self):
        _tuples(self)
        if self.decision not in CHECK_DECISIONS:
            raise ValueError(f"BidLotCheck.decision: one of {CHECK_DECISIONS}, not {self.decision!r}")
        _aware(self.checked_at, "BidLotCheck.checked_at", optional=True)


@dataclass(frozen=True)
class BidStanding:
    """A compared bid's result in one lot (Preisspiegel and Wertung, R16–R18): lot total (Σ of the
    rounded position totals), status in German, valid (ranked) or not, rank (shared within an
    unresolved tie), deviations in percent, points (None when the price alone decides), the
    reasons it is abnormally low (empty: it is not)."""

    bidder: str
    total: Decimal
    status: str
    valid: bool
    rank: int | None = None
    tied: bool = False
    deviation_from_lowest: Decimal | None = None
    deviation_from_estimate: Decimal | None = None
    price_points: Decimal | None = None
    quality_points: tuple[tuple[str, Decimal], ...] = ()
    score: Decimal | None = None
    abnormal_reasons: tuple[str, ...] = ()
    missing_count: int = 0

    def __post_init__(self):
        _tuples(self)
        _decimal(self.total, "BidStanding.total", places=2)


@dataclass(frozen=True)
class LotStanding:
    """One lot of the Preisspiegel summary: its compared bids in column order, the lowest valid lot
    total, the ties still open (bidder names) and the draw recorded for a tie (bidder names in the
    drawn order), problems that prevent scoring."""

    number: str
    title: str
    estimated_value: Decimal | None
    lowest_total: Decimal | None
    bids: tuple[BidStanding, ...]
    unresolved_ties: tuple[tuple[str, ...], ...] = ()
    drawn: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def __post_init__(self):
        _tuples(self)
        object.__setattr__(self, "unresolved_ties", tuple(tuple(t) for t in self.unresolved_ties))

    @property
    def ranking(self) -> tuple[BidStanding, ...]:
        """The valid bids by rank (then in column order)."""
        return tuple(sorted((b for b in self.bids if b.rank is not None), key=lambda b: b.rank or 0))


AWARD_OUTCOMES = ("awarded", "cancelled")


@dataclass(frozen=True)
class LotDecision:
    """The decision on a lot: awarded to `bidder` (its lot total and rank at the decision) or
    cancelled; the reason (another than the first-ranked bid, or the cancellation) and the § 60 VgV
    clarification of an abnormally low price; who decided when."""

    lot_number: str
    outcome: str
    decided_at: datetime
    decided_by: str
    bidder: str = ""
    lot_total: Decimal | None = None
    rank: int | None = None
    reason: str = ""
    clarification: str = ""

    def __post_init__(self):
        if self.outcome not in AWARD_OUTCOMES:
            raise ValueError(f"LotDecision.outcome: one of {AWARD_OUTCOMES}, not {self.outcome!r}")
        _aware(self.decided_at, "LotDecision.decided_at")
        if self.lot_total is not None:
            _decimal(self.lot_total, "LotDecision.lot_total", places=2)


class MatrixCell(NamedTuple):
    """One bidder's price of one position: unit price and position total (None: no price); lowest:
    the lowest unit price of the position; outlier: far above the median. (A named tuple, as the
    evaluation's cells: 80,000 of them at 20 lots × 500 positions × 8 bidders.)"""

    unit_price: Decimal | None
    total: Decimal | None
    lowest: bool = False
    outlier: bool = False


@dataclass(frozen=True)
class MatrixRow:
    """A position of the Preisspiegel annex with one cell per bidder of its LotMatrix."""

    oz: str
    label: str
    unit: str
    quantity: Decimal
    estimated_price: Decimal | None
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True)
class LotMatrix:
    """The Preisspiegel of one lot (annex): bidders in column order, positions × bidders, the lot
    totals per bidder (Σ of the rounded position totals, the totals of LotStanding)."""

    number: str
    title: str
    bidders: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    totals: tuple[Decimal, ...]

    def __post_init__(self):
        _tuples(self)
        if len(self.totals) != len(self.bidders):
            raise ValueError(f"lot {self.number}: one lot total per bidder")


@dataclass(frozen=True)
class AwardRecord:
    """The award part of the Vergabevermerk: the opening, the checks per bid and lot, per lot the
    Preisspiegel summary and the decisions, the annex matrices, and how the bids were scored
    (price_method: the German description of the announced price method; price_only: the lowest
    valid lot total wins; outlier_share_pct: the outlier mark of the annex)."""

    opening: OpeningRecord
    checks: tuple[BidLotCheck, ...]
    standings: tuple[LotStanding, ...]
    decisions: tuple[LotDecision, ...]
    matrices: tuple[LotMatrix, ...]
    price_only: bool = True
    price_method: str = ""
    abnormal_share_pct: Decimal = Decimal("20")
    outlier_share_pct: Decimal = Decimal("50")

    def __post_init__(self):
        _tuples(self)

    def standing(self, lot_number: str) -> LotStanding | None:
        return next((s for s in self.standings if s.number == lot_number), None)

    def decision(self, lot_number: str) -> LotDecision | None:
        return next((d for d in self.decisions if d.lot_number == lot_number), None)
