"""Text for SEPA files: transliteration to the EPC basic Latin character set.

Dutch banks accept only ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space inside XML elements
(NL implementation guidelines, "Character set"). Names of clients and creditors are kept
in full Unicode elsewhere; only what goes on the wire is converted here:

1. a table for letters and signs that Unicode decomposition does not reduce
   (ß -> ss, æ -> ae, ø -> o, ł -> l, & -> +, typographic quotes and dashes, ...);
2. Cyrillic by the ICAO Doc 9303 (passport) transliteration, Arabic script by a simple
   consonant transliteration (Arabic has no written short vowels, so ``أحمد`` -> ``Ahmd``);
3. any other character decomposed (NFKD) and its accents dropped (ä -> a, é -> e, ĳ -> ij);
4. a letter or digit that is still outside the set is romanised by ``anyascii`` (Greek,
   Armenian, Georgian, Ge'ez for Tigrinya and Amharic, Chinese, ...: ``Γιώργος`` ->
   ``Giorgos``, ``ዮናስ`` -> ``yonas``), and the result filtered to the set again;
5. whatever is still outside the set is dropped; whitespace runs collapse to one space.

The result can be shorter or empty: the caller decides what an empty name means (the
import refuses a name that keeps fewer than two letters, see ``ontzorging.intake.parsing``).

Dependency note (no ADR: a fallback, not a design choice): ``anyascii`` (ISC licence,
pure Python, no dependencies) covers nearly all of Unicode with per-character
romanisations. It is used only for letters and digits our own tables do not know, so
the Cyrillic (ICAO) and Arabic conventions above stay as they are, and symbols such as
emoji (which ``anyascii`` spells as ``:grinning:``) are dropped rather than spelled out.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

from anyascii import anyascii

NAME_MAX: Final = 70
"""EPC limit for every ``Nm`` (the ISO XSD allows 140, Dutch banks do not)."""
USTRD_MAX: Final = 140
"""Unstructured remittance information, one occurrence."""
ID_MAX: Final = 35
"""MsgId, PmtInfId, InstrId, EndToEndId, creditor reference (Max35Text)."""

EPC_CHARACTERS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)
_EPC_TEXT: Final = re.compile(r"[A-Za-z0-9/\-?:().,'+]+(?: [A-Za-z0-9/\-?:().,'+]+)*")
_EPC_ID: Final = re.compile(r"(?!/)(?!.*//)[A-Za-z0-9/\-?:().,'+]{1,35}(?<!/)")
_WHITESPACE: Final = re.compile(r"\s+")
_SLASHES: Final = re.compile(r"/{2,}")

_SPECIAL: Final[dict[str, str]] = {
    "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
    "þ": "th", "Þ": "Th", "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
    "&": "+", "_": "-", "€": "EUR", "@": "(at)",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'", "′": "'",
    "\"": "'", "“": "'", "”": "'", "„": "'", "«": "'", "»": "'",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
    ";": ",", "!": ".", "[": "(", "]": ")", "{": "(", "}": ")", "|": "/", "\\": "/",
    "ʼ": "'",
}  # fmt: skip

# ICAO Doc 9303 transliteration of Cyrillic (Russian, Ukrainian, Belarusian, Serbian, ...).
_CYRILLIC_LOWER: Final[dict[str, str]] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "ґ": "g", "є": "ie", "і": "i", "ї": "i", "ў": "u", "ђ": "d", "ј": "j",
    "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "g", "ѕ": "dz", "ќ": "k",
}  # fmt: skip

# Arabic script (Arabic, Persian/Dari, Pashto letters in common use), consonantal.
_ARABIC: Final[dict[str, str]] = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th",
    "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s",
    "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f",
    "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y",
    "ى": "a", "ة": "a", "ء": "", "ئ": "y", "ؤ": "w", "پ": "p", "چ": "ch", "ژ": "zh",
    "گ": "g", "ک": "k", "ی": "y", "ټ": "t", "ډ": "d", "ړ": "r", "ښ": "sh", "ږ": "zh",
    "ڼ": "n", "ې": "e", "َ": "a", "ِ": "i", "ُ": "u", "ـ": "", "،": ",", "؛": ",",
    "؟": "?", "٫": ",", "٬": ".",
}  # fmt: skip
_ARABIC_WORD_START: Final[dict[str, str]] = {"ع": "a", "و": "w", "ي": "y"}
_ARABIC_VOWEL_LETTERS: Final = frozenset("اأإآوي")

_TABLE: Final[dict[str, str]] = {
    **_SPECIAL,
    **_CYRILLIC_LOWER,
    **{k.upper(): v.upper() for k, v in _CYRILLIC_LOWER.items()},
    **_ARABIC,
    **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
    **{chr(0x06F0 + i): str(i) for i in range(10)},  # Persian digits
}
_CACHE_SIZE: Final = 8192


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


def _arabic(text: str, index: int) -> str:
    """One Arabic-script letter, with the word-start and long-vowel conventions of names."""
    char = text[index]
    word_start = index == 0 or not _is_arabic(text[index - 1])
    following = text[index + 1] if index + 1 < len(text) else ""
    if word_start and char in _ARABIC_WORD_START:
        out = _ARABIC_WORD_START[char]
    elif char == "ي" and following not in _ARABIC_VOWEL_LETTERS:
        out = "i"  # ya as the long vowel: علي -> Ali
    elif char == "و" and following not in _ARABIC_VOWEL_LETTERS and following:
        out = "u"  # waw as the long vowel inside a word
    else:
        out = _ARABIC.get(char, "")
    return out.capitalize() if word_start else out


def _cyrillic_upper(text: str, index: int, mapped: str) -> str:
    """``Ж`` -> ``Zh`` in ``Жанна`` but ``ZH`` in ``ЖАННА``."""
    if len(mapped) < 2:
        return mapped
    neighbours = text[index + 1 : index + 2] or text[index - 1 : index]
    return mapped if neighbours.isupper() else mapped.capitalize()


def transliterate(text: str) -> str:
    """Every character mapped into the EPC set or dropped; whitespace not yet collapsed."""
    out: list[str] = []
    for index, char in enumerate(text):
        if char in EPC_CHARACTERS:
            out.append(char)
        elif _is_arabic(char):
            out.append(_arabic(text, index))
        elif char in _TABLE:
            mapped = _TABLE[char]
            out.append(_cyrillic_upper(text, index, mapped) if char.isupper() else mapped)
        elif char.isspace():
            out.append(" ")
        else:
            out.append(_other(char))
    return "".join(out)


@lru_cache(maxsize=_CACHE_SIZE)
def _other(char: str) -> str:
    """A character of no table: its accents dropped, else romanised if it is a letter or
    digit, else nothing."""
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if c in EPC_CHARACTERS)
    if decomposed or unicodedata.category(char)[0] not in "LN":
        return decomposed
    return "".join(c for c in anyascii(char) if c in EPC_CHARACTERS)


def epc_transliteration(text: str) -> str:
    """``text`` in the EPC set with whitespace collapsed and stripped, not cut: what
    :func:`epc_text` makes of it before cutting, so that a caller can check its length."""
    if is_epc_text(text):
        return text
    return _WHITESPACE.sub(" ", transliterate(text)).strip()


def is_epc_text(text: str) -> bool:
    """Non-empty, only EPC characters, no leading/trailing or double spaces."""
    return _EPC_TEXT.fullmatch(text) is not None


@lru_cache(maxsize=_CACHE_SIZE)
def epc_text(text: str, max_len: int) -> str:
    """``text`` in the EPC set, whitespace collapsed, stripped, cut to ``max_len`` characters."""
    return epc_transliteration(text)[:max_len].rstrip()


def is_epc_id(text: str) -> bool:
    """An identifier Dutch banks accept: 1-35 EPC characters without spaces, no leading or
    trailing ``/``, no ``//``."""
    return _EPC_ID.fullmatch(text) is not None


def epc_id(text: str) -> str:
    """``text`` made into an identifier (see :func:`is_epc_id`); may come out empty.

    Spaces are removed (the EPC set allows them, but banks and people mangle them), ``//``
    becomes ``/``, and slashes are trimmed at both ends after cutting to ``ID_MAX``.
    """
    if is_epc_id(text):
        return text
    cleaned = _SLASHES.sub("/", "".join(transliterate(text).split()))
    return cleaned.strip("/")[:ID_MAX].rstrip("/")
