"""The frameworks pages of the coordinators and the sales-report upload (issue 15 parts 1, 2).

Coordinators only. /rahmenvertraege lists the frameworks with their state (the ones needing
action first) and the tenders whose awarded lots have no framework yet; a framework's page shows
supplier, term, options (the next one with its decision form), positions with awarded prices and
quantities, the sales reports per month with their detected format, the upload, the customer
numbers and the empty report templates.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf import clock
from einkauf.calloffs import frameworks as services
from einkauf.calloffs.forms import CustomerNumberForm, FrameworkCreateForm, OptionForm, SalesReportUploadForm
from einkauf.calloffs.report_reader import WEB_LIMITS, WEB_MAX_BYTES, stored_format_text
from einkauf.calloffs.reports import (
    SalesReportRefused,
    import_sales_report,
    parse_period,
    period_label,
    read_report_file,
)
from einkauf.demand.upload_checks import file_too_large
from einkauf.errors import DomainError
from einkauf.forms import select_choices
from einkauf.roles import Role
from einkauf.web import begin_writing, get_db, load_or_404, reads_first, refuse, roles_required

bp = Blueprint("calloffs", __name__)

coordinator_only = roles_required(Role.COORDINATOR)
MAX_LISTED_PROBLEMS = 200


def _actor():
    return current_user._get_current_object()


def _framework_or_404(framework_id: int):
    return load_or_404(services.get_framework, framework_id)


# --- the list ----------------------------------------------------------------------------------------

def _list_page(*, create_forms=None, error=None, status: int = 200):
    db = get_db()
    pending = services.tenders_without_frameworks(db)
    forms = create_forms or {}
    for tender, _count in pending:
        forms.setdefault(tender.id, FrameworkCreateForm(formdata=None, prefix=f"t{tender.id}"))
    return render_template("calloffs/list.html", rows=services.framework_rows(db, clock.today_berlin()),
                           pending=pending, forms=forms, error=error), status


@bp.get("/rahmenvertraege")
@coordinator_only
def framework_list():
    return _list_page()


@bp.post("/rahmenvertraege/anlegen/<int:tender_id>")
@coordinator_only
def framework_create(tender_id: int):
    from einkauf.tenders.services import get_tender

    tender = load_or_404(get_tender, tender_id)
    form = FrameworkCreateForm(prefix=f"t{tender.id}")
    if not form.validate():
        return _list_page(create_forms={tender.id: form}, status=422)
    try:
        created = services.ensure_frameworks(get_db(), _actor(), tender.id, starts_on=form.starts_on.data)
    except DomainError as exc:
        error = refuse(exc, form)
        return _list_page(create_forms={tender_id: form}, error=error, status=409 if error else 422)
    flash(gettext("%(count)s Rahmenvertrag/-verträge für %(reference)s angelegt.", count=len(created),
                  reference=tender.reference), "success")
    return redirect(url_for("calloffs.framework_list"), 303)


# --- one framework ------------------------------------------------------------------------------------

def _detail(framework, *, option_form=None, upload_form=None, customer_form=None, problems=(), error=None,
            status: int = 200):
    from einkauf.bids.models import Bidder
    from einkauf.tenders.models import Tender, TenderLot

    db = get_db()
    today = clock.today_berlin()
    tender = db.get(Tender, framework.tender_id)
    tender_lot = db.get(TenderLot, framework.tender_lot_id)
    supplier = db.get(Bidder, framework.bidder_id)
    pairs = [(o.months, o.exercised) for o in framework.options]
    following = services.next_option(pairs)
    next_number = framework.options[following].number if following is not None else None
    if next_number is not None and option_form is None:
        option = framework.options[following]
        option_form = OptionForm(formdata=None, prefix=f"option{next_number}",
                                 data={"decided_on": today, "version": str(option.version)})
    members = services.participating_members(db, framework)
    customer_form = customer_form or CustomerNumberForm(formdata=None)
    customer_form.member_ags.choices = select_choices([("", gettext("Bitte wählen"))]
                                                      + [(m.ags, f"{m.name} ({m.ags})") for m in members])
    return render_template(
        "calloffs/detail.html", framework=framework, tender=tender, tender_lot=tender_lot, supplier=supplier,
        state=services.state_of(framework, today), state_labels=services.STATE_LABELS,
        ends_on=services.end_of(framework), next_number=next_number, option_form=option_form,
        positions=services.framework_positions(db, framework), members=members,
        reports=services.sales_reports(db, framework.id), period_label=period_label,
        format_text=stored_format_text,
        customer_numbers=services.customer_numbers(db, framework.bidder_id), customer_form=customer_form,
        upload_form=upload_form or SalesReportUploadForm(formdata=None), max_size=WEB_MAX_BYTES,
        problems=list(problems)[:MAX_LISTED_PROBLEMS], more_problems=max(0, len(problems) - MAX_LISTED_PROBLEMS),
        error=error), status


@bp.get("/rahmenvertraege/<int:framework_id>")
@coordinator_only
def framework_detail(framework_id: int):
    return _detail(_framework_or_404(framework_id))


@bp.post("/rahmenvertraege/<int:framework_id>/optionen/<int:number>")
@coordinator_only
def option_decide(framework_id: int, number: int):
    framework = _framework_or_404(framework_id)
    if not any(o.number == number for o in framework.options):
        abort(404)
    form = OptionForm(prefix=f"option{number}")
    if not form.validate():
        return _detail(framework, option_form=form, status=422)
    try:
        services.decide_option(get_db(), _actor(), framework.id, number, exercised=form.exercised.data == "ja",
                               decided_on=form.decided_on.data, note=form.note.data or "",
                               expected_version=int(form.version.data or 0))
    except DomainError as exc:
        error = refuse(exc, form)
        return _detail(_framework_or_404(framework_id), option_form=form, error=error, status=409)
    flash(gettext("Entscheidung über Option %(number)s erfasst.", number=number), "success")
    return redirect(url_for("calloffs.framework_detail", framework_id=framework_id, _anchor="optionen"), 303)


@bp.post("/rahmenvertraege/<int:framework_id>/kundennummern")
@coordinator_only
def customer_number(framework_id: int):
    framework = _framework_or_404(framework_id)
    form = CustomerNumberForm()
    members = services.participating_members(get_db(), framework)
    form.member_ags.choices = select_choices((m.ags, m.ags) for m in members)
    if not form.validate():
        return _detail(framework, customer_form=form, status=422)
    try:
        services.set_customer_number(get_db(), _actor(), framework.bidder_id, form.customer_number.data,
                                     form.member_ags.data)
    except DomainError as exc:
        error = refuse(exc, form)
        return _detail(_framework_or_404(framework_id), customer_form=form, error=error, status=422)
    flash(gettext("Kundennummer %(number)s zugeordnet.", number=form.customer_number.data), "success")
    return redirect(url_for("calloffs.framework_detail", framework_id=framework_id, _anchor="kundennummern"), 303)


@bp.post("/rahmenvertraege/<int:framework_id>/umsatzmeldung")
@reads_first
@coordinator_only
def report_upload(framework_id: int):
    framework = _framework_or_404(framework_id)
    form = SalesReportUploadForm()
    if not form.validate():
        return _detail(framework, upload_form=form, status=400)
    try:
        period = parse_period(form.period.data)
    except DomainError as exc:
        error = refuse(exc, form)
        return _detail(framework, upload_form=form, error=error, status=400)
    data = form.file.data.stream.read(WEB_MAX_BYTES + 1)
    if len(data) > WEB_MAX_BYTES:
        return _detail(framework, upload_form=form, status=413, problems=[file_too_large(None, WEB_MAX_BYTES)])
    file_name = (form.file.data.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    parsed = read_report_file(data, WEB_LIMITS)  # parse in the read transaction (issue 11)
    try:
        db = begin_writing()
        outcome = import_sales_report(db, _actor(), framework_id, period, data, file_name=file_name, parsed=parsed,
                                      limits=WEB_LIMITS)
    except SalesReportRefused as exc:
        refuse(exc)
        return _detail(_framework_or_404(framework_id), upload_form=form, problems=exc.problems, error=exc.message,
                       status=422)
    except DomainError as exc:
        error = refuse(exc, form)
        return _detail(_framework_or_404(framework_id), upload_form=form, error=error, status=422)
    flash(gettext("Umsatzmeldung %(period)s übernommen (%(format)s): %(rows)s Zeilen, davon %(off)s außerhalb des "
                  "Vertrags; netto %(net)s.", period=period_label(period), format=outcome.format.describe(),
                  rows=outcome.rows, off=outcome.off_contract_rows, net=_money(outcome.net_total))
          + (" " + gettext("Die bisherige Meldung des Monats (%(rows)s Zeilen) wurde ersetzt.",
                           rows=outcome.replaced_rows) if outcome.replaced_rows is not None else ""), "success")
    return redirect(url_for("calloffs.framework_detail", framework_id=framework_id, _anchor="meldungen"), 303)


def _money(value) -> str:
    from einkauf.i18n import money

    return money(value)


@bp.get("/rahmenvertraege/<int:framework_id>/vorlage.<any(xlsx, csv):fmt>")
@coordinator_only
def report_template(framework_id: int, fmt: str):
    from einkauf.calloffs.report_template import build_template_csv, build_template_xlsx
    from einkauf.tenders.models import Tender, TenderLot
    from einkauf.web import registered_file_response

    db = get_db()
    framework = _framework_or_404(framework_id)
    tender = db.get(Tender, framework.tender_id)
    tender_lot = db.get(TenderLot, framework.tender_lot_id)
    positions = [(p.product_number, p.short_text) for p in services.framework_positions(db, framework)]
    name = f"Umsatzmeldung_{tender.reference if tender else framework.id}_Los_{tender_lot.number if tender_lot else ''}"
    if fmt == "csv":
        return registered_file_response(build_template_csv(positions), "text/csv; charset=utf-8", f"{name}.csv")
    return registered_file_response(build_template_xlsx(positions),
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                    f"{name}.xlsx")
