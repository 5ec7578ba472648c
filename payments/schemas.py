"""pain.001 versions, their namespaces, the ISO XSDs bundled with sepaxml, and safe parsing.

The XSDs are the generic ISO 20022 schemas shipped inside the ``sepaxml`` wheel
(``sepaxml/schemas/*.xsd``); sepaxml itself is not used to write files (docs/adr/0002).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Final, Literal, get_args

from lxml import etree

from payments.errors import InvalidPaymentFile

Pain001Version = Literal["pain.001.001.09", "pain.001.001.03"]
PAIN001_VERSIONS: Final[tuple[Pain001Version, ...]] = get_args(Pain001Version)
DEFAULT_VERSION: Final[Pain001Version] = "pain.001.001.09"

_NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:"

AMOUNT_MIN_CENTS: Final = 1
AMOUNT_MAX_CENTS: Final = 99_999_999_999
"""EPC: an amount is 0.01 .. 999,999,999.99 EUR (the format's limit for one transfer)."""
SINGLE_AMOUNT_MAX_CENTS: Final = 99_999_999
"""€ 999.999,99: the one limit for a single amount the engine takes in (a benefits line,
a transfer of a payout file, an obligation), enforced at the import.

Why this value: no benefit or fixed cost in this domain comes near € 100.000, so ten
times that still leaves room for any real back payment; yet a BSN or an 8-9 digit
account number typed into an amount column (``100000034`` is € 100.000.034,00) is far
above it. Why it is safe later: a transfer (and a ledger posting, ``ledger.entries``)
may carry up to ``AMOUNT_MAX_CENTS``, a thousand times more, because a payout to a
client sums the month's lines; a file's ``CtrlSum`` (xs:decimal, 18 digits) holds
100,000 transfers of that size. Each limit is >= the one before it, so an amount that
passed the import never fails in the ledger or in the payment file.
"""
NOT_PROVIDED: Final = "NOTPROVIDED"
"""FinInstnId/Othr/Id of a debtor agent without a BIC (EPC/Dutch convention)."""


def namespace_of(version: Pain001Version) -> str:
    return _NAMESPACE_PREFIX + version


def version_of_namespace(namespace: str) -> Pain001Version | None:
    for version in PAIN001_VERSIONS:
        if namespace == namespace_of(version):
            return version
    return None


@lru_cache(maxsize=len(PAIN001_VERSIONS))
def xml_schema(version: Pain001Version) -> etree.XMLSchema:
    """The ISO XSD of ``version``, compiled once per process."""
    if version not in PAIN001_VERSIONS:
        raise ValueError(f"unsupported pain.001 version {version!r}")
    source = resources.files("sepaxml").joinpath("schemas", f"{version}.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source, _parser()))


def _parser() -> etree.XMLParser:
    # No DTDs, no entity expansion, no network: payment files come from other systems.
    # Whitespace between elements (indentation) is dropped; line numbers are kept.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True
    )


def parse_xml(xml_bytes: bytes) -> etree._Element:
    """The root element, or :class:`InvalidPaymentFile` with the parser's line and message."""
    try:
        root = etree.fromstring(xml_bytes, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno is not None else "?"
        raise InvalidPaymentFile([f"line {line}: not well-formed XML: {error.msg}"]) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise InvalidPaymentFile(["line 1: a DOCTYPE is not allowed in a payment file"])
    return root


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def describe(element: etree._Element) -> str:
    """``line N: <Tag>`` for error messages."""
    return f"line {element.sourceline}: <{local_name(element)}>"
