"""How a check's findings combine: one finding per problem, and the claim they imply.

Rules are independent, so two of them may see one problem from two sides: an evaluation
beside a re-evaluation is an NCCI pair and "one evaluation a day"; 97161 x2 is an untimed
code billed twice and above its MUE. A rule keys what it reports (``Finding.problem``);
:func:`one_per_problem` keeps one finding per key and names the other rules in it.

Errors also say what they mean for payment (``Finding.corrections``): which lines the
payer denies as billed, and how a corrected claim bills each line. :func:`claim_changes`
turns them into what :func:`ptcpt.fees.price_lines` needs to price the claim as billed
and as corrected. Warnings do not count: their payer may not deny anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from ptcpt._report import Correction, Finding, Severity
from ptcpt._visit import MAX_UNITS, Line, line_with_units

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ptcpt._visit import Visit

__all__ = ["ClaimChanges", "capped", "claim_changes", "denials", "one_per_problem"]

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_NO_UNITS = 1 << 30


def capped(visit: Visit, lines: Sequence[int], most: int, *, denied: bool = False) -> tuple[Correction, ...]:
    """Corrections that keep at most ``most`` units over ``lines``, the first lines first.

    The usual fix for "too many units of a code in a day": 97161 on two lines with an MUE
    of 1 keeps the first line's unit and leaves the second off. ``denied`` marks every one
    of the lines as denied as billed (a per-day MUE denies each line of the code).
    """
    left = max(most, 0)
    found = []
    for index in lines:
        units = min(visit.lines[index].units, left)
        left -= units
        found.append(Correction(index, units, denied))
    return tuple(found)


def _units_kept(finding: Finding) -> int:
    """The units a finding's corrections leave on the claim (fewer: the stricter fix)."""
    kept = [c.units for c in finding.corrections if c.units is not None]
    return sum(kept) if kept else _NO_UNITS


def one_per_problem(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """One finding for each ``problem`` key; findings without a key are kept as they are.

    Of the findings that share a key, the most severe is kept, then the one whose
    correction bills the fewest units (its fix satisfies the others), then the first. It
    takes the place of the first of them, names the other rules in ``also`` and at the
    end of its message, and carries every correction of the errors among them.
    """
    keyed = [f.problem for f in findings if f.problem is not None]
    if len(keyed) == len(set(keyed)):
        return tuple(findings)  # no problem reported twice: the usual case
    groups: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.problem is not None:
            groups.setdefault(finding.problem, []).append(index)
    if all(len(indexes) == 1 for indexes in groups.values()):
        return tuple(findings)
    replace: dict[int, Finding] = {}
    drop: set[int] = set()
    for indexes in groups.values():
        if len(indexes) == 1:
            continue
        members = [findings[i] for i in indexes]
        best = min(
            range(len(members)),
            key=lambda k: (_SEVERITY_RANK[members[k].severity], _units_kept(members[k]), k),
        )
        kept = members[best]
        others = tuple(dict.fromkeys(m.rule for m in members if m.rule != kept.rule))
        corrections = kept.corrections
        if kept.severity is Severity.ERROR:
            corrections = tuple(
                dict.fromkeys(c for m in members if m.severity is Severity.ERROR for c in m.corrections)
            )
        message = kept.message
        if others:
            message = f"{message} (the same problem as {', '.join(others)})"
        replace[indexes[0]] = attrs.evolve(
            kept, message=message, corrections=corrections, also=(*kept.also, *others)
        )
        drop.update(indexes[1:])
    return tuple(replace.get(i, f) for i, f in enumerate(findings) if i not in drop)


@attrs.frozen
class ClaimChanges:
    """What the errors of a check change, in the shape pricing takes.

    ``denied``: line index -> why the payer denies it as billed. ``lines``: the corrected
    claim, the visit's lines in order (with their corrected units, code and modifiers)
    then any lines the corrections add. ``left_off`` and ``undecided``: indexes into
    ``lines`` the corrected claim leaves off, or that the note must settle, with why.
    ``notes`` say what changed, line by line.
    """

    denied: dict[int, str]
    lines: tuple[Line, ...]
    left_off: dict[int, str]
    undecided: dict[int, str]
    notes: tuple[str, ...]


def denials(findings: Sequence[Finding]) -> dict[int, str]:
    """Line index -> why the payer denies it as billed, from the errors' corrections."""
    rules: dict[int, list[str]] = {}
    for finding in findings:
        if finding.severity is Severity.ERROR:
            for correction in finding.corrections:
                if correction.denied:
                    rules.setdefault(correction.line, []).append(finding.rule)
    if not rules:
        return {}
    return {
        line: f"denied as billed ({', '.join(dict.fromkeys(found))})" for line, found in sorted(rules.items())
    }


def claim_changes(visit: Visit, findings: Sequence[Finding]) -> ClaimChanges | None:
    """The as-billed denials and the corrected claim the errors imply (None: no change)."""
    by_line: dict[int, list[tuple[Correction, str]]] = {}
    for finding in findings:
        if finding.severity is not Severity.ERROR:
            continue
        for correction in finding.corrections:
            if correction.line < len(visit.lines):
                by_line.setdefault(correction.line, []).append((correction, finding.rule))
    if not by_line:
        return None
    denied: dict[int, str] = {}
    lines: list[Line] = list(visit.lines)
    added: list[Line] = []
    left_off: dict[int, str] = {}
    undecided: dict[int, str] = {}
    notes: list[str] = []
    for index in sorted(by_line):
        entries = by_line[index]
        line = visit.lines[index]
        rules = ", ".join(dict.fromkeys(rule for _, rule in entries))
        denying = [rule for c, rule in entries if c.denied]
        if denying:
            denied[index] = f"denied as billed ({', '.join(dict.fromkeys(denying))})"
        counts = [c.units for c, _ in entries]
        where = f"line {index} ({line.code})"
        if 0 in counts:
            left_off[index] = f"left off the corrected claim ({rules})"
            notes.append(f"{where}: left off the corrected claim ({rules})")
            continue
        if None in counts:
            undecided[index] = f"the note decides how this line is billed ({rules}): no corrected figure"
            notes.append(f"{where}: the note decides how it is billed ({rules}); not priced")
            continue
        units = min(c for c in counts if c is not None)
        code = next((c.code for c, _ in entries if c.code is not None), line.code)
        add_mods = frozenset().union(*(c.add_modifiers for c, _ in entries))
        drop_mods = frozenset().union(*(c.drop_modifiers for c, _ in entries))
        modifiers = tuple(m for m in line.modifiers if m not in drop_mods)
        modifiers += tuple(sorted(m for m in add_mods if m not in modifiers))
        same = code == line.code and modifiers == line.modifiers
        if same and type(units) is int and 1 <= units <= MAX_UNITS:
            corrected = line_with_units(line, units)  # the usual correction: fewer units
        else:
            corrected = attrs.evolve(line, code=code, units=units, modifiers=modifiers)
        lines[index] = corrected
        changes = []
        if code != line.code:
            changes.append(f"billed as {code}")
        if units != line.units:
            changes.append(f"{line.units} -> {units} unit(s)")
        if modifiers != line.modifiers:
            changes.append(f"modifiers {'/'.join(modifiers) or 'none'}")
        for add_code, add_units, add_modifiers in dict.fromkeys(a for c, _ in entries for a in c.add):
            added.append(attrs.evolve(line, code=add_code, units=add_units, modifiers=add_modifiers))
            changes.append(f"plus {add_code} x{add_units}")
        if changes:
            notes.append(f"{where}: {', '.join(changes)} ({rules})")
    return ClaimChanges(
        denied=denied,
        lines=(*lines, *added),
        left_off=left_off,
        undecided=undecided,
        notes=tuple(notes),
    )
