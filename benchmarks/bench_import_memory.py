"""Benchmark: peak memory and time of ``ontzorging import bijstand`` on large files.

    python benchmarks/bench_import_memory.py [--csv-mb 50] [--xml-mb 150] [--keep DIR]

Generates a bijstand CSV of about ``--csv-mb`` MB and a pain.001.001.09 payout file of
about ``--xml-mb`` MB (0 skips one), then imports each with ``ontzorging import bijstand``
in a subprocess on a fresh home (SQLite), and reports per file its size, rows, seconds and
the child's peak resident set size (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``).
Each import runs in its own measuring process, so one file's peak does not hide the next.

Nobody in the generated files is in the register: every payment passes through, which is
the most rows a file can put in the database. The data is deterministic.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CSV_HEADER = "payment_id;bsn;period;kind;amount;payout_date;iban\n"
LETTER_VALUES = {chr(65 + i): str(10 + i) for i in range(26)}
BANKS = ("RABO", "INGB", "ABNA", "SNSB", "ASNB", "TRIO", "BUNQ", "KNAB")


def iban_nl(bank: str, account: int) -> str:
    """A valid Dutch IBAN for a bank code and a 10-digit account (check digits computed)."""
    bban = f"{bank}{account:010d}"
    numeric = int((bban + "NL00").translate(str.maketrans(LETTER_VALUES)))
    return f"NL{98 - numeric % 97:02d}{bban}"


def bsn(number: int) -> str:
    """The ``number``-th nine-digit BSN that passes the 11-proef."""
    base = 100_000_000 + number * 11
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
        if (total - int(digits[8])) % 11 == 0:
            return digits
        base += 1


def write_csv(path: Path, megabytes: int) -> int:
    target, rows = megabytes * 1_000_000, 0
    with path.open("w", encoding="utf-8") as out:
        out.write(CSV_HEADER)
        while out.tell() < target:
            rows += 1
            iban = iban_nl(BANKS[rows % len(BANKS)], rows)
            out.write(
                f"BIJ-2026-03-{rows:08d};{bsn(rows)};2026-03;levensonderhoud;"
                f"{900 + rows % 400},{rows % 100:02d};2026-03-26;{iban}\n"
            )
    return rows


def _transfer(number: int) -> str:
    cents = 90_000 + number % 40_000
    return (
        f"<CdtTrfTxInf><PmtId><InstrId>I-{number}</InstrId>"
        f"<EndToEndId>UITK-2026-03-{number:08d}</EndToEndId></PmtId>"
        f'<Amt><InstdAmt Ccy="EUR">{cents // 100}.{cents % 100:02d}</InstdAmt></Amt>'
        f"<Cdtr><Nm>Ontvanger nummer {number} van de bijstand</Nm></Cdtr>"
        f"<CdtrAcct><Id><IBAN>{iban_nl(BANKS[number % len(BANKS)], number)}</IBAN></Id>"
        "</CdtrAcct><RmtInf><Ustrd>Bijstand maart 2026 levensonderhoud</Ustrd></RmtInf>"
        "</CdtTrfTxInf>\n"
    )


def write_xml(path: Path, megabytes: int) -> int:
    count = max(1, megabytes * 1_000_000 // len(_transfer(10_000_000)))
    total = sum(90_000 + n % 40_000 for n in range(1, count + 1))
    control_sum = f"{total // 100}.{total % 100:02d}"
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">\n'
            "<CstmrCdtTrfInitn><GrpHdr><MsgId>UITK-2026-03</MsgId>"
            "<CreDtTm>2026-03-20T09:00:00</CreDtTm>"
            f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{control_sum}</CtrlSum>"
            "<InitgPty><Nm>Gemeente Voorbeeld</Nm></InitgPty></GrpHdr>\n"
            "<PmtInf><PmtInfId>UITK-2026-03-1</PmtInfId><PmtMtd>TRF</PmtMtd>"
            f"<NbOfTxs>{count}</NbOfTxs><CtrlSum>{control_sum}</CtrlSum>"
            "<ReqdExctnDt><Dt>2026-03-26</Dt></ReqdExctnDt>"
            "<Dbtr><Nm>Gemeente Voorbeeld Uitkeringen</Nm></Dbtr>"
            "<DbtrAcct><Id><IBAN>NL14BNGH0285001234</IBAN></Id></DbtrAcct>"
            "<DbtrAgt><FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId></DbtrAgt>\n"
        )
        for number in range(1, count + 1):
            out.write(_transfer(number))
        out.write("</PmtInf></CstmrCdtTrfInitn></Document>\n")
    return count


def measure_import(path: Path, work: Path) -> dict[str, object]:
    """Import ``path`` on a fresh home in a child that reports its own peak RSS."""
    home = work / f"home-{path.stem}"
    env_home = ["--home", str(home)]
    subprocess.run(["ontzorging", "init", *env_home], check=True, capture_output=True)
    probe = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(done.returncode, seconds, peak)\n"
        "sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])\n"
    )
    command = ["ontzorging", "import", "bijstand", str(path), *env_home]
    done = subprocess.run(
        [sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True
    )
    code, seconds, peak_kib = done.stdout.split()
    return {
        "file": path.name,
        "megabytes": round(path.stat().st_size / 1_000_000, 1),
        "exit_code": int(code),
        "seconds": round(float(seconds), 1),
        "peak_rss_mb": round(int(peak_kib) / 1024),
        "output": done.stderr.strip().splitlines()[-1:] if done.stderr.strip() else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=int, default=50)
    parser.add_argument("--xml-mb", type=int, default=150)
    parser.add_argument("--keep", type=Path, default=None, help="directory to keep files in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        jobs = []
        if args.csv_mb:
            path = work / f"bijstand-{args.csv_mb}mb.csv"
            jobs.append((path, write_csv(path, args.csv_mb)))
        if args.xml_mb:
            path = work / f"uitkering-{args.xml_mb}mb.xml"
            jobs.append((path, write_xml(path, args.xml_mb)))
        for path, rows in jobs:
            result = measure_import(path, work)
            print(json.dumps({**result, "rows": rows}))


if __name__ == "__main__":
    main()
