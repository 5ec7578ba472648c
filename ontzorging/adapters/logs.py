"""The log: one logfmt line per event, on stderr and in ``logs/ontzorging.log``.

Every command logs (DESIGN.md 5.3): lines at ``--log-level`` (default
WARNING, or ``ONTZORGING_LOG_LEVEL``) go to stderr, and lines at INFO and
above are appended to ``<home>/logs/ontzorging.log`` (folder 0700, file
0600: the incident log, which holds tracebacks, is the same file). A line of
a run carries its ``run_id``.

No line carries a BSN: messages hold ids and counts only, and
:func:`mask_bsns` masks any nine-digit number as a last line of defence. It
masks nine digits only, not eight like
:func:`ontzorging.intake.parsing.problems.mask_digit_runs` does for input text: a
log line holds compact dates (``20261202T021512``, an incident reference),
and nothing from an input file is ever put into one."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from ontzorging.adapters.private_files import PRIVATE_FILE_MODE, private_dir

LOG_FILE: Final = "logs/ontzorging.log"
LOG_LEVEL_ENV: Final = "ONTZORGING_LOG_LEVEL"
LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_STDERR_LEVEL: Final = "WARNING"
FILE_LEVEL: Final = logging.INFO

log = logging.getLogger("ontzorging")
_run_id: ContextVar[int | None] = ContextVar("ontzorging_run_id", default=None)
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
_BARE = re.compile(r"[\w.:/+@-]+")


def mask_bsns(text: str) -> str:
    """``text`` with every run of exactly nine digits (a BSN) masked."""
    return _NINE_DIGITS.sub("*********", text)


def event(level: int, name: str, logger: logging.Logger = log, **fields: Any) -> None:
    """Log event ``name`` with ``key=value`` fields: ids, counts, statuses."""
    logger.log(level, name, extra={"fields": fields})


def bind_run(run_id: int | None) -> None:
    """From now on (in this thread) every line carries ``run_id``; None ends it."""
    _run_id.set(run_id)


class LogfmtFormatter(logging.Formatter):
    """One line per record: ``ts=... level=... logger=... event=... k=v``.

    Records logged with :func:`event` carry ``fields``; other records
    (libraries, plain ``log.warning(...)``) become ``event=log msg="..."``.
    Mappings are flattened (``counts.payments=11``); tracebacks are escaped
    onto the line; the whole line is BSN-masked."""

    def format(self, record: logging.LogRecord) -> str:
        has_fields = hasattr(record, "fields")
        fields: dict[str, Any] = getattr(record, "fields", None) or {}
        event_name = record.getMessage() if has_fields else "log"
        stamp = datetime.fromtimestamp(record.created).astimezone()
        pairs: list[tuple[str, Any]] = [
            ("ts", stamp.isoformat("T", "milliseconds")),
            ("level", record.levelname.lower()),
            ("logger", record.name),
            ("event", event_name),
        ]
        run_id = _run_id.get()
        if run_id is not None and "run_id" not in fields:
            pairs.append(("run_id", run_id))
        if not has_fields:
            pairs.append(("msg", record.getMessage()))
        pairs += _flatten("", fields)
        if record.exc_info and record.exc_info[1] is not None:
            pairs.append(("error_type", type(record.exc_info[1]).__name__))
            pairs.append(("traceback", self.formatException(record.exc_info)))
        return mask_bsns(" ".join(f"{key}={_value(value)}" for key, value in pairs))


def _flatten(prefix: str, fields: Mapping[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in fields.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            pairs += _flatten(f"{name}.", dict(sorted(value.items())))
        else:
            pairs.append((name, value))
    return pairs


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return json.dumps(text, ensure_ascii=False)


class _OurHandler(logging.StreamHandler):
    """A handler this module installed (and so may replace)."""


class _FileHandler(_OurHandler):
    pass


def is_home_log(handler: logging.Handler) -> bool:
    """Whether ``handler`` writes the data home's log file."""
    return isinstance(handler, _FileHandler)


def stderr_level(given: str | None) -> int:
    """``--log-level`` (click checked it), else ``ONTZORGING_LOG_LEVEL``; a
    level name that is none of :data:`LEVELS` there means the default (and
    :func:`configure` warns), so a typo never stops a run from cron."""
    name = (given or os.environ.get(LOG_LEVEL_ENV) or DEFAULT_STDERR_LEVEL).upper()
    return int(logging.getLevelName(name if name in LEVELS else DEFAULT_STDERR_LEVEL))


def configure(level: str | None = None) -> None:
    """Log to the current stderr at ``level``; our own loggers at INFO at
    least, for the file (see :func:`attach_file`)."""
    threshold = stderr_level(level)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
        if isinstance(old, _FileHandler):
            old.close()
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    handler.setLevel(threshold)
    root.addHandler(handler)
    root.setLevel(min(threshold, logging.WARNING))  # libraries: warnings, unless asked
    log.setLevel(min(threshold, FILE_LEVEL))
    wanted = (level or os.environ.get(LOG_LEVEL_ENV) or DEFAULT_STDERR_LEVEL).upper()
    if wanted not in LEVELS:
        event(logging.WARNING, "log_level_unknown", variable=LOG_LEVEL_ENV, using="WARNING")


def attach_file(home_root: Path) -> Path | None:
    """Also append INFO lines to the home's log; the path, or None when the
    home does not exist (a mistyped ``--home`` never becomes a folder) or the
    log cannot be written (the command still runs)."""
    root = logging.getLogger()
    if any(isinstance(h, _FileHandler) for h in root.handlers):
        return home_root / LOG_FILE
    if not home_root.is_dir():
        return None
    path = home_root / LOG_FILE
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        private_dir(path.parent)
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
        os.fchmod(fd, PRIVATE_FILE_MODE)
        stream = os.fdopen(fd, "a", encoding="utf-8")
    except OSError:
        return None
    handler = _FileHandler(stream)
    handler.setFormatter(LogfmtFormatter())
    handler.setLevel(FILE_LEVEL)
    root.addHandler(handler)
    return path


@contextmanager
def command_logged(command: str, home_root: Path, level: str | None) -> Iterator[None]:
    """Log a command's start and end (with its exit code) around it."""
    configure(level)
    attach_file(home_root)
    event(logging.INFO, "command_started", command=command, pid=os.getpid())
    exit_code: int | str | None = 0
    try:
        yield
    except SystemExit as exc:
        exit_code = exc.code if exc.code is not None else 0
        raise
    except BaseException:
        exit_code = "exception"
        raise
    finally:
        attach_file(home_root)  # `init` has just made the home
        event(logging.INFO, "command_finished", command=command, exit_code=exit_code)
        bind_run(None)
