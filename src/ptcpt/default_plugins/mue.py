"""Medically Unlikely Edits: more units of a code than CMS expects in a day or on a line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt._claims import capped
from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.cms import MUE_START
from ptcpt.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding
    from ptcpt._visit import Visit
    from ptcpt.cms import MueLimit

#: PFS statuses the Medicare rules already report (medicare.bundled, medicare.invalid-code);
#: their MUE of 0 says the same thing and would only repeat it, at another severity.
_REPORTED_BY_MEDICARE_RULES = frozenset({"B", "I"})

_MAI_TEXT = {
    1: "a per-line limit; units beyond it may go on a separate line with 59/76/anatomic "
    "modifiers when truly distinct",
    2: "an absolute per-day limit set by policy; it cannot be appealed",
    3: "a per-day clinical limit; units beyond it are denied but can be appealed with records",
}


@rule("mue.exceeded", kind="validation")
def mue_exceeded(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """Units above the code's practitioner MUE."""
    payer = ctx.payer
    severity = payer.edit_severity
    if severity is None:
        return
    tables = ctx.tables
    if ctx.date < MUE_START:
        return  # CMS introduced MUEs in 2007
    per_day: dict[str, tuple[int, int, MueLimit]] = {}
    mue = tables.mue
    for i, line in enumerate(visit.lines):
        limit = mue(line.code)
        if limit is None:
            continue
        if limit.per_day:
            total, first, _ = per_day.get(line.code, (0, i, limit))
            per_day[line.code] = (total + line.units, first, limit)
        elif line.units > limit.mue:
            yield ctx.finding(
                severity,
                f"{line.code}: {line.units} units on one line, above its MUE of {limit.mue} "
                f"({_MAI_TEXT[1]}){_caveat(ctx)}",
                line=i,
                fix=f"bill at most {limit.mue} unit(s) of {line.code} on a line",
                problem=f"units:{line.code}",
                corrections=(Correction(i, limit.mue, denied=True),),
            )
    for code, (total, first, limit) in per_day.items():
        if total <= limit.mue:
            continue
        if limit.mue == 0 and (
            not payer.medicare_rules or tables.status(code) in _REPORTED_BY_MEDICARE_RULES
        ):
            # An MUE of 0 says Medicare does not pay the code to a practitioner: the
            # Medicare rules report bundled and invalid codes, and for a payer that does not
            # follow Medicare it is no limit on units (a commercial plan may pay 97169).
            continue
        if limit.mue == 0:
            message = f"{code} has an MUE of 0: CMS does not expect it to be paid to a practitioner"
            fix = f"do not bill {code} to this payer; check for the code it accepts instead"
        else:
            message = (
                f"{code}: {total} units in the day, above its MUE of {limit.mue} "
                f"({_MAI_TEXT[limit.mai]}){_caveat(ctx)}"
            )
            fix = f"bill at most {limit.mue} unit(s) of {code} for the date of service"
        # Over a per-day MUE the claim lines of the code are denied (NGS for the per-line
        # edit; ptcpt takes the per-day edits to deny every line of the code, unconfirmed).
        lines = [i for i, line in enumerate(visit.lines) if line.code == code]
        yield ctx.finding(
            severity,
            message,
            line=first,
            fix=fix,
            problem=f"units:{code}",
            corrections=capped(visit, lines, limit.mue, denied=True),
        )


def _caveat(ctx: RuleContext) -> str:
    """What an MUE message adds: whose edit it is, and how old the table is."""
    return ctx.payer.edit_caveat + ctx.tables.table_age("mue", ctx.date)


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    register(mue_exceeded)
