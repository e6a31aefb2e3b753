"""Migrations merge: one head, one chain, and ids that two branches cannot both take."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from alembic.script import ScriptDirectory

from einkauf.migrate import REVISION_ID, alembic_config, new_revision_id

# The revisions written before the id rule (a counter, then "<date>_<helper>") keep their ids.
LEGACY = re.compile(r"^(000[1-6]|20261202_h\d(_[a-z])?)\Z")


def _scripts():
    return ScriptDirectory.from_config(alembic_config())


def test_the_migrations_have_exactly_one_head_and_one_base():
    scripts = _scripts()
    assert len(scripts.get_heads()) == 1, scripts.get_heads()
    assert len(scripts.get_bases()) == 1, scripts.get_bases()


def test_the_revisions_form_one_chain_without_merge_points():
    revisions = list(_scripts().walk_revisions())
    assert all(not isinstance(r.down_revision, tuple) for r in revisions)
    assert len({r.down_revision for r in revisions}) == len(revisions)


def test_every_new_revision_id_carries_its_minute_and_a_random_part_and_names_its_file():
    for revision in _scripts().walk_revisions():
        if LEGACY.match(revision.revision):
            continue
        match = REVISION_ID.match(revision.revision)
        assert match, f"{revision.path}: the id {revision.revision!r} is not of the form 2026_12_03_0712_a1b2"
        assert revision.path.rsplit("/", 1)[-1].startswith(revision.revision + "_"), revision.path


def test_a_new_revision_id_is_the_utc_minute_plus_sixteen_random_bits():
    now = datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
    ids = {new_revision_id(now) for _ in range(50)}
    assert all(REVISION_ID.match(i) and i.startswith("2027_01_31_2359_") for i in ids)
    assert len(ids) > 1  # two branches in the same minute still take different ids
