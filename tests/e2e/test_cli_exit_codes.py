"""Exit codes monitoring can use, and ``--json`` errors a script can read
(DESIGN.md 5.3): 0 done, 1 failed or refused, 2 usage, 3 done but something
needs attention, 70 internal error, 75 locked; under ``--json`` every failure
is one document ``{"error": {"code", "message", "problems"}}`` on stdout."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ontzorging.adapters.db import make_engine
from ontzorging.domain.errors import BadInput, InvariantBroken, NotFound, Refused
from ontzorging.entrypoints import demo_data
from ontzorging.entrypoints.cli import main
from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (fixture)

MARCH = date(2026, 3, 1)


def _error(result: Any) -> dict[str, Any]:
    document = json.loads(result.stdout)
    assert set(document) == {"error"}
    error: dict[str, Any] = document["error"]
    assert {"code", "message", "problems"} <= set(error)
    assert isinstance(error["problems"], list)
    return error


def test_a_clean_night_exits_0(home: Home) -> None:  # noqa: F811
    home.drop(MARCH)
    run = home.json("run", "nightly", "--date", "2026-03-28")
    assert run["status"] == "succeeded" and run["attention"] == []  # type: ignore[index]


def test_a_quarantined_file_exits_3_and_says_what(home: Home) -> None:  # noqa: F811
    home.drop(MARCH)
    (home.root / "inbox" / "bijstand" / "kapot.csv").write_text("payment_id;bsn\nX;1\n")
    human = home("run", "nightly", "--date", "2026-03-28")
    assert human.exit_code == 3, human.output
    assert "attention: 1 inbox file(s) quarantined" in human.output
    (home.root / "inbox" / "bijstand" / "kapot2.csv").write_text("payment_id;bsn\nX;1\n")
    run = home.json("run", "nightly", "--date", "2026-03-29", exit_code=3)
    assert run["status"] == "succeeded_with_rejections"  # type: ignore[index]
    assert run["attention"] == [  # type: ignore[index]
        "1 inbox file(s) quarantined: see quarantine/*.errors.txt"
    ]


def test_a_held_repeat_at_import_exits_3(home: Home, tmp_path: Path) -> None:  # noqa: F811
    home.drop(MARCH)
    home.json("run", "nightly", "--date", "2026-03-28")
    header, first_row, *_ = demo_data.bijstand_file(MARCH).splitlines()
    repeat = tmp_path / "nog-een-keer.csv"
    repeat.write_text(f"{header}\nR2-{first_row}\n", encoding="utf-8")
    outcome = home.json("import", "bijstand", str(repeat), exit_code=3)
    assert outcome["rows_held"] == 1  # type: ignore[index]
    assert "bijstand held" in outcome["attention"][0]  # type: ignore[index]


def test_a_rejected_file_exits_1_with_its_problems(home: Home, tmp_path: Path) -> None:  # noqa: F811
    bad = tmp_path / "bijstand.csv"
    bad.write_text(
        "payment_id;bsn;period;kind;amount;payout_date;iban\n"
        "X;100000009;2026-03;levensonderhoud;1,2,3;2026-03-26;\n",
        encoding="utf-8",
    )
    result = home("import", "bijstand", str(bad), "--json")
    assert result.exit_code == 1
    error = _error(result)
    assert error["code"] == "file_rejected"
    assert error["problems"] and all(":2: " in p for p in error["problems"])
    assert "100000009" not in result.stdout


def test_a_refused_decision_exits_1(home: Home) -> None:  # noqa: F811
    result = home("batches", "approve", "999", "--by", "M. de Vries", "--json")
    assert result.exit_code == 1
    error = _error(result)
    assert error["code"] == "refused" and "999" in error["message"]


def test_an_unknown_household_exits_1(home: Home) -> None:  # noqa: F811
    result = home("statement", "ZZ", "--period", "2026-03", "--json")
    assert result.exit_code == 1 and _error(result)["code"] == "not_found"


@pytest.mark.parametrize(
    "args",
    [
        ("run", "nightly", "--date", "28-03-2026"),  # a bad value
        ("run", "nightly", "--no-such-option"),
        ("no-such-command",),
        ("batches", "approve", "1"),  # --by missing
    ],
)
def test_a_usage_error_exits_2_also_as_json(home: Home, args: tuple[str, ...]) -> None:  # noqa: F811
    plain = home(*args)
    assert plain.exit_code == 2 and plain.stdout == ""
    result = home(*args, "--json")
    assert result.exit_code == 2
    error = _error(result)
    assert error["code"] == "usage" and error["message"]


def test_a_second_runner_exits_75_also_as_json(home: Home, database_url: str) -> None:  # noqa: F811
    from ontzorging.adapters.locking import run_lock

    engine = make_engine(database_url)
    with run_lock(engine):
        result = home("run", "nightly", "--date", "2026-03-28", "--json")
    engine.dispose()
    assert result.exit_code == 75
    assert _error(result)["code"] == "locked"


@pytest.mark.parametrize(
    ("raised", "exit_code", "code"),
    [
        (KeyError("a bug"), 70, "internal"),
        (ValueError("a bug that looks like bad input"), 70, "internal"),
        (InvariantBroken("postings do not balance"), 70, "internal"),
        (BadInput("no such month"), 1, "bad_input"),
        (Refused("already decided"), 1, "refused"),
        (NotFound("no such household"), 1, "not_found"),
    ],
)
def test_a_bug_exits_70_as_internal_never_as_bad_input(
    home: Home,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    raised: Exception,
    exit_code: int,
    code: str,
) -> None:
    """The exception tree (ADR 0008) decides: only its bad input and refusals are
    the user's to fix (exit 1); a ValueError or a broken invariant is a bug."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise raised

    monkeypatch.setattr("ontzorging.runs.service.run_nightly", broken)
    result = home("run", "nightly", "--date", "2026-03-28", "--json")
    assert result.exit_code == exit_code
    error = _error(result)
    assert error["code"] == code
    if exit_code == 70:
        assert error["reference"] and str(raised) not in result.output
    else:
        assert error["message"] == str(raised)


def test_a_home_that_cannot_be_written_exits_1(tmp_path: Path) -> None:
    parent = tmp_path / "read-only"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        result = CliRunner().invoke(main, ["--home", str(parent / "home"), "init", "--json"])
    finally:
        parent.chmod(0o700)
    if result.exit_code == 0:
        pytest.skip("running as root: every folder is writable")
    assert result.exit_code == 1
    assert _error(result)["code"] == "not_writable"
