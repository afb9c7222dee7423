"""Reimbursement hints: units the minutes support, MPPR and assistant reductions.

Every hint says what to document or check. None advises billing a service the
documentation does not support, and reductions are reported as readily as revenue.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ptcpt.hookspecs import hookimpl
from ptcpt.rules import Rule, RuleContext, rule

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt.report import Hint
    from ptcpt.visit import Visit

_CENT = Decimal("0.01")


@rule("hint.units-available", kind="hint")
def units_available(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """Minutes support more units than were billed."""
    plan = ctx.units
    if plan is None:
        return
    billed: dict[str, tuple[int, int, bool]] = {}
    for i, line in enumerate(visit.lines):
        if line.code in plan:
            units, first, complete = billed.get(line.code, (0, i, True))
            billed[line.code] = (units + line.units, first, complete and line.minutes is not None)
    for code, (units, first, complete) in billed.items():
        low, _high = plan.bounds(code)
        if not complete or units >= low:
            continue
        minutes = dict(plan.minutes)
        missing = low - units
        amount = _unit_amount(visit, ctx, first, missing)
        yield ctx.hint(
            f"{code}: {minutes[code]} timed minutes support {low} unit(s) under the payer's "
            f"method but {units} are billed; if the note documents that time as skilled, "
            f"one-on-one {code}, check the units",
            line=first,
            amount=amount,
        )


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
    if reduction > 0:
        yield ctx.hint(
            f"Medicare's multiple procedure payment reduction lowers this visit by "
            f"${reduction:.2f}: the practice-expense part of every 'always therapy' unit after "
            f"the highest-priced one is paid at half; no billing change is needed or possible",
            amount=reduction.quantize(_CENT),
        )


@rule("hint.assistant-reduction", kind="hint", modifiers={"CQ", "CO"})
def assistant_reduction(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """CQ/CO lines are paid at 85% of the fee schedule."""
    if not ctx.medicare:
        return
    estimate = ctx.estimate
    if estimate is None:
        return
    for i, priced in enumerate(estimate.lines):
        if priced.assistant_reduction > 0:
            yield ctx.hint(
                f"{visit.lines[i].code} carries {'CQ' if 'CQ' in visit.lines[i].modifiers else 'CO'}"
                f": Medicare pays assistant-furnished services at 85%, "
                f"${priced.assistant_reduction:.2f} less; make sure the modifier reflects who "
                f"furnished the minutes",
                line=i,
                amount=priced.assistant_reduction.quantize(_CENT),
            )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (units_available, mppr, assistant_reduction):
        register(item)
