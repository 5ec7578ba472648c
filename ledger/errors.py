class LedgerError(Exception):
    """Base of the ledger's errors."""


class UnbalancedEntry(LedgerError):
    """An entry whose postings do not sum to zero: a bug, never bad input."""


class InvalidEntry(LedgerError):
    """An entry that cannot be stored as it is (a description over its limit): a bug."""
