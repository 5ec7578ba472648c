"""Printing to PDF with real headless Chromium, one long-lived browser per
worker on the DevTools pipe: the text is in the PDF, a file that fails is
reported without stopping the others, a browser that dies or hangs is
replaced, and no browser outlives the call."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ontzorging.adapters import pdf as pdf_output

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4; margin: 15mm; }} body {{ font-family: sans-serif; }}</style>
</head><body><h1>{title}</h1><p>Uitbetaald aan u: {amount}</p>{extra}</body></html>
"""
# Never finishes loading: the renderer is busy forever.
HANGING = "<script>for (;;) {}</script>"


def write_page(directory: Path, name: str, extra: str = "") -> Path:
    path = directory / f"{name}.nl.html"
    title = f"Maandoverzicht {name}"
    path.write_text(PAGE.format(title=title, amount=f"€ {len(name)},00", extra=extra), "utf-8")
    return path


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def jobs_for(directory: Path, names: list[str]) -> list[tuple[Path, Path]]:
    out = directory / "pdf"
    out.mkdir(exist_ok=True)
    return [(directory / f"{n}.nl.html", out / f"{n}.nl.pdf") for n in names]


def test_several_files_print_and_a_missing_one_is_reported(
    chromium: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    names = [f"H{i:03d}" for i in range(6)]
    for name in names:
        write_page(tmp_path, name)
    jobs = jobs_for(tmp_path, [*names[:3], "MISSING", *names[3:]])
    written, failures = pdf_output.print_all(jobs, chromium, workers=2)
    assert written == [pdf for html, pdf in jobs if html.exists()]
    (failure,) = failures
    assert "MISSING.nl.html" in failure
    for name, pdf in zip(names, written, strict=True):
        assert pdf.read_bytes().startswith(b"%PDF-")
        text = text_of(pdf)
        assert f"Maandoverzicht {name}" in text
        assert "Uitbetaald aan u: € 4,00" in text
    info = subprocess.run(["pdfinfo", str(written[0])], capture_output=True, text=True)
    if info.returncode == 0:
        assert "(A4)" in info.stdout
    assert not [p for p in (tmp_path / "pdf").iterdir() if p.name.startswith(".")]
    assert "one Chromium process per file" not in caplog.text  # on the pipe


def test_print_to_pdf_prints_one_file_and_raises_for_a_missing_one(
    chromium: Path, tmp_path: Path
) -> None:
    html = write_page(tmp_path, "A")
    pdf = pdf_output.print_to_pdf(html, tmp_path / "A.nl.pdf", chromium)
    assert "Maandoverzicht A" in text_of(pdf)
    with pytest.raises(pdf_output.PdfError, match=r"B\.nl\.html"):
        pdf_output.print_to_pdf(tmp_path / "B.nl.html", tmp_path / "B.nl.pdf", chromium)
    assert not (tmp_path / "B.nl.pdf").exists()


def test_a_hanging_page_times_out_and_the_others_go_on(
    chromium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_output, "PDF_TIMEOUT_SECONDS", 5)
    write_page(tmp_path, "A")
    write_page(tmp_path, "HANG", HANGING)
    write_page(tmp_path, "B")
    jobs = jobs_for(tmp_path, ["A", "HANG", "B"])
    written, failures = pdf_output.print_all(jobs, chromium, workers=1)
    assert [p.name for p in written] == ["A.nl.pdf", "B.nl.pdf"]
    (failure,) = failures
    assert failure == "HANG.nl.html: timed out after 5 s"  # on the pipe
    assert "Maandoverzicht B" in text_of(written[1])


def test_a_browser_that_dies_is_restarted(chromium: Path, tmp_path: Path) -> None:
    for name in ("A", "B"):
        write_page(tmp_path, name)
    with pdf_output._Printer(chromium) as printer:
        printer.print(tmp_path / "A.nl.html", tmp_path / "A.nl.pdf")
        browser = printer._browser
        assert browser is not None and browser._process is not None
        os.killpg(browser._process.pid, signal.SIGKILL)
        printer.print(tmp_path / "B.nl.html", tmp_path / "B.nl.pdf")
        assert printer._browser is not browser
    assert "Maandoverzicht B" in text_of(tmp_path / "B.nl.pdf")


def test_the_browsers_are_shut_down_on_an_exception(
    chromium: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[Any] = []
    start = pdf_output._Browser._start

    def recording_start(browser: Any, path: Path) -> None:
        started.append(browser)
        start(browser, path)

    def failing_write(pdf: Path, data: bytes, html: Path) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pdf_output._Browser, "_start", recording_start)
    monkeypatch.setattr(pdf_output, "_write_atomically", failing_write)
    for name in ("A", "B", "C"):
        write_page(tmp_path, name)
    with pytest.raises(RuntimeError, match="disk on fire"):
        pdf_output.print_all(jobs_for(tmp_path, ["A", "B", "C"]), chromium, workers=2)
    assert started
    for browser in started:
        assert browser._process is None  # waited for
        assert not Path(browser._directory.name).exists()  # profile removed
