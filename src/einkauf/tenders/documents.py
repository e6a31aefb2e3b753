"""The tender documents and their register (issue 5).

tender_document_data reads a frozen tender's plan (lots, positions with their product texts,
allocations) into the plain records of einkauf.exports.tender_data — a handful of set-based
queries, whatever the number of demand lines. generate_documents renders the Vergabeunterlagen
(PDF, for bidders), the Vergabevermerk (PDF, internal) and the Leistungsverzeichnis/Preisblatt
(xlsx, for bidders), writes each atomically under `<export folder>/<Vergabenummer>/` with a
new version number in its name (nothing is ever overwritten), and registers it with size and
SHA-256. read_document hands a registered file back only when it is still what was registered.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from einkauf.audit.services import actor_label, record_event
from einkauf.catalogue.models import CpvCode
from einkauf.db import claim_version, utcnow
from einkauf.errors import InvalidState, NotFound, ValidationFailed
from einkauf.lots.models import Allocation, Lot, LotPosition
from einkauf.lots.rules import apportion, format_number_de
from einkauf.lots.services import lot_members
from einkauf.rounds.models import DeliverySite, Member
from einkauf.tenders.models import Document, DocumentKind, Tender, TenderStatus
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
    labels = dict(session.execute(select(CpvCode.code, CpvCode.label)
                                  .where(CpvCode.code.in_({lot.cpv_code for lot in lots}))).all())
    positions: dict[int, list[LotPosition]] = {lot.id: [] for lot in lots}
    for position in session.scalars(select(LotPosition).where(LotPosition.plan_id == plan_id)
                                    .order_by(LotPosition.lot_id, LotPosition.number)):
        positions[position.lot_id].append(position)
    site_counts = dict(session.execute(
        select(Allocation.position_id, func.count(func.distinct(Allocation.delivery_site_id)))
        .join(LotPosition, LotPosition.id == Allocation.position_id)
        .where(LotPosition.plan_id == plan_id).group_by(Allocation.position_id)).all())
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
    # Each member's share of a lot's estimated value, in proportion to Σ quantity × price of its
    # allocations (the term factor is the same for all), apportioned exactly to the cent.
    weights: dict[int, dict[tuple[str, str], int]] = {lot.id: {} for lot in lots}
    for lot_id, ags, name, weight in session.execute(
            select(LotPosition.lot_id, Member.ags, Member.name,
                   func.sum(Allocation.quantity.expression * LotPosition.reference_price.expression))
            .select_from(Allocation)
            .join(LotPosition, LotPosition.id == Allocation.position_id)
            .join(Member, Member.id == Allocation.member_id)
            .where(LotPosition.plan_id == plan_id)
            .group_by(LotPosition.lot_id, Member.ags, Member.name)):
        weights[lot_id][(ags, name)] = int(weight or 0)
    members = lot_members(session, plan_id)

    tender_lots = []
    for lot in lots:
        decision = decided.get(lot.id)
        shares = apportion(lot.estimated_value, weights[lot.id])
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
            member_shares=tuple(td.MemberShare(member_name=name, member_ags=ags, value=value)
                                for (ags, name), value in sorted(shares.items())),
        ))
    rnd = tender.round
    return td.TenderDocument(
        cooperative_name=cooperative_name, cooperative_address=cooperative_address, reference=tender.reference,
        title=tender.title, procedure=tender.procedure, eu_wide=tender.eu_wide,
        publication_date=tender.publication_date, submission_deadline=tender.submission_deadline,
        contract_term_months=rnd.contract_term_months, extension_months=rnd.extension_months,
        award_criteria=tuple(td.AwardCriterion(name=name, weight_pct=weight)
                             for name, weight in award_criteria_of(tender)),
        lots=tuple(tender_lots), frozen_at=tender.frozen_at, frozen_by=tender.frozen_by_label,
        invitation_text=tender.invitation_text or td.DEFAULT_INVITATION_TEXT,
        conditions_text=tender.conditions_text or td.DEFAULT_CONDITIONS_TEXT,
        procedure_reasons=tuple(tender.reason_list), threshold_amount=tender.threshold_amount,
        threshold_valid_from=tender.threshold_valid_from, threshold_valid_to=tender.threshold_valid_to,
        estimated_total=tender.estimated_total, maximum_total=tender.maximum_total, value_basis=tender.value_basis,
    )


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


def _safe_reference(reference: str) -> str:
    cleaned = "".join(ch for ch in reference if ch.isascii() and (ch.isalnum() or ch in "-_"))
    if not cleaned or cleaned != reference:
        raise ValidationFailed("Die Vergabenummer eignet sich nicht als Ordnername.")
    return cleaned


def generate_documents(session: Session, actor: Any, tender_id_or_reference: int | str, export_dir: str | Path, *,
                       cooperative_name: str, cooperative_address: str = "",
                       kinds: Iterable[DocumentKind] = tuple(DocumentKind), now: datetime | None = None
                       ) -> list[Document]:
    """Render and register the tender's documents; each generation is a new version.

    Everything is rendered before anything is written; files are written atomically and never
    overwrite an existing file. Refused for a cancelled tender.
    """
    tender = get_tender(session, tender_id_or_reference)
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben; es werden keine Unterlagen "
                           "mehr erzeugt.")
    now = now or utcnow()
    data = tender_document_data(session, tender, cooperative_name=cooperative_name,
                                cooperative_address=cooperative_address)
    generators = _generators()
    rendered = [(kind, generators[kind](data, generated_at=now)) for kind in kinds]
    folder_name = _safe_reference(tender.reference)
    folder = Path(export_dir) / folder_name
    documents = []
    for kind, content in rendered:
        info = KINDS[kind]
        version = int(session.scalar(select(func.max(Document.version))
                                     .where(Document.tender_id == tender.id, Document.kind == kind)) or 0) + 1
        while True:
            file_name = f"{folder_name}_{info.label}_v{version}.{info.suffix}"
            try:
                write_atomically(folder, file_name, content)
                break
            except FileExistsError:  # a file of a rolled-back generation: never overwrite it
                version += 1
        document = Document(tender_id=tender.id, kind=kind, version=version, file_name=file_name,
                            path=f"{folder_name}/{file_name}", content_type=info.content_type, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), created_at=now,
                            created_by_id=getattr(actor, "id", None), created_by_label=actor_label(actor))
        session.add(document)
        documents.append(document)
    session.flush()
    record_event(session, actor, "tender.documents", "tender", tender.id,
                 summary=f"Unterlagen des Vergabeverfahrens {tender.reference} erzeugt: "
                         + ", ".join(f"{KINDS[d.kind].label} v{d.version}" for d in documents),
                 after={"documents": [{"file": d.file_name, "sha256": d.sha256, "size": d.size} for d in documents]})
    log.info("documents of tender %s generated by %s: %s", tender.reference, actor_label(actor),
             ", ".join(d.file_name for d in documents))
    return documents


def tender_documents(session: Session, tender_id: int) -> list[Document]:
    """The register of a tender: newest first per kind."""
    return list(session.scalars(select(Document).where(Document.tender_id == tender_id)
                                .order_by(Document.created_at.desc(), Document.kind, Document.version.desc())))


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


def update_tender_texts(session: Session, actor: Any, tender_id: int, *, invitation_text: str, conditions_text: str,
                        expected_version: int) -> Tender:
    """Store the coordinator's text blocks of the Vergabeunterlagen ("" = the default text)."""
    tender = get_tender(session, tender_id)
    if tender.status != TenderStatus.ACTIVE:
        raise InvalidState(f"Das Vergabeverfahren {tender.reference} ist aufgehoben.")
    for text in (invitation_text, conditions_text):
        if len(text) > MAX_TEXT_BLOCK:
            raise ValidationFailed(f"Ein Textbaustein darf höchstens {format_number_de(MAX_TEXT_BLOCK, 0)} Zeichen haben.")
    claim_version(session, Tender, tender, expected_version)
    before = {"invitation_text": tender.invitation_text, "conditions_text": tender.conditions_text}
    tender.invitation_text, tender.conditions_text = invitation_text, conditions_text
    session.flush()
    record_event(session, actor, "tender.texts", "tender", tender.id,
                 summary=f"Textbausteine des Vergabeverfahrens {tender.reference} geändert", before=before,
                 after={"invitation_text": invitation_text, "conditions_text": conditions_text})
    return tender
