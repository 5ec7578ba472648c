"""What Alembic compares: our tables only. APScheduler keeps its job store
in a table of its own making (see jobs/scheduler.py)."""

FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)
