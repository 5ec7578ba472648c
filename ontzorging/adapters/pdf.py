"""PDF copies of HTML overviews, printed by headless Chromium.

Setting-free: PDFs are made when Chromium is installed and skipped cleanly
when it is not. A Chromium process per file would take about 2 s a file, so
each worker starts one headless Chromium and keeps it, driving it over the
DevTools protocol on a pipe (``--remote-debugging-pipe``: it reads commands on
file descriptor 3 and writes answers and events on 4, JSON messages each ended
by a NUL byte). The browser opens file after file in its target (tab) and
prints each with ``Page.printToPDF``, a fraction of a second a file. Each
browser has a throw-away profile and is always shut down; one that dies or
hangs is restarted and the next files go on; a file that fails is reported,
not raised. Each PDF is written atomically (a temporary file in the same
directory, then a rename).

A Chromium that does not answer on the pipe (say, a wrapper that closes file
descriptors 3 and 4) is used as before: one process per file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from ontzorging.domain.errors import OntzorgingError

CHROMIUM = Path("/usr/bin/chromium")
# One overview prints in about 0.3 s; a file that takes longer than this fails
# and its browser (perhaps hung) is restarted.
PDF_TIMEOUT_SECONDS = 60
# A browser prints file after file in one target (tab), replaced after this
# many files, so that whatever a page leaves behind cannot pile up.
FILES_PER_TARGET = 100
# Starting a browser takes about 1 s (more on a busy machine).
BROWSER_START_TIMEOUT_SECONDS = 30
# Waited for a browser to close on request before it is killed.
BROWSER_CLOSE_SECONDS = 5
# Parallel browsers: one per processor is enough (each takes about 400 MB).
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
)
# Only for printing from the command line, one process per file: no header and
# footer with the date and the file's path on each page. Not for the browser on
# the pipe: this flag puts headless Chromium in its one-command mode, in which
# the renderers of the targets opened over the pipe are killed.
ONE_SHOT_FLAGS = ("--no-pdf-header-footer",)
# Page.printToPDF: the size and margins of the page's @page rule; A4 (in
# inches) for a page without one.
PRINT_OPTIONS: dict[str, Any] = {
    "printBackground": True,
    "displayHeaderFooter": False,
    "preferCSSPageSize": True,
    "paperWidth": 210 / 25.4,
    "paperHeight": 297 / 25.4,
    # Accessibility: a tagged PDF, and bookmarks from the headings (a print
    # batch finds the first page of each letter from them).
    "generateTaggedPDF": True,
    "generateDocumentOutline": True,
}

_log = logging.getLogger(__name__)


class PdfError(OntzorgingError):
    """Chromium could not print a file to PDF."""

    code = "pdf_failed"


class ChromiumMissing(PdfError):
    """PDFs were required but Chromium is not installed."""

    code = "chromium_missing"


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
    """Print ``html`` to ``pdf`` (A4, as the page's ``@page`` rule says).

    One file starts and stops a browser; :func:`print_all` keeps it."""
    with _Printer(chromium) as printer:
        return printer.print(html, pdf)


def print_all(
    jobs: Sequence[tuple[Path, Path]], chromium: Path, workers: int | None = None
) -> tuple[list[Path], list[str]]:
    """Print each (html, pdf) pair; returns the PDFs written (in the order of
    ``jobs``) and one message per failure (a failure does not stop the others).

    ``workers`` long-lived browsers (default: one per processor, at most
    :data:`MAX_PDF_WORKERS`) take the files one at a time."""
    jobs = list(jobs)
    results: list[Path | str | None] = [None] * len(jobs)

    def done(index: int, result: Path | str) -> None:
        results[index] = result

    print_each(enumerate(jobs), chromium, done, workers=workers, count=len(jobs))
    written = [result for result in results if isinstance(result, Path)]
    failures = [result for result in results if isinstance(result, str)]
    return written, failures


Key = TypeVar("Key")


def print_each(
    jobs: Iterable[tuple[Key, tuple[Path, Path]]],
    chromium: Path,
    done: Callable[[Key, Path | str], None],
    *,
    workers: int | None = None,
    count: int | None = None,
    timeout: float | None = None,
) -> None:
    """Print each job's (html, pdf) as the browsers become free, taking the
    jobs from ``jobs`` only then (so a producer can make the next file while
    the browsers print); ``done(key, pdf or failure message)`` is called on
    the worker's thread after each. ``count``: how many jobs, when known (no
    more browsers than jobs). ``timeout``: seconds a file may take."""
    wanted = workers or min(MAX_PDF_WORKERS, os.cpu_count() or 1)
    browsers = max(1, min(wanted, count if count is not None else wanted))
    if count == 0:
        return
    pending = iter(jobs)
    lock = threading.Lock()
    stop = threading.Event()

    def work() -> None:
        try:
            with _Printer(chromium) as printer:
                while not stop.is_set():
                    with lock:
                        item = next(pending, None)
                    if item is None:
                        return
                    key, (html, pdf) = item
                    try:
                        result: Path | str = printer.print(html, pdf, timeout)
                    except PdfError as exc:
                        result = str(exc)
                    done(key, result)
        except BaseException:
            stop.set()  # an unexpected error: the others stop after their current file
            raise

    with ThreadPoolExecutor(max_workers=browsers, thread_name_prefix="pdf") as pool:
        futures = [pool.submit(work) for _ in range(browsers)]
        try:
            for future in futures:
                future.result()
        except BaseException:  # also KeyboardInterrupt while waiting here
            stop.set()
            raise


# --- One worker: a long-lived browser, restarted when it dies ------------------------


class _Printer:
    """Prints files one after another with one browser, started when first
    needed and again after it died or hung; closed on leaving the ``with``."""

    def __init__(self, chromium: Path) -> None:
        self._chromium = chromium
        self._browser: _Browser | None = None
        self._pipe = True  # False: this Chromium does not answer on the pipe

    def __enter__(self) -> _Printer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop_browser()

    def print(self, html: Path, pdf: Path, timeout: float | None = None) -> Path:
        timeout = PDF_TIMEOUT_SECONDS if timeout is None else timeout
        if not html.is_file():
            raise PdfError(f"{html.name}: no such file: {html}")
        # A browser that dies while printing gets one more try on a new one;
        # a file that kills it twice fails.
        for attempt in (1, 2):
            browser = self._running_browser()
            if browser is None:
                return _print_once(html, pdf, self._chromium)
            try:
                data = browser.print_page(html, timeout)
            except _BrowserLost as exc:
                self._stop_browser()
                if attempt == 2:
                    raise PdfError(f"{html.name}: Chromium stopped while printing: {exc}") from exc
                continue
            except _Timeout as exc:
                browser.broken = True  # not asked to close: killed
                self._stop_browser()
                raise PdfError(f"{html.name}: timed out after {timeout:.0f} s") from exc
            except _PageFailed as exc:
                raise PdfError(f"{html.name}: {exc}") from exc
            finally:
                if self._browser is not None and self._browser.broken:
                    self._stop_browser()
            _write_atomically(pdf, data, html)
            return pdf
        raise AssertionError("unreachable")

    def _running_browser(self) -> _Browser | None:
        if self._browser is None and self._pipe:
            try:
                self._browser = _Browser(self._chromium)
            except PdfError as exc:
                self._pipe = False
                _log.warning("%s; printing with one Chromium process per file", exc)
        return self._browser

    def _stop_browser(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            browser.close()


def _write_atomically(pdf: Path, data: bytes, html: Path) -> None:
    if not data.startswith(b"%PDF-"):
        raise PdfError(f"{html.name}: Chromium did not return a PDF")
    temporary = pdf.with_name(f".{pdf.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
        os.replace(temporary, pdf)
    except OSError as exc:
        raise PdfError(f"{html.name}: could not write {pdf}: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)


# --- The browser and its DevTools pipe ---------------------------------------------


class _BrowserLost(Exception):
    """The browser closed the pipe (it exited or crashed)."""


class _Timeout(Exception):
    """No answer in time: the browser may hang."""


class _PageFailed(Exception):
    """This page could not be printed; the browser is fine."""


class _Browser:
    """One headless Chromium with a throw-away profile, driven over
    ``--remote-debugging-pipe``. Not thread-safe: one worker uses it."""

    def __init__(self, chromium: Path) -> None:
        self.broken = False  # a target could not be closed: restart before the next file
        self._next_id = 0
        self._buffer = bytearray()
        self._scanned = 0  # bytes of the buffer known to hold no NUL
        self._events: list[dict[str, Any]] = []
        self._page: tuple[str, str] | None = None  # target and session
        self._printed = 0  # files printed in this target
        self._directory = tempfile.TemporaryDirectory(
            prefix="ontzorging-chromium-", ignore_cleanup_errors=True
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._commands = self._answers = -1
        try:
            self._start(chromium)
        except BaseException:
            self.close()
            raise

    def _start(self, chromium: Path) -> None:
        directory = Path(self._directory.name)
        self._log = (directory / "chromium.log").open("w+b")
        child_in, self._commands = os.pipe()
        self._answers, child_out = os.pipe()
        # subprocess can put descriptors on 0 and 1 but nowhere else (short of a
        # preexec_fn, unsafe with threads): the shell moves them on to 3 and 4.
        trampoline = 'exec "$@" 3<&0 4>&1 0</dev/null 1>/dev/null'
        command = [
            str(chromium),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={directory / 'profile'}",
            "--remote-debugging-pipe",
        ]
        try:
            # Its own session, so that closing stops its helper processes too.
            self._process = subprocess.Popen(
                ["/bin/sh", "-c", trampoline, "chromium", *command],
                stdin=child_in,
                stdout=child_out,
                stderr=self._log,
                start_new_session=True,
            )
        finally:
            os.close(child_in)
            os.close(child_out)
        os.set_blocking(self._commands, False)
        started = time.monotonic() + BROWSER_START_TIMEOUT_SECONDS
        try:
            self.call("Browser.getVersion", deadline=started)
        except (_BrowserLost, _Timeout, _PageFailed) as exc:
            why = self._why(exc)
            raise PdfError(f"Chromium does not answer on the DevTools pipe: {why}") from exc

    def _why(self, exc: Exception) -> str:
        """Why the browser failed: its exit status and its last error lines."""
        reason = str(exc)
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=1)
            if self._process.returncode is not None:
                reason = f"exited with {self._process.returncode}"
        tail = " | ".join(self._stderr().strip().splitlines()[-STDERR_TAIL_LINES:])
        return f"{reason}: {tail}" if tail else reason

    def _stderr(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    # --- Printing

    def print_page(self, html: Path, timeout: float | None = None) -> bytes:
        """``html`` opened in this browser's target (tab) and printed. The target
        is opened for the first file and replaced after a failure and after
        :data:`FILES_PER_TARGET` files."""
        deadline = time.monotonic() + (PDF_TIMEOUT_SECONDS if timeout is None else timeout)
        self._events.clear()
        try:
            if self._page is None:
                self._page = self._open_target(deadline)
            session = self._page[1]
            navigation = self.call(
                "Page.navigate", {"url": html.resolve().as_uri()}, session, deadline=deadline
            )
            if navigation.get("errorText"):
                raise _PageFailed(f"could not open: {navigation['errorText']}")
            loader = navigation.get("loaderId")

            def loaded(event: dict[str, Any]) -> bool:
                params = event.get("params", {})
                return (
                    event.get("sessionId") == session
                    and event.get("method") == "Page.lifecycleEvent"
                    and params.get("name") == "load"
                    and (loader is None or params.get("loaderId") == loader)
                )

            self._wait_for(loaded, session, deadline)
            result = self.call("Page.printToPDF", PRINT_OPTIONS, session, deadline=deadline)
            data = base64.b64decode(result["data"])
        except _PageFailed:
            self._close_target()
            raise
        self._printed += 1
        if self._printed >= FILES_PER_TARGET:
            self._close_target()
        return data

    def _open_target(self, deadline: float) -> tuple[str, str]:
        target_id = self.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)[
            "targetId"
        ]
        self._page = (target_id, "")  # closed again if the rest fails
        session = self.call(
            "Target.attachToTarget", {"targetId": target_id, "flatten": True}, deadline=deadline
        )["sessionId"]
        self.call("Page.enable", session=session, deadline=deadline)
        # Page.lifecycleEvent tells the load of which navigation (loaderId).
        self.call("Page.setLifecycleEventsEnabled", {"enabled": True}, session, deadline=deadline)
        self._printed = 0
        return target_id, session

    def _close_target(self) -> None:
        """Close the target; a browser that cannot is marked broken, so that it
        is restarted (after this file's PDF, if it has one, is written)."""
        page, self._page = self._page, None
        if page is None or self.broken:
            return
        try:
            self.call(
                "Target.closeTarget",
                {"targetId": page[0]},
                deadline=time.monotonic() + BROWSER_CLOSE_SECONDS,
            )
        except _PageFailed:
            pass  # a crashed target may be gone already
        except (_BrowserLost, _Timeout):
            self.broken = True

    # --- The protocol

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        *,
        deadline: float,
    ) -> dict[str, Any]:
        """Send a command and wait for its answer; events that come meanwhile
        are kept for :meth:`_wait_for`."""
        self._next_id += 1
        number = self._next_id
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._send(json.dumps(message).encode("utf-8") + b"\0", deadline)
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == number:
                if "error" in answer:
                    error = answer["error"]
                    raise _PageFailed(f"{method}: {error.get('message', error)}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            if "method" in answer:
                self._check_crash(answer, session)
                self._events.append(answer)
            # An answer to an earlier command (one that timed out) is dropped.

    def _wait_for(
        self, wanted: Callable[[dict[str, Any]], bool], session: str, deadline: float
    ) -> dict[str, Any]:
        for index, event in enumerate(self._events):
            if wanted(event):
                del self._events[: index + 1]
                return event
        self._events.clear()
        while True:
            message = self._receive(deadline)
            if "method" in message:
                self._check_crash(message, session)
                if wanted(message):
                    return message

    @staticmethod
    def _check_crash(event: dict[str, Any], session: str | None) -> None:
        if session is None:
            return
        method = event.get("method")
        if method == "Inspector.targetCrashed" and event.get("sessionId") == session:
            raise _PageFailed("the page crashed")
        if (
            method == "Target.detachedFromTarget"
            and event.get("params", {}).get("sessionId") == session
        ):
            raise _PageFailed("the page was closed")

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        poller = select.poll()
        poller.register(self._commands, select.POLLOUT)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout("could not send a command in time")
            if not poller.poll(remaining * 1000):
                continue
            try:
                written = os.write(self._commands, view)
            except BlockingIOError:
                continue
            except OSError as exc:  # BrokenPipeError: the browser is gone
                raise _BrowserLost(str(exc)) from exc
            view = view[written:]

    def _receive(self, deadline: float) -> dict[str, Any]:
        poller = select.poll()
        poller.register(self._answers, select.POLLIN)
        while True:
            end = self._buffer.find(b"\0", self._scanned)
            if end >= 0:
                raw = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                self._scanned = 0
                message: dict[str, Any] = json.loads(raw)
                return message
            self._scanned = len(self._buffer)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout("no answer in time")
            if not poller.poll(remaining * 1000):
                continue
            try:
                chunk = os.read(self._answers, 1 << 20)
            except OSError as exc:
                raise _BrowserLost(str(exc)) from exc
            if not chunk:
                raise _BrowserLost("Chromium closed the DevTools pipe")
            self._buffer += chunk

    # --- Closing

    def close(self) -> None:
        """Ask the browser to close, kill what is left of it, and remove its
        profile. Safe to call more than once."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None and not self.broken:
                with contextlib.suppress(_BrowserLost, _Timeout, _PageFailed):
                    self._send(
                        json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0",
                        time.monotonic() + 1,
                    )
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=BROWSER_CLOSE_SECONDS)
            # Its helpers (and the browser itself, if it would not close).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for fd in (self._commands, self._answers):
            if fd >= 0:
                os.close(fd)
        self._commands = self._answers = -1
        if self._log is not None:
            self._log.close()
            self._log = None
        self._directory.cleanup()


# --- Without the pipe: one process per file --------------------------------------------


def _print_once(html: Path, pdf: Path, chromium: Path) -> Path:
    """Print one file with a Chromium process of its own (about 2 s)."""
    temporary = pdf.with_name(f".{pdf.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tempfile.TemporaryDirectory(prefix="ontzorging-chromium-") as profile:
            command = [
                str(chromium),
                *CHROMIUM_FLAGS,
                *ONE_SHOT_FLAGS,
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
