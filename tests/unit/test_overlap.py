"""Writing pages behind computing: same result as in turn, never a read
during a write, errors surface and never race the caller's rollback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from ontzorging.adapters.overlap import read_ahead, write_pages


class Recorder:
    """Pages 0..n-1 whose reads check that no write is in flight."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.writing = threading.Event()
        self.events: list[str] = []
        self.written: list[int] = []

    def pages(self) -> Iterator[int]:
        for n in range(self.count):
            assert not self.writing.is_set(), f"page {n} read during a write"
            self.events.append(f"read {n}")
            yield n

    def compute(self, n: int) -> int:
        self.events.append(f"compute {n}")
        return n * 10

    def write(self, rows: int) -> None:
        self.writing.set()
        try:
            time.sleep(0.01)  # long enough for a read to slip in, if it could
            self.written.append(rows)
        finally:
            self.writing.clear()


@pytest.mark.parametrize("overlap", [False, True])
def test_every_page_is_computed_and_written_once_in_order(overlap: bool) -> None:
    recorder = Recorder(12)
    write_pages(recorder.pages(), recorder.compute, recorder.write, overlap=overlap)
    assert recorder.written == [n * 10 for n in range(12)]


def test_no_pages_writes_nothing() -> None:
    recorder = Recorder(0)
    write_pages(recorder.pages(), recorder.compute, recorder.write, overlap=True)
    assert recorder.written == []


def test_the_next_page_is_computed_while_the_previous_one_is_written() -> None:
    computed_second = threading.Event()
    overlapped: list[bool] = []

    def compute(n: int) -> int:
        if n == 1:
            computed_second.set()
        return n

    def write(n: int) -> None:
        if n == 0:
            # In turn, page 1 is computed only after this write returns.
            overlapped.append(computed_second.wait(timeout=5))

    write_pages(iter(range(3)), compute, write, overlap=True)
    assert overlapped == [True]


def test_a_failed_write_is_raised_and_nothing_after_it_is_written() -> None:
    written: list[int] = []

    def write(n: int) -> None:
        if n == 2:
            raise RuntimeError("disk full")
        written.append(n)

    with pytest.raises(RuntimeError, match="disk full"):
        write_pages(iter(range(6)), lambda n: n, write, overlap=True)
    assert written == [0, 1]


def test_a_failed_computation_waits_for_the_write_in_flight() -> None:
    finished: list[int] = []

    def compute(n: int) -> int:
        if n == 1:
            raise ValueError("bad facts")
        return n

    def write(n: int) -> None:
        time.sleep(0.05)
        finished.append(n)

    with pytest.raises(ValueError, match="bad facts"):
        write_pages(iter(range(3)), compute, write, overlap=True)
    # By the time the error reaches the caller (who rolls back), page 0's
    # write has finished: it did not run on under the rollback.
    assert finished == [0]


def test_read_ahead_reads_the_next_page_while_the_caller_works() -> None:
    read: list[int] = []

    def pages() -> Iterator[int]:
        for n in range(4):
            read.append(n)
            yield n

    seen = []
    for page in read_ahead(pages()):
        time.sleep(0.05)  # the caller's work: the next read has happened meanwhile
        seen.append((page, max(read)))
    assert seen == [(0, 1), (1, 2), (2, 3), (3, 3)]


def test_read_ahead_raises_a_read_error_at_its_page() -> None:
    def pages() -> Iterator[int]:
        yield 0
        raise OSError("connection lost")

    got = []
    with pytest.raises(OSError, match="connection lost"):
        for page in read_ahead(pages()):
            got.append(page)
    assert got == [0]


def test_closing_read_ahead_waits_for_the_read_in_flight() -> None:
    finished: list[int] = []

    def pages() -> Iterator[int]:
        for n in range(3):
            time.sleep(0.05)
            finished.append(n)
            yield n

    ahead = read_ahead(pages())
    assert next(ahead) == 0
    ahead.close()  # the caller failed: the read of page 1 is in flight
    assert finished == [0, 1]  # it finished before close() returned; nothing after it
