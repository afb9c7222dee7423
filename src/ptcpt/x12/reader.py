"""Read X12 837P professional claims as visits, so a claim file can be checked as it is sent.

An 837P file is what a practice's billing system sends a payer. ptcpt needs only the
services in it: each claim's (``CLM``) service lines (``LX`` / ``SV1``) and their dates
of service (``DTP*472``). One claim becomes one :class:`~ptcpt.visit.Visit` per date of
service, because ptcpt's rules (NCCI pairs, the 8-minute rule, evaluations) are
same-day rules.

Files from the real world are often damaged or unusual, and a claim scrubber must not
lose a claim without a word. So every ``CLM`` in the input ends as visits
(:class:`ClaimVisit`) or as a :class:`RejectedClaim` naming the claim and the reason; a
service line billed over a range of days is reported by itself (:class:`RejectedLine`)
while the claim's other lines are read; and damage outside the claims (the ISA/GS/ST
envelope, a segment between claims that cannot be read) is an :class:`EnvelopeFault`
naming the segment and what was expected there. Reading goes on after each of them
wherever the input can still be split into segments. Nothing else is ever raised for
bad input.

The file also holds patients' names, member ids, birth dates and addresses (``NM1``,
``N3``, ``N4``, ``DMG``, ``REF``, ``PER``). This module never reads those segments
beyond their identifier: the only ``NM1`` it looks into is the payer's (``NM1*PR``),
and then only to map the payer to a profile id the caller chose. So no patient data can
reach a visit, an error message, a log record or a warning; messages name positions
(the claim's ordinal number in the file, the segment's) and short code-shaped values,
never free text.

The reader splits segments itself rather than through pyx12 (the ``x12`` extra, whose
validator remains the tool for full compliance checks, ``docs/x12.md``): each
interchange announces its own delimiters in its ISA header, a file may hold several
with different ones, and a reader that stops or raises on the first damaged segment
cannot account for the claims after it.

What an 837P cannot say: minutes. Lines billed in units (``SV103`` = ``UN``, nearly
all) carry no minutes, so the rules that weigh minutes
cannot judge them (each rule says so in ``Rule.needs``, and :func:`rules_needing` finds
them in a Checker's rules); see :func:`minutes_note`. Lines billed in minutes (``MJ``)
carry them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TextIO

import attrs

from ptcpt.codes import is_code_shaped
from ptcpt.errors import DataError, InvalidVisit
from ptcpt.rules import Rule
from ptcpt.units import total_units
from ptcpt.visit import MAX_ID_LENGTH, MAX_MINUTES, MAX_UNITS, PAYER_PATTERN, Line, Visit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from ptcpt.plugins import RegisteredRule

__all__ = [
    "ClaimVisit",
    "EnvelopeFault",
    "Item",
    "RejectedClaim",
    "RejectedLine",
    "lacks_minutes",
    "looks_like_x12",
    "minutes_note",
    "read_837p",
    "rules_needing",
    "visits_from_x12",
]

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


# -- results ------------------------------------------------------------------------------
def _claim_lines(instance: ClaimVisit, attribute: attrs.Attribute[tuple[int, ...]], value: object) -> None:
    if type(value) is not tuple or len(value) != len(instance.visit.lines):
        raise ValueError("claim_lines: one LX number for each of visit.lines")


@attrs.frozen(kw_only=True)
class ClaimVisit:
    """One date of service of one claim, as a visit ready for :func:`ptcpt.check`.

    ``claim`` is the claim's ordinal number in the input (1 for the first ``CLM``),
    shared by the visits of a claim that spans several dates; ``segment`` is the
    position of its ``CLM`` segment (the first ISA header is segment 1). Both locate the
    claim in the file without naming anyone. ``claim_lines`` holds the claim's own
    service line number (``LX01``) of each of ``visit.lines``, so a finding on
    ``visit.lines[i]`` can be traced to claim line ``claim_lines[i]``
    (:meth:`ptcpt.report.Report.summary` and :meth:`~ptcpt.report.Report.to_dict` take it).
    """

    claim: int
    segment: int
    visit: Visit
    claim_lines: tuple[int, ...] = attrs.field(validator=_claim_lines)


@attrs.frozen(kw_only=True)
class RejectedClaim:
    """A claim that could not become visits; ``error`` says where and why.

    ``segment`` is the position of the offending segment. The message never quotes a
    name, an id or a date from the file, so it is safe to log.
    """

    claim: int
    segment: int
    error: InvalidVisit

    @property
    def message(self) -> str:
        return str(self.error)


@attrs.frozen(kw_only=True)
class RejectedLine:
    """One service line that is not checked, while the rest of its claim is.

    A line billed over a range of days (``DTP*472*RD8``) has no single date of service
    and so belongs to no visit; the claim's other lines are read as usual. ``line`` is
    the claim's own service line number (``LX01``), ``segment`` the offending segment.
    """

    claim: int
    segment: int
    line: int
    error: InvalidVisit

    @property
    def message(self) -> str:
        return str(self.error)


@attrs.frozen(kw_only=True)
class EnvelopeFault:
    """Damage outside any claim, at ``segment``: the message says what was expected there.

    The interchange, group and transaction set headers and trailers (ISA/IEA, GS/GE,
    ST/SE) that do not match up, a transaction set that is not an 837P, a segment between
    claims that cannot be read, or input that is not X12 at all. Reading goes on after a
    fault wherever the input can still be split into segments.
    """

    segment: int
    error: DataError

    @property
    def message(self) -> str:
        return str(self.error)


#: What :func:`read_837p` yields.
Item = ClaimVisit | RejectedClaim | RejectedLine | EnvelopeFault


# -- public functions ----------------------------------------------------------------------
def looks_like_x12(first_chunk: str) -> bool:
    """True when text starts (after blanks and a byte-order mark) like an X12 file.

    An X12 file opens with its ``ISA`` header followed by the element separator. Text
    that opens with another segment identifier and a delimiter (``GS*``, ``ST*``) or a
    lower-case ``isa`` is X12 too, if a damaged one: the X12 reader says what is wrong
    with it, where a JSON reader could only say it is not JSON. JSON never starts so.
    """
    return _X12_START.match(first_chunk.lstrip(_BLANK)) is not None


def lacks_minutes(visit: Visit) -> bool:
    """True when a line of ``visit`` has no minutes, so :func:`minutes_note` applies."""
    return any(line.minutes is None for line in visit.lines)


def rules_needing(field: str, rules: Iterable[Rule | RegisteredRule] | None = None) -> tuple[str, ...]:
    """The ids of ``rules`` that need the Line field ``field`` (``Rule.needs``), in order.

    ``rules`` is a Checker's (``checker.rules``) or plain Rules; None takes the built-in
    rules alone. A plugin's rule that declares ``needs={"minutes"}`` is named with them.
    """
    if rules is None:
        rules = _builtin_rules()
    found: list[str] = []
    for item in rules:
        rule: Rule = item if isinstance(item, Rule) else item.rule
        if field in rule.needs and rule.id not in found:
            found.append(rule.id)
    return tuple(found)


def minutes_note(rules: Iterable[Rule | RegisteredRule] | None = None) -> str | None:
    """The sentence to say once when claims from an 837P lack minutes (None: no rule needs them).

    Built from ``rules`` (a Checker's, or None for the built-in rules): the rules that
    declare ``needs={"minutes"}`` are the ones that cannot judge a line billed in units.
    """
    names = rules_needing("minutes", rules)
    if not names:
        return None
    return (
        "837P claims carry units, not minutes: timed lines billed in units cannot be checked "
        "against the minutes, and " + ", ".join(names) + " cannot judge lines without minutes. "
        "Check the visits from the treatment notes (JSON with minutes) to run them."
    )


def _builtin_rules() -> tuple[RegisteredRule, ...]:
    from ptcpt.plugins import Plugins

    return Plugins.load(load_entrypoints=False, env={}).rules()


#: The old constants, now derived from the built-in rules' ``needs`` (deprecated: call
#: :func:`rules_needing` and :func:`minutes_note` with a Checker's rules instead).
_DEPRECATED: dict[str, Callable[[], object]] = {
    "RULES_NEEDING_MINUTES": lambda: rules_needing("minutes"),
    "RULES_NEEDING_GROUP_SIZE": lambda: rules_needing("group_size"),
    "MINUTES_NOTE": minutes_note,
}


def __getattr__(name: str) -> object:
    make = _DEPRECATED.get(name)
    if make is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    replacement = (
        "minutes_note(checker.rules)" if name == "MINUTES_NOTE" else "rules_needing(..., checker.rules)"
    )
    warnings.warn(
        f"ptcpt.x12.{name} is deprecated: it lists only the built-in rules; use {replacement}",
        DeprecationWarning,
        stacklevel=2,
    )
    return make()


def read_837p(
    source: str | os.PathLike[str] | TextIO,
    *,
    payer: str = "medicare",
    payers: Mapping[str, str] | None = None,
    claim_ids: bool = True,
    descriptions: bool = False,
    prefix: str = "",
) -> Iterator[Item]:
    """Yield every claim of an 837P file as visits or a rejection, and every fault, in file order.

    ``source`` is a path or an open text file. Each claim yields one :class:`ClaimVisit`
    per date of service, earliest first, then a :class:`RejectedLine` for each line
    billed over a range of days; or a single :class:`RejectedClaim` naming the claim's
    ordinal number, the segment and the problem. Damage outside the claims yields an
    :class:`EnvelopeFault` where it is found, and reading goes on. The file is read as a
    stream, one claim at a time. Bad input never raises: check each item's type (every
    item has ``message`` except :class:`ClaimVisit`).

    ``payer`` is the payer profile id of every visit; ``payers`` maps a payer's id
    (``NM1*PR`` element 09) or name (element 03, any case) to another profile id, e.g.
    ``{"00435": "medicare", "ACME HEALTH": "commercial"}``. The claim id (``CLM01``, the
    patient control number) becomes the visit id; ``claim_ids=False`` uses
    ``claim-<ordinal>`` instead (and never reads ``CLM01``), for files whose control
    numbers are account numbers that must not leave the billing system.
    ``descriptions=True`` keeps a line's ``SV101-7`` description (free text, for the
    classifier); it is dropped by default. ``prefix`` is text already read from the
    start of ``source`` (for a caller that read a chunk to recognise X12).

    Raises :class:`~ptcpt.errors.InvalidVisit` for a bad ``payer`` or ``payers`` value,
    ``TypeError`` for X12 text passed where a path belongs, and ``OSError`` when a path
    cannot be opened.
    """
    if isinstance(source, str) and looks_like_x12(source):
        # The caller meant X12 text; opening it as a path would quote it in an OSError.
        raise TypeError("read_837p takes a path or an open text file; wrap X12 text in io.StringIO")
    default = _payer_id(payer, "payer")
    mapping = {_payer_key(key): _payer_id(value, f"payers[{key!r}]") for key, value in (payers or {}).items()}
    return _read(source, prefix, _Options(default, mapping, claim_ids, descriptions))


def visits_from_x12(
    stream: TextIO,
    *,
    payer: str = "medicare",
    payers: Mapping[str, str] | None = None,
    claim_ids: bool = True,
    prefix: str = "",
) -> Iterator[tuple[int, Visit | InvalidVisit]]:
    """``(claim ordinal, visit or error)`` for each visit of an 837P stream, like JSONL input.

    For readers of records (:func:`ptcpt.batch.read_records`): the number is the claim's
    ordinal (the visits of a multi-date claim share it); a rejected claim or line comes
    as its error, whose message starts with ``claim N (segment M)``. ``prefix`` is text
    the caller already read from ``stream``. Envelope faults do not stop the reading:
    after the last record, :class:`~ptcpt.errors.DataError` names the first of them and
    how many there were. :func:`read_837p` yields each where it is found.
    """
    faults: list[EnvelopeFault] = []
    for item in read_837p(stream, payer=payer, payers=payers, claim_ids=claim_ids, prefix=prefix):
        if isinstance(item, ClaimVisit):
            yield item.claim, item.visit
        elif isinstance(item, EnvelopeFault):
            faults.append(item)
        else:
            yield item.claim, item.error
    if faults:
        more = f" ({len(faults) - 1} more envelope faults)" if len(faults) > 1 else ""
        raise DataError(faults[0].message + more)


# -- helpers -------------------------------------------------------------------------------
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


def _unit_minutes(code: str) -> int | None:
    """The unit length of a timed code in the bundled catalog; None for any other code."""
    from ptcpt.catalogs import catalog

    entry = catalog().get(code)
    return entry.unit_minutes if entry is not None and entry.is_timed else None


def _units_for_minutes(minutes: int, length: int) -> int:
    """Units of a timed code for minutes billed on one line, at least one.

    15-minute codes follow the 8-minute table (:func:`ptcpt.units.total_units`); codes
    counted in other lengths earn a unit for each full length, and one more once past
    its midpoint (the same rule: 8 minutes is past the midpoint of 15).
    """
    earned = total_units(minutes) if length == 15 else (minutes + (length - 1) // 2) // length
    return max(1, earned)


# -- the ISA header ------------------------------------------------------------------------
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


# -- the claims ------------------------------------------------------------------------------
@attrs.define
class _Service:
    number: int  # LX01, the claim's own service line number
    segment: int
    line: Line | None = None
    date: dt.date | None = None
    span: int = 0  # segment of a DTP*472 range of several days, 0 when none


@attrs.define
class _Claim:
    ordinal: int
    segment: int
    payer: str
    visit_id: str | None
    date: dt.date | None = None
    span: int = 0  # segment of a claim-level DTP*472 range of several days
    lines: list[_Service] = attrs.Factory(list)
    error: RejectedClaim | None = None

    def fail(self, segment: int, reason: str) -> None:
        """Keep the first problem: the claim is rejected whole, naming it."""
        if self.error is None:
            self.error = _rejected(self.ordinal, segment, reason)


def _rejected(ordinal: int, segment: int, reason: str) -> RejectedClaim:
    return RejectedClaim(
        claim=ordinal, segment=segment, error=InvalidVisit(f"claim {ordinal} (segment {segment})", reason)
    )


def _rejected_line(ordinal: int, segment: int, line: int, reason: str) -> RejectedLine:
    return RejectedLine(
        claim=ordinal,
        segment=segment,
        line=line,
        error=InvalidVisit(f"claim {ordinal} (segment {segment})", f"service line {line}: {reason}"),
    )


def _settle(claim: _Claim) -> list[Item]:
    """A finished claim's visits (one per date of service) and lines not checked, or its rejection."""
    if claim.error is None and not claim.lines:
        claim.fail(
            claim.segment, "the claim has no service lines (LX and SV1); an 837P claim bills one or more"
        )
    for service in claim.lines:
        if claim.error is not None:
            break
        if service.line is None:
            claim.fail(service.segment, f"service line {service.number} has no SV1 (professional service)")
        elif not (service.date or service.span or claim.date or claim.span):
            claim.fail(
                service.segment,
                f"service line {service.number} has no date of service (DTP*472); "
                "the 837P requires one on every service line",
            )
    if claim.error is not None:
        return [claim.error]
    by_date: dict[dt.date, list[_Service]] = {}
    skipped: list[Item] = []
    for service in claim.lines:
        date = service.date or (None if service.span else claim.date)
        if date is not None:
            by_date.setdefault(date, []).append(service)
        elif service.span:
            skipped.append(
                _rejected_line(
                    claim.ordinal,
                    service.span,
                    service.number,
                    "DTP*472 is a date range (RD8) of several days, and ptcpt checks one date of "
                    "service per visit: the line is not checked, but the claim's other lines are read; "
                    "bill each date on its own service line",
                )
            )
        else:
            skipped.append(
                _rejected_line(
                    claim.ordinal,
                    service.segment,
                    service.number,
                    f"the line has no date of service of its own, and the claim's (DTP*472 at segment "
                    f"{claim.span}) is a range of several days: the line is not checked, but the claim's "
                    "other lines are read; give the line its date of service",
                )
            )
    items: list[Item] = []
    for date in sorted(by_date):
        services = by_date[date]
        # Tuples from lists, not generators: CPython sizes a tuple from a generator by
        # resizing it, past the free list it later returns to (which then grows).
        lines = tuple([service.line for service in services if service.line is not None])
        try:
            visit = Visit(date=date, lines=lines, payer=claim.payer, id=claim.visit_id)
        except InvalidVisit as exc:  # pragma: no cover - every field is checked while reading
            return [_rejected(claim.ordinal, claim.segment, f"{exc.path}: invalid")]
        items.append(
            ClaimVisit(
                claim=claim.ordinal,
                segment=claim.segment,
                visit=visit,
                claim_lines=tuple([service.number for service in services]),
            )
        )
    return items + skipped


# -- the reader --------------------------------------------------------------------------------
@attrs.define
class _Level:
    """An open interchange, functional group or transaction set."""

    segment: int  # where its header is
    control: str | None  # its control number; None when the header is missing
    count: int = 0  # groups in an interchange, sets in a group, segments in a set
    children: set[str] = attrs.Factory(set)  # the control numbers of its groups or sets
    version: str = ""  # a group's GS08


class _Reader:
    """Splits the input into segments and follows the 837P loops to assemble claims.

    Every segment goes through :meth:`_feed`; only those with a handler are split into
    elements and read, and every identifying one is passed over by its identifier.
    What is found goes to ``out`` in file order.
    """

    def __init__(self, read: Callable[[int], str], head: str, options: _Options) -> None:
        self.read = read
        self.head = head
        self.options = options
        self.out: list[Item] = []
        self.number = 0
        self.element = self.component = self.terminator = ""
        # The envelope: what is open, the control numbers seen.
        self.isa: _Level | None = None
        self.gs: _Level | None = None
        self.st: _Level | None = None
        self.interchanges: set[str] = set()
        self.stray = False  # in a run of segments outside any transaction set (reported once)
        # The open transaction set: is it an 837P, and if not why its claims are rejected.
        self.reading = False
        self.refusal = "the claim is outside any transaction set"
        self.hl = 0
        self.payer = options.default
        # Claims.
        self.claims = 0
        self.claim: _Claim | None = None
        self.service: _Service | None = None
        self.orphan = False  # after a service line outside any claim (reported once)
        self.stopped = False  # the input could not be split past some point

    # -- output -------------------------------------------------------------------------
    def items(self) -> Iterator[Item]:
        out = self.out
        feed = self._feed
        for segment in self._split():
            feed(segment)
            if out:
                yield from out
                out.clear()
        self._end()
        yield from out
        out.clear()

    def _fault(self, segment: int, reason: str) -> None:
        self.out.append(EnvelopeFault(segment=segment, error=DataError(f"segment {segment}: {reason}")))

    # -- splitting -------------------------------------------------------------------------
    def _fill(self, text: str, size: int) -> tuple[str, bool]:
        """``text`` with more of the input after it, until it holds ``size`` characters; and eof."""
        parts = [text]
        have = len(text)
        while have < size:
            chunk = self.read(_CHUNK)
            if not chunk:
                return "".join(parts), True
            parts.append(chunk)
            have += len(chunk)
        return "".join(parts), False

    def _split(self) -> Iterator[str]:
        """The segments of the input, each interchange split with the delimiters of its ISA header.

        ISA headers are taken here (they say how to split what follows); every other
        segment is yielded without its terminator and the blanks before it. Text left
        after the last terminator is a last segment (a file may end without its final
        terminator); blanks there are not.
        """
        text, eof = self._fill(self.head, _ISA_REACH)
        text = text.lstrip(_BLANK)
        if not _is_isa(text):
            self.number = 1
            self._fault(1, self._not_x12(text))
            return
        while True:  # from an ISA header to the next, or to the end
            text, eof = self._fill(text.lstrip(_SPACE), _ISA_REACH)
            header = _parse_isa(text)
            self.number += 1
            if isinstance(header, str):
                if not self.terminator:
                    self._fault(self.number, f"not an X12 file ptcpt can read: {header}")
                    return
                # Go on with the delimiters of the interchange before: skip the header.
                self._fault(
                    self.number,
                    f"the ISA header cannot be read ({header}); the segments after it are read with "
                    "the delimiters of the interchange before it",
                )
                self._isa(None)
                cut = text.find(self.terminator)
                while cut < 0 and not eof and len(text) <= _LONGEST_SEGMENT:
                    text, eof = self._fill(text, len(text) + _CHUNK)
                    cut = text.find(self.terminator)
                if cut < 0:
                    if not eof:
                        self._stop(self.terminator)
                    return
                buffer = text[cut + 1 :]
            else:
                self.element, self.component = header.element, header.component
                self.terminator = header.terminator
                self._isa(header.elements)
                buffer = text[header.length :]
            terminator = self.terminator
            restart: str | None = None
            find = str.find
            while restart is None:
                # One segment at a time (not str.split): memory stays at one chunk.
                start = 0
                end = find(buffer, terminator)
                while end >= 0:
                    segment = buffer[start:end].lstrip(_SPACE)
                    if segment.startswith("ISA") and _is_isa(segment):
                        restart = buffer[start:]
                        break
                    yield segment
                    start = end + 1
                    end = find(buffer, terminator, start)
                if restart is not None:
                    break
                buffer = buffer[start:]
                tail = buffer.lstrip(_SPACE)
                if _is_isa(tail) and (len(tail) >= 4 or eof):
                    # A header with other delimiters: none of ours may come before the next one.
                    restart = tail
                    break
                if eof:
                    tail = tail.rstrip(_SPACE)
                    if tail:
                        yield tail
                    return
                if len(buffer) > _LONGEST_SEGMENT:
                    self._stop(terminator)
                    return
                chunk = self.read(_CHUNK)
                if chunk:
                    buffer += chunk
                else:
                    eof = True
            text = restart

    def _stop(self, terminator: str) -> None:
        self.number += 1
        self.stopped = True
        self._fault(
            self.number,
            f"no segment terminator {terminator!r} in the next {_LONGEST_SEGMENT:,} characters: the rest "
            "of the input cannot be split into segments and is not read",
        )

    def _not_x12(self, text: str) -> str:
        """Why input that does not start with an ISA header is not an X12 file we can read."""
        start = "not an X12 file ptcpt can read: "
        if not text:
            return start + "the input is empty"
        head = text[:4]
        if head[:3].upper() == "ISA" and (len(head) == 3 or not head[3].isalnum()):
            return start + "the interchange header must be 'ISA' in upper case"
        match = re.match(r"[A-Z][A-Z0-9]{1,2}(?=[^A-Za-z0-9\s])", text)
        if match:
            return (
                start + f"it starts with a {_segment_name(match.group())} segment, where an interchange "
                "starts with its ISA header (is the ISA header missing?)"
            )
        return start + "an interchange starts with an ISA header of 16 elements"

    # -- every segment -----------------------------------------------------------------------
    def _feed(self, segment: str) -> None:
        self.number += 1
        st = self.st
        if st is not None:
            st.count += 1
        if not segment:
            self._malformed("an empty segment (nothing between two segment terminators)")
            return
        cut = segment.find(self.element)
        sid = segment if cut < 0 else segment[:cut]
        handler = _HANDLERS.get(sid)
        if handler is not None:
            handler(self, segment)
        elif sid in _PASSED_OVER:
            if st is None:
                self._stray(sid, known=True)
            elif self.claim is not None and sid in _NOT_IN_CLAIM:
                self._close(
                    f"a {sid} segment, which has no place in a claim: the segment that ends the claim "
                    "(an HL) may be missing"
                )
        elif st is None:
            self._stray(sid, known=False)
        elif not _SEGMENT_ID.fullmatch(sid):
            self._malformed(
                f"not a segment: {_segment_name(sid)} is not a segment identifier (2 or 3 upper-case "
                "letters or digits)" + self._separator_hint(sid)
            )
        else:
            self._malformed(f"{_segment_name(sid)} is not a segment of an 837P claim file")

    def _separator_hint(self, sid: str) -> str:
        for char in sid:
            if _is_delimiter(char):
                return f"; it holds {char!r}, but the ISA header makes {self.element!r} the element separator"
        return ""

    def _malformed(self, reason: str) -> None:
        """A segment that cannot be read: it rejects the claim it is in, else it is a fault."""
        claim = self.claim
        if claim is not None:
            claim.fail(self.number, reason + "; the claim cannot be read safely around it")
        elif self.st is None:
            self._stray("", known=False, what=reason)
        elif self.reading:
            self._fault(self.number, reason + "; expected an 837P segment")

    def _stray(self, sid: str, *, known: bool, what: str = "") -> None:
        """A segment outside any transaction set: reported once for a run of them."""
        number = self.number
        what = what or f"a {_segment_name(sid)} segment"
        gs = self.gs
        if gs is not None and known:
            # The ST header is missing: read on as the transaction set the group announces.
            self._fault(number, f"{what} outside a transaction set: expected an ST header before it")
            gs.count += 1  # the set is there, only its header is not
            self._open_st(None, "837", gs.version)
            return
        if self.stray:
            return
        self.stray = True
        self.reading = False
        self.refusal = (
            f"the claim is outside any transaction set (see segment {number}), so ptcpt cannot tell it "
            "is an 837P claim"
        )
        if self.isa is None:
            expected = "an ISA header or the end of the input"
            where = "after the interchange's IEA trailer" if self.interchanges else "outside any interchange"
        elif gs is None:
            expected, where = "a GS header or the IEA trailer", "outside any functional group"
        else:
            expected, where = "an ST header or the GE trailer", "outside any transaction set"
        self._fault(number, f"{what}, {where}: expected {expected}")

    def _ta1(self, segment: str) -> None:
        """An interchange acknowledgment: it belongs between the ISA and the first GS."""
        if self.isa is None or self.gs is not None:
            self._stray("TA1", known=False)

    # -- the envelope ---------------------------------------------------------------------------
    def _unwind(self, cause: str, *, levels: int) -> None:
        """Close the innermost ``levels`` (ST, GS, ISA) still open, reporting their missing trailers."""
        number = self.number
        open_levels = [
            (level, trailer, name)
            for level, trailer, name in (
                (self.st, "SE", "transaction set"),
                (self.gs, "GE", "functional group"),
                (self.isa, "IEA", "interchange"),
            )[:levels]
            if level is not None
        ]
        if self.claim is not None:
            self._close(
                f"{cause} before the claim's transaction set is closed by its SE trailer, so the claim "
                "may be missing lines",
                at=number,
            )
        if open_levels:
            level, _, name = open_levels[0]
            trailers = [trailer for _, trailer, _ in open_levels]
            self._fault(
                number,
                f"{cause}, but the {name} that starts at segment {level.segment} is still open: "
                f"expected {_listed(trailers)} before it",
            )
        if levels >= 1:
            self._close_st()
        if levels >= 2:
            self.gs = None
        if levels >= 3:
            self.isa = None

    def _isa(self, elements: tuple[str, ...] | None) -> None:
        """An ISA header (``None`` when it cannot be read): a new interchange opens."""
        self._unwind("a new interchange (ISA header)", levels=3)
        number = self.number
        control = elements[13] if elements is not None else None
        if control is not None:
            if control in self.interchanges:
                self._fault(
                    number,
                    "ISA13, the interchange control number, repeats an earlier interchange's: expected a "
                    "number of its own (is the interchange sent twice?)",
                )
            self.interchanges.add(control)
        else:
            self.interchanges.add(f"#{number}")
        self.isa = _Level(segment=number, control=control)
        self.stray = False

    def _iea(self, segment: str) -> None:
        number = self.number
        isa = self.isa
        self.stray = False
        if isa is None:
            self._fault(
                number,
                "an IEA trailer, but no interchange is open: expected an ISA header or the end of the input",
            )
            return
        self._unwind("the IEA trailer", levels=2)
        self.isa = None
        if isa.control is None:
            return
        elements = segment.split(self.element)
        count = elements[1] if len(elements) > 1 else ""
        control = elements[2] if len(elements) > 2 else ""
        if _whole(count, 0, 10**9) != isa.count:
            self._fault(
                number,
                f"IEA01 counts {_shown(count, _COUNT)} functional groups, but the interchange that starts "
                f"at segment {isa.segment} has {isa.count}: expected {isa.count}",
            )
        if control != isa.control:
            self._fault(
                number,
                f"IEA02 does not match ISA13, the control number of the interchange's header (segment "
                f"{isa.segment}): expected the same control number",
            )

    def _gs(self, segment: str) -> None:
        number = self.number
        self.stray = False
        if self.isa is None:
            self._fault(number, "a GS header outside any interchange: expected an ISA header before it")
            self._isa(None)
        else:
            self._unwind("a new functional group (GS header)", levels=2)
        isa = self.isa
        assert isa is not None
        elements = segment.split(self.element)
        control = elements[6] if len(elements) > 6 else ""
        version = elements[8] if len(elements) > 8 else ""
        if control in isa.children:
            self._fault(
                number,
                "GS06, the group control number, repeats another group's in this interchange: expected "
                "a number of its own",
            )
        isa.children.add(control)
        isa.count += 1
        self.gs = _Level(segment=number, control=control, version=version)

    def _ge(self, segment: str) -> None:
        number = self.number
        gs = self.gs
        self.stray = False
        if gs is None:
            self._fault(
                number,
                "a GE trailer, but no functional group is open: expected a GS header, or the IEA trailer",
            )
            return
        self._unwind("the GE trailer", levels=1)
        self.gs = None
        if gs.control is None:
            return
        elements = segment.split(self.element)
        count = elements[1] if len(elements) > 1 else ""
        control = elements[2] if len(elements) > 2 else ""
        if _whole(count, 0, 10**9) != gs.count:
            self._fault(
                number,
                f"GE01 counts {_shown(count, _COUNT)} transaction sets, but the group that starts at "
                f"segment {gs.segment} has {gs.count}: expected {gs.count}",
            )
        if control != gs.control:
            self._fault(
                number,
                f"GE02 does not match GS06, the control number of the group's header (segment "
                f"{gs.segment}): expected the same control number",
            )

    def _st(self, segment: str) -> None:
        number = self.number
        self.stray = False
        if self.gs is None:
            self._fault(number, "an ST header outside any functional group: expected a GS header before it")
            if self.isa is None:
                self._isa(None)
            assert self.isa is not None
            self.isa.count += 1  # the group is there, only its header is not
            self.gs = _Level(segment=number, control=None)
        else:
            self._unwind("a new transaction set (ST header)", levels=1)
        elements = segment.split(self.element)
        kind = elements[1] if len(elements) > 1 else ""
        control = elements[2] if len(elements) > 2 else ""
        version = (elements[3] if len(elements) > 3 else "") or self.gs.version
        gs = self.gs
        if control in gs.children:
            self._fault(
                number,
                "ST02, the transaction set control number, repeats another set's in this group: "
                "expected a number of its own",
            )
        gs.children.add(control)
        gs.count += 1
        self._open_st(control, kind, version)

    def _open_st(self, control: str | None, kind: str, version: str) -> None:
        number = self.number
        self.st = _Level(segment=number, control=control, count=1)
        self.hl = 0
        self.payer = self.options.default
        self.reading = False
        where = f"segment {number}" if control is not None else f"see segment {number}"
        if kind != "837":
            what = _TRANSACTIONS.get(kind, "not a claim")
            self.refusal = f"the claim is in transaction set {_shown(kind, _SET_ID)} ({where}), not an 837P"
            self._fault(
                number,
                f"transaction set {_shown(kind, _SET_ID)} is {what}, not an 837P professional claim; "
                "ptcpt checks 837P claim files",
            )
            return
        if any(guide in version for guide in _PROFESSIONAL):
            self.reading = True
            return
        other = next((name for guide, name in _OTHER_837.items() if guide in version), None)
        if other is not None:
            self.refusal = f"the claim is in an {other} transaction set ({where}), not an 837P"
            self._fault(number, f"this is an {other} claim; ptcpt reads 837P professional claims")
        elif control is None:
            self.refusal = (
                f"the claim is outside any transaction set ({where}), and its functional group does "
                "not name the 837P, so ptcpt cannot tell it is an 837P claim"
            )
        else:
            self.refusal = f"the claim is in an 837 of version {_shown(version, _VERSION)} ({where})"
            self._fault(
                number,
                f"837 version {_shown(version, _VERSION)}; ptcpt reads 837P professional claims "
                "(005010X222A1, or 004010X098A1)",
            )

    def _se(self, segment: str) -> None:
        number = self.number
        st = self.st
        self.stray = False
        if st is None:
            self._fault(
                number,
                "an SE trailer, but no transaction set is open: expected an ST header, or the GE trailer",
            )
            return
        self._close()
        self._close_st()
        if st.control is None:
            return
        elements = segment.split(self.element)
        count = elements[1] if len(elements) > 1 else ""
        control = elements[2] if len(elements) > 2 else ""
        if _whole(count, 0, 10**9) != st.count:
            self._fault(
                number,
                f"SE01 counts {_shown(count, _COUNT)} segments, but the transaction set from its ST header "
                f"(segment {st.segment}) to this SE trailer has {st.count}: expected {st.count} (or a "
                "segment was lost or added)",
            )
        if control != st.control:
            self._fault(
                number,
                f"SE02 does not match ST02, the control number of the transaction set's header (segment "
                f"{st.segment}): expected the same control number",
            )

    def _close_st(self) -> None:
        self.st = None
        self.reading = False
        self.refusal = "the claim is outside any transaction set"

    def _end(self) -> None:
        """At the end of the input: the open claim is cut short, and missing trailers are reported."""
        number = self.number
        if self.claim is not None:
            self._close(
                "the input ends inside this claim, before the SE trailer of its transaction set: "
                "the file looks truncated (or cannot be split into segments past this point), "
                "so the claim may be missing lines",
                at=number,
            )
        missing = [
            trailer
            for level, trailer in ((self.st, "SE"), (self.gs, "GE"), (self.isa, "IEA"))
            if level is not None
        ]
        if missing and number:
            trailers = f"{_listed(missing)} trailer{'s' * (len(missing) > 1)}"
            self._fault(
                number,
                f"reading stops here, before the {trailers}"
                if self.stopped
                else f"the input ends without its {trailers}: expected {_listed(missing)} after this "
                "segment; the file is damaged or truncated",
            )

    # -- claims ---------------------------------------------------------------------------------------
    def _close(self, reason: str | None = None, *, at: int = 0) -> None:
        """The open claim's items into ``out``; ``reason`` rejects it (cut short at segment ``at``)."""
        claim, self.claim, self.service = self.claim, None, None
        self.orphan = False
        if claim is None:
            return
        if reason is not None:
            claim.fail(at or self.number, reason)
        self.out.extend(_settle(claim))

    def _clm(self, segment: str) -> None:
        if self.st is None:
            self._stray("CLM", known=True)
        self._close()
        self.claims += 1
        number, ordinal = self.number, self.claims
        visit_id: str | None = f"claim-{ordinal}"
        problem = None
        if self.reading and self.options.claim_ids:
            elements = segment.split(self.element)
            claim_id = elements[1] if len(elements) > 1 else ""
            spaced = _WHITESPACE.search(claim_id) is not None
            if not claim_id:
                problem = "CLM01, the claim id (patient control number), is empty"
            elif len(claim_id) > MAX_ID_LENGTH or spaced:
                # Never quoted: a control number may be an account number.
                problem = (
                    f"CLM01, the claim id, must be 1 to {MAX_ID_LENGTH} characters with no whitespace "
                    f"to serve as the visit id; it has {len(claim_id)} characters"
                    + (" and whitespace" if spaced else "")
                    + "; fix the id, or number the claims instead (--no-claim-ids on the command "
                    "line, claim_ids=False in Python)"
                )
            visit_id = None if problem else claim_id
        self.claim = _Claim(ordinal=ordinal, segment=number, payer=self.payer, visit_id=visit_id)
        if not self.reading:
            self.claim.fail(number, self.refusal)
        elif problem:
            self.claim.fail(number, problem)

    def _hl(self, segment: str) -> None:
        self._close()
        if self.st is None:
            self._stray("HL", known=True)
        if not self.reading:
            return
        elements = segment.split(self.element)
        self.hl += 1
        given = elements[1] if len(elements) > 1 else ""
        assert self.st is not None
        if given != str(self.hl) and self.st.control is not None:
            self._fault(
                self.number,
                f"HL01 is {_shown(given, _COUNT)}, but the HL segments of a transaction set are numbered "
                f"1, 2, 3, ...: expected {self.hl} (an HL segment before it may be missing or repeated)",
            )
            number = _whole(given, 1, 10**9)
            if number is not None:
                self.hl = number
        if len(elements) > 3 and elements[3] == "22":  # a new subscriber: a new primary payer follows
            self.payer = self.options.default

    def _nm1(self, segment: str) -> None:
        if self.st is None:
            self._stray("NM1", known=True)
        if self.claim is not None or not segment.startswith(f"NM1{self.element}PR{self.element}"):
            return  # after CLM an NM1*PR is 2330B, another payer
        elements = segment.split(self.element)
        for key in (elements[9] if len(elements) > 9 else "", elements[3] if len(elements) > 3 else ""):
            profile = self.options.payers.get(_payer_key(key)) if key else None
            if profile is not None:
                self.payer = profile
                return
        self.payer = self.options.default

    def _lx(self, segment: str) -> None:
        if self.st is None:
            self._stray("LX", known=True)
        claim = self.claim
        if claim is None:
            if self.reading:
                self._fault(
                    self.number,
                    "a service line (LX) outside any claim: expected a CLM segment before it; "
                    "the line is not read",
                )
            self.orphan = True
            return
        if claim.error is not None:
            return
        expected = len(claim.lines) + 1
        elements = segment.split(self.element)
        given = elements[1] if len(elements) > 1 else ""
        if given != str(expected):
            claim.fail(
                self.number,
                f"LX01 is {_shown(given, _COUNT)}, but the service lines of a claim are numbered 1, 2, 3, "
                f"...: expected {expected} (a service line before it may be missing or repeated)",
            )
            return
        self.service = _Service(number=expected, segment=self.number)
        claim.lines.append(self.service)

    def _sv1(self, segment: str) -> None:
        if self.st is None:
            self._stray("SV1", known=True)
        claim = self.claim
        if claim is None:
            if self.reading and not self.orphan:
                self._fault(
                    self.number,
                    "a service (SV1) outside any claim: expected a CLM and an LX segment before it; "
                    "the service is not read",
                )
            return
        if claim.error is None:
            self._service(claim, segment.split(self.element))

    def _dtp(self, segment: str) -> None:
        if self.st is None:
            self._stray("DTP", known=True)
        claim = self.claim
        if claim is None or claim.error is not None:
            return
        elements = segment.split(self.element)
        if len(elements) > 1 and elements[1] == "472":
            self._date(claim, elements)

    def _date(self, claim: _Claim, elements: list[str]) -> None:
        number = self.number
        service = self.service
        where = f"service line {service.number}" if service else "the claim"
        form = elements[2] if len(elements) > 2 else ""
        text = elements[3] if len(elements) > 3 else ""
        span = False
        if form == "RD8":
            start, _, end = text.partition("-")
            date, last = _date(start), _date(end)
            if date is None or last is None or last < date:
                claim.fail(
                    number,
                    f"{where}: the date range in DTP*472 is not two valid CCYYMMDD dates, "
                    "the first not after the second",
                )
                return
            span = last != date
        elif form == "D8":
            date = _date(text)
            if date is None:
                claim.fail(number, f"{where}: the date of service in DTP*472 is not a valid CCYYMMDD date")
                return
        else:
            claim.fail(number, f"{where}: DTP02 must be D8 (one date) or RD8 (a range), got {_shown(form)}")
            return
        if service is None:
            # Not in the 837P guide (service dates belong to the lines), but some
            # senders put one on the claim: it serves the lines that have none.
            if claim.date is not None or claim.span:
                claim.fail(number, "the claim has two claim-level dates of service (DTP*472)")
            elif span:
                claim.span = number
            else:
                claim.date = date
        elif service.date is not None or service.span:
            claim.fail(number, f"{where} has two dates of service (DTP*472)")
        elif span:
            service.span = number
        else:
            service.date = date

    def _service(self, claim: _Claim, elements: list[str]) -> None:
        number = self.number
        service = self.service
        if service is None:
            claim.fail(number, "an SV1 service comes before the claim's first LX service line")
            return
        if service.line is not None:
            claim.fail(number, f"service line {service.number} has two SV1 segments")
            return
        where = f"service line {service.number}"
        composite = elements[1] if len(elements) > 1 else ""
        parts = composite.split(self.component)
        qualifier = parts[0].strip().upper()
        if qualifier != "HC":
            if len(parts) == 1 and len(composite) > 2:
                guess = next((char for char in composite if _is_delimiter(char)), None)
                if guess is not None:
                    claim.fail(
                        number,
                        f"{where}, SV101: the procedure is one value of {len(composite)} characters: its "
                        f"parts are separated by {guess!r}, but the ISA header (ISA16) makes "
                        f"{self.component!r} the component separator; fix ISA16 or the separators",
                    )
                    return
            claim.fail(
                number,
                f"{where}, SV101-1: ptcpt reads procedure codes qualified HC (CPT/HCPCS), "
                f"got {_shown(qualifier)}",
            )
            return
        code = parts[1].strip().upper() if len(parts) > 1 else ""
        if not code:
            claim.fail(number, f"{where}, SV101-2: the procedure code is missing")
            return
        if not is_code_shaped(code):
            claim.fail(
                number,
                f"{where}, SV101-2: procedure code {_shown(code)} is not a CPT/HCPCS code "
                "(5 characters such as 97110, 0552T or G0283)",
            )
            return
        modifiers = []
        for index in range(2, 6):
            modifier = parts[index].strip().upper() if len(parts) > index else ""
            if not modifier:
                continue
            if not _MODIFIER.fullmatch(modifier):
                claim.fail(
                    number,
                    f"{where}, SV101-{index + 1}: a modifier is 2 letters or digits such as GP, KX or 59, "
                    f"got {_shown(modifier)}",
                )
                return
            modifiers.append(modifier)
        basis = elements[3].strip().upper() if len(elements) > 3 else ""
        quantity = elements[4].strip() if len(elements) > 4 else ""
        minutes = None
        if basis == "UN":
            units = _whole(quantity, 1, MAX_UNITS)
            if units is None:
                claim.fail(
                    number,
                    f"{where}, SV104: units must be a whole number from 1 to {MAX_UNITS}, "
                    f"got {_shown(quantity, _QUANTITY)}",
                )
                return
        elif basis == "MJ":
            minutes = _whole(quantity, 1, MAX_MINUTES)
            if minutes is None:
                claim.fail(
                    number,
                    f"{where}, SV104: minutes (SV103 MJ) must be a whole number from 1 to {MAX_MINUTES}, "
                    f"got {_shown(quantity, _QUANTITY)}",
                )
                return
            length = _unit_minutes(code)
            if length is None:
                # An untimed (or unknown) code is one service however long it took: its
                # minutes earn no units and count toward no timed total.
                units, minutes = 1, None
            else:
                units = _units_for_minutes(minutes, length)
        else:
            claim.fail(
                number,
                f"{where}, SV103: the unit basis must be UN (units) or MJ (minutes), got {_shown(basis)}",
            )
            return
        description = None
        if self.options.descriptions and len(parts) > 6:
            description = parts[6] or None
        try:
            service.line = Line(
                code=code, units=units, minutes=minutes, modifiers=tuple(modifiers), description=description
            )
        except InvalidVisit as exc:  # pragma: no cover - every field is checked above
            claim.fail(number, f"{where}: {exc.path}: invalid")


#: The segments the reader looks into, by identifier (functions, not bound methods, so a
#: reader holds no reference cycle and its stream is freed as soon as it is done).
_HANDLERS: dict[str, Callable[[_Reader, str], None]] = {
    "CLM": _Reader._clm,
    "LX": _Reader._lx,
    "SV1": _Reader._sv1,
    "DTP": _Reader._dtp,
    "HL": _Reader._hl,
    "NM1": _Reader._nm1,
    "ST": _Reader._st,
    "SE": _Reader._se,
    "GS": _Reader._gs,
    "GE": _Reader._ge,
    "IEA": _Reader._iea,
    "TA1": _Reader._ta1,
}


def _read(source: str | os.PathLike[str] | TextIO, prefix: str, options: _Options) -> Iterator[Item]:
    if isinstance(source, str | os.PathLike):
        # errors="replace": a stray byte spoils only the field it sits in, which is then
        # rejected by shape; decoding errors would otherwise quote the bytes around it.
        with open(source, encoding="utf-8", errors="replace") as stream:
            yield from _read(stream, prefix, options)
        return
    head = prefix.lstrip(_BLANK)
    while not head:
        chunk = source.read(_CHUNK)
        if not chunk:
            break
        head = chunk.lstrip(_BLANK)
    yield from _Reader(source.read, head, options).items()
