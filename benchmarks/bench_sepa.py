"""Benchmark: render and validate pain.001 files at shared-service scale.

    python benchmarks/bench_sepa.py [--transfers 100000] [--per-file 10000]
                                    [--version pain.001.001.09] [--repeat 1]

Renders ``--transfers`` synthetic transfers split into files of ``--per-file``, with the
writer's own validation (ISO XSD + EPC rule checker on the produced bytes), and reports:

* transfers/second including validation (the figure that matters: target >= 10,000/s),
  by wall-clock time and by this process's CPU time (fairer on a shared machine);
* the same split into render-only and validation-only time;
* bare lxml XSD validation of the same bytes (parse + XMLSchema.validate) and the ratio;
* peak Python heap (tracemalloc, measured in a separate run because tracing slows Python
  down) and the process's maximum resident set size.

The data is deterministic (fixed seed): 300 creditors, a third with a betalingskenmerk, a
sixth with an RF reference, the rest with free remittance text, some with a BIC.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from lxml import etree

from payments.pain001 import Debtor, PaymentFile, Transfer, render_pain001, split_transfers
from payments.references import Reference, make_betalingskenmerk, make_rf
from payments.schemas import PAIN001_VERSIONS, Pain001Version, xml_schema
from payments.validate import validate_payment_file

CREDITORS = 300
SEED = 20260302
CREATED_AT = datetime(2026, 3, 2, 6, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
EXECUTION_DATE = date(2026, 3, 2)
DEBTOR = Debtor("Gemeente Voorbeeldstad", "NL66BNGH0123456789", "BNGHNL2G")
NAMES = ("Woonstichting", "Energie", "Waterbedrijf", "Zorgverzekeraar", "Ahmed Al-Khalil")


LETTER_VALUES: dict[str, str | int | None] = {chr(65 + i): str(10 + i) for i in range(26)}


def iban_nl(bank: str, account: int) -> str:
    """A valid Dutch IBAN for a bank code and a 10-digit account (check digits computed)."""
    bban = f"{bank}{account:010d}"
    numeric = int((bban + "NL00").translate(str.maketrans(LETTER_VALUES)))
    return f"NL{98 - numeric % 97:02d}{bban}"


def make_transfers(count: int) -> tuple[Transfer, ...]:
    rng = random.Random(SEED)
    banks = ("RABO", "INGB", "ABNA", "SNSB", "ASNB", "TRIO", "BUNQ", "KNAB")
    creditors = [
        (
            f"{NAMES[i % len(NAMES)]} {i}",
            iban_nl(banks[i % len(banks)], rng.randrange(10**9)),
            "RABONL2U" if i % 4 == 0 else None,
        )
        for i in range(CREDITORS)
    ]
    transfers = []
    for n in range(count):
        name, iban, bic = creditors[n % CREDITORS]
        if n % 3 == 0:
            reference = Reference("betalingskenmerk", make_betalingskenmerk(str(n)))
        elif n % 6 == 1:
            reference = Reference("rf", make_rf(f"H{n}"))
        else:
            reference = Reference("free", f"klant {n}")
        transfers.append(
            Transfer(
                end_to_end_id=f"P{n:012d}",
                amount_cents=rng.randrange(1, 250_000),
                creditor_name=name,
                creditor_iban=iban,
                creditor_bic=bic,
                reference=reference,
                remittance_text=f"Huur maart 2026 klant {n} client {n % 997}",
            )
        )
    return tuple(transfers)


def payment_files(transfers: tuple[Transfer, ...], per_file: int) -> list[PaymentFile]:
    return [
        PaymentFile(
            message_id=f"GEM-20260302-{index:04d}",
            payment_info_id=f"GEM-20260302-{index:04d}-B1",
            created_at=CREATED_AT,
            execution_date=EXECUTION_DATE,
            debtor=DEBTOR,
            transfers=chunk,
            initiating_party="Gemeente Voorbeeldstad",
        )
        for index, chunk in enumerate(split_transfers(transfers, per_file), start=1)
    ]


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one run of ``action``."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def fastest(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = [timed(action) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=10_000)
    parser.add_argument("--version", choices=PAIN001_VERSIONS, default="pain.001.001.09")
    parser.add_argument("--repeat", type=int, default=1, help="report the fastest of N runs")
    args = parser.parse_args(argv)
    version: Pain001Version = args.version

    files = payment_files(make_transfers(args.transfers), args.per_file)
    outputs: list[bytes] = []

    def render_validated() -> None:
        outputs.clear()
        outputs.extend(render_pain001(f, version, max_transactions=args.per_file) for f in files)

    def render_only() -> None:
        for f in files:
            render_pain001(f, version, max_transactions=args.per_file, validate=False)

    def validate_only() -> None:
        for data in outputs:
            validate_payment_file(data, version)

    schema = xml_schema(version)

    def bare_xsd() -> None:
        for data in outputs:
            if not schema.validate(etree.fromstring(data)):
                raise SystemExit("bare XSD validation failed")

    total, total_cpu = fastest(render_validated, args.repeat)
    render, render_cpu = fastest(render_only, args.repeat)
    validation, validation_cpu = fastest(validate_only, args.repeat)
    bare, bare_cpu = fastest(bare_xsd, args.repeat)

    tracemalloc.start()
    render_validated()
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    n = args.transfers
    size_mb = sum(len(o) for o in outputs) / 1e6
    print(f"{version}: {n} transfers in {len(files)} files of <= {args.per_file}, {size_mb:.1f} MB")
    print("                      wall s   transfers/s |  CPU s   transfers/s")
    for label, wall, cpu in (
        ("render + validate", total, total_cpu),
        ("  render only", render, render_cpu),
        ("  validate only", validation, validation_cpu),
        ("bare lxml XSD", bare, bare_cpu),
    ):
        print(f"{label:<20} {wall:7.2f} {n / wall:12,.0f} | {cpu:6.2f} {n / cpu:12,.0f}")
    print("(validate = parse + ISO XSD + EPC rule checker; bare = parse + ISO XSD only)")
    ratio_wall, ratio_cpu = total / bare, total_cpu / bare_cpu
    print(f"ratio render+validate / bare XSD: {ratio_wall:.1f}x wall, {ratio_cpu:.1f}x CPU")
    print(f"peak Python heap: {peak_bytes / 1e6:.0f} MB (tracemalloc, all output files kept)")
    print(f"max RSS: {max_rss_kib / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
