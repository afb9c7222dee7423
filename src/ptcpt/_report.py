"""What a check says about a visit: findings, hints, the expected units and the estimate.

Findings are problems (an error stops a clean claim; a warning needs a look; info is
context). Hints are reimbursement advice that never asks for a service the documentation
does not support: they say what to document or check.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Any, Literal

import attrs

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable, Sequence
    from decimal import Decimal

    import pandas as pd

    from ptcpt.fees import Estimate
    from ptcpt.units import UnitPlan

__all__ = ["Correction", "Finding", "Hint", "Report", "Severity"]


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


_NO_MODIFIERS: frozenset[str] = frozenset()


def _added(value: object) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    if value == ():
        return ()
    return tuple((str(code), int(units), tuple(mods)) for code, units, mods in value)  # type: ignore[attr-defined]


def _modifier_set(value: str | Iterable[str]) -> frozenset[str]:
    if type(value) is frozenset:
        return value
    return frozenset((value,) if isinstance(value, str) else value)


@attrs.frozen
class Correction:
    """What a finding means for one line's payment: denied as billed, and how a corrected
    claim bills it.

    ``units`` is what the corrected claim bills on the line: 0 leaves it off, None means
    the note decides (a 59 only the documentation can justify, a deleted code with
    several replacements), so no corrected figure is given for it. ``code`` replaces the
    line's code, ``add_modifiers`` and ``drop_modifiers`` change its modifiers, and
    ``add`` lists lines the corrected claim adds beside it as ``(code, units,
    modifiers)`` (97129 x3 -> 97129 x1 plus 97130 x2). ``denied`` says the payer denies
    the line as billed (an NCCI or MUE denial, a missing GP); units billed beyond what
    the minutes support are paid as billed (the claim does not show minutes), so they
    are not denied.
    """

    line: int
    units: int | None
    denied: bool = False
    code: str | None = None
    add_modifiers: frozenset[str] = attrs.field(default=_NO_MODIFIERS, converter=_modifier_set)
    drop_modifiers: frozenset[str] = attrs.field(default=_NO_MODIFIERS, converter=_modifier_set)
    add: tuple[tuple[str, int, tuple[str, ...]], ...] = attrs.field(default=(), converter=_added)


@attrs.frozen
class Finding:
    """One problem a rule found on a visit.

    ``rule`` and ``plugin`` are stamped by the engine, so a rule cannot claim another
    rule's id. ``line`` is the index into ``visit.lines`` (None for the whole visit).

    ``problem`` is a key for the problem reported (``"units:97161"``, ``"line:2:paired"``):
    when several rules report the same problem, the engine keeps one finding (the most
    severe, then the one whose correction bills the fewest units, then the first rule
    registered) and names the others in ``also`` and its message. ``corrections`` say
    what the problem means for payment (see :class:`Correction`); only an error's count.
    """

    rule: str
    severity: Severity = attrs.field(converter=_severity)
    message: str
    line: int | None = attrs.field(default=None, validator=_optional_line)
    code: str | None = None
    fix: str | None = None
    plugin: str = ""
    problem: str | None = None
    corrections: tuple[Correction, ...] = ()
    also: tuple[str, ...] = ()


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
    #: What the claim will be paid as billed: lines an error says the payer denies pay 0.
    estimate: Estimate | None = None
    visit_id: str | None = None
    #: The corrected claim's estimate, or a callable that makes it (priced on first use:
    #: most reports are never asked). Read it as :attr:`corrected_estimate`.
    _corrected: Estimate | Callable[[], Estimate | None] | None = attrs.field(
        default=None, eq=False, repr=False, alias="corrected_estimate"
    )

    @property
    def corrected_estimate(self) -> Estimate | None:
        """What a claim corrected as the errors say would be paid (None: nothing to correct)."""
        value = self._corrected
        if callable(value):
            value = value()
            object.__setattr__(self, "_corrected", value)
        return value

    def __getstate__(self) -> dict[str, Any]:
        # Price a pending corrected estimate first: what makes it stays in this process.
        self.corrected_estimate  # noqa: B018
        return {a.name: getattr(self, a.name) for a in attrs.fields(type(self))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

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
        """The ids of every rule that produced a finding or a hint, including those whose
        finding was merged into another rule's report of the same problem (``also``)."""
        fired = {f.rule for f in self.findings} | {h.rule for h in self.hints}
        for f in self.findings:
            fired.update(f.also)
        return frozenset(fired)

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
        estimate = self.estimate
        if estimate is not None:
            label = "estimate as billed" if self.corrected_estimate is not None else "estimate"
            lines.append(f"  {label}: {_total(estimate, claim_lines)}")
            lines.extend(f"    note: {_renumbered(note, claim_lines)}" for note in estimate.notes)
        corrected = self.corrected_estimate
        if corrected is not None:
            lines.append(f"  estimate of the corrected claim: {_total(corrected, claim_lines)}")
            already = set(estimate_notes(estimate))
            fresh = [note for note in corrected.notes if note not in already]
            lines.extend(f"    note: {_renumbered(note, claim_lines)}" for note in fresh)
        return "\n".join(lines)

    def to_frame(self, *, money: Literal["float", "decimal"] = "float") -> pd.DataFrame:
        """Findings and hints as a pandas DataFrame, one row each (needs the ``pandas`` extra).

        The columns of :func:`ptcpt.frames.check_frame`'s findings; ``amount`` is float
        dollars unless ``money="decimal"``. ``report.estimate.to_frame()`` has the lines.
        Same as :func:`ptcpt.frames.report_to_frame`.
        """
        from ptcpt._frame_output import report_to_frame

        return report_to_frame(self, money=money)

    def _repr_html_(self) -> str:
        from ptcpt._display import report_html

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


def estimate_notes(estimate: Estimate | None) -> tuple[str, ...]:
    return () if estimate is None else estimate.notes


def _total(estimate: Estimate, claim_lines: Sequence[int] | None = None) -> str:
    """The total, and what it leaves out: "$0.00" alone would hide lines with no estimate."""
    missing = [line for line in estimate.lines if line.payable is None]
    if not missing:
        return f"${estimate.total:.2f}"
    if len(missing) == len(estimate.lines):
        return "no estimate (no line could be priced)"
    numbers = None if claim_lines is None else [_claim_line(line.index, claim_lines) for line in missing]
    if numbers is None or None in numbers:
        which = ", ".join(f"{line.index} ({line.code})" for line in missing)
        return f"${estimate.total:.2f}, incomplete: line(s) {which} have no estimate"
    which = ", ".join(f"{number} ({line.code})" for number, line in zip(numbers, missing, strict=True))
    return f"${estimate.total:.2f}, incomplete: claim line(s) {which} have no estimate"


_NOTE_LINE = re.compile(r"\bline (\d+) \(")


def _renumbered(note: str, claim_lines: Sequence[int] | None) -> str:
    """An estimate note naming a visit line ("line 0 (97001): ...") by its claim line."""
    if claim_lines is None or "line " not in note:
        return note

    def number(match: re.Match[str]) -> str:
        found = _claim_line(int(match.group(1)), claim_lines)
        return match.group(0) if found is None else f"claim line {found} ("

    return _NOTE_LINE.sub(number, note)
