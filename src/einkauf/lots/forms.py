"""Forms of the lot plan page."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional

from einkauf import BERLIN
from einkauf.forms import EinkaufForm
from einkauf.rounds.forms import GermanDateField

# Proposed planned publication date: two weeks from today (German calendar day).
PUBLICATION_LEAD_DAYS = 14


def default_publication_date(today: date | None = None) -> date:
    """Today (in Germany) plus two weeks: the planned publication date until the coordinator picks one."""
    return (today or datetime.now(BERLIN).date()) + timedelta(days=PUBLICATION_LEAD_DAYS)


class PublicationDateForm(EinkaufForm):
    """The planned publication date that picks the EU threshold (a GET form: nothing changes)."""

    publication_date = GermanDateField(_l("Geplanter Veröffentlichungstag"), validators=[Optional()],
                                       name="veroeffentlichung", default=default_publication_date)

    class Meta:
        csrf = False
