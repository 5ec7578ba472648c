"""Small database helpers shared by the use cases."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

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


SQLITE_LOOKUP_CHUNK = 900
"""Values per IN (...) on SQLite: below its smallest parameter limit (999)."""
POSTGRES_LOOKUP_CHUNK = 20_000
"""Values per ``= ANY(array)`` on PostgreSQL: one parameter whatever the count, so a
lookup of 100,000 references is five statements instead of 112; the chunk bounds
what one statement's array and result hold."""


def lookup_chunk(conn: Connection) -> int:
    """How many values :func:`among` takes at once on this database."""
    return POSTGRES_LOOKUP_CHUNK if conn.dialect.name == "postgresql" else SQLITE_LOOKUP_CHUNK


def chunks_for(conn: Connection, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """``values`` in chunks as large as :func:`among` takes on this database."""
    size = lookup_chunk(conn)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def among(conn: Connection, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values`` (a chunk of :func:`chunks_for`): ``= ANY`` of one
    array parameter on PostgreSQL, ``IN (...)`` elsewhere. Both use the column's index."""
    if conn.dialect.name != "postgresql":
        return column.in_(values)
    element = BigInteger() if isinstance(column.type, BigInteger) else String()
    array = bindparam(None, list(values), type_=ARRAY(element))
    return column == any_(array)


def next_id(conn: Connection, table: Table) -> int:
    """The id after the highest in ``table``; callers hold the run lock."""

    return int(conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def refresh_planner_statistics(conn: Connection, *tables: Table) -> None:
    """On PostgreSQL, fresh statistics for those of ``tables`` (none: every
    table) that changed much since theirs were taken, before they are read in
    bulk.

    A table that grew by a whole file or batch since its statistics were
    taken is planned as if it were small: each lookup of a chunk of keys then
    scans it, and the work grows with the square of the size (548 UPDATEs of
    a night's 492,947 payments took 83 s). Autovacuum refreshes statistics
    only a minute or more after a commit, and never where it is switched off:
    a nightly run that imports a benefits run and allocates it at once would
    plan on the statistics of an empty table.

    "Changed much" is autovacuum's own rule (more than 50 rows and 10% of the
    table), counting the caller's open transaction too; ANALYZE samples a
    fixed number of rows, so a large table costs a fraction of a second, paid
    only when its statistics are stale (fifty bank files in a row refresh
    ``payment_instructions`` once, not fifty times). ANALYZE may run inside
    the caller's transaction and then counts the rows it wrote."""
    if conn.dialect.name != "postgresql":
        return
    names = [table.name for table in tables]
    stale = conn.execute(_STALE, {"all": not names, "names": names}).scalars().all()
    if stale:
        conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{name}"' for name in stale))


_STALE = text(
    """
    SELECT s.relname
    FROM pg_stat_user_tables s
    JOIN pg_stat_xact_user_tables x ON x.relid = s.relid
    JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema()
      AND (CAST(:all AS boolean) OR s.relname = ANY(CAST(:names AS text[])))
      AND s.n_mod_since_analyze + x.n_tup_ins + x.n_tup_upd + x.n_tup_del
          > 50 + 0.1 * GREATEST(c.reltuples, 0)
    ORDER BY s.relname
    """
)
