"""The CLI on a temporary home: imports are all-or-nothing with every problem
listed as FILE:LINE: column: message, and a rejected file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ontzorging.adapters.db import make_engine
from ontzorging.adapters.schema import (
    audit_log,
    benefit_payments,
    creditors,
    household_members,
    households,
    imported_files,
    obligations,
)
from ontzorging.entrypoints import demo_data
from ontzorging.entrypoints.cli import main

H_HEAD = (
    "household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;"
    "iban;bijstand_start;bijstand_end;coach;language\n"
)
H_OK = "X;100000071;Test Persoon;1990-01-01;;;;NL91ABNA0417164300;2026-03-01;;Coach;nl\n"
C_HEAD = "creditor_id;name;iban;bic;kind\n"
O_HEAD = (
    "obligation_id;household_id;kind;creditor_id;amount;frequency;reference;valid_from;"
    "valid_to;legal_basis\n"
)
O_OK = "X1;A;huur;WOON;615,00;monthly;Contract;2026-03-01;;56a\n"
B_HEAD = "payment_id;bsn;period;kind;amount;payout_date;iban\n"
B_OK = "P1;100000009;2026-03;levensonderhoud;1334,23;2026-03-26;\n"


def invoke(home: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    return runner.invoke(main, ["--home", str(home), *args], env=env or {}, catch_exceptions=False)


@pytest.fixture
def home(tmp_path: Path, database_url: str) -> Path:
    home = tmp_path / "home"
    env = {"ONTZORGING_DATABASE_URL": database_url}
    assert invoke(home, "init", env=env).exit_code == 0
    for kind, text in (
        ("creditors", demo_data.CREDITORS),
        ("households", demo_data.HOUSEHOLDS),
        ("obligations", demo_data.OBLIGATIONS),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = invoke(home, "import", kind, str(path), env=env)
        assert result.exit_code == 0, result.output
    (home / ".url").write_text(database_url)
    return home


def url(home: Path) -> str:
    return (home / ".url").read_text()


def snapshot(home: Path) -> tuple[int, ...]:
    engine = make_engine(url(home))
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (
                households,
                household_members,
                creditors,
                obligations,
                benefit_payments,
                imported_files,
                audit_log,
            )
        )
    engine.dispose()
    return counts


# (kind, file body after the header, column in the problem, message fragment); the id says why.
BAD = {
    "bsn fails the 11-proef": ("households", H_OK.replace("100000071", "100000072"), "bsn", "11"),
    "bsn with letters": ("households", H_OK.replace("100000071", "10000007A"), "bsn", ""),
    "iban checksum": ("households", H_OK.replace("NL91ABNA", "NL92ABNA"), "iban", ""),
    "nl iban unknown bank": (
        "households",
        H_OK.replace("NL91ABNA0417164300", "NL07XXXX0417164300"),
        "iban",
        "",
    ),
    "unparseable date": ("households", H_OK.replace("1990-01-01", "1990-01-xx"), "birth_date", ""),
    "31 february": ("households", H_OK.replace("2026-03-01", "2026-02-31"), "bijstand_start", ""),
    "end before start": (
        "households",
        H_OK.replace("2026-03-01;;", "2026-03-01;2026-01-01;"),
        "bijstand_end",
        "",
    ),
    "unknown language": ("households", H_OK.replace(";nl\n", ";fr\n"), "language", ""),
    "partner half filled": (
        "households",
        H_OK.replace(";;;;NL91", ";100000010;;;NL91"),
        "partner",
        "",
    ),
    "id with a slash": ("households", H_OK.replace("X;", "X/1;", 1), "household_id", ""),
    "bsn of another household": (
        "households",
        H_OK.replace("100000071", "100000009"),
        "bsn",
        "household A",
    ),
    "household changed on re-import": (
        "households",
        demo_data.HOUSEHOLDS.splitlines()[1].replace("Ahmad Haddad", "Ahmad H.") + "\n",
        "household_id",
        "other content",
    ),
    "bad bic": ("creditors", "K;Naam;NL91ABNA0417164300;NOTABIC;huur\n", "bic", ""),
    "unknown creditor kind": ("creditors", "K;Naam;NL91ABNA0417164300;;gas\n", "kind", ""),
    "name too long": ("creditors", f"K;{'x' * 71};NL91ABNA0417164300;;huur\n", "name", ""),
    "duplicate id in file": (
        "creditors",
        "K;Naam;NL91ABNA0417164300;;huur\nK;Naam;NL91ABNA0417164300;;huur\n",
        "creditor_id",
        "",
    ),
    "three decimals": ("obligations", O_OK.replace("615,00", "615,001"), "amount", ""),
    "negative amount": ("obligations", O_OK.replace("615,00", "-615,00"), "amount", ""),
    "zero amount": ("obligations", O_OK.replace("615,00", "0,00"), "amount", ""),
    "amount not a number": ("obligations", O_OK.replace("615,00", "abc"), "amount", ""),
    "unknown frequency": ("obligations", O_OK.replace("monthly", "weekly"), "frequency", ""),
    "unknown legal basis": ("obligations", O_OK.replace(";56a", ";58"), "legal_basis", ""),
    "valid_to before valid_from": (
        "obligations",
        O_OK.replace("2026-03-01;;", "2026-03-01;2026-02-01;"),
        "valid_to",
        "",
    ),
    "unknown household": ("obligations", O_OK.replace(";A;", ";NOPE;"), "household_id", ""),
    "unknown creditor": ("obligations", O_OK.replace("WOON", "NOPE"), "creditor_id", ""),
    "betalingskenmerk check digit": (
        "obligations",
        O_OK.replace("Contract", "1234567890123456"),
        "reference",
        "",
    ),
    "rf check digit": (
        "obligations",
        O_OK.replace("Contract", "RF00539007547034"),
        "reference",
        "",
    ),
    "bad period": ("bijstand", B_OK.replace("2026-03;", "2026-13;"), "period", ""),
    "unknown benefit kind": ("bijstand", B_OK.replace("levensonderhoud", "loon"), "kind", ""),
    "unregistered person without iban": (
        "bijstand",
        B_OK.replace("100000009", "100000071"),
        "iban",
        "not in the register",
    ),
}
HEADERS = {"households": H_HEAD, "creditors": C_HEAD, "obligations": O_HEAD, "bijstand": B_HEAD}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_rejected_whole_with_file_line_column(
    home: Path, tmp_path: Path, case: str
) -> None:
    kind, body, column, fragment = BAD[case]
    good = {
        "households": H_OK.replace("X;100000071", "Y;100000083"),
        "creditors": "K2;Goed;NL91ABNA0417164300;;huur\n",
        "obligations": O_OK.replace("X1", "X0"),
        "bijstand": B_OK.replace("P1", "P0"),
    }[kind]
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADERS[kind] + (good if case != "household changed on re-import" else "") + body,
        encoding="utf-8",
    )
    before = snapshot(home)
    result = invoke(home, "import", kind, str(path), env={"ONTZORGING_DATABASE_URL": url(home)})
    assert result.exit_code == 1, result.output
    problems = [line for line in result.output.splitlines() if line.startswith(f"{path}:")]
    assert problems, result.output
    assert any(f": {column}" in line and fragment in line for line in problems), problems
    assert snapshot(home) == before
    assert "100000009" not in result.output and "100000071" not in result.output


def test_several_problems_are_all_listed(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        C_HEAD + "K1;Naam;NL92ABNA0417164300;;huur\nK2;Naam;NL91ABNA0417164300;;gas\n",
        encoding="utf-8",
    )
    result = invoke(
        home, "import", "creditors", str(path), env={"ONTZORGING_DATABASE_URL": url(home)}
    )
    assert result.exit_code == 1
    assert f"{path}:2: iban:" in result.output and f"{path}:3: kind:" in result.output


def test_identical_reimport_is_a_no_op_that_says_so(home: Path, tmp_path: Path) -> None:
    before = snapshot(home)
    result = invoke(
        home,
        "import",
        "households",
        str(tmp_path / "households.csv"),
        env={"ONTZORGING_DATABASE_URL": url(home)},
    )
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert snapshot(home) == before


def test_households_list_and_show_never_show_a_bsn(home: Path) -> None:
    env = {"ONTZORGING_DATABASE_URL": url(home)}
    listing = invoke(home, "households", "list", "--json", env=env)
    assert listing.exit_code == 0
    items = json.loads(listing.output)
    assert [h["household_id"] for h in items] == ["A", "B", "C", "D", "E", "F"]
    assert {"household_id", "name", "period_start", "period_end", "coach", "signals"} <= set(
        items[0]
    )
    shown = invoke(home, "households", "show", "B", "--json", env=env).output
    assert "100000010" not in shown and "*****0010" in shown
    revealed = invoke(home, "households", "show", "B", "--reveal-bsn", "--json", env=env).output
    assert "100000010" in revealed
    assert "100000010" not in invoke(home, "households", "list", env=env).output


def test_households_end_is_audited_and_moves_the_period(home: Path) -> None:
    env = {"ONTZORGING_DATABASE_URL": url(home)}
    result = invoke(
        home,
        "households",
        "end",
        "C",
        "--date",
        "2026-04-15",
        "--reason",
        "verhuisd naar andere gemeente",
        "--by",
        "Coach Bakker",
        "--json",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["period_end"] == "2026-04-15"
    engine = make_engine(url(home))
    with engine.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.action == "end_household")).one()
    engine.dispose()
    assert row.actor == "Coach Bakker" and row.reason == "verhuisd naar andere gemeente"


def test_commands_refuse_a_database_not_at_head(tmp_path: Path) -> None:
    result = invoke(tmp_path / "fresh", "households", "list")
    assert result.exit_code == 1
    assert "ontzorging init" in result.output


def test_invalid_setting_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[sepa]\nversion = "pain.001.001.99"\n')
    result = invoke(tmp_path / "h", "--config", str(config), "init")
    assert result.exit_code == 1 and "sepa.version" in result.output
    config.write_text('[allocation]\nfloor = "1"\n')
    result = invoke(tmp_path / "h", "--config", str(config), "init")
    assert result.exit_code == 1 and "allocation.floor: unknown setting" in result.output


def test_second_runner_exits_75(home: Path) -> None:
    from ontzorging.adapters.locking import run_lock

    engine = make_engine(url(home))
    with run_lock(engine):
        result = invoke(
            home,
            "run",
            "nightly",
            "--date",
            "2026-03-28",
            env={"ONTZORGING_DATABASE_URL": url(home)},
        )
    engine.dispose()
    assert result.exit_code == 75, result.output
