"""Rules about the codes themselves: unknown, deleted, not yet in force."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding
    from ptcpt._visit import Visit


@rule("code.unknown", kind="validation")
def unknown_code(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A code the catalog does not know."""
    for i, code in enumerate(ctx.codes):
        if code is None:
            line = visit.lines[i]
            close = ctx.catalog.close_matches(line.code)
            fix = (
                f"check the code; close known codes: {', '.join(close)}"
                if close
                else ("check the code against the current CPT/HCPCS code set")
            )
            yield ctx.error(
                f"{line.code} is not a code ptcpt knows for physical therapy",
                line=i,
                fix=fix,
                problem=f"line:{i}:code",
                corrections=(Correction(i, None, denied=True),),
            )


@rule("code.deleted", kind="validation")
def deleted_code(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A code deleted before the date of service; names the replacement."""
    for i, code in enumerate(ctx.codes):
        if code is None or code.deleted is None or ctx.date < code.deleted:
            continue
        current = ctx.catalog.replacements(code.code, ctx.date)
        use = ", ".join(c.code for c in current)
        units = visit.lines[i].units
        # One replacement is the same service under its new code; several (97001 ->
        # 97161/97162/97163) are a choice only the note can make.
        fixed = Correction(i, units, denied=True, code=current[0].code) if len(current) == 1 else None
        yield ctx.error(
            f"{code.code} was deleted on {code.deleted.isoformat()}, before this date of service",
            line=i,
            fix=f"bill {use} instead, as the documentation supports"
            if use
            else "choose the current code the documentation supports",
            problem=f"line:{i}:code",
            corrections=(fixed or Correction(i, None, denied=True),),
        )


@rule("code.not-yet-effective", kind="validation")
def not_yet_effective(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A code used before its effective date."""
    for i, code in enumerate(ctx.codes):
        if code is not None and code.effective is not None and ctx.date < code.effective:
            yield ctx.error(
                f"{code.code} takes effect on {code.effective.isoformat()}, after this date of service",
                line=i,
                fix="use the code in force on the date of service",
                problem=f"line:{i}:code",
                corrections=(Correction(i, None, denied=True),),
            )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (unknown_code, deleted_code, not_yet_effective):
        register(item)
