"""Benchmark: allocation + ledger for N households for one month.

    python benchmarks/bench_allocation.py --households 100000 [--database-url URL]

With a PostgreSQL URL the benchmark makes a database of its own on that
server and drops it afterwards.

Generates N households (4 monthly fixed costs each, one levensonderhoud
payment, every tenth household short of money), then times the nightly
allocation. Reports households/s, rows written/s, peak memory (RSS), and the
ratio to a bare executemany insert of the same number of rows (the floor).
"""

from __future__ import annotations

import argparse
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

from ontzorging.allocating import allocate_due
from ontzorging.db import make_engine, upgrade_to_head
from ontzorging.schema import (
    benefit_payments,
    creditors,
    household_members,
    households,
    imported_files,
    obligations,
)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    scratch = None
    if url.startswith("postgresql"):
        # A database of its own on that server, dropped afterwards.
        scratch = f"ontz_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        url = f"{url.rsplit('/', 1)[0]}/{scratch}"
    try:
        run(url, args.households)
    finally:
        if scratch:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))


def run(url: str, households_count: int) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    t0 = time.perf_counter()
    generate(engine, households_count)
    print(f"generated {households_count} households in {time.perf_counter() - t0:.1f}s")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    with engine.begin() as conn:
        counts = allocate_due(conn, date(2026, 3, 26), load_settings(), None, NOW)
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = counts["rows_written"]
    # The floor goes into a database of its own, so that it neither pays for
    # nor profits from the state the run left behind (cache, WAL).
    floor_engine = (
        engine
        if engine.dialect.name != "sqlite"
        else make_engine(f"sqlite:///{tempfile.mkdtemp()}/floor.db")
    )
    floor = floor_seconds(floor_engine, rows)
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
        f"storage floor (bare executemany of {rows:,} rows): {floor:.1f}s; "
        f"ratio {seconds / floor:.2f}x"
    )
    print(f"peak RSS: {rss_after:.0f} MiB (before the run {rss_before:.0f} MiB)")
    print(f"counts: {dict(counts)}")


if __name__ == "__main__":
    main()
