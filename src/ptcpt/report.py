"""What a check says about a visit: findings, hints, the expected units and the estimate.

Findings are problems (an error stops a clean claim; a warning needs a look; info is
context). Hints are reimbursement advice that never asks for a service the documentation
does not support: they say what to document or check.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence
    from decimal import Decimal

    import pandas as pd

    from ptcpt.fees import Estimate
    from ptcpt.units import UnitPlan

__all__ = ["Finding", "Hint", "Report", "Severity"]


class Severity(enum.StrEnum):
    """How much a finding matters to the claim."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _severity(value: Severity | str) -> Severity:
    """Severity(value), without the enum's lookup when it already is one (the usual case)."""
    return value if type(value) is Severity else Severity(value)


def _optional_line(_: Any, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is None or (type(value) is int and value >= 0):
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{attribute.name}: must be a line index >= 0 or None, got {value!r}")


@attrs.frozen
class Finding:
    """One problem a rule found on a visit.

    ``rule`` and ``plugin`` are stamped by the engine, so a rule cannot claim another
    rule's id. ``line`` is the index into ``visit.lines`` (None for the whole visit).
    """

    rule: str
    severity: Severity = attrs.field(converter=_severity)
    message: str
    line: int | None = attrs.field(default=None, validator=_optional_line)
    code: str | None = None
    fix: str | None = None
    plugin: str = ""


@attrs.frozen
class Hint:
    """Reimbursement advice: what to document or check, and the dollars at stake if known."""

    rule: str
    message: str
    line: int | None = attrs.field(default=None, validator=_optional_line)
    code: str | None = None
    amount: Decimal | None = None
    plugin: str = ""


@attrs.frozen
class Report:
    """Everything a check produced for one visit."""

    date: dt.date
    payer: str
    findings: tuple[Finding, ...] = ()
    hints: tuple[Hint, ...] = ()
    units: UnitPlan | None = None
    estimate: Estimate | None = None
    visit_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when no finding is an error: the visit can be billed as it stands."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def infos(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.INFO)

    def rules_fired(self) -> frozenset[str]:
        """The ids of every rule that produced a finding or a hint."""
        return frozenset(f.rule for f in self.findings) | frozenset(h.rule for h in self.hints)

    def sorted_findings(self) -> tuple[Finding, ...]:
        """Errors first, then warnings, then info; by line within each."""
        return tuple(
            sorted(
                self.findings,
                key=lambda f: (_SEVERITY_ORDER[f.severity], -1 if f.line is None else f.line),
            )
        )

    def to_dict(self, *, claim_lines: Sequence[int] | None = None) -> dict[str, Any]:
        """A JSON-ready dict (through the shared converter).

        ``claim_lines`` gives, for each line of the visit, its number in the claim it was
        read from (:attr:`ptcpt.x12.ClaimVisit.claim_lines`, the ``LX`` numbers): each
        finding and hint then also carries ``claim_line`` after ``line``.
        """
        from ptcpt.serialize import report_to_dict

        data = report_to_dict(self)
        if claim_lines is not None:
            for key in ("findings", "hints"):
                data[key] = [_with_claim_line(entry, claim_lines) for entry in data[key]]
        return data

    def to_json(self, *, claim_lines: Sequence[int] | None = None, **kwargs: Any) -> str:
        import json

        return json.dumps(self.to_dict(claim_lines=claim_lines), **kwargs)

    def summary(self, *, claim_lines: Sequence[int] | None = None) -> str:
        """A few readable lines: the verdict, then every finding and hint.

        With ``claim_lines`` (see :meth:`to_dict`), a finding names the line by its
        number in the claim (``claim line 4``) rather than its index in the visit.
        """
        head = f"visit {self.visit_id or '(no id)'} on {self.date.isoformat()} for {self.payer}: "
        head += "OK" if self.ok else f"{len(self.errors)} error(s)"
        lines = [head]
        for f in self.sorted_findings():
            where = _where(f.line, claim_lines)
            code = f" {f.code}" if f.code else ""
            lines.append(f"  {f.severity.value.upper():7} {f.rule}{where}{code}: {f.message}")
            if f.fix:
                lines.append(f"          fix: {f.fix}")
        for h in self.hints:
            where = _where(h.line, claim_lines)
            amount = f"${h.amount:.2f}" if h.amount is not None else ""
            shown = f" ({amount})" if amount and amount not in h.message else ""
            lines.append(f"  HINT    {h.rule}{where}: {h.message}{shown}")
        if self.units is not None and len(self.units):
            explained = self.units.explain().replace("\n", "\n    ")
            lines.append(f"  expected units: {explained}")
        if self.estimate is not None:
            lines.append(f"  estimate: ${self.estimate.total:.2f}")
            lines.extend(f"    note: {note}" for note in self.estimate.notes)
        return "\n".join(lines)

    def to_frame(self, *, money: Literal["float", "decimal"] = "float") -> pd.DataFrame:
        """Findings and hints as a pandas DataFrame, one row each (needs the ``pandas`` extra).

        The columns of :func:`ptcpt.frames.check_frame`'s findings; ``amount`` is float
        dollars unless ``money="decimal"``. ``report.estimate.to_frame()`` has the lines.
        """
        from ptcpt.frames import report_to_frame

        return report_to_frame(self, money=money)

    def _repr_html_(self) -> str:
        from ptcpt.display import report_html

        return report_html(self)


def _claim_line(line: int | None, claim_lines: Sequence[int]) -> int | None:
    return claim_lines[line] if line is not None and line < len(claim_lines) else None


def _where(line: int | None, claim_lines: Sequence[int] | None) -> str:
    """How a summary names a finding's line: by index, or by its number in the claim."""
    if line is None:
        return ""
    number = None if claim_lines is None else _claim_line(line, claim_lines)
    return f" line {line}" if number is None else f" claim line {number}"


def _with_claim_line(entry: dict[str, Any], claim_lines: Sequence[int]) -> dict[str, Any]:
    """A finding's or hint's dict with ``claim_line`` placed right after ``line``."""
    result: dict[str, Any] = {}
    for key, value in entry.items():
        result[key] = value
        if key == "line":
            result["claim_line"] = _claim_line(value, claim_lines)
    return result
