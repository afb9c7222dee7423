"""What reading an 837P yields: visits of a claim, rejected claims and lines, envelope faults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ptcpt._visit import Visit
from ptcpt.errors import DataError, InvalidVisit

if TYPE_CHECKING:
    pass


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
    (:meth:`ptcpt._report.Report.summary` and :meth:`~ptcpt._report.Report.to_dict` take it).
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
