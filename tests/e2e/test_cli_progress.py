"""A progress bar on a terminal (stderr a TTY), none under ``--json`` or
without a terminal: the demo runs its months through a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

BAR = "━"  # Rich draws its bar with this character


def _demo(home: Path, *extra: str, terminal: bool) -> tuple[int, str, str]:
    """Run ``ontzorging demo`` with stderr on a pseudo-terminal (or a pipe):
    exit code, stdout, stderr."""
    env = {
        **os.environ,
        "ONTZORGING_HOME": str(home),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "ONTZORGING_CONFIG": "",
    }
    env.pop("ONTZORGING_DATABASE_URL", None)
    command = [
        sys.executable,
        "-c",
        "from ontzorging.entrypoints.cli import main; main()",
        "demo",
        *extra,
    ]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout, done.stderr
    controller, terminal_fd = pty.openpty()
    out_path = home.parent / "stdout.txt"
    with out_path.open("wb") as out:  # a file, not a pipe: the --json document is large
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=terminal_fd, stdin=subprocess.DEVNULL
        )
    os.close(terminal_fd)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    os.close(controller)
    process.wait(timeout=600)
    stdout = out_path.read_text(encoding="utf-8")
    return process.returncode, stdout, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("as_json", [False, True])
def test_a_bar_on_a_terminal_only_without_json(tmp_path: Path, as_json: bool) -> None:
    extra = ("--json",) if as_json else ()
    code, stdout, stderr = _demo(tmp_path / "home", *extra, terminal=True)
    assert code == 0, stderr
    assert (BAR in stderr) is not as_json
    if not as_json:
        assert "demo months" in stderr
    else:
        assert BAR not in stdout


def test_no_bar_without_a_terminal(tmp_path: Path) -> None:
    code, stdout, stderr = _demo(tmp_path / "home", terminal=False)
    assert code == 0, stderr
    assert BAR not in stderr and BAR not in stdout
    log = (tmp_path / "home" / "logs" / "ontzorging.log").read_text(encoding="utf-8")
    assert "event=progress" in log and "stage=allocation" in log
