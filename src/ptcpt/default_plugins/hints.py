"""Reimbursement hints: units the minutes support, MPPR and assistant reductions.

Every hint says what to document or check. None advises billing a service the
documentation does not support, and reductions are reported as readily as revenue.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from ptcpt._report import Finding, Hint
    from ptcpt._visit import Visit

_CENT = Decimal("0.01")


@rule("hint.units-available", kind="hint", needs={"minutes"})
def units_available(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """Minutes support more units than were billed, and billing them breaks no rule."""
    plan = ctx.units
    if plan is None:
        return
    billed: dict[str, tuple[int, int, bool]] = {}
    for i, line in enumerate(visit.lines):
        if line.code in plan:
            units, first, complete = billed.get(line.code, (0, i, True))
            billed[line.code] = (units + line.units, first, complete and line.minutes is not None)
    fired = False
    for code, (units, first, complete) in billed.items():
        low, _high = plan.bounds(code)
        if not complete or units >= low:
            continue
        fired = True  # the minutes support more, whether or not more can be billed
        target, limit = _billable(visit, ctx, code, first, units, low)
        supported = (
            f"{code}: {plan.minutes_for(code)} timed minutes support {low} unit(s) under the "
            f"payer's method but {units} are billed"
        )
        if target <= units:
            if limit.startswith(_BREAKS):
                # Say why, without a figure that would lead into the error.
                yield ctx.hint(f"{supported}; {limit}: settle that first", line=first)
            continue  # the MUE leaves nothing to add
        capped = f"; {limit}, so at most {target} can be billed" if target < low else ""
        yield ctx.hint(
            f"{supported}{capped}; if the note documents that time as skilled, one-on-one "
            f"{code}, check the units{_unconfirmed(ctx)}",
            line=first,
            amount=_unit_amount(visit, ctx, first, target - units),
        )
    if fired or not all(complete for _, _, complete in billed.values()):
        return
    # Under CMS tied remainders leave the provider a choice of code, so every code can be
    # within its own bounds while the visit as a whole is a unit short (20 + 20 minutes
    # billed 1 + 1: the minutes support 3).
    billed_total = sum(units for units, _, _ in billed.values())
    if billed_total < plan.total:
        tied = [code for code in plan.tied() if code in billed]
        # Only codes that can take the unit without breaking a rule are offered.
        open_codes = [c for c in tied if _can_add_one(visit, ctx, c, billed[c])]
        if tied and not open_codes:
            return
        at: int | None = billed[open_codes[0]][1] if open_codes else None
        yield ctx.hint(
            f"{plan.total_minutes} timed minutes support {plan.total} unit(s) in all under the "
            f"payer's method but {billed_total} are billed"
            + _choice(open_codes, tied)
            + f"; if the note documents that time as skilled, one-on-one care, check the units"
            f"{_unconfirmed(ctx)}",
            line=at,
            amount=None if at is None else _unit_amount(visit, ctx, at, 1),
        )


_BREAKS = "billing more would break"


def _choice(open_codes: list[str], tied: list[str]) -> str:
    """Which tied codes may take the visit's missing unit."""
    if len(open_codes) > 1:
        return f"; CMS leaves the choice among {', '.join(open_codes)} to you"
    if open_codes:
        closed = ", ".join(c for c in tied if c not in open_codes)
        return f"; of the tied codes only {open_codes[0]} can take it ({closed} would break a rule)"
    return ""


def _can_add_one(visit: Visit, ctx: RuleContext, code: str, billed: tuple[int, int, bool]) -> bool:
    units, line, _ = billed
    return _billable(visit, ctx, code, line, units, units + 1)[0] > units


def _billable(
    visit: Visit, ctx: RuleContext, code: str, line: int, units: int, wanted: int
) -> tuple[int, str]:
    """How many units of ``code`` (now ``units``, wanted ``wanted``) can be billed without a
    new error: capped by its MUE, then checked against every validation rule by billing
    the extra units on ``line``. Returns the units and, when capped, why."""
    target, why = wanted, ""
    limit = ctx.tables.mue(code) if ctx.payer.edit_severity is not None else None
    if limit is not None:
        # A per-day limit counts every line of the code; a per-line one this line's units.
        most = limit.mue if limit.per_day else units - visit.lines[line].units + limit.mue
        if most < target:
            per = "day" if limit.per_day else "line"
            target, why = max(most, units), f"its MUE allows {limit.mue} a {per}"
    if target <= units:
        return units, why
    before = ctx.shared("ptcpt.hints.errors", lambda: _error_keys(ctx.errors_if(visit.lines)))
    while target > units:
        lines = list(visit.lines)
        lines[line] = attrs.evolve(lines[line], units=lines[line].units + target - units)
        new = _error_keys(ctx.errors_if(lines)) - before
        if not new:
            break
        why = f"{_BREAKS} {', '.join(sorted({rule for rule, _ in new}))}"
        target -= 1
    return target, why


def _error_keys(findings: Iterable[Finding]) -> set[tuple[str, int | None]]:
    """Errors as (rule, line), the rules merged into them included."""
    return {(rule, f.line) for f in findings for rule in (f.rule, *f.also)}


def _unconfirmed(ctx: RuleContext) -> str:
    """A caveat for amounts that rest on figures the sources leave unconfirmed."""
    estimate = ctx.estimate
    if estimate is not None and estimate.unconfirmed:
        return " (the dollar figure rests on unconfirmed fee data)"
    return ""


def _unit_amount(visit: Visit, ctx: RuleContext, line: int, missing: int) -> Decimal | None:
    """What ``missing`` more units on ``line`` would add to the visit's estimate.

    Priced as the change in the whole visit's estimate, not as the line's average unit:
    an added unit of an 'always therapy' code is paid with its practice expense halved
    by the MPPR (facts.md 6c), so the average of the billed units overstates it.
    """
    estimate = ctx.estimate
    if estimate is None or estimate.lines[line].payable is None:
        return None
    lines = list(visit.lines)
    lines[line] = attrs.evolve(lines[line], units=lines[line].units + missing)
    more = ctx.price(lines)
    if more is None:
        return None
    return (more.total - estimate.total).quantize(_CENT)


@rule("hint.mppr", kind="hint")
def mppr(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """The multiple procedure payment reduction on this visit, in dollars."""
    if not ctx.medicare:
        return
    estimate = ctx.estimate
    if estimate is None:
        return
    reduction = sum((line.mppr_reduction for line in estimate.lines), Decimal(0))
    if reduction <= 0:
        return
    rate = ctx.tables.mppr_rate(ctx.date)
    if rate is not None:
        yield ctx.hint(
            f"Medicare's multiple procedure payment reduction lowers this visit by "
            f"${reduction:.2f}: the practice-expense part of every 'always therapy' unit after "
            f"the highest-priced one is paid at {_paid_share(rate)}; no billing change is needed "
            f"or possible{_unconfirmed(ctx)}",
            amount=reduction.quantize(_CENT),
        )


@functools.lru_cache(maxsize=16)
def _paid_share(rate: Decimal) -> str:
    """``"50%"`` for a 0.50 cut: formatted once per rate, not per visit."""
    return f"{1 - rate:.0%}"


@rule("hint.assistant-reduction", kind="hint", modifiers={"CQ", "CO"})
def assistant_reduction(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """CQ/CO lines are paid at a share of the fee schedule (85% from 2022)."""
    if not ctx.medicare:
        return
    estimate = ctx.estimate
    if estimate is None:
        return
    factor = ctx.tables.cq_factor(ctx.date)
    for i, priced in enumerate(estimate.lines):
        if priced.assistant_reduction > 0:
            yield ctx.hint(
                f"{visit.lines[i].code} carries {'CQ' if 'CQ' in visit.lines[i].modifiers else 'CO'}"
                f": Medicare pays assistant-furnished services at {factor:.0%}, "
                f"${priced.assistant_reduction:.2f} less; make sure the modifier reflects who "
                f"furnished the minutes{_unconfirmed(ctx)}",
                line=i,
                amount=priced.assistant_reduction.quantize(_CENT),
            )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (units_available, mppr, assistant_reduction):
        register(item)
