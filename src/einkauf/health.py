"""Liveness and readiness checks for operation behind a load balancer (issue 17 part 5).

`/healthz` answers whether this process can serve: the database answers a query. `/readyz` adds
what a new process needs before it takes traffic: the schema at the newest migration and a
writable export folder. Each check is a function (name, check) → German problem or None; a
later part (a job queue) appends its own to CHECKS_READY. The answers name no paths, versions
or errors — the endpoints are public.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

Check = Callable[[Session, dict], str | None]


def database(session: Session, config: dict) -> str | None:
    try:
        session.execute(text("SELECT 1")).scalar()
    except SQLAlchemyError:  # any failure means "not reachable"
        return "Datenbank nicht erreichbar"
    return None


def schema(session: Session, config: dict) -> str | None:
    from alembic.script import ScriptDirectory

    from einkauf.migrate import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    try:
        current = set(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError:  # no table: not migrated
        return "Datenbank nicht eingerichtet (einkauf db upgrade)"
    return None if current == heads else "Datenbank nicht auf dem neuesten Stand (einkauf db upgrade)"


def export_folder(session: Session, config: dict) -> str | None:
    folder = config.get("EXPORT_DIR") or ""
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".readyz-"):
            pass
    except OSError:
        return "Exportordner nicht beschreibbar"
    return None


CHECKS_LIVE: list[tuple[str, Check]] = [("database", database)]
CHECKS_READY: list[tuple[str, Check]] = [("database", database), ("schema", schema), ("exports", export_folder)]


def run(checks: list[tuple[str, Check]], session: Session, config: dict) -> tuple[bool, dict[str, str]]:
    """(all fine, {check name: "ok" or its German problem})."""
    results = {}
    for name, check in checks:
        problem = check(session, config)
        results[name] = "ok" if problem is None else problem
    return all(value == "ok" for value in results.values()), results
