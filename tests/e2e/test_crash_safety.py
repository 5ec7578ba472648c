"""Kill the process at every checkpoint of a nightly run (and of an
approval), run again, and compare with a run that was never interrupted:
no duplicate instruction, entry, batch or file, and `ontzorging check` passes.
Kill between the files of a batch split into several, let finance move the
delivered files away, run again: every payment is in exactly one file ever
written. Also: two runners started at once do the work exactly once, and an
approval never releases a batch it cannot write."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from ontzorging.adapters.faults import FAULT_ENV, KILLED_EXIT_CODE
from ontzorging.entrypoints import demo_data

EXE = str(Path(sys.executable).parent / "ontzorging")
SPLIT = 20  # transactions per file: the night's batch of 2026-03-28 splits into 3 files
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
    def __init__(
        self, root: Path, database_url: str, approval: bool, per_file: int | None = None
    ) -> None:
        self.root = root
        root.mkdir(parents=True)
        config = root / "settings.toml"
        split = f"max_transactions_per_file = {per_file}\n" if per_file else ""
        config.write_text(f"[sepa]\nrequire_approval = {str(approval).lower()}\n{split}")
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

    def sql(self, statement: str) -> list[tuple[object, ...]]:
        from sqlalchemy import text

        from ontzorging.adapters.db import make_engine

        engine = make_engine(self.env["ONTZORGING_DATABASE_URL"])
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            rows = [tuple(r) for r in result] if result.returns_rows else []
        engine.dispose()
        return rows

    def state(self) -> dict[str, object]:
        from sqlalchemy import func, select, table

        from ontzorging.adapters.db import make_engine

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


class Finance:
    """What finance sees of the outbox: every file that was ever in it (by
    name, with its bytes and inode), and the files it moved to the bank."""

    def __init__(self, home: Home) -> None:
        self.outbox = home.root / "outbox" / "sepa"
        self.bank = home.root / "bank"
        self.home = home
        self.seen: dict[str, tuple[bytes, int]] = {}

    def look(self) -> None:
        for path in sorted(self.outbox.glob("*.xml")):
            data, inode = path.read_bytes(), path.stat().st_ino
            if path.name in self.seen:
                assert self.seen[path.name] == (data, inode), f"{path.name} was written again"
            self.seen[path.name] = (data, inode)

    def move_recorded_to_bank(self) -> list[str]:
        """Finance imports and archives every file whose writing was recorded."""
        self.look()
        self.bank.mkdir(exist_ok=True)
        batches = json.loads(self.home.run("batches", "list", "--json").stdout)
        recorded = [name for b in batches for name, sha in b["sha256"].items() if sha]
        moved = [n for n in recorded if (self.outbox / n).exists()]
        for name in moved:
            shutil.move(self.outbox / name, self.bank / name)
        return moved

    def end_to_end_ids(self) -> Counter[str]:
        ids: Counter[str] = Counter()
        for data, _ in self.seen.values():
            ids.update(m.decode() for m in re.findall(rb"<EndToEndId>([^<]+)</", data))
        return ids


def _assert_each_payment_in_one_file(home: Home, finance: Finance, moved: list[str]) -> None:
    finance.look()
    released = {
        r[0]
        for r in home.sql(
            "SELECT end_to_end_id FROM payment_instructions WHERE status = 'released'"
        )
    }
    ids = finance.end_to_end_ids()
    assert set(ids) == released and set(ids.values()) == {1}, ids
    assert not [n for n in moved if (finance.outbox / n).exists()], "a moved file came back"
    batches = json.loads(home.run("batches", "list", "--json").stdout)
    assert {b["status"] for b in batches} == {"released"}
    assert all(sha for b in batches for sha in b["sha256"].values())
    assert len(finance.seen) == sum(len(b["files"]) for b in batches) >= 3
    assert home.run("check").returncode == 0


def _files_in_outbox_before(point: str) -> int:
    """Files renamed into the outbox when the run was killed at ``point``:
    at ``file_recorded@K`` file K is recorded and staged, not yet renamed."""
    name, k = point.split("@")
    return int(k) - (name == "file_recorded")


@pytest.mark.parametrize("point", ["file_recorded@2", "file_written@1", "file_written@2"])
def test_kill_between_files_of_a_nightly_release_delivers_each_file_once(
    tmp_path: Path, database_url: str, point: str
) -> None:
    home = Home(tmp_path / "home", database_url, approval=False, per_file=SPLIT)
    home.setup(tmp_path)
    killed = home.run("run", "nightly", "--date", "2026-03-28", fault=point)
    assert killed.returncode == KILLED_EXIT_CODE, killed.stderr
    finance = Finance(home)
    moved = finance.move_recorded_to_bank()
    assert len(moved) == _files_in_outbox_before(point)
    rerun = home.run("run", "nightly", "--date", "2026-03-28")
    assert rerun.returncode == 0, rerun.stderr
    _assert_each_payment_in_one_file(home, finance, moved)


@pytest.mark.parametrize("point", ["file_recorded@2", "file_written@2"])
def test_kill_during_approval_then_approve_again_delivers_each_file_once(
    tmp_path: Path, database_url: str, point: str
) -> None:
    home = Home(tmp_path / "home", database_url, approval=True, per_file=SPLIT)
    home.setup(tmp_path)
    assert home.run("run", "nightly", "--date", "2026-03-28").returncode == 0
    killed = home.run("batches", "approve", "1", "--by", "M. de Vries", fault=point)
    assert killed.returncode == KILLED_EXIT_CODE, killed.stderr
    finance = Finance(home)
    moved = finance.move_recorded_to_bank()
    again = home.run("batches", "approve", "1", "--by", "M. de Vries")
    assert again.returncode == 0 and "already released" in again.stdout, again.stderr
    _assert_each_payment_in_one_file(home, finance, moved)
    # A third approval, and a nightly run, write nothing.
    assert "already released" in home.run("batches", "approve", "1", "--by", "X").stdout
    assert home.run("run", "nightly", "--date", "2026-03-28").returncode == 0
    _assert_each_payment_in_one_file(home, finance, moved)


def test_another_file_under_an_unrecorded_name_stops_the_delivery(
    tmp_path: Path, database_url: str
) -> None:
    home = Home(tmp_path / "home", database_url, approval=False, per_file=SPLIT)
    home.setup(tmp_path)
    killed = home.run("run", "nightly", "--date", "2026-03-28", fault="file_written@1")
    assert killed.returncode == KILLED_EXIT_CODE
    outbox = home.root / "outbox" / "sepa"
    pending = json.loads(home.run("batches", "list", "--json").stdout)[0]["files_pending"]
    second = outbox / pending[0]
    second.write_bytes(b"<Document>not ours</Document>\n")
    refused = home.run("run", "nightly", "--date", "2026-03-28")
    assert refused.returncode == 1 and second.name in refused.stderr, refused.stderr
    assert "not overwritten" in refused.stderr and "Traceback" not in refused.stderr
    assert second.read_bytes() == b"<Document>not ours</Document>\n"
    assert len(list(outbox.glob("*.xml"))) == 2  # nothing after it was written
    second.unlink()  # finance found it is not a payment file of ours
    assert home.run("run", "nightly", "--date", "2026-03-28").returncode == 0
    batches = json.loads(home.run("batches", "list", "--json").stdout)
    assert len(list(outbox.glob("*.xml"))) == len(batches[0]["files"]) >= 3
    assert all(batches[0]["sha256"].values())


def test_approval_of_a_batch_with_an_unwritable_payee_releases_nothing(
    tmp_path: Path, database_url: str
) -> None:
    home = Home(tmp_path / "home", database_url, approval=True, per_file=SPLIT)
    home.setup(tmp_path)
    assert home.run("run", "nightly", "--date", "2026-03-28").returncode == 0
    bad_id, e2e = home.sql(
        "SELECT id, end_to_end_id FROM payment_instructions WHERE batch_id = 1 ORDER BY id"
    )[3]
    home.sql(
        # Nothing of it is left in the SEPA character set, even transliterated.
        f"UPDATE payment_instructions SET payee_name = '\U0001f600\U0001f600' WHERE id = {bad_id}"
    )
    refused = home.run("batches", "approve", "1", "--by", "M. de Vries")
    assert refused.returncode == 1, refused.stderr
    assert f"instruction {bad_id} (EndToEndId {e2e}" in refused.stderr
    assert "payee_name" in refused.stderr and "Traceback" not in refused.stderr
    assert "100000009" not in refused.stderr  # never a BSN
    outbox = home.root / "outbox" / "sepa"
    assert not list(outbox.glob("*.xml"))
    batch = json.loads(home.run("batches", "list", "--json").stdout)[0]
    assert batch["status"] == "awaiting_approval" and batch["files"] == []
    approved = home.run("batches", "approve", "1", "--by", "M. de Vries")
    assert approved.returncode == 0, approved.stderr
    data = b"".join(p.read_bytes() for p in outbox.glob("*.xml"))
    assert f"<EndToEndId>{e2e}<".encode() not in data
    assert data.count(b"<EndToEndId>") == batch["count"]
    assert home.sql(f"SELECT status FROM payment_instructions WHERE id = {bad_id}") == [
        ("cancelled",)
    ]
    assert home.run("check").returncode == 0
