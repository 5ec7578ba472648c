"""Fault injection for crash-safety tests. TEST-ONLY.

When ``ONTZORGING_FAULT_AT`` names a checkpoint, the process kills itself
there (``os._exit(137)``, as if it got SIGKILL: no cleanup, no rollback of
anything already committed, no ``finally``). ``NAME@K`` kills it the K-th time
the checkpoint is passed (``NAME`` is ``NAME@1``). Production never sets it.

Checkpoints, in the order a nightly run passes them:
``run_started``, ``inbox_imported``, ``allocated`` (after the database commit,
before any file is written), ``file_recorded`` (a payment file is staged
beside the outbox and its SHA-256 recorded, not yet renamed into place:
``file_recorded@2`` is between the files of one batch, file 1 in the outbox,
file 2 recorded and staged), ``file_written`` (after the file's atomic rename,
before the next file), ``run_finished`` (before the run record is closed);
and in ``batches approve``: ``released`` (after the commit, before the
files), then ``file_recorded`` and ``file_written`` per file as above;
in a worker process of the monthly overviews: ``overview_page`` (after a
page's files are written, before the worker reports them).
"""

from __future__ import annotations

import os
from collections import Counter

FAULT_ENV = "ONTZORGING_FAULT_AT"
KILLED_EXIT_CODE = 137

_passed: Counter[str] = Counter()


def checkpoint(name: str) -> None:
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    point, _, times = wanted.partition("@")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] == int(times or 1):
        os._exit(KILLED_EXIT_CODE)
