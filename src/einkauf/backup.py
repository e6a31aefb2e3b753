"""Backup and restore of an einkauf instance (issue 17 part 6): the database and the export
folder (the registered documents) in one archive, with a manifest of every file's SHA-256.

- SQLite: the online backup API of sqlite3 copies a consistent snapshot while the application
  keeps writing (pages changed during the copy are copied again).
- PostgreSQL: `pg_dump --format=custom` of the database, when the PostgreSQL client tools are on
  the PATH; otherwise the backup is refused with the documented procedure (README).
The export folder is read after the database: a document registered later is a file without a
register row in the copy (`einkauf exports check --remove` clears it after a restore); a file
that disappears while being read is left out.

`restore` takes such an archive into an EMPTY instance only: it verifies every checksum before it
writes anything, then puts the database file (SQLite) or the dump (pg_restore) and the export
files in place. Pure standard library apart from the database driver; no Flask.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

MANIFEST = "manifest.json"
SQLITE_NAME = "einkauf.sqlite"
PG_NAME = "einkauf.pgdump"
EXPORTS = "exports"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is German and names no secret."""


@dataclass(frozen=True)
class BackupSummary:
    database: str  # "sqlite" or "postgresql"
    files: int
    size: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Eine Datenbank im Arbeitsspeicher lässt sich nicht sichern.")
    return Path(database)


def _dump_database(url: str, folder: Path) -> tuple[str, Path]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError("Die SQLite-Datenbank gibt es nicht.")
        target = folder / SQLITE_NAME
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination, pages=1024)
            destination.close()
        finally:
            source.close()
        return "sqlite", target
    if parsed.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump ist nicht installiert: PostgreSQL wie in der README beschrieben sichern "
                              "(pg_dump --format=custom und den Exportordner).")
        target = folder / PG_NAME
        env = {**os.environ}
        if parsed.password:
            env["PGPASSWORD"] = parsed.password
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", "--host", parsed.host or "localhost",
                   "--port", str(parsed.port or 5432), "--username", parsed.username or "postgres",
                   parsed.database or ""]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError("pg_dump ist fehlgeschlagen: " + (done.stderr.strip().splitlines() or ["?"])[-1])
        return "postgresql", target
    raise BackupError("Diese Datenbank kann einkauf nicht sichern.")


def backup(url: str, export_dir: str | Path, target: str | Path, *, now: datetime | None = None) -> BackupSummary:
    """Write the archive (tar.gz) of the database and the export folder to `target`, under a
    temporary name renamed when complete."""
    target = Path(target)
    export_dir = Path(export_dir)
    with tempfile.TemporaryDirectory(dir=target.parent if target.parent.exists() else None) as work:
        folder = Path(work)
        kind, dump = _dump_database(url, folder)
        entries = [{"path": dump.name, "sha256": _sha256(dump), "size": dump.stat().st_size}]
        files: list[tuple[Path, str]] = []
        if export_dir.is_dir():
            for path in sorted(export_dir.rglob("*")):
                if not path.is_file() or path.name.startswith(".") or ".tmp" in path.name:
                    continue
                name = f"{EXPORTS}/{path.relative_to(export_dir).as_posix()}"
                try:
                    entries.append({"path": name, "sha256": _sha256(path), "size": path.stat().st_size})
                except FileNotFoundError:
                    continue  # removed while we read: not part of this backup
                files.append((path, name))
        manifest = {"format": FORMAT, "database": kind, "created_at": (now or datetime.now(UTC)).isoformat(),
                    "files": entries}
        partial = target.with_name(f".{target.name}.tmp")
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=dump.name)
            for path, name in files:
                archive.add(path, arcname=name)
        os.replace(partial, target)
    return BackupSummary(kind, len(entries) - 1, target.stat().st_size)


def _members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in archive.getmembers():
        name = member.name
        if not member.isfile() or name.startswith("/") or ".." in Path(name).parts:
            raise BackupError("Die Sicherung enthält einen unerlaubten Eintrag.")
        members[name] = member
    return members


def restore(archive_path: str | Path, url: str, export_dir: str | Path, *, database_is_empty) -> BackupSummary:
    """Restore an archive of `backup` into an empty instance (database without einkauf data,
    export folder without files). `database_is_empty()` tells whether the target database holds
    data. Every checksum is verified before anything is written."""
    export_dir = Path(export_dir)
    if export_dir.is_dir() and any(p.is_file() for p in export_dir.rglob("*")):
        raise BackupError("Der Exportordner enthält schon Dateien: nur in eine leere Instanz wiederherstellen.")
    if not database_is_empty():
        raise BackupError("Die Datenbank enthält schon Daten: nur in eine leere Instanz wiederherstellen.")
    if not tarfile.is_tarfile(archive_path):
        raise BackupError("Die Datei ist keine einkauf-Sicherung.")
    with tarfile.open(archive_path, "r:gz") as archive, tempfile.TemporaryDirectory() as work:
        members = _members(archive)
        if MANIFEST not in members:
            raise BackupError("Die Sicherung hat kein Verzeichnis (manifest.json).")
        manifest = json.loads(archive.extractfile(members[MANIFEST]).read())  # type: ignore[union-attr]
        if manifest.get("format") != FORMAT:
            raise BackupError("Diese Sicherung hat ein unbekanntes Format.")
        folder = Path(work)
        for entry in manifest["files"]:
            member = members.get(entry["path"])
            if member is None:
                raise BackupError(f"In der Sicherung fehlt {entry['path']}.")
            target = folder / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.extractfile(member) as source, open(target, "wb") as out:  # type: ignore[union-attr]
                shutil.copyfileobj(source, out)
            if _sha256(target) != entry["sha256"]:
                raise BackupError(f"Die Prüfsumme von {entry['path']} stimmt nicht: die Sicherung ist beschädigt.")
        kind = manifest["database"]
        backend = make_url(url).get_backend_name()
        if kind != backend:
            raise BackupError(f"Die Sicherung ist von {kind}, das Ziel ist {backend}.")
        if kind == "sqlite":
            destination = _sqlite_path(url)
            destination.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{destination}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(folder / SQLITE_NAME, destination)
        else:
            _pg_restore(folder / PG_NAME, url)
        exports = folder / EXPORTS
        if exports.is_dir():
            for path in exports.rglob("*"):
                if path.is_file():
                    place = export_dir / path.relative_to(exports)
                    place.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, place)
        return BackupSummary(kind, len(manifest["files"]) - 1, Path(archive_path).stat().st_size)


def _pg_restore(dump: Path, url: str) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore ist nicht installiert.")
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    done = subprocess.run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--host", parsed.host or "localhost",
                           "--port", str(parsed.port or 5432), "--username", parsed.username or "postgres",
                           "--dbname", parsed.database or "", str(dump)], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise BackupError("pg_restore ist fehlgeschlagen: " + (done.stderr.strip().splitlines() or ["?"])[-1])
