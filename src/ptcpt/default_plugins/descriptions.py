"""Reading each line's free-text description against the code billed on it.

Compliance-safe in both directions: the hint never tells the biller to switch codes, it
says which code the words read like and what the note must show either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl

if TYPE_CHECKING:
    from ptcpt._report import Hint
    from ptcpt._visit import Visit


@rule("hint.description-mismatch", kind="hint")
def description_mismatch(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """A line's description reads like another code: what to document or check."""
    classifier = None
    for i, line in enumerate(visit.lines):
        if not line.description:
            continue
        from ptcpt.classifier import CONFIDENT  # only when a line has a description: lazy

        classifier = classifier or ctx.classifier
        suggestions = classifier.classify(line.description, top=3, payer=ctx.payer, on=ctx.date)
        if not suggestions:
            yield ctx.hint(
                f"the description of {line.code} does not read like a billable physical-therapy "
                f"service; make sure the note describes the skilled service billed",
                line=i,
            )
            continue
        best = suggestions[0]
        if best.code.code == line.code or best.score < CONFIDENT:
            continue
        if any(s.code.code == line.code for s in suggestions):
            continue
        billed = ctx.code(i)
        billed_name = billed.name if billed is not None else line.code
        evidence = ", ".join(f"'{e}'" for e in best.evidence[:3])
        yield ctx.hint(
            f"{line.code} ({billed_name}) is billed, but its description reads like "
            f"{best.code.code} ({best.code.name}) from {evidence}; check which service the note "
            f"documents: keep {line.code} only if the note already shows it, bill "
            f"{best.code.code} only if the note supports that, and otherwise correct the line",
            line=i,
        )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    register(description_mismatch)
