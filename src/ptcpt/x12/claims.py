"""The claim loops of an 837P: CLM, HL, NM1*PR, LX, SV1 and DTP*472 into visits.

Each handler is a function of the reader (:class:`ptcpt.x12.reader._Reader`, whose
state it reads and sets) and the segment, called through the reader's handler table;
:func:`_settle` turns a finished claim into the items the reader yields.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import attrs

from ptcpt._codes import is_code_shaped
from ptcpt._visit import MAX_ID_LENGTH, MAX_MINUTES, MAX_UNITS, Line, Visit
from ptcpt.errors import InvalidVisit
from ptcpt.units import total_units
from ptcpt.x12.items import ClaimVisit, Item, RejectedClaim, RejectedLine
from ptcpt.x12.segments import (
    _COUNT,
    _MODIFIER,
    _QUANTITY,
    _WHITESPACE,
    _date,
    _is_delimiter,
    _payer_key,
    _shown,
    _whole,
)

if TYPE_CHECKING:
    from ptcpt.x12.reader import _Reader


def _unit_minutes(code: str) -> int | None:
    """The unit length of a timed code in the bundled catalog; None for any other code."""
    from ptcpt._catalogs import catalog

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


def _clm(reader: _Reader, segment: str) -> None:
    if reader.st is None:
        reader._stray("CLM", known=True)
    reader._close()
    reader.claims += 1
    number, ordinal = reader.number, reader.claims
    visit_id: str | None = f"claim-{ordinal}"
    problem = None
    if reader.reading and reader.options.claim_ids:
        elements = segment.split(reader.element)
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
    reader.claim = _Claim(ordinal=ordinal, segment=number, payer=reader.payer, visit_id=visit_id)
    if not reader.reading:
        reader.claim.fail(number, reader.refusal)
    elif problem:
        reader.claim.fail(number, problem)


def _hl(reader: _Reader, segment: str) -> None:
    reader._close()
    if reader.st is None:
        reader._stray("HL", known=True)
    if not reader.reading:
        return
    elements = segment.split(reader.element)
    reader.hl += 1
    given = elements[1] if len(elements) > 1 else ""
    assert reader.st is not None
    if given != str(reader.hl) and reader.st.control is not None:
        reader._fault(
            reader.number,
            f"HL01 is {_shown(given, _COUNT)}, but the HL segments of a transaction set are numbered "
            f"1, 2, 3, ...: expected {reader.hl} (an HL segment before it may be missing or repeated)",
        )
        number = _whole(given, 1, 10**9)
        if number is not None:
            reader.hl = number
    if len(elements) > 3 and elements[3] == "22":  # a new subscriber: a new primary payer follows
        reader.payer = reader.options.default


def _nm1(reader: _Reader, segment: str) -> None:
    if reader.st is None:
        reader._stray("NM1", known=True)
    if reader.claim is not None or not segment.startswith(f"NM1{reader.element}PR{reader.element}"):
        return  # after CLM an NM1*PR is 2330B, another payer
    elements = segment.split(reader.element)
    for key in (elements[9] if len(elements) > 9 else "", elements[3] if len(elements) > 3 else ""):
        profile = reader.options.payers.get(_payer_key(key)) if key else None
        if profile is not None:
            reader.payer = profile
            return
    reader.payer = reader.options.default


def _lx(reader: _Reader, segment: str) -> None:
    if reader.st is None:
        reader._stray("LX", known=True)
    claim = reader.claim
    if claim is None:
        if reader.reading:
            reader._fault(
                reader.number,
                "a service line (LX) outside any claim: expected a CLM segment before it; "
                "the line is not read",
            )
        reader.orphan = True
        return
    if claim.error is not None:
        return
    expected = len(claim.lines) + 1
    elements = segment.split(reader.element)
    given = elements[1] if len(elements) > 1 else ""
    if given != str(expected):
        claim.fail(
            reader.number,
            f"LX01 is {_shown(given, _COUNT)}, but the service lines of a claim are numbered 1, 2, 3, "
            f"...: expected {expected} (a service line before it may be missing or repeated)",
        )
        return
    reader.service = _Service(number=expected, segment=reader.number)
    claim.lines.append(reader.service)


def _sv1(reader: _Reader, segment: str) -> None:
    if reader.st is None:
        reader._stray("SV1", known=True)
    claim = reader.claim
    if claim is None:
        if reader.reading and not reader.orphan:
            reader._fault(
                reader.number,
                "a service (SV1) outside any claim: expected a CLM and an LX segment before it; "
                "the service is not read",
            )
        return
    if claim.error is None:
        _read_service(reader, claim, segment.split(reader.element))


def _dtp(reader: _Reader, segment: str) -> None:
    if reader.st is None:
        reader._stray("DTP", known=True)
    claim = reader.claim
    if claim is None or claim.error is not None:
        return
    elements = segment.split(reader.element)
    if len(elements) > 1 and elements[1] == "472":
        _read_date(reader, claim, elements)


def _read_date(reader: _Reader, claim: _Claim, elements: list[str]) -> None:
    number = reader.number
    service = reader.service
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


def _read_service(reader: _Reader, claim: _Claim, elements: list[str]) -> None:
    number = reader.number
    service = reader.service
    if service is None:
        claim.fail(number, "an SV1 service comes before the claim's first LX service line")
        return
    if service.line is not None:
        claim.fail(number, f"service line {service.number} has two SV1 segments")
        return
    where = f"service line {service.number}"
    composite = elements[1] if len(elements) > 1 else ""
    parts = composite.split(reader.component)
    qualifier = parts[0].strip().upper()
    if qualifier != "HC":
        if len(parts) == 1 and len(composite) > 2:
            guess = next((char for char in composite if _is_delimiter(char)), None)
            if guess is not None:
                claim.fail(
                    number,
                    f"{where}, SV101: the procedure is one value of {len(composite)} characters: its "
                    f"parts are separated by {guess!r}, but the ISA header (ISA16) makes "
                    f"{reader.component!r} the component separator; fix ISA16 or the separators",
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
    if reader.options.descriptions and len(parts) > 6:
        description = parts[6] or None
    try:
        service.line = Line(
            code=code, units=units, minutes=minutes, modifiers=tuple(modifiers), description=description
        )
    except InvalidVisit as exc:  # pragma: no cover - every field is checked above
        claim.fail(number, f"{where}: {exc.path}: invalid")
