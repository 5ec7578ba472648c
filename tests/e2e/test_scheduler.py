"""The scheduler daemon: its triggers, and a real `ontzorging scheduler`
process that runs the nightly job and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import obj_to_ref
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from jobs.scheduler import (
    JOBSTORE_TABLE,
    TEST_INTERVAL_ENV,
    build_triggers,
    cron_triggers,
    monthly_job,
    nightly_job,
)
from ontzorging.entrypoints.cli import main
from ontzorging.settings import load_settings

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = "2026-03-28"


# -- triggers -----------------------------------------------------------------


def test_default_cron_triggers_fire_at_two_at_night_and_on_the_first_at_six() -> None:
    triggers = cron_triggers(load_settings().schedule)
    now = datetime(2026, 3, 10, 12, 0, tzinfo=AMS)
    nightly = triggers["nightly"].get_next_fire_time(None, now)
    monthly = triggers["monthly"].get_next_fire_time(None, now)
    assert nightly == datetime(2026, 3, 11, 2, 0, tzinfo=AMS)
    assert monthly == datetime(2026, 4, 1, 6, 0, tzinfo=AMS)
    assert str(nightly.tzinfo) == str(monthly.tzinfo) == "Europe/Amsterdam"
    # Summer time: still 02:00 on the wall clock in Amsterdam (00:00 UTC).
    summer = triggers["nightly"].get_next_fire_time(None, datetime(2026, 7, 1, 12, tzinfo=AMS))
    assert summer == datetime(2026, 7, 2, 2, 0, tzinfo=AMS)
    assert summer.utcoffset() is not None and summer.utcoffset().total_seconds() == 7200


def test_the_test_interval_replaces_the_cron_triggers_only_when_set() -> None:
    schedule = load_settings().schedule
    assert build_triggers(schedule, {}).keys() == {"nightly", "monthly"}
    assert not isinstance(build_triggers(schedule, {})["nightly"], IntervalTrigger)
    fast = build_triggers(schedule, {TEST_INTERVAL_ENV: "0.5"})
    assert all(isinstance(t, IntervalTrigger) for t in fast.values())
    with pytest.raises(ValueError, match=TEST_INTERVAL_ENV):
        build_triggers(schedule, {TEST_INTERVAL_ENV: "soon"})


def test_the_jobs_are_stored_by_reference_to_module_level_functions() -> None:
    assert obj_to_ref(nightly_job) == "jobs.scheduler:nightly_job"
    assert obj_to_ref(monthly_job) == "jobs.scheduler:monthly_job"


# -- the daemon as a real process ----------------------------------------------


def _console_script() -> str:
    beside = Path(sys.executable).parent / "ontzorging"
    found = str(beside) if beside.exists() else shutil.which("ontzorging")
    if not found:
        pytest.skip("the ontzorging console script is not installed")
    return found


class Daemon:
    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.database_url = database_url
        self.env = {
            **os.environ,
            "ONTZORGING_HOME": str(root),
            "ONTZORGING_DATABASE_URL": database_url,
            "ONTZORGING_TODAY": TODAY,
        }
        self.stderr_path = root.parent / "scheduler.stderr"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> object:
        result = CliRunner().invoke(main, [*args, "--json"], env=self.env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    def start(self, interval: float) -> None:
        self.stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [_console_script(), "--home", str(self.root), "scheduler"],
            env={**self.env, TEST_INTERVAL_ENV: str(interval)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )

    def stop(self, timeout: float = 15) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.stderr.close()

    def log(self) -> str:
        return self.stderr_path.read_text("utf-8")

    def wait_for_run(self, kind: str, timeout: float = 30) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                pytest.fail(f"scheduler exited early ({self.process.returncode}):\n{self.log()}")
            runs = self.cli("runs", "list")
            assert isinstance(runs, list)
            done = [r for r in runs if r["kind"] == kind and r["status"] != "running"]
            if done:
                return done[-1]
            time.sleep(0.3)
        pytest.fail(f"no {kind} run within {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def daemon(tmp_path: Path, database_url: str) -> Iterator[Daemon]:
    d = Daemon(tmp_path / "home", database_url)
    d.cli("init")
    yield d
    d.kill()


def _assert_clean_stop(daemon: Daemon) -> str:
    started = time.monotonic()
    code = daemon.stop()
    log = daemon.log()
    assert code == 0, log
    assert time.monotonic() - started < 15
    assert "event=shutdown_requested signal=SIGTERM" in log
    assert "event=scheduler_shutdown" in log
    assert "Traceback" not in log and "level=error" not in log, log
    assert all(line.startswith("ts=") and " event=" in line for line in log.splitlines()), log
    return log


def test_the_scheduler_runs_the_nightly_job_and_stops_cleanly_on_sigterm(daemon: Daemon) -> None:
    daemon.start(interval=1)
    run = daemon.wait_for_run("nightly")
    assert run["as_of"] == TODAY and run["status"] == "succeeded"
    log = _assert_clean_stop(daemon)
    assert "event=run_finished kind=nightly" in log
    runs = daemon.cli("runs", "list")
    assert isinstance(runs, list) and all(r["status"] != "running" for r in runs)


def test_a_slot_missed_while_down_runs_once_after_a_restart(daemon: Daemon) -> None:
    # First life: an interval far away, so nothing runs; the jobs are stored.
    daemon.start(interval=3600)
    engine = create_engine(daemon.database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                try:
                    stored = conn.execute(text(f"SELECT count(*) FROM {JOBSTORE_TABLE}")).scalar()
                except Exception:
                    stored = 0
            if stored == 2:
                break
            time.sleep(0.2)
        assert stored == 2, daemon.log()
        _assert_clean_stop(daemon)
        assert daemon.cli("runs", "list") == []

        # While it is down, the nightly slot passes (as the job store would
        # hold it: in the pickled job state and in the indexed column).
        missed = datetime.now(AMS) - timedelta(minutes=10)
        with engine.begin() as conn:
            state = pickle.loads(
                conn.execute(
                    text(f"SELECT job_state FROM {JOBSTORE_TABLE} WHERE id = 'nightly'")
                ).scalar_one()
            )
            state["next_run_time"] = missed
            conn.execute(
                text(
                    f"UPDATE {JOBSTORE_TABLE} SET next_run_time = :t, job_state = :s "
                    "WHERE id = 'nightly'"
                ),
                {"t": missed.timestamp(), "s": pickle.dumps(state)},
            )
    finally:
        engine.dispose()

    # Second life: the missed slot is kept, not replaced, and runs once.
    daemon.start(interval=3600)
    run = daemon.wait_for_run("nightly")
    assert run["as_of"] == TODAY
    log = _assert_clean_stop(daemon)
    assert "event=catch_up job=nightly" in log
    runs = daemon.cli("runs", "list")
    assert isinstance(runs, list) and [r["kind"] for r in runs] == ["nightly"]
