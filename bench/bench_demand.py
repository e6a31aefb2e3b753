"""Benchmarks of demand collection; each figure is printed next to a raw floor measured in the
same run, with the ratio. Nothing is asserted: machines differ; the ratio is what to watch.

    .venv/bin/python bench/bench_demand.py

bench_import: a 5,000-line filled template imported through the whole path an upload takes
(raw-byte checks, read-only parsing, mapping, validation, replace_draft_lines, commit) against
an openpyxl read-only pass over the same file (load the workbook, read every cell of the sheet).

bench_page_save: the entry page of a category with 300 products saved with 300 filled lines,
end to end through the Flask test client (sign-in session, form parsing, validation,
save_category_lines with its version check, delete + bulk insert and audit event, commit,
redirect) against a bare sqlite3 DELETE + executemany INSERT of the same 300 rows in one
transaction on the same database file.

The data lives in temporary SQLite databases that the benchmarks create and delete.
"""
from __future__ import annotations

import io
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from openpyxl import load_workbook
from sqlalchemy import func, select

from einkauf.app import create_app
from einkauf.auth import passwords
from einkauf.auth.models import User
from einkauf.catalogue.models import Category, CpvCode, Product, Unit
from einkauf.db import make_engine, make_session_factory, session_scope
from einkauf.demand import excel_layout, excel_writer
from einkauf.demand.excel_service import import_demand_workbook
from einkauf.demand.models import DemandLine, Submission
from einkauf.migrate import upgrade
from einkauf.roles import Role
from einkauf.rounds.models import DeliverySite, Member, Round

PRODUCTS = 5000
CATEGORIES = 25
REPEAT = 3
SITES = ("Rathaus", "Schulamt", "Feuerwache Nord")
PAGE_PRODUCTS = 300
PAGE_REPEAT = 7
OFFICER = "beschaffung@bench.example"
OFFICER_PASSWORD = "bench-password-2027"


def _timed(run: Callable[[], object], repeat: int = REPEAT) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def _report(label: str, times: list[float], floor: list[float], floor_label: str) -> None:
    best, best_floor = min(times), min(floor)
    print(f"  {label:<34} best {best * 1000:8.1f} ms   median {statistics.median(times) * 1000:8.1f} ms")
    print(f"  {floor_label:<34} best {best_floor * 1000:8.1f} ms   median {statistics.median(floor) * 1000:8.1f} ms")
    print(f"  ratio (best / best floor)          {best / best_floor:8.2f}")


def _seed(factory, products: int) -> None:
    now = datetime.now(UTC)
    with session_scope(factory) as session:
        session.add(CpvCode(code="30192000-1", label="Büroartikel"))
        session.add(Unit(code="H87", label="Stück"))
        session.flush()
        categories = [Category(name=f"Warengruppe {c:02d}", cpv_code="30192000-1", sort_order=c)
                      for c in range(CATEGORIES)]
        session.add_all(categories)
        session.flush()
        session.add_all(
            Product(category_id=categories[i % CATEGORIES].id, number=f"A-{i:05d}",
                    short_text=f"Artikel {i} " + "x" * 40, unit_code="H87",
                    reference_price=Decimal(i % 5000) / 100 + Decimal("0.99"), vat_rate=Decimal("19.00"))
            for i in range(products))
        member = Member(ags="05913000", name="Dortmund")
        for name in SITES:
            member.delivery_sites.append(DeliverySite(name=name))
        session.add(member)
        session.add(Round(code="2027", title="Bedarfsabfrage 2027", opens_on=date(2026, 12, 1),
                          deadline=now + timedelta(days=30), contract_term_months=24, extension_months=24,
                          max_quantity_buffer_pct=Decimal("20"), opened_at=now))


def _filled_template(factory) -> bytes:
    """The template with every product's quantity, delivery site, cost centre and budget account filled in."""
    with session_scope(factory) as session:
        rnd = session.scalar(select(Round).where(Round.code == "2027"))
        member = session.scalar(select(Member).where(Member.ags == "05913000"))
        rows = session.execute(select(Category.name, Product.number, Product.short_text, Product.reference_price)
                               .join(Category).order_by(Category.sort_order, Product.number)).all()
        info = excel_writer.TemplateInfo(rnd.code, rnd.title, rnd.deadline, member.ags, member.name,
                                  datetime.now(UTC))
    catalogue = [excel_writer.CatalogueItem(c, n, t, "Stück", p) for c, n, t, p in rows]
    lines = [excel_layout.SheetLine(n, Decimal(i % 250 + 1) + (Decimal("0.5") if i % 3 == 0 else 0), SITES[i % 3],
                                 cost_centre=f"KST-{i % 40:03d}", budget_account="5231000",
                                 note="Lieferung bitte vormittags" if i % 10 == 0 else "")
             for i, (_c, n, _t, _p) in enumerate(rows)]
    return excel_writer.build_template(info, catalogue, lines, SITES)


def _openpyxl_read_only_pass(data: bytes) -> int:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        ws = wb["Bedarf"]
        ws.reset_dimensions()
        cells = 0
        for row in ws.iter_rows(max_col=len(excel_layout.COLUMNS)):
            cells += sum(1 for c in row if c.value is not None)
        return cells
    finally:
        wb.close()


def bench_import(products: int = PRODUCTS, repeat: int = REPEAT) -> dict[str, float]:
    """Import a filled template of `products` lines; print it next to an openpyxl read-only pass."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        try:
            _seed(factory, products)
            started = time.perf_counter()
            data = _filled_template(factory)
            build_seconds = time.perf_counter() - started

            def full_import() -> None:
                with session_scope(factory) as session:
                    rnd = session.scalar(select(Round).where(Round.code == "2027"))
                    member = session.scalar(select(Member).where(Member.ags == "05913000"))
                    import_demand_workbook(session, "bench", rnd, member, data)

            floor = _timed(lambda: _openpyxl_read_only_pass(data), repeat)
            full = _timed(full_import, repeat)
            with session_scope(factory) as session:
                count = session.scalar(select(func.count()).select_from(DemandLine))
        finally:
            engine.dispose()
    print(f"Excel import of a filled template: {count} lines, {len(data) / 1024:.0f} KiB "
          f"(template built in {build_seconds * 1000:.0f} ms), best of {repeat}")
    _report("full import (checks, parse, save)", full, floor, "floor: openpyxl read-only pass")
    return {"lines": count, "import": min(full), "floor": min(floor), "ratio": min(full) / min(floor)}


# --- saving a category page -------------------------------------------------------------------

def _seed_page(factory, products: int) -> dict[str, object]:
    """One open round, one member with three delivery sites and an officer, one category with
    `products` products (and a second one, so the save has to pick its category's lines)."""
    now = datetime.now(UTC)
    with session_scope(factory) as session:
        session.add(CpvCode(code="30192700-8", label="Büromaterial"))
        session.add(Unit(code="H87", label="Stück"))
        session.flush()
        office = Category(name="Büromaterial", cpv_code="30192700-8", sort_order=1)
        other = Category(name="Druckpapier", cpv_code="30192700-8", sort_order=2)
        session.add_all([office, other])
        session.flush()
        page_products = [
            Product(category_id=office.id, number=f"BM-{i:04d}", short_text=f"Büroartikel {i} " + "x" * 40,
                    unit_code="H87", reference_price=Decimal(i % 900) / 100 + Decimal("0.49"),
                    vat_rate=Decimal("19.00"))
            for i in range(products)]
        session.add_all(page_products)
        session.add_all(Product(category_id=other.id, number=f"PA-{i:04d}", short_text=f"Papier {i}", unit_code="H87",
                                reference_price=Decimal("4.99"), vat_rate=Decimal("19.00")) for i in range(20))
        member = Member(ags="05913000", name="Dortmund")
        for name in SITES:
            member.delivery_sites.append(DeliverySite(name=name))
        session.add(member)
        rnd = Round(code="2027", title="Bedarfsabfrage 2027", opens_on=date(2026, 12, 1),
                    deadline=now + timedelta(days=30), contract_term_months=24, extension_months=24,
                    max_quantity_buffer_pct=Decimal("20"), opened_at=now)
        session.add(rnd)
        session.flush()
        session.add(User(email=OFFICER, role=Role.OFFICER, member_id=member.id,
                         password_hash=passwords.hash_password(OFFICER_PASSWORD)))
        session.flush()
        return {"round": rnd.id, "category": office.id, "products": [p.id for p in page_products],
                "sites": [s.id for s in member.delivery_sites]}


def _page_rows(seed: dict[str, object], iteration: int) -> list[tuple[int, int, Decimal, str, str, str]]:
    """(product, site, quantity, cost centre, budget account, note) for every product of the page;
    the quantities change with each iteration, so every save really replaces the lines."""
    sites = seed["sites"]
    return [(pid, sites[i % len(sites)], Decimal(i % 250 + 1 + iteration) + (Decimal("0.5") if i % 3 == 0 else 0),
             f"KST-{i % 40:03d}", "5431100", "Lieferung bitte vormittags" if i % 10 == 0 else "")
            for i, pid in enumerate(seed["products"])]


def _german(quantity: Decimal) -> str:
    """1234.5 → "1.234,5", as an officer types it."""
    whole, _dot, fraction = f"{quantity:,f}".partition(".")
    fraction = fraction.rstrip("0")
    return whole.replace(",", ".") + ("," + fraction if fraction else "")


def _page_form(rows, version: int) -> dict[str, str]:
    """The posted form of the entry page: one row (0) per product, named as einkauf.demand.entry reads them."""
    form = {"version": str(version)}
    for pid, site, quantity, cc, ba, note in rows:
        key = f"l-{pid}-0-"
        form[key + "site"] = str(site)
        form[key + "qty"] = _german(quantity)
        form[key + "cc"] = cc
        form[key + "ba"] = ba
        form[key + "note"] = note
    return form


def _raw_connection(path: Path) -> sqlite3.Connection:
    """A bare sqlite3 connection with the pragmas einkauf.db.make_engine sets."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def _bare_replace(connection: sqlite3.Connection, submission_id: int, rows) -> None:
    """The floor: delete the previous rows, insert the same rows again, one transaction."""
    values = [(submission_id, pid, site, int(quantity * 1000), cc, ba, note)
              for pid, site, quantity, cc, ba, note in rows]
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.execute("DELETE FROM demand_lines WHERE submission_id = ?", (submission_id,))
        connection.executemany(
            "INSERT INTO demand_lines (submission_id, product_id, delivery_site_id, quantity, cost_centre,"
            " budget_account, note) VALUES (?, ?, ?, ?, ?, ?, ?)", values)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def bench_page_save(products: int = PAGE_PRODUCTS, repeat: int = PAGE_REPEAT) -> dict[str, float]:
    """Save a category page with `products` filled lines; print it next to a bare DELETE + INSERT."""
    passwords.configure(1, 1024, 1)  # sign-in is not what is measured
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        url = f"sqlite:///{path}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        raw = _raw_connection(path)
        try:
            seed = _seed_page(factory, products)
            app = create_app({
                "TESTING": True, "SECRET_KEY": "bench", "DATABASE_URL": url, "ENGINE": engine,
                "SESSION_FACTORY": factory, "WTF_CSRF_ENABLED": False,
                "INSTANCE_PATH": str(Path(folder) / "instance"), "EXPORT_DIR": str(Path(folder) / "exports"),
            })
            client = app.test_client()
            response = client.post("/anmelden", data={"email": OFFICER, "password": OFFICER_PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"sign-in failed: HTTP {response.status_code}")
            page = f"/bedarf/{seed['round']}/warengruppen/{seed['category']}"

            def current_version() -> tuple[int | None, int]:
                row = raw.execute("SELECT id, version FROM submissions").fetchone()
                return (row[0], row[1]) if row else (None, 0)

            def save(iteration: int) -> float:
                _submission, version = current_version()  # as the page would carry it; not timed
                # Encoded outside the timer: in real life the browser does that, not the server.
                body = urlencode(_page_form(_page_rows(seed, iteration), version)).encode("ascii")
                started = time.perf_counter()
                response = client.post(page, data=body, content_type="application/x-www-form-urlencoded")
                elapsed = time.perf_counter() - started
                if response.status_code != 303:
                    raise SystemExit(f"page save failed: HTTP {response.status_code}")
                return elapsed

            def floor(iteration: int) -> float:
                submission_id, _version = current_version()
                rows = _page_rows(seed, iteration)
                started = time.perf_counter()
                _bare_replace(raw, submission_id, rows)
                return time.perf_counter() - started

            save(0)  # warm-up: creates the submission, fills caches
            floor(0)
            full, bare = [], []
            for iteration in range(1, repeat + 1):  # alternated, so that drift hits both alike
                full.append(save(iteration))
                bare.append(floor(iteration))
            save(repeat + 1)  # leave the page's own state behind, then check it
            with session_scope(factory) as session:
                count = session.scalar(select(func.count()).select_from(DemandLine))
                version = session.scalar(select(Submission.version))
        finally:
            raw.close()
            engine.dispose()
    print(f"Saving a category page: {count} lines of {products} products (submission version {version}), "
          f"best of {repeat}")
    _report("full POST (parse, validate, save)", full, bare, "floor: bare DELETE + INSERT")
    return {"lines": count, "save": min(full), "floor": min(bare), "ratio": min(full) / min(bare)}


def main() -> None:
    print(f"einkauf demand benchmarks – Python {sys.version.split()[0]}")
    bench_import()
    print()
    bench_page_save()


if __name__ == "__main__":
    main()
