"""One entry point for whatever the bank sends: pain.002, camt.053 or camt.054.

The kind and version are taken from the document's namespace, never from the file name, so a
file saved under the wrong name is still read right, and a pain.001 or an unknown version is
refused with a message naming the namespace and the versions supported.
"""

from __future__ import annotations

import os
from pathlib import Path

from payments.bank_xml import check_size, parse_bank_xml, version_of
from payments.camt_reader import Notification, Statement, read_camt053_tree, read_camt054_tree
from payments.pain002_reader import PaymentStatusReport, read_pain002_tree

BankFile = PaymentStatusReport | tuple[Statement, ...] | tuple[Notification, ...]
"""What :func:`read_bank_file` returns; tell the kinds apart with ``isinstance`` on the report
or on the first element (a camt document always holds at least one statement/notification)."""


def read_bank_file_path(path: str | os.PathLike[str]) -> BankFile:
    """Read a bank file from disk; its size is checked before a byte is read."""
    source = Path(path)
    check_size(source.stat().st_size, source.name)
    return read_bank_file(source.read_bytes())


def read_bank_file(data: bytes) -> BankFile:
    """The contents of a pain.002, camt.053 or camt.054 document, or :class:`InvalidBankFile`."""
    root = parse_bank_xml(data)
    version = version_of(root)
    if version.startswith("pain.002"):
        return read_pain002_tree(root, version)
    if version.startswith("camt.053"):
        return read_camt053_tree(root, version)
    return read_camt054_tree(root, version)
