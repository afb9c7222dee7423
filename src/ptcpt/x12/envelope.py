"""The envelope of an X12 file: ISA/IEA, GS/GE and ST/SE, their counts and control numbers.

Each handler is a function of the reader (:class:`ptcpt.x12.reader._Reader`) and the
segment, called through the reader's handler table. A damaged envelope is an
:class:`~ptcpt.x12.items.EnvelopeFault` where it is found, and reading goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ptcpt.x12.segments import (
    _COUNT,
    _OTHER_837,
    _PROFESSIONAL,
    _SET_ID,
    _TRANSACTIONS,
    _VERSION,
    _shown,
    _whole,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ptcpt.x12.reader import _Reader


@attrs.define
class _Level:
    """An open interchange, functional group or transaction set."""

    segment: int  # where its header is
    control: str | None  # its control number; None when the header is missing
    count: int = 0  # groups in an interchange, sets in a group, segments in a set
    children: set[str] = attrs.Factory(set)  # the control numbers of its groups or sets
    version: str = ""  # a group's GS08


def _isa(reader: _Reader, elements: tuple[str, ...] | None) -> None:
    """An ISA header (``None`` when it cannot be read): a new interchange opens."""
    reader._unwind("a new interchange (ISA header)", levels=3)
    number = reader.number
    control = elements[13] if elements is not None else None
    if control is not None:
        if control in reader.interchanges:
            reader._fault(
                number,
                "ISA13, the interchange control number, repeats an earlier interchange's: expected a "
                "number of its own (is the interchange sent twice?)",
            )
        reader.interchanges.add(control)
    else:
        reader.interchanges.add(f"#{number}")
    reader.isa = _Level(segment=number, control=control)
    reader.stray = False


def _iea(reader: _Reader, segment: str) -> None:
    number = reader.number
    isa = reader.isa
    reader.stray = False
    if isa is None:
        reader._fault(
            number,
            "an IEA trailer, but no interchange is open: expected an ISA header or the end of the input",
        )
        return
    reader._unwind("the IEA trailer", levels=2)
    reader.isa = None
    if isa.control is None:
        return
    _check_trailer(
        reader,
        number,
        segment,
        isa,
        lambda counted: (
            f"IEA01 counts {counted} functional groups, but the interchange that starts "
            f"at segment {isa.segment} has {isa.count}: expected {isa.count}"
        ),
        f"IEA02 does not match ISA13, the control number of the interchange's header (segment "
        f"{isa.segment}): expected the same control number",
    )


def _gs(reader: _Reader, segment: str) -> None:
    number = reader.number
    reader.stray = False
    if reader.isa is None:
        reader._fault(number, "a GS header outside any interchange: expected an ISA header before it")
        _isa(reader, None)
    else:
        reader._unwind("a new functional group (GS header)", levels=2)
    isa = reader.isa
    assert isa is not None
    elements = segment.split(reader.element)
    control = elements[6] if len(elements) > 6 else ""
    version = elements[8] if len(elements) > 8 else ""
    if control in isa.children:
        reader._fault(
            number,
            "GS06, the group control number, repeats another group's in this interchange: expected "
            "a number of its own",
        )
    isa.children.add(control)
    isa.count += 1
    reader.gs = _Level(segment=number, control=control, version=version)


def _ge(reader: _Reader, segment: str) -> None:
    number = reader.number
    gs = reader.gs
    reader.stray = False
    if gs is None:
        reader._fault(
            number,
            "a GE trailer, but no functional group is open: expected a GS header, or the IEA trailer",
        )
        return
    reader._unwind("the GE trailer", levels=1)
    reader.gs = None
    if gs.control is None:
        return
    _check_trailer(
        reader,
        number,
        segment,
        gs,
        lambda counted: (
            f"GE01 counts {counted} transaction sets, but the group that starts at "
            f"segment {gs.segment} has {gs.count}: expected {gs.count}"
        ),
        f"GE02 does not match GS06, the control number of the group's header (segment "
        f"{gs.segment}): expected the same control number",
    )


def _st(reader: _Reader, segment: str) -> None:
    number = reader.number
    reader.stray = False
    if reader.gs is None:
        reader._fault(number, "an ST header outside any functional group: expected a GS header before it")
        if reader.isa is None:
            _isa(reader, None)
        assert reader.isa is not None
        reader.isa.count += 1  # the group is there, only its header is not
        reader.gs = _Level(segment=number, control=None)
    else:
        reader._unwind("a new transaction set (ST header)", levels=1)
    elements = segment.split(reader.element)
    kind = elements[1] if len(elements) > 1 else ""
    control = elements[2] if len(elements) > 2 else ""
    version = (elements[3] if len(elements) > 3 else "") or reader.gs.version
    gs = reader.gs
    if control in gs.children:
        reader._fault(
            number,
            "ST02, the transaction set control number, repeats another set's in this group: "
            "expected a number of its own",
        )
    gs.children.add(control)
    gs.count += 1
    _open_st(reader, control, kind, version)


def _open_st(reader: _Reader, control: str | None, kind: str, version: str) -> None:
    number = reader.number
    reader.st = _Level(segment=number, control=control, count=1)
    reader.hl = 0
    reader.payer = reader.options.default
    reader.reading = False
    where = f"segment {number}" if control is not None else f"see segment {number}"
    if kind != "837":
        what = _TRANSACTIONS.get(kind, "not a claim")
        reader.refusal = f"the claim is in transaction set {_shown(kind, _SET_ID)} ({where}), not an 837P"
        reader._fault(
            number,
            f"transaction set {_shown(kind, _SET_ID)} is {what}, not an 837P professional claim; "
            "ptcpt checks 837P claim files",
        )
        return
    if any(guide in version for guide in _PROFESSIONAL):
        reader.reading = True
        return
    other = next((name for guide, name in _OTHER_837.items() if guide in version), None)
    if other is not None:
        reader.refusal = f"the claim is in an {other} transaction set ({where}), not an 837P"
        reader._fault(number, f"this is an {other} claim; ptcpt reads 837P professional claims")
    elif control is None:
        reader.refusal = (
            f"the claim is outside any transaction set ({where}), and its functional group does "
            "not name the 837P, so ptcpt cannot tell it is an 837P claim"
        )
    else:
        reader.refusal = f"the claim is in an 837 of version {_shown(version, _VERSION)} ({where})"
        reader._fault(
            number,
            f"837 version {_shown(version, _VERSION)}; ptcpt reads 837P professional claims "
            "(005010X222A1, or 004010X098A1)",
        )


def _se(reader: _Reader, segment: str) -> None:
    number = reader.number
    st = reader.st
    reader.stray = False
    if st is None:
        reader._fault(
            number,
            "an SE trailer, but no transaction set is open: expected an ST header, or the GE trailer",
        )
        return
    reader._close()
    _close_st(reader)
    if st.control is None:
        return
    _check_trailer(
        reader,
        number,
        segment,
        st,
        lambda counted: (
            f"SE01 counts {counted} segments, but the transaction set from its ST header "
            f"(segment {st.segment}) to this SE trailer has {st.count}: expected {st.count} (or a "
            "segment was lost or added)"
        ),
        f"SE02 does not match ST02, the control number of the transaction set's header (segment "
        f"{st.segment}): expected the same control number",
    )


def _check_trailer(
    reader: _Reader,
    number: int,
    segment: str,
    header: _Level,
    count_fault: Callable[[str], str],
    control_fault: str,
) -> None:
    """A trailer's count (element 1) and control number (element 2) against its header's."""
    elements = segment.split(reader.element)
    count = elements[1] if len(elements) > 1 else ""
    control = elements[2] if len(elements) > 2 else ""
    if _whole(count, 0, 10**9) != header.count:
        reader._fault(number, count_fault(_shown(count, _COUNT)))
    if control != header.control:
        reader._fault(number, control_fault)


def _close_st(reader: _Reader) -> None:
    reader.st = None
    reader.reading = False
    reader.refusal = "the claim is outside any transaction set"


def _ta1(reader: _Reader, segment: str) -> None:
    """An interchange acknowledgment: it belongs between the ISA and the first GS."""
    if reader.isa is None or reader.gs is not None:
        reader._stray("TA1", known=False)
