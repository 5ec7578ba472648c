"""Kinds, statuses and decisions are closed sets (ontzorging.domain.vocabulary),
held by CHECK constraints in the database (migration 0004)."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import CheckConstraint, Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

import ontzorging.adapters.schema  # noqa: F401  (registers the tables)
from ledger.schema import metadata
from ontzorging.adapters.db import alembic_config, make_engine, upgrade_to_head
from ontzorging.integrity.checks import check_all
from tests.scenario import load_registers, run_months

MIGRATION = importlib.import_module("migrations.versions.0004_closed_vocabularies")
CHECKED = sorted(
    (table.name, constraint.name.removeprefix(f"ck_{table.name}_"))
    for table in metadata.sorted_tables
    for constraint in table.constraints
    if isinstance(constraint, CheckConstraint) and isinstance(constraint.name, str)
)


def test_the_migration_and_the_vocabulary_list_the_same_words() -> None:
    """A word added to an enum without a migration that widens the CHECK is found here."""
    assert len(CHECKED) >= 18
    from_migration = {(t, c): sorted(words) for t, c, words in MIGRATION.CHECKS}
    assert sorted(from_migration) == CHECKED
    for table in metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and isinstance(constraint.name, str):
                column = constraint.name.removeprefix(f"ck_{table.name}_")
                words = sorted(str(constraint.sqltext).split(" IN (")[1].rstrip(")").split(", "))
                assert words == sorted(repr(w) for w in from_migration[(table.name, column)])


def test_existing_data_migrates_and_every_word_outside_the_vocabulary_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    engine = make_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), "0003")
        load_registers(engine, tmp_path)
        run_months(engine, tmp_path, (date(2026, 2, 1), date(2026, 3, 1)))
        with engine.connect() as conn:
            before = conn.execute(text("SELECT COUNT(*) FROM ledger_postings")).scalar()
        upgrade_to_head(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM ledger_postings")).scalar() == before
            assert check_all(conn) == []
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            names = {
                c["name"]
                for table in {t for t, _ in CHECKED}
                for c in inspect(conn).get_check_constraints(table)
            }
        assert {f"ck_{t}_{c}" for t, c in CHECKED} <= names
        refused = _try_each_bad_word(engine)
    finally:
        engine.dispose()
    # Every table the scenario fills had a row to try: the check cannot pass empty.
    assert refused >= 10


def _try_each_bad_word(engine: Engine) -> int:
    refused = 0
    for table_name, column in CHECKED:
        table = metadata.tables[table_name]
        key = next(iter(table.primary_key.columns))
        with engine.connect() as conn:
            row = conn.execute(select(key).limit(1)).first()
        if row is None:
            continue
        with engine.connect() as conn, pytest.raises(IntegrityError):
            conn.execute(table.update().where(key == row[0]).values({column: "zz"}))
        refused += 1
    return refused
