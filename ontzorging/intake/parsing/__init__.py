"""Input files of DESIGN.md 5.2: read, check and turn into typed rows.

Pure code: no database, no clock, no logging. Every problem of a file is
collected as a :class:`Problem` (``FILE:LINE: column: message``); a file with
any problem is rejected whole by the importer.
"""

from ontzorging.intake.parsing.fields import (
    FieldError,
    parse_amount_cents,
    parse_bic,
    parse_bsn,
    parse_date,
    parse_enum,
    parse_iban,
    parse_id,
    parse_name,
    parse_period,
    parse_reference,
)
from ontzorging.intake.parsing.problems import FileRejected, ParsingError, Problem
from ontzorging.intake.parsing.registers import (
    BijstandRow,
    CreditorRow,
    FileKind,
    HouseholdRow,
    ObligationRow,
    ParseResult,
    Row,
    check_references,
    parse_file,
)

__all__ = [
    "BijstandRow",
    "CreditorRow",
    "FieldError",
    "FileKind",
    "FileRejected",
    "HouseholdRow",
    "ObligationRow",
    "ParseResult",
    "ParsingError",
    "Problem",
    "Row",
    "check_references",
    "parse_amount_cents",
    "parse_bic",
    "parse_bsn",
    "parse_date",
    "parse_enum",
    "parse_file",
    "parse_iban",
    "parse_id",
    "parse_name",
    "parse_period",
    "parse_reference",
]
