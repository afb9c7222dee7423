"""Modifier rules: therapy discipline (GP/GO/GN), assistants (CQ/CO) and KX."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from ptcpt._codes import Category, TherapyList
from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt._visit import KX_BUCKETS
from ptcpt.hookspecs import hookimpl
from ptcpt.units import total_units

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._codes import Code
    from ptcpt._report import Finding
    from ptcpt._visit import Line, Visit

DISCIPLINE = frozenset({"GP", "GO", "GN"})
#: From the CY2022 rule the de minimis test is applied unit by unit: a unit the therapist
#: alone furnished 8 or more minutes of needs no CQ/CO (facts.md 5; wording unconfirmed).
PER_UNIT_FROM = dt.date(2022, 1, 1)
#: Modifiers that say a beneficiary was told the service may not be paid (no KX then).
LIABILITY = frozenset({"GA", "GZ"})
#: The discipline each plan-of-care modifier names (facts.md 5).
DISCIPLINE_OF = {"GP": "PT", "GO": "OT", "GN": "SLP"}
_DISCIPLINE_NAME = {
    "PT": "physical-therapy",
    "OT": "occupational-therapy",
    "SLP": "speech-language pathology",
    "AT": "athletic-training",
}
#: The assistant modifier of each discipline, and the discipline it belongs to.
ASSISTANT_OF = {"CQ": "PT", "CO": "OT"}


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
            wanted = next((m for m, d in DISCIPLINE_OF.items() if d in code.disciplines), "GP")
            yield ctx.error(
                f"{code.code} is an 'always therapy' code{unconfirmed}: {who} it without GP, GO or GN",
                line=i,
                fix="add GP for a physical-therapy plan of care (GO occupational, GN speech)",
                problem=f"line:{i}:discipline",
                corrections=(Correction(i, line.units, denied=True, add_modifiers=wanted),),
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


@rule("modifier.discipline-mismatch", kind="validation", modifiers=DISCIPLINE)
def discipline_mismatch(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A GP/GO/GN naming a discipline the code does not belong to (a PT evaluation with GO)."""
    if not ctx.payer.therapy_modifiers:
        return
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is None:
            continue
        mods = line.modifiers
        if ("GP" in mods and "PT" in code.disciplines) or ("GO" in mods and "OT" in code.disciplines):
            continue  # the usual case, answered without building anything
        named = [DISCIPLINE_OF[m] for m in mods if m in DISCIPLINE_OF]
        if len(named) != 1 or named[0] in code.disciplines:
            continue  # none, several (modifier.conflict says so) or the right one
        wanted = [m for m, d in DISCIPLINE_OF.items() if d in code.disciplines]
        owner = " or ".join(_DISCIPLINE_NAME.get(d, d) for d in code.disciplines)
        article = "an" if owner[0] in "aeiou" else "a"
        unconfirmed = " (its disciplines are unconfirmed)" if code.is_unconfirmed("disciplines") else ""
        carried = next(m for m in line.modifiers if m in DISCIPLINE_OF)
        fixed = (
            Correction(i, line.units, denied=True, add_modifiers=wanted[0], drop_modifiers=carried)
            if wanted
            else Correction(i, None, denied=True)
        )
        yield ctx.error(
            f"{line.code} is {article} {owner} code{unconfirmed}, but the line carries "
            f"{carried} ({_DISCIPLINE_NAME[named[0]]} plan of care)",
            line=i,
            problem=f"line:{i}:discipline",
            corrections=(fixed,),
            fix=f"use {' or '.join(wanted)} if the {owner} service was furnished; otherwise bill "
            f"the code of the discipline whose plan of care the note documents"
            if wanted
            else "bill the code of the discipline whose plan of care the note documents",
        )


#: Evaluation and re-evaluation codes (PT, OT, athletic training; the deleted ones too):
#: the engine skips the assistant-evaluation rule for visits that bill none.
EVALUATION_CODES = frozenset(
    {"97001", "97002", "97003", "97004", *(str(code) for code in range(97161, 97173))}
)


@rule("modifier.assistant-evaluation", kind="validation", codes=EVALUATION_CODES)
def assistant_evaluation(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """An evaluation or re-evaluation marked as furnished by an assistant (97161 with CQ)."""
    for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True)):
        if code is None or code.category is not Category.EVALUATION:
            continue
        assistant = [m for m in line.modifiers if m in ASSISTANT_OF]
        if not assistant and not line.assistant_minutes:
            continue
        what = (
            f"carries {'/'.join(assistant)}, which says an assistant furnished it in whole or in part"
            if assistant
            else f"records {line.assistant_minutes} minutes furnished by an assistant"
        )
        yield ctx.error(
            f"{line.code} is an evaluation and {what}; a physical or occupational therapist "
            f"assistant may not evaluate, re-evaluate or set the plan of care",
            line=i,
            problem=f"line:{i}:assistant",
            corrections=(Correction(i, line.units, drop_modifiers=ASSISTANT_OF.keys()),),
            fix="bill the evaluation only for the therapist's own evaluation, without CQ/CO; "
            "an assistant's time that day belongs on the treatment lines it furnished",
        )


@rule("modifier.assistant-missing", kind="validation", needs={"minutes", "assistant_minutes"})
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
        code = ctx.code(i)
        if code is not None and code.category is Category.EVALUATION:
            continue  # no CQ/CO can make it right: modifier.assistant-evaluation says so
        part = Decimal(line.assistant_minutes) / Decimal(line.minutes)
        if part <= share:
            continue
        therapist = line.minutes - line.assistant_minutes
        modifier = "CO" if "GO" in line.modifiers else "CQ"
        # As billed the line is paid in full (the claim cannot show who furnished it); the
        # corrected claim bills the assistant's units with CQ/CO.
        fixed = Correction(i, line.units, add_modifiers=modifier)
        if per_unit and code is not None and code.unit_minutes == 15:
            # From 2022 a unit whose billing threshold the therapist alone met needs no
            # CQ/CO: only the units the therapist's own minutes cannot carry do.
            carried = total_units(therapist)
            if carried >= line.units:
                continue
            basis = f"the therapist's own {therapist} minutes carry {carried} of its {line.units} unit(s)"
            caveat = "; the exact CY2022 wording of this per-unit test is unconfirmed"
            if carried:
                assistant_line = (line.code, line.units - carried, (*line.modifiers, modifier))
                fixed = Correction(i, carried, add=(assistant_line,))
        else:
            basis = f"above Medicare's {share:.0%} de minimis share"
            caveat = ""
        yield ctx.error(
            f"{line.code}: an assistant furnished {line.assistant_minutes} of {line.minutes} "
            f"minutes ({part:.0%}), {basis}, but the line has no {modifier}{caveat}",
            line=i,
            fix=f"add {modifier}{paid} to the units the assistant furnished, or bill the units "
            f"the therapist alone furnished on a line without it",
            problem=f"line:{i}:assistant",
            corrections=(fixed,),
        )


#: What each KX bucket is called in messages.
_BUCKET_NAME = {"pt_slp": "physical therapy and speech-language pathology", "ot": "occupational therapy"}


def kx_bucket(line: Line, code: Code) -> str:
    """The KX threshold bucket a therapy line counts toward: ``"ot"`` for GO (or an OT-only
    code without a discipline modifier), else ``"pt_slp"`` (GP, GN, PT or SLP codes)."""
    mods = line.modifiers
    if "GO" in mods:
        return "ot"
    if "GP" in mods or "GN" in mods:
        return "pt_slp"
    return "ot" if code.disciplines == ("OT",) else "pt_slp"


@rule("modifier.kx-missing", kind="validation")
def kx_missing(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """The year's KX threshold is passed in a line's bucket (PT/SLP or OT) and KX is absent."""
    if not ctx.payer.kx_threshold or visit.ytd_allowed is None:
        return
    threshold = ctx.tables.kx_threshold(ctx.date.year)
    if threshold is None:
        return
    therapy = [
        (i, line, kx_bucket(line, code))
        for i, (line, code) in enumerate(zip(visit.lines, ctx.codes, strict=True))
        if code is not None and code.therapy_list is not None
    ]
    if not therapy:
        return
    estimate = ctx.estimate
    this_visit = dict.fromkeys(KX_BUCKETS, Decimal(0))
    if estimate is not None:
        for i, _line, bucket in therapy:
            this_visit[bucket] += estimate.lines[i].payable or 0
    flag = " (the threshold figure is from secondary sources, unconfirmed)" if threshold.unconfirmed else ""
    reached: dict[str, Decimal | None] = {}
    for bucket in KX_BUCKETS:
        so_far = visit.ytd_for(bucket)
        reached[bucket] = None if so_far is None else so_far + this_visit[bucket]
    for i, line, bucket in therapy:
        total = reached[bucket]
        if total is None or total <= threshold.amount:
            continue
        mods = line.modifiers
        if "KX" in mods or not LIABILITY.isdisjoint(mods):
            continue
        yield ctx.error(
            f"the year's {_BUCKET_NAME[bucket]} spend reaches ${total:,.2f} with this visit, "
            f"above the {threshold.year} KX threshold of ${threshold.amount:,.2f}{flag} for "
            f"that bucket, and {line.code} has no KX",
            line=i,
            fix="add KX if the note documents that continued therapy is medically necessary; "
            "if it is not, use GA with an ABN on file (or GZ without one)",
            problem=f"line:{i}:kx",
            corrections=(Correction(i, line.units, denied=True, add_modifiers="KX"),),
        )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    for item in (
        therapy_missing,
        modifier_conflict,
        discipline_mismatch,
        assistant_evaluation,
        assistant_missing,
        kx_missing,
    ):
        register(item)
