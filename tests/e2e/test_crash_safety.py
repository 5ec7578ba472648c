"""Kill the process at every checkpoint of a nightly run (and of an
approval), run again, and compare with a run that was never interrupted:
no duplicate instruction, entry, batch or file, and `ontzorging check` passes.
Also: two runners started at once do the work exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from ontzorging import demo_data
from ontzorging.faults import FAULT_ENV, KILLED_EXIT_CODE

EXE = str(Path(sys.executable).parent / "ontzorging")
NIGHTLY_POINTS = ["run_started", "inbox_imported", "allocated", "file_written", "run_finished"]
TABLES = (
    "payment_instructions",
    "ledger_entries",
    "ledger_postings",
    "batches",
    "payment_files",
    "allocations",
    "signals",
)


class Home:
    def __init__(self, root: Path, database_url: str, approval: bool) -> None:
        self.root = root
        root.mkdir(parents=True)
        config = root / "settings.toml"
        config.write_text(f"[sepa]\nrequire_approval = {str(approval).lower()}\n")
        self.env = {
            **os.environ,
            "ONTZORGING_HOME": str(root),
            "ONTZORGING_DATABASE_URL": database_url,
            "ONTZORGING_CONFIG": str(config),
        }
        self.env.pop(FAULT_ENV, None)

    def run(self, *args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if fault:
            env[FAULT_ENV] = fault
        return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=300)

    def setup(self, tmp: Path) -> None:
        assert self.run("init").returncode == 0
        for kind, text in (
            ("creditors", demo_data.CREDITORS),
            ("households", demo_data.HOUSEHOLDS),
            ("obligations", demo_data.OBLIGATIONS),
        ):
            path = tmp / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            assert self.run("import", kind, str(path)).returncode == 0
        for month in (date(2026, 2, 1), date(2026, 3, 1)):
            (self.root / "inbox" / "bijstand" / f"b-{month:%Y-%m}.csv").write_text(
                demo_data.bijstand_file(month), encoding="utf-8"
            )

    def state(self) -> dict[str, object]:
        from sqlalchemy import func, select, table

        from ontzorging.db import make_engine

        engine = make_engine(self.env["ONTZORGING_DATABASE_URL"])
        with engine.connect() as conn:
            counts = {
                t: conn.execute(select(func.count()).select_from(table(t))).scalar() for t in TABLES
            }
        engine.dispose()
        outbox = self.root / "outbox" / "sepa"
        return {
            "counts": counts,
            "files": sorted(p.name for p in outbox.iterdir()),
            "statement": json.loads(
                self.run("statement", "D", "--period", "2026-03", "--json").stdout
            ),
        }


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The outcome of an uninterrupted run (SQLite), to compare against."""
    tmp = tmp_path_factory.mktemp("reference")
    home = Home(tmp / "home", f"sqlite:///{tmp / 'ref.db'}", approval=False)
    home.setup(tmp)
    assert home.run("run", "nightly", "--date", "2026-03-28").returncode == 0
    return home.state()


def _comparable(state: dict[str, object]) -> dict[str, object]:
    statement = dict(state["statement"])  # type: ignore[arg-type]
    for row in statement["paid"]:
        row.pop("payment_id", None)
        row.pop("end_to_end_id", None)
    return {
        "counts": state["counts"],
        "files": len(state["files"]),  # type: ignore[arg-type]
        "statement": statement,
    }


@pytest.mark.parametrize("point", NIGHTLY_POINTS)
def test_kill_during_nightly_then_rerun(
    tmp_path: Path, database_url: str, reference: dict[str, object], point: str
) -> None:
    home = Home(tmp_path / "home", database_url, approval=False)
    home.setup(tmp_path)
    killed = home.run("run", "nightly", "--date", "2026-03-28", fault=point)
    assert killed.returncode == KILLED_EXIT_CODE, killed.stderr
    (home.root / "outbox" / "sepa" / ".stale.xml.tmp").write_bytes(b"half a file")
    rerun = home.run("run", "nightly", "--date", "2026-03-28", "--json")
    assert rerun.returncode == 0, rerun.stderr
    assert home.run("check").returncode == 0
    state = home.state()
    assert _comparable(state) == _comparable(reference)
    assert not list((home.root / "outbox" / "sepa").glob(".*.tmp"))
    runs = json.loads(home.run("runs", "list", "--json").stdout)
    assert runs[0]["status"] == "succeeded" and runs[1]["status"] == "interrupted"


def test_kill_after_approval_commit_then_approve_again(tmp_path: Path, database_url: str) -> None:
    home = Home(tmp_path / "home", database_url, approval=True)
    home.setup(tmp_path)
    assert home.run("run", "nightly", "--date", "2026-03-28").returncode == 0
    killed = home.run("batches", "approve", "1", "--by", "M. de Vries", fault="released")
    assert killed.returncode == KILLED_EXIT_CODE
    assert list((home.root / "outbox" / "sepa").iterdir()) == []
    again = home.run("batches", "approve", "1", "--by", "M. de Vries")
    assert again.returncode == 0 and "approved before" in again.stdout
    files = list((home.root / "outbox" / "sepa").iterdir())
    assert len(files) == 1
    batches = json.loads(home.run("batches", "list", "--json").stdout)
    assert batches[0]["sha256"][files[0].name] is not None
    assert home.run("check").returncode == 0


def test_two_runners_at_once_do_the_work_once(tmp_path: Path, database_url: str) -> None:
    home = Home(tmp_path / "home", database_url, approval=False)
    home.setup(tmp_path)
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda _: home.run("run", "nightly", "--date", "2026-03-28", "--json"), range(2)
            )
        )
    codes = sorted(r.returncode for r in results)
    assert codes in ([0, 0], [0, 75]), [r.stderr for r in results]
    done = [json.loads(r.stdout)["counts"].get("payments", 0) for r in results if r.returncode == 0]
    assert sorted(done)[-1] == 13 and sum(done) == 13  # exactly one runner allocated
    assert all(
        "another ontzorging run holds the lock" in r.stderr for r in results if r.returncode == 75
    )
    assert home.state()["counts"]["batches"] == 1  # type: ignore[index]
    assert home.run("check").returncode == 0
