"""What the web needs from outside ``ontzorging``: the run lock (the web
writes only while no run does) and the run records. Kept in one module so
the regroup's moves (``jobs.locking`` -> ``ontzorging.adapters.locking``,
``jobs.runs`` -> ``ontzorging.runs.records``) change one import line."""

from __future__ import annotations

from jobs.locking import LockHeld, run_lock
from jobs.runs import list_runs

__all__ = ["LockHeld", "list_runs", "run_lock"]
