"""The audit log viewer (Protokoll) for coordination and administration."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from einkauf.audit import queries
from einkauf.audit.display import action_label, describe_changes, entity_label, member_ids_in
from einkauf.audit.forms import AuditFilterForm
from einkauf.audit.models import AuditEvent
from einkauf.audit.services import audit_query
from einkauf.i18n import translate_label
from einkauf.roles import Role
from einkauf.web import get_db, paginate, roles_required

bp = Blueprint("audit", __name__)

VIEWERS = (Role.COORDINATOR, Role.ADMIN)


def _rows(db, events: list[AuditEvent]) -> list[dict]:
    """Each event with its labels (in the language of the page), readable changes and a link to
    its record where that still exists and the viewer may open it, ready to print."""
    links = queries.existing_links(db, events, current_user.role.value)
    ids = set()
    for event in events:
        ids |= member_ids_in(event.before, event.after)
        if event.member_id:
            ids.add(event.member_id)
    names = queries.member_names(db, ids)
    return [
        {
            "event": event,
            "action": action_label(event.action, translate_label),
            "entity": entity_label(event.entity_type, translate_label),
            "member": names.get(event.member_id) if event.member_id else None,
            "changes": describe_changes(event.before, event.after, names, translate_label),
            "link": links.get((event.entity_type, event.entity_id)),
        }
        for event in events
    ]


@bp.get("/protokoll")
@roles_required(*VIEWERS)
def event_list():
    db = get_db()
    form = AuditFilterForm(request.args)
    form.set_choices(queries.action_choices(db, translate_label), queries.entity_type_choices(db, translate_label),
                     queries.member_choices(db))
    form.validate()
    page = paginate(db, audit_query(**form.filters()))
    return render_template("audit/event_list.html", form=form, page=page, rows=_rows(db, page.items))


@bp.get("/protokoll/<int:event_id>")
@roles_required(*VIEWERS)
def event_detail(event_id: int):
    db = get_db()
    event = db.get(AuditEvent, event_id)
    if event is None:
        abort(404)
    return render_template("audit/event_detail.html", row=_rows(db, [event])[0])
