"""The audit log: who did what, when and why. Details never hold a BSN."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ontzorging.adapters.schema import audit_log


def record(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    conn.execute(
        audit_log.insert().values(
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            detail=json.dumps(detail or {}, sort_keys=True, default=str),
            reason=reason,
        )
    )
