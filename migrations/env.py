"""Alembic environment: the engine comes from the caller (``ontzorging init``
or the drift test) through ``config.attributes``; there is no alembic.ini."""

from alembic import context

import ontzorging.schema  # noqa: F401  (registers the tables on the metadata)
from ledger.schema import metadata
from migrations.env_filter import include_name

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    context.run_migrations()
