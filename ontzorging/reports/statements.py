"""Use case: what happened to a household's money in one month
(DESIGN.md 5.4). Read-only.

The figures come from the one pure function
:func:`ontzorging.domain.statement_figures.statement_figures`, fed by the
set-based reader that the monthly overviews and the caseload use too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from ontzorging.adapters.schema import households
from ontzorging.domain.errors import NotFound
from ontzorging.reports.statement_reader import read_statements


class UnknownHousehold(NotFound):
    """No household with that id in the register."""


def statement(conn: Connection, household_id: str, month: date) -> dict[str, Any]:
    household = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    if household is None:
        raise UnknownHousehold(f"household {household_id!r} is not in the register")
    return read_statements(conn, [household], month).figures(household_id).as_dict()
