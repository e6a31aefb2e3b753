"""Finance exports in the web UI: the closed rounds with a lot plan and their downloads (issue 6).

Finance and coordinators see every member's rows; a finance user bound to a member and an
officer (always bound) get only their own member's rows (R8) — the member comes from the
signed-in user, never from the request. A round that does not exist, is not closed or has no
plan is 404 for everyone, as is a profile name that is not offered. Administrators have no
business with the cooperative's money: 403.

The price basis is a query argument: `preise=zuschlag` exports at the awarded prices (issue 14),
offered for rounds and tenders with at least one awarded lot; without an award, or with an
unknown value, the download is 404 like any export that does not exist.
"""
from __future__ import annotations

import io
import tempfile
from typing import IO

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_login import current_user

from einkauf.errors import DomainError
from einkauf.exports.finance_profiles import DEFAULT_PROFILE_NAME, list_profiles
from einkauf.finance import services
from einkauf.roles import Role
from einkauf.rounds.models import Member
from einkauf.web import get_db, roles_required

bp = Blueprint("finance", __name__)

MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8", "abstimmung": "text/csv; charset=utf-8"}
# The export is written to a temporary file; up to this size it is sent from memory.
IN_MEMORY_BYTES = 8 * 1024 * 1024

exporters = roles_required(Role.FINANCE, Role.COORDINATOR, Role.OFFICER)
# The query values of the price basis (German, in links) → the services' names.
PRICE_ARGS = {"schaetzung": "estimated", "zuschlag": "awarded"}


def _own_member_id() -> int | None:
    """The member the signed-in user is bound to (officers always, finance maybe), else None."""
    if current_user.role in (Role.OFFICER, Role.FINANCE):
        return current_user.member_id
    return None


def _profiles():
    return list_profiles(current_app.instance_path)


@bp.get("/finanzen")
@exporters
def index():
    db = get_db()
    member_id = _own_member_id()
    member = db.get(Member, member_id) if member_id is not None else None
    profiles, problems = _profiles()
    chosen = request.args.get("profil") or DEFAULT_PROFILE_NAME
    if chosen not in {p.name for p in profiles}:
        chosen = DEFAULT_PROFILE_NAME
    prices = request.args.get("preise") or "schaetzung"
    if prices not in PRICE_ARGS:
        prices = "schaetzung"
    arguments = {} if chosen == DEFAULT_PROFILE_NAME else {"profil": chosen}
    if prices != "schaetzung":
        arguments["preise"] = prices
    return render_template("finance/index.html", rounds=services.exportable_rounds(db),
                           tenders=services.exportable_tenders(db), member=member,
                           profiles=profiles, profile_problems=problems, chosen=chosen, prices=prices,
                           awarded_plans=services.awarded_plan_ids(db) if prices == "zuschlag" else set(),
                           awarded_tenders=services.awarded_tender_ids(db) if prices == "zuschlag" else set(),
                           profile_arg=arguments)


def _profile_or_404():
    profiles, _problems = _profiles()
    name = request.args.get("profil") or DEFAULT_PROFILE_NAME
    profile = next((p for p in profiles if p.name == name), None)
    if profile is None:
        abort(404)
    return profile


def _prices_or_404() -> str:
    prices = PRICE_ARGS.get(request.args.get("preise") or "schaetzung")
    if prices is None:
        abort(404)
    return prices


def _send(export, fmt: str, profile):
    """Write the export to a temporary file and send it under our own file name."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the WSGI server after the response is sent
    try:
        services.write_export(get_db(), export, fmt, spool, profile=profile, actor=current_user._get_current_object())
        size = spool.tell()
        spool.seek(0)
        if size <= IN_MEMORY_BYTES:
            body: IO[bytes] = io.BytesIO(spool.read())
            spool.close()
        else:
            body = spool  # closed by the WSGI server once sent
    except BaseException:
        spool.close()
        raise
    return send_file(body, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=export.file_name(fmt),
                     max_age=0)


@bp.get("/finanzen/runden/<int:round_id>/export.<any(xlsx, csv):fmt>")
@bp.get("/finanzen/runden/<int:round_id>/abstimmung.csv", defaults={"fmt": "abstimmung"})
@exporters
def round_export(round_id: int, fmt: str):
    profile = _profile_or_404()
    prices = _prices_or_404()
    try:
        export = services.prepare_round_export(get_db(), round_id, member_id=_own_member_id(), prices=prices)
    except DomainError:
        abort(404)  # unknown, open, without plan, or (at awarded prices) without award: nothing to see here
    return _send(export, fmt, profile)


@bp.get("/finanzen/vergaben/<int:tender_id>/export.<any(xlsx, csv):fmt>")
@bp.get("/finanzen/vergaben/<int:tender_id>/abstimmung.csv", defaults={"fmt": "abstimmung"})
@exporters
def tender_export(tender_id: int, fmt: str):
    """A tender's frozen plan, with its Vergabenummer in every row (or its reconciliation per lot)."""
    profile = _profile_or_404()
    prices = _prices_or_404()
    try:
        export = services.prepare_tender_export(get_db(), tender_id, member_id=_own_member_id(), prices=prices)
    except DomainError:
        abort(404)
    return _send(export, fmt, profile)
