"""Forms of the officer's demand pages.

The lines of a category page are read by einkauf.demand.entry (one pass over the posted keys);
the forms here carry what every page posts besides: the CSRF token and the submission's
version (R11).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, Regexp

from einkauf.forms import EinkaufForm


def _version_field() -> HiddenField:
    return HiddenField(validators=[
        InputRequired(_l("Die Versionsangabe fehlt. Bitte laden Sie die Seite neu.")),
        Regexp(r"^[0-9]{1,9}\Z", message=_l("Ungültige Versionsangabe. Bitte laden Sie die Seite neu."))])


class CategoryLinesForm(EinkaufForm):
    """The entry page of a category. Its own CSRF check (the view is exempt from the global one)
    lets an expired token re-show the page with every typed line (SECURITY.md)."""

    version = _version_field()

    @property
    def expected_version(self) -> int:
        return int(self.version.data or 0)  # 0 is refused as stale


class SubmissionActionForm(EinkaufForm):
    """A button that changes the submission (submit, withdraw, copy). The global CSRFProtect
    checks the token of these button-only POSTs."""

    class Meta:
        csrf = False

    version = _version_field()

    @property
    def expected_version(self) -> int:
        return int(self.version.data or 0)  # 0 is refused as stale


class ParticipationForm(SubmissionActionForm):
    participates = HiddenField(validators=[AnyOf(["ja", "nein"], message=_l("Ungültige Auswahl."))])

    @property
    def wants_to_participate(self) -> bool:
        return self.participates.data == "ja"
