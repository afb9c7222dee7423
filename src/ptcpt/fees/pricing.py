"""Medicare fee-schedule arithmetic for a visit's lines: what each line should pay.

Pure functions over :class:`~ptcpt.cms.CmsTables`; no I/O, no rules. The rule
engine decides coverage and modifiers; this module turns the lines it is given into
money, following facts.md 6b-6c:

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
import weakref
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal, Protocol

import attrs

from ptcpt.cms import CmsTables, bundled_tables, normalise_locality
from ptcpt.codes import is_code_shaped
from ptcpt.errors import DataError, InvalidVisit

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    import pandas as pd

    from ptcpt.payers import FeeSchedule

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

#: Modifiers that mark a service furnished in whole or in part by a PTA or OTA.
ASSISTANT_MODIFIERS = frozenset({"CQ", "CO"})
_CENT = Decimal("0.01")
_ZERO_CENTS = Decimal("0.00")
_NONCOVERED = ("not covered by this payer for this visit: no payment",)
_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_STATUS_ZERO = {
    "B": "bundled: Medicare makes no separate payment (PFS status B)",
    "I": "not valid for Medicare (PFS status I): bill the Medicare code instead",
    "N": "not covered by Medicare (PFS status N)",
}
_STATUS_UNPRICED = {
    "R": "restricted coverage (PFS status R): the MAC decides and prices it; no national estimate",
    "C": "carrier-priced (PFS status C): the MAC sets the amount; no national estimate",
}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


class LineLike(Protocol):
    """What pricing reads from a line: ptcpt's visit ``Line`` satisfies it."""

    @property
    def code(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def modifiers(self) -> tuple[str, ...]: ...


def _modifiers(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, tuple | list):
        raise InvalidVisit("modifiers", "must be a list of two-character modifiers such as ['GP']")
    return tuple(m.strip().upper() if isinstance(m, str) else m for m in value)


def _check_modifiers(_: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    for index, modifier in enumerate(value):
        if not (isinstance(modifier, str) and len(modifier) == 2 and modifier.isalnum()):
            raise InvalidVisit(f"modifiers[{index}]", "must be a two-character modifier such as GP or CQ")


def _check_code(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_code_shaped(value):
        raise InvalidVisit("code", "must be a CPT/HCPCS code of 5 characters such as 97110 or G0283")


def _check_units(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidVisit("units", f"must be a whole number >= 1, got {value!r}")


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


@attrs.frozen
class PricedLineInput:
    """One line to price: a code, its units and its modifiers (nothing clinical)."""

    code: str = attrs.field(converter=_upper, validator=_check_code)
    units: int = attrs.field(default=1, validator=_check_units)
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=_modifiers, validator=_check_modifiers)


@attrs.frozen
class LineEstimate:
    """What one line should pay, and why.

    ``full`` is the fee-schedule amount of all its units before any reduction (0 for a
    line Medicare does not pay separately); ``payable`` is ``full`` less the MPPR and
    assistant reductions. Both are None when ptcpt cannot estimate the line (the MAC
    prices it, or the tables lack its RVUs): ``reasons`` then says why.
    """

    index: int
    code: str
    units: int
    modifiers: tuple[str, ...]
    full: Decimal | None
    mppr_reduction: Decimal
    assistant_reduction: Decimal
    payable: Decimal | None
    reasons: tuple[str, ...] = ()
    status: str | None = None
    rvu_year: int | None = None
    #: units whose practice expense the MPPR cut
    mppr_units: int = 0

    @property
    def priced(self) -> bool:
        return self.payable is not None


@attrs.frozen
class Estimate:
    """The estimated Medicare allowed amount of a visit's lines.

    Totals are over the priced lines only (``complete`` says whether every line was
    priced) and are rounded once from the exact line figures. ``full_total`` is the
    amount with no MPPR and no assistant reduction; ``total`` is what should be paid.
    ``unconfirmed`` names every input that rests on a figure the sources leave
    unconfirmed (secondary-source RVUs or conversion factors).
    """

    on: dt.date
    lines: tuple[LineEstimate, ...]
    full_total: Decimal
    mppr_total: Decimal
    assistant_total: Decimal
    total: Decimal
    conversion_factor: Decimal | None
    locality: str | None = None
    gpci_year: int | None = None
    apm: bool = False
    facility: bool = False
    notes: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every line has an estimate."""
        return all(line.priced for line in self.lines)

    def to_frame(self, *, money: Literal["float", "decimal"] = "float") -> pd.DataFrame:
        """The lines as a pandas DataFrame, one row each (needs the ``pandas`` extra).

        Money is float dollars unless ``money="decimal"``; ``total`` is rounded once from
        the exact line figures, so use it rather than summing the rounded ``payable``.
        """
        from ptcpt.frames import estimate_to_frame

        return estimate_to_frame(self, money=money)

    def _repr_html_(self) -> str:
        from ptcpt.display import estimate_html

        return estimate_html(self)


class _Terms:
    """What a code pays per unit in one pricing context (memoised: codes repeat)."""

    __slots__ = (
        "mppr",
        "pe",
        "priced",
        "rank_fee",
        "rank_fee_assistant",
        "rank_pe",
        "reasons",
        "rvu_year",
        "status",
        "unconfirmed",
        "unit_fee",
        "zero",
    )

    def __init__(self) -> None:
        self.status: str | None = None
        self.zero = False
        self.priced = False
        self.reasons: tuple[str, ...] = ()
        self.rvu_year: int | None = None
        self.unit_fee = _ZERO
        self.pe = _ZERO
        self.mppr = False
        self.unconfirmed: str | None = None
        self.rank_pe = self.rank_fee = self.rank_fee_assistant = _ZERO


#: A priced line's money: exact full, MPPR cut, assistant cut and payable, the same four
#: rounded to cents, and the line's reasons.
_Figures = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, tuple[str, ...]]
#: A priced line and its exact (unrounded) full, MPPR, assistant and payable money.
_Priced = tuple["LineEstimate", Decimal, Decimal, Decimal, Decimal]


class _Context:
    """Everything that depends on the date, place and setting, not on the lines."""

    __slots__ = (
        "assistant_cut",
        "assistant_factor",
        "assistant_reason",
        "cf",
        "facility",
        "figures",
        "gpci",
        "gpci_reason",
        "gpci_year",
        "lines",
        "mppr_reasons",
        "notes",
        "on",
        "place",
        "rate",
        "terms",
        "unconfirmed",
    )

    def __init__(
        self, tables: CmsTables, on: dt.date, apm: bool, locality: str | None, facility: bool
    ) -> None:
        self.on = on
        self.facility = facility
        notes: list[str] = []
        self.unconfirmed: list[str] = []
        self.gpci = (_ONE, _ONE, _ONE)
        self.gpci_reason: str | None = None
        self.place: str | None = None
        self.gpci_year: int | None = None
        if locality is not None:
            key = normalise_locality(locality)
            found = None if key is None else tables.gpci(key, on.year)
            if found is None:
                raise InvalidVisit(
                    "locality",
                    "not a Medicare locality the tables know; use MAC-locality such as 10112-00 "
                    "or state-locality such as AL-00",
                )
            self.gpci = (found.work, found.pe, found.mp)
            self.place, self.gpci_year = key, found.year
            if found.year != on.year:
                notes.append(f"GPCIs of {found.year} used: the tables hold none for {on.year}")
                self.gpci_reason = f"{found.year} GPCIs for a {on.year} date of service"
                self.unconfirmed.append(f"{key} GPCIs of {found.year} used for {on.year}")
        self.cf: Decimal | None = None
        if tables.has_conversion_factor(on, apm):
            factor = tables.conversion_factor(on, apm)
            self.cf = factor.cf
            if factor.unconfirmed:
                self.unconfirmed.append(
                    f"conversion factor {factor.cf} for {factor.start.isoformat()}..{factor.end.isoformat()} "
                    "(secondary sources only)"
                )
        else:
            notes.append(f"no conversion factor for {on.isoformat()} in the tables: no line can be priced")
        rate = tables.mppr_rate(on)
        self.rate = None if rate is None else _share("mppr_pe_reduction", rate)
        self.assistant_factor = _share("assistant_payment_factor", tables.cq_factor(on))
        self.assistant_cut = _ONE - self.assistant_factor
        self.assistant_reason = f"CQ/CO: paid at {self.assistant_factor:.0%} of the fee schedule"
        self.mppr_reasons: dict[int, str] = {}
        status = tables.release("pfs_status")
        if status is not None and (status.start is None or status.start.year != on.year):
            notes.append(f"{status.short()} fee-schedule statuses ({status.label})")
        # Terms depend on the fee-schedule year, factor, place and rates, not on the day:
        # contexts of days that share those share one dict (a batch spans many days).
        shared = _TERMS.get(tables)
        if shared is None:
            shared = _TERMS[tables] = {}
        terms_key = (on.year, self.cf, self.gpci, self.gpci_year, facility, self.rate, self.assistant_factor)
        memos = shared.get(terms_key)
        if memos is None:
            if len(shared) >= _MAX_CONTEXTS:
                shared.clear()
            memos = shared[terms_key] = ({}, {}, {})
        self.terms: dict[str, _Terms] = memos[0]
        #: (code, units, reduced units, assistant) -> _Figures: a line's money depends on
        #: nothing else once the terms are fixed, and a batch repeats few such lines.
        self.figures: dict[tuple[str, int, int, bool], _Figures] = memos[1]
        #: (index, code, units, modifiers, reduced units, assistant) -> the priced line and
        #: its exact money: the whole LineEstimate is fixed by these once the terms are.
        self.lines: dict[tuple[object, ...], _Priced] = memos[2]
        self.notes = tuple(notes)

    def mppr_reason(self, units: int) -> str:
        found = self.mppr_reasons.get(units)
        if found is None:
            assert self.rate is not None
            found = f"MPPR: practice expense of {units} unit(s) paid at {(_ONE - self.rate):.0%}"
            self.mppr_reasons[units] = found
        return found

    def line_figures(self, terms: _Terms, units: int, reduced_units: int, assistant: bool) -> _Figures:
        """The exact and rounded money of a priced line, and the reasons it was reduced."""
        figures = self.figures
        if len(figures) >= _MAX_FIGURES:
            figures.clear()
        reasons = terms.reasons
        full = terms.unit_fee * units
        mppr = _ZERO
        if reduced_units:
            assert self.rate is not None
            mppr = terms.pe * self.rate * reduced_units
            reasons += (self.mppr_reason(reduced_units),)
        assistant_cut = _ZERO
        if assistant:
            assistant_cut = (full - mppr) * self.assistant_cut
            reasons += (self.assistant_reason,)
        full_cents = _cents(full)
        if mppr or assistant_cut:
            payable = full - mppr - assistant_cut
            payable_cents = _cents(payable)
        else:
            payable, payable_cents = full, full_cents
        return (
            full,
            mppr,
            assistant_cut,
            payable,
            full_cents,
            _cents(mppr) if mppr else _ZERO_CENTS,
            _cents(assistant_cut) if assistant_cut else _ZERO_CENTS,
            payable_cents,
            reasons,
        )

    def terms_for(self, tables: CmsTables, code: str) -> _Terms:
        found = self.terms.get(code)
        if found is None:
            found = self.terms[code] = self._price(tables, code)
        return found

    def _price(self, tables: CmsTables, code: str) -> _Terms:
        terms = _Terms()
        status = terms.status = tables.status(code)
        if status in _STATUS_ZERO:
            terms.zero = True
            terms.reasons = (_STATUS_ZERO[status],)
            return terms
        if status in _STATUS_UNPRICED:
            terms.reasons = (_STATUS_UNPRICED[status],)
            return terms
        cf = self.cf
        if cf is None:
            terms.reasons = ("no conversion factor for the date of service",)
            return terms
        on = self.on
        rvu = tables.rvu(code, on, complete=True)
        if rvu is None:
            terms.reasons = (f"no RVUs for {code} in {on.year} in the tables",)
            return terms
        assert rvu.work is not None and rvu.mp is not None
        pe_rvu = rvu.pe(self.facility)
        assert pe_rvu is not None
        reasons: list[str] = []
        terms.rvu_year = rvu.year
        # Every line says what its price rests on when it is not CMS's release for the year.
        if rvu.year != on.year:
            reasons.append(f"priced with {rvu.year} RVUs: the tables hold no full {on.year} RVUs")
            terms.unconfirmed = f"{code} priced with {rvu.year} RVUs for a {on.year} date of service"
        elif rvu.unconfirmed:
            reasons.append(f"priced with {rvu.year} RVUs from secondary sources (unconfirmed)")
        if rvu.unconfirmed:
            terms.unconfirmed = f"{code} {rvu.year} RVUs ({rvu.source})"
        if self.gpci_reason is not None:
            reasons.append(f"priced with {self.gpci_reason}")
        if status is None:
            reasons.append("PFS status not in the tables: priced as active")
        gw, gp, gm = self.gpci
        terms.priced = True
        terms.reasons = tuple(reasons)
        terms.pe = pe_rvu * gp * cf
        terms.unit_fee = rvu.work * gw * cf + terms.pe + rvu.mp * gm * cf
        terms.mppr = self.rate is not None and tables.mppr_applies(code)
        terms.rank_pe = -terms.pe
        terms.rank_fee = -terms.unit_fee
        terms.rank_fee_assistant = -terms.unit_fee * self.assistant_factor
        return terms


_CONTEXTS: weakref.WeakKeyDictionary[CmsTables, dict[tuple[object, ...], _Context]] = (
    weakref.WeakKeyDictionary()
)
_TERMS: weakref.WeakKeyDictionary[
    CmsTables,
    dict[
        tuple[object, ...],
        tuple[
            dict[str, _Terms],
            dict[tuple[str, int, int, bool], _Figures],
            dict[tuple[object, ...], _Priced],
        ],
    ],
] = weakref.WeakKeyDictionary()
#: Line figures kept per pricing terms before that memo starts afresh.
_MAX_FIGURES = 65536
#: Contexts kept per tables before the memo starts afresh (a batch has few distinct days).
_MAX_CONTEXTS = 4096


@functools.cache
def _visit_line() -> type:
    from ptcpt.visit import Line

    return Line


#: The tables priced last and their contexts: nearly every call prices with the same
#: tables, and this spares the weak dictionary's look-up (a weak reference per call).
_LAST: tuple[weakref.ref[CmsTables], dict[tuple[object, ...], _Context]] | None = None


def _context(tables: CmsTables, on: dt.date, apm: bool, locality: str | None, facility: bool) -> _Context:
    global _LAST
    last = _LAST
    if last is not None and last[0]() is tables:
        memo = last[1]
    else:
        found_memo = _CONTEXTS.get(tables)
        if found_memo is None:
            found_memo = _CONTEXTS[tables] = {}
        memo = found_memo
        _LAST = (weakref.ref(tables), memo)
    key = (on, apm, locality, facility)
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MAX_CONTEXTS:
            memo.clear()
        found = memo[key] = _Context(tables, on, apm, locality, facility)
    return found


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


def _share(name: str, value: Decimal) -> Decimal:
    if not _ZERO <= value <= _ONE:
        raise DataError(f"must be between 0 and 1, got {value}", file="payment_factors.csv", field=name)
    return value


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
    - ``noncovered_codes``: codes the payer does not cover on this visit, as the rule
      engine decided (dry needling for Medicare): paid 0.
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
