"""The import refuses, with line and column, what would fail later in the nightly
run or the payment file, and changes nothing in the database when it does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ontzorging.adapters.schema import benefit_payments, obligations
from ontzorging.intake.imports import import_file
from ontzorging.intake.parsing.problems import FileRejected
from payments.pain001 import render_pain001
from tests.conftest import NOW
from tests.integration.test_payout_file_import import payout_file, transfer
from tests.scenario import load_registers

BIJSTAND_HEADER = "payment_id;bsn;period;kind;amount;payout_date;iban\n"
OBLIGATION_HEADER = (
    "obligation_id;household_id;kind;creditor_id;amount;frequency;reference;valid_from\n"
)


def rejected(engine: Engine, path: Path) -> list[str]:
    with pytest.raises(FileRejected) as raised, engine.begin() as conn:
        import_file(conn, path.stem, path, "test", NOW)
    return [str(p) for p in raised.value.problems]


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()  # type: ignore[arg-type]


def test_a_bsn_in_the_amount_column_is_refused_and_nothing_changes(
    engine: Engine, tmp_path: Path
) -> None:
    load_registers(engine, tmp_path)
    path = tmp_path / "bijstand.csv"
    path.write_text(
        BIJSTAND_HEADER
        + "B-1;100000009;2026-03;levensonderhoud;1.334,23;2026-02-25;\n"
        + "B-2;100000034;2026-03;levensonderhoud;100000034;2026-02-25;\n",
        "utf-8",
    )
    before = count(engine, benefit_payments)

    assert rejected(engine, path) == [
        f"{path}:3: amount: amount is above the limit of € 999.999,99"
    ]
    assert count(engine, benefit_payments) == before


def test_an_amount_above_its_kinds_limit_is_refused(engine: Engine, tmp_path: Path) -> None:
    load_registers(engine, tmp_path)
    path = tmp_path / "bijstand.csv"
    path.write_text(
        BIJSTAND_HEADER + "B-1;100000009;2026-03;levensonderhoud;13.342,30;2026-02-25;\n", "utf-8"
    )

    assert rejected(engine, path) == [
        f"{path}:2: amount: € 13.342,30 is above the limit of € 5.000,00 for levensonderhoud"
        " (setting import.max_amount.levensonderhoud)"
    ]
    assert count(engine, benefit_payments) == 0


def test_a_payout_file_transfer_above_the_limit_is_refused(engine: Engine, tmp_path: Path) -> None:
    load_registers(engine, tmp_path)
    path = tmp_path / "bijstand.xml"
    big = (transfer("A-2026-03", 10_000_003_400, "Ahmad Haddad", "NL91ABNA0417164300"),)
    path.write_bytes(render_pain001(payout_file(big)))

    assert rejected(engine, path) == [
        f"{path}:1: amount: amount is above the limit of € 999.999,99"
    ]
    assert count(engine, benefit_payments) == 0


def test_a_passing_through_payee_the_payment_file_cannot_name_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    """A transfer to an account of no household passes through under its own
    payee name, so that name must be writable in our payment file; a
    household's transfer is paid under the registered name instead."""
    load_registers(engine, tmp_path)
    path = tmp_path / "bijstand.xml"
    transfers = (
        transfer("A-2026-03", 133423, "Naam Een", "NL91ABNA0417164300"),
        transfer("X-2026-03", 120000, "Naam Twee", "NL69INGB0123456789"),
    )
    xml = render_pain001(payout_file(transfers))  # our writer refuses such names: swap after
    for name in (b"Naam Een", b"Naam Twee"):
        xml = xml.replace(name, "\U0001f600\U0001f389".encode())
    path.write_bytes(xml)

    assert rejected(engine, path) == [
        f"{path}:2: Nm: cannot be written in a SEPA payment file even after transliteration"
    ]
    assert count(engine, benefit_payments) == 0


def test_obligations_checked_against_their_creditor_and_household(
    engine: Engine, tmp_path: Path
) -> None:
    load_registers(engine, tmp_path)
    before = count(engine, obligations)
    path = tmp_path / "obligations.csv"
    path.write_text(
        OBLIGATION_HEADER
        + "X1;A;huur;ENER;615,00;monthly;Contract X-1;2026-02-01\n"
        + "X2;C;energie;ENER;95,00;monthly;klant 100-000-034;2026-02-01\n"
        + "X3;C;water;WATR;6.000,00;monthly;Klant X-3;2026-02-01\n",
        "utf-8",
    )

    assert rejected(engine, path) == [
        f"{path}:2: kind: huur, but creditor ENER is energie",
        f"{path}:3: reference: contains the client's BSN; a BSN may never be sent to a creditor",
        f"{path}:4: amount: € 6.000,00 is above the limit of € 5.000,00 for an obligation"
        " (setting import.max_amount.obligation_per_month)",
    ]
    assert count(engine, obligations) == before


def test_a_bijstand_start_far_from_today_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_text(
        "household_id;bsn;name;birth_date;iban;bijstand_start;coach\n"
        "G;111222333;Jan Jansen;1990-01-01;NL91ABNA0417164300;2062-02-01;Coach Smit\n",
        "utf-8",
    )

    assert rejected(engine, path) == [
        f"{path}:2: bijstand_start: 2062-02-01 is more than a year after today (2026-03-28)"
    ]
