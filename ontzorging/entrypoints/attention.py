"""What a finished run or import leaves for a person to look at.

A run that did its work but quarantined a file, failed to write a PDF or
raised a signal for finance is not "all done": the command line exits 3 for
it (DESIGN.md 5.3), so cron, systemd and monitoring can alert. Pure: counts
and a status in, sentences out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ontzorging.domain.vocabulary import RunStatus

STATUS_REASONS: Final[dict[str, str]] = {
    RunStatus.SUCCEEDED_WITH_REJECTIONS: (
        "an inbox file was quarantined or skipped: see quarantine/"
    ),
    RunStatus.SUCCEEDED_WITH_PROBLEMS: "part of the work failed (see the problems listed)",
}
"""Run statuses that are done but not clean, and what to look at."""

COUNT_REASONS: Final = {
    "allocation_failures": "household month(s) could not be allocated (a signal for finance)",
    "payments_held": "benefits payment(s) held as repeats: see `ontzorging bijstand held`",
    "instructions_taken_out": "payment(s) taken out of a batch: they cannot be written "
    "in a payment file",
    "files_quarantined": "inbox file(s) quarantined: see quarantine/*.errors.txt",
    "files_skipped": "inbox entries skipped (not regular files)",
    "overview_pdf_failed": "overview PDF(s) could not be written (the HTML is there)",
    "print_failed": "print batch(es) could not be printed (the overviews' HTML is there)",
}
"""Counts that, when not zero, need a person; each with what to do."""


def needs_attention(status: str, counts: Mapping[str, int]) -> list[str]:
    """The reasons a run that finished needs attention; empty when none."""
    reasons = [
        f"{counts[key]} {text}" for key, text in COUNT_REASONS.items() if counts.get(key, 0) > 0
    ]
    if status in STATUS_REASONS and not reasons:
        reasons.append(STATUS_REASONS[status])
    return reasons
