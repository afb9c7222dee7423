"""NCCI procedure-to-procedure edits: pairs of codes not paid together on one day.

The edits come from CMS's practitioner PTP table (the bundled extract or the files a user
loads). Indicator 0: never paid together, no modifier helps. Indicator 1: the column 2
code is paid only with an NCCI-associated modifier on its line. Indicator 9 and windows
not in force on the date of service never apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt._report import Correction
from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl
from ptcpt.payers import DISTINCT_MODIFIERS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding, Hint
    from ptcpt._visit import Visit
    from ptcpt.cms import PtpEdit
    from ptcpt.payers import PayerProfile

#: Modifiers that tell NCCI the column 2 service was distinct (59 and its X subsets);
#: which of them a payer takes, and whether it takes anatomic modifiers too, is its
#: profile's ``ncci_modifiers``.
NCCI_MODIFIERS = DISTINCT_MODIFIERS
#: Group therapy: untimed (one unit a session) but a period of time all the same.
_GROUP_CODES = frozenset({"97150"})


def _edits(visit: Visit, ctx: RuleContext) -> tuple[tuple[PtpEdit, tuple[int, ...]], ...]:
    """Each edit in force among the visit's codes, with the lines of its column 2 code."""
    return ctx.shared("ptcpt.ncci.edits", lambda: _find_edits(visit, ctx))


def _find_edits(visit: Visit, ctx: RuleContext) -> tuple[tuple[PtpEdit, tuple[int, ...]], ...]:
    codes = {line.code for line in visit.lines}
    if len(codes) < 2:
        return ()
    return tuple(
        (edit, tuple(i for i, line in enumerate(visit.lines) if line.code == edit.column2))
        for edit in ctx.tables.ptp_among(codes, ctx.date)
    )


@rule("ncci.ptp", kind="validation")
def ncci_ptp(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """A same-day NCCI pair billed without what the edit requires."""
    payer = ctx.payer
    severity = payer.edit_severity
    if severity is None:
        return
    accepted = payer.ncci_modifiers
    tables = ctx.tables
    for edit, lines in _edits(visit, ctx):
        pair = f"{edit.column1}/{edit.column2}"
        caveat = payer.edit_caveat + tables.table_age("ptp", ctx.date)
        level = severity
        guess = tables.ptp_guess(edit, ctx.date)
        if guess is not None:
            note, uncertain = guess
            caveat += f"; {note}"
            if uncertain:
                level = "warning"  # the table cannot say the edit applied that day
        if edit.modifier_indicator == 0:
            for i in lines:
                yield ctx.finding(
                    level,
                    f"NCCI edit {pair} (modifier indicator 0): {edit.column2} is not paid "
                    f"with {edit.column1} on the same day, whatever the modifier{caveat}",
                    line=i,
                    fix=f"bill only the service the documentation best supports; a modifier "
                    f"cannot unbundle {pair}",
                    problem=f"line:{i}:paired",
                    corrections=(Correction(i, 0, denied=True),),
                )
            continue
        for i in lines:
            mods = visit.lines[i].modifiers
            if not accepted.isdisjoint(mods):
                continue
            refused = sorted(DISTINCT_MODIFIERS.intersection(mods))
            takes = _accepted_text(payer)
            if refused:
                message = (
                    f"NCCI edit {pair} (modifier indicator 1): {edit.column2} carries "
                    f"{'/'.join(refused)}, which {payer.id} does not take on an NCCI pair; it "
                    f"takes {takes}{caveat}"
                )
                fix = f"use {takes} instead of {'/'.join(refused)}, as the note supports"
            else:
                message = (
                    f"NCCI edit {pair} (modifier indicator 1): {edit.column2} is denied "
                    f"beside {edit.column1} unless its line carries {takes}{caveat}"
                )
                fix = (
                    f"if {edit.column2} was a distinct service (separate time block, "
                    f"encounter or site) and the note shows it, add the fitting modifier "
                    f"({takes}); otherwise do not bill it"
                )
            # Paid only if the note shows a distinct service: the note decides.
            yield ctx.finding(
                level,
                message,
                line=i,
                fix=fix,
                problem=f"line:{i}:paired",
                corrections=(Correction(i, None, denied=True),),
            )


def _accepted_text(payer: PayerProfile) -> str:
    """The distinct-service modifiers a payer takes, for messages."""
    parts = {
        "any": "59 or XE/XS/XP/XU",
        "x-only": "XE, XS, XP or XU",
        "59-only": "59",
    }[payer.distinct_modifiers]
    if payer.anatomic_modifiers:
        parts += " (or RT, LT or another anatomic modifier for a different site)"
    return parts


@rule("hint.time-blocks", kind="hint", modifiers=NCCI_MODIFIERS)
def time_blocks(visit: Visit, ctx: RuleContext) -> Iterator[Hint]:
    """A 59/X modifier on a timed pair, or on group therapy beside one-on-one care: the note
    must show separate time blocks."""
    if ctx.payer.edit_severity is None:
        return
    for edit, lines in _edits(visit, ctx):
        if edit.modifier_indicator != 1:
            continue
        other = ctx.catalog.get(edit.column1)
        for i in lines:
            code = ctx.code(i)
            mods = NCCI_MODIFIERS.intersection(visit.lines[i].modifiers)
            if not mods or code is None or other is None:
                continue
            group = _GROUP_CODES.intersection((code.code, other.code))
            if group and (code.is_timed or other.is_timed):
                # NCCI's condition for the group code is the same as for two timed codes:
                # the one-on-one service must have its own time, outside the group session.
                group_code = next(iter(group))
                single = other.code if code.code == group_code else code.code
                yield ctx.hint(
                    f"{'/'.join(sorted(mods))} on {code.code} beside {other.code}: {group_code} is "
                    f"group therapy and {single} one-on-one care; document them as separate time "
                    f"periods, the one-on-one minutes outside the group session; time in the "
                    f"group cannot also be billed as {single}",
                    line=i,
                )
            elif code.is_timed and other.is_timed:
                yield ctx.hint(
                    f"{'/'.join(sorted(mods))} on {code.code} beside {other.code}: document "
                    f"that the two were done in separate 15-minute time blocks; if they "
                    f"shared a block, {code.code} must not be billed and the modifier is not "
                    f"valid",
                    line=i,
                )


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    register(ncci_ptp)
    register(time_blocks)
