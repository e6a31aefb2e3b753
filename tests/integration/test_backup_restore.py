"""Backup and restore (issue 17 part 6): a backup taken while another thread keeps committing
submissions restores into an empty instance with every submission committed before the backup
began, the lot plan, and the registered documents with their checksums; a damaged archive and a
filled target are refused, nothing written."""
from __future__ import annotations

import hashlib
import io
import tarfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from einkauf.cli import main
from einkauf.db import make_engine, make_session_factory, session_scope
from einkauf.demand.models import Submission
from einkauf.lots.models import LotPlan
from einkauf.migrate import upgrade
from einkauf.tenders.models import Document


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """A migrated SQLite instance with the demo, its round 2025 tender's documents registered."""
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    upgrade(url)
    monkeypatch.setenv("EINKAUF_DATABASE_URL", url)
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("EINKAUF_INSTANCE_PATH", str(tmp_path / "instance"))
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--password", "demo-passwort-1"]).exit_code == 0
    done = runner.invoke(main, ["tender", "letters", "EK-2025-01", "-o", str(tmp_path / "briefe")])
    assert done.exit_code == 0, done.output
    return url, tmp_path


def _writer(url: str, stop: threading.Event, committed: list[int]) -> None:
    """Keeps adding (and committing) submissions of new rounds until told to stop."""
    from einkauf.rounds.models import Member, Round

    engine = make_engine(url)
    factory = make_session_factory(engine)
    number = 0
    while not stop.is_set():
        number += 1
        with session_scope(factory) as session:
            rnd = Round(code=f"B{number}", title="Backup-Test", opens_on=datetime(2030, 1, 1).date(),
                        deadline=datetime(2030, 2, 1, tzinfo=UTC), contract_term_months=12)
            session.add(rnd)
            session.flush()
            member = session.scalar(select(Member).order_by(Member.id).limit(1))
            submission = Submission(round_id=rnd.id, member_id=member.id, version=1)
            session.add(submission)
            session.flush()
            new_id = submission.id
        committed.append(new_id)
        time.sleep(0.005)
    engine.dispose()


def test_a_backup_taken_during_writes_restores_everything_committed_before_it(instance, tmp_path, monkeypatch):
    url, _folder = instance
    stop, committed = threading.Event(), []
    writer = threading.Thread(target=_writer, args=(url, stop, committed))
    writer.start()
    try:
        while len(committed) < 5:
            time.sleep(0.01)
        before = list(committed)
        result = CliRunner().invoke(main, ["backup", "-o", str(tmp_path / "sicherung.tar.gz")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Sicherung geschrieben" in result.output

    source = make_session_factory(make_engine(url))
    with session_scope(source) as session:
        documents = {d.path: d.sha256 for d in session.scalars(select(Document))}
        plans = session.scalar(select(func.count()).select_from(LotPlan))
    assert documents  # the award letters

    target_url = f"sqlite:///{tmp_path / 'neu' / 'einkauf.sqlite'}"
    monkeypatch.setenv("EINKAUF_DATABASE_URL", target_url)
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "neu" / "exports"))
    restored = CliRunner().invoke(main, ["restore", str(tmp_path / "sicherung.tar.gz")])
    assert restored.exit_code == 0, restored.output
    with session_scope(make_session_factory(make_engine(target_url))) as session:
        ids = set(session.scalars(select(Submission.id)))
        assert set(before) <= ids  # every submission committed before the backup began
        assert session.scalar(select(func.count()).select_from(LotPlan)) == plans
        for document in session.scalars(select(Document)):
            data = (tmp_path / "neu" / "exports" / document.path).read_bytes()
            assert hashlib.sha256(data).hexdigest() == document.sha256 == documents[document.path]

    # A filled target is refused: restoring again changes nothing.
    again = CliRunner().invoke(main, ["restore", str(tmp_path / "sicherung.tar.gz")])
    assert again.exit_code == 1 and "leere Instanz" in again.stderr


def test_a_damaged_archive_is_refused_before_anything_is_written(instance, tmp_path, monkeypatch):
    archive = tmp_path / "sicherung.tar.gz"
    assert CliRunner().invoke(main, ["backup", "-o", str(archive)]).exit_code == 0
    damaged = tmp_path / "kaputt.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("exports/"):
                data = data + b"x"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    target_dir = tmp_path / "ziel"
    monkeypatch.setenv("EINKAUF_DATABASE_URL", f"sqlite:///{target_dir / 'einkauf.sqlite'}")
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(target_dir / "exports"))
    result = CliRunner().invoke(main, ["restore", str(damaged)])
    assert result.exit_code == 1 and "Prüfsumme" in result.stderr
    assert not (target_dir / "einkauf.sqlite").exists() and not Path(target_dir / "exports").exists()
    not_an_archive = tmp_path / "text.tar.gz"
    not_an_archive.write_text("nichts")
    result = CliRunner().invoke(main, ["restore", str(not_an_archive)])
    assert result.exit_code == 1 and "keine einkauf-Sicherung" in result.stderr
