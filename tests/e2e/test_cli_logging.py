"""Every command logs: logfmt lines in ``<home>/logs/ontzorging.log`` (INFO,
owner only) and on stderr from ``--log-level``; a run's lines carry its id;
no line carries a BSN."""

from __future__ import annotations

import re
import stat
from datetime import date
from importlib.metadata import version

from click.testing import CliRunner

from ontzorging.entrypoints import demo_data
from ontzorging.entrypoints.cli import main
from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (fixture)

MARCH = date(2026, 3, 1)


def _log_lines(h: Home) -> list[str]:
    return (h.root / "logs" / "ontzorging.log").read_text(encoding="utf-8").splitlines()


def test_a_run_logs_with_its_run_id_and_no_bsn(home: Home) -> None:  # noqa: F811
    home.drop(MARCH)
    (home.root / "inbox" / "bijstand" / "kapot.csv").write_text(
        f"payment_id;bsn\nX;{demo_data.BSN['A']}\n", encoding="utf-8"
    )
    result = home("run", "nightly", "--date", "2026-03-28")
    assert result.exit_code == 3, result.output
    lines = _log_lines(home)
    started = next(i for i, line in enumerate(lines) if "event=run_started" in line)
    finished = next(i for i, line in enumerate(lines) if "event=run_finished" in line)
    run_lines = lines[started : finished + 1]
    assert len(run_lines) >= 2
    run_id = re.search(r" run_id=(\d+)", run_lines[0])
    assert run_id is not None
    assert all(f" run_id={run_id.group(1)}" in line for line in run_lines)
    assert "status=succeeded_with_rejections" in lines[finished]
    assert any("event=command_finished" in line and "exit_code=3" in line for line in lines)
    text = "\n".join(lines)
    for bsn in demo_data.BSN.values():
        assert bsn not in text


def test_the_log_is_the_owners_alone(home: Home) -> None:  # noqa: F811
    assert home("runs", "list").exit_code == 0
    log = home.root / "logs" / "ontzorging.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert any("event=command_started" in line and "runs list" in line for line in _log_lines(home))


def test_stderr_gets_info_lines_only_when_asked(home: Home) -> None:  # noqa: F811
    quiet = home("runs", "list")
    assert "event=command_started" not in quiet.stderr
    chatty = home("runs", "list", "--log-level", "info")
    assert "level=info" in chatty.stderr and "event=command_started" in chatty.stderr
    env = CliRunner().invoke(
        main, ["runs", "list"], env={**home.env, "ONTZORGING_LOG_LEVEL": "INFO"}
    )
    assert "event=command_finished" in env.stderr


def test_version_is_the_installed_one() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and version("ontzorging") in result.output
