"""Computing the next page while the previous one is written.

A bulk run spends its time in two places: Python computing rows, and the
database storing them (SQLite's engine runs without holding Python's lock,
PostgreSQL in its own process). Done one after the other, each waits for the
other; with the write on a background thread they overlap.

Reads and writes share one connection and one transaction, so they never run
at the same time: the next page is read after the previous write has
finished and before the next write starts. Only computing overlaps writing.

Overlap pays only where the database works outside this process. Python's
sqlite3 holds the interpreter lock while it binds each row and lets go of it
only for SQLite's own step, so a writer thread and a computing thread mostly
wait for each other: 100,000 households took 21 s overlapped against 18 s in
turn on SQLite, and 36-40 s against 62 s on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from itertools import islice
from typing import TypeVar

Facts = TypeVar("Facts")
Rows = TypeVar("Rows")


def write_pages(
    pages: Iterable[Facts],
    compute: Callable[[Facts], Rows],
    write: Callable[[Rows], None],
    *,
    overlap: bool,
) -> None:
    """For each page read from ``pages``: ``compute`` its rows, then ``write``
    them; with ``overlap``, on a background thread while the next page is
    computed.

    Returns when the last write has finished. An error in a write is raised
    here; an error in computing waits for the write in flight to finish first,
    so the caller's rollback never races a write."""
    if not overlap:
        for facts in pages:
            write(compute(facts))
        return
    reads = iter(pages)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-behind") as writer:
        in_flight: Future[None] | None = None
        upcoming = list(islice(reads, 1))
        while upcoming:
            rows = compute(upcoming[0])
            if in_flight is not None:
                in_flight.result()
            upcoming = list(islice(reads, 1))  # nothing is being written now
            in_flight = writer.submit(write, rows)
        if in_flight is not None:
            in_flight.result()


def read_ahead(pages: Iterable[Facts]) -> Generator[Facts, None, None]:
    """The pages of ``pages``, each read on a background thread while the
    caller works on the one before (render and write files, say): at most
    two pages in memory. Only the background thread touches what ``pages``
    reads from (a connection), so the reads never run at the same time.
    An error in reading is raised here, at the page it happened."""
    reads = iter(pages)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        upcoming: Future[list[Facts]] = reader.submit(lambda: list(islice(reads, 1)))
        while True:
            page = upcoming.result()
            if not page:
                return
            upcoming = reader.submit(lambda: list(islice(reads, 1)))
            try:
                yield page[0]
            except GeneratorExit:
                # The read in flight finishes before the caller goes on; its
                # error, if any, gives way to the caller's.
                with suppress(Exception):
                    upcoming.result()
                raise
