"""The tables in code and the Alembic history never drift apart."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import ontzorging.adapters.schema  # noqa: F401  (registers the tables)
from ledger.schema import metadata
from migrations.env_filter import include_name
from ontzorging.adapters.db import current_revision, head_revision, require_head, upgrade_to_head


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_upgrade_is_idempotent_and_head_is_required(engine: Engine) -> None:
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision(engine)
    require_head(engine)


def test_the_schedulers_job_store_is_not_drift(engine: Engine) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(engine=engine)
    store.start(None, "default")  # type: ignore[arg-type]
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, metadata) == []
