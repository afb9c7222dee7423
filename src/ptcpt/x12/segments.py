"""The small pieces of X12 reading: delimiters, patterns, quoting, the ISA header.

Everything here is a pure function of text, shared by the envelope and claim handlers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import attrs

from ptcpt._visit import MAX_ID_LENGTH, PAYER_PATTERN
from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    pass


#: Transaction sets a user may hand us by mistake, for a message that says what it is.
_TRANSACTIONS = {
    "270": "an eligibility inquiry",
    "271": "an eligibility response",
    "276": "a claim status inquiry",
    "277": "a claim status response",
    "278": "a prior authorisation request",
    "820": "a premium payment",
    "834": "a benefit enrolment",
    "835": "a claim payment/remittance advice",
    "997": "a functional acknowledgment",
    "999": "an implementation acknowledgment",
}
#: Implementation guides of 837s other than the professional one.
_OTHER_837 = {"X223": "837I (institutional)", "X224": "837D (dental)", "X096": "837I (institutional)"}
#: Implementation guides of the 837P: 5010 (X222) and the retired 4010 (X098).
_PROFESSIONAL = ("X222", "X098")
#: Segments of an 837P (5010 X222 and 4010 X098) this reader passes over unread.
_PASSED_OVER = frozenset(
    (  # noqa: SIM905 - a list of identifiers reads best as one
        "BHT REF PER N2 N3 N4 PRV CUR SBR PAT DMG PWK CN1 AMT K3 NTE CR1 CR2 CR3 CR4 CR5 CR7 CRC "
        "HI HCP CAS OI MOA SV5 QTY MEA PS1 HSD LIN CTP SVD LQ FRM"
    ).split()
)
#: Segments that never sit in a claim's loops (2300 to 2440): met inside a claim, they
#: mean the segment that should have ended it (an HL) is missing.
_NOT_IN_CLAIM = frozenset({"BHT", "PAT", "CUR"})
_TOKEN = re.compile(r"[A-Z0-9]{1,7}")
#: An implementation guide (005010X222A1) or a bare version (004010): how a version is quoted.
_VERSION = re.compile(r"[0-9]{6}(?:X[0-9]{3}(?:A[0-9])?)?")
#: A transaction set identifier (837, 835): how ST01 is quoted.
_SET_ID = re.compile(r"[0-9]{3}")
#: Counts and line numbers are quoted when they are numbers of up to 6 digits: a damaged
#: file can put other digits there (a birth date has 8). Control numbers are never quoted.
_COUNT = re.compile(r"[0-9]{1,6}")
_NUMBER = re.compile(r"[-+]?[0-9]*\.?[0-9]+")
#: A quantity as a message quotes it: a number of at most 6 characters (a birth date has 8).
_QUANTITY = re.compile(r"(?=.{1,6}$)[-+]?[0-9]*\.?[0-9]+")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_DATE = re.compile(r"[0-9]{8}")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_SHORT_ID = re.compile(r"[A-Za-z0-9]{1,3}")
_WHITESPACE = re.compile(r"\s")
#: The start of an X12 file: a segment identifier (or a lower-case ``isa``) and a delimiter.
_X12_START = re.compile(r"(?:[A-Z][A-Z0-9]{1,2}|[Ii][Ss][Aa])(?:[^A-Za-z0-9\s]|$)")
#: Blanks between segments (a line break after each terminator is common).
_SPACE = " \t\r\n\x0b\x0c"
_BLANK = _SPACE + "\ufeff"
_CHUNK = 8192
#: Where a fixed-width ISA header (106 characters) has its element separators.
_ISA_SEPARATORS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
#: How far to look for the 16 elements of an ISA header that is not fixed-width.
_ISA_REACH = 320
#: No X12 segment comes near this: past it without a terminator, the input cannot be split.
_LONGEST_SEGMENT = 1_000_000


@attrs.frozen
class _Options:
    default: str
    payers: dict[str, str]
    claim_ids: bool
    descriptions: bool


def _payer_key(text: str) -> str:
    return " ".join(text.split()).upper()


def _payer_id(value: object, path: str) -> str:
    if isinstance(value, str) and len(value) <= MAX_ID_LENGTH and PAYER_PATTERN.fullmatch(value):
        return value
    raise InvalidVisit(
        path,
        "must be a payer profile id: lower-case letters, digits, '_', '.' or '-', "
        "such as 'medicare' or 'commercial'",
    )


def _shown(value: str, pattern: re.Pattern[str] = _TOKEN) -> str:
    """How a value from the file appears in a message: short code-shaped text, else its size.

    Codes, modifiers and numbers help the reader fix a line; anything longer or freer
    may be a misplaced name or id, so only its length is told.
    """
    if not value:
        return "nothing"
    if pattern.fullmatch(value):
        return repr(value)
    return f"a value of {len(value)} character{'s' * (len(value) != 1)}"


def _segment_name(sid: str) -> str:
    """A segment identifier as a message shows it: quoted when short and plain, else its size."""
    if _SHORT_ID.fullmatch(sid):
        return repr(sid)
    return f"an identifier of {len(sid)} characters"


def _whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number in ``[low, high]`` (X12 numbers may read ``2.0``), or None."""
    if not _NUMBER.fullmatch(text) or len(text) > 20:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None
    if number != number.to_integral_value() or not low <= number <= high:
        return None
    return int(number)


def _date(text: str) -> dt.date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _is_isa(text: str) -> bool:
    """True when a segment (or the text at a segment boundary) is an ISA header."""
    return text.startswith("ISA") and (len(text) == 3 or not text[3].isalnum())


def _is_delimiter(char: str) -> bool:
    return not char.isalnum() and not char.isspace()


@attrs.frozen
class _Header:
    elements: tuple[str, ...]
    element: str
    component: str
    terminator: str
    length: int  # characters from "ISA" to the terminator, inclusive


def _parse_isa(text: str) -> _Header | str:
    """The ISA header at the start of ``text`` and its delimiters, or why it cannot be read.

    The standard header is fixed-width (106 characters): its fourth character is the
    element separator, the 105th the component separator (ISA16) and the 106th the
    segment terminator. A header whose elements are not padded to their widths is read
    by counting its 16 element separators instead.
    """
    if len(text) < 4:
        return "the input ends inside the ISA header"
    element = text[3]
    if not _is_delimiter(element):
        return "'ISA' must be followed by the element separator, a punctuation character"
    if len(text) >= 106 and all(text[i] == element for i in _ISA_SEPARATORS):
        component, terminator, length = text[104], text[105], 106
    else:
        position = 3
        for _ in range(15):
            position = text.find(element, position + 1, _ISA_REACH)
            if position < 0:
                return "the ISA header does not have its 16 elements (ISA01 to ISA16)"
        if position + 2 >= len(text):
            return "the input ends inside the ISA header"
        component, terminator, length = text[position + 1], text[position + 2], position + 3
    if not _is_delimiter(component) or component == element:
        return (
            "ISA16, the component separator, must be one punctuation character other than "
            f"the element separator {element!r}"
        )
    if terminator.isalnum() or terminator in (element, component):
        return (
            "the ISA header must end with the segment terminator, a character other than "
            "a letter, a digit and the element and component separators"
        )
    elements = tuple(text[: length - 1].split(element))
    if len(elements) != 17:
        return f"the ISA header has {len(elements) - 1} elements; it has 16 (ISA01 to ISA16)"
    return _Header(elements, element, component, terminator, length)


def looks_like_x12(first_chunk: str) -> bool:
    """True when text starts (after blanks and a byte-order mark) like an X12 file.

    An X12 file opens with its ``ISA`` header followed by the element separator. Text
    that opens with another segment identifier and a delimiter (``GS*``, ``ST*``) or a
    lower-case ``isa`` is X12 too, if a damaged one: the X12 reader says what is wrong
    with it, where a JSON reader could only say it is not JSON. JSON never starts so.
    """
    return _X12_START.match(first_chunk.lstrip(_BLANK)) is not None
