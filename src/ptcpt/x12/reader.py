"""The 837P reader: splits the input into segments and dispatches each to its handler.

:class:`_Reader` holds the state of one read (what is open, the claim being built) and
the splitting; the handlers live by subject in :mod:`.envelope` and :mod:`.claims` and
are called through ``_HANDLERS``. :func:`read_837p` and :func:`visits_from_x12` are the
public entry points (re-exported as ``ptcpt.x12.read_837p`` and so on).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, TextIO

from ptcpt._visit import Visit
from ptcpt.errors import DataError, InvalidVisit
from ptcpt.x12.claims import _Claim, _clm, _dtp, _hl, _lx, _nm1, _Service, _settle, _sv1
from ptcpt.x12.envelope import _close_st, _ge, _gs, _iea, _isa, _Level, _open_st, _se, _st, _ta1
from ptcpt.x12.items import ClaimVisit, EnvelopeFault, Item
from ptcpt.x12.segments import (
    _BLANK,
    _CHUNK,
    _ISA_REACH,
    _LONGEST_SEGMENT,
    _NOT_IN_CLAIM,
    _PASSED_OVER,
    _SEGMENT_ID,
    _SPACE,
    _is_delimiter,
    _is_isa,
    _listed,
    _Options,
    _parse_isa,
    _payer_id,
    _payer_key,
    _segment_name,
    looks_like_x12,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping


# -- public functions ----------------------------------------------------------------------
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


# -- the reader --------------------------------------------------------------------------------


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
                _isa(self, None)
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
                _isa(self, header.elements)
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
            _open_st(self, None, "837", gs.version)
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
            _close_st(self)
        if levels >= 2:
            self.gs = None
        if levels >= 3:
            self.isa = None

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


#: The segments the reader looks into, by identifier (functions, not bound methods, so a
#: reader holds no reference cycle and its stream is freed as soon as it is done).
_HANDLERS: dict[str, Callable[[_Reader, str], None]] = {
    "CLM": _clm,
    "LX": _lx,
    "SV1": _sv1,
    "DTP": _dtp,
    "HL": _hl,
    "NM1": _nm1,
    "ST": _st,
    "SE": _se,
    "GS": _gs,
    "GE": _ge,
    "IEA": _iea,
    "TA1": _ta1,
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
