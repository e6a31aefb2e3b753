"""Benchmark of lot building (issue 4, item 7): `build_lots` end to end on a round of 400 members
× 2,000 products (1,000,000 submitted demand lines) against a raw floor measured in the same
run. Nothing is asserted: machines differ; the ratio is what to watch.

    .venv/bin/python bench/bench_lots.py                 # full size, SQLite
    .venv/bin/python bench/bench_lots.py --scale 0.1     # a tenth of the members
    EINKAUF_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/bench_lots.py           # also on PostgreSQL, in a schema
                                                        # "einkauf_bench" it creates and drops

Data: members × products, every member demands every product; every fourth product of a
member is split over two delivery sites (two lines), so 400 × 2,000 gives 1,000,000 lines. One
more member's draft submission (2,500 lines) must be left out. 40 categories, prices and
quantities with awkward decimals. The round is opened and closed through the service.

- **build**: `build_lots` in its own unit of work with the commit (`session_scope`), as
  `einkauf lots build` runs it. The first run builds; later runs rebuild (delete the previous
  plan's 1,000,000 allocations, then build) — both are printed, each with its ratio.
- **floor** (SQLite): a plain sqlite3 connection on the same file with the pragmas einkauf
  sets: `SELECT product_id, SUM(quantity) … GROUP BY product_id` over the submitted demand
  lines, plus an `executemany` INSERT of as many rows as allocations into a scratch table with
  the allocation columns including the net value (rows prepared before the timer), and the commit.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import text

from einkauf.catalogue.models import Category, CpvCode, Product, Unit
from einkauf.db import make_engine, make_session_factory, session_scope
from einkauf.demand.models import Submission, SubmissionStatus
from einkauf.lots.planner import LotRules
from einkauf.lots.services import NATIONAL_PROCEDURES, build_lots, get_rule_set, save_lot_rules
from einkauf.migrate import upgrade
from einkauf.rounds.models import DeliverySite, Member, Round
from einkauf.rounds.services import close_round, get_round_by_code

MEMBERS = 400
PRODUCTS = 2000
CATEGORIES = 40
ROUND = "2027"


def _seed_rows(factory, members: int, products: int) -> tuple[list[tuple], int]:
    """Catalogue, members, sites, round and submissions through the ORM (few rows); returns the
    demand line tuples (submission_id, product_id, delivery_site_id, quantity, cost_centre,
    budget_account, note) to be inserted raw, and the number of submitted lines."""
    rng = random.Random(2027)
    now = datetime.now(UTC)
    with session_scope(factory) as session:
        session.add(CpvCode(code="30192000-1", label="Büroartikel"))
        session.add(Unit(code="H87", label="Stück"))
        session.flush()
        cats = [Category(name=f"Warengruppe {c:02d}", cpv_code="30192000-1", sort_order=c) for c in range(CATEGORIES)]
        session.add_all(cats)
        session.flush()
        prods = [Product(category_id=cats[p % CATEGORIES].id, number=f"A-{p:05d}", short_text=f"Artikel {p}",
                         unit_code="H87", reference_price=Decimal(rng.randint(1, 250_000)) / 100)
                 for p in range(products)]
        session.add_all(prods)
        mems = []
        for m in range(members + 1):
            member = Member(ags=f"{5_000_000 + m:08d}", name=f"Stadt {m}", region=f"Region {m % 5}")
            member.delivery_sites = [DeliverySite(name="Rathaus"), DeliverySite(name="Schulamt")]
            mems.append(member)
        session.add_all(mems)
        rnd = Round(code=ROUND, title="Bench", opens_on=date.today(), deadline=now + timedelta(days=1),
                    contract_term_months=24, extension_months=24, max_quantity_buffer_pct=Decimal("20.00"),
                    opened_at=now)
        session.add(rnd)
        session.flush()
        subs = [Submission(round_id=rnd.id, member_id=m.id, version=1,
                           status=SubmissionStatus.SUBMITTED if i < members else SubmissionStatus.DRAFT)
                for i, m in enumerate(mems)]
        session.add_all(subs)
        session.flush()
        product_ids = [p.id for p in prods]
        rows: list[tuple] = []
        for sub, member in zip(subs, mems, strict=False):
            site_a, site_b = (s.id for s in member.delivery_sites)
            for k, pid in enumerate(product_ids):
                q = rng.randint(1, 500_000)  # thousandths: up to 500 units, three decimals
                if k % 4 == 0:
                    rows.append((sub.id, pid, site_a, q // 2, f"KST-{k % 7}", "5210", ""))
                    rows.append((sub.id, pid, site_b, q - q // 2, f"KST-{k % 7}", "5211", ""))
                else:
                    rows.append((sub.id, pid, site_a, q, f"KST-{k % 7}", "5210", ""))
        submitted = len(rows) - (products + (products + 3) // 4)
    return rows, submitted


def _insert_lines_sqlite(path: str, rows: list[tuple]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO demand_lines (submission_id, product_id, delivery_site_id, quantity, cost_centre,"
                     " budget_account, note) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _insert_lines_postgres(engine, rows: list[tuple]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY demand_lines (submission_id, product_id, delivery_site_id, quantity, cost_centre,"
                      " budget_account, note) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _build(factory) -> tuple[float, object]:
    started = time.perf_counter()
    with session_scope(factory) as session:
        result = build_lots(session, "bench", get_round_by_code(session, ROUND).id)
    return time.perf_counter() - started, result


def _floor_sqlite(path: str, allocation_rows: list[tuple]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"):
        conn.execute(pragma)
    conn.execute("DROP TABLE IF EXISTS bench_scratch")
    conn.execute("CREATE TABLE bench_scratch (id INTEGER PRIMARY KEY, position_id INTEGER NOT NULL, "
                 "demand_line_id INTEGER NOT NULL, member_id INTEGER NOT NULL, delivery_site_id INTEGER NOT NULL, "
                 "cost_centre VARCHAR(40) NOT NULL, budget_account VARCHAR(40) NOT NULL, quantity BIGINT NOT NULL, "
                 "net_value BIGINT NOT NULL)")
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT dl.product_id, SUM(dl.quantity) FROM demand_lines dl "
                 "JOIN submissions s ON s.id = dl.submission_id WHERE s.status = 'submitted' "
                 "GROUP BY dl.product_id").fetchall()
    conn.executemany("INSERT INTO bench_scratch (position_id, demand_line_id, member_id, delivery_site_id, "
                     "cost_centre, budget_account, quantity, net_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     allocation_rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.execute("DROP TABLE bench_scratch")
    conn.close()
    return elapsed


PG_SCHEMA = "einkauf_bench"


def _prepare(url: str, members: int, products: int, postgres: bool):
    if postgres:
        # A schema of its own (dropped and created again): the database's other tables stay untouched.
        setup = make_engine(url)
        with setup.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        setup.dispose()
        engine = make_engine(url, connect_args={"options": f"-csearch_path={PG_SCHEMA}"})
    else:
        engine = make_engine(url)
    with engine.connect() as conn:
        upgrade(connection=conn)
        conn.commit()
    factory = make_session_factory(engine)
    started = time.perf_counter()
    rows, submitted = _seed_rows(factory, members, products)
    if postgres:
        _insert_lines_postgres(engine, rows)
    else:
        _insert_lines_sqlite(url[len("sqlite:///"):], rows)
    with session_scope(factory) as session:
        close_round(session, "bench", get_round_by_code(session, ROUND).id, early=True)
    print(f"  data: {members} members × {products} products → {submitted:,} submitted demand lines "
          f"(+{len(rows) - submitted:,} in a draft), generated in {time.perf_counter() - started:.1f} s")
    return engine, factory, rows, submitted


def _run_builds(factory, repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        elapsed, result = _build(factory)
        times.append(elapsed)
        print(f"  {'build  ' if i == 0 else 'rebuild'} {i + 1}: {elapsed:7.2f} s  ({len(result.lots)} lots, "
              f"{result.demand_line_count:,} allocations, {result.member_count} members, "
              f"total {result.estimated_total} €)")
    return times


def bench_sqlite(members: int, products: int, repeat: int) -> None:
    print(f"SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bench.sqlite")
        engine, factory, rows, submitted = _prepare(f"sqlite:///{path}", members, products, postgres=False)
        allocation_rows = [(r[1], i, r[0], r[2], r[4], r[5], r[3], r[3] // 7)
                           for i, r in enumerate(rows[:submitted], start=1)]
        builds, floors = [], []
        for _ in range(repeat):  # alternate, so that a load on the machine hits both alike
            builds.extend(_run_builds_once(factory, len(builds)))
            floors.append(_floor_sqlite(path, allocation_rows))
            print(f"  floor   {len(floors)}: {floors[-1]:7.2f} s  (GROUP BY + executemany of "
                  f"{len(allocation_rows):,} rows)")
        regional = _build_with_gebietslose(factory)
        engine.dispose()
    _summary(builds, floors, submitted)
    print(f"  rebuild with every category in Gebietslose (5 regions): {regional:7.2f} s   "
          f"ratio {regional / min(floors):.2f}")


def _build_with_gebietslose(factory) -> float:
    """Lot rules that split every category by member region, then one rebuild (the member join)."""
    from sqlalchemy import select

    with session_scope(factory) as session:
        rnd = session.scalar(select(Round).where(Round.code == ROUND))
        categories = set(session.scalars(select(Category.id)))
        save_lot_rules(session, "bench", rnd.id, LotRules(region_split=categories), NATIONAL_PROCEDURES[0],
                       expected_version=get_rule_set(session, rnd).version)
    elapsed, result = _build(factory)
    print(f"  Gebietslose: {elapsed:7.2f} s  ({len(result.lots)} lots, {result.demand_line_count:,} allocations)")
    return elapsed


def _run_builds_once(factory, done: int) -> list[float]:
    elapsed, result = _build(factory)
    print(f"  {'build  ' if done == 0 else 'rebuild'} {done + 1}: {elapsed:7.2f} s  ({len(result.lots)} lots, "
          f"{result.demand_line_count:,} allocations, {result.member_count} members, "
          f"total {result.estimated_total} €)")
    return [elapsed]


def _floor_postgres(engine, allocation_rows: list[tuple]) -> float:
    """The PostgreSQL floor: the same GROUP BY and an executemany of the allocation rows through
    psycopg on the schema's own connection (pipeline mode batches the statements)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DROP TABLE IF EXISTS bench_scratch")
        cursor.execute(
            "CREATE TABLE bench_scratch (id BIGSERIAL PRIMARY KEY, position_id INTEGER NOT NULL, "
            "demand_line_id INTEGER NOT NULL, member_id INTEGER NOT NULL, delivery_site_id INTEGER NOT NULL, "
            "cost_centre VARCHAR(40) NOT NULL, budget_account VARCHAR(40) NOT NULL, "
            "quantity BIGINT NOT NULL, net_value BIGINT NOT NULL)"
        )
        raw.commit()
        started = time.perf_counter()
        cursor.execute("SELECT dl.product_id, SUM(dl.quantity) FROM demand_lines dl "
                       "JOIN submissions s ON s.id = dl.submission_id WHERE s.status = 'submitted' "
                       "GROUP BY dl.product_id")
        cursor.fetchall()
        cursor.executemany("INSERT INTO bench_scratch (position_id, demand_line_id, member_id, delivery_site_id, "
                           "cost_centre, budget_account, quantity, net_value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                           allocation_rows)
        raw.commit()
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_scratch")
        raw.commit()
        return elapsed
    finally:
        raw.close()


def bench_postgres(url: str, members: int, products: int, repeat: int) -> None:
    print("PostgreSQL")
    engine, factory, rows, submitted = _prepare(url, members, products, postgres=True)
    allocation_rows = [(r[1], i, r[0], r[2], r[4], r[5], r[3], r[3] // 7)
                       for i, r in enumerate(rows[:submitted], start=1)]
    builds, floors = [], []
    for _ in range(repeat):
        builds.extend(_run_builds_once(factory, len(builds)))
        floors.append(_floor_postgres(engine, allocation_rows))
        print(
            f"  floor   {len(floors)}: {floors[-1]:7.2f} s  (GROUP BY + executemany of {len(allocation_rows):,} rows)"
        )
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {PG_SCHEMA} CASCADE"))
    engine.dispose()
    _summary(builds, floors, submitted)


def _summary(builds: list[float], floors: list[float], lines: int) -> None:
    floor = min(floors)
    print(f"  best floor         {floor:7.2f} s   {lines / floor:12,.0f} rows/s")
    print(f"  first build        {builds[0]:7.2f} s   {lines / builds[0]:12,.0f} demand lines/s   "
          f"ratio {builds[0] / floor:.2f}")
    if len(builds) > 1:
        rebuild = min(builds[1:])
        print(f"  best rebuild       {rebuild:7.2f} s   {lines / rebuild:12,.0f} demand lines/s   "
              f"ratio {rebuild / floor:.2f}  (deletes the previous plan first)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 400 members (default 1.0)")
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    members = max(1, round(MEMBERS * args.scale))
    bench_sqlite(members, args.products, args.repeat)
    url = os.environ.get("EINKAUF_BENCH_POSTGRES_URL")
    if url:
        bench_postgres(url, members, args.products, args.repeat)
    else:
        print("PostgreSQL: skipped (set EINKAUF_BENCH_POSTGRES_URL to run there too)")


if __name__ == "__main__":
    main()
