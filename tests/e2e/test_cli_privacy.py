"""Hostile-input hardening, privacy part: the data home is the owner's alone,
errors never print personal data, a read-only home is handled, and `--by`
names are bounded. Through the CLI on a temporary home."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from ontzorging.adapters.db import make_engine
from ontzorging.adapters.schema import ACTOR_NAME_MAX_CHARS
from ontzorging.bootstrap import Home
from ontzorging.entrypoints import demo_data
from ontzorging.entrypoints.cli import main

LOOSE_UMASK = 0o022  # what a shell usually has: files 0644, folders 0755
GROUP_OR_OTHER_BITS = 0o077
H_HEAD = (
    "household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;"
    "iban;bijstand_start;bijstand_end;coach;language\n"
)
PERSONAL_DATA = {"bsn": "100000071", "name": "Testpersoon Geheim", "iban": "NL91ABNA0417164300"}
H_ROW = (
    f"X;{PERSONAL_DATA['bsn']};{PERSONAL_DATA['name']};1990-01-01;;;;"
    f"{PERSONAL_DATA['iban']};2026-03-01;;Coach;nl\n"
)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """Start every test with a permissive umask, and restore the real one
    afterwards (the in-process CLI sets 0o077 for the rest of the process)."""
    previous = os.umask(LOOSE_UMASK)
    yield
    os.umask(previous)


def cli(home: Path, *args: str, database_url: str | None = None) -> Result:
    env = {"ONTZORGING_DATABASE_URL": database_url} if database_url else {}
    return CliRunner().invoke(main, ["--home", str(home), *args], env=env)


def not_private(root: Path) -> list[str]:
    """Everything under ``root`` (and itself) with a group or other bit."""
    paths = [root, *root.rglob("*")]
    return [
        f"{stat.filemode(p.lstat().st_mode)} {p.relative_to(root.parent)}"
        for p in paths
        if p.lstat().st_mode & GROUP_OR_OTHER_BITS
    ]


def loaded_home(tmp_path: Path, database_url: str | None = None) -> Path:
    home = tmp_path / "home"
    assert cli(home, "init", database_url=database_url).exit_code == 0
    for kind, content in (
        ("creditors", demo_data.CREDITORS),
        ("households", demo_data.HOUSEHOLDS),
        ("obligations", demo_data.OBLIGATIONS),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(content, encoding="utf-8")
        result = cli(home, "import", kind, str(path), database_url=database_url)
        assert result.exit_code == 0, result.output
    return home


def drop_world_readable(home: Path, name: str, content: str) -> None:
    """A file dropped in the inbox by another process, mode 0644."""
    path = home / "inbox" / "bijstand" / name
    path.write_text(content, encoding="utf-8")
    path.chmod(0o644)


# --- 1. the data home is readable by its owner only -------------------------------


def test_a_scenario_leaves_nothing_for_group_or_others(tmp_path: Path, database_url: str) -> None:
    home = loaded_home(tmp_path, database_url)
    drop_world_readable(home, "bijstand-2026-03.csv", demo_data.bijstand_file(date(2026, 3, 1)))
    drop_world_readable(home, "bijstand-bad.csv", "payment_id;bsn\nX;1\n")
    night = cli(home, "run", "nightly", "--date", "2026-03-28", database_url=database_url)
    assert night.exit_code == 3, night.output
    assert (home / "quarantine" / "bijstand-bad.csv.errors.txt").exists()
    approver = "A" * ACTOR_NAME_MAX_CHARS  # the longest name the audit columns hold
    approve = cli(home, "batches", "approve", "1", "--by", approver, database_url=database_url)
    assert approve.exit_code == 0, approve.output
    assert list((home / "outbox" / "sepa").glob("*.xml"))
    monthly = cli(home, "run", "monthly", "--month", "2026-03", database_url=database_url)
    assert monthly.exit_code == 0, monthly.output
    assert list((home / "overviews" / "2026-03").glob("*.html"))
    assert list((home / "archive").iterdir()) and list((home / "reports").iterdir())
    assert not_private(home) == []


def test_the_demo_leaves_nothing_for_group_or_others(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    command = [sys.executable, "-c", "from ontzorging.entrypoints.cli import main; main()", "demo"]
    done = subprocess.run(
        [*command, "--home", str(home)],
        umask=LOOSE_UMASK,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ONTZORGING_")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert list((home / "outbox" / "sepa").glob("*.xml"))
    assert not_private(home) == []


def test_init_tightens_a_world_readable_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "init").exit_code == 0
    for path in (home, home / "inbox", home / "inbox" / "bijstand", home / "reports"):
        path.chmod(0o755)
    (home / "ontzorging.db").chmod(0o644)
    assert not_private(home) != []
    assert cli(home, "init").exit_code == 0
    assert not_private(home) == []


# --- 2. errors never print personal data ------------------------------------------


def test_a_database_error_prints_one_line_without_personal_data(
    tmp_path: Path, database_url: str
) -> None:
    home = tmp_path / "home"
    assert cli(home, "init", database_url=database_url).exit_code == 0
    engine = make_engine(database_url)
    with engine.begin() as conn:  # a schema gone wrong: the insert fails with its parameters
        conn.execute(text("ALTER TABLE household_members RENAME TO household_members_gone"))
    engine.dispose()
    register = tmp_path / "households.csv"
    register.write_text(H_HEAD + H_ROW, encoding="utf-8")

    result = cli(home, "import", "households", str(register), database_url=database_url)

    assert result.exit_code == 70
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: internal error (")
    assert "reference" in result.stderr and "logs/ontzorging.log" in result.stderr
    for value in PERSONAL_DATA.values():
        assert value not in result.output
    log = home / "logs" / "ontzorging.log"
    assert "Traceback" in log.read_text() and "household_members" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_a_bug_exits_70_not_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    assert cli(home, "init").exit_code == 0

    def broken(_conn: object) -> list[object]:
        raise RuntimeError(f"bug while showing {PERSONAL_DATA['name']}")

    monkeypatch.setattr("ontzorging.register.households.list_households", broken)
    result = cli(home, "households", "list")
    assert result.exit_code == 70
    assert result.stderr.startswith("error: internal error (RuntimeError)")
    assert PERSONAL_DATA["name"] not in result.output
    assert PERSONAL_DATA["name"] in (home / "logs" / "ontzorging.log").read_text()

    as_json = cli(home, "households", "list", "--json")
    assert as_json.exit_code == 70
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == "internal" and error["reference"] in as_json.stderr


def test_a_database_that_does_not_answer_is_named_without_password(tmp_path: Path) -> None:
    url = "postgresql://clerk:s3cret@127.0.0.1:1/ontzorging"  # port 1: nothing listens
    result = cli(tmp_path / "home", "households", "list", database_url=url)
    assert result.exit_code == 70
    assert len(result.stderr.splitlines()) == 1
    assert "the database does not answer (postgresql at 127.0.0.1:1" in result.stderr
    assert "s3cret" not in result.output and "clerk" not in result.output


# --- 3. a read-only data home ------------------------------------------------------

READ_ONLY_COMMANDS = (
    ("households", "list"),
    ("batches", "list"),
    ("runs", "list"),
    ("statement", "A", "--period", "2026-03"),
    ("check",),
    ("export", "beancount"),
)


def assert_reads_work_and_writes_are_refused(home: Path) -> None:
    before = sorted(p.name for p in home.iterdir())
    for command in READ_ONLY_COMMANDS:
        result = cli(home, *command)
        assert result.exit_code == 0, (command, result.output)
    refused = cli(home, "run", "nightly", "--date", "2026-03-28")
    assert refused.exit_code == 1
    assert refused.stderr == f"error: the data home {home} is not writable\n"
    assert sorted(p.name for p in home.iterdir()) == before


def test_a_home_the_user_may_not_write_is_read_only(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through mode 0500; the simulated test below covers it")
    home = loaded_home(tmp_path)
    home.chmod(0o500)
    try:
        assert_reads_work_and_writes_are_refused(home)
    finally:
        home.chmod(0o700)


@pytest.mark.parametrize("closed_cleanly", [False, True], ids=["wal", "no-wal"])
def test_a_read_only_home_simulated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, closed_cleanly: bool
) -> None:
    """As root, mode 0500 stops nothing: pretend the check says so. The
    database is opened read-only: through its -wal file when there is one
    (it may hold the latest commits), else immutable."""
    home = loaded_home(tmp_path)
    if closed_cleanly:  # a copy of the home as the last writer leaves it
        with sqlite3.connect(home / "ontzorging.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        copy = tmp_path / "copy"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
        home = copy
    monkeypatch.setattr(Home, "is_writable", lambda _self: False)
    assert_reads_work_and_writes_are_refused(home)


# --- 4. --by names ------------------------------------------------------------------

BY_COMMANDS = (
    ("batches", "approve", "1"),
    ("batches", "reject", "1", "--reason", "test"),
    ("households", "end", "A", "--date", "2026-04-01", "--reason", "test"),
    ("signals", "resolve", "1", "--note", "test"),
)
BAD_NAMES = (
    ("A" * (ACTOR_NAME_MAX_CHARS + 1), "at most 100 characters"),
    ("Jan\x1b[2J de Vries", "control characters"),
    ("Jan\nde Vries", "control characters"),
    ("Jan \u202ede Vries", "control characters"),  # right-to-left override
    ("   ", "a name is required"),
)


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES)
@pytest.mark.parametrize("command", BY_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_bad_by_name_is_refused(
    tmp_path: Path, command: tuple[str, ...], name: str, reason: str
) -> None:
    result = cli(tmp_path / "home", *command, "--by", name)
    assert result.exit_code == 2
    assert "--by" in result.stderr and reason in result.stderr
    assert not (tmp_path / "home").exists()  # refused before anything was opened
