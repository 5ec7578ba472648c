"""What the bank feedback readers share: versions, safe parsing, the ISO XSDs, small values.

Bank files come from outside and are parsed before anyone has looked at them, so the
parser is locked down as for the pain.001 reader: no DTD is loaded, no entity is
expanded, nothing is fetched from the network, libxml2's default limits on depth and text
size stay on (``huge_tree`` off), and a document with a DOCTYPE at all is refused.

Why one tree and not a stream: parsing a camt.053 of 100,000 entries (71 MB) as a whole
tree and validating it with ``XMLSchema.validate`` took about 4 s; ``iterparse(schema=...)``
with element clearing took 16 s and reports schema errors without line numbers. Parse and
XSD validation are now the small part (1.2 s CPU for that file); the values are read from
one pass over each entry's and transaction's children (:meth:`BankXmlReader.kids`) rather
than an XPath call per field, most of which ask for something the entry does not have:
the whole read took 5.8 s CPU against 7.8 s with the XPath calls, peaking near 900 MB
resident (``benchmarks/bench_bank_readers.py``); the size limit below bounds that. One XSLT
pass writing every entry's values as text (C, no element objects) was tried and dropped:
6.4 s CPU and 1.15 GB, since all entries' text and rows exist at once.

The XSDs live in ``payments/xsd/`` (README there says where each came from). No ISO
schema of pain.002.001.03 could be found to vendor (only the German DK/EPC profile, which
refuses the ``AddtlInf`` and the positive statuses real banks send), so that version is
checked by its reader alone: every element it reads is checked for presence, length and
value, as the schema would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from itertools import islice
from typing import Any, Final, Literal, NoReturn, cast, get_args

from lxml import etree

from payments.errors import BankFileTooLarge, InvalidBankFile

BankVersion = Literal[
    "pain.002.001.03",
    "pain.002.001.10",
    "camt.053.001.02",
    "camt.053.001.08",
    "camt.054.001.02",
    "camt.054.001.08",
]
BANK_VERSIONS: Final[tuple[BankVersion, ...]] = get_args(BankVersion)
_WITHOUT_XSD: Final[frozenset[str]] = frozenset({"pain.002.001.03"})
_NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:"

BANK_FILE_MAX_BYTES: Final = 128 * 1024 * 1024
"""128 MiB. A camt.053 of 100,000 entries, each with TxDtls, EndToEndId, name, IBAN and
remittance text (the benchmark's file) measures 71 MB; a pain.002 of 100,000 rejects 40 MB.
The banks cap a payment file at 100,000 transactions, so the feedback on one file fits with
room for longer texts. Reading takes about 12 times the file size in memory, so the limit
also caps a read near 1.5 GB."""

ID_MAX: Final = 35
"""ISO Max35Text: every id the readers return (MsgId, PmtInfId, EndToEndId, AcctSvcrRef ...)."""
_MAX_XSD_ERRORS: Final = 100  # a broken file can have thousands; the first 100 say enough
_NAMESPACE_IN_MESSAGE: Final = re.compile(r"\{[^}]*\}")


def namespace_of(version: BankVersion) -> str:
    return _NAMESPACE_PREFIX + version


def supported_versions() -> str:
    return ", ".join(BANK_VERSIONS)


def describe(element: etree._Element) -> str:
    """``line N: <Tag>`` for problems."""
    return f"line {element.sourceline}: <{etree.QName(element).localname}>"


def line_of(element: etree._Element) -> int:
    """The element's line in the file (0 when libxml2 does not know it)."""
    line: Any = element.sourceline  # typed loosely by the stubs
    return int(line or 0)


def check_size(size_bytes: int, name: str = "") -> None:
    if size_bytes > BANK_FILE_MAX_BYTES:
        where = f"{name}: " if name else ""
        raise BankFileTooLarge([f"{where}{size_bytes} bytes, at most {BANK_FILE_MAX_BYTES} read"])


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )


def parse_bank_xml(data: bytes) -> etree._Element:
    """The root element of a bank file, or :class:`InvalidBankFile` saying why not."""
    check_size(len(data))
    if not data.strip():
        raise InvalidBankFile(["the file is empty"])
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else "?"
        raise InvalidBankFile([f"line {line}: not well-formed XML: {error.msg}"]) from None
    docinfo: Any = root.getroottree().docinfo  # the stubs lack ``doctype``
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InvalidBankFile(["line 1: a DOCTYPE is not allowed in a bank file"])
    return root


def version_of(root: etree._Element) -> BankVersion:
    """The version named by the root's namespace; refuses unknown ones, naming what is known."""
    qname = etree.QName(root)
    namespace = qname.namespace or ""
    for version in BANK_VERSIONS:
        if namespace == namespace_of(version) and qname.localname == "Document":
            return version
    what = f"namespace {namespace!r}" if namespace else "no namespace"
    raise InvalidBankFile(
        [
            f"{describe(root)}: {what} is not a bank file this engine reads "
            f"(supported: {supported_versions()})"
        ]
    )


@lru_cache(maxsize=len(BANK_VERSIONS))
def bank_schema(version: BankVersion) -> etree.XMLSchema:
    """The ISO XSD of ``version``, compiled once per process."""
    if version in _WITHOUT_XSD or version not in BANK_VERSIONS:
        raise ValueError(f"no XSD bundled for {version!r}")
    source = resources.files("payments").joinpath("xsd", f"{version}.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source, _parser()))


def has_schema(version: BankVersion) -> bool:
    return version not in _WITHOUT_XSD


def validate_bank_xsd(root: etree._Element, version: BankVersion) -> None:
    """Raise :class:`InvalidBankFile` with the XSD errors (lines, tags without namespace)."""
    if not has_schema(version):
        return
    schema = bank_schema(version)
    if schema.validate(root):
        return
    entries = cast(Iterable[etree._LogEntry], schema.error_log)
    problems = [_xsd_problem(e) for e in islice(entries, _MAX_XSD_ERRORS)]
    raise InvalidBankFile(problems or [f"document does not match the {version} XSD"])


def _xsd_problem(entry: etree._LogEntry) -> str:
    message = _NAMESPACE_IN_MESSAGE.sub("", entry.message)
    if "Expected is" in message and "Bal" in message.split("Expected is", 1)[1]:
        message += (
            " (a statement without balances cannot be checked for completeness;"
            " ask the bank for the full camt.053)"
        )
    return f"line {entry.line}: {message}"


@dataclass(frozen=True, slots=True)
class StatusReason:
    """Why a bank rejected or returned a payment: an ISO code (``Rsn/Cd``) or the bank's own
    (``Rsn/Prtry``, then ``proprietary`` is true), and the ``AddtlInf`` lines joined by a
    space. ``code`` is empty when the bank gave only text."""

    code: str
    proprietary: bool
    additional_info: str


class BankXmlReader:
    """Reads values under one namespace and collects problems instead of stopping at the
    first, so one error lists everything wrong with a file."""

    def __init__(self, version: BankVersion) -> None:
        self.version = version
        self.ns = {"b": namespace_of(version)}
        self.problems: list[str] = []
        self._xpaths: dict[str, etree.XPath] = {}
        self._clark = "{" + namespace_of(version) + "}"

    def kids(self, element: etree._Element | None) -> dict[str, etree._Element]:
        """The first child of each name (without namespace) of ``element``; empty for None.

        For the elements read 100,000 times (an entry, its transaction): one pass over the
        children and a dict lookup per field costs a fraction of an XPath call per field,
        most of which ask for something the entry does not have."""
        if element is None:
            return {}
        clark, cut = self._clark, len(self._clark)
        found: dict[str, etree._Element] = {}
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(clark):
                found.setdefault(tag[cut:], child)
        return found

    def all_kids(self, element: etree._Element | None, name: str) -> list[etree._Element]:
        """Every child called ``name``, in document order."""
        if element is None:
            return []
        return list(element.iterchildren(self._clark + name))

    def checked_id(self, element: etree._Element, path: str, text: str, *, required: bool) -> str:
        """``text`` read from ``path`` under ``element``, checked as :meth:`identifier` does."""
        if required and not text:
            self.problem(element, f"{path} missing")
        if len(text) > ID_MAX:
            self.problem(element, f"{path} longer than {ID_MAX} characters")
        return text

    def problem(self, element: etree._Element, message: str) -> None:
        self.problems.append(f"{describe(element)}: {message}")

    def refuse(self, element: etree._Element, message: str) -> NoReturn:
        """Stop reading: what is missing leaves nothing else worth reading."""
        self.problem(element, message)
        raise InvalidBankFile(self.problems)

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        """The first element at ``path`` (``b:A/b:B``), through an XPath compiled once per
        path: ``element.find(path, namespaces)`` costs about three times as much, and
        reading 100,000 entries makes millions of these calls."""
        xpath = self._xpaths.get(path)
        if xpath is None:
            xpath = self._xpaths[path] = etree.XPath(path, namespaces=self.ns)
        found = cast(list[etree._Element], xpath(element))
        return found[0] if found else None

    def optional(self, element: etree._Element, path: str) -> str:
        """The stripped text at ``path``, or empty when absent."""
        found = self.find(element, path)
        return "" if found is None else (found.text or "").strip()

    def required(self, element: etree._Element, path: str) -> str:
        text = self.optional(element, path)
        if not text:
            self.problem(element, f"{path.replace('b:', '')} missing")
        return text

    def identifier(self, element: etree._Element, path: str, *, required: bool) -> str:
        text = self.required(element, path) if required else self.optional(element, path)
        if len(text) > ID_MAX:
            self.problem(element, f"{path.replace('b:', '')} longer than {ID_MAX} characters")
        return text

    def amount_cents(self, element: etree._Element) -> int:
        """Whole cents of an amount element in EUR; a problem (and 0) otherwise."""
        currency = element.get("Ccy")
        if currency != "EUR":
            self.problem(element, f"currency {currency}, not EUR")
        cents = decimal_cents(element.text or "")
        if cents is None or cents < 0:
            self.problem(element, f"amount {element.text!r} is not a whole number of cents")
            return 0
        return cents

    def optional_amount_cents(self, element: etree._Element, path: str) -> int | None:
        found = self.find(element, path)
        return None if found is None else self.amount_cents(found)

    def date_choice(self, element: etree._Element, path: str) -> date | None:
        """``path/Dt`` or the date of ``path/DtTm`` (ISO DateAndDateTimeChoice)."""
        return self.date_in(self.find(element, path))

    def date_in(self, found: etree._Element | None) -> date | None:
        """The date of a DateAndDateTimeChoice element: its ``Dt``, or its ``DtTm``'s date."""
        if found is None:
            return None
        kids = self.kids(found)
        inner = kids.get("Dt")
        if inner is None:
            inner = kids.get("DtTm")
        text = ((inner if inner is not None else found).text or "").strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            self.problem(found, f"{text!r} is not a date")
            return None

    def timestamp(self, element: etree._Element, path: str) -> datetime | None:
        text = self.optional(element, path)
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            self.problem(element, f"{path.replace('b:', '')} {text!r} is not a date and time")
            return None

    def whole_number(self, element: etree._Element, path: str) -> int | None:
        text = self.optional(element, path)
        if not text:
            return None
        if not text.isdigit() or len(text) > 18:
            self.problem(element, f"{path.replace('b:', '')} {text!r} is not a whole number")
            return None
        return int(text)

    def reason(self, element: etree._Element) -> StatusReason:
        """A ``StsRsnInf`` (pain.002) or ``RtrInf`` (camt) element as a :class:`StatusReason`."""
        code = self.optional(element, "b:Rsn/b:Cd")
        proprietary = self.optional(element, "b:Rsn/b:Prtry")
        info = " ".join(
            (e.text or "").strip() for e in element.iterfind("b:AddtlInf", self.ns) if e.text
        )
        if code and len(code) > 4:
            self.problem(element, f"reason code {code!r} is longer than 4 characters")
        return StatusReason(code or proprietary, not code and bool(proprietary), info)

    def fail_if_problems(self) -> None:
        if self.problems:
            raise InvalidBankFile(self.problems)


def text_of(element: etree._Element | None) -> str:
    """The stripped text of ``element``; empty when it is absent or has none."""
    return "" if element is None else (element.text or "").strip()


def decimal_cents(text: str) -> int | None:
    """Exact cents of an XML decimal, or None when it is not a whole number of cents."""
    try:
        value = Decimal(text.strip()) * 100
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)
