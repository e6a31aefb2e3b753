"""Bids pages, for coordinators only: bidders, receipt and prices of bids, the opening, checks.

Sealed (R15): no page shows a price before the opening is recorded — the templates get prices
only from services.lot_prices, which refuses before it. Before the opening the per-lot form
enters prices blind (the stored ones are never shown; a saved page replaces the prices of its
positions).
"""
from __future__ import annotations

import io
import math
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.berlin import NonexistentLocalTime, berlin_to_utc
from einkauf.bids import services
from einkauf.bids.charts import lots_chart
from einkauf.bids.forms import BidderForm, BidReceiptForm, BidUploadForm, CheckForm, OpeningForm
from einkauf.bids.price_sheet_import import PRICE_SHEET_LIMITS
from einkauf.demand.upload_checks import file_too_large
from einkauf.errors import DomainError, InvalidField, InvalidState, NotFound, StaleVersion
from einkauf.formatting import format_day_de
from einkauf.forms import format_decimal_de, parse_decimal_de, select_choices
from einkauf.roles import Role
from einkauf.tenders.services import get_tender
from einkauf.web import (
    begin_writing,
    client_address,
    get_db,
    load_or_404,
    long_form,
    reads_first,
    refuse,
    registered_file_response,
    roles_required,
)

bp = Blueprint("bids", __name__)

coordinator_only = roles_required(Role.COORDINATOR)
PAGE_SIZE = 100
MAX_LISTED_PROBLEMS = 200


def _actor():
    return current_user._get_current_object()


def _tender_or_404(tender_id: int):
    return load_or_404(get_tender, tender_id)


def _bid_or_404(tender, bid_id: int):
    return load_or_404(services.get_bid, tender.id, bid_id)


def _bidder_choices(form) -> None:
    form.bidder.choices = select_choices((b.id, b.name) for b in services.bidder_list(get_db()))


def _received(form) -> tuple:
    try:
        return berlin_to_utc(form.received_date.data, form.received_time.data), None
    except NonexistentLocalTime as exc:
        return None, str(exc)


# --- bidders -------------------------------------------------------------------------------------

@bp.route("/bieter", methods=["GET", "POST"])
@coordinator_only
def bidders():
    db = get_db()
    form = BidderForm()
    error = None
    if request.method == "POST" and form.validate():
        try:
            bidder = services.create_bidder(db, _actor(), name=form.name.data, address=form.address.data or "",
                                            vat_id=form.vat_id.data or "", email=form.email.data or "")
        except DomainError as exc:
            error = refuse(exc)
        else:
            flash(gettext("Bieter %(name)s angelegt.", name=bidder.name), "success")
            return redirect(url_for("bids.bidders"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("bids/bidders.html", form=form, error=error,
                           bidders=services.bidder_list(db)), status


# --- a tender's bids -------------------------------------------------------------------------------

def _overview(tender, *, upload_form=None, receipt_form=None, problems=(), error=None, status=200):
    db = get_db()
    upload_form = upload_form or BidUploadForm(formdata=None)
    receipt_form = receipt_form or BidReceiptForm(formdata=None)
    _bidder_choices(upload_form)
    _bidder_choices(receipt_form)
    bids = services.tender_bids(db, tender.id)
    counts = services.price_counts(db, [b.id for b in bids])
    lots = services.tender_lots(db, tender)
    numbers = {lot.tender_lot_id: lot.number for lot in lots}
    rows = [{"bid": b, "lots": [numbers[t] for t in sorted(counts.get(b.id, {}), key=lambda t: list(numbers).index(t))],
             "prices": sum(counts.get(b.id, {}).values())} for b in bids]
    opening = services.get_opening(db, tender.id)
    return render_template(
        "bids/tender_bids.html",
        tender=tender,
        rows=rows,
        lots=lots,
        opening=opening,
        upload_form=upload_form,
        receipt_form=receipt_form,
        problems=list(problems)[:MAX_LISTED_PROBLEMS],
        more_problems=max(0, len(problems) - MAX_LISTED_PROBLEMS),
        error=error,
        max_size=PRICE_SHEET_LIMITS.max_bytes,
    ), status


@bp.get("/vergaben/<int:tender_id>/angebote")
@coordinator_only
def tender_bids(tender_id: int):
    return _overview(_tender_or_404(tender_id))


@bp.post("/vergaben/<int:tender_id>/angebote/hochladen")
@reads_first
@coordinator_only
def upload(tender_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    form = BidUploadForm()
    _bidder_choices(form)
    if not form.validate():
        return _overview(tender, upload_form=form, status=400)
    received, problem = _received(form)
    if problem:
        form.received_time.errors = [*form.received_time.errors, problem]
        return _overview(tender, upload_form=form, status=400)
    stream = form.file.data.stream
    data = stream.read(PRICE_SHEET_LIMITS.max_bytes + 1)
    if len(data) > PRICE_SHEET_LIMITS.max_bytes:
        return _overview(tender, upload_form=form, status=413,
                         problems=[file_too_large(None, PRICE_SHEET_LIMITS.max_bytes)])
    try:
        parsed = services.read_bid_file(db, tender.id, data)  # parse in the read transaction (issue 11)
        db = begin_writing()
        bid, lots, count = services.import_bid(db, _actor(), tender.id, form.bidder.data, data, received_at=received,
                                               source="upload", parsed=parsed)
    except services.PriceSheetRefused as exc:
        refuse(exc)
        return _overview(_tender_or_404(tender_id), upload_form=form, problems=exc.problems, error=exc.message,
                         status=422)
    except DomainError as exc:
        return _overview(_tender_or_404(tender_id), upload_form=form, error=refuse(exc), status=409)
    flash(gettext("Preisblatt von %(name)s übernommen: %(lots)s Lose, %(count)s Preise.", name=bid.bidder.name,
                  lots=lots, count=count) + (" " + gettext("Das Angebot ist verspätet und ausgeschlossen.")
                                              if bid.late else ""), "success")
    return redirect(url_for("bids.tender_bids", tender_id=tender_id), 303)


@bp.post("/vergaben/<int:tender_id>/angebote/eingang")
@coordinator_only
def receipt(tender_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    form = BidReceiptForm()
    _bidder_choices(form)
    if not form.validate():
        return _overview(tender, receipt_form=form, status=400)
    received, problem = _received(form)
    if problem:
        form.received_time.errors = [*form.received_time.errors, problem]
        return _overview(tender, receipt_form=form, status=400)
    try:
        bid = services.record_bid(db, _actor(), tender.id, form.bidder.data, received_at=received)
    except DomainError as exc:
        return _overview(tender, receipt_form=form, error=refuse(exc), status=409)
    flash(gettext("Eingang des Angebots von %(name)s erfasst.", name=bid.bidder.name), "success")
    return redirect(url_for("bids.bid_detail", tender_id=tender.id, bid_id=bid.id), 303)


def _bid_page(tender, bid, *, check_forms=None, error=None, status=200):
    db = get_db()
    opening = services.get_opening(db, tender.id)
    counts = services.price_counts(db, [bid.id]).get(bid.id, {})
    checks = services.bid_checks(db, tender, bid) if opening is not None else []
    forms = check_forms or {}
    for check in checks:
        lot = check.bid_lot
        forms.setdefault(lot.id, CheckForm(formdata=None, data={
            "decision": lot.decision.value, "reason_code": lot.reason_code.value if lot.reason_code else "",
            "reason_text": lot.reason_text, "gap_reason": lot.gap_reason, "version": str(lot.version)},
            prefix=f"lot{lot.id}"))
    return render_template("bids/bid.html", tender=tender, bid=bid, opening=opening, counts=counts,
                           lots=services.tender_lots(db, tender), checks=checks, forms=forms, error=error), status


@bp.get("/vergaben/<int:tender_id>/angebote/<int:bid_id>")
@coordinator_only
def bid_detail(tender_id: int, bid_id: int):
    tender = _tender_or_404(tender_id)
    return _bid_page(tender, _bid_or_404(tender, bid_id))


@bp.post("/vergaben/<int:tender_id>/angebote/<int:bid_id>/pruefung/<int:bid_lot_id>")
@coordinator_only
def check(tender_id: int, bid_id: int, bid_lot_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    bid = _bid_or_404(tender, bid_id)
    form = CheckForm(prefix=f"lot{bid_lot_id}")
    if not any(lot.id == bid_lot_id for lot in bid.lots):
        abort(404)
    if form.validate():
        try:
            services.decide_bid_lot(db, _actor(), tender.id, bid.id, bid_lot_id, decision=form.decision.data,
                                    reason_code=form.reason_code.data or None, reason_text=form.reason_text.data or "",
                                    gap_reason=form.gap_reason.data or "", expected_version=int(form.version.data or 0))
        except NotFound:
            abort(404)
        except DomainError as exc:
            refuse(exc, form, field="decision")
            return _bid_page(_tender_or_404(tender_id), _bid_or_404(tender, bid_id), check_forms={bid_lot_id: form},
                             status=409 if isinstance(exc, StaleVersion) else 422)
        flash(gettext("Prüfung gespeichert."), "success")
        return redirect(url_for("bids.bid_detail", tender_id=tender.id, bid_id=bid.id, _anchor=f"los-{bid_lot_id}"),
                        303)
    return _bid_page(tender, bid, check_forms={bid_lot_id: form}, status=400)


# --- one lot of a bid: blind entry before the opening, the prices after it ----------------------------

def _lot_or_404(tender, tender_lot_id: int):
    lot = next((lot for lot in services.tender_lots(get_db(), tender) if lot.tender_lot_id == tender_lot_id), None)
    if lot is None:
        abort(404)
    return lot


def _page_number(total: int) -> tuple[int, int]:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    try:
        page = int(request.args.get("seite", "1"))
    except ValueError:
        page = 1
    return min(max(page, 1), pages), pages


@bp.route("/vergaben/<int:tender_id>/angebote/<int:bid_id>/lose/<int:tender_lot_id>", methods=["GET", "POST"])
@long_form(3 * PAGE_SIZE + 10)
@coordinator_only
def bid_lot(tender_id: int, bid_id: int, tender_lot_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    bid = _bid_or_404(tender, bid_id)
    lot = _lot_or_404(tender, tender_lot_id)
    page, pages = _page_number(len(lot.positions))
    positions = lot.positions[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    opening = services.get_opening(db, tender.id)
    prices = services.lot_prices(db, tender, bid, tender_lot_id) if opening is not None else {}
    errors: dict[int, str] = {}
    typed: dict[int, tuple[str, str]] = {}
    error = None
    status = 200
    if request.method == "POST":
        if opening is not None:
            error, status = gettext("Die Angebote sind geöffnet; danach ist ein Angebot unveränderlich."), 409
        else:
            values: dict[int, tuple[Decimal | None, str]] = {}
            for position in positions:
                raw = (request.form.get(f"price-{position.position_id}") or "")[:40]
                offered = " ".join((request.form.get(f"offered-{position.position_id}") or "").split())[:600]
                typed[position.position_id] = (raw, offered)
                price = None
                if raw.strip():
                    try:
                        price = parse_decimal_de(raw, 4)
                        if price > services.MAX_PRICE:
                            raise ValueError(gettext("Der Einheitspreis ist unrealistisch hoch."))
                    except ValueError as exc:
                        errors[position.position_id] = str(exc)
                if len(offered) > 500:
                    errors[position.position_id] = gettext("Angebotenes Produkt: höchstens 500 Zeichen.")
                values[position.position_id] = (price, offered)
            version = request.form.get("version", "")
            if errors:
                status = 422
            elif not version.isdigit() or len(version) > 9:
                error, status = gettext("Ungültige Versionsangabe. Bitte laden Sie die Seite neu."), 400
            else:
                try:
                    total = services.save_lot_prices(db, _actor(), tender.id, bid.id, tender_lot_id, values,
                                                     expected_version=int(version))
                except DomainError as exc:
                    error, status = refuse(exc), 409
                else:
                    flash(gettext("Preise gespeichert. Das Los hat jetzt %(n)s Preise.", n=total), "success")
                    return redirect(url_for("bids.bid_lot", tender_id=tender.id, bid_id=bid.id,
                                            tender_lot_id=tender_lot_id, seite=page), 303)
    count = services.price_counts(db, [bid.id]).get(bid.id, {}).get(tender_lot_id, 0)
    shown = {pid: (format_decimal_de(price, 4), offered) for pid, (price, offered) in prices.items()}
    return render_template("bids/bid_lot.html", tender=tender, bid=bid, lot=lot, positions=positions, page=page,
                           pages=pages, opening=opening, prices=shown, typed=typed, errors=errors, error=error,
                           count=count), status


# --- the opening -----------------------------------------------------------------------------------

@bp.route("/vergaben/<int:tender_id>/angebote/oeffnung", methods=["GET", "POST"])
@coordinator_only
def opening(tender_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    form = OpeningForm()
    error = None
    if request.method == "POST" and form.validate():
        try:
            second = services.confirm_second_coordinator(db, _actor(), form.second_email.data or "",
                                                         form.second_password.data or "", client_address())
        except DomainError as exc:
            # A failed password confirmation counts towards that account's sign-in delay: the
            # failure row is kept (the one other place besides the sign-in itself, einkauf.web.refuse).
            error = refuse(exc, keep_records=True)
        else:
            try:
                services.open_bids(db, _actor(), second, tender.id)
            except DomainError as exc:
                error = refuse(exc)
            else:
                flash(gettext("Die Angebote sind geöffnet."), "success")
                return redirect(url_for("bids.opening", tender_id=tender.id), 303)
    record = services.get_opening(db, tender.id)
    lines = services.opening_lines(record, tender) if record is not None else []
    from einkauf import clock

    return render_template("bids/opening.html", tender=tender, form=form, error=error, record=record, lines=lines,
                           deadline_passed=clock.now() > tender.submission_deadline)


# --- the Preisspiegel (issue 13, part 4): a summary of all lots, one page per lot, the workbook --

def _evaluation_or_refusal(tender):
    """(evaluation, None) after the opening, else (None, the German reason) — nothing of a price
    is looked at before it (R15)."""
    from einkauf.bids.evaluate import evaluate_bids

    try:
        return evaluate_bids(get_db(), tender.id)[1], None
    except InvalidState as exc:
        return None, exc.message


@bp.get("/vergaben/<int:tender_id>/preisspiegel")
@coordinator_only
def price_matrix(tender_id: int):
    from einkauf.bids.information import latest_information
    from einkauf.tenders.forms import GenerateDocumentsForm

    tender = _tender_or_404(tender_id)
    evaluation, refusal = _evaluation_or_refusal(tender)
    chart = lots_chart(get_db(), tender, evaluation, gettext) if evaluation is not None else None
    return render_template("bids/price_matrix.html", tender=tender, evaluation=evaluation, refusal=refusal,
                           information=latest_information(get_db(), tender.id), chart=chart,
                           record_form=GenerateDocumentsForm()), 409 if refusal else 200


@bp.post("/vergaben/<int:tender_id>/preisspiegel/vergabevermerk")
@reads_first
@coordinator_only
def record_regenerate(tender_id: int):
    """A new version of the Vergabevermerk with opening, checks, Preisspiegel and award (issue 13)."""
    from einkauf.bids.record import award_state, ensure_award_state, render_award_record
    from einkauf.tenders.documents import register_documents
    from einkauf.tenders.forms import GenerateDocumentsForm

    db = get_db()
    tender = _tender_or_404(tender_id)
    form = GenerateDocumentsForm()
    back = redirect(url_for("bids.price_matrix", tender_id=tender.id, _anchor="vergabevermerk"), 303)
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return back
    config = current_app.config
    try:
        key = form.request_key.data if form.request_key.raw_data else None
        # Render in the read transaction; hold the write lock only to register (issue 11) — and
        # only what still shows the current checks and decisions.
        state = award_state(db, tender.id)
        rendered = render_award_record(db, tender.id, cooperative_name=config["COOPERATIVE_NAME"],
                                       cooperative_address=config["COOPERATIVE_ADDRESS"])
        db = begin_writing()
        ensure_award_state(db, tender.id, state)
        created = register_documents(db, _actor(), rendered, config["EXPORT_DIR"], request_key=key or None)
    except DomainError as exc:
        flash(refuse(exc), "error")
    else:
        flash(gettext("Vergabevermerk erzeugt: %(files)s.", files=", ".join(d.file_name for d in created)),
              "success")
    return back


@bp.get("/vergaben/<int:tender_id>/preisspiegel/los/<int:index>")
@coordinator_only
def price_matrix_lot(tender_id: int, index: int):
    tender = _tender_or_404(tender_id)
    evaluation, refusal = _evaluation_or_refusal(tender)
    if evaluation is None:
        return render_template("bids/price_matrix.html", tender=tender, evaluation=None, refusal=refusal), 409
    if not 1 <= index <= len(evaluation.lots):
        abort(404)
    return _lot_page(tender, evaluation, index)


def _lot_page(tender, evaluation, index: int, form=None, status: int = 200, *, quality: dict | None = None,
              draw: dict | None = None):
    """One lot of the Preisspiegel with its decision, or the form to take it; the quality ratings
    and the lot draw (R17). quality / draw: what was typed and the errors by field id, when a
    form is shown again."""
    from einkauf.bids.award import lot_awards
    from einkauf.bids.evaluate import scoring_of
    from einkauf.bids.forms import AwardForm
    from einkauf.bids.scores import lot_draws, quality_version

    db = get_db()
    lot = evaluation.lots[index - 1]
    tender_lot = next(tl for tl in tender.lots if tl.number == lot.lot.number)
    decision = lot_awards(db, tender.id).get(tender_lot.id)
    criteria = [name for name, _weight in scoring_of(tender).quality_criteria]
    draws = lot_draws(db, tender_lot.id)
    rated = [bid for bid in lot.bids if bid.valid]
    quality = quality or {"typed": {}, "errors": {}}
    for bid in rated:  # the stored ratings, unless typed
        for k, name in enumerate(criteria):
            stored = bid.bid.quality.get(name)
            quality["typed"].setdefault(f"q-{bid.bid_id}-{k}", format_decimal_de(stored, 2) if stored is not None
                                        else "")
    versions = {bid.bid_id: quality_version(db, tender_lot.id, bid.bid_id) for bid in rated} if criteria else {}
    names = {bid.bid_id: bid.bidder for bid in lot.bids}
    if form is None:
        form = AwardForm()
        if lot.first is not None:
            form.bid.data = str(lot.first.bid_id)
    form.bid.choices = [(str(bid.bid_id), f"Nr. {bid.bid_id} – {bid.bidder} (Rang {bid.rank})")
                        for bid in lot.ranking]
    awarded = next((bid for bid in lot.bids if decision is not None and bid.bid_id == decision.bid_id), None)
    # The ranking comes first; the matrix is shown PAGE_SIZE positions at a time (a lot of 500
    # positions × 8 bidders stays readable and light).
    page, pages = _page_number(len(lot.rows))
    return render_template("bids/price_matrix_lot.html", tender=tender, lot=lot, index=index,
                           count=len(evaluation.lots), decision=decision, awarded=awarded, form=form,
                           rows=lot.rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], page=page, pages=pages,
                           first_row=(page - 1) * PAGE_SIZE + 1,
                           criteria=criteria, rated=rated, versions=versions, quality=quality, draws=draws,
                           names=names, draw=draw or {"typed": {}, "errors": {}}), status


def _lot_of(tender, index: int):
    """(evaluation, None) for an existing lot index after the opening, else (None, the refusal page)."""
    evaluation, refusal = _evaluation_or_refusal(tender)
    if evaluation is None:
        return None, (render_template("bids/price_matrix.html", tender=tender, evaluation=None, refusal=refusal), 409)
    if not 1 <= index <= len(evaluation.lots):
        abort(404)
    return evaluation, None


def _save_scoring(tender, index: int, save, errors: dict, fallback: str, message: str, anchor: str, **state):
    """Run `save` unless the form has errors: then the lot page at `anchor` with `message`; else
    the lot page again with what was typed and the errors (a refusal's message at its field or at
    `fallback`); state: quality= or draw= for _lot_page."""
    status = 422
    if not errors:
        try:
            save()
        except DomainError as exc:
            errors[getattr(exc, "field", None) or fallback] = refuse(exc)
            status = 409 if isinstance(exc, (InvalidState, StaleVersion)) else 422
        else:
            flash(message, "success")
            return redirect(url_for("bids.price_matrix_lot", tender_id=tender.id, index=index, _anchor=anchor), 303)
    evaluation, _page = _lot_of(tender, index)
    return _lot_page(tender, evaluation, index, status=status, **state)


@bp.post("/vergaben/<int:tender_id>/preisspiegel/los/<int:index>/qualitaet")
@long_form(1000)
@coordinator_only
def quality(tender_id: int, index: int):
    """The quality ratings of the lot's valid bids (percent per criterion, German comma)."""
    from einkauf.bids.evaluate import scoring_of
    from einkauf.bids.scores import parse_percent, record_lot_quality

    tender = _tender_or_404(tender_id)
    evaluation, refused_page = _lot_of(tender, index)
    if evaluation is None:
        return refused_page
    lot = evaluation.lots[index - 1]
    criteria = [name for name, _weight in scoring_of(tender).quality_criteria]
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    ratings: dict[int, dict[str, Decimal]] = {}
    versions: dict[int, int] = {}
    for bid in (b for b in lot.bids if b.valid):
        fields = {k: f"q-{bid.bid_id}-{k}" for k in range(len(criteria))}
        for field in fields.values():
            typed[field] = (request.form.get(field) or "")[:40]
        if not any(typed[field].strip() for field in fields.values()):
            continue  # a bid left empty is not rated now
        values: dict[str, Decimal] = {}
        for k, field in fields.items():
            try:
                values[criteria[k]] = parse_percent(typed[field])
            except ValueError as exc:
                errors[field] = str(exc)
        version = request.form.get(f"v-{bid.bid_id}", "")
        if not version.isdigit() or len(version) > 9:
            errors["ratings"] = gettext("Ungültige Versionsangabe. Bitte laden Sie die Seite neu.")
            continue
        ratings[bid.bid_id], versions[bid.bid_id] = values, int(version)
    return _save_scoring(
        tender, index, lambda: record_lot_quality(get_db(), _actor(), tender.id, lot.lot.number, ratings, versions),
        errors, "ratings", gettext("Qualitätswertung für Los %(number)s gespeichert.", number=lot.lot.number),
        "quality", quality={"typed": typed, "errors": errors})


@bp.post("/vergaben/<int:tender_id>/preisspiegel/los/<int:index>/losentscheid")
@coordinator_only
def draw(tender_id: int, index: int):
    """The lot draw of an unresolved tie: the tied bids in the drawn order and the note."""
    from einkauf.bids.scores import record_draw

    tender = _tender_or_404(tender_id)
    evaluation, refused_page = _lot_of(tender, index)
    if evaluation is None:
        return refused_page
    lot = evaluation.lots[index - 1]
    tie_text = request.form.get("tie", "")
    tie = int(tie_text) if tie_text.isdigit() and len(tie_text) < 4 else -1
    places = len(lot.unresolved_ties[tie]) if 0 <= tie < len(lot.unresolved_ties) else 0
    typed = {f"draw-place-{p}": (request.form.get(f"draw-place-{p}") or "")[:12] for p in range(1, places + 1)}
    typed["draw-note"] = (request.form.get("draw-note") or "")[:2100]
    errors: dict[str, str] = {}
    order = []
    for field, value in typed.items():
        if field.startswith("draw-place-"):
            if value.isdigit() and len(value) < 10:
                order.append(int(value))
            else:
                errors[field] = gettext("Bitte ein Angebot wählen.")

    def save() -> None:
        try:
            record_draw(get_db(), _actor(), tender.id, lot.lot.number, order, typed["draw-note"])
        except InvalidField as exc:  # the order at the first place, the note at its field
            raise InvalidField({"order": "draw-place-1", "note": "draw-note"}.get(exc.field, "draw"),
                               exc.message) from None

    return _save_scoring(tender, index, save, errors, "draw",
                         gettext("Losentscheid für Los %(number)s erfasst.", number=lot.lot.number), "draw",
                         draw={"typed": typed, "errors": errors, "tie": tie})


@bp.post("/vergaben/<int:tender_id>/preisspiegel/los/<int:index>/entscheidung")
@coordinator_only
def award(tender_id: int, index: int):
    from einkauf.bids.award import award_lot, cancel_lot
    from einkauf.bids.forms import AwardForm

    tender = _tender_or_404(tender_id)
    evaluation, refusal = _evaluation_or_refusal(tender)
    if evaluation is None:
        return render_template("bids/price_matrix.html", tender=tender, evaluation=None, refusal=refusal), 409
    if not 1 <= index <= len(evaluation.lots):
        abort(404)
    number = evaluation.lots[index - 1].lot.number
    form = AwardForm()
    if not form.validate():
        return _lot_page(tender, evaluation, index, form, 422)
    try:
        if form.decision.data == "cancel":
            cancel_lot(get_db(), _actor(), tender.id, number, form.reason.data or "")
            message = gettext("Los %(number)s aufgehoben.", number=number)
        else:
            bid_text = form.bid.data or ""
            if not bid_text.isdigit() or len(bid_text) > 9:
                raise InvalidField("bid", gettext("Bitte ein Angebot auswählen."))
            award_lot(get_db(), _actor(), tender.id, number, int(bid_text), reason=form.reason.data or "",
                      clarification=form.clarification.data or "")
            message = gettext("Zuschlag für Los %(number)s gespeichert.", number=number)
    except DomainError as exc:
        error = refuse(exc, form)
        if error:
            form.decision.errors = [*form.decision.errors, error]
        return _lot_page(tender, evaluation, index, form, 409 if isinstance(exc, InvalidState) else 422)
    flash(message, "success")
    return redirect(url_for("bids.price_matrix_lot", tender_id=tender.id, index=index), 303)


@bp.get("/vergaben/<int:tender_id>/preisspiegel.xlsx")
@coordinator_only
def price_matrix_download(tender_id: int):
    from einkauf.bids.price_matrix import build_price_matrix

    tender = _tender_or_404(tender_id)
    evaluation, refusal = _evaluation_or_refusal(tender)
    if evaluation is None:
        return render_template("bids/price_matrix.html", tender=tender, evaluation=None, refusal=refusal), 409
    content = build_price_matrix(evaluation, reference=tender.reference, title=tender.title)
    return send_file(io.BytesIO(content), as_attachment=True,
                     download_name=f"Preisspiegel_{tender.reference}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- award, information of the bidders (§ 134 GWB) and contract dates (issue 13, part 7; R19) ------

def _award_page(tender, *, inform_form=None, contract_forms=None, error=None, status: int = 200):
    from einkauf import clock
    from einkauf.bids.forms import ContractForm, InformationForm
    from einkauf.bids.information import award_rows, information_letters, latest_information
    from einkauf.tenders.forms import GenerateDocumentsForm

    db = get_db()
    if services.get_opening(db, tender.id) is None:
        return render_template("bids/award.html", tender=tender, refusal=gettext(
            "Die Angebote sind noch nicht geöffnet; Zuschlag und Information der Bieter folgen nach der Öffnung "
            "und der Entscheidung über die Lose."), error=error), 409
    rows = award_rows(db, tender)
    forms = contract_forms or {}
    for row in rows:
        if row.award is not None and row.award.outcome.value == "awarded" and row.award.contract_date is None:
            forms.setdefault(row.lot.id, ContractForm(formdata=None, prefix=f"lot{row.lot.id}"))
    if inform_form is None:
        inform_form = InformationForm(formdata=None)
        inform_form.sent_on.data = clock.today_berlin()
    return render_template("bids/award.html", tender=tender, refusal=None, rows=rows,
                           forms=forms, undecided=[row.lot.number for row in rows if row.award is None],
                           information=latest_information(db, tender.id), letters=information_letters(db, tender.id),
                           inform_form=inform_form, error=error, member_letters=_member_letters(tender.id),
                           member_letters_form=GenerateDocumentsForm()), status


def _member_letters(tender_id: int) -> list:
    """The newest award letter of each member (generated on the contracts side), by member name."""
    from sqlalchemy import select

    from einkauf.rounds.models import Member
    from einkauf.tenders.documents import newest_recipient_documents
    from einkauf.tenders.models import DocumentKind

    db = get_db()
    newest = newest_recipient_documents(db, tender_id, DocumentKind.AWARD_LETTER)
    ids = {int(key.split(":", 1)[1]): document for key, document in newest.items() if key.startswith("member:")}
    if not ids:
        return []
    members = db.scalars(select(Member).where(Member.id.in_(ids)).order_by(Member.name, Member.ags))
    return [(member, ids[member.id]) for member in members]


@bp.get("/vergaben/<int:tender_id>/zuschlag")
@coordinator_only
def award_overview(tender_id: int):
    return _award_page(_tender_or_404(tender_id))


@bp.post("/vergaben/<int:tender_id>/zuschlag/information")
@coordinator_only
def inform(tender_id: int):
    from flask import current_app

    from einkauf.bids.forms import InformationForm
    from einkauf.bids.information import inform_bidders

    tender = _tender_or_404(tender_id)
    form = InformationForm()
    if not form.validate():
        return _award_page(tender, inform_form=form, status=422)
    config = current_app.config
    try:
        result = inform_bidders(get_db(), _actor(), tender.id, sent_on=form.sent_on.data, channel=form.channel.data,
                                export_dir=config["EXPORT_DIR"], cooperative_name=config["COOPERATIVE_NAME"],
                                cooperative_address=config["COOPERATIVE_ADDRESS"])
    except DomainError as exc:
        error = refuse(exc, form)
        return _award_page(_tender_or_404(tender_id), inform_form=form, error=error,
                           status=409 if isinstance(exc, InvalidState) else 422)
    flash(gettext("%(count)s Informationsschreiben erzeugt und Versand erfasst. Der Vertrag darf frühestens am "
                  "%(day)s geschlossen werden.", count=len(result.documents),
                  day=format_day_de(result.information.earliest_contract_date)), "success")
    return redirect(url_for("bids.award_overview", tender_id=tender.id, _anchor="information"), 303)


@bp.post("/vergaben/<int:tender_id>/zuschlag/los/<int:tender_lot_id>/vertrag")
@coordinator_only
def contract(tender_id: int, tender_lot_id: int):
    from einkauf.bids.forms import ContractForm
    from einkauf.bids.information import record_contract_date

    tender = _tender_or_404(tender_id)
    tender_lot = next((lot for lot in tender.lots if lot.id == tender_lot_id), None)
    if tender_lot is None:
        abort(404)
    form = ContractForm(prefix=f"lot{tender_lot_id}")
    if not form.validate():
        return _award_page(tender, contract_forms={tender_lot_id: form}, status=422)
    try:
        record_contract_date(get_db(), _actor(), tender.id, tender_lot.number, form.contract_date.data)
    except DomainError as exc:
        error = refuse(exc, form)
        return _award_page(_tender_or_404(tender_id), contract_forms={tender_lot_id: form}, error=error,
                           status=409 if isinstance(exc, InvalidState) else 422)
    flash(gettext("Vertragsschluss für Los %(number)s erfasst.", number=tender_lot.number), "success")
    return redirect(url_for("bids.award_overview", tender_id=tender.id, _anchor=f"los-{tender_lot_id}"), 303)


@bp.get("/vergaben/<int:tender_id>/zuschlag/schreiben/<int:document_id>")
@coordinator_only
def letter_download(tender_id: int, document_id: int):
    from flask import current_app

    from einkauf.tenders.documents import get_document, read_document
    from einkauf.tenders.models import DocumentKind

    tender = _tender_or_404(tender_id)
    try:
        document = get_document(get_db(), tender.id, document_id)
        if document.kind != DocumentKind.INFO_LETTER:
            raise NotFound("Dokument nicht gefunden.")
        content = read_document(current_app.config["EXPORT_DIR"], document)
    except NotFound:
        abort(404)
    return registered_file_response(content, document.content_type, document.file_name)
