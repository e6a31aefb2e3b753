"""The officer's Excel round trip: download the template of a round, upload it filled in.

Only officers, and only for their own member (R8): the member is the signed-in user's, never
one named in the request or in the file. A draft round (or one that does not exist) is 404.
A refused upload shows the page again with every problem (422; 413 for an oversized file;
409 when the deadline has passed or the submission is already handed in); nothing is
changed then. The upload form is checked by the global CSRFProtect: a file input cannot be
filled in again anyway, so there is no typed input an expired token could lose. The file is
parsed and checked in a read transaction (web.reads_first); only the save takes the write
lock (issue 11).
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.routing import BuildError

from einkauf.demand import excel_service, queries, state
from einkauf.demand.excel_reader import Problem
from einkauf.demand.upload_checks import DEFAULT_LIMITS, file_too_large, megabytes
from einkauf.errors import DeadlinePassed, InvalidState
from einkauf.forms import EinkaufForm
from einkauf.i18n import money
from einkauf.roles import Role
from einkauf.rounds.models import Member
from einkauf.web import begin_writing, get_db, load_or_404, reads_first, refuse, roles_required

bp = Blueprint("demand_excel", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_LISTED_PROBLEMS = 500

officer_only = roles_required(Role.OFFICER)


class UploadForm(EinkaufForm):
    """The filled template. The page's CSRF token is checked by the global CSRFProtect."""

    class Meta:
        csrf = False

    file = FileField(
        _l("Ausgefüllte Excel-Vorlage (.xlsx)"),
        validators=[FileRequired(_l("Bitte wählen Sie die ausgefüllte Excel-Datei aus."))],
        description=_l("Eine Datei im Format .xlsx, höchstens %(size)s.", size=megabytes(DEFAULT_LIMITS.max_bytes)),
        render_kw={"accept": ".xlsx," + XLSX_MIMETYPE},
    )


def _stream_size(stream) -> int | None:
    """The size of an uploaded file (Werkzeug keeps it in a seekable file); None if unknown."""
    try:
        return stream.seek(0, io.SEEK_END)
    except (OSError, AttributeError, ValueError):
        return None


def _actor():
    return current_user._get_current_object()


def _round_or_404(round_id: int):
    return load_or_404(queries.get_open_round, round_id)


def _member() -> Member:
    member = get_db().get(Member, current_user.member_id) if current_user.member_id else None
    if member is None:
        abort(403)
    return member


def _round_page(rnd) -> str:
    """The officer's page of the round, once the demand pages provide it; else the start page."""
    if "demand.submission" in current_app.view_functions:
        try:
            return url_for("demand.submission", round_id=rnd.id)
        except BuildError:
            pass
    return url_for("home.index")


@bp.get("/bedarf/<int:round_id>/vorlage.xlsx")
@officer_only
def template(round_id: int):
    """The member's template for the round, with its current lines (also after the deadline)."""
    rnd = _round_or_404(round_id)
    member = _member()
    data = excel_service.build_demand_template(get_db(), rnd, member)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=excel_service.template_file_name(rnd, member), max_age=0)


@bp.route("/bedarf/<int:round_id>/hochladen", methods=["GET", "POST"])
@reads_first
@officer_only
def upload(round_id: int):
    db = get_db()
    rnd = _round_or_404(round_id)
    member = _member()
    form = UploadForm()
    problems: list = []
    error = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            # Never the uploaded file name: only the bytes, and never more than the limit plus one.
            stream = form.file.data.stream
            data = stream.read(DEFAULT_LIMITS.max_bytes + 1)
            try:
                # Parse and check in the read transaction; write only the short save (issue 11).
                parsed = excel_service.parse_demand_workbook(db, _actor(), rnd, member, data)
                db = begin_writing()
                rnd = _round_or_404(round_id)
                member = _member()
                summary = excel_service.save_demand_import(db, _actor(), rnd, member, parsed)
            except excel_service.WorkbookRejected as exc:
                problems, error = exc.problems, refuse(exc)
                status = 413 if len(data) > DEFAULT_LIMITS.max_bytes else 422
                if status == 413:  # the file's real size, not the bytes read
                    problems = [Problem(file_too_large(_stream_size(stream), DEFAULT_LIMITS.max_bytes))]
            except (DeadlinePassed, InvalidState) as exc:
                error, status = refuse(exc), 409
            else:
                flash(gettext("Die Excel-Datei wurde übernommen: %(lines)s Positionen, geschätzter Wert "
                              "%(value)s. Bitte prüfen Sie Ihren Bedarf und geben Sie ihn ab.",
                              lines=summary.lines, value=money(summary.estimated_value)), "success")
                return redirect(_round_page(rnd))
    submission = queries.get_submission(db, rnd.id, member.id)
    try:
        state.ensure_editable(rnd, submission)
        closed_reason = None
    except (DeadlinePassed, InvalidState) as exc:
        closed_reason = exc.message
    return render_template(
        "demand/excel_upload.html", form=form, round=rnd, member=member, problems=problems[:MAX_LISTED_PROBLEMS],
        more_problems=max(0, len(problems) - MAX_LISTED_PROBLEMS), error=error, closed_reason=closed_reason,
        round_page=_round_page(rnd), max_size=megabytes(DEFAULT_LIMITS.max_bytes),
    ), status
