"""Benchmark of the finance export (issue 6, item 6): the 1,000,000-line round of bench_lots.py,
built once, then exported as xlsx and CSV by `write_export` exactly as `einkauf export finance`
runs it (rows streamed with yield_per from SQLite into openpyxl write-only / the CSV line writer), next to
raw floors measured in the same run: openpyxl write-only and csv.writer on the same rows with
no export logic (no styles, no text checks, no formatting, no sums). Nothing is asserted.

    .venv/bin/python bench/bench_finance.py               # 400 members × 2,000 products
    .venv/bin/python bench/bench_finance.py --scale 0.1   # a tenth of the members

Each export and each floor runs in a forked child process; printed are its peak RSS
(ru_maxrss: inherited interpreter and modules included) and how far it grew over the RSS it
started with — what the run itself needed. The floors write the first --sample rows of the same export query (fetched
and held in memory before the timer starts, texts interned) — a million rows held at once
would need over a gigabyte, which is exactly what the export must not do.
"""
from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lots import MEMBERS, PRODUCTS, ROUND, _prepare

from einkauf.db import make_engine, make_session_factory, session_scope, write_intent
from einkauf.exports.finance_columns import DEFAULT_COLUMNS, PLACES
from einkauf.finance import services
from einkauf.lots.services import build_lots
from einkauf.rounds.services import get_round_by_code


def _rss_mib() -> float:
    """The current resident set size (Linux /proc), in MiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _child(target, *args):
    """Run target(*args) in a forked process; return its result and (peak RSS, growth over the RSS
    it started with) in MiB — the growth is what the run itself allocated."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def run():
        start = _rss_mib()
        result = target(*args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        queue.put((result, (peak, peak - start)))

    process = ctx.Process(target=run)
    process.start()
    result = queue.get()
    process.join()
    return result


def _export(url: str, fmt: str, folder: str, prices: str = "estimated"):
    factory = make_session_factory(make_engine(url))
    path = os.path.join(folder, f"export.{fmt}")
    write_intent.set(False)
    with session_scope(factory) as session:
        prepared = services.prepare_round_export(session, get_round_by_code(session, ROUND).id, prices=prices)
        started = time.perf_counter()
        with open(path, "wb") as stream:
            totals = services.write_export(session, prepared, fmt, stream)
        elapsed = time.perf_counter() - started
    size = os.path.getsize(path)
    os.unlink(path)
    return elapsed, totals.rows, size, str(totals.net)


def _sample(url: str, limit: int) -> list[tuple]:
    factory = make_session_factory(make_engine(url))
    write_intent.set(False)
    with session_scope(factory) as session:
        prepared = services.prepare_round_export(session, get_round_by_code(session, ROUND).id)
        statement = services.finance_rows_statement(prepared.plan.id, fiscal_year=prepared.fiscal_year,
                                                    round_code=ROUND).limit(limit)
        rows = []
        for row in services.stream_rows(session, statement):
            rows.append(tuple(sys.intern(v) if isinstance(v, str) else v for v in row))
    return rows


def _floor(url: str, fmt: str, limit: int, folder: str):
    rows = _sample(url, limit)
    width = len(DEFAULT_COLUMNS)
    path = os.path.join(folder, f"floor.{fmt}")
    if fmt == "xlsx":
        # The same values the export writes: texts as str, amounts as exact Decimals, no styles.
        scaled = [(i, -PLACES[c.kind]) for i, c in enumerate(DEFAULT_COLUMNS) if c.kind in PLACES]
        values = []
        for row in rows:
            out = list(row[:width])
            for i, places in scaled:
                out[i] = Decimal(out[i]).scaleb(places)
            values.append(out)
        from openpyxl import Workbook

        started = time.perf_counter()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Floor")
        ws.append([c.header for c in DEFAULT_COLUMNS])
        for row in values:
            ws.append(row)
        wb.save(path)
    else:
        values = [row[:width] for row in rows]
        started = time.perf_counter()
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
            writer.writerow([c.header for c in DEFAULT_COLUMNS])
            writer.writerows(values)
    elapsed = time.perf_counter() - started
    os.unlink(path)
    return elapsed, len(values)


def built_round(folder: str, scale: float, products: int, then=None) -> str:
    """The bench round of bench_lots.py in a SQLite file in folder, its lots built (then, if
    given, then(session, round_id) in a transaction of its own); its URL."""
    import sqlite3

    print(f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}")
    url = f"sqlite:///{os.path.join(folder, 'bench.sqlite')}"
    engine, factory, _rows, _submitted = _prepare(url, max(1, round(MEMBERS * scale)), products, postgres=False)
    del _rows
    started = time.perf_counter()
    with session_scope(factory) as session:
        round_id = get_round_by_code(session, ROUND).id
        build_lots(session, "bench", round_id)
    if then is not None:
        with session_scope(factory) as session:
            then(session, round_id)
    print(f"  lots built{' and prepared' if then else ''} in {time.perf_counter() - started:.1f} s")
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 400 members (default 1.0)")
    parser.add_argument("--products", type=int, default=PRODUCTS)
    parser.add_argument("--sample", type=int, default=200_000, help="rows the floors write (default 200,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = built_round(folder, args.scale, args.products)
        for fmt in ("csv", "xlsx"):
            (elapsed, rows, size, net), export_rss = _child(_export, url, fmt, folder)
            (floor_elapsed, floor_rows), floor_rss = _child(_floor, url, fmt, args.sample, folder)
            rate, floor_rate = rows / elapsed, floor_rows / floor_elapsed
            print(f"  {fmt:4}  export {elapsed:7.1f} s  {rate:10,.0f} rows/s  ({rows:,} rows, {size / 2**20:,.0f} MiB, "
                  f"net {net} €, peak RSS {export_rss[0]:,.0f} MiB, +{export_rss[1]:,.0f} MiB during the run)")
            print(f"        floor  {floor_elapsed:7.1f} s  {floor_rate:10,.0f} rows/s  ({floor_rows:,} rows, "
                  f"peak RSS {floor_rss[0]:,.0f} MiB, +{floor_rss[1]:,.0f} MiB)   ratio {rate / floor_rate:.2f}")


if __name__ == "__main__":
    main()
