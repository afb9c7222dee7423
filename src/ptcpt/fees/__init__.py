"""Medicare fee-schedule arithmetic for a visit's lines: what each line should pay.

Where each part lives:

- :mod:`ptcpt.fees.values`: the values (:class:`PricedLineInput`, :class:`LineEstimate`,
  :class:`Estimate`), which know nothing of pricing or screens.
- :mod:`ptcpt.fees.pricing`: :func:`price_lines`, the arithmetic of facts.md 6b-6c.
- :mod:`ptcpt.fees.terms`: a code's per-unit terms in one pricing context, memoised on the
  :class:`~ptcpt.cms.CmsTables` they come from.
- :mod:`ptcpt.fees.repricing`: an estimate changed after pricing (:func:`with_notes`,
  :func:`apply_fee_schedule`, :func:`unpriced`).
"""

from __future__ import annotations

from ptcpt.fees.pricing import price_lines
from ptcpt.fees.repricing import apply_fee_schedule, unpriced, with_notes
from ptcpt.fees.values import ASSISTANT_MODIFIERS, Estimate, LineEstimate, LineLike, PricedLineInput

__all__ = [
    "ASSISTANT_MODIFIERS",
    "Estimate",
    "LineEstimate",
    "LineLike",
    "PricedLineInput",
    "apply_fee_schedule",
    "price_lines",
    "unpriced",
    "with_notes",
]
