"""The tender documents and their register (issue 5).

tender_document_data reads a frozen tender's plan (lots, positions with their product texts,
allocations) into the plain records of einkauf.exports.tender_data — a handful of set-based
queries, whatever the number of demand lines. generate_documents renders the Vergabeunterlagen
(PDF, for bidders), the Vergabevermerk (PDF, internal) and the Leistungsverzeichnis/Preisblatt
(xlsx, for bidders), registers each with size and SHA-256 and a new version number in its
name, and lets it appear under `<export folder>/<Vergabenummer>/` only once the register row
has committed (nothing is ever overwritten). check_exports compares the folder with the
register. read_document hands a registered file back only when it is still what was registered.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from einkauf.actor import Actor
from einkauf.audit.services import actor_label, record_event
from einkauf.catalogue.models import Category, CpvCode, Product
from einkauf.db import claim_version, utcnow
from einkauf.errors import InvalidState, NotFound, StaleVersion, ValidationFailed
from einkauf.formatting import format_number_de
from einkauf.lots.models import Allocation, Lot, LotPosition
from einkauf.lots.planner import LotRules
from einkauf.lots.procedure import EU_OPEN_PROCEDURE
from einkauf.lots.services import lot_members, member_annual_shares
from einkauf.lots.values import lot_money
from einkauf.rounds.models import DeliverySite, Member
from einkauf.tenders.models import TENDER_DOCUMENT_KINDS, Document, DocumentKind, Tender, TenderStatus
from einkauf.tenders.rules import check_submission_deadline, describe_lot_rules
from einkauf.tenders.services import award_criteria_of, get_tender
from einkauf.texts import N_

log = logging.getLogger(__name__)

MAX_TEXT_BLOCK = 50_000


@dataclass(frozen=True)
class KindInfo:
    label: str  # German, for the register and the file name
    suffix: str
    content_type: str


KINDS: dict[DocumentKind, KindInfo] = {
    DocumentKind.BIDDER_PDF: KindInfo(N_("Vergabeunterlagen"), "pdf", "application/pdf"),
    DocumentKind.RECORD_PDF: KindInfo(N_("Vergabevermerk"), "pdf", "application/pdf"),
    DocumentKind.PRICE_SHEET: KindInfo(N_("Preisblatt"), "xlsx",
                                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    DocumentKind.INFO_LETTER: KindInfo(N_("Informationsschreiben"), "pdf", "application/pdf"),
    DocumentKind.AWARD_LETTER: KindInfo(N_("Zuschlagsmitteilung"), "pdf", "application/pdf"),
}


def _generators() -> dict[DocumentKind, Callable]:
    from einkauf.exports.pdf.bidder import build_bidder_pdf
    from einkauf.exports.pdf.record import build_record_pdf
    from einkauf.exports.price_sheet import build_price_sheet

    return {DocumentKind.BIDDER_PDF: build_bidder_pdf, DocumentKind.RECORD_PDF: build_record_pdf,
            DocumentKind.PRICE_SHEET: build_price_sheet}


def tender_document_data(session: Session, tender: Tender, *, cooperative_name: str, cooperative_address: str = ""):
    """The frozen tender as einkauf.exports.tender_data.TenderDocument (members per lot, R6)."""
    from einkauf.exports import tender_data as td

    plan_id = tender.plan_id
    lots = list(session.scalars(select(Lot).where(Lot.plan_id == plan_id).order_by(Lot.sort_key)))
    decided = {lot.lot_id: lot for lot in tender.lots}
    labels = dict(session.execute(select(CpvCode.code, CpvCode.label).where(CpvCode.code.in_(
        {code for lot in lots for code in (lot.cpv_code, *lot.additional_cpv_codes)}))).tuples().all())
    positions: dict[int, list[LotPosition]] = {lot.id: [] for lot in lots}
    for position in session.scalars(select(LotPosition).where(LotPosition.plan_id == plan_id)
                                    .order_by(LotPosition.lot_id, LotPosition.number)):
        positions[position.lot_id].append(position)
    site_counts = dict(session.execute(
        select(Allocation.position_id, func.count(func.distinct(Allocation.delivery_site_id)))
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .where(LotPosition.plan_id == plan_id).group_by(Allocation.position_id)).tuples().all())
    sites: dict[int, list] = {lot.id: [] for lot in lots}
    for lot_id, name, street, postcode, city, member_name, ags in session.execute(
            select(LotPosition.lot_id, DeliverySite.name, DeliverySite.street, DeliverySite.postcode,
                   DeliverySite.city, Member.name, Member.ags)
            .select_from(Allocation)
            .join(LotPosition, LotPosition.id == Allocation.position_id)
            .join(DeliverySite, DeliverySite.id == Allocation.delivery_site_id)
            .join(Member, Member.id == DeliverySite.member_id)
            .where(LotPosition.plan_id == plan_id)
            .group_by(LotPosition.lot_id, DeliverySite.id, DeliverySite.name, DeliverySite.street,
                      DeliverySite.postcode, DeliverySite.city, Member.name, Member.ags)
            .order_by(LotPosition.lot_id, Member.ags, DeliverySite.name)):
        address = "\n".join(part for part in (street, f"{postcode} {city}".strip()) if part)
        sites[lot_id].append(td.DeliverySite(name=name, address=address, member_name=member_name, member_ags=ags))
    # Each member's annual share of a lot (Σ of its rounded rows) and its term share from it:
    # one derivation, einkauf.lots.values.lot_money, as on the pages and in the finance export (R22).
    annual = member_annual_shares(session, plan_id)
    members = lot_members(session, plan_id)

    tender_lots = []
    for lot in lots:
        decision = decided.get(lot.id)
        money = lot_money(lot.annual_value, lot.estimated_value, tender.round.contract_term_months
                          + tender.round.extension_months, annual.get(lot.id, {}))
        count = len(positions[lot.id])
        tender_lots.append(td.TenderLot(
            number=lot.number, title=lot.title, cpv_code=lot.cpv_code, cpv_label=labels.get(lot.cpv_code, ""),
            procedure=decision.procedure if decision else tender.procedure,
            small_lot_quota=bool(decision and decision.small_lot_quota), estimated_value=lot.estimated_value,
            maximum_value=lot.maximum_value,
            members=tuple(td.Beneficiary(name=name, ags=ags) for ags, name in members.get(lot.id, [])),
            positions=tuple(td.TenderPosition(
                oz=td.position_oz(lot.number, p.number, count), product_number=p.product_number,
                short_text=p.short_text, specification=p.specification, unit=p.unit_label or p.unit_code,
                annual_quantity=p.annual_quantity, estimated_quantity=p.estimated_quantity,
                maximum_quantity=p.maximum_quantity, reference_price=p.reference_price,
                estimated_value=p.estimated_value, delivery_site_count=int(site_counts.get(p.id, 0)))
                for p in positions[lot.id]),
            delivery_sites=tuple(sites[lot.id]),
            additional_cpv=tuple(td.CpvEntry(code, labels.get(code, "")) for code in lot.additional_cpv_codes),
            member_shares=tuple(td.MemberShare(member_name=share.key[1], member_ags=share.key[0],
                                               value=share.term_value, annual_value=share.annual_value)
                                for share in money.members),
            annual_value=lot.annual_value,
        ))
    rnd = tender.round
    return td.TenderDocument(**_freeze_decisions(session, tender),
        cooperative_name=cooperative_name, cooperative_address=cooperative_address, reference=tender.reference,
        title=tender.title, procedure=tender.procedure, eu_wide=tender.eu_wide,
        publication_date=tender.publication_date, submission_deadline=tender.submission_deadline,
        contract_term_months=rnd.contract_term_months, extension_months=rnd.extension_months,
        award_criteria=tuple(td.AwardCriterion(name=name, weight_pct=weight)
                             for name, weight in award_criteria_of(tender)),
        lots=tuple(tender_lots), frozen_at=tender.frozen_at, frozen_by=tender.frozen_by_label,
        invitation_text=tender.invitation_text or td.default_invitation_text(tender.electronic_submission),
        conditions_text=tender.conditions_text or td.DEFAULT_CONDITIONS_TEXT,
        procedure_reasons=tuple(tender.reason_list), threshold_amount=tender.threshold_amount,
        threshold_valid_from=tender.threshold_valid_from, threshold_valid_to=tender.threshold_valid_to,
        estimated_total=tender.estimated_total, maximum_total=tender.maximum_total, value_basis=tender.value_basis,
    )


def _freeze_decisions(session: Session, tender: Tender) -> dict:
    """The TenderDocument fields of the decisions taken at the freeze (issue 10, § 8 VgV)."""
    plan = tender.plan
    rules = LotRules.from_json(json.loads(plan.rules or "{}"))
    category_ids = {cid for group in rules.merge_groups for cid in group} | set(rules.region_split)
    categories = dict(session.execute(select(Category.id, Category.name)
                                      .where(Category.id.in_(category_ids))).tuples().all()) if category_ids else {}
    products = {pid: f"{number} {short_text}" for pid, number, short_text in session.execute(
        select(Product.id, Product.number, Product.short_text)
        .where(Product.id.in_(rules.excluded_products)))} if rules.excluded_products else {}
    minimum_days, minimum_end = tender.minimum_period_days, tender.minimum_period_end
    if minimum_end is None and tender.eu_wide and tender.procedure == EU_OPEN_PROCEDURE:
        # A tender frozen before the minimum period was stored: the same pure rule on its stored inputs.
        check = check_submission_deadline(tender.publication_date, tender.submission_deadline, eu_wide=True,
                                          procedure=tender.procedure,
                                          electronic_submission=tender.electronic_submission)
        minimum_days, minimum_end = check.minimum_days, check.minimum_end
    return {
        "question_deadline": tender.question_deadline,
        "electronic_submission": tender.electronic_submission,
        "minimum_period_days": minimum_days,
        "minimum_period_end": minimum_end,
        "deadline_warnings": tuple(tender.warning_list),
        "deadline_justification": tender.deadline_justification,
        "scoring_formula": tender.scoring_formula,
        "national_procedure": tender.national_procedure,
        "lot_rules": tuple(describe_lot_rules(rules, categories, products,
                                              national_procedure=tender.national_procedure,
                                              excluded_line_count=plan.excluded_line_count)),
    }


def write_atomically(folder: Path, file_name: str, data: bytes) -> Path:
    """Write to a hidden temporary file in the same folder, flush to disk, then link it to its
    final name; an existing file is never replaced (FileExistsError)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.link(temporary, target)  # fails if the name exists: no silent overwrite
    finally:
        os.unlink(temporary)
    return target


# --- files that appear only when their register row commits (issue 11) -------------------------
#
# A generated file is written under a hidden temporary name `.<final name>.<random>.tmp` in its
# folder; the register row is added in the same transaction; only after that transaction has
# committed is the file linked to its final name. A generation that is rolled back removes its
# temporary files; one that is killed leaves at most temporary files (before the commit) or a
# committed row with its file still under the temporary name (after) — check_exports finds
# both: it removes the first and moves the second into place.

_PENDING_FILES = "einkauf.pending_files"
TEMPORARY_RE = re.compile(r"^\.(?P<final>.+)\.[A-Za-z0-9_-]{6,}\.tmp\Z|^\.tmp-")


def _write_temporary(folder: Path, file_name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{file_name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(temporary)
        raise
    return Path(temporary)


def _stage(session: Session, temporary: Path, target: Path) -> None:
    """Link `temporary` to `target` once the session's transaction commits; remove it if the
    transaction ends otherwise."""
    pending = session.info.get(_PENDING_FILES)
    if pending is None:
        pending = session.info[_PENDING_FILES] = []
        event.listen(session, "after_commit", _move_pending_into_place)
        event.listen(session, "after_transaction_end", _discard_pending)
    pending.append((temporary, target))


def _move_pending_into_place(session: Session) -> None:
    pending = session.info.get(_PENDING_FILES) or []
    session.info[_PENDING_FILES] = []
    for temporary, target in pending:
        try:
            os.link(temporary, target)  # never replaces an existing file
            os.unlink(temporary)
        except OSError:
            # The row is committed; check_exports moves the file into place later.
            log.error("generated file %s could not be moved to %s", temporary, target, exc_info=True)


def staged_content(session: Session, document: Document) -> bytes:
    """The bytes of a document generated in this session's open transaction (still under its
    temporary name until the commit), e.g. to copy it elsewhere before committing."""
    for temporary, target in session.info.get(_PENDING_FILES) or []:
        if target.name == document.file_name:
            return temporary.read_bytes()
    raise NotFound("Die Datei des Dokuments wurde in dieser Sitzung nicht erzeugt.")


def _discard_pending(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint or a subtransaction, not the end of the work
        return
    pending = session.info.get(_PENDING_FILES) or []
    session.info[_PENDING_FILES] = []
    for temporary, _target in pending:  # not committed: nothing may point to these files
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _safe_reference(reference: str) -> str:
    cleaned = "".join(ch for ch in reference if ch.isascii() and (ch.isalnum() or ch in "-_"))
    if not cleaned or cleaned != reference:
        raise ValidationFailed("Die Vergabenummer eignet sich nicht als Ordnername.")
    return cleaned


REQUEST_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z")


@dataclass(frozen=True)
class RenderedDocuments:
    """A tender's documents rendered from its state at `tender_version`, not yet registered."""

    tender_id: int
    tender_version: int
    generated_at: datetime
    files: list[tuple[DocumentKind, bytes]]


# --- the award part of the Vergabevermerk (issue 13) ----------------------------------------------
#
# After the opening the Vergabevermerk also records the opening, the checks, the Preisspiegel and
# the award. Those live in einkauf.bids, which this package may not import (layers); the
# composition root (einkauf.app.create_app and the `einkauf` command group) provides the builder
# here once, so that every generation — the tender page, `einkauf tender documents`, the
# Preisspiegel page — carries the part and a regeneration never drops it.

AwardPartBuilder = Callable[[Session, Tender], Any]  # → einkauf.exports.tender_data.AwardRecord | None
_award_part: list[AwardPartBuilder] = []


def provide_award_part(builder: AwardPartBuilder) -> None:
    """Use `builder(session, tender)` for the award part of every Vergabevermerk (None before the
    opening). Providing it again replaces it."""
    _award_part[:] = [builder]


def _with_award_part(session: Session, tender: Tender, data):
    if not _award_part:
        log.warning("no award part provided (einkauf.tenders.documents.provide_award_part): the Vergabevermerk "
                    "of %s shows no opening and award", tender.reference)
        return data
    award = _award_part[0](session, tender)
    return data if award is None else replace(data, award=award)


def render_documents(session: Session, tender_id_or_reference: int | str, *, cooperative_name: str,
                     cooperative_address: str = "", kinds: Iterable[DocumentKind] = TENDER_DOCUMENT_KINDS,
                     now: datetime | None = None) -> RenderedDocuments:
    """Render the tender's documents (the slow part) without writing anything, so that a web
    request can do it before its write transaction begins (issue 11)."""
    tender = get_tender(session, tender_id_or_reference)
    _ensure_active(tender)
    now = now or utcnow()
    kinds = tuple(kinds)
    data = tender_document_data(session, tender, cooperative_name=cooperative_name,
                                cooperative_address=cooperative_address)
    # Only the internal Vergabevermerk gets the award part (bid prices: R7, R15).
    record = _with_award_part(session, tender, data) if DocumentKind.RECORD_PDF in kinds else data
    generators = _generators()
    return RenderedDocuments(tender_id=tender.id, tender_version=tender.version, generated_at=now,
                             files=[(kind, generators[kind](record if kind == DocumentKind.RECORD_PDF else data,
                                                            generated_at=now)) for kind in kinds])


def _ensure_active(tender: Tender) -> None:
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben; es werden keine Unterlagen "
                           "mehr erzeugt.")


def register_documents(session: Session, actor: Actor, rendered: RenderedDocuments, export_dir: str | Path, *,
                       request_key: str | None = None) -> list[Document]:
    """Register rendered documents as a new version of each; the files take their final names
    when the transaction commits.

    Generations of one tender run one at a time (the tender row is locked). A `request_key`
    that already produced documents returns those instead of a new version, so that a double
    click makes one version (issue 11). A tender changed since rendering (its text blocks, a
    cancellation) is refused with StaleVersion: the documents would not show it.
    """
    tender = get_tender(session, rendered.tender_id)
    if session.get_bind().dialect.name != "sqlite":
        # SQLite: the write transaction (BEGIN IMMEDIATE) already admits one writer at a time.
        session.refresh(tender, with_for_update=True)
    if request_key is not None:
        if not REQUEST_KEY_RE.match(request_key):
            raise ValidationFailed("Ungültige Formularkennung. Bitte laden Sie die Seite neu.")
        done = list(session.scalars(select(Document).where(Document.tender_id == tender.id,
                                                            Document.request_key == request_key)
                                    .order_by(Document.kind)))
        if done:
            log.info("documents of tender %s: request %s already answered", tender.reference, request_key[:8])
            return done
    _ensure_active(tender)
    if tender.version != rendered.tender_version:
        raise StaleVersion("Das Vergabeverfahren wurde während des Erzeugens geändert. Bitte erzeugen Sie die "
                           "Unterlagen erneut, damit sie den aktuellen Stand zeigen.")
    now = rendered.generated_at
    documents = []
    for kind, content in rendered.files:
        documents.append(_add_document(session, actor, tender, export_dir, kind, content, now=now,
                                       request_key=request_key))
    session.flush()
    record_event(session, actor, "tender.documents", "tender", tender.id,
                 summary=f"Unterlagen des Vergabeverfahrens {tender.reference} erzeugt: "
                         + ", ".join(f"{KINDS[d.kind].label} v{d.version}" for d in documents),
                 after={"documents": [{"file": d.file_name, "sha256": d.sha256, "size": d.size} for d in documents]})
    log.info("documents of tender %s generated by %s: %s", tender.reference, actor_label(actor),
             ", ".join(d.file_name for d in documents))
    return documents


def _add_document(session: Session, actor: Actor, tender: Tender, export_dir: str | Path, kind: DocumentKind,
                  content: bytes, *, now: datetime, request_key: str | None = None, recipient: str = "",
                  name_part: str = "") -> Document:
    """A register row for `content` as the next version of (tender, kind, recipient); its file
    is staged under a temporary name and takes its final name when the transaction commits."""
    info = KINDS[kind]
    folder_name = _safe_reference(tender.reference)
    folder = Path(export_dir) / folder_name
    version = int(session.scalar(select(func.max(Document.version))
                                 .where(Document.tender_id == tender.id, Document.kind == kind,
                                        Document.recipient == recipient)) or 0) + 1
    stem = f"{folder_name}_{info.label}" + (f"_{name_part}" if name_part else "")
    file_name = f"{stem}_v{version}.{info.suffix}"
    while (folder / file_name).exists():  # a file no row points to (see check_exports): never overwrite it
        version += 1
        file_name = f"{stem}_v{version}.{info.suffix}"
    temporary = _write_temporary(folder, file_name, content)
    _stage(session, temporary, folder / file_name)
    document = Document(tender_id=tender.id, kind=kind, recipient=recipient, version=version, file_name=file_name,
                        path=f"{folder_name}/{file_name}", content_type=info.content_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), created_at=now,
                        created_by_id=getattr(actor, "id", None), created_by_label=actor_label(actor),
                        request_key=request_key)
    session.add(document)
    return document


RECIPIENT_RE = re.compile(r"^[a-z]{1,20}:[A-Za-z0-9_-]{1,60}\Z")
NAME_PART_RE = re.compile(r"^[A-Za-z0-9-]{1,60}\Z")


@dataclass(frozen=True)
class RecipientFile:
    """A rendered document addressed to one recipient: `recipient` a stable key such as
    "bidder:12" or "member:05913000", `name_part` its part of the file name ("Bieter-12")."""

    recipient: str
    name_part: str
    content: bytes


def register_recipient_documents(session: Session, actor: Actor, tender_id: int, kind: DocumentKind,
                                 files: Iterable[RecipientFile], export_dir: str | Path, *,
                                 now: datetime | None = None) -> list[Document]:
    """Register documents addressed to single recipients (information letters, letters to members),
    each as the next version of its (tender, kind, recipient); the files appear under their final
    names when the transaction commits, like the tender's own documents. Audited.

    `files` may be a generator: each file is staged (written under its temporary name) before
    the next is taken, so that many large letters never sit in memory together."""
    tender = get_tender(session, tender_id)
    if session.get_bind().dialect.name != "sqlite":
        session.refresh(tender, with_for_update=True)
    _ensure_active(tender)
    if kind in TENDER_DOCUMENT_KINDS:
        raise ValueError(f"{kind} is a document of the tender itself, not of a recipient")
    now = now or utcnow()
    documents = []
    for file in files:
        if not RECIPIENT_RE.match(file.recipient) or not NAME_PART_RE.match(file.name_part):
            raise ValueError(f"unsuitable recipient {file.recipient!r} or file name part {file.name_part!r}")
        documents.append(_add_document(session, actor, tender, export_dir, kind, file.content, now=now,
                                       recipient=file.recipient, name_part=file.name_part))
    session.flush()
    record_event(session, actor, "tender.documents", "tender", tender.id,
                 summary=f"{KINDS[kind].label} zum Vergabeverfahren {tender.reference} erzeugt: "
                         + ", ".join(d.file_name for d in documents),
                 after={"documents": [{"file": d.file_name, "recipient": d.recipient, "sha256": d.sha256,
                                       "size": d.size} for d in documents]})
    return documents


def generate_documents(session: Session, actor: Actor, tender_id_or_reference: int | str, export_dir: str | Path, *,
                       cooperative_name: str, cooperative_address: str = "",
                       kinds: Iterable[DocumentKind] = TENDER_DOCUMENT_KINDS, now: datetime | None = None,
                       request_key: str | None = None) -> list[Document]:
    """Render and register the tender's documents; each generation is a new version.

    Everything is rendered before anything is written; each file appears under its final name
    only when its register row has committed, and never overwrites an existing file. Refused
    for a cancelled tender. See register_documents for the request key.
    """
    rendered = render_documents(session, tender_id_or_reference, cooperative_name=cooperative_name,
                                cooperative_address=cooperative_address, kinds=kinds, now=now)
    return register_documents(session, actor, rendered, export_dir, request_key=request_key)


@dataclass
class ExportCheck:
    """What check_exports found in the export folder (paths relative to it)."""

    orphans: list[str] = field(default_factory=list)  # files under final names that no register row names
    temporary: list[str] = field(default_factory=list)  # temporary files of unfinished generations
    missing: list[str] = field(default_factory=list)  # register rows whose file is not there
    recovered: list[str] = field(default_factory=list)  # committed files moved from their temporary name
    removed: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing left that needs a person: no orphan or temporary file kept, no file missing."""
        left = set(self.orphans) | set(self.temporary)
        return not (left - set(self.removed)) and not self.missing


def check_exports(session: Session, export_dir: str | Path, *, remove: bool = False,
                  remove_temporary_older_than: float | None = None, now: float | None = None) -> ExportCheck:
    """Compare the export folder with the document register.

    Reports files no register row names (orphans), temporary files of unfinished generations,
    and register rows whose files are missing. A committed row whose file is still under its
    temporary name (the process died between commit and rename) is completed: the file is
    moved into place when its SHA-256 matches. `remove` deletes orphans and temporary files;
    `remove_temporary_older_than` (seconds) deletes only temporary files at least that old
    (what the start-up sweep does, so that a generation in progress keeps its files).
    """
    import time

    root = Path(export_dir)
    result = ExportCheck()
    if not root.is_dir():
        result.missing = [path for (path,) in session.execute(select(Document.path).order_by(Document.path))]
        return result
    registered = dict(session.execute(select(Document.path, Document.sha256)).tuples().all())
    now = time.time() if now is None else now
    temporaries: list[Path] = []
    present: set[str] = set()
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for file in sorted(folder.iterdir()):
            if not file.is_file():
                continue
            relative = f"{folder.name}/{file.name}"
            if TEMPORARY_RE.match(file.name):
                temporaries.append(file)
            elif relative in registered:
                present.add(relative)
            else:
                result.orphans.append(relative)
    for file in temporaries:
        relative = f"{file.parent.name}/{file.name}"
        match = TEMPORARY_RE.match(file.name)
        final = match.group("final") if match else None
        target = f"{file.parent.name}/{final}" if final else None
        if final and target and target in registered and target not in present \
                and hashlib.sha256(file.read_bytes()).hexdigest() == registered[target]:
            try:
                os.link(file, file.parent / final)
                os.unlink(file)
            except OSError:
                log.error("could not move %s into place", relative, exc_info=True)
            else:
                present.add(target)
                result.recovered.append(target)
                continue
        result.temporary.append(relative)
        old_enough = remove_temporary_older_than is not None and \
            now - file.stat().st_mtime >= remove_temporary_older_than
        if remove or old_enough:
            file.unlink(missing_ok=True)
            result.removed.append(relative)
    if remove:
        for relative in result.orphans:
            (root / relative).unlink(missing_ok=True)
            result.removed.append(relative)
    result.missing = sorted(path for path in registered if path not in present)
    for relative in result.recovered:
        log.info("export folder: %s moved into place from its temporary name", relative)
    for relative in result.removed:
        log.info("export folder: %s removed (not in the document register)", relative)
    for relative in result.orphans:
        log.warning("export folder: %s is not in the document register", relative)
    for relative in result.missing:
        log.warning("export folder: registered document %s is missing", relative)
    return result


STALE_TEMPORARY_SECONDS = 3600


def sweep_exports_at_start(session_factory, export_dir: str | Path) -> ExportCheck | None:
    """The start-up sweep of `einkauf serve`: move committed files into place, delete temporary
    files older than an hour, and log orphans and missing files (deleting orphans is left to
    `einkauf exports check --remove`). Never stops the start: a failure is logged."""
    session = session_factory()
    try:
        result = check_exports(session, export_dir, remove_temporary_older_than=STALE_TEMPORARY_SECONDS)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("export folder check at start-up failed")
        return None
    finally:
        session.close()
    log.info("export folder check at start-up: %d orphans, %d temporary (%d removed), %d missing, %d recovered",
             len(result.orphans), len(result.temporary), len(result.removed), len(result.missing),
             len(result.recovered))
    return result


def tender_documents(session: Session, tender_id: int) -> list[Document]:
    """The register of a tender: newest first per kind."""
    return list(session.scalars(select(Document).where(Document.tender_id == tender_id)
                                .order_by(Document.created_at.desc(), Document.kind, Document.version.desc())))


def newest_recipient_documents(session: Session, tender_id: int, kind: DocumentKind) -> dict[str, Document]:
    """The newest version of a per-recipient document kind of a tender, by recipient."""
    newest: dict[str, Document] = {}
    for document in session.scalars(select(Document).where(Document.tender_id == tender_id, Document.kind == kind)
                                    .order_by(Document.recipient, Document.version)):
        newest[document.recipient] = document
    return newest


def get_document(session: Session, tender_id: int, document_id: int) -> Document:
    """A document looked up by tender and id together (another tender's document is not found)."""
    document = session.scalar(select(Document).where(Document.tender_id == tender_id, Document.id == document_id))
    if document is None:
        raise NotFound("Dokument nicht gefunden.")
    return document


def read_document(export_dir: str | Path, document: Document) -> bytes:
    """The registered file's bytes; NotFound when it is missing, outside the export folder or
    no longer matches its SHA-256."""
    root = Path(export_dir).resolve()
    path = (root / document.path).resolve()
    if root not in path.parents:
        raise NotFound("Dokument nicht gefunden.")
    try:
        content = path.read_bytes()
    except OSError:
        raise NotFound("Die Datei des Dokuments fehlt im Exportordner.") from None
    if hashlib.sha256(content).hexdigest() != document.sha256:
        log.error("document %s (%s) does not match its SHA-256", document.id, document.path)
        raise NotFound("Die Datei des Dokuments wurde nach dem Erzeugen verändert.")
    return content


def update_tender_texts(session: Session, actor: Actor, tender_id: int, *, invitation_text: str, conditions_text: str,
                        expected_version: int) -> Tender:
    """Store the coordinator's text blocks of the Vergabeunterlagen ("" = the default text)."""
    tender = get_tender(session, tender_id)
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben.")
    for text in (invitation_text, conditions_text):
        if len(text) > MAX_TEXT_BLOCK:
            raise ValidationFailed(
                f"Ein Textbaustein darf höchstens {format_number_de(MAX_TEXT_BLOCK, 0)} Zeichen haben."
            )
    claim_version(session, Tender, tender, expected_version)
    before = {"invitation_text": tender.invitation_text, "conditions_text": tender.conditions_text}
    tender.invitation_text, tender.conditions_text = invitation_text, conditions_text
    session.flush()
    record_event(session, actor, "tender.texts", "tender", tender.id,
                 summary=f"Textbausteine des Vergabeverfahrens {tender.reference} geändert", before=before,
                 after={"invitation_text": invitation_text, "conditions_text": conditions_text})
    return tender
