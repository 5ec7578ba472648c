"""Worker processes of a bulk run never outlive a killed parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROGRAM = """
import time
from ontzorging.adapters.process_pages import map_pages
list(map_pages([60, 60, 60, 60], time.sleep, {url!r}, 2))
"""


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cmdline = (entry / "cmdline").read_bytes() if (entry / "cmdline").exists() else b""
            if int(fields[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A parent killed with SIGKILL cannot shut its pool down: its workers,
    busy or idle, end on their own within seconds (not idle on for ever with
    a database connection)."""
    url = f"sqlite:///{tmp_path / 'unused.db'}"
    parent = subprocess.Popen([sys.executable, "-c", PROGRAM.format(url=url)])
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = children_of(parent.pid)
        assert len(workers) == 2, "the two workers did not start"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 15
        while any(running(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [w for w in workers if running(w)]
    finally:
        if parent.poll() is None:
            parent.kill()
        for worker in workers:
            if running(worker):
                os.kill(worker, signal.SIGKILL)
