"""Internal errors are written down in the data home, never shown in full.

The text of a database error holds the SQL parameters of the failed
statement: names, IBANs, amounts, BSNs (and PostgreSQL adds the offending key
in its DETAIL). So a terminal, a run record or a scheduler log line gets only
the kind of error and a reference; the traceback goes to
``logs/ontzorging.log`` in the data home, as private as the database itself
(folder 0700, file 0600), appended to."""

from __future__ import annotations

import os
import secrets
import traceback
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy import exc as sa_exc

from ontzorging.adapters.private_files import PRIVATE_FILE_MODE, private_dir

INCIDENT_LOG: Final = "logs/ontzorging.log"
REFERENCE_RANDOM_BYTES: Final = 3  # six hex digits: unique enough within one second


def new_reference(now: datetime) -> str:
    """``20261202T021512-ab12cd``: the moment, and a few random digits."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(REFERENCE_RANDOM_BYTES)}"


def safe_summary(exc: BaseException) -> str:
    """What may be shown of an exception: a database error by its class only
    (its text carries the statement's parameters), anything else by repr."""
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return f"{type(exc).__name__} (database error; details in the incident log)"
    return repr(exc)


def is_database_unreachable(exc: BaseException) -> bool:
    """The database could not be connected to (no statement was sent).

    SQLAlchemy raises a connect failure as an OperationalError with no
    statement; one raised while executing carries its statement."""
    return isinstance(exc, sa_exc.OperationalError) and exc.statement is None


def write_incident(
    home_root: Path, reference: str, now: datetime, command: str, exc: BaseException
) -> Path | None:
    """Append ``exc``'s traceback to the incident log; its path, or None when
    there is no home or it cannot be written (the caller says so).

    ``command`` is the command's name only: its arguments may hold a
    database URL with a password."""
    path = home_root / INCIDENT_LOG
    entry = f"--- {reference} {now.isoformat(timespec='seconds')} {command}\n" + "".join(
        traceback.format_exception(exc)
    )
    if not home_root.is_dir():
        return None  # not made here: a mistyped --home must not become a folder
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        private_dir(path.parent)
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            os.fchmod(fd, PRIVATE_FILE_MODE)  # an older log may have had other bits
            handle.write(entry)
    except OSError:
        return None
    return path
