"""Compressed HTML and long-lived, versioned static assets (issue 17 part 4)."""
from __future__ import annotations

import gzip
import re

from einkauf.assets import asset_version


def test_a_big_page_is_compressed_when_the_browser_accepts_it(client, as_role, make_demand_round):
    built = make_demand_round()
    as_role("coordinator")
    url = f"/runden/{built.round.id}/lose/regeln"
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.headers.get("Content-Encoding") == "gzip" and "Accept-Encoding" in packed.headers.get("Vary", "")
    html = gzip.decompress(packed.data).decode()
    assert html.startswith("<!doctype html>") and "Losregeln der Bedarfsabfrage" in html
    assert len(packed.data) < len(plain.data) / 2
    assert packed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    assert "Content-Encoding" not in plain.headers


def test_downloads_are_not_compressed(client, as_role, make_round, make_member):
    rnd = make_round(opened=True)
    as_role("officer", member=make_member())
    response = client.get(f"/bedarf/{rnd.id}/vorlage.xlsx", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "Content-Encoding" not in response.headers


def test_static_files_have_versioned_urls_and_a_year_of_cache(client, as_role):
    as_role("coordinator")
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/einkauf\.css\?v=([0-9a-f]{12}))"', page)
    assert match, "the stylesheet has a versioned URL"
    kern = re.search(r'href="(/assets/kern/kern\.min\.css\?v=[0-9a-f]{12})"', page)
    with client.get(match.group(1)) as versioned:
        assert versioned.status_code == 200
        assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with client.get("/static/einkauf.css") as bare:
        assert "immutable" not in bare.headers.get("Cache-Control", "")
    if kern:  # KERN is installed from npm (make); CI requires it
        with client.get(kern.group(1)) as asset:
            assert "immutable" in asset.headers["Cache-Control"]


def test_a_changed_file_gets_a_new_version(tmp_path):
    (tmp_path / "a.css").write_text("body { color: black; }")
    first = asset_version(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("body { color: navy; }")
    assert first is not None and asset_version(str(tmp_path), "a.css") not in (None, first)
    assert asset_version(str(tmp_path), "fehlt.css") is None
    assert asset_version(str(tmp_path), "../etc/passwd") is None

