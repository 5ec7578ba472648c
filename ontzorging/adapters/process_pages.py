"""Pages of a bulk run worked on by a pool of processes, one per processor.

Rendering a hundred thousand documents is Python work, and Python's threads
share one interpreter lock: on a machine of two cores a second thread adds
nothing. A worker process has an interpreter of its own. Each worker opens
its own database connection (from the URL, in :func:`worker_engine`), takes a
page, does all of it (read, render, write its files) and hands back a small
result. The parent hands the pages out in order, keeps at most
``IN_FLIGHT_PER_WORKER`` pages per worker queued (memory stays bounded by a
few pages however large the register), and yields the results in page order.

The workers are *spawned* (a fresh interpreter): nothing of the parent is
inherited, no connection, no lock another thread held at the moment of a
fork. An error in a worker is raised in the parent at its page; the pages not
yet started are cancelled and the pool is shut down before it is raised. A
worker whose parent is killed (SIGKILL: no shutdown) notices within a second
and exits.

Only a database other processes can open can be shared this way: an
in-memory SQLite database cannot (:func:`shareable_url` says None).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from ontzorging.adapters.db import make_engine

Page = TypeVar("Page")
Result = TypeVar("Result")

# More processes than this add memory (each holds an interpreter, its
# templates and a connection), not speed, for the documents we render.
MAX_WORKERS = 4
# Pages queued per worker: one being worked on and one waiting.
IN_FLIGHT_PER_WORKER = 2

# A worker whose parent died (killed, say) exits within this many seconds,
# instead of idling on for ever with an open database connection.
PARENT_CHECK_SECONDS = 1.0

_engine: Engine | None = None  # the worker process's own engine


class WorkerStopped(RuntimeError):
    """A worker process ended without finishing its page (killed, or out of memory)."""


def default_workers() -> int:
    """One worker per processor this process may use, at most MAX_WORKERS."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, available))


def shareable_url(conn: Connection) -> str | None:
    """The URL another process opens to read what ``conn`` reads (password
    included: it goes to the workers through a pipe, never to a log or an
    argument list); None for an in-memory SQLite database."""
    url = conn.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def worker_engine() -> Engine:
    """In a worker process: its engine (made by the pool's initializer)."""
    if _engine is None:
        raise RuntimeError("worker_engine() is for a worker process of map_pages")
    return _engine


def _start_worker(
    parent: int, url: str, initializer: Callable[..., None] | None, args: tuple[Any, ...]
) -> None:
    global _engine
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _engine = make_engine(url)
    if initializer is not None:
        initializer(*args)


def _exit_with(parent: int) -> None:
    """In a worker: end this process once ``parent`` is no longer its parent
    (a parent killed with SIGKILL cannot shut its pool down)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def map_pages(
    pages: Iterable[Page],
    task: Callable[[Page], Result],
    url: str,
    workers: int,
    *,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Generator[Result, None, None]:
    """``task(page)`` for each page, in ``workers`` spawned processes, the
    results in page order. ``task`` and ``initializer`` must be module-level
    functions (they are sent to the workers by name); ``initializer(*initargs)``
    runs once in each worker after its engine is made."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(), url, initializer, initargs),
    )
    queued: deque[Future[Result]] = deque()
    try:
        for page in pages:
            queued.append(pool.submit(task, page))
            if len(queued) >= workers * IN_FLIGHT_PER_WORKER:
                yield queued.popleft().result()
        while queued:
            yield queued.popleft().result()
    except BrokenProcessPool as exc:
        raise WorkerStopped(
            "a worker process stopped before finishing its page (killed, or out of memory); "
            "what the workers wrote stays, and running again redoes the whole run"
        ) from exc
    finally:
        # Normal end: nothing left. An error, or the caller stopping early:
        # the pages not started are dropped, those started are waited for
        # (a worker is never left writing behind the caller's back).
        pool.shutdown(wait=True, cancel_futures=True)
