"""Medicare's own code policies: invalid, bundled and non-covered codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl
from ptcpt.payers import MEDICARE_NONCOVERED

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding
    from ptcpt._visit import Visit

#: Codes Medicare does not recognise -> the HCPCS code it uses for the same service
#: (facts.md 1b: G0283 for unattended electrical stimulation; 1d: G0515 for 97127, which
#: CPT had only in 2018-2019 and the fee-schedule extract, a 2022 release, no longer lists).
MEDICARE_EQUIVALENT = {"97014": "G0283", "97127": "G0515"}
#: Services Medicare does not cover when a physical therapist furnishes them: kept in
#: :data:`ptcpt.payers.MEDICARE_NONCOVERED` (a payer's profile says what it never
#: covers, ``PayerProfile.noncovered``); this name stays for code that imported it.
NONCOVERED = MEDICARE_NONCOVERED


@rule("medicare.invalid-code", kind="validation")
def invalid_code(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A code Medicare does not accept (97014 -> G0283)."""
    if not ctx.medicare:
        return
    for i, (line, status) in enumerate(zip(visit.lines, ctx.statuses, strict=True)):
        if status != "I" and line.code not in MEDICARE_EQUIVALENT:
            continue
        code = ctx.codes[i]
        if code is not None and code.deleted is not None and ctx.date >= code.deleted:
            continue  # code.deleted already says what to bill instead
        other = MEDICARE_EQUIVALENT.get(line.code)
        fixed = Correction(i, line.units, denied=True, code=other) if other else Correction(i, None)
        yield ctx.error(
            f"{line.code} is not valid for Medicare (fee schedule status I)",
            line=i,
            fix=f"bill {other} for this service to Medicare"
            if other
            else "bill the Medicare code for the service, or do not bill it to Medicare",
            problem=f"line:{i}:code",
            corrections=(fixed,),
        )


@rule("medicare.bundled", kind="validation")
def bundled(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A bundled code (97010) billed expecting payment."""
    if not ctx.medicare or "B" not in ctx.statuses:
        return
    for i, (line, status) in enumerate(zip(visit.lines, ctx.statuses, strict=True)):
        if status == "B":
            yield ctx.warning(
                f"{line.code} is bundled by Medicare (status B): it is never paid separately "
                f"and the patient may not be billed for it",
                line=i,
                fix=f"expect no payment for {line.code}; report it only if your policy is to "
                f"list bundled services",
            )


@rule("medicare.noncovered", kind="validation")
def noncovered(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A non-covered service (dry needling) billed without GX or GA."""
    if not ctx.medicare:
        return
    noncovered = ctx.payer.noncovered  # the payer's profile says which codes it never covers
    for i, (line, status) in enumerate(zip(visit.lines, ctx.statuses, strict=True)):
        if line.code not in noncovered and status != "N":
            continue
        mods = set(line.modifiers)
        if "GX" in mods:
            continue
        if "GA" in mods:
            # Accepted (the claim says an ABN was given), but GA is for services expected
            # to be denied as not reasonable and necessary, not for ones never covered.
            yield ctx.warning(
                f"{line.code} carries GA: GA is for a service Medicare may deny as not reasonable "
                f"and necessary; for a service it never covers, GX with a voluntary notice is "
                f"the modifier APTA advises",
                line=i,
                fix="check the notice given; use GX for a voluntary notice of a non-covered service",
            )
            continue
        yield ctx.error(
            f"{line.code} is not covered by Medicare when a physical therapist furnishes it",
            line=i,
            fix="give the patient a voluntary notice (ABN) and add GX, or do not bill Medicare",
        )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (invalid_code, bundled, noncovered):
        register(item)
