"""The one exception tree of the ``payments`` package.

Every error raised on purpose by this package derives from :class:`PaymentsError`,
so a caller can catch the package's failures without catching programming errors.
Errors about a whole file carry every problem found (``problems``), not only the first.
"""

from __future__ import annotations

from collections.abc import Iterable


class PaymentsError(Exception):
    """Base class of every error raised on purpose by ``payments``."""


class InvalidReference(PaymentsError):
    """A betalingskenmerk or RF creditor reference fails its format or check digits."""


class InvalidIban(PaymentsError):
    """Text is not a usable IBAN (structure, check digits or unknown Dutch bank)."""


class InvalidBic(PaymentsError):
    """Text is not a valid BIC."""


class _WithProblems(PaymentsError):
    """An error that lists every problem found, one per line."""

    def __init__(self, summary: str, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        lines = [summary, *(f"  - {p}" for p in self.problems)]
        super().__init__("\n".join(lines))


class InvalidPaymentData(_WithProblems):
    """The values given to the pain.001 writer cannot be turned into a valid file."""

    def __init__(self, problems: Iterable[str]) -> None:
        super().__init__("payment data cannot be written as pain.001:", problems)


class FileLimitExceeded(_WithProblems):
    """A limit of the pain.001 format is exceeded (transactions per file, amount per transfer)."""

    def __init__(self, problems: Iterable[str]) -> None:
        super().__init__("pain.001 limit exceeded:", problems)


class InvalidPaymentFile(_WithProblems):
    """A pain.001 document fails the ISO XSD, the EPC/Dutch usage rules, or cannot be read.

    Each problem starts with ``line N:`` where the XML parser knows the line.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        super().__init__("invalid pain.001 file:", problems)


class FileConflict(PaymentsError):
    """A file already exists at the target path with different content; it is never overwritten."""


class InvalidBankFile(_WithProblems):
    """A bank feedback file (pain.002, camt.053, camt.054) cannot be read or is not trusted.

    Malformed, truncated, hostile (DOCTYPE, entities), schema-invalid, of an unknown version,
    or with values the engine must not act on (missing ids, non-EUR, fractions of a cent).
    Each problem starts with ``line N:`` where the XML parser knows the line.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        super().__init__("bank file refused:", problems)


class BankFileTooLarge(InvalidBankFile):
    """A bank file is larger than ``BANK_FILE_MAX_BYTES``; it is refused before parsing."""
