"""Read X12 837P professional claims as visits, so a claim file can be checked as it is sent.

An 837P file is what a practice's billing system sends a payer. ptcpt needs only the
services in it: each claim's (``CLM``) service lines (``LX`` / ``SV1``) and their dates
of service (``DTP*472``). One claim becomes one :class:`~ptcpt._visit.Visit` per date of
service, because ptcpt's rules (NCCI pairs, the 8-minute rule, evaluations) are
same-day rules.

Files from the real world are often damaged or unusual, and a claim scrubber must not
lose a claim without a word. So every ``CLM`` in the input ends as visits
(:class:`ClaimVisit`) or as a :class:`RejectedClaim` naming the claim and the reason; a
service line billed over a range of days is reported by itself (:class:`RejectedLine`)
while the claim's other lines are read; and damage outside the claims (the ISA/GS/ST
envelope, a segment between claims that cannot be read) is an :class:`EnvelopeFault`
naming the segment and what was expected there. Reading goes on after each of them
wherever the input can still be split into segments. Nothing else is ever raised for
bad input.

The file also holds patients' names, member ids, birth dates and addresses (``NM1``,
``N3``, ``N4``, ``DMG``, ``REF``, ``PER``). This module never reads those segments
beyond their identifier: the only ``NM1`` it looks into is the payer's (``NM1*PR``),
and then only to map the payer to a profile id the caller chose. So no patient data can
reach a visit, an error message, a log record or a warning; messages name positions
(the claim's ordinal number in the file, the segment's) and short code-shaped values,
never free text.

The reader splits segments itself rather than through pyx12 (the ``x12`` extra, whose
validator remains the tool for full compliance checks, ``docs/x12.md``): each
interchange announces its own delimiters in its ISA header, a file may hold several
with different ones, and a reader that stops or raises on the first damaged segment
cannot account for the claims after it.

What an 837P cannot say: minutes. Lines billed in units (``SV103`` = ``UN``, nearly
all) carry no minutes, so the rules that weigh minutes
cannot judge them (each rule says so in ``Rule.needs``, and :func:`rules_needing` finds
them in a Checker's rules); see :func:`minutes_note`. Lines billed in minutes (``MJ``)
carry them.

The package by subject: :mod:`.items` (what reading yields), :mod:`.segments`
(delimiters, patterns, the ISA header), :mod:`.envelope` (ISA/GS/ST and their
trailers), :mod:`.claims` (the claim loops into visits), :mod:`.reader` (splitting
and dispatch; :func:`read_837p`) and :mod:`.notes` (what to say about rules that need
minutes). Every public name is imported from ``ptcpt.x12``.
"""

from __future__ import annotations

import warnings

from ptcpt.x12.items import ClaimVisit, EnvelopeFault, Item, RejectedClaim, RejectedLine
from ptcpt.x12.notes import _DEPRECATED, lacks_minutes, minutes_note, rules_needing
from ptcpt.x12.reader import read_837p, visits_from_x12
from ptcpt.x12.segments import looks_like_x12

__all__ = [
    "ClaimVisit",
    "EnvelopeFault",
    "Item",
    "RejectedClaim",
    "RejectedLine",
    "lacks_minutes",
    "looks_like_x12",
    "minutes_note",
    "read_837p",
    "rules_needing",
    "visits_from_x12",
]


def __getattr__(name: str) -> object:
    """The deprecated constants, computed from the built-in rules when first asked for."""
    make = _DEPRECATED.get(name)
    if make is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    replacement = (
        "minutes_note(checker.rules)" if name == "MINUTES_NOTE" else "rules_needing(..., checker.rules)"
    )
    warnings.warn(
        f"ptcpt.x12.{name} is deprecated: it lists only the built-in rules; use {replacement}",
        DeprecationWarning,
        stacklevel=2,
    )
    return make()
