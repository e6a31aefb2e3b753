"""The start page and the navigation each role sees."""
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from einkauf.demand.queries import officer_round_summaries
from einkauf.roles import Role
from einkauf.texts import N_
from einkauf.web import get_db, safe_next, signed_in

bp = Blueprint("home", __name__)

# German labels (the CLI prints them as they are); translated with _() when a page shows them.
ROLE_LABELS = {
    Role.OFFICER: N_("Beschaffungsstelle"),
    Role.COORDINATOR: N_("Koordination"),
    Role.FINANCE: N_("Finanzen"),
    Role.ADMIN: N_("Administration"),
}

# (endpoint, German label, roles that see it). Entries whose endpoint does not exist yet are hidden.
NAVIGATION = [
    ("home.index", N_("Start"), set(Role)),
    ("demand.start", N_("Bedarfsmeldung"), {Role.OFFICER}),
    ("contracts.officer_contracts", N_("Verträge"), {Role.OFFICER}),
    ("rounds.round_list", N_("Bedarfsabfragen"), {Role.COORDINATOR}),
    ("rounds.member_list", N_("Mitglieder"), {Role.COORDINATOR}),
    ("tenders.tender_list", N_("Vergabeverfahren"), {Role.COORDINATOR}),
    ("monitoring.index", N_("Abrufe"), {Role.COORDINATOR, Role.OFFICER}),
    ("calloffs.framework_list", N_("Rahmenverträge"), {Role.COORDINATOR}),
    ("catalogue.category_list", N_("Warengruppen"), {Role.COORDINATOR}),
    ("catalogue.product_list", N_("Artikel"), {Role.COORDINATOR}),
    ("finance.index", N_("Finanzexporte"), {Role.FINANCE, Role.COORDINATOR, Role.OFFICER}),
    ("contracts.finance_index", N_("Verträge"), {Role.FINANCE, Role.COORDINATOR}),
    ("auth.user_list", N_("Zugänge"), {Role.ADMIN}),
    ("thresholds.threshold_list", N_("Schwellenwerte"), {Role.ADMIN, Role.COORDINATOR}),
    ("audit.event_list", N_("Protokoll"), {Role.COORDINATOR, Role.ADMIN}),
]


@bp.app_context_processor
def navigation():
    def nav_items():
        if not current_user.is_authenticated:
            return []
        return [(endpoint, _(label)) for endpoint, label, roles in NAVIGATION
                if current_user.role in roles and endpoint in current_app.view_functions]

    def role_label(role):
        return _(ROLE_LABELS.get(Role(role), str(role)))

    return {"nav_items": nav_items, "role_label": role_label, "nav_current": nav_current}


def nav_current(items) -> dict[str, str]:
    """Which navigation item the page belongs to (issue 16 part 2): the item whose page this is
    ("page"), or else the item whose address is the longest prefix of the page's ("true": the
    section, e.g. a round's lot page under "Bedarfsabfragen"); the start page only as itself."""
    path = request.path
    urls = {endpoint: url_for(endpoint) for endpoint, _label in items}
    for endpoint, url in urls.items():
        if path == url:
            return {endpoint: "page"}
    sections = [(len(url), endpoint) for endpoint, url in urls.items()
                if url != "/" and path.startswith(url.rstrip("/") + "/")]
    return {max(sections)[1]: "true"} if sections else {}


@bp.get("/")
@signed_in
def index():
    summaries = None
    if current_user.role == Role.OFFICER:
        # Officers see their member's open rounds at once (the same rows as demand.start).
        summaries = [s for s in officer_round_summaries(get_db(), current_user.member_id)
                     if s.round.status.value == "open"]
    savings = steps = chart = accounts = finance = None
    if current_user.role == Role.FINANCE:
        finance = _finance_overview()
    if current_user.role == Role.OFFICER and summaries:
        chart = _officer_chart(summaries)
    if current_user.role == Role.ADMIN:
        from einkauf.db import utcnow
        from einkauf.steps import accounts_overview

        config = current_app.config
        accounts = accounts_overview(get_db(), free_failures=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], now=utcnow(),
                                     window_seconds=config["LOGIN_ACCOUNT_WINDOW_SECONDS"])
    if current_user.role == Role.COORDINATOR:
        from einkauf.contracts.savings import cooperative_saving
        from einkauf.steps import round_steps

        savings = cooperative_saving(get_db())
        steps = round_steps(get_db())
        chart = _demand_chart(steps)
    return render_template("home/index.html", summaries=summaries, savings=savings, steps=steps, chart=chart,
                           accounts=accounts, finance=finance)


def _finance_overview():
    """Finance's start page: the rounds ready for export (newest first) with their annual value
    and whether awarded prices exist, and the totals per member of the newest one (a user bound to
    a member sees only that member)."""
    from einkauf.finance.services import awarded_plan_ids, exportable_rounds
    from einkauf.steps import member_totals

    rounds = exportable_rounds(get_db())
    awarded = awarded_plan_ids(get_db()) if rounds else set()
    totals = member_totals(get_db(), rounds[0].plan.id, current_user.member_id) if rounds else []
    return {"rounds": rounds, "awarded": awarded, "totals": totals}


def _officer_chart(summaries):
    """The member's demand per category in the newest open round against its previous round."""
    from einkauf.charts import bar_chart
    from einkauf.demand.queries import previous_submission
    from einkauf.steps import member_demand_comparison

    summary = next((s for s in summaries if s.submission is not None), None)
    if summary is None:
        return None
    previous = previous_submission(get_db(), summary.round, current_user.member_id)
    rows = member_demand_comparison(get_db(), summary.submission.id, previous.id if previous else None)
    if not rows:
        return None
    series: list[tuple[str, list]] = [(summary.round.code, [now for _name, now, _before in rows])]
    if previous is not None:
        series.append((previous.round.code, [before for _name, _now, before in rows]))
    return bar_chart(_("Ihr Bedarf je Warengruppe"),
                     _("Jahreswert Ihrer Bedarfsmeldung zu Schätzpreisen (netto) je Warengruppe, neben der "
                       "Vorrunde."), _("Warengruppe"), [name for name, _now, _before in rows], series)


def _demand_chart(steps):
    """The demand value per category of the newest round that has submitted demand."""
    from einkauf.charts import bar_chart
    from einkauf.steps import demand_by_category

    newest = next((s for s in steps if s.submitted), None)
    if newest is None:
        return None
    values = demand_by_category(get_db(), newest.round.id)
    if not values:
        return None
    return bar_chart(
        _("Bedarf je Warengruppe – %(code)s", code=newest.round.code),
        _("Jahreswert der abgegebenen Bedarfsmeldungen zu Schätzpreisen (netto) je Warengruppe."),
        _("Warengruppe"), [name for name, _value in values], [(_("Jahreswert"), [value for _name, value in values])])


@bp.post("/sprache")
def set_language():
    """Switch the UI language (German or English) for this browser session."""
    lang = request.form.get("lang", "de")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.get("/health")
def health():
    return {"status": "ok"}


def _report(checks):
    from einkauf import health as checks_module

    ok, results = checks_module.run(checks, get_db(), current_app.config)
    return {"status": "ok" if ok else "Fehler", "checks": results}, 200 if ok else 503


@bp.get("/healthz")
def healthz():
    """Liveness: the database answers (einkauf.health)."""
    from einkauf.health import CHECKS_LIVE

    return _report(CHECKS_LIVE)


@bp.get("/readyz")
def readyz():
    """Readiness: database, schema at the newest migration, export folder writable."""
    from einkauf.health import CHECKS_READY

    return _report(CHECKS_READY)
