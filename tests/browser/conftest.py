"""Browser tests: Playwright drives Debian's Chromium against einkauf served by waitress on
127.0.0.1, backed by a migrated SQLite file with the demo data loaded."""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from einkauf.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "browser-demo-2027"

# The live server's database URL and files, set by live_server (see live_database_url).
_LIVE_DATABASE: dict[str, str] = {}
_LIVE_ENGINE: dict = {}


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database page by page (the backup API: safe with WAL and open readers)."""
    import sqlite3

    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("EINKAUF_REQUIRE_BROWSER"):
        pytest.fail(f"EINKAUF_REQUIRE_BROWSER ist gesetzt, aber {reason}")
    pytest.skip(f"Browser-Tests übersprungen: {reason}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """einkauf on a free port of 127.0.0.1 with its own migrated SQLite database and the demo."""
    from waitress.server import create_server

    from einkauf.app import create_app
    from einkauf.db import make_engine, make_session_factory, session_scope
    from einkauf.demo.services import load_demo
    from einkauf.migrate import upgrade

    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'browser.sqlite'}"
    _LIVE_DATABASE["url"] = url
    upgrade(url)
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        load_demo(session, DEMO_PASSWORD)
    # The state every test starts from (see fresh_database): the migrated demo, copied once.
    _copy_sqlite(folder / "browser.sqlite", folder / "pristine.sqlite")
    _LIVE_DATABASE["pristine"] = str(folder / "pristine.sqlite")
    _LIVE_DATABASE["live"] = str(folder / "browser.sqlite")
    _LIVE_ENGINE["engine"] = engine
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test",
        "DATABASE_URL": url,
        "ENGINE": engine,
        "INSTANCE_PATH": str(folder / "instance"),
        "EXPORT_DIR": str(folder / "exports"),
    })
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    engine.dispose()


@pytest.fixture(autouse=True)
def fresh_database(request):
    """Each browser test starts from the demo as loaded, whatever the tests before it did.

    Between two tests no request is in flight: the server's pooled connections are closed and
    the pristine copy is written back over the live database."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("live_server")
    _LIVE_ENGINE["engine"].dispose()
    _copy_sqlite(Path(_LIVE_DATABASE["pristine"]), Path(_LIVE_DATABASE["live"]))
    yield


@pytest.fixture(scope="session")
def live_database_url(live_server) -> str:
    """The SQLite URL of the live server's database, for tests that prepare data behind its back
    (write through an engine of their own and dispose of it)."""
    return _LIVE_DATABASE["url"]


@pytest.fixture(scope="session")
def browser():
    _require(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        "Debian-Chromium fehlt (apt-get install chromium)",
    )
    _require(AXE_JS.exists(), "axe-core fehlt (npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-gpu"],
        )
        yield browser
        browser.close()


class Visitor:
    """A browser tab that checks every page it sees with axe-core and for CSP violations."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.checked: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def sign_in(self, email: str, password: str = DEMO_PASSWORD):
        self.goto("/anmelden")
        self.page.get_by_label("E-Mail-Adresse").fill(email)
        self.page.get_by_label("Passwort").fill(password)
        self.page.get_by_role("button", name="Anmelden").click()
        self.page.wait_for_load_state()
        self.check()

    def sign_out(self):
        self.page.get_by_role("button", name="Abmelden").click()
        self.page.wait_for_load_state()

    def check_refused(self, status: int):
        """check() for a page the server answered with `status` on purpose (a refusal): the
        browser's console line for that status is expected, any other is not."""
        self.page.wait_for_load_state()
        expected = [e for e in self.console_errors if f"status of {status}" in e]
        assert expected, f"keine Antwort {status} auf {self.page.url}: {self.console_errors}"
        self.console_errors = [e for e in self.console_errors if e not in expected]
        self.check()

    def check(self):
        """axe-core reports no serious or critical violation; the page raised no CSP or script error."""
        page = self.page
        page.wait_for_load_state()
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Runtime evaluation through the DevTools protocol is not subject to the page's CSP.
            page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }"
        )
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe-core auf {page.url}:\n" + json.dumps(bad, indent=2, ensure_ascii=False)
        assert not self.console_errors, f"Konsolenfehler auf {page.url}: {self.console_errors}"
        self.checked.append(page.url)


@pytest.fixture
def visitor(browser, live_server):
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Visitor(page, live_server)
    context.close()
