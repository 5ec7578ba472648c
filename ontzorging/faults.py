"""Fault injection for crash-safety tests. TEST-ONLY.

When ``ONTZORGING_FAULT_AT`` names a checkpoint, the process kills itself
there (``os._exit(137)``, as if it got SIGKILL: no cleanup, no rollback of
anything already committed, no ``finally``). Production never sets it.

Checkpoints, in the order a nightly run passes them:
``run_started``, ``inbox_imported``, ``allocated`` (after the database commit,
before any file is written), ``file_written`` (after the first payment file,
before its SHA-256 is recorded), ``run_finished`` (before the run record is
closed); and in ``batches approve``: ``released`` (after the commit, before
the files).
"""

from __future__ import annotations

import os

FAULT_ENV = "ONTZORGING_FAULT_AT"
KILLED_EXIT_CODE = 137


def checkpoint(name: str) -> None:
    if os.environ.get(FAULT_ENV) == name:
        os._exit(KILLED_EXIT_CODE)
