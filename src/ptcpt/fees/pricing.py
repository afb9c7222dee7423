"""Medicare fee-schedule arithmetic for a visit's lines: what each line should pay.

Functions of their arguments over :class:`~ptcpt.cms.CmsTables`; no I/O, no rules: the
same lines, date and tables always give the same estimate. The figures that repeat (a
code's per-unit terms, a line's money) are memoised on the tables object itself
(:mod:`ptcpt.fees.terms`), never in module state. The rule engine decides coverage and
modifiers; this module turns the lines it is given into money, following facts.md 6b-6c:

1. ``full = (work RVU x work GPCI + PE RVU x PE GPCI + MP RVU x MP GPCI) x CF`` per unit
   (national amount, every GPCI 1.000, when no locality is given).
2. The therapy MPPR: among the units of codes with MULT PROC 5, the unit with the
   highest PE payment is paid in full; every other unit has its PE cut by the rate in
   force (50 % from 2013-04-01). Ties go to the unit with the higher fee after the
   assistant factor, then to a fixed order of code and modifiers, so the result never
   depends on the order of the lines.
3. CQ/CO lines are then paid at the assistant factor (85 % from 2022-01-01).

Sequestration, deductible and coinsurance are not applied: an estimate is the fee
schedule's allowed amount.

Money is :class:`~decimal.Decimal`. Every figure is computed exactly and rounded to
cents (half up) only at the end: each line's amounts are rounded from that line's exact
figures, and each total is rounded from the sum of the exact line figures. A total can
therefore differ by a cent from the sum of the rounded lines shown (facts.md 6c:
97530 + 97112 + 97110 in 2026 is $82.17 as a visit, $35.07 + $24.88 + $22.21 by line).
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ptcpt._codes import is_code_shaped
from ptcpt.cms import CmsTables, bundled_tables
from ptcpt.errors import InvalidVisit
from ptcpt.fees.terms import _MAX_FIGURES, _Context, _context, _Priced, _Terms
from ptcpt.fees.values import (
    _CENT,
    _ONE,
    _ZERO,
    _ZERO_CENTS,
    ASSISTANT_MODIFIERS,
    Estimate,
    LineEstimate,
    LineLike,
    PricedLineInput,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

__all__ = ["price_lines"]

_NONCOVERED = ("not covered by this payer for this visit: no payment",)


@functools.cache
def _visit_line() -> type:
    from ptcpt._visit import Line

    return Line


def _read_line(index: int, line: object) -> tuple[str, int, tuple[str, ...]]:
    kind = type(line)
    if kind is PricedLineInput or kind is _visit_line():  # validated when they were made
        return line.code, line.units, line.modifiers  # type: ignore[attr-defined]
    path = f"lines[{index}]"
    code = getattr(line, "code", None)
    if not isinstance(code, str) or not is_code_shaped(code.strip().upper()):
        raise InvalidVisit(f"{path}.code", "must be a CPT/HCPCS code of 5 characters such as 97110 or G0283")
    units = getattr(line, "units", None)
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise InvalidVisit(f"{path}.units", f"must be a whole number >= 1, got {units!r}")
    raw = getattr(line, "modifiers", ())
    if isinstance(raw, str) or not isinstance(raw, tuple | list):
        raise InvalidVisit(f"{path}.modifiers", "must be a list of two-character modifiers such as ['GP']")
    modifiers: list[str] = []
    for j, modifier in enumerate(raw):
        if not (isinstance(modifier, str) and len(modifier.strip()) == 2 and modifier.strip().isalnum()):
            raise InvalidVisit(f"{path}.modifiers[{j}]", "must be a two-character modifier such as GP or CQ")
        modifiers.append(modifier.strip().upper())
    return code.strip().upper(), units, tuple(modifiers)


def price_lines(
    lines: Sequence[LineLike],
    *,
    on: dt.date,
    tables: CmsTables | None = None,
    locality: str | None = None,
    apm: bool = False,
    facility: bool = False,
    noncovered_codes: Collection[str] = (),
    denied: Mapping[int, str] | None = None,
    unpriced_lines: Mapping[int, str] | None = None,
) -> Estimate:
    """Estimate the Medicare payment of a visit's lines on date of service ``on``.

    - ``tables``: the CMS tables (the bundled extract by default).
    - ``locality``: a Medicare locality, ``"10112-00"`` (MAC-locality) or ``"AL-00"``
      (state-locality); None prices the national amount (every GPCI 1.000).
    - ``apm``: the provider is a qualifying APM participant (its own CF from 2026).
    - ``facility``: use facility PE RVUs (equal to non-facility for therapy codes).
    - ``noncovered_codes``: codes the payer does not cover on this visit, from the payer
      profile's ``noncovered`` (dry needling for Medicare): paid 0.
    - ``denied``: line index -> why the payer denies that line as billed: paid 0, and
      left out of the MPPR ranking.
    - ``unpriced_lines``: line index -> why the line has no estimate (a corrected claim
      whose line the documentation must settle).

    Lines with PFS status B, I or N pay 0; R and C have no estimate (the MAC prices
    them). Raises InvalidVisit for a malformed line or an unknown locality.
    """
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise InvalidVisit("on", "must be a datetime.date (the date of service)")
    source = bundled_tables() if tables is None else tables
    if isinstance(noncovered_codes, frozenset):
        noncovered = noncovered_codes
    else:
        noncovered = frozenset(c.strip().upper() for c in noncovered_codes)
    ctx = _context(source, on, bool(apm), locality, bool(facility))
    rate = ctx.rate
    assistant_factor = ctx.assistant_factor
    reduce_assistant = assistant_factor != _ONE

    read: list[tuple[int, str, int, tuple[str, ...], _Terms | None, bool]] = []
    unconfirmed = list(ctx.unconfirmed)
    full_pe_key: tuple[object, ...] | None = None
    full_pe_index = -1
    visit_line = _visit_line()
    known_terms = ctx.terms
    set_aside: dict[int, tuple[Decimal | None, tuple[str, ...]]] | None = None
    if denied or unpriced_lines:
        set_aside = {}
        if denied:
            set_aside.update((i, (_ZERO_CENTS, (why,))) for i, why in denied.items())
        if unpriced_lines:
            set_aside.update((i, (None, (why,))) for i, why in unpriced_lines.items())
    for index, line in enumerate(lines):
        kind = type(line)
        if kind is visit_line or kind is PricedLineInput:  # validated when they were made
            code, units, modifiers = line.code, line.units, line.modifiers
        else:
            code, units, modifiers = _read_line(index, line)
        if code in noncovered or (set_aside is not None and index in set_aside):
            read.append((index, code, units, modifiers, None, False))
            continue
        terms = known_terms.get(code)
        if terms is None:
            terms = ctx.terms_for(source, code)
        assistant = reduce_assistant and not ASSISTANT_MODIFIERS.isdisjoint(modifiers)
        read.append((index, code, units, modifiers, terms, assistant))
        if terms.unconfirmed is not None and terms.unconfirmed not in unconfirmed:
            unconfirmed.append(terms.unconfirmed)
        if terms.mppr:
            # The MPPR: one unit, the highest PE payment, keeps its full PE; ties go to the
            # higher fee after the assistant factor, then to a fixed order of line content.
            key = (
                terms.rank_pe,
                terms.rank_fee_assistant if assistant else terms.rank_fee,
                code,
                modifiers,
                -units,
            )
            if full_pe_key is None or key < full_pe_key:
                full_pe_key, full_pe_index = key, index

    results: list[LineEstimate] = []
    exact_full = exact_mppr = exact_assistant = exact_payable = _ZERO
    lines_of = ctx.lines
    for index, code, units, modifiers, found, assistant in read:
        if found is None or found.zero or not found.priced:
            # Not paid (non-covered, bundled, invalid, denied: 0) or not priceable here (None).
            amount = _ZERO_CENTS if found is None or found.zero else None
            reasons = _NONCOVERED if found is None else found.reasons
            if found is None and set_aside is not None and index in set_aside:
                amount, reasons = set_aside[index]
            results.append(
                LineEstimate(
                    index=index,
                    code=code,
                    units=units,
                    modifiers=modifiers,
                    full=amount,
                    mppr_reduction=_ZERO_CENTS,
                    assistant_reduction=_ZERO_CENTS,
                    payable=amount,
                    reasons=reasons,
                    status=source.status(code) if found is None else found.status,
                )
            )
            continue
        reduced_units = 0
        if found.mppr and rate is not None:
            reduced_units = units - 1 if index == full_pe_index else units
        line_key = (index, code, units, modifiers, reduced_units, assistant)
        priced = lines_of.get(line_key)
        if priced is None:
            priced = _priced_line(ctx, found, index, code, units, modifiers, reduced_units, assistant)
            if len(lines_of) >= _MAX_FIGURES:
                lines_of.clear()
            lines_of[line_key] = priced
        line_estimate, full, mppr, assistant_cut, payable = priced
        exact_full += full
        if mppr or assistant_cut:
            exact_mppr += mppr
            exact_assistant += assistant_cut
        exact_payable += payable
        results.append(line_estimate)
    # Positional as above: on, lines, full_total, mppr_total, assistant_total, total,
    # conversion_factor, locality, gpci_year, apm, facility, notes, unconfirmed.
    return Estimate(
        on,
        tuple(results),
        exact_full.quantize(_CENT, ROUND_HALF_UP),
        exact_mppr.quantize(_CENT, ROUND_HALF_UP),
        exact_assistant.quantize(_CENT, ROUND_HALF_UP),
        exact_payable.quantize(_CENT, ROUND_HALF_UP),
        ctx.cf,
        ctx.place,
        ctx.gpci_year,
        bool(apm),
        bool(facility),
        ctx.notes,
        tuple(unconfirmed),
    )


def _priced_line(
    ctx: _Context,
    found: _Terms,
    index: int,
    code: str,
    units: int,
    modifiers: tuple[str, ...],
    reduced_units: int,
    assistant: bool,
) -> _Priced:
    """A priced line's estimate and exact money (memoised by the caller: immutable)."""
    figures_of = ctx.figures
    figures_key = (code, units, reduced_units, assistant)
    figures = figures_of.get(figures_key)
    if figures is None:
        figures = figures_of[figures_key] = ctx.line_figures(found, units, reduced_units, assistant)
    full, mppr, cut, payable, full_cents, mppr_cents, cut_cents, payable_cents, reasons = figures
    # Positional, in field order (index, code, units, modifiers, full, mppr_reduction,
    # assistant_reduction, payable, reasons, status, rvu_year, mppr_units).
    estimate = LineEstimate(
        index,
        code,
        units,
        modifiers,
        full_cents,
        mppr_cents,
        cut_cents,
        payable_cents,
        reasons,
        found.status,
        found.rvu_year,
        reduced_units,
    )
    return estimate, full, mppr, cut, payable
