"""Benchmark: import bank feedback on a released batch of N payments.

    python benchmarks/bench_bank_import.py [--n 10000] [--database-url URL]

``--n 100000`` gives the figure of the target (under 20 s per document on a
2-core machine). The benchmark works in a fresh database of its own (a
temporary SQLite file, or a new database on the PostgreSQL server of
``--database-url``, dropped afterwards).

Builds the state the way production does, in a child process: the households
of ``bench_allocation.py`` (four monthly fixed costs and a levensonderhoud
payment each, about five payments per household), the nightly allocation, the
batch gathered and released (payment files of at most 10,000 transfers). Then
times :func:`ontzorging.bank.feedback_import.import_bank_file`, each in its own
transaction as the CLI runs it, of

- a pain.002.001.10 with one transaction status per payment, 1% RJCT (AM04);
- a camt.053.001.02 with one entry per payment: the first payment file booked
  as one batch debit (``Btch/PmtInfId``), the other payments booked one by
  one (EndToEndId), and 1% of all payments returned (AC04) by an entry of
  their own.

Reports seconds and the peak RSS of each import (the peak is reset before
each), and the outcome counts. No assertions beyond the counts: figures only.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_allocation import NOW, fresh_database, generate, peak_rss_mib, reset_peak_rss

from ontzorging.adapters.db import make_engine, upgrade_to_head
from ontzorging.adapters.schema import payment_files, payment_instructions
from ontzorging.allocation.allocate import allocate_due
from ontzorging.bank import samples as docs
from ontzorging.bank.feedback_import import import_bank_file
from ontzorging.batches.service import gather_batches, release_batch
from ontzorging.settings import load_settings

PAYMENTS_PER_HOUSEHOLD = 5  # four fixed costs and the leefgeld
RETURNED_ONE_IN = 100  # 1% rejected (pain.002) and 1% returned (camt.053)


def _build(url: str, households_count: int) -> None:
    """Child: households, allocation, one released batch."""
    engine = make_engine(url)
    generate(engine, households_count)
    settings = load_settings()
    # About ten payment files whatever N, so that both bookings are measured.
    per_file = max(1, households_count * PAYMENTS_PER_HOUSEHOLD // 10)
    settings = replace(settings, sepa=replace(settings.sepa, max_transactions_per_file=per_file))
    with engine.begin() as conn:
        allocate_due(conn, date(2026, 3, 26), settings, None, NOW)
        gather_batches(conn, date(2026, 3, 26), settings, None, NOW)
        release_batch(conn, 1, "bench", NOW, settings)
    engine.dispose()


def _single_debit(ref: str, end_to_end_id: str, amount_cents: int) -> str:
    euro = f"{amount_cents // 100}.{amount_cents % 100:02d}"
    return (
        f'<Ntry><Amt Ccy="EUR">{euro}</Amt><CdtDbtInd>DBIT</CdtDbtInd>{docs.BOOK}'
        "<BookgDt><Dt>2026-03-27</Dt></BookgDt><ValDt><Dt>2026-03-27</Dt></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>"
        "<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
        f"<EndToEndId>{end_to_end_id}</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>\n"
    )


def documents(engine: Engine, folder: Path) -> tuple[Path, Path, int]:
    """The pain.002 and camt.053 about the released batch, and its size."""
    pi = payment_instructions
    with engine.connect() as conn:
        files = conn.execute(select(payment_files).order_by(payment_files.c.id)).mappings().all()
        rows = conn.execute(
            select(pi.c.id, pi.c.end_to_end_id, pi.c.amount_cents)
            .where(pi.c.status == "released")
            .order_by(pi.c.id)
        ).all()
    first = files[0]
    rejected = {n for n in range(len(rows)) if n % RETURNED_ONE_IN == 0}
    statuses = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId>"
        + (
            "<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>"
            if n in rejected
            else "<TxSts>ACCP</TxSts>"
        )
        + "</TxInfAndSts>\n"
        for n, (_, e2e, _) in enumerate(rows)
    )
    pain002 = docs.pain002_10("BENCH-PSR", first["message_id"], first["payment_info_id"], [])
    pain002 = pain002.replace("</OrgnlPmtInfAndSts>", statuses + "</OrgnlPmtInfAndSts>")
    # The bank debits what it did not reject; 1% of what it paid comes back.
    in_first = range(first["count"])
    entries = [
        docs.batch_debit(
            "BENCH-B", first["message_id"], first["payment_info_id"],
            sum(rows[n][2] for n in in_first if n not in rejected),
            sum(1 for n in in_first if n not in rejected),
        )
    ]  # fmt: skip
    entries += [
        _single_debit(f"BENCH-D{n}", e2e, cents)
        for n, (_, e2e, cents) in enumerate(rows)
        if n >= first["count"] and n not in rejected
    ]
    returns = [n for n in range(len(rows)) if n % RETURNED_ONE_IN == 1]
    entries += [docs.return_credit(f"BENCH-R{n}", rows[n][1], rows[n][2], "AC04") for n in returns]
    total = sum(cents for n, (_, _, cents) in enumerate(rows) if n not in rejected)
    returned = sum(rows[n][2] for n in returns)
    camt053 = docs.camt053_02("BENCH-STMT", "BENCH-ST-1", 1, total, returned, "".join(entries))
    pain_path, camt_path = folder / "pain002.xml", folder / "camt053.xml"
    pain_path.write_text(pain002, encoding="utf-8")
    camt_path.write_text(camt053, encoding="utf-8")
    return pain_path, camt_path, len(rows)


def timed_import(engine: Engine, path: Path) -> tuple[float, float, dict[str, int]]:
    reset_peak_rss()
    start = time.perf_counter()
    with engine.begin() as conn:
        outcome = import_bank_file(conn, path, "bench", NOW)
    seconds = time.perf_counter() - start
    return seconds, peak_rss_mib(), outcome.counts


def run(url: str, n: int) -> None:
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    t0 = time.perf_counter()
    households_count = max(1, round(n / PAYMENTS_PER_HOUSEHOLD))
    child = multiprocessing.get_context("fork").Process(target=_build, args=(url, households_count))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"building the released batch failed (exit {child.exitcode})")
    folder = Path(tempfile.mkdtemp())
    pain_path, camt_path, released = documents(engine, folder)
    print(f"database: {engine.dialect.name}")
    print(
        f"released batch: {households_count} households, {released} payments "
        f"(built in {time.perf_counter() - t0:.0f}s)"
    )
    for label, path in (("pain.002", pain_path), ("camt.053", camt_path)):
        size_mb = path.stat().st_size / 1e6
        seconds, peak, counts = timed_import(engine, path)
        shown: dict[str, Any] = {k: v for k, v in sorted(counts.items()) if v}
        print(f"{label} ({size_mb:.1f} MB): {seconds:.1f}s, peak RSS {peak:.0f} MiB; {shown}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000, help="payments in the released batch")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url, drop = fresh_database(args.database_url or "sqlite://")
    try:
        run(url, args.n)
    finally:
        drop()


if __name__ == "__main__":
    main()
