"""Liveness and readiness for a load balancer (issue 17 part 5): public, nothing revealed but
the checks' names and German states; 503 when something is missing."""
from __future__ import annotations

import json


def test_healthz_and_readyz_answer_without_sign_in(client):
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok", "checks": {"database": "ok"}}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ok", "checks": {"database": "ok", "schema": "ok", "exports": "ok"}}
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_says_503_when_the_export_folder_cannot_be_written(app_config, tmp_path):
    from einkauf.app import create_app

    blocked = tmp_path / "datei"
    blocked.write_text("kein Ordner")
    app = create_app({**app_config, "EXPORT_DIR": str(blocked / "exports")})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.data)
    assert body["checks"]["exports"] == "Exportordner nicht beschreibbar" and str(tmp_path) not in response.text


def test_readyz_says_503_before_the_newest_migration(app_config, db):
    from sqlalchemy import text

    from einkauf.app import create_app

    app = create_app(app_config)
    client = app.test_client()
    db.execute(text("UPDATE alembic_version SET version_num = '2026_12_02_0000_0000'"))
    db.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json["checks"]["schema"] == "Datenbank nicht auf dem neuesten Stand (einkauf db upgrade)"
    finally:
        from alembic.script import ScriptDirectory

        from einkauf.migrate import alembic_config

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        db.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.commit()
