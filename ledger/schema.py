"""The ledger's tables. ``metadata`` is the one MetaData of the whole
database: ``ontzorging.adapters.schema`` adds its tables to it, so that Alembic sees a
single history and foreign keys can cross packages."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("key", String(120), nullable=False, unique=True),
    # No index on household_id: a household's books are read from its postings.
    Column("household_id", String(35)),
    Column("value_date", Date, nullable=False),
    Column("booked_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("description", String(200), nullable=False),
    Column("reverses_entry_id", BigInteger, ForeignKey("ledger_entries.id"), unique=True),
    Column("run_id", Integer),
)

ledger_postings = Table(
    "ledger_postings",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("entry_id", BigInteger, ForeignKey("ledger_entries.id"), nullable=False),
    Column("household_id", String(35)),
    Column("account", String(120), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Index("ix_ledger_postings_entry", "entry_id"),
    Index("ix_ledger_postings_household_account", "household_id", "account"),
)
