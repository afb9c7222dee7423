"""Read X12 837P professional claims as visits, so a claim file can be checked as it is sent.

An 837P file is what a practice's billing system sends a payer. ptcpt needs only the
services in it: each claim's (``CLM``) service lines (``LX`` / ``SV1``) and their dates
of service (``DTP*472``). One claim becomes one :class:`~ptcpt.visit.Visit` per date of
service, because ptcpt's rules (NCCI pairs, the 8-minute rule, evaluations) are
same-day rules.

The file also holds patients' names, member ids, birth dates and addresses (``NM1``,
``N3``, ``N4``, ``DMG``, ``REF``, ``PER``). This module never reads those segments:
the only ``NM1`` it looks into is the payer's (``NM1*PR``), and then only to map the
payer to a profile id the caller chose. So no patient data can reach a visit, an error
message, a log record or a warning; messages name positions (the claim's ordinal
number in the file, the segment's) and short code-shaped values, never free text.

Splitting the file into segments (delimiters from the ISA header, composites) and
checking its envelope (ISA/IEA, GS/GE and ST/SE control numbers and counts) is the
work of pyx12, the ``x12`` extra; this module walks the few 837P loops it needs on
top of pyx12's segment reader. pyx12 is imported on first use, never by
``import ptcpt``. Full X12 compliance checking is pyx12's validator's job
(``docs/x12.md``); this reader rejects only what it cannot turn into visits.

What an 837P cannot say: minutes. Lines billed in units (``SV103`` = ``UN``, nearly
all) carry no minutes, so the rules that weigh minutes (:data:`RULES_NEEDING_MINUTES`)
cannot judge them and ``units.minutes-missing`` warns on every timed line; see
:data:`MINUTES_NOTE`. Lines billed in minutes (``MJ``) carry them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TextIO

import attrs

from ptcpt.codes import is_code_shaped
from ptcpt.errors import DataError, InvalidVisit, MissingExtra
from ptcpt.units import total_units
from ptcpt.visit import MAX_ID_LENGTH, MAX_MINUTES, MAX_UNITS, PAYER_PATTERN, Line, Visit

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

__all__ = [
    "MINUTES_NOTE",
    "RULES_NEEDING_GROUP_SIZE",
    "RULES_NEEDING_MINUTES",
    "ClaimVisit",
    "RejectedClaim",
    "lacks_minutes",
    "looks_like_x12",
    "read_837p",
    "visits_from_x12",
]

#: Rules that weigh a line's minutes: an 837P line billed in units (``UN``) has none, so
#: these rules cannot judge it (they stay silent rather than guess).
RULES_NEEDING_MINUTES = ("units.mismatch", "hint.units-available", "modifier.assistant-missing")
#: Rules that need the group size, which an 837P does not carry: ``group.size`` reports
#: every 97150 line read from a claim file.
RULES_NEEDING_GROUP_SIZE = ("group.size",)
#: Said once when checking claims from an 837P file whose lines lack minutes.
MINUTES_NOTE = (
    "837P claims carry units, not minutes: units.minutes-missing warns on each timed line, "
    "and " + ", ".join(RULES_NEEDING_MINUTES) + " cannot judge lines without minutes. "
    "Check the visits from the treatment notes (JSON with minutes) to run them."
)

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
#: What pyx12's envelope checks mean, in our words (its own texts quote segment data).
_ENVELOPE = {
    ("st", "3"): "the SE trailer's control number does not match its ST header",
    ("st", "4"): "the SE trailer's segment count (SE01) does not match the segments in the transaction set",
    ("st", "23"): "an ST control number repeats within the functional group",
    ("gs", "3"): "a transaction set is not closed by its SE trailer before the GE trailer",
    ("gs", "4"): "the GE trailer's control number does not match its GS header",
    ("gs", "5"): "the GE trailer's transaction set count (GE01) is wrong",
    ("gs", "6"): "a GS control number repeats within the interchange",
    ("isa", "001"): "the IEA trailer's control number does not match its ISA header",
    ("isa", "021"): "the IEA trailer's functional group count (IEA01) is wrong",
    ("isa", "024"): "a functional group is not closed by its GE trailer before the IEA trailer",
    ("isa", "025"): "an ISA control number repeats within the file",
}

#: pyx12's codes for trailers missing at the end of the input.
_TRAILERS = {("isa", "023"): "IEA", ("gs", "3"): "GE", ("st", "2"): "SE"}

_TOKEN = re.compile(r"[A-Z0-9]{1,7}")
_VERSION = re.compile(r"[A-Z0-9]{1,12}")
_NUMBER = re.compile(r"[-+]?[0-9]*\.?[0-9]+")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
_DATE = re.compile(r"[0-9]{8}")
_WHITESPACE = re.compile(r"\s")
_BLANK = " \t\r\n\ufeff"
_CHUNK = 8192


# -- results ------------------------------------------------------------------------------
@attrs.frozen(kw_only=True)
class ClaimVisit:
    """One date of service of one claim, as a visit ready for :func:`ptcpt.check`.

    ``claim`` is the claim's ordinal number in the input (1 for the first ``CLM``),
    shared by the visits of a claim that spans several dates; ``segment`` is the
    position of its ``CLM`` segment (the ISA header is segment 1). Both locate the claim
    in the file without naming anyone.
    """

    claim: int
    segment: int
    visit: Visit


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


# -- public functions ----------------------------------------------------------------------
def looks_like_x12(first_chunk: str) -> bool:
    """True when text starts (after blanks and a byte-order mark) like an X12 interchange.

    Every X12 file opens with the ``ISA`` header followed by its element separator, so
    the CLI can tell a claim file from JSON by its first few characters.
    """
    head = first_chunk.lstrip(_BLANK)
    return head[:3] == "ISA" and (len(head) == 3 or not (head[3].isalnum() or head[3].isspace()))


def lacks_minutes(visit: Visit) -> bool:
    """True when a line of ``visit`` has no minutes, so :data:`MINUTES_NOTE` applies."""
    return any(line.minutes is None for line in visit.lines)


def read_837p(
    source: str | os.PathLike[str] | TextIO,
    *,
    payer: str = "medicare",
    payers: Mapping[str, str] | None = None,
    claim_ids: bool = True,
    descriptions: bool = False,
    prefix: str = "",
) -> Iterator[ClaimVisit | RejectedClaim]:
    """Yield the visits of every claim in an 837P file, and the claims that cannot be read.

    ``source`` is a path or an open text file. Each claim yields one :class:`ClaimVisit`
    per date of service, earliest first, or one :class:`RejectedClaim` naming the
    claim's ordinal number, the segment and the problem. The file is read as a stream,
    one claim at a time.

    ``payer`` is the payer profile id of every visit; ``payers`` maps a payer's id
    (``NM1*PR`` element 09) or name (element 03, any case) to another profile id, e.g.
    ``{"00435": "medicare", "ACME HEALTH": "commercial"}``. The claim id (``CLM01``, the
    patient control number) becomes the visit id; ``claim_ids=False`` uses
    ``claim-<ordinal>`` instead, for files whose control numbers are account numbers
    that must not leave the billing system. ``descriptions=True`` keeps a line's
    ``SV101-7`` description (free text, for the classifier); it is dropped by default.
    ``prefix`` is text already read from the start of ``source`` (the CLI reads a chunk
    to recognise X12).

    A file that is not an 837P (an 835 remittance, an 837I), whose ISA header is broken,
    or whose envelope is damaged raises :class:`~ptcpt.errors.DataError` naming the
    segment, after the claims read before the damage. Needs the ``x12`` extra
    (``python -m pip install 'ptcpt[x12]'``): :class:`~ptcpt.errors.MissingExtra`
    otherwise.
    """
    if isinstance(source, str) and looks_like_x12(source):
        # The caller meant X12 text; opening it as a path would quote it in an OSError.
        raise TypeError("read_837p takes a path or an open text file; wrap X12 text in io.StringIO")
    default = _payer_id(payer, "payer")
    mapping = {_payer_key(key): _payer_id(value, f"payers[{key!r}]") for key, value in (payers or {}).items()}
    x12file = _pyx12()
    return _read(source, x12file, default, mapping, claim_ids, descriptions, prefix)


def visits_from_x12(
    stream: TextIO,
    *,
    payer: str = "medicare",
    payers: Mapping[str, str] | None = None,
    prefix: str = "",
) -> Iterator[tuple[int, Visit | InvalidVisit]]:
    """``(claim ordinal, visit or error)`` for each visit of an 837P stream, like JSONL input.

    The adapter for ``ptcpt check claims.837``: the number is the claim's ordinal (the
    visits of a multi-date claim share it), the error's message starts with
    ``claim N (segment M)``. ``prefix`` is text the caller already read from ``stream``.
    File-level damage raises :class:`~ptcpt.errors.DataError` (exit status 2).
    """
    for item in read_837p(stream, payer=payer, payers=payers, prefix=prefix):
        if isinstance(item, ClaimVisit):
            yield item.claim, item.visit
        else:
            yield item.claim, item.error


# -- helpers -------------------------------------------------------------------------------
def _pyx12() -> Any:
    """pyx12's segment reader module, imported on first use (it is an optional extra)."""
    try:
        import pyx12.x12file
    except ImportError:
        raise MissingExtra("reading X12 837P claims", "x12", "pyx12") from None
    return pyx12.x12file


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
    return f"a {len(value)}-character value"


class _Source:
    """``read(n)`` over text already read (``head``) followed by the rest of a stream.

    pyx12 wants the ISA header at the very first character; this lets us drop leading
    blanks and a byte-order mark, and hand back what the CLI read to recognise X12.
    """

    closed = False

    def __init__(self, head: str, rest: TextIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> str:
        if not self._head:
            return self._rest.read(size)
        if size < 0:
            text, self._head = self._head + self._rest.read(), ""
            return text
        text, self._head = self._head[:size], self._head[size:]
        if len(text) < size:
            text += self._rest.read(size - len(text))
        return text


def _start(prefix: str, stream: TextIO) -> _Source:
    """The stream from its first non-blank character."""
    head = prefix.lstrip(_BLANK)
    while not head:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        head = chunk.lstrip(_BLANK)
    return _Source(head, stream)


def _whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number in ``[low, high]`` (X12 numbers may read ``2.0``), or None."""
    if not _NUMBER.fullmatch(text):
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


# -- the reader ------------------------------------------------------------------------------
@attrs.define
class _ServiceLine:
    number: int
    segment: int
    line: Line | None = None
    date: dt.date | None = None


@attrs.define
class _Claim:
    ordinal: int
    segment: int
    payer: str
    visit_id: str | None
    date: dt.date | None = None
    lines: list[_ServiceLine] = attrs.Factory(list)
    error: RejectedClaim | None = None

    def fail(self, segment: int, reason: str) -> None:
        """Keep the first problem: the claim is rejected whole, naming it."""
        if self.error is None:
            self.error = _rejected(self.ordinal, segment, reason)


def _rejected(ordinal: int, segment: int, reason: str) -> RejectedClaim:
    return RejectedClaim(
        claim=ordinal, segment=segment, error=InvalidVisit(f"claim {ordinal} (segment {segment})", reason)
    )


def _visits(claim: _Claim) -> Iterator[ClaimVisit | RejectedClaim]:
    """A finished claim's visits, one per date of service, or its rejection."""
    if claim.error is None and not claim.lines:
        claim.fail(
            claim.segment, "the claim has no service lines (LX and SV1); an 837P claim bills one or more"
        )
    by_date: dict[dt.date, list[Line]] = {}
    for service in claim.lines:
        if claim.error is not None:
            break
        date = service.date or claim.date
        if service.line is None:
            claim.fail(service.segment, f"service line {service.number} has no SV1 (professional service)")
        elif date is None:
            claim.fail(
                service.segment,
                f"service line {service.number} has no date of service (DTP*472); "
                "the 837P requires one on every service line",
            )
        else:
            by_date.setdefault(date, []).append(service.line)
    if claim.error is not None:
        yield claim.error
        return
    for date in sorted(by_date):
        visit = Visit(date=date, lines=tuple(by_date[date]), payer=claim.payer, id=claim.visit_id)
        yield ClaimVisit(claim=claim.ordinal, segment=claim.segment, visit=visit)


class _Walker:
    """Follows the 837P loops segment by segment and assembles claims.

    Only the segments named in :meth:`feed` are looked at; every other segment, and so
    every identifying one, is passed over unread.
    """

    def __init__(self, default: str, payers: dict[str, str], claim_ids: bool, descriptions: bool) -> None:
        self.default = default
        self.payers = payers
        self.claim_ids = claim_ids
        self.descriptions = descriptions
        self.version = ""
        self.payer = default
        self.claims = 0
        self.claim: _Claim | None = None
        self.service: _ServiceLine | None = None

    def close(self) -> Iterator[ClaimVisit | RejectedClaim]:
        """The open claim's visits; a claim ends at the next HL, CLM or SE."""
        claim, self.claim, self.service = self.claim, None, None
        if claim is not None:
            yield from _visits(claim)

    def feed(self, seg: Any, number: int) -> Iterator[ClaimVisit | RejectedClaim]:
        seg_id = seg.get_seg_id()
        claim = self.claim
        if seg_id == "SV1":
            if claim is not None and claim.error is None:
                self._service(claim, seg, number)
            elif claim is None:
                raise DataError(f"segment {number}: a service line (SV1) outside any claim (CLM)")
        elif seg_id == "DTP":
            if claim is not None and claim.error is None and _get(seg, "DTP01") == "472":
                self._date(claim, seg, number)
        elif seg_id == "LX":
            if claim is None:
                raise DataError(f"segment {number}: a service line (LX) outside any claim (CLM)")
            self.service = _ServiceLine(number=len(claim.lines) + 1, segment=number)
            claim.lines.append(self.service)
        elif seg_id == "CLM":
            yield from self.close()
            self._claim(seg, number)
        elif seg_id == "HL":
            yield from self.close()
            if _get(seg, "HL03") == "22":  # a new subscriber: a new primary payer follows
                self.payer = self.default
        elif seg_id == "NM1":
            if claim is None and _get(seg, "NM101") == "PR":  # 2010BB; after CLM it is 2330B
                self.payer = self._payer(seg)
        elif seg_id == "SE":
            yield from self.close()
        elif seg_id == "ST":
            yield from self.close()
            self._transaction(seg, number)
        elif seg_id == "GS":
            self.version = _get(seg, "GS08")

    def _transaction(self, seg: Any, number: int) -> None:
        kind = _get(seg, "ST01")
        if kind != "837":
            what = _TRANSACTIONS.get(kind, "not a claim")
            raise DataError(
                f"segment {number}: transaction set {_shown(kind)} is {what}, not an 837P "
                "professional claim; ptcpt checks 837P claim files"
            )
        version = _get(seg, "ST03") or self.version
        if not any(guide in version for guide in _PROFESSIONAL):
            other = next((name for guide, name in _OTHER_837.items() if guide in version), None)
            raise DataError(
                f"segment {number}: "
                + (f"this is an {other} claim" if other else f"837 version {_shown(version, _VERSION)}")
                + "; ptcpt reads 837P professional claims (005010X222A1)"
            )
        self.payer = self.default

    def _payer(self, seg: Any) -> str:
        for key in (_get(seg, "NM109"), _get(seg, "NM103")):
            profile = self.payers.get(_payer_key(key)) if key else None
            if profile is not None:
                return profile
        return self.default

    def _claim(self, seg: Any, number: int) -> None:
        self.claims += 1
        ordinal = self.claims
        visit_id: str | None = f"claim-{ordinal}"
        problem = None
        if self.claim_ids:
            claim_id = _get(seg, "CLM01")
            spaced = _WHITESPACE.search(claim_id) is not None
            if not claim_id:
                problem = "CLM01, the claim id (patient control number), is empty"
            elif len(claim_id) > MAX_ID_LENGTH or spaced:
                # Never quoted: a control number may be an account number.
                problem = (
                    f"CLM01, the claim id, must be 1 to {MAX_ID_LENGTH} characters with no whitespace "
                    f"to serve as the visit id; it has {len(claim_id)} characters"
                    + (" and whitespace" if spaced else "")
                    + "; fix the id, or read the file with claim_ids=False to number the claims"
                )
            visit_id = None if problem else claim_id
        self.claim = _Claim(ordinal=ordinal, segment=number, payer=self.payer, visit_id=visit_id)
        self.service = None
        if problem:
            self.claim.fail(number, problem)

    def _date(self, claim: _Claim, seg: Any, number: int) -> None:
        service = self.service
        where = f"service line {service.number}" if service else "the claim"
        form, text = _get(seg, "DTP02"), _get(seg, "DTP03")
        if form == "RD8":
            start, _, end = text.partition("-")
            date, last = _date(start), _date(end)
            if last is None:
                date = None
            elif date is not None and last != date:
                claim.fail(
                    number,
                    f"{where}: DTP*472 is a date range (RD8) of several days; ptcpt checks one date "
                    "of service per visit, so bill each date on its own service line",
                )
                return
        elif form == "D8":
            date = _date(text)
        else:
            claim.fail(number, f"{where}: DTP02 must be D8 (one date) or RD8 (a range), got {_shown(form)}")
            return
        if date is None:
            claim.fail(number, f"{where}: the date of service in DTP*472 is not a valid CCYYMMDD date")
        elif service is None:
            # Not in the 837P guide (service dates belong to the lines), but some
            # senders put one on the claim: it serves the lines that have none.
            if claim.date is not None:
                claim.fail(number, "the claim has two claim-level dates of service (DTP*472)")
            claim.date = date
        elif service.date is not None:
            claim.fail(number, f"{where} has two dates of service (DTP*472)")
        else:
            service.date = date

    def _service(self, claim: _Claim, seg: Any, number: int) -> None:
        service = self.service
        if service is None:
            claim.fail(number, "an SV1 service comes before the claim's first LX service line")
            return
        if service.line is not None:
            claim.fail(number, f"service line {service.number} has two SV1 segments")
            return
        where = f"service line {service.number}"
        qualifier = _get(seg, "SV101-1").strip().upper()
        if qualifier != "HC":
            claim.fail(
                number,
                f"{where}, SV101-1: ptcpt reads procedure codes qualified HC (CPT/HCPCS), "
                f"got {_shown(qualifier)}",
            )
            return
        code = _get(seg, "SV101-2").strip().upper()
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
        for index in range(3, 7):
            modifier = _get(seg, f"SV101-{index}").strip().upper()
            if not modifier:
                continue
            if not _MODIFIER.fullmatch(modifier):
                claim.fail(
                    number,
                    f"{where}, SV101-{index}: a modifier is 2 letters or digits such as GP, KX or 59, "
                    f"got {_shown(modifier)}",
                )
                return
            modifiers.append(modifier)
        basis, quantity = _get(seg, "SV103").strip().upper(), _get(seg, "SV104").strip()
        minutes = None
        if basis == "UN":
            units = _whole(quantity, 1, MAX_UNITS)
            if units is None:
                claim.fail(
                    number,
                    f"{where}, SV104: units must be a whole number from 1 to {MAX_UNITS}, "
                    f"got {_shown(quantity, _NUMBER)}",
                )
                return
        elif basis == "MJ":
            minutes = _whole(quantity, 1, MAX_MINUTES)
            if minutes is None:
                claim.fail(
                    number,
                    f"{where}, SV104: minutes (SV103 MJ) must be a whole number from 1 to {MAX_MINUTES}, "
                    f"got {_shown(quantity, _NUMBER)}",
                )
                return
            # A line billed in minutes states no units: count what the minutes earn on
            # their own under the CMS table, at least one (the line bills something).
            units = max(1, total_units(minutes))
        else:
            claim.fail(
                number,
                f"{where}, SV103: the unit basis must be UN (units) or MJ (minutes), got {_shown(basis)}",
            )
            return
        description = (_get(seg, "SV101-7") or None) if self.descriptions else None
        try:
            service.line = Line(
                code=code, units=units, minutes=minutes, modifiers=tuple(modifiers), description=description
            )
        except InvalidVisit as exc:  # pragma: no cover - every field is checked above
            claim.fail(number, f"{where}: {exc.path}: invalid")


def _get(seg: Any, ref: str) -> str:
    """An element's text, ``""`` when absent (pyx12 answers None past the segment's end)."""
    value: str | None = seg.get_value(ref)
    return value or ""


def _read(
    source: str | os.PathLike[str] | TextIO,
    x12file: Any,
    default: str,
    payers: dict[str, str],
    claim_ids: bool,
    descriptions: bool,
    prefix: str,
) -> Iterator[ClaimVisit | RejectedClaim]:
    if isinstance(source, str | os.PathLike):
        # errors="replace": a stray byte spoils only the field it sits in, which is then
        # rejected by shape; decoding errors would otherwise quote the bytes around it.
        with open(source, encoding="utf-8", errors="replace") as stream:
            yield from _walk(_start(prefix, stream), x12file, default, payers, claim_ids, descriptions)
    else:
        yield from _walk(_start(prefix, source), x12file, default, payers, claim_ids, descriptions)


def _walk(
    source: _Source,
    x12file: Any,
    default: str,
    payers: dict[str, str],
    claim_ids: bool,
    descriptions: bool,
) -> Iterator[ClaimVisit | RejectedClaim]:
    import pyx12.errors

    failures = (pyx12.errors.X12Error, pyx12.errors.EngineError, UnicodeDecodeError)
    try:
        reader = x12file.X12Reader(source)
    except failures:
        raise DataError(
            "segment 1: not an X12 file ptcpt can read: an interchange starts with an ISA header "
            "of exactly 106 characters, version 00401 or 00501"
        ) from None
    walker = _Walker(default, payers, claim_ids, descriptions)
    envelope: list[tuple[int, str]] = []
    segments = iter(reader)
    number = 0
    while True:
        try:
            seg = next(segments, None)
        except failures:
            raise DataError(
                f"segment {number + 1}: the segment cannot be read as X12 (a second ISA header "
                "with the wrong number of elements, or text that is not UTF-8)"
            ) from None
        if seg is None:
            break
        number = reader.get_cur_line()
        yield from walker.feed(seg, number)
        envelope += _envelope_errors(reader.pop_errors(), number)
    if walker.claim is not None:
        # The input ended inside a claim: lines after the cut are lost, so the claim is
        # incomplete whatever it holds.
        ordinal, walker.claim = walker.claim.ordinal, None
        yield _rejected(
            ordinal,
            number,
            "the input ends inside this claim, before the SE trailer of its transaction set: "
            "the file looks truncated (or holds an empty segment, where X12 reading stops), "
            "so the claim may be missing lines",
        )
    reader.cleanup()
    missing = [trailer for kind, code, *_ in reader.pop_errors() if (trailer := _TRAILERS.get((kind, code)))]
    if missing:
        names = list(reversed(missing))  # innermost first: SE, GE, IEA
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        envelope.append((number, f"the input ends without its {listed} trailer" + "s" * (len(names) > 1)))
    if envelope:
        where, reason = envelope[0]
        more = f" ({len(envelope) - 1} more envelope problems)" if len(envelope) > 1 else ""
        raise DataError(
            f"segment {where}: {reason}{more}; the file is damaged or truncated "
            "(the claims before this point were read)"
        )


def _envelope_errors(errors: Iterable[tuple[str, str, str, Any, Any]], number: int) -> list[tuple[int, str]]:
    """Envelope problems pyx12 found, in our words; segment-level lint is the validator's."""
    found = []
    for kind, code, *_ in errors:
        reason = _ENVELOPE.get((kind, code))
        if reason is None and kind in ("isa", "gs", "st"):
            reason = f"the {kind.upper()} envelope is damaged (pyx12 code {_shown(code)})"
        if reason is not None:
            found.append((number, reason))
    return found
