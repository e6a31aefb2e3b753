"""The migration graph merges: one head, and revision ids that two branches cannot both take.

Revisions up to 0006 kept their numbers; every later revision is named by its date
(YYYYMMDD_<branch or slug>) and its file name starts with the same date (README, development)."""
from __future__ import annotations

import re
from pathlib import Path

from alembic.script import ScriptDirectory

from einkauf.migrate import alembic_config

NUMBERED = {"0001", "0002", "0003", "0004", "0005", "0006"}
DATED_ID = re.compile(r"^(\d{4})(\d{2})(\d{2})_[a-z0-9_]+$")
FILE_DATE = re.compile(r"^(\d{4})_(\d{2})_(\d{2})_")


def _scripts():
    return ScriptDirectory.from_config(alembic_config())


def test_the_migration_graph_has_exactly_one_head():
    assert len(_scripts().get_heads()) == 1


def test_every_revision_after_0006_has_a_dated_id_matching_its_file_name():
    revisions = list(_scripts().walk_revisions())
    later = [r for r in revisions if r.revision not in NUMBERED]
    assert later, "keine Revision nach 0006 gefunden"
    for rev in later:
        id_match = DATED_ID.match(rev.revision)
        assert id_match, f"{rev.revision}: id nicht der Form YYYYMMDD_…"
        file_match = FILE_DATE.match(Path(rev.path).name)
        assert file_match, f"{rev.path}: Dateiname beginnt nicht mit YYYY_MM_DD_"
        assert id_match.groups() == file_match.groups(), f"{rev.revision}: Datum ≠ Datum im Dateinamen {rev.path}"


def test_the_numbered_revisions_form_the_root_of_the_chain():
    scripts = _scripts()
    assert scripts.get_base() == "0001"
    for number in sorted(NUMBERED)[1:]:
        previous = f"{int(number) - 1:04d}"
        assert scripts.get_revision(number).down_revision == previous
