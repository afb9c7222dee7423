"""Invariants of the fee arithmetic (ptcpt.fees.price_lines), checked with hypothesis.

Whatever the lines: no amount is negative; adding a line never lowers the full
(MPPR-free) total; and the order of the lines changes neither the total nor what each
code is paid.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ptcpt.cms import bundled_tables
from ptcpt.fees import Estimate, PricedLineInput, price_lines

#: MPPR codes, non-MPPR codes, status B / I / R / C codes and dry needling (non-covered).
CODES = (
    "97110", "97112", "97116", "97140", "97530", "97535", "97161", "97164", "97150", "97035",
    "97032", "G0283", "97012", "95992", "97129", "97010", "97014", "97026", "97039", "20560",
)  # fmt: skip
MODIFIERS = ("GP", "GO", "CQ", "CO", "59", "KX")

lines_st = st.builds(
    PricedLineInput,
    code=st.sampled_from(CODES),
    units=st.integers(min_value=1, max_value=6),
    modifiers=st.lists(st.sampled_from(MODIFIERS), max_size=3, unique=True).map(tuple),
)
visits_st = st.lists(lines_st, min_size=1, max_size=7)
dates_st = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 31))
noncovered_st = st.sampled_from([(), ("20560",)])


def by_code(estimate: Estimate) -> dict[str, Decimal]:
    paid: Counter[str] = Counter()
    for line in estimate.lines:
        if line.payable is not None:
            paid[line.code] += line.payable
    return dict(paid)


@given(visits_st, dates_st, noncovered_st)
def test_no_amount_is_ever_negative(
    lines: list[PricedLineInput], on: dt.date, noncovered: tuple[str, ...]
) -> None:
    estimate = price_lines(lines, on=on, noncovered_codes=noncovered)
    for amount in (estimate.total, estimate.full_total, estimate.mppr_total, estimate.assistant_total):
        assert amount >= 0
    assert estimate.total <= estimate.full_total
    for line in estimate.lines:
        assert line.mppr_reduction >= 0 and line.assistant_reduction >= 0
        if line.payable is not None:
            assert line.full is not None and 0 <= line.payable <= line.full


@given(visits_st, lines_st, dates_st, noncovered_st)
def test_adding_a_line_never_lowers_the_full_total(
    lines: list[PricedLineInput], extra: PricedLineInput, on: dt.date, noncovered: tuple[str, ...]
) -> None:
    before = price_lines(lines, on=on, noncovered_codes=noncovered)
    after = price_lines([*lines, extra], on=on, noncovered_codes=noncovered)
    assert after.full_total >= before.full_total


@given(visits_st, dates_st, noncovered_st, st.randoms(use_true_random=False))
def test_line_order_changes_neither_the_total_nor_what_each_code_is_paid(
    lines: list[PricedLineInput], on: dt.date, noncovered: tuple[str, ...], rnd: object
) -> None:
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = price_lines(lines, on=on, noncovered_codes=noncovered)
    second = price_lines(shuffled, on=on, noncovered_codes=noncovered)
    assert first.total == second.total
    assert first.full_total == second.full_total
    assert first.mppr_total == second.mppr_total
    assert by_code(first) == by_code(second)


#: Codes of CODES with MULT PROC 5 and status A in CMS's file (facts.md 11): the MPPR codes.
MPPR_CODES = frozenset(
    {"97110", "97112", "97116", "97140", "97530", "97535", "97161", "97164", "97150", "97035", "97032"}
    | {"G0283", "97012"}
)


@given(visits_st, dates_st)
def test_the_mppr_reduces_every_eligible_unit_but_one(lines: list[PricedLineInput], on: dt.date) -> None:
    estimate = price_lines(lines, on=on)
    eligible = sum(line.units for line in estimate.lines if line.priced and line.code in MPPR_CODES)
    assert sum(line.mppr_units for line in estimate.lines) == max(eligible - 1, 0)


@given(visits_st, dates_st, noncovered_st)
def test_remembered_line_figures_price_exactly_as_a_fresh_start(
    lines: list[PricedLineInput], on: dt.date, noncovered: tuple[str, ...]
) -> None:
    # A copy of the tables is a new identity, so it starts with no remembered terms or figures.
    warm = bundled_tables()
    price_lines(lines, on=on, tables=warm, noncovered_codes=noncovered)
    again = price_lines(lines, on=on, tables=warm, noncovered_codes=noncovered)
    fresh = price_lines(lines, on=on, tables=attrs.evolve(warm), noncovered_codes=noncovered)
    assert repr(again) == repr(fresh)  # every field, and every Decimal to its last digit
