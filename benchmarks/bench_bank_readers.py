"""Benchmark: read bank feedback at the banks' file limit (100,000 transactions).

    python benchmarks/bench_bank_readers.py [--entries 100000]
                                            [--camt-version camt.053.001.02]
                                            [--pain-version pain.002.001.10]

Generates a camt.053 with ``--entries`` booked entries (each with TxDtls, EndToEndId,
creditor name and IBAN, remittance text; every tenth a return with RtrInf) and a pain.002
with as many rejected TxInfAndSts (reason, AddtlInf, amount, IBAN), writes them to a
temporary folder, and reads each with ``read_bank_file_path`` (safe parse, ISO XSD
validation, every value read) in a fresh child process, so that each figure is that reader's
own: wall-clock seconds, CPU seconds and the child's peak resident set size. Also prints the
file sizes, which ``payments.bank_xml.BANK_FILE_MAX_BYTES`` is based on. Target: under 20 s
each on a 2-core machine. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NS = "urn:iso:std:iso:20022:tech:xsd:"


def camt053(entries: int, version: str) -> bytes:
    v08 = version.endswith(".08")
    booked = "<Sts><Cd>BOOK</Cd></Sts>" if v08 else "<Sts>BOOK</Sts>"
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}{version}">'
        "<BkToCstmrStmt><GrpHdr><MsgId>BENCH-STMT</MsgId>"
        "<CreDtTm>2026-03-05T06:00:00</CreDtTm></GrpHdr><Stmt><Id>BENCH-1</Id>"
        "<ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2026-03-05T06:00:00</CreDtTm>"
        "<Acct><Id><IBAN>NL66BNGH0123456789</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-01</Dt></Dt></Bal>\n"
    ]
    for i in range(entries):
        parts.append(_entry(i, v08, booked))
    parts.append("</Stmt></BkToCstmrStmt></Document>\n")
    return "".join(parts).encode()


def _entry(i: int, v08: bool, booked: str) -> str:
    returned = i % 10 == 0
    direction = "CRDT" if returned else "DBIT"
    party = "Dbtr" if returned else "Cdtr"
    amount = f"{1 + i % 1500}.{i % 100:02d}"
    name = f"<Nm>Woonstichting {i % 300}</Nm>"
    tx_amount = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
    if v08:
        name = f"<Pty>{name}</Pty>"
        tx_amount = f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
    sub_family = "RRTN" if returned else "ESCT"
    rtr = "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Rekening opgeheven</AddtlInf></RtrInf>"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
        f"{'<RvslInd>true</RvslInd>' if returned else ''}{booked}"
        "<BookgDt><Dt>2026-03-02</Dt></BookgDt><ValDt><Dt>2026-03-02</Dt></ValDt>"
        f"<AcctSvcrRef>BNG{i:012d}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>"
        f"<SubFmlyCd>{sub_family}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
        "<MsgId>GEM-20260302-0001</MsgId><PmtInfId>GEM-20260302-0001-B1</PmtInfId>"
        f"<EndToEndId>P{i:012d}</EndToEndId></Refs>{tx_amount}<RltdPties>"
        f"<{party}>{name}</{party}><{party}Acct><Id><IBAN>NL44RABO0123456789</IBAN></Id>"
        f"</{party}Acct></RltdPties><RmtInf><Ustrd>Huur maart 2026 klantnummer {i}</Ustrd>"
        f"</RmtInf>{rtr if returned else ''}</TxDtls></NtryDtls></Ntry>\n"
    )


def pain002(transactions: int, version: str) -> bytes:
    v10 = version.endswith(".10")
    exec_date = "<ReqdExctnDt><Dt>2026-03-02</Dt></ReqdExctnDt>" if v10 else (
        "<ReqdExctnDt>2026-03-02</ReqdExctnDt>")  # fmt: skip
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}{version}">'
        "<CstmrPmtStsRpt><GrpHdr><MsgId>BENCH-PSR</MsgId>"
        "<CreDtTm>2026-03-03T07:30:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts>"
        "<OrgnlMsgId>GEM-20260302-0001</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
        "<GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>"
        "<OrgnlPmtInfId>GEM-20260302-0001-B1</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>\n"
    ]
    for i in range(transactions):
        parts.append(
            f"<TxInfAndSts><OrgnlInstrId>I{i}</OrgnlInstrId>"
            f"<OrgnlEndToEndId>P{i:012d}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
            "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Rekening opgeheven</AddtlInf>"
            f'</StsRsnInf><OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{1 + i % 1500}.{i % 100:02d}'
            f"</InstdAmt></Amt>{exec_date}<CdtrAcct><Id><IBAN>NL44RABO0123456789</IBAN></Id>"
            "</CdtrAcct></OrgnlTxRef></TxInfAndSts>\n"
        )
    parts.append("</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")
    return "".join(parts).encode()


def read_in_this_process(path: str) -> None:
    """Child mode: read one file, print its figures as JSON."""
    from payments.bank_reader import read_bank_file_path

    started, cpu_started = time.perf_counter(), time.process_time()
    result = read_bank_file_path(path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if isinstance(result, tuple):
        count = sum(len(s.entries) for s in result)
    else:
        count = len(result.transactions())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_mb,
                      "read": count}))  # fmt: skip


def measure(path: Path) -> dict[str, float]:
    child = subprocess.run(
        [sys.executable, __file__, "--read", str(path)], capture_output=True, text=True, check=True
    )
    figures: dict[str, float] = json.loads(child.stdout)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--camt-version", default="camt.053.001.02")
    parser.add_argument("--pain-version", default="pain.002.001.10")
    parser.add_argument("--read", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.read:
        read_in_this_process(args.read)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        camt, pain = Path(folder) / "camt.xml", Path(folder) / "pain.xml"
        files = {
            args.camt_version: (camt, camt053(args.entries, args.camt_version)),
            args.pain_version: (pain, pain002(args.entries, args.pain_version)),
        }
        for version, (path, data) in files.items():
            path.write_bytes(data)
            figures = measure(path)
            print(f"{version}: {args.entries:,} items, {len(data) / 1e6:.1f} MB; read "
                  f"{figures['read']:,.0f} in {figures['seconds']:.2f} s "
                  f"(CPU {figures['cpu_seconds']:.2f} s), "
                  f"peak RSS {figures['peak_rss_mb']:.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
