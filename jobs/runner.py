"""The nightly and monthly runs: thin orchestration over the use cases, under
the run lock, with a run record. What is due is worked out from the database
(unallocated payments, pending instructions), so one run after missed nights
does all their work once."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jobs.locking import run_lock
from jobs.runs import finish_run, start_run
from ontzorging.allocating import allocate_due
from ontzorging.batching import gather_batches, write_missing_files
from ontzorging.bootstrap import App
from ontzorging.imports import import_file
from ontzorging.parsing.problems import FileRejected
from ontzorging.signals import raise_period_signals

INBOX_SUFFIXES = (".csv", ".xlsx", ".xml")


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    kind: str
    as_of: date
    status: str
    counts: dict[str, int]
    problems: tuple[str, ...] = ()


def run_nightly(app: App, as_of: date, actor: str = "ontzorging") -> RunOutcome:
    with run_lock(app.engine):
        run_id = start_run(app.engine, "nightly", as_of, app.clock.now())
        counts: Counter[str] = Counter()
        try:
            _write_files(app, counts)  # files a crash left unwritten, byte-identical
            problems = _import_inbox(app, actor, counts)
            with app.engine.begin() as conn:
                counts += allocate_due(conn, as_of, app.settings, run_id, app.clock.now())
                counts["signals"] += raise_period_signals(conn, as_of)
                counts += gather_batches(conn, as_of, app.settings, run_id, app.clock.now())
            _write_files(app, counts)
        except BaseException as exc:
            finish_run(app.engine, run_id, "failed", counts, app.clock.now(), repr(exc))
            raise
        status = "succeeded" if not problems else "succeeded_with_rejections"
        finish_run(app.engine, run_id, status, counts, app.clock.now())
        return RunOutcome(run_id, "nightly", as_of, status, dict(counts), tuple(problems))


def run_monthly(app: App, month: date, actor: str = "ontzorging") -> RunOutcome:
    with run_lock(app.engine):
        run_id = start_run(app.engine, "monthly", month, app.clock.now())
        counts: Counter[str] = Counter()
        finish_run(app.engine, run_id, "succeeded", counts, app.clock.now())
        return RunOutcome(run_id, "monthly", month, "succeeded", dict(counts))


def _write_files(app: App, counts: Counter[str]) -> None:
    outbox = app.home.path("outbox/sepa")
    with app.engine.begin() as conn:
        counts["files_written"] += len(write_missing_files(conn, outbox, app.settings))


def _import_inbox(app: App, actor: str, counts: Counter[str]) -> list[str]:
    """Import inbox files in name order; each on its own, a bad one quarantined."""
    inbox = app.home.path("inbox/bijstand")
    problems: list[str] = []
    if not inbox.is_dir():
        return problems
    for path in sorted(p for p in inbox.iterdir() if p.suffix.lower() in INBOX_SUFFIXES):
        try:
            with app.engine.begin() as conn:
                import_file(conn, "bijstand", path, actor, app.clock.now())
        except FileRejected as exc:
            lines = [str(p) for p in exc.problems]
            _move(path, app.home.path("quarantine"))
            (app.home.path("quarantine") / f"{path.name}.errors.txt").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )
            problems += lines
            counts["files_quarantined"] += 1
            continue
        _move(path, app.home.path("archive"))
        counts["files_imported"] += 1
    return problems


def _move(path: Path, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), directory / path.name)
