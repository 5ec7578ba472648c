"""Progress of long work: a bar on a terminal, log lines elsewhere.

The use cases know nothing of terminals: they take a :data:`Progress`
callback (default :func:`no_progress`) and call it with the stage, the work
done and the total. The entry point chooses what the calls become
(:func:`reporting`): a Rich bar on stderr when stderr is a terminal and the
output is not ``--json``; otherwise an INFO log line per stage at most every
:data:`LOG_EVERY_SECONDS` (and when a stage ends), for cron and the
scheduler."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Final, TypeVar

from ontzorging.adapters.logs import event

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: ``total`` None when not known."""

LOG_EVERY_SECONDS: Final = 30.0
"""How often a non-interactive run says how far it is: often enough to see
it move in the log, rarely enough not to fill it."""

T = TypeVar("T")
_log = logging.getLogger("ontzorging.adapters.progress")


def no_progress(_stage: str, _done: int, _total: int | None) -> None:
    """The default: say nothing."""


def pages_counted(
    pages: Iterable[list[T]], stage: str, total: int | None, progress: Progress
) -> Iterator[list[T]]:
    """``pages`` unchanged, reporting the rows passed after each page."""
    done = 0
    for page in pages:
        yield page
        done += len(page)
        progress(stage, done, total)


class _LogProgress:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = self._clock()
        finished = total is not None and done >= total
        if not finished and now - self._last.get(stage, -LOG_EVERY_SECONDS) < LOG_EVERY_SECONDS:
            return
        self._last[stage] = now
        event(logging.INFO, "progress", _log, stage=stage, done=done, total=total)


@contextmanager
def reporting(stream: IO[str], as_json: bool) -> Iterator[Progress]:
    """The progress callback for a command writing to ``stream`` (stderr)."""
    if as_json or not _is_terminal(stream):
        yield _LogProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bars

    bars = Bars(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=False,
    )
    tasks: dict[str, Any] = {}
    log_too = _LogProgress()

    def show(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)
        log_too(stage, done, total)

    with bars:
        yield show


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
