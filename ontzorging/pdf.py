"""PDF copies of HTML overviews, printed by headless Chromium.

Setting-free: PDFs are made when Chromium is installed and skipped cleanly
when it is not. Each file is one Chromium process (about 2 s and 200 MB), so
files are printed a few at a time in parallel, each with its own throw-away
profile, and written atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# One overview prints in about 2 s; a hung browser is stopped after this.
PDF_TIMEOUT_SECONDS = 120
# Parallel Chromium processes: each takes about 200 MB of memory.
MAX_PDF_WORKERS = 4
# Lines of Chromium's error output kept in a failure message.
STDERR_TAIL_LINES = 3
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # No header and footer with the date and the file's path on each page.
    "--no-pdf-header-footer",
)


class PdfError(Exception):
    """Chromium could not print a file to PDF."""


class ChromiumMissing(PdfError):
    """PDFs were required but Chromium is not installed."""


def find_chromium() -> Path | None:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def chromium_for(pdf: bool | None) -> Path | None:
    """The Chromium to print with: None when not printing (``pdf`` False, or
    None without Chromium); ``pdf`` True without Chromium is an error."""
    if pdf is False:
        return None
    chromium = find_chromium()
    if chromium is None and pdf:
        raise ChromiumMissing(f"PDF output needs Chromium at {CHROMIUM}")
    return chromium


def print_to_pdf(html: Path, pdf: Path, chromium: Path) -> Path:
    """Print ``html`` to ``pdf`` (A4, as the page's ``@page`` rule says)."""
    temporary = pdf.with_name(f".{pdf.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tempfile.TemporaryDirectory(prefix="ontzorging-chromium-") as profile:
            command = [
                str(chromium),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--print-to-pdf={temporary}",
                html.resolve().as_uri(),
            ]
            returncode, stderr = _run(command)
        if returncode != 0 or not _is_pdf(temporary):
            tail = " | ".join(stderr.strip().splitlines()[-STDERR_TAIL_LINES:])
            raise PdfError(f"{html.name}: Chromium exited with {returncode}: {tail}")
        os.replace(temporary, pdf)
        return pdf
    finally:
        temporary.unlink(missing_ok=True)


def _run(command: Sequence[str]) -> tuple[int, str]:
    """Run Chromium in its own process group, so that a timeout stops its
    helper processes too."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=PDF_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return -1, f"timed out after {PDF_TIMEOUT_SECONDS} s"
    return process.returncode, stderr.decode("utf-8", "replace")


def _is_pdf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    except FileNotFoundError:
        return False


def print_all(
    jobs: Sequence[tuple[Path, Path]], chromium: Path, workers: int | None = None
) -> tuple[list[Path], list[str]]:
    """Print each (html, pdf) pair; returns the PDFs written and one message
    per failure (a failure does not stop the others)."""
    count = workers or min(MAX_PDF_WORKERS, os.cpu_count() or 1)
    written: list[Path] = []
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, count)) as pool:
        futures = [pool.submit(print_to_pdf, html, out, chromium) for html, out in jobs]
        for future in futures:
            try:
                written.append(future.result())
            except PdfError as exc:
                failures.append(str(exc))
    return written, failures
