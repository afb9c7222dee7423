"""Session rules: group therapy and evaluations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding
    from ptcpt._visit import Visit

#: PT evaluations and the PT re-evaluation (facts.md 1a).
PT_EVALUATIONS = frozenset({"97161", "97162", "97163", "97164"})


@rule("group.size", kind="validation", codes={"97150"}, needs={"group_size"})
def group_size(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """97150 without a group of at least two patients."""
    for i, line in enumerate(visit.lines):
        if line.code != "97150":
            continue
        if line.group_size is None:
            # Unknown is not wrong (claim files never carry it): ask, do not deny.
            yield ctx.warning(
                "97150 is for two or more patients treated at once, and the line does not say "
                "how many were in the group",
                line=i,
                fix="confirm from the note that two or more patients were treated together",
            )
        elif line.group_size < 2:
            yield ctx.error(
                f"97150 is for two or more patients treated at once; the line has a group of "
                f"{line.group_size}",
                line=i,
                fix="bill the one-on-one codes the note supports instead of 97150",
                corrections=(Correction(i, None),),
            )


#: The evaluation NCCI keeps when several are billed: each evaluation is column 1 to the
#: re-evaluation and the higher complexity is column 1 to the lower (facts.md 11).
_KEEP_ORDER = ("97163", "97162", "97161", "97164")


@rule("evaluation.multiple", kind="validation", codes=PT_EVALUATIONS)
def evaluation_multiple(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """More than one PT evaluation or re-evaluation code on the same day."""
    lines = [i for i, line in enumerate(visit.lines) if line.code in PT_EVALUATIONS]
    billed = {visit.lines[i].code for i in lines}
    if len(billed) < 2:
        return  # one code, however many units: the units rules say what is wrong
    kept = next(code for code in _KEEP_ORDER if code in billed)
    codes = ", ".join(visit.lines[i].code for i in lines)
    for i in lines:
        if visit.lines[i].code == kept:
            continue
        yield ctx.error(
            f"one PT evaluation or re-evaluation a day: this visit bills {codes}, and "
            f"{visit.lines[i].code} is the one to leave off",
            line=i,
            fix="bill the single evaluation code whose complexity the note supports",
            problem=f"line:{i}:paired",
            corrections=(Correction(i, 0, denied=True),),
        )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    register(group_size)
    register(evaluation_multiple)
