"""Benchmark: the whole monthly cycle for N households, stage by stage.

    python benchmarks/bench_cycle.py [--n 1000] [--database-url URL] [--print-letters 500]

Works in a fresh data home and database of its own (a temporary SQLite file,
or with a PostgreSQL URL a new database on that server, dropped afterwards).
Generates N households with realistic registers, the DOMAIN.md test
households as templates: rent, energy, water (a quarter of them quarterly),
health insurance per adult (partners: two policies), amounts varied, every
tenth household short of money, some with a one-off cost, some with
bijzondere bijstand passing through, and 1% benefits payments for persons
outside ontzorging (passed through to their own account). Then it times,
as separate stages, in the order of a month:

    register import     creditors, households and obligations files (import_file)
    benefits import     the month's bijstand file
    nightly run         run_nightly: allocation, ledger, signals, batches
    approve + release   every batch approved, the SEPA files written
    bank feedback       a pain.002 rejecting 0.5% and a camt.054 returning 0.5%
    overviews HTML      write_overviews for the month (no PDF)
    print PDFs          write_print_batches (the first --print-letters letters)
    caseload            write_caseload_report (HTML and XLSX)

Each stage runs in a process of its own, as the product runs each command.
For each: seconds, items per second, the CPU seconds of the stage's process
and its children (worker processes, Chromium; not the database server's: on
a shared machine the wall time says how busy the machine was, the CPU time
what the stage costs), the peak RSS of the stage (the largest of its process
and any child), and for the stages that write rows, the ratio to a bare
executemany of as many rows into a narrow table of the same database
(bench_allocation.floor_seconds): what storing the rows alone costs.

The default (N = 1,000, one print batch of 500) finishes in about a minute
on a quiet machine; ``--print-letters 0`` prints every letter.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_allocation import bsn, floor_seconds, fresh_database, peak_rss_mib, reset_peak_rss

from ontzorging.adapters import pdf as pdf_output
from ontzorging.adapters.db import upgrade_to_head
from ontzorging.adapters.locking import run_lock
from ontzorging.adapters.schema import households, metadata, payment_files, payment_instructions
from ontzorging.bank import samples
from ontzorging.bank.feedback_import import import_bank_file
from ontzorging.batches.finance_summary import write_release_outputs
from ontzorging.batches.service import approve_batch, list_batches
from ontzorging.bootstrap import App, bootstrap
from ontzorging.domain.money import euro_nl
from ontzorging.intake.imports import import_file
from ontzorging.reports import print_batches
from ontzorging.reports.caseload import write_caseload_report
from ontzorging.reports.overviews import write_overviews
from ontzorging.runs.service import run_nightly

MONTH = date(2026, 3, 1)
NIGHT = date(2026, 3, 26)
ACTOR = "bench"
APPROVER = "bench (Financiën)"
CREDITORS = (
    ("WOON", "Woonstichting Voorbeeld", "NL49TRIO0390123456", "huur"),
    ("WOON2", "Woningcorporatie Oost", "NL91ABNA0417164300", "huur"),
    ("ENER", "Energie Voorbeeld B.V.", "NL22SNSB0912345678", "energie"),
    ("WATR", "Waterbedrijf Voorbeeld", "NL94ASNB0707123456", "water"),
    ("ZORG", "Zorgverzekeraar Voorbeeld", "NL36INGB0007654321", "zorgverzekering"),
    ("ZORG2", "Zorgverzekeraar Noord", "NL44RABO0123456789", "zorgverzekering"),
    ("GEM", "Gemeentelijke belastingen", "NL20INGB0001234567", "overig"),
)
COACHES = tuple(f"Coach {name}" for name in ("Smit", "Bakker", "Jansen", "De Vries", "Ünal"))


def iban(n: int) -> str:
    """A valid Dutch IBAN (bank code ABNA) derived from n."""
    account = f"{n % 10**10:010d}"
    digits = "".join(str(int(c, 36)) for c in f"ABNA{account}NL00")
    check = 98 - int(digits) % 97
    return f"NL{check:02d}ABNA{account}"


def generate(folder: Path, n: int) -> dict[str, Path]:
    """The register files and the month's bijstand file for ``n`` households."""
    rng = random.Random(15)
    hh = [
        "household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;"
        "iban;bijstand_start;bijstand_end;coach;language"
    ]
    ob = [
        "obligation_id;household_id;kind;creditor_id;amount;frequency;reference;"
        "valid_from;valid_to;legal_basis"
    ]
    bij = ["payment_id;bsn;period;kind;amount;payout_date;iban"]
    for i in range(n):
        hid = f"H{i:07d}"
        applicant = bsn(2 * i)
        partner = bsn(2 * i + 1) if rng.random() < 0.3 else ""
        start = date(2026, rng.choice((2, 3)), rng.choice((1, 1, 1, 10)))
        hh.append(
            f"{hid};{applicant};Client {i};1990-01-01;{partner};"
            f"{'Partner ' + str(i) if partner else ''};{'1991-02-02' if partner else ''};"
            f"{iban(i)};{start.isoformat()};;{COACHES[i % len(COACHES)]};"
            f"{'en' if i % 7 == 0 else 'nl'}"
        )
        costs = [
            ("huur", rng.choice(("WOON", "WOON2")), rng.randrange(45000, 90000), "monthly"),
            ("energie", "ENER", rng.randrange(6000, 18000), "monthly"),
            (
                "water",
                "WATR",
                *(
                    (rng.randrange(4500, 9000), "quarterly")
                    if i % 4 == 0
                    else (rng.randrange(1500, 3000), "monthly")
                ),
            ),
            ("zorgverzekering", "ZORG", rng.randrange(13000, 16000), "monthly"),
        ]
        if partner:
            costs.append(("zorgverzekering", "ZORG2", rng.randrange(13000, 16000), "monthly"))
        if i % 20 == 0:
            costs.append(("overig", "GEM", rng.randrange(2000, 9000), "once"))
        for k, (kind, creditor, cents, frequency) in enumerate(costs):
            valid_from = "2026-03-05" if frequency == "once" else "2026-02-01"
            ob.append(
                f"{hid}-{k};{hid};{kind};{creditor};{euro_nl(cents, thousands=False)};"
                f"{frequency};K{i}-{k};{valid_from};;56a"
            )
        fixed = sum(c[2] for c in costs if c[3] != "quarterly")
        # Every tenth household is short of money; the others have leefgeld left.
        income = (
            fixed - rng.randrange(500, 20000)
            if i % 10 == 0
            else fixed + rng.randrange(30000, 90000)
        )
        amount = euro_nl(income, thousands=False)
        bij.append(f"P{i};{applicant};2026-03;levensonderhoud;{amount};2026-03-26;")
        if i % 25 == 0:
            bij.append(f"P{i}-bb;{applicant};2026-03;bijzondere_bijstand;150,00;2026-03-26;")
    for j in range(max(1, n // 100)):  # persons outside ontzorging: passed through
        bij.append(
            f"X{j};{bsn(10**7 + j)};2026-03;levensonderhoud;1.234,56;2026-03-26;{iban(10**6 + j)}"
        )
    files = {
        "creditors": "creditor_id;name;iban;bic;kind\n"
        + "".join(f"{c};{name};{acct};;{kind}\n" for c, name, acct, kind in CREDITORS),
        "households": "\n".join(hh) + "\n",
        "obligations": "\n".join(ob) + "\n",
        "bijstand": "\n".join(bij) + "\n",
    }
    paths = {}
    for kind, text in files.items():
        paths[kind] = folder / f"{kind}.csv"
        paths[kind].write_text(text, encoding="utf-8")
    return paths


@dataclass
class Row:
    stage: str
    n: int
    seconds: float
    peak_mib: float
    cpu_seconds: float = 0.0
    rows_written: int | None = None
    floor_ratio: float | None = None

    def line(self) -> str:
        ratio = f"{self.floor_ratio:.1f}x" if self.floor_ratio is not None else ""
        rate = self.n / self.seconds if self.seconds else 0.0
        seconds = f"{self.seconds:.2f}" if self.seconds < 10 else f"{self.seconds:.1f}"
        return (
            f"| {self.stage} | {self.n:,} | {seconds} | {rate:,.0f} | "
            f"{self.cpu_seconds:.1f} | {self.peak_mib:.0f} MiB | {ratio} |"
        )


def row_count(app: App) -> int:
    with app.engine.connect() as conn:
        return sum(
            int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in metadata.sorted_tables
        )


STAGES = (
    "register import",
    "benefits import",
    "nightly run",
    "approve + release",
    "bank feedback",
    "overviews HTML",
    "print PDFs",
    "caseload",
)
WRITING_STAGES = frozenset(STAGES[:5])


def timed_in_child(app: App, work: Path, url: str, stage: str, print_letters: int) -> Row:
    """Run one stage in a process of its own, as the product runs each
    command: its peak RSS is the stage's alone (a process never gives
    memory back, so stages sharing one would inherit each other's peak)."""
    writes = stage in WRITING_STAGES
    before = row_count(app) if writes else 0
    command = [
        sys.executable,
        __file__,
        "--stage",
        stage,
        "--work",
        str(work),
        "--database-url",
        url,
        "--print-letters",
        str(print_letters),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"stage {stage!r} failed:\n{result.stderr}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    row = Row(stage, figures["n"], figures["seconds"], figures["peak_mib"], figures["cpu"])
    if writes:
        row.rows_written = row_count(app) - before
    print(f"  {stage}: {row.seconds:.1f} s, {row.peak_mib:.0f} MiB", flush=True)
    return row


def run_stage(stage: str, work: Path, url: str, print_letters: int) -> dict[str, float]:
    """In the child: the stage, timed; seconds, CPU seconds of this process
    and its children (worker processes, Chromium), items, peak RSS (the
    largest of this process and any child)."""
    app = bootstrap(work / "home", None, url, require_schema=False)
    files = {kind: work / f"{kind}.csv" for kind in ("creditors", "households", "obligations")}
    files["bijstand"] = work / "bijstand.csv"
    prepare: dict[str, Callable[[], tuple[int, Callable[[], Any]]]] = {
        "register import": lambda: (_households_in(files), lambda: register(app, files)),
        "benefits import": lambda: (_households_in(files), lambda: benefits(app, files)),
        "nightly run": lambda: (
            _households_in(files),
            lambda: run_nightly(app, NIGHT, ACTOR),
        ),
        "approve + release": lambda: (payments_in_batches(app), lambda: approve_and_release(app)),
        "bank feedback": lambda: feedback(app, work),
        "overviews HTML": lambda: (0, lambda: overviews(app).households),
        "print PDFs": lambda: (0, lambda: print_letters_of_month(app, print_letters)),
        "caseload": lambda: (0, lambda: caseload(app)),
    }
    n, action = prepare[stage]()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    reset_peak_rss()
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + (after.ru_utime + after.ru_stime)
    cpu -= children.ru_utime + children.ru_stime
    if stage == "nightly run" and result.status != "succeeded":
        print(f"  nightly run: {result.status} {result.problems}", file=sys.stderr)
    return {
        "n": n or int(result),
        "seconds": seconds,
        "cpu": cpu,
        "peak_mib": max(peak_rss_mib(), after.ru_maxrss / 1024),
    }


def _households_in(files: dict[str, Path]) -> int:
    with files["households"].open(encoding="utf-8") as f:
        return sum(1 for _ in f) - 1


def register(app: App, files: dict[str, Path]) -> None:
    for kind in ("creditors", "households", "obligations"):
        with app.engine.begin() as conn:
            import_file(
                conn, kind, files[kind], ACTOR, app.clock.now(), limits=app.settings.amount_limits
            )


def benefits(app: App, files: dict[str, Path]) -> None:
    with app.engine.begin() as conn:
        import_file(
            conn,
            "bijstand",
            files["bijstand"],
            ACTOR,
            app.clock.now(),
            limits=app.settings.amount_limits,
        )


def payments_in_batches(app: App) -> int:
    with app.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(payment_instructions)
                .where(payment_instructions.c.batch_id.is_not(None))
            ).scalar_one()
        )


def feedback(app: App, work: Path) -> tuple[int, Callable[[], Any]]:
    documents, items = bank_documents(app, work)
    return items, lambda: import_documents(app, documents)


def overviews(app: App) -> Any:
    with app.engine.connect() as conn:
        return write_overviews(conn, app.home.path("overviews"), MONTH, pdf=False)


def print_letters_of_month(app: App, letters: int) -> int:
    chromium = pdf_output.find_chromium()
    if chromium is None:
        return 0
    if letters:
        original = print_batches.letters_of_month
        print_batches.letters_of_month = lambda conn, d: (  # type: ignore[assignment]
            letter for _, letter in zip(range(letters), original(conn, d), strict=False)
        )
    with app.engine.connect() as conn:
        printed = print_batches.write_print_batches(
            conn,
            app.home.path("overviews"),
            app.home.path("print"),
            MONTH,
            chromium,
            batch_letters=app.settings.print_batch_letters,
        )
    if printed.failures:
        print(f"  print failures: {printed.failures}", file=sys.stderr)
    return int(printed.letters)


def caseload(app: App) -> int:
    with app.engine.connect() as conn:
        write_caseload_report(conn, app.home.path("reports"), MONTH)
        return int(conn.execute(select(func.count()).select_from(households)).scalar_one())


def approve_and_release(app: App) -> int:
    with run_lock(app.engine):
        with app.engine.connect() as conn:
            waiting = [b["id"] for b in list_batches(conn) if b["status"] == "awaiting_approval"]
        for batch_id in waiting:
            approve_batch(app.engine, batch_id, APPROVER, app.clock.now(), app.settings)
        with app.engine.connect() as conn:
            write_release_outputs(
                conn, app.home.path("outbox/sepa"), app.home.path("reports"), app.settings
            )
    return len(waiting)


def bank_documents(app: App, folder: Path) -> tuple[list[Path], int]:
    """A pain.002 per payment file rejecting 0.5% of its payments, and one
    camt.054 returning another 0.5%: the bank's answer to our own files."""
    pi = payment_instructions
    per_file = app.settings.sepa.max_transactions_per_file
    paths: list[Path] = []
    returns: list[str] = []
    items = 0
    with app.engine.connect() as conn:
        for f in conn.execute(select(payment_files).order_by(payment_files.c.id)).mappings():
            ids = conn.execute(
                select(pi.c.end_to_end_id, pi.c.amount_cents, pi.c.creditor_id)
                .where(pi.c.batch_id == f["batch_id"])
                .order_by(pi.c.id)
                .offset((f["sequence"] - 1) * per_file)
                .limit(per_file)
            ).all()
            to_creditors = [r for r in ids if r.creditor_id is not None]
            rejects = [
                samples.Reject(r.end_to_end_id, "MS03", int(r.amount_cents))
                for r in to_creditors[::200]
            ]
            returned = to_creditors[100::200]
            if rejects:
                path = folder / f"pain002-{f['id']}.xml"
                path.write_text(
                    samples.pain002_10(
                        f"BENCH-PSR-{f['id']}", f["message_id"], f["payment_info_id"], rejects
                    ),
                    encoding="utf-8",
                )
                paths.append(path)
                items += len(rejects)
            returns += [
                samples.return_credit(
                    f"BENCH-R-{f['id']}-{k}", r.end_to_end_id, int(r.amount_cents), "AC04"
                )
                for k, r in enumerate(returned)
            ]
    if returns:
        path = folder / "camt054-returns.xml"
        path.write_text(samples.camt054_02("BENCH-NTF-1", "".join(returns)), encoding="utf-8")
        paths.append(path)
        items += len(returns)
    return paths, items


def import_documents(app: App, paths: list[Path]) -> None:
    for path in paths:
        with app.engine.begin() as conn:
            import_bank_file(conn, path, ACTOR, app.clock.now())


def run(url: str, n: int, print_letters: int) -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="bench-cycle-"))
    generate(work, n)
    app = bootstrap(work / "home", None, url, require_schema=False)
    app.home.create()
    upgrade_to_head(app.engine)
    stages = [s for s in STAGES if s != "print PDFs" or pdf_output.find_chromium()]
    rows = [timed_in_child(app, work, url, stage, print_letters) for stage in stages]
    for row in rows:
        if row.rows_written:
            row.floor_ratio = row.seconds / floor_seconds(app.engine, row.rows_written)
            _drop_floor(app)
    app.engine.dispose()
    return rows


def _drop_floor(app: App) -> None:
    with app.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bench_floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="households (default 1000)")
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL")
    parser.add_argument(
        "--print-letters",
        type=int,
        default=500,
        help="letters to print (default 500, one batch; 0: all)",
    )
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:  # a child of run(): one stage, its figures as JSON
        print(json.dumps(run_stage(args.stage, args.work, args.database_url, args.print_letters)))
        return
    url, drop = fresh_database(args.database_url or "sqlite://")
    try:
        rows = run(url, args.n, args.print_letters)
    finally:
        drop()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{database}, N = {args.n:,}\n")
    print(
        "| stage | N | seconds | items/s | CPU s (process and children) | peak RSS "
        "| ratio to bare-insert floor |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(row.line())


if __name__ == "__main__":
    main()
