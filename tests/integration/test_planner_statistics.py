"""PostgreSQL planner statistics are refreshed before bulk reads, only for a
table that changed much since they were taken (ADR 0013); on SQLite the
refresh does nothing."""

from __future__ import annotations

import time

from sqlalchemy import Column, Engine, Integer, MetaData, Table, func, select, text

from ontzorging.adapters.dbutil import refresh_planner_statistics

scratch = Table("scratch_statistics", MetaData(), Column("id", Integer, primary_key=True))


def estimated_rows(engine: Engine) -> float:
    with engine.connect() as conn:
        return float(
            conn.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'scratch_statistics'")
            ).scalar_one()
        )


def insert(conn: object, first: int, count: int) -> None:
    conn.execute(scratch.insert(), [{"id": i} for i in range(first, first + count)])  # type: ignore[attr-defined]


def wait_for_counted_inserts(engine: Engine, count: int) -> None:
    """Until the server's statistics counters show the committed inserts."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_stat_force_next_flush()"))
            conn.commit()
            seen = conn.execute(
                text(
                    "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'scratch_statistics'"
                )
            ).scalar()
        if seen is not None and seen >= count:
            return
        time.sleep(0.2)
    raise AssertionError("the statistics counters never showed the inserts")


def test_a_table_that_changed_much_is_analyzed_and_no_other(engine: Engine) -> None:
    scratch.create(engine)
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            insert(conn, 0, 1_000)
            refresh_planner_statistics(conn, scratch)  # nothing to do, and no error
            assert conn.execute(select(func.count()).select_from(scratch)).scalar() == 1_000
        return
    with engine.begin() as conn:
        insert(conn, 0, 1_000)
    wait_for_counted_inserts(engine, 1_000)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE scratch_statistics"))
    assert estimated_rows(engine) == 1_000
    with engine.begin() as conn:
        insert(conn, 1_000, 10)  # under 50 rows + 10%: the statistics still hold
        refresh_planner_statistics(conn, scratch)
        assert estimated_rows(engine) == 1_000
        insert(conn, 1_010, 200)  # this transaction's own rows count too
        refresh_planner_statistics(conn)  # every table
    assert estimated_rows(engine) == 1_210
