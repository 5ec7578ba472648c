"""Alembic environment: the engine comes from the caller (``ontzorging init``
or the drift test) through ``config.attributes``; there is no alembic.ini."""

from alembic import context

import ontzorging.adapters.schema  # noqa: F401  (registers the tables on the metadata)
from ledger.schema import metadata
from migrations.env_filter import include_name

config = context.config
engine = config.attributes["engine"]


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table's constraints by rebuilding it (create, copy,
        # drop, rename: its documented ALTER TABLE procedure), which a table
        # other tables refer to survives only with foreign keys off. They are
        # checked before the migration commits and switched on again after.
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_name=include_name,
            )
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("the migration left a foreign key pointing nowhere")
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            connection.commit()
