"""Rules about units: the 8-minute rule, missing minutes, untimed codes billed twice."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import attrs

from ptcpt._claims import capped
from ptcpt._codes import Timing
from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl
from ptcpt.payers import ANATOMIC_MODIFIERS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding
    from ptcpt._visit import Visit

_METHOD_NAME = {"cms": "CMS total-time method", "ama": "CPT per-code method"}
_NO_SITES: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=256)
def _cut(line: int, units: int) -> Correction:
    """The correction "bill ``units`` on this line", shared: it is immutable, and a batch
    makes the same few again and again."""
    return Correction(line, units)


def _billed_timed(visit: Visit, ctx: RuleContext) -> dict[str, tuple[int, int, bool]]:
    """code -> (units billed, first line index, every line has minutes) for 15-minute codes."""
    billed: dict[str, tuple[int, int, bool]] = {}
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is None or code.unit_minutes != 15:
            continue
        units, first, complete = billed.get(line.code, (0, i, True))
        billed[line.code] = (units + line.units, first, complete and line.minutes is not None)
    return billed


@rule("units.mismatch", kind="validation", needs={"minutes"})
def units_mismatch(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """Timed units that the minutes do not support under the payer's method."""
    plan = ctx.units
    if plan is None:
        return
    method = _METHOD_NAME.get(plan.method, plan.method)
    billed = _billed_timed(visit, ctx)
    total_billed = 0
    over = False
    bounds = plan.all_bounds()
    for code, (units, first, complete) in billed.items():
        found = bounds.get(code)
        if found is None or not complete:
            continue
        total_billed += units
        high = found[1]
        if units > high:
            over = True
            minutes = plan.minutes_for(code)
            if visit.lines[first].units == units:  # one line bills them all: the usual case
                corrections: tuple[Correction, ...] = (_cut(first, high),)
            else:
                lines = [i for i, line in enumerate(visit.lines) if line.code == code]
                corrections = capped(visit, lines, high)
            pair = plan.family(code)
            if pair is not None:
                primary, add_on = pair
                if code == primary and add_on not in billed and plan.get(add_on, 0):
                    # The time beyond the first unit belongs on the add-on's own line.
                    mods = visit.lines[first].modifiers
                    first_fix = attrs.evolve(corrections[0], add=((add_on, plan[add_on], mods),))
                    corrections = (first_fix, *corrections[1:])
                message = (
                    f"{code}: {units} unit(s) billed, but {minutes} timed minutes of {primary}/{add_on} "
                    f"support at most {high} of {code} under the {method}: {primary} is the first "
                    f"unit of the service and {add_on} each further one"
                )
                fix = (
                    f"bill {primary} x{plan[primary]} and {add_on} x{plan.get(add_on, 0)} for these "
                    f"minutes; if the note records more minutes, correct the lines' minutes"
                )
            else:
                message = (
                    f"{code}: {units} unit(s) billed, but {minutes} timed minutes support at most "
                    f"{high} under the {method}"
                )
                fix = (
                    f"bill {high} unit(s) of {code}; if the note records more minutes, correct "
                    f"the line's minutes"
                )
            yield ctx.error(message, line=first, fix=fix, problem=f"units:{code}", corrections=corrections)
    if not over and plan.method == "cms" and total_billed > plan.total:
        yield ctx.error(
            f"{total_billed} timed units billed, but {plan.total_minutes} total timed minutes "
            f"support {plan.total} under the {method}",
            fix=f"bill {plan.total} timed unit(s) in all: {plan.explain()}",
        )


@rule("units.minutes-missing", kind="validation")
def minutes_missing(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A timed code billed without minutes: its units cannot be verified."""
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is not None and code.timing is Timing.TIMED and line.minutes is None:
            yield ctx.warning(
                f"{line.code} is a timed code billed without minutes; its {line.units} unit(s) "
                f"cannot be checked against the 8-minute rule",
                line=i,
                fix="record the minutes of direct one-on-one time for this code",
            )


@rule("units.untimed-multiple", kind="validation")
def untimed_multiple(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A service-based code billed with more units than one session allows."""
    # Lines of one code on different sites (RT and LT, two fingers) are separate services
    # for a payer that takes anatomic modifiers: count them apart.
    sites = ANATOMIC_MODIFIERS if ctx.payer.anatomic_modifiers else _NO_SITES
    groups: dict[tuple[str, frozenset[str]], list[int]] = {}
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is None or code.timing is not Timing.UNTIMED or code.is_add_on:
            continue
        site = _NO_SITES if sites.isdisjoint(line.modifiers) else sites.intersection(line.modifiers)
        groups.setdefault((line.code, site), []).append(i)
    for (billed, site), lines in groups.items():
        total = 0
        for i in lines:
            total += visit.lines[i].units
            if total > 1:
                break
        else:
            continue
        total = sum(visit.lines[j].units for j in lines)
        where = f" on {'/'.join(sorted(site))}" if site else ""
        yield ctx.error(
            f"{billed} is untimed (one unit per session whatever the time), but "
            f"{total} units are billed{where}",
            line=i,
            fix=f"bill one unit of {billed} for the session",
            problem=f"units:{billed}",
            corrections=capped(visit, lines, 1),
        )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (units_mismatch, minutes_missing, untimed_multiple):
        register(item)
