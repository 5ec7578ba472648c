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
from ontzorging.batching import gather_batches
from ontzorging.bootstrap import App
from ontzorging.caseload import write_caseload_report
from ontzorging.faults import checkpoint
from ontzorging.finance_reports import write_release_outputs, write_withheld_report
from ontzorging.imports import import_file
from ontzorging.incidents import safe_summary
from ontzorging.overviews import write_overviews
from ontzorging.parsing.problems import FileRejected
from ontzorging.private_files import private_file
from ontzorging.signals import raise_period_signals
from payments.files import clean_temp_files

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
        checkpoint("run_started")
        counts: Counter[str] = Counter()
        try:
            _recover_outputs(app, counts)
            problems = _import_inbox(app, actor, counts)
            checkpoint("inbox_imported")
            with app.engine.begin() as conn:
                counts += allocate_due(conn, as_of, app.settings, run_id, app.clock.now())
                counts["signals"] += raise_period_signals(conn, as_of)
                counts += gather_batches(conn, as_of, app.settings, run_id, app.clock.now())
            checkpoint("allocated")
            if app.settings.allocation.payout_mode == "creditors_only":
                with app.engine.connect() as conn:
                    write_withheld_report(conn, app.home.path("reports"), run_id)
            _write_files(app, counts)
            checkpoint("run_finished")
        except BaseException as exc:
            finish_run(app.engine, run_id, "failed", counts, app.clock.now(), safe_summary(exc))
            raise
        status = "succeeded" if not problems else "succeeded_with_rejections"
        if counts["allocation_failures"]:
            status = "succeeded_with_problems"
        finish_run(app.engine, run_id, status, counts, app.clock.now())
        return RunOutcome(run_id, "nightly", as_of, status, dict(counts), tuple(problems))


def run_monthly(
    app: App, month: date, actor: str = "ontzorging", coach: str | None = None
) -> RunOutcome:
    """Overviews per household and the caseload report for ``month``.

    Rewriting a month's outputs is harmless: the files are rendered from the
    database and replaced atomically."""
    with run_lock(app.engine):
        run_id = start_run(app.engine, "monthly", month, app.clock.now())
        counts: Counter[str] = Counter()
        problems: tuple[str, ...] = ()
        try:
            with app.engine.connect() as conn:
                written = write_overviews(
                    conn, app.home.path("overviews"), month, pdf=app.settings.overview_pdf_flag
                )
                counts.update(written.as_counts())
                reports = write_caseload_report(conn, app.home.path("reports"), month)
                if coach:
                    reports += write_caseload_report(
                        conn, app.home.path("reports"), month, coach=coach
                    )
                counts["reports"] += len(reports)
            problems = written.pdf_failures
        except BaseException as exc:
            finish_run(app.engine, run_id, "failed", counts, app.clock.now(), safe_summary(exc))
            raise
        status = "succeeded" if not problems else "succeeded_with_problems"
        finish_run(app.engine, run_id, status, counts, app.clock.now())
        return RunOutcome(run_id, "monthly", month, status, dict(counts), problems)


def _recover_outputs(app: App, counts: Counter[str]) -> None:
    """Make the files consistent with the database after a crash: publish
    files recorded but not yet renamed into place, deliver released files not
    recorded (a file found whole under its name is recorded, not rewritten),
    then remove temp files no delivery needs."""
    _write_files(app, counts)
    outbox = app.home.path("outbox/sepa")
    if outbox.is_dir():
        counts["temp_files_removed"] += len(clean_temp_files(outbox))


def _write_files(app: App, counts: Counter[str]) -> None:
    # Not one transaction: each file's delivery is committed as soon as it is written.
    with app.engine.connect() as conn:
        written = write_release_outputs(
            conn, app.home.path("outbox/sepa"), app.home.path("reports"), app.settings
        )
    counts["files_written"] += sum(1 for p in written if p.suffix == ".xml")


def _import_inbox(app: App, actor: str, counts: Counter[str]) -> list[str]:
    """Import inbox files in name order; each on its own, a bad one quarantined."""
    inbox = app.home.path("inbox/bijstand")
    problems: list[str] = []
    if not inbox.is_dir():
        return problems
    for path in sorted(p for p in inbox.iterdir() if p.suffix.lower() in INBOX_SUFFIXES):
        try:
            with app.engine.begin() as conn:
                import_file(
                    conn,
                    "bijstand",
                    path,
                    actor,
                    app.clock.now(),
                    limits=app.settings.amount_limits,
                )
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
    """Move an inbox file into the home; a rename keeps the mode it was
    dropped with, so it is made private to the owner here."""
    directory.mkdir(parents=True, exist_ok=True)
    private_file(Path(shutil.move(str(path), directory / path.name)))
