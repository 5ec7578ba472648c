"""The built-in scheduler daemon, ``ontzorging scheduler`` (DESIGN.md 5.3).

One APScheduler 3.x :class:`BlockingScheduler` per database, with its job
store in that database (table ``apscheduler_jobs``, created by APScheduler,
not by our migrations). Two cron jobs from ``[schedule]`` in the settings, in
the settings' time zone:

- ``nightly``: ``run nightly`` as of today, at ``nightly_time``;
- ``monthly``: ``run monthly`` for the previous month, on ``monthly_day`` at
  ``monthly_time``.

Both coalesce missed slots into one run, allow one instance at a time and
still start up to ``misfire_grace_hours`` late. The runs work out what is due
from the database, so catching up after downtime is the one coalesced,
misfired job running once. The jobs share one worker thread: a monthly slot
that comes while the nightly run is busy waits for it instead of colliding
with it on the run lock. A run that finds the lock held by another runner
(a manual ``ontzorging run ...``) is logged and skipped.

The job functions are module-level and take only strings, because the job
store pickles them; each run bootstraps its own :class:`App`.

SIGTERM or SIGINT stops the scheduler gracefully: no new run starts, a run in
progress (and one already queued behind it) finishes and commits, then the
process exits 0. A second signal meanwhile is ignored.

Logging goes to stderr, one line per event, ``key=value`` (logfmt). Lines
never carry a BSN: runs log only counts, and any nine-digit number in a
message is masked as a last line of defence.

Test-only: ``ONTZORGING_SCHEDULER_TEST_INTERVAL_SECONDS=N`` replaces the cron
triggers by interval triggers firing every N seconds (the monthly job offset
by half an interval), so end-to-end tests need not wait for 02:00. It is not
a supported way to run production.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import make_url

from ontzorging.adapters.incidents import new_reference, safe_summary, write_incident
from ontzorging.adapters.locking import LockHeld
from ontzorging.adapters.logs import LogfmtFormatter, is_home_log
from ontzorging.adapters.private_files import owner_only_umask
from ontzorging.bootstrap import App, bootstrap, resolve_home
from ontzorging.domain.periods import add_months, month_of
from ontzorging.settings import ScheduleSettings

TEST_INTERVAL_ENV = "ONTZORGING_SCHEDULER_TEST_INTERVAL_SECONDS"
JOBSTORE_TABLE = "apscheduler_jobs"
NIGHTLY, MONTHLY = "nightly", "monthly"

log = logging.getLogger("ontzorging.scheduler")


# -- triggers -----------------------------------------------------------------


def cron_triggers(schedule: ScheduleSettings) -> dict[str, BaseTrigger]:
    """The production triggers: nightly and monthly, in the settings' time zone."""
    tz = ZoneInfo(schedule.timezone)
    night, month = schedule.nightly_time, schedule.monthly_time
    return {
        NIGHTLY: CronTrigger(
            hour=night.hour, minute=night.minute, second=night.second, timezone=tz
        ),
        MONTHLY: CronTrigger(
            day=schedule.monthly_day,
            hour=month.hour,
            minute=month.minute,
            second=month.second,
            timezone=tz,
        ),
    }


def interval_triggers(seconds: float, timezone: str) -> dict[str, BaseTrigger]:
    """Test-only triggers (see the module docstring)."""
    tz = ZoneInfo(timezone)
    now = datetime.now(tz)
    return {
        NIGHTLY: IntervalTrigger(
            seconds=seconds, start_date=now + timedelta(seconds=seconds), timezone=tz
        ),
        MONTHLY: IntervalTrigger(
            seconds=seconds, start_date=now + timedelta(seconds=1.5 * seconds), timezone=tz
        ),
    }


def build_triggers(
    schedule: ScheduleSettings, environ: Mapping[str, str] = os.environ
) -> dict[str, BaseTrigger]:
    text = environ.get(TEST_INTERVAL_ENV, "").strip()
    if not text:
        return cron_triggers(schedule)
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise ValueError(f"{TEST_INTERVAL_ENV}: {text!r} is not a positive number of seconds")
    return interval_triggers(seconds, schedule.timezone)


# -- the jobs (module-level, picklable arguments) -------------------------------


def nightly_job(home: str, config: str | None, database_url: str | None) -> None:
    """``run nightly`` as of today."""
    _run_job(NIGHTLY, home, config, database_url)


def monthly_job(home: str, config: str | None, database_url: str | None) -> None:
    """``run monthly`` for the month before today's."""
    _run_job(MONTHLY, home, config, database_url)


def _run_job(kind: str, home: str, config: str | None, database_url: str | None) -> None:
    from ontzorging.runs.service import run_monthly, run_nightly

    started = time.monotonic()
    app: App | None = None
    try:
        app = bootstrap(home, config, database_url)
        today = app.clock.today()
        _event(logging.INFO, "run_started", kind=kind, today=today.isoformat())
        if kind == NIGHTLY:
            outcome = run_nightly(app, today)
        else:
            outcome = run_monthly(app, add_months(month_of(today), -1))
    except LockHeld:
        _event(logging.WARNING, "run_skipped", kind=kind, reason="lock_held")
        return
    except Exception as exc:
        _log_failure(kind, home, exc)
        return
    finally:
        if app is not None:
            app.engine.dispose()
    _event(
        logging.INFO,
        "run_finished",
        kind=kind,
        run_id=outcome.run_id,
        as_of=outcome.as_of.isoformat(),
        status=outcome.status,
        problems=len(outcome.problems),
        duration_s=round(time.monotonic() - started, 3),
        counts=outcome.counts,
    )


def _log_failure(kind: str, home: str, exc: Exception) -> None:
    """One line without the exception's text (a database error's holds
    names, IBANs and BSNs); the traceback goes to the home's incident log."""
    now = datetime.now().astimezone()
    reference = new_reference(now)
    incident_log = write_incident(resolve_home(home).root, reference, now, f"scheduler {kind}", exc)
    _event(
        logging.ERROR,
        "run_failed",
        kind=kind,
        error_type=type(exc).__name__,
        error=safe_summary(exc),
        reference=reference,
        incident_log=str(incident_log) if incident_log else None,
    )


JOB_FUNCTIONS: dict[str, Callable[[str, str | None, str | None], None]] = {
    NIGHTLY: nightly_job,
    MONTHLY: monthly_job,
}


# -- the daemon ---------------------------------------------------------------


class _StopRequested(BaseException):
    """Raised in the main thread by the signal handler to leave the main loop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal_name = signal.Signals(signum).name


def serve(
    home: str | None = None,
    config: str | None = None,
    database_url: str | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Run the scheduler in the foreground until SIGTERM/SIGINT."""
    owner_only_umask()  # its runs write into the data home: nothing for group or others
    configure_logging()
    app = bootstrap(home, config, database_url)  # settings and schema checked at start
    args = _job_args(app, config, database_url, environ)
    schedule = app.settings.schedule
    triggers = build_triggers(schedule, environ)
    _event(
        logging.INFO,
        "scheduler_starting",
        home=str(app.home.root),
        database=app.engine.url.render_as_string(hide_password=True),
        timezone=schedule.timezone,
        mode="test_interval" if environ.get(TEST_INTERVAL_ENV, "").strip() else "cron",
        pid=os.getpid(),
    )
    store = SQLAlchemyJobStore(engine=app.engine, tablename=JOBSTORE_TABLE)
    scheduler = build_scheduler(app, store)
    missed = _stored_next_run_times(scheduler, store)
    now = datetime.now(ZoneInfo(schedule.timezone))
    for job_id, trigger in triggers.items():
        extra: dict[str, Any] = {}
        previous = missed.get(job_id)
        if previous is not None and previous <= now:
            # add_job(replace_existing=True) would compute the next slot from
            # now and so forget a slot missed while we were down: keep it, and
            # the scheduler runs it once (coalesced) if within the grace time.
            extra["next_run_time"] = previous
            _event(logging.INFO, "catch_up", job=job_id, missed_since=previous.isoformat())
        scheduler.add_job(
            JOB_FUNCTIONS[job_id],
            trigger,
            args=args,
            id=job_id,
            name=job_id,
            replace_existing=True,
            **extra,
        )
    scheduler.add_listener(lambda _e: _log_started(scheduler), EVENT_SCHEDULER_START)

    previous_handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for signum in previous_handlers:
        signal.signal(signum, _request_stop)
    stopping = False
    try:
        try:
            scheduler.start()
        except _StopRequested as stop:
            stopping = True
            for signum in previous_handlers:
                signal.signal(signum, _ignore_while_stopping)
            _event(logging.INFO, "shutdown_requested", signal=stop.signal_name)
            _event(logging.INFO, "shutdown_waiting", msg="letting a running job finish")
            with contextlib.suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=True)
    finally:
        if not stopping:  # once stopping, late signals stay ignored until exit
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
        app.engine.dispose()
    _event(logging.INFO, "scheduler_shutdown", status="stopped")


def build_scheduler(app: App, store: SQLAlchemyJobStore) -> BlockingScheduler:
    schedule = app.settings.schedule
    return BlockingScheduler(
        jobstores={"default": store},
        # One worker: a monthly slot that comes during a long nightly run
        # queues behind it instead of being refused by the run lock.
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": schedule.misfire_grace_hours * 3600,
        },
        timezone=ZoneInfo(schedule.timezone),
    )


def _job_args(
    app: App, config: str | None, database_url: str | None, environ: Mapping[str, str]
) -> tuple[str, str | None, str | None]:
    """The jobs' arguments, which the job store keeps in the database.

    A database URL with a password is not stored: it goes into this process's
    environment instead, where each run's ``bootstrap`` finds it."""
    config_path = config or environ.get("ONTZORGING_CONFIG") or None
    if config_path:
        config_path = os.path.abspath(config_path)
    url = database_url or environ.get("ONTZORGING_DATABASE_URL") or app.home.database_url
    if make_url(url).password is not None:
        os.environ["ONTZORGING_DATABASE_URL"] = url
        return str(app.home.root), config_path, None
    return str(app.home.root), config_path, url


def _stored_next_run_times(
    scheduler: BlockingScheduler, store: SQLAlchemyJobStore
) -> dict[str, datetime]:
    """Next run times the job store kept from the previous process, if any."""
    try:
        store.start(scheduler, "default")  # creates the table if missing; idempotent
        return {
            job.id: job.next_run_time
            for job in store.get_all_jobs()
            if job.next_run_time is not None
        }
    except Exception as exc:  # an unreadable store must not stop the daemon
        _event(logging.WARNING, "jobstore_unreadable", error_type=type(exc).__name__)
        return {}


def _log_started(scheduler: BlockingScheduler) -> None:
    for job in scheduler.get_jobs():
        _event(
            logging.INFO,
            "job_scheduled",
            job=job.id,
            next_run=job.next_run_time.isoformat() if job.next_run_time else None,
            trigger=str(job.trigger),
        )
    _event(logging.INFO, "scheduler_started", jobs=len(scheduler.get_jobs()))


def _request_stop(signum: int, frame: FrameType | None) -> None:
    """Leave the scheduler's main loop by an exception, but only while it is
    idle in its wait: raised anywhere else (say inside APScheduler's own
    ``except BaseException`` around submitting a job) it could be swallowed.
    When busy, the signal is sent again shortly."""
    if _idle_in_main_loop(frame):
        raise _StopRequested(signum)
    threading.Timer(0.1, os.kill, (os.getpid(), signum)).start()


def _idle_in_main_loop(frame: FrameType | None) -> bool:
    while frame is not None and frame.f_code.co_filename == threading.__file__:
        frame = frame.f_back
    return frame is not None and frame.f_code.co_name == "_main_loop"


def _ignore_while_stopping(signum: int, _frame: FrameType | None) -> None:
    _event(
        logging.WARNING,
        "shutdown_in_progress",
        signal=signal.Signals(signum).name,
        msg="still waiting for the running job; SIGKILL forces",
    )


# -- structured logging ---------------------------------------------------------


def _event(level: int, event: str, **fields: Any) -> None:
    log.log(level, event, extra={"fields": fields})


def configure_logging(stream: Any = None) -> None:
    """Structured lines on stderr: our events at INFO, other libraries' at WARNING."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if not is_home_log(old):  # the data home's log file stays
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    log.setLevel(logging.INFO)
