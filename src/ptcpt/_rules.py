"""Rules: the unit of checking. A rule is a function of a visit and a context.

``@ptcpt.rule(id, kind=..., payers=...)`` turns a generator function into a
:class:`Rule`; a plugin hands rules to ptcpt from its ``ptcpt_register_rules`` hook.
The :class:`RuleContext` gives a rule everything it may read and the helpers that build
its findings and hints; the engine stamps the rule id and plugin name on each.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ptcpt._report import Correction, Finding, Hint, Severity
from ptcpt._visit import Line

if TYPE_CHECKING:
    import datetime as dt

    from ptcpt._catalogs import Catalog
    from ptcpt._codes import Code
    from ptcpt._visit import Visit
    from ptcpt.classifier import Classifier
    from ptcpt.cms import CmsTables
    from ptcpt.fees import Estimate
    from ptcpt.payers import PayerProfile
    from ptcpt.units import UnitPlan

__all__ = ["RULE_KINDS", "Rule", "RuleContext", "RuleFunction", "rule"]

RULE_KINDS = frozenset({"validation", "hint"})
T = TypeVar("T")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)+$")

RuleFunction = Callable[["Visit", "RuleContext"], Iterable[Finding | Hint] | None]


def _rule_id(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _RULE_ID.fullmatch(value):
        raise ValueError(
            f"{attribute.name}: a rule id is dotted lower-case words such as "
            f"'acme.manual-therapy-cap', got {value!r}"
        )


def _kind(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in RULE_KINDS:
        raise ValueError(f"{attribute.name}: must be 'validation' or 'hint', got {value!r}")


@functools.cache
def _line_fields() -> frozenset[str]:
    """The optional fields of a Line (those that may be None): what a rule may need."""
    return frozenset(f.name for f in attrs.fields(Line) if f.default is None)


def _needs(value: Iterable[str] | str) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def _needed_fields(_: Any, attribute: attrs.Attribute[frozenset[str]], value: frozenset[str]) -> None:
    known = _line_fields()
    unknown = sorted(repr(name) for name in value if name not in known)
    if unknown:
        raise ValueError(
            f"{attribute.name}: {', '.join(unknown)} is not an optional field of Line "
            f"(one of {', '.join(sorted(known))})"
        )


def _payers(value: Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


@attrs.frozen
class Rule:
    """A named check. ``payers`` None means every payer; otherwise only those payer ids."""

    id: str = attrs.field(validator=_rule_id)
    kind: str = attrs.field(validator=_kind)
    function: RuleFunction = attrs.field(repr=False)
    payers: frozenset[str] | None = attrs.field(default=None, converter=_payers)
    description: str = ""
    #: Run only when the visit bills one of these codes (None: always). A cheap
    #: pre-filter the engine applies, so a rule about 97150 costs nothing elsewhere.
    codes: frozenset[str] | None = attrs.field(default=None, converter=_payers)
    #: Run only when some line carries one of these modifiers (None: always).
    modifiers: frozenset[str] | None = attrs.field(default=None, converter=_payers)
    #: The optional Line fields the rule needs to judge a line (e.g. ``{"minutes"}``):
    #: a line without them is one it cannot judge. The engine runs the rule anyway;
    #: readers of inputs that lack a field (an 837P has no minutes) name these rules.
    needs: frozenset[str] = attrs.field(default=frozenset(), converter=_needs, validator=_needed_fields)

    def applies_to(self, payer: str) -> bool:
        return self.payers is None or payer in self.payers

    def __call__(self, visit: Visit, ctx: RuleContext) -> Iterable[Finding | Hint] | None:
        return self.function(visit, ctx)


def rule(
    id: str,
    *,
    kind: str = "validation",
    payers: Iterable[str] | str | None = None,
    codes: Iterable[str] | None = None,
    modifiers: Iterable[str] | None = None,
    needs: Iterable[str] | str = (),
) -> Callable[[RuleFunction], Rule]:
    """Decorate a function ``(visit, ctx) -> iterable of findings/hints`` as a Rule.

    ``payers`` limits the rule to those payer ids; ``codes`` and ``modifiers`` let the
    engine skip it for visits that bill none of those codes or carry none of those
    modifiers. ``needs`` names the optional :class:`~ptcpt.Line` fields the rule
    needs to judge a line (``{"minutes"}``), so readers of inputs without them can say
    which rules cannot judge. The first line of the function's docstring becomes the
    rule's description, shown by ``ptcpt rules``.
    """

    def decorate(function: RuleFunction) -> Rule:
        doc = (function.__doc__ or "").strip().splitlines()
        return Rule(
            id=id,
            kind=kind,
            function=function,
            payers=payers,
            description=doc[0] if doc else "",
            codes=codes,
            modifiers=modifiers,
            needs=needs,
        )

    return decorate


class RuleContext:
    """What a rule may read about a visit, and the helpers that build its results.

    One context is made per check; the engine sets the current rule before calling it,
    so every finding and hint is stamped with the right rule id and plugin name.
    Attributes are read-only by convention; the models they expose are frozen.
    """

    __slots__ = (
        "_classifier",
        "_codes",
        "_errors_if",
        "_estimated",
        "_known_errors",
        "_memo",
        "_plan",
        "_plugin",
        "_price",
        "_rule",
        "_statuses",
        "_tables",
        "_visit",
        "catalog",
        "date",
        "fee_schedule",
        "payer",
    )

    def __init__(
        self,
        visit: Visit,
        *,
        catalog: Catalog,
        payer: PayerProfile,
        units: UnitPlan | None,
        tables: CmsTables | None = None,
        fee_schedule: Any = None,
        price: Callable[[Sequence[Line]], Estimate | None] | None = None,
        classifier: Callable[[], Classifier] | None = None,
    ) -> None:
        self._visit = visit
        self.catalog = catalog
        self.payer = payer
        self.date: dt.date = visit.date
        self._plan = units
        self._tables = tables
        self.fee_schedule = fee_schedule
        self._codes: tuple[Code | None, ...] | None = None
        self._rule = ""
        self._plugin = ""
        self._price = price
        self._estimated: tuple[Estimate | None] | None = None
        self._memo: dict[str, Any] = {}
        self._classifier = classifier
        self._statuses: tuple[str | None, ...] | None = None
        self._errors_if: Callable[[Visit, PayerProfile, Sequence[Line]], tuple[Finding, ...]] | None = None
        #: The visit's own validation findings, once the engine has them (errors_if of its lines).
        self._known_errors: tuple[Finding, ...] | None = None

    # -- what a rule reads ---------------------------------------------------------------
    @property
    def units(self) -> UnitPlan | None:
        """The units the timed minutes support under the payer's method (None: no minutes)."""
        return self._plan

    @property
    def tables(self) -> CmsTables:
        """CMS's NCCI, MUE, RVU and fee tables in force for this check."""
        if self._tables is None:
            from ptcpt.cms import bundled_tables

            self._tables = bundled_tables()
        return self._tables

    @property
    def estimate(self) -> Estimate | None:
        """The visit's payment estimate (computed once, on first use; None if unpriced)."""
        if self._estimated is None:
            self._estimated = (self.price(self._visit.lines),)
        return self._estimated[0]

    @property
    def classifier(self) -> Classifier:
        """The description classifier, with every plugin's vocabulary (built on first use)."""
        if self._classifier is None:
            from ptcpt.classifier import default_classifier

            return default_classifier()
        return self._classifier()

    def errors_if(self, lines: Sequence[Line]) -> tuple[Finding, ...]:
        """The errors the validation rules would report if this visit billed ``lines``.

        How a hint makes sure what it suggests breaks no rule: a hint that finds more
        units supported asks whether billing them would raise an MUE, a KX or any other
        error, plugins' rules included. Available to hint rules (validation rules run
        before it is set, and get an empty answer); the answer is one finding per problem.
        """
        check = self._errors_if
        if check is None:
            return ()
        known = self._known_errors
        if known is not None:
            billed = self._visit.lines
            if lines is billed or tuple(lines) == billed:
                # The check already ran these rules on these lines.
                return tuple(f for f in known if f.severity is Severity.ERROR)
        return check(self._visit, self.payer, lines)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        """A value computed once per check and shared by the rules that need it.

        Rules of one family use it to avoid repeating work (the NCCI pairs of a visit
        feed both ``ncci.ptp`` and ``hint.time-blocks``). Prefix keys with your plugin.
        """
        memo = self._memo
        if key not in memo:
            memo[key] = compute()
        value: T = memo[key]
        return value

    def price(self, lines: Sequence[Line]) -> Estimate | None:
        """What ``lines`` would be paid on this visit's date for its payer, priced exactly
        as the engine prices the visit (same tables, fee schedule, non-covered codes)."""
        return None if self._price is None else self._price(lines)

    def code(self, line: int | Line) -> Code | None:
        """The catalog entry for a line (by index or Line), or None when unknown."""
        if type(line) is int:
            return self.codes[line]
        return self.catalog.get(line.code)  # type: ignore[union-attr]

    # Per-line facts many rules read, worked out once per check (on first use) so that
    # twenty rules looping over the same lines do not repeat the same look-ups.
    @property
    def codes(self) -> tuple[Code | None, ...]:
        """The catalog entry of each line, in line order (None for a code ptcpt does not know)."""
        codes = self._codes
        if codes is None:
            get = self.catalog.get
            codes = self._codes = tuple([get(line.code) for line in self._visit.lines])
        return codes

    @property
    def statuses(self) -> tuple[str | None, ...]:
        """The PFS status letter of each line's code, in line order (None when unlisted)."""
        statuses = self._statuses
        if statuses is None:
            status = self.tables.status
            statuses = self._statuses = tuple([status(line.code) for line in self._visit.lines])
        return statuses

    @property
    def medicare(self) -> bool:
        """True when the payer follows Medicare's policies."""
        return self.payer.medicare_rules

    # -- what a rule builds --------------------------------------------------------------
    # The builders below construct Finding and Hint positionally and inline: they run for
    # every result of every rule, and keyword calls through a shared helper cost as much
    # as the rest of a small rule.
    def finding(
        self,
        severity: Severity | str,
        message: str,
        *,
        line: int | None = None,
        fix: str | None = None,
        code: str | None = None,
        problem: str | None = None,
        corrections: Iterable[Correction] = (),
    ) -> Finding:
        """A finding of any severity. ``problem`` keys what it reports, so the engine can
        keep one finding when several rules report the same problem (see
        :class:`~ptcpt._report.Finding`); ``corrections`` say what it means for payment."""
        if code is None and line is not None:
            code = self._visit.lines[line].code
        fixes = corrections if type(corrections) is tuple else tuple(corrections)
        return Finding(self._rule, severity, message, line, code, fix, self._plugin, problem, fixes)

    def error(
        self,
        message: str,
        *,
        line: int | None = None,
        fix: str | None = None,
        code: str | None = None,
        problem: str | None = None,
        corrections: Iterable[Correction] = (),
    ) -> Finding:
        """A problem that stops the line from being billed as it stands."""
        fixes = corrections if type(corrections) is tuple else tuple(corrections)
        return self._finding(Severity.ERROR, message, line, fix, code, problem, fixes)

    def warning(
        self,
        message: str,
        *,
        line: int | None = None,
        fix: str | None = None,
        code: str | None = None,
        problem: str | None = None,
    ) -> Finding:
        """Something that needs a human look before the claim goes out."""
        return self._finding(Severity.WARNING, message, line, fix, code, problem, ())

    def info(
        self,
        message: str,
        *,
        line: int | None = None,
        fix: str | None = None,
        code: str | None = None,
        problem: str | None = None,
    ) -> Finding:
        """Context worth knowing; never blocks a claim."""
        return self._finding(Severity.INFO, message, line, fix, code, problem, ())

    def _finding(
        self,
        severity: Severity,
        message: str,
        line: int | None,
        fix: str | None,
        code: str | None,
        problem: str | None,
        corrections: tuple[Correction, ...],
    ) -> Finding:
        """A finding of the running rule; its code defaults to the line's."""
        if code is None and line is not None:
            code = self._visit.lines[line].code
        return Finding(self._rule, severity, message, line, code, fix, self._plugin, problem, corrections)

    def hint(
        self, message: str, *, line: int | None = None, amount: Decimal | None = None, code: str | None = None
    ) -> Hint:
        """Reimbursement advice: what to document or check; ``amount`` in dollars."""
        if amount is not None and not isinstance(amount, Decimal):
            raise TypeError(f"amount must be a Decimal, got {type(amount).__name__}")
        if code is None and line is not None:
            code = self._visit.lines[line].code
        return Hint(self._rule, message, line, code, amount, self._plugin)
