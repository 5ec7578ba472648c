"""Run records: one row per nightly or monthly run, written before the work
starts (so a crash leaves a visible 'running' record) and closed after."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from ontzorging.adapters.logs import bind_run, event
from ontzorging.adapters.schema import runs
from ontzorging.domain.vocabulary import RunStatus

_log = logging.getLogger("ontzorging.runs")


def start_run(engine: Engine, kind: str, as_of: date, now: datetime) -> int:
    """Record a new run. The caller holds the run lock, so a run still marked
    running was stopped (a crash, a kill): it is closed as interrupted."""
    with engine.begin() as conn:
        conn.execute(
            runs.update()
            .where(runs.c.status == RunStatus.RUNNING)
            .values(
                status=RunStatus.INTERRUPTED,
                finished_at=now,
                error="the process stopped before the run finished",
            )
        )
        result = conn.execute(
            runs.insert().values(
                kind=kind, as_of=as_of, started_at=now, status=RunStatus.RUNNING, counts="{}"
            )
        )
        run_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    bind_run(run_id)  # every log line of this run carries its id
    event(logging.INFO, "run_started", _log, kind=kind, as_of=as_of.isoformat())
    return run_id


def finish_run(
    engine: Engine,
    run_id: int,
    status: str,
    counts: Mapping[str, int],
    now: datetime,
    error: str | None = None,
) -> None:
    with engine.begin() as conn:
        conn.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(
                status=status,
                finished_at=now,
                counts=json.dumps(dict(counts), sort_keys=True),
                error=error,
            )
        )
    level = logging.ERROR if status == RunStatus.FAILED else logging.INFO
    event(level, "run_finished", _log, status=status, counts=dict(counts))
    bind_run(None)


def list_runs(engine: Engine, limit: int = 100) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit)).mappings().all()
    return [
        {
            "id": r["id"],
            "kind": r["kind"],
            "as_of": r["as_of"].isoformat(),
            "started_at": r["started_at"].isoformat(),
            "finished_at": r["finished_at"].isoformat() if r["finished_at"] else None,
            "status": r["status"],
            "counts": json.loads(r["counts"]),
            "error": r["error"],
        }
        for r in rows
    ]


def last_succeeded(engine: Engine, kind: str) -> date | None:
    with engine.connect() as conn:
        return conn.execute(
            select(runs.c.as_of)
            .where(runs.c.kind == kind, runs.c.status == RunStatus.SUCCEEDED)
            .order_by(runs.c.as_of.desc())
            .limit(1)
        ).scalar()
