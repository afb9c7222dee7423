"""An estimate changed after pricing: notes added, a payer's own fee schedule, or no price at all.

Each takes a Medicare :class:`~ptcpt.fees.Estimate` from :func:`~ptcpt.fees.price_lines`
and returns a new one; the engine applies them for payers that are not Medicare.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ptcpt.fees.values import _ZERO, _ZERO_CENTS, Estimate, LineEstimate, _cents

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ptcpt.payers import FeeSchedule

__all__ = ["apply_fee_schedule", "unpriced", "with_notes"]

_HUNDRED = Decimal(100)


def with_notes(estimate: Estimate, notes: Sequence[str]) -> Estimate:
    """``estimate`` with ``notes`` added after its own (``attrs.evolve`` without its cost:
    every estimate of a payer priced as a reference takes one)."""
    if not notes:
        return estimate
    e = estimate
    return Estimate(
        e.on,
        e.lines,
        e.full_total,
        e.mppr_total,
        e.assistant_total,
        e.total,
        e.conversion_factor,
        e.locality,
        e.gpci_year,
        e.apm,
        e.facility,
        (*e.notes, *notes),
        e.unconfirmed,
    )


def apply_fee_schedule(estimate: Estimate, schedule: FeeSchedule) -> Estimate:
    """Re-price an estimate with a payer's own fee schedule.

    Codes the schedule lists are paid ``rate x units`` with no MPPR or assistant cut
    (a payer's contract states its own reductions; ptcpt does not guess them); other
    codes get ``percent_of_medicare`` of the Medicare estimate, or keep the Medicare
    figure when the schedule gives no percentage. The notes say which was used.
    """
    percent = schedule.percent_of_medicare
    lines: list[LineEstimate] = []
    for line in estimate.lines:
        rate = schedule.rate(line.code)
        if rate is not None:
            amount = _cents(rate * line.units)
            lines.append(
                attrs.evolve(
                    line,
                    full=amount,
                    payable=amount,
                    mppr_reduction=_ZERO,
                    assistant_reduction=_ZERO,
                    reasons=(*line.reasons, f"{schedule.id}: {rate} per unit"),
                )
            )
        elif percent is not None and line.payable is not None and line.full is not None:
            factor = percent / _HUNDRED
            lines.append(
                attrs.evolve(
                    line,
                    full=_cents(line.full * factor),
                    payable=_cents(line.payable * factor),
                    mppr_reduction=_cents(line.mppr_reduction * factor),
                    assistant_reduction=_cents(line.assistant_reduction * factor),
                    reasons=(*line.reasons, f"{schedule.id}: {percent}% of Medicare"),
                )
            )
        else:
            lines.append(line)
    priced = [line for line in lines if line.payable is not None]
    return attrs.evolve(
        estimate,
        lines=tuple(lines),
        full_total=sum((line.full or _ZERO for line in priced), _ZERO),
        mppr_total=sum((line.mppr_reduction for line in priced), _ZERO),
        assistant_total=sum((line.assistant_reduction for line in priced), _ZERO),
        total=sum((line.payable or _ZERO for line in priced), _ZERO),
        notes=(*estimate.notes, f"priced with fee schedule {schedule.id}"),
    )


def unpriced(estimate: Estimate, reason: str) -> Estimate:
    """The estimate with no line priced, each saying ``reason``: for a payer whose rates
    ptcpt does not hold (a state workers' compensation fee schedule), where Medicare's
    figures would mislead even as a reference. A registered fee schedule can then price
    the codes it lists (:func:`apply_fee_schedule`)."""
    lines = tuple(
        attrs.evolve(
            line,
            full=None,
            payable=None,
            mppr_reduction=_ZERO_CENTS,
            assistant_reduction=_ZERO_CENTS,
            reasons=(reason,),
            mppr_units=0,
        )
        for line in estimate.lines
    )
    return attrs.evolve(
        estimate,
        lines=lines,
        full_total=_ZERO_CENTS,
        mppr_total=_ZERO_CENTS,
        assistant_total=_ZERO_CENTS,
        total=_ZERO_CENTS,
        notes=(reason,),  # Medicare's pricing notes say nothing about this payer's rates
        unconfirmed=(),
    )
