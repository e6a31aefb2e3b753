"""Tender pages for coordinators: freeze a round's lot plan, list and show tenders, cancel one."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.errors import DomainError, NotFound
from einkauf.exports.tender_data import DEFAULT_CONDITIONS_TEXT, default_invitation_text
from einkauf.formatting import format_number_de
from einkauf.lots.forms import default_publication_date
from einkauf.lots.procedure import InvalidSmallLots
from einkauf.lots.services import get_plan, lot_members, plan_money
from einkauf.lots.values import ROUNDING_CAUSE
from einkauf.roles import Role
from einkauf.rounds.services import get_round
from einkauf.tenders import documents, services
from einkauf.tenders.forms import CancelTenderForm, GenerateDocumentsForm, TenderForm, TenderTextsForm
from einkauf.tenders.new_page import freeze_typed_tender, new_tender_page
from einkauf.tenders.rules import InvalidAwardCriteria, InvalidQuestionDeadline, default_deadline
from einkauf.web import (
    begin_writing,
    get_db,
    load_or_404,
    paginate,
    reads_first,
    refuse,
    registered_file_response,
    roles_required,
)

bp = Blueprint("tenders", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _round_or_404(round_id: int):
    return load_or_404(get_round, round_id)


def _tender_or_404(tender_id: int):
    return load_or_404(services.get_tender, tender_id)


@bp.route("/runden/<int:round_id>/vergabe/neu", methods=["GET", "POST"])
@coordinator_only
def tender_new(round_id: int):
    db = get_db()
    row = _round_or_404(round_id)
    plan = get_plan(db, row.id)
    if plan is None or not plan.lots:
        flash(gettext("Für diese Bedarfsabfrage gibt es noch keine Lose; bitte zuerst die Lose bilden."), "error")
        return redirect(url_for("lots.plan", round_id=row.id), 303)
    publication = default_publication_date()
    posted = request.method == "POST"
    form = TenderForm() if posted else TenderForm(data={
        "title": row.title, "publication_date": publication, "deadline_date": default_deadline(publication).date()})
    form.offer_lots(plan.lots)
    problems: list[str] = []
    warnings: list[str] = []
    if posted and form.validate():
        try:
            tender = freeze_typed_tender(db, current_user._get_current_object(), row.id, form.typed_tender(),
                                         reference_prefix=current_app.config.get("REFERENCE_PREFIX", "EK"))
        except InvalidAwardCriteria as exc:
            refuse(exc, form, field="award_criteria")
        except services.DeadlineWarnings as exc:
            refuse(exc)
            warnings = exc.warnings
        except services.MissingJustification as exc:
            refuse(exc, form, field="deadline_justification")
            warnings = exc.warnings
        except InvalidQuestionDeadline as exc:
            refuse(exc, form, field="question_date")
        except InvalidSmallLots as exc:
            refuse(exc)
            form.small_lots.errors = [*form.small_lots.errors, *exc.problems]
        except DomainError as exc:
            problems.append(refuse(exc))
        else:
            flash(gettext("Vergabeverfahren %(reference)s erstellt: %(procedure)s.", reference=tender.reference,
                          procedure=tender.procedure), "success")
            for warning in tender.warning_list:
                flash(warning, "warning")
            return redirect(url_for("tenders.tender_detail", tender_id=tender.id), 303)
    # The decision for the date in the form (or the default), shown beside the form.
    page = new_tender_page(db, row.id, form.typed_dates(), publication_default=publication,
                           electronic_submission=bool(form.electronic_submission.data),
                           keep_warnings=posted and bool(form.acknowledge.data or form.deadline_justification.data))
    if page is None:
        abort(404)  # the plan is gone: refused posts roll back, so this cannot happen after the check above
    if not posted and page.small_lots is not None:
        form.small_lots.data = page.small_lots
    return render_template("tenders/new.html", round=row, plan=page.plan, form=form, check=page.check,
                           values=page.values, problems=problems or ([page.problem] if page.problem else []),
                           warnings=warnings or page.warnings, changes=page.changes, questions=page.questions)


@bp.get("/vergaben")
@coordinator_only
def tender_list():
    page = paginate(get_db(), services.tender_query())
    return render_template("tenders/list.html", page=page)


@bp.get("/vergaben/<int:tender_id>")
@coordinator_only
def tender_detail(tender_id: int):
    return _detail(_tender_or_404(tender_id))


def _detail(tender, *, texts_form: TenderTextsForm | None = None, texts_error: str | None = None):
    db = get_db()
    members = lot_members(db, tender.plan_id)
    criteria = [(name, format_number_de(weight, 2).removesuffix(",00")) for name, weight in
                services.award_criteria_of(tender)]
    form = CancelTenderForm(data={"version": str(tender.version)})
    texts_form = texts_form or TenderTextsForm(data={
        "invitation_text": tender.invitation_text or default_invitation_text(tender.electronic_submission),
        "conditions_text": tender.conditions_text or DEFAULT_CONDITIONS_TEXT, "version": str(tender.version)})
    return render_template("tenders/detail.html", tender=tender, members=members, criteria=criteria,
                           cancel_form=form, texts_form=texts_form, texts_error=texts_error,
                           generate_form=GenerateDocumentsForm(), documents=documents.tender_documents(db, tender.id),
                           kinds=documents.KINDS, lots={lot.id: lot for lot in tender.plan.lots},
                           money=plan_money(tender.plan), rounding_cause=ROUNDING_CAUSE)


@bp.post("/vergaben/<int:tender_id>/dokumente")
@reads_first
@coordinator_only
def documents_generate(tender_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    form = GenerateDocumentsForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("tenders.tender_detail", tender_id=tender.id, _anchor="dokumente"), 303)
    config = current_app.config
    try:
        # Only a key the page sent counts: a double click sends the same one (issue 11).
        key = form.request_key.data if form.request_key.raw_data else None
        # Render in the read transaction; hold the write lock only to register (issue 11).
        rendered = documents.render_documents(db, tender.id, cooperative_name=config["COOPERATIVE_NAME"],
                                              cooperative_address=config["COOPERATIVE_ADDRESS"])
        db = begin_writing()
        created = documents.register_documents(db, current_user._get_current_object(), rendered,
                                               config["EXPORT_DIR"], request_key=key or None)
    except DomainError as exc:
        flash(refuse(exc), "error")
    else:
        flash(gettext("Unterlagen erzeugt: %(files)s.", files=", ".join(d.file_name for d in created)), "success")
    return redirect(url_for("tenders.tender_detail", tender_id=tender.id, _anchor="dokumente"), 303)


@bp.get("/vergaben/<int:tender_id>/dokumente/<int:document_id>")
@coordinator_only
def document_download(tender_id: int, document_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    try:
        document = documents.get_document(db, tender.id, document_id)
        content = documents.read_document(current_app.config["EXPORT_DIR"], document)
    except NotFound:
        abort(404)
    return registered_file_response(content, document.content_type, document.file_name)


@bp.post("/vergaben/<int:tender_id>/texte")
@coordinator_only
def tender_texts(tender_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    form = TenderTextsForm()
    if form.validate():
        try:
            documents.update_tender_texts(db, current_user._get_current_object(), tender.id,
                                          invitation_text=_unless_default(form.invitation_text.data,
                                                                          default_invitation_text(
                                                                              tender.electronic_submission)),
                                          conditions_text=_unless_default(form.conditions_text.data,
                                                                          DEFAULT_CONDITIONS_TEXT),
                                          expected_version=int(form.version.data or 0))
        except DomainError as exc:
            return _detail(tender, texts_form=form, texts_error=refuse(exc))
        flash(gettext("Textbausteine gespeichert. Sie gelten für die nächste Erzeugung der Unterlagen."), "success")
        return redirect(url_for("tenders.tender_detail", tender_id=tender.id, _anchor="texte"), 303)
    return _detail(tender, texts_form=form)


def _unless_default(text: str | None, default: str) -> str:
    """Store "" when the coordinator left the default text as it was (later defaults then apply)."""
    normalised = (text or "").replace("\r\n", "\n").strip()
    return "" if normalised == default.strip() else normalised


@bp.post("/vergaben/<int:tender_id>/aufheben")
@coordinator_only
def tender_cancel(tender_id: int):
    db = get_db()
    tender = _tender_or_404(tender_id)
    form = CancelTenderForm()
    if form.validate():
        try:
            services.cancel_tender(db, current_user._get_current_object(), tender.id, form.reason.data or "",
                                   expected_version=int(form.version.data or 0))
        except DomainError as exc:
            flash(refuse(exc), "error")
        else:
            flash(gettext("Vergabeverfahren %(reference)s aufgehoben. Die Lose können jetzt neu gebildet werden.",
                          reference=tender.reference), "success")
            return redirect(url_for("tenders.tender_detail", tender_id=tender.id), 303)
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("tenders.tender_detail", tender_id=tender.id), 303)
