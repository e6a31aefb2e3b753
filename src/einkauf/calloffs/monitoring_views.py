"""The monitoring pages of call-offs against estimated and maximum quantities (issue 15 part 3):
coordinators see every framework of a tender with the warnings first and a chart of the
consumption over time; officers see their own member's consumption only (another tender they
take no part in is 404, like a missing one). The consumption report as xlsx on both."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from einkauf import clock
from einkauf.calloffs.consumption_report import report_sheets
from einkauf.calloffs.monitoring import (
    ConsumptionSeries,
    TenderMonitoring,
    consumption_series,
    monitored_tenders,
    tender_monitoring,
)
from einkauf.calloffs.monitoring_rules import LEVEL_LABELS, Level
from einkauf.charts import Chart, line_chart
from einkauf.exports.savings_xlsx import write_savings_xlsx
from einkauf.formatting import format_month_de
from einkauf.roles import Role
from einkauf.texts import N_
from einkauf.web import get_db, load_or_404, registered_file_response, roles_required

bp = Blueprint("monitoring", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# On the page: the warnings up to this many (all of them are in the xlsx report).
WARNINGS_SHOWN = 200


def consumption_chart(series: ConsumptionSeries) -> Chart:
    """"Abrufe über die Zeit": cumulative reported spend against the pro-rata estimate, with the
    value at the maximum quantities as a reference line."""
    return line_chart(
        _(N_("Abrufe über die Zeit")),
        _(N_("Je Monat die seit Beginn gemeldeten Abrufe (netto, kumuliert) und die anteilige Schätzmenge zu "
             "Zuschlagspreisen; die Linie zeigt den Wert der Höchstmengen.")),
        _(N_("Monat")),
        [format_month_de(point.month) for point in series.points],
        [(_(N_("Abgerufen (kumuliert)")), [p.called for p in series.points]),
         (_(N_("Schätzmenge anteilig")), [p.expected for p in series.points])],
        [(_(N_("Höchstmengen")), series.maximum)])


def _labels() -> dict[str, str]:
    return {level.value: _(label) for level, label in LEVEL_LABELS.items()} | {"overcharge": _(N_("Überzahlung"))}


def _page(monitoring: TenderMonitoring, *, officer: bool):
    series = consumption_series(get_db(), monitoring) if not officer else None
    chart = consumption_chart(series) if series is not None and series.points else None
    return render_template("calloffs/monitoring.html", m=monitoring, chart=chart, labels=_labels(),
                           shown=WARNINGS_SHOWN, officer=officer, on_track=Level.ON_TRACK)


@bp.get("/abrufe")
@roles_required(Role.COORDINATOR, Role.OFFICER)
def index():
    member_id = current_user.member_id if current_user.role == Role.OFFICER else None
    return render_template("calloffs/monitoring_index.html", tenders=monitored_tenders(get_db(), member_id=member_id))


@bp.get("/vergaben/<int:tender_id>/abrufe")
@roles_required(Role.COORDINATOR)
def tender_page(tender_id: int):
    return _page(load_or_404(tender_monitoring, tender_id, today=clock.today_berlin()), officer=False)


@bp.get("/bedarf/abrufe/<int:tender_id>")
@roles_required(Role.OFFICER)
def officer_page(tender_id: int):
    return _page(_own(tender_id), officer=True)


def _own(tender_id: int) -> TenderMonitoring:
    """The officer's member's view of a tender it takes part in (otherwise 404)."""
    if tender_id not in {t.id for t in monitored_tenders(get_db(), member_id=current_user.member_id)}:
        abort(404)
    return load_or_404(tender_monitoring, tender_id, today=clock.today_berlin(), member_id=current_user.member_id)


@bp.get("/vergaben/<int:tender_id>/abrufe.xlsx")
@roles_required(Role.COORDINATOR)
def tender_report(tender_id: int):
    monitoring = load_or_404(tender_monitoring, tender_id, today=clock.today_berlin())
    return _xlsx(monitoring, f"Abrufe-{monitoring.reference}.xlsx")


@bp.get("/bedarf/abrufe/<int:tender_id>.xlsx")
@roles_required(Role.OFFICER)
def officer_report(tender_id: int):
    monitoring = _own(tender_id)
    return _xlsx(monitoring, f"Abrufe-{monitoring.reference}-{current_user.member.ags}.xlsx")


def _xlsx(monitoring: TenderMonitoring, name: str):
    return registered_file_response(write_savings_xlsx(report_sheets(monitoring, translate=_)), XLSX, name)
