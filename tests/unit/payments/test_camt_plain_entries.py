"""The camt reader's one-pass reading of common entries gives exactly what the full,
element-by-element reading gives, on documents of every shape we know, and leaves the
others (and anything odd) to the full reader."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bank_testdata import camt053, camt054

from ontzorging import bank_samples as docs
from payments import camt_reader
from payments.bank_reader import read_bank_file

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(Path(__file__).parents[3] / "benchmarks"))
from bench_bank_readers import camt053 as bench_camt053  # noqa: E402

VERSIONS = ("camt.053.001.02", "camt.053.001.08")


def _single_debit(ref: str, e2e: str) -> str:
    return (
        f'<Ntry><Amt Ccy="EUR">12.34</Amt><CdtDbtInd>DBIT</CdtDbtInd>{docs.BOOK}'
        "<BookgDt><Dt>2026-03-27</Dt></BookgDt><ValDt><DtTm>2026-03-27T10:00:00</DtTm></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>"
        "<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
        f"<EndToEndId>{e2e}</EndToEndId></Refs></TxDtls></NtryDtls>"
        "<AddtlNtryInf>tekst \u241f met \u241e scheidingstekens</AddtlNtryInf></Ntry>\n"
    )


def documents() -> list[tuple[str, bytes]]:
    found = [(f"bench {v}", bench_camt053(200, v)) for v in VERSIONS]
    found += [(f"testdata {v}", camt053(v)) for v in VERSIONS]
    found += [(f"testdata camt.054 {v[-3:]}", camt054(v.replace("053", "054"))) for v in VERSIONS]
    entries = (
        docs.batch_debit("B-1", "MSG-1", "MSG-1-B1", 100000, 3)
        + docs.return_credit("R-1", "OZ-7", 6600, "AC04")
        + _single_debit("D-1", "OZ-8")
        + _single_debit("D-2" + "X" * 40, "OZ-9")  # an id too long: the full reader says so
    )
    found += [("samples", docs.camt053_02("S-1", "S-ST-1", 1, 100000, 6600, entries).encode())]
    found += [(p.name, p.read_bytes()) for p in sorted(DATA.glob("oca-camt05*.xml"))]
    return found


def _read_fully(data: bytes, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as m:
        m.setattr(camt_reader, "_plain_rows", lambda *_: None)
        try:
            return read_bank_file(data)
        except Exception as exc:
            return repr(exc)


@pytest.mark.parametrize(("name", "data"), documents(), ids=[n for n, _ in documents()])
def test_plain_reading_equals_full_reading(
    name: str, data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        fast: object = read_bank_file(data)
    except Exception as exc:
        fast = repr(exc)
    assert fast == _read_fully(data, monkeypatch), name


def test_common_entries_are_read_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's booked debits take the plain path; its returns (RtrInf) do not."""
    plain: list[bool] = []
    original = camt_reader._plain_entry

    def counted(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        plain.append(result is not None)
        return result

    monkeypatch.setattr(camt_reader, "_plain_entry", counted)
    read_bank_file(bench_camt053(100, "camt.053.001.02"))
    assert sum(plain) == 90 and len(plain) == 100
