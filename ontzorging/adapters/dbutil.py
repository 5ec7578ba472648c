"""Small database helpers shared by the use cases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ledger.store import bulk_insert

# Rows per INSERT statement (see ledger.store for the same trade-off).
INSERT_CHUNK_ROWS = 5_000


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    return bulk_insert(conn, table, rows)


def insert_ignoring_duplicates(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert rows, skipping those that hit a unique key; returns rows inserted."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = 0
    key = next(iter(table.primary_key.columns))
    for start in range(0, len(rows), INSERT_CHUNK_ROWS):
        # RETURNING counts the rows really inserted; a driver's executemany
        # rowcount is not reliable for that (psycopg reports 0).
        statement = dialect.insert(table).on_conflict_do_nothing().returning(key)
        result = conn.execute(statement, list(rows[start : start + INSERT_CHUNK_ROWS]))
        inserted += len(result.all())
    return inserted


def next_id(conn: Connection, table: Table) -> int:
    """The id after the highest in ``table``; callers hold the run lock."""

    return int(conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
