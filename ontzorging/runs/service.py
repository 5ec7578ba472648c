"""The nightly and monthly runs: thin orchestration over the use cases, under
the run lock, with a run record. What is due is worked out from the database
(unallocated payments, pending instructions), so one run after missed nights
does all their work once."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from ontzorging.adapters.dbutil import refresh_planner_statistics
from ontzorging.adapters.faults import checkpoint
from ontzorging.adapters.incidents import safe_summary
from ontzorging.adapters.locking import run_lock
from ontzorging.adapters.pdf import chromium_for
from ontzorging.adapters.private_files import private_file
from ontzorging.adapters.progress import Progress, no_progress
from ontzorging.allocation.allocate import allocate_due
from ontzorging.allocation.reserve_payout import pay_out_left_reserves
from ontzorging.bank.feedback_import import import_bank_file
from ontzorging.bank.missing_debits import raise_missing_debit_signals
from ontzorging.batches.finance_summary import write_release_outputs, write_withheld_report
from ontzorging.batches.service import gather_batches
from ontzorging.bootstrap import App
from ontzorging.domain.texts import shorten
from ontzorging.intake.imports import import_file
from ontzorging.intake.parsing.problems import FILE_LEVEL_LINE, NO_COLUMN, FileRejected, Problem
from ontzorging.intake.parsing.problems import printable as shown
from ontzorging.register.signals import raise_period_signals
from ontzorging.reports.caseload import write_caseload_report
from ontzorging.reports.overviews import write_overviews
from ontzorging.reports.print_batches import write_print_batches
from ontzorging.runs.records import finish_run, start_run
from payments.files import clean_temp_files

INBOX_SUFFIXES = (".csv", ".xlsx", ".xml")
NAME_MAX_BYTES = 255
"""Longest file name (in bytes) of the file systems we run on (ext4, xfs, tmpfs)."""

_log = logging.getLogger("ontzorging.runner")


@dataclass(frozen=True)
class RunOutcome:
    run_id: int
    kind: str
    as_of: date
    status: str
    counts: dict[str, int]
    problems: tuple[str, ...] = ()
    quarantined: tuple[str, ...] = ()  # inbox files moved to quarantine/, names shown safely
    skipped: tuple[str, ...] = ()  # inbox entries not read: links, directories, FIFOs, ...


def run_nightly(
    app: App, as_of: date, actor: str = "ontzorging", progress: Progress = no_progress
) -> RunOutcome:
    with run_lock(app.engine):
        run_id = start_run(app.engine, "nightly", as_of, app.clock.now())
        checkpoint("run_started")
        counts: Counter[str] = Counter()
        inbox = _Inbox()
        try:
            _recover_outputs(app, counts)
            _import_inbox(app, actor, counts, inbox, "inbox/bijstand", _import_bijstand)
            _import_inbox(app, actor, counts, inbox, "inbox/bank", _import_bank)
            checkpoint("inbox_imported")
            with app.engine.begin() as conn:
                counts += allocate_due(conn, as_of, app.settings, run_id, app.clock.now(), progress)
                counts += pay_out_left_reserves(conn, as_of, run_id, app.clock.now())
                counts["signals"] += raise_period_signals(conn, as_of)
                counts["signals"] += raise_missing_debit_signals(conn, as_of)
                counts += gather_batches(conn, as_of, app.settings, run_id, app.clock.now())
            checkpoint("allocated")
            if app.settings.allocation.payout_mode == "creditors_only":
                with app.engine.connect() as conn:
                    write_withheld_report(conn, app.home.path("reports"), run_id)
            _write_files(app, counts)
            checkpoint("run_finished")
        except BaseException as exc:
            _finish_failed(app, run_id, counts, exc)
            raise
        status = "succeeded" if not inbox.problems else "succeeded_with_rejections"
        if counts["allocation_failures"] or counts["bank_problems"]:
            status = "succeeded_with_problems"
        # The run record has no column of its own for the files: its remark says them.
        finish_run(app.engine, run_id, status, counts, app.clock.now(), inbox.remark())
        return RunOutcome(
            run_id,
            "nightly",
            as_of,
            status,
            dict(counts),
            tuple(inbox.problems),
            tuple(inbox.quarantined),
            tuple(inbox.skipped),
        )


def run_monthly(
    app: App,
    month: date,
    actor: str = "ontzorging",
    coach: str | None = None,
    progress: Progress = no_progress,
) -> RunOutcome:
    """Overviews per household and the caseload report for ``month``.

    Rewriting a month's outputs is harmless: the files are rendered from the
    database and replaced atomically."""
    with run_lock(app.engine):
        run_id = start_run(app.engine, "monthly", month, app.clock.now())
        counts: Counter[str] = Counter()
        problems: tuple[str, ...] = ()
        try:
            with app.engine.begin() as conn:
                refresh_planner_statistics(conn)  # the month's reports read every table
            with app.engine.connect() as conn:
                workers = app.settings.overview_workers or None
                written = write_overviews(
                    conn,
                    app.home.path("overviews"),
                    month,
                    pdf=False,
                    progress=progress,
                    workers=workers,
                )
                counts.update(written.as_counts())
                # Letters for the print service: batches of PDFs with an index,
                # not a PDF per household (`ontzorging overview ID --pdf` makes one).
                chromium = chromium_for(app.settings.overview_pdf_flag)
                printed = None
                if chromium is not None:
                    printed = write_print_batches(
                        conn,
                        app.home.path("overviews"),
                        app.home.path("print"),
                        month,
                        chromium,
                        batch_letters=app.settings.print_batch_letters,
                        workers=workers,
                    )
                    counts.update(printed.as_counts())
                # Nothing was written: end the reading transaction, so that the
                # caseload's worker processes may read the register too.
                conn.rollback()
                reports = write_caseload_report(
                    conn, app.home.path("reports"), month, workers=workers
                )
                if coach:
                    conn.rollback()
                    reports += write_caseload_report(
                        conn, app.home.path("reports"), month, coach=coach, workers=workers
                    )
                counts["reports"] += len(reports)
            problems = written.pdf_failures + (printed.failures if printed else ())
        except BaseException as exc:
            _finish_failed(app, run_id, counts, exc)
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


@dataclass
class _Inbox:
    """What the inbox step did with files it did not import."""

    problems: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def remark(self) -> str | None:
        parts = [
            f"{label}: {', '.join(names)}"
            for label, names in (("quarantined", self.quarantined), ("skipped", self.skipped))
            if names
        ]
        return "; ".join(parts) or None


ImportOne = Callable[[App, Connection, Path, str], Counter[str]]
"""Import one inbox file inside the given transaction; returns what to count."""


def _import_bijstand(app: App, conn: Connection, path: Path, actor: str) -> Counter[str]:
    outcome = import_file(
        conn, "bijstand", path, actor, app.clock.now(), limits=app.settings.amount_limits
    )
    return Counter({"payments_held": outcome.rows_held})  # repeats: see `bijstand held`


def _import_bank(app: App, conn: Connection, path: Path, actor: str) -> Counter[str]:
    """A bank feedback document; a gap in the statements or an amount that
    differs is counted (the run needs attention), the file is still archived."""
    outcome = import_bank_file(conn, path, actor, app.clock.now())
    found: Counter[str] = Counter({f"bank_{k}": v for k, v in outcome.counts.items()})
    found["bank_files_unchanged"] += outcome.status == "unchanged"
    for problem in outcome.problems:
        _log.warning("bank file %s: %s", shown(path.name), problem)
    return found


def _import_inbox(
    app: App,
    actor: str,
    counts: Counter[str],
    inbox: _Inbox,
    directory_name: str,
    import_one: ImportOne,
) -> None:
    """Import the files of one inbox directory in name order, each on its own.

    Whatever goes wrong with one file is that file's problem: its transaction
    is rolled back, it is quarantined with the reason, and the next file goes
    on. Only a failure that belongs to no file (the database unreachable, the
    disk full) stops the run, and leaves the file in the inbox for the next.
    Entries that are not regular files are never opened (a FIFO would block
    the run while it holds the lock): they are skipped and reported."""
    directory = app.home.path(directory_name)
    if not directory.is_dir():
        return
    names = sorted(
        name for name in os.listdir(directory) if Path(name).suffix.lower() in INBOX_SUFFIXES
    )
    for name in names:
        path = directory / name
        not_regular = _not_a_regular_file(path)
        if not_regular:
            inbox.problems.append(_file_problem(path, not_regular))
            inbox.skipped.append(shown(name))
            counts["files_skipped"] += 1
            continue
        if shown(name) != name:
            # The name is stored and shown with the import; the database takes text only.
            reason = "the file name is not UTF-8 text; rename the file and put it back"
            _quarantine(app, path, [_file_problem(path, reason)], inbox, counts)
            continue
        try:
            with app.engine.begin() as conn:
                found = import_one(app, conn, path, actor)
        except FileRejected as exc:
            _quarantine(app, path, [shown(str(p)) for p in exc.problems], inbox, counts)
            continue
        except Exception as exc:
            if _belongs_to_no_file(app.engine, exc):
                raise
            _quarantine(app, path, [_file_problem(path, _unexpected(path, exc))], inbox, counts)
            continue
        _move(path, app.home.path("archive"))
        counts["files_imported"] += 1
        counts.update(found)


def _file_problem(path: Path, message: str) -> str:
    return str(Problem(shown(str(path)), FILE_LEVEL_LINE, NO_COLUMN, message))


def _not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` is not read, or None for a regular file.

    ``lstat`` never follows a link; the open with O_NOFOLLOW|O_NONBLOCK and the
    ``fstat`` after it make sure the entry was not swapped for a link or a FIFO
    in between (an open of a FIFO would block without O_NONBLOCK)."""
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        return "the entry disappeared before it was read; skipped"
    what = _kind_of(before.st_mode)
    if what:
        return f"{what}, not a regular file; skipped, nothing was read"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return f"cannot be opened ({errno.errorcode.get(exc.errno or 0, 'error')}); skipped"
    try:
        after = os.fstat(fd)
    finally:
        os.close(fd)
    if (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino) or _kind_of(after.st_mode):
        return "the entry changed while it was checked; skipped, nothing was read"
    return None


def _kind_of(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link (never followed)"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def _belongs_to_no_file(engine: Engine, exc: Exception) -> bool:
    """Whether ``exc`` is a failure of the machine rather than of the file."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if _out_of_resources(exc.orig):
        return True
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError:
        return True
    return False


# SQLite result codes: busy, locked, I/O error, disk full, cannot open.
_SQLITE_NOT_THE_FILE = frozenset({5, 6, 10, 13, 14})


def _out_of_resources(orig: BaseException | None) -> bool:
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate[:2] in ("08", "53", "57", "58"):  # connection, resources, operator, system
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_NOT_THE_FILE


def _unexpected(path: Path, exc: Exception) -> str:
    """The reason written for an unexpected failure, and the details logged.

    Neither repeats ``str(exc)``: a database error's text holds the SQL
    parameters (names, BSNs, IBANs of the file)."""
    name = type(exc).__name__
    if isinstance(exc, DBAPIError):
        cause = type(exc.orig).__name__ if exc.orig is not None else "?"
        _log.error(
            "inbox file %s: the database refused it: %s (%s) in %s",
            shown(path.name),
            name,
            cause,
            shorten(exc.statement or "", 200),
        )
        return f"the database refused the file ({name}); see the log"
    _log.error(
        "inbox file %s: import failed with %s\n%s",
        shown(path.name),
        name,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return f"the file could not be imported ({name}); see the log"


def _quarantine(
    app: App, path: Path, lines: list[str], inbox: _Inbox, counts: Counter[str]
) -> None:
    quarantine = app.home.path("quarantine")
    moved = _move(path, quarantine)
    report = quarantine / _errors_name(moved.name)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inbox.problems += lines
    inbox.quarantined.append(shown(moved.name))
    counts["files_quarantined"] += 1


def _errors_name(name: str) -> str:
    """``<name>.errors.txt``, shortened when that would be too long a file name."""
    suffix = ".errors.txt"
    raw = os.fsencode(name)
    if len(raw) + len(suffix) > NAME_MAX_BYTES:
        raw = raw[: NAME_MAX_BYTES - len(suffix)]
    return os.fsdecode(raw) + suffix


def _finish_failed(app: App, run_id: int, counts: Counter[str], exc: BaseException) -> None:
    """Close the run record as failed; a database that is gone cannot be told,
    and the next run marks this one interrupted."""
    error = safe_summary(exc)  # never a database error's text (SQL parameters)
    try:
        finish_run(app.engine, run_id, "failed", counts, app.clock.now(), error)
    except DBAPIError:
        _log.error("run %s: the failure could not be recorded: the database is unreachable", run_id)


def _move(path: Path, directory: Path) -> Path:
    """Move ``path`` into ``directory``, never over a file already there."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / path.name
    number = 0
    while target.exists() or target.is_symlink():
        number += 1
        target = directory / f"{path.stem}.{number}{path.suffix}"
    # A rename keeps the mode the file was dropped with: make it the owner's alone.
    private_file(Path(shutil.move(str(path), target)))
    return target
