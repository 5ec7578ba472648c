"""Benchmark: allocation + ledger for N households for one month.

    python benchmarks/bench_allocation.py --households 100000 [--database-url URL]

The benchmark works in a fresh database of its own: a temporary SQLite file,
or with a PostgreSQL URL a new database on that server, dropped afterwards.

Generates N households (4 monthly fixed costs each, one levensonderhoud
payment, every tenth household short of money), then times the nightly
allocation. Reports households/s, rows written/s, the peak memory (RSS) of
the run itself (the data is generated in a child process), and the ratio to
two floors, each a bare executemany of as many rows as the run wrote: the
same rows into the same tables of a fresh database (what storing the result
costs), and five-column rows into a table with only a primary key.
See docs/adr/0005-nightly-throughput.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    select,
    text,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ontzorging.adapters.db import make_engine, upgrade_to_head
from ontzorging.adapters.schema import (
    benefit_payments,
    creditors,
    household_members,
    households,
    imported_files,
    metadata,
    obligations,
)
from ontzorging.allocation.allocate import allocate_due
from ontzorging.settings import load_settings

NOW = datetime(2026, 3, 26, 2, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
MONTH = date(2026, 3, 1)
CHUNK = 10_000
COSTS = (("huur", 65000), ("energie", 12000), ("water", 2000), ("zorgverzekering", 14240))


def bsn(n: int) -> str:
    """A valid 11-proef number derived from n (test data only)."""
    base = f"{100000000 + n * 10:09d}"[:8]
    total = sum(int(d) * w for d, w in zip(base, range(9, 1, -1), strict=True))
    for last in range(10):
        if (total - last) % 11 == 0:
            return base + str(last)
    return bsn(n + 1_000_000)


def generate(engine, count: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(56)
    with engine.begin() as conn:
        file_id = conn.execute(
            imported_files.insert().values(
                kind="bench",
                file_name="generated",
                sha256="0" * 64,
                row_count=count,
                imported_at=NOW,
                imported_by="bench",
            )
        ).inserted_primary_key[0]
        conn.execute(
            creditors.insert(),
            [
                {
                    "creditor_id": f"C-{k}",
                    "name": f"Crediteur {k}",
                    "iban": "NL91ABNA0417164300",
                    "bic": None,
                    "kind": k,
                    "imported_file_id": file_id,
                }
                for k, _ in COSTS
            ],
        )
        seen: set[str] = set()
        for start in range(0, count, CHUNK):
            ids = range(start, min(start + CHUNK, count))
            hh, mm, oo, pp = [], [], [], []
            for i in ids:
                hid = f"H{i:07d}"
                number = bsn(i)
                while number in seen:
                    number = bsn(rng.randrange(10**7))
                seen.add(number)
                hh.append(
                    {
                        "household_id": hid,
                        "name": f"Client {i}",
                        "iban": "NL91ABNA0417164300",
                        "bijstand_start": date(2026, 2, 1),
                        "bijstand_end": None,
                        "coach": f"Coach {i % 40}",
                        "language": "nl",
                        "imported_file_id": file_id,
                    }
                )
                mm.append(
                    {
                        "household_id": hid,
                        "role": "applicant",
                        "bsn": number,
                        "name": f"Client {i}",
                        "birth_date": date(1990, 1, 1),
                    }
                )
                for n, (kind, cents) in enumerate(COSTS):
                    oo.append(
                        {
                            "obligation_id": f"{hid}-{n}",
                            "household_id": hid,
                            "kind": kind,
                            "creditor_id": f"C-{kind}",
                            "amount_cents": cents,
                            "frequency": "monthly",
                            "reference": f"K{i}-{n}",
                            "reference_kind": "free",
                            "valid_from": date(2026, 2, 1),
                            "valid_to": None,
                            "legal_basis": "56a",
                            "imported_file_id": file_id,
                        }
                    )
                pp.append(
                    {
                        "payment_id": f"P{i}",
                        "bsn": number,
                        "household_id": hid,
                        "payee_name": None,
                        "period": MONTH,
                        "kind": "levensonderhoud",
                        "amount_cents": 80000 if i % 10 == 0 else 133423,
                        "payout_date": date(2026, 3, 26),
                        "iban": None,
                        "imported_file_id": file_id,
                    }
                )
            conn.execute(households.insert(), hh)
            conn.execute(household_members.insert(), mm)
            conn.execute(obligations.insert(), oo)
            conn.execute(benefit_payments.insert(), pp)


def floor_seconds(engine, rows: int) -> float:  # type: ignore[no-untyped-def]
    """A bare executemany of ``rows`` rows of five columns into a scratch table."""
    scratch = Table(
        "bench_floor",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("a", String(40)),
        Column("b", BigInteger),
        Column("c", String(40)),
        Column("d", BigInteger),
    )
    scratch.create(engine)
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO bench_floor (id, a, b, c, d) VALUES ({', '.join([marker] * 5)})"
    start = time.perf_counter()
    with engine.begin() as conn:
        for first in range(0, rows, 5000):
            conn.exec_driver_sql(
                sql,
                [
                    (i + 1, f"Assets:Household:H{i}:Held", i, "x", i)
                    for i in range(first, min(first + 5000, rows))
                ],
            )
    return time.perf_counter() - start


# The tables a nightly allocation writes, in foreign-key order.
OUTPUT_TABLES = (
    "ledger_entries",
    "ledger_postings",
    "allocations",
    "allocated_payments",
    "allocation_lines",
    "payment_instructions",
    "signals",
)


def same_rows_floor_seconds(engine, households_count: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """A bare executemany of exactly the rows the run wrote, into the same
    tables (same columns, indexes and foreign keys) of a fresh database with
    the same register: what storing the result costs with no computing."""
    tables = [metadata.tables[name] for name in OUTPUT_TABLES]
    fresh_url, drop = fresh_database(engine.url.render_as_string(hide_password=False))
    try:
        fresh = make_engine(fresh_url)
        upgrade_to_head(fresh)
        generate(fresh, households_count)
        marker = "?" if fresh.dialect.paramstyle == "qmark" else "%s"
        total = 0
        elapsed = 0.0
        with engine.connect() as source, fresh.connect() as target:
            raw = target.connection.dbapi_connection
            cursor = raw.cursor()  # type: ignore[union-attr]
            for table in tables:
                names = [c.name for c in table.columns]
                sql = (
                    f"INSERT INTO {table.name} ({', '.join(names)}) "
                    f"VALUES ({', '.join([marker] * len(names))})"
                )
                # Read in insertion order (ids are given in that order).
                order = ", ".join(c.name for c in table.primary_key.columns)
                result = source.exec_driver_sql(
                    f"SELECT {', '.join(names)} FROM {table.name} ORDER BY {order}"
                )
                before = elapsed
                while chunk := result.fetchmany(5000):
                    params = [tuple(row) for row in chunk]
                    start = time.perf_counter()
                    cursor.executemany(sql, params)
                    elapsed += time.perf_counter() - start
                    total += len(params)
                print(f"  same-rows floor, {table.name}: {elapsed - before:.2f}s")
            start = time.perf_counter()
            raw.commit()  # type: ignore[union-attr]
            elapsed += time.perf_counter() - start
        fresh.dispose()
    finally:
        drop()
    return elapsed, total


def fresh_database(url: str):  # type: ignore[no-untyped-def]
    """A new empty database next to ``url``; returns its URL and a dropper."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tempfile.mkdtemp()}/bench.db", lambda: None
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"ontz_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return f"{url.rsplit('/', 1)[0]}/{name}", drop


def reset_peak_rss() -> None:
    """Linux: start a new peak-RSS measurement (VmHWM) from here."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url, drop = fresh_database(args.database_url or "sqlite://")
    try:
        run(url, args.households)
    finally:
        drop()


def _generate_into(url: str, households_count: int) -> None:
    engine = make_engine(url)
    generate(engine, households_count)
    engine.dispose()


def run(url: str, households_count: int) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    t0 = time.perf_counter()
    # Generated in a child process, so that the peak memory measured here is
    # the run's own and not what generating the data left behind.
    engine.dispose()
    child = multiprocessing.get_context("fork").Process(
        target=_generate_into, args=(url, households_count)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"generating the data failed (exit {child.exitcode})")
    print(f"generated {households_count} households in {time.perf_counter() - t0:.1f}s")
    reset_peak_rss()
    start = time.perf_counter()
    with engine.begin() as conn:
        counts = allocate_due(conn, date(2026, 3, 26), load_settings(), None, NOW)
    seconds = time.perf_counter() - start
    peak = peak_rss_mib()
    rows = counts["rows_written"]
    # The floor goes into a database of its own, so that it neither pays for
    # nor profits from the state the run left behind (cache, WAL).
    floor_engine = (
        engine
        if engine.dialect.name != "sqlite"
        else make_engine(f"sqlite:///{tempfile.mkdtemp()}/floor.db")
    )
    floor = floor_seconds(floor_engine, rows)
    same_floor, same_rows = same_rows_floor_seconds(engine, households_count)
    assert same_rows == rows, (same_rows, rows)
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(benefit_payments)).scalar()
            == households_count
        )
    print(f"database: {engine.dialect.name}")
    print(
        f"allocation + ledger: {households_count} households in {seconds:.1f}s "
        f"= {households_count / seconds:,.0f} households/s"
    )
    print(f"rows written: {rows:,} = {rows / seconds:,.0f} rows/s")
    print(
        f"storage floor, the same rows into the same tables (bare executemany): "
        f"{same_floor:.1f}s; ratio {seconds / same_floor:.2f}x"
    )
    print(
        f"narrow floor, {rows:,} five-column rows into a table with only a primary key: "
        f"{floor:.1f}s; ratio {seconds / floor:.2f}x"
    )
    print(f"peak RSS during the run: {peak:.0f} MiB")
    print(f"counts: {dict(counts)}")


if __name__ == "__main__":
    main()
