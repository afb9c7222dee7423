"""Modifier rules: therapy discipline (GP/GO/GN), assistants (CQ/CO) and KX."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from ptcpt.codes import TherapyList
from ptcpt.hookspecs import hookimpl
from ptcpt.rules import Rule, RuleContext, rule
from ptcpt.units import total_units

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt.report import Finding
    from ptcpt.visit import Visit

DISCIPLINE = frozenset({"GP", "GO", "GN"})
#: From the CY2022 rule the de minimis test is applied unit by unit: a unit the therapist
#: alone furnished 8 or more minutes of needs no CQ/CO (facts.md 5; wording unconfirmed).
PER_UNIT_FROM = dt.date(2022, 1, 1)
#: Modifiers that say a beneficiary was told the service may not be paid (no KX then).
LIABILITY = frozenset({"GA", "GZ"})


@rule("modifier.therapy-missing", kind="validation")
def therapy_missing(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A therapy-list code without GP, GO or GN."""
    if not ctx.payer.therapy_modifiers:
        return
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is None or code.therapy_list is None or not DISCIPLINE.isdisjoint(line.modifiers):
            continue
        unconfirmed = (
            " (its therapy-list status is unconfirmed)" if code.is_unconfirmed("therapy_list") else ""
        )
        if code.therapy_list is TherapyList.ALWAYS:
            payer = ctx.payer.id
            who = "Medicare denies" if payer == "medicare" else f"{payer} follows Medicare and denies"
            yield ctx.error(
                f"{code.code} is an 'always therapy' code{unconfirmed}: {who} it without GP, GO or GN",
                line=i,
                fix="add GP for a physical-therapy plan of care (GO occupational, GN speech)",
            )
        else:
            yield ctx.warning(
                f"{code.code} is a 'sometimes therapy' code{unconfirmed}: it needs GP, GO or "
                f"GN when a therapist furnishes it or it is under a therapy plan of care",
                line=i,
                fix="add GP if a physical therapist furnished it under a plan of care",
            )


@rule("modifier.conflict", kind="validation")
def modifier_conflict(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """More than one of GP/GO/GN, CQ without GP, CO without GO, KX beside GA/GZ."""
    for i, line in enumerate(visit.lines):
        mods = line.modifiers  # a short tuple: `in` beats building a set
        if len(mods) < 2 and "CQ" not in mods and "CO" not in mods:
            continue  # a lone modifier conflicts only when it is an assistant's without its discipline
        disciplines = sorted(DISCIPLINE.intersection(mods))
        if len(disciplines) > 1:
            yield ctx.error(
                f"{line.code} carries {' and '.join(disciplines)}: a line belongs to one "
                f"therapy discipline's plan of care",
                line=i,
                fix="keep the one modifier of the plan of care the service was under",
            )
        if "CQ" in mods and "GP" not in mods:
            yield ctx.error(
                f"{line.code}: CQ (physical-therapist assistant) needs GP",
                line=i,
                fix="add GP, or use CO with GO for an OT assistant",
            )
        if "CO" in mods and "GO" not in mods:
            yield ctx.error(
                f"{line.code}: CO (occupational-therapy assistant) needs GO",
                line=i,
                fix="add GO, or use CQ with GP for a PT assistant",
            )
        if "KX" in mods and not LIABILITY.isdisjoint(mods):
            other = "/".join(sorted(LIABILITY.intersection(mods)))
            yield ctx.error(
                f"{line.code} carries KX and {other}: KX says the service is medically "
                f"necessary, {other} that it may not be",
                line=i,
                fix="keep KX only when necessity is documented; otherwise GA (ABN) or GZ",
            )


@rule("modifier.assistant-missing", kind="validation")
def assistant_missing(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A PTA furnished more than the de minimis share without CQ (Medicare)."""
    if not ctx.payer.assistant_modifiers:
        return
    share = ctx.tables.de_minimis_share(ctx.date)
    if share is None:
        return
    per_unit = ctx.date >= PER_UNIT_FROM
    factor = ctx.tables.cq_factor(ctx.date)
    paid = f" (paid at {factor:.0%})" if factor < 1 else ""
    for i, line in enumerate(visit.lines):
        if not line.assistant_minutes or not line.minutes:
            continue
        if "CQ" in line.modifiers or "CO" in line.modifiers:
            continue
        part = Decimal(line.assistant_minutes) / Decimal(line.minutes)
        if part <= share:
            continue
        code = ctx.code(i)
        therapist = line.minutes - line.assistant_minutes
        if per_unit and code is not None and code.unit_minutes == 15:
            # From 2022 a unit whose billing threshold the therapist alone met needs no
            # CQ/CO: only the units the therapist's own minutes cannot carry do.
            if total_units(therapist) >= line.units:
                continue
            basis = (
                f"the therapist's own {therapist} minutes carry "
                f"{total_units(therapist)} of its {line.units} unit(s)"
            )
            caveat = "; the exact CY2022 wording of this per-unit test is unconfirmed"
        else:
            basis = f"above Medicare's {share:.0%} de minimis share"
            caveat = ""
        modifier = "CO" if "GO" in line.modifiers else "CQ"
        yield ctx.error(
            f"{line.code}: an assistant furnished {line.assistant_minutes} of {line.minutes} "
            f"minutes ({part:.0%}), {basis}, but the line has no {modifier}{caveat}",
            line=i,
            fix=f"add {modifier}{paid} to the units the assistant furnished, or bill the units "
            f"the therapist alone furnished on a line without it",
        )


@rule("modifier.kx-missing", kind="validation")
def kx_missing(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """The year's KX threshold is passed and KX is absent (Medicare)."""
    if not ctx.payer.kx_threshold or visit.ytd_allowed is None:
        return
    threshold = ctx.tables.kx_threshold(ctx.date.year)
    if threshold is None:
        return
    estimate = ctx.estimate
    this_visit = estimate.total if estimate is not None else Decimal(0)
    reached = visit.ytd_allowed + this_visit
    if reached <= threshold.amount:
        return
    flag = " (the threshold figure is from secondary sources, unconfirmed)" if (threshold.unconfirmed) else ""
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is None or code.therapy_list is None:
            continue
        mods = line.modifiers
        if "KX" in mods or not LIABILITY.isdisjoint(mods):
            continue
        yield ctx.error(
            f"the year's therapy spend reaches ${reached:,.2f} with this visit, above the "
            f"{threshold.year} KX threshold of ${threshold.amount:,.2f}{flag}, and "
            f"{line.code} has no KX",
            line=i,
            fix="add KX if the note documents that continued therapy is medically necessary; "
            "if it is not, use GA with an ABN on file (or GZ without one)",
        )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (therapy_missing, modifier_conflict, assistant_missing, kx_missing):
        register(item)
