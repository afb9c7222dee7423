"""What a code pays per unit on one date, in one place and setting, and the memos of those figures.

A pricing context (:class:`_Context`) holds everything that depends on the date, the
locality and the setting but not on the lines: the conversion factor, the GPCIs, the
MPPR and assistant rates, and the memo of each code's per-unit terms (:class:`_Terms`)
and of each line's money. Codes and lines repeat across a batch, so these are memoised;
the memos live on the :class:`~ptcpt.cms.CmsTables` they were computed from
(:meth:`~ptcpt.cms.CmsTables.memo`), are made with it and go with it, so figures from one
set of tables are never served for another.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ptcpt.cms import CmsTables, normalise_locality
from ptcpt.errors import DataError, InvalidVisit
from ptcpt.fees.values import _ONE, _ZERO, _ZERO_CENTS, LineEstimate, _cents

__all__: list[str] = []

_STATUS_ZERO = {
    "B": "bundled: Medicare makes no separate payment (PFS status B)",
    "I": "not valid for Medicare (PFS status I): bill the Medicare code instead",
    "N": "not covered by Medicare (PFS status N)",
}
_STATUS_UNPRICED = {
    "R": "restricted coverage (PFS status R): the MAC decides and prices it; no national estimate",
    "C": "carrier-priced (PFS status C): the MAC sets the amount; no national estimate",
}


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
        shared = tables.memo("ptcpt.fees.terms")
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


#: Line figures kept per pricing terms before that memo starts afresh.
_MAX_FIGURES = 65536
#: Contexts kept per tables before the memo starts afresh (a batch has few distinct days).
_MAX_CONTEXTS = 4096


def _context(tables: CmsTables, on: dt.date, apm: bool, locality: str | None, facility: bool) -> _Context:
    """The pricing context of ``tables`` for one date, place and setting (memoised on the tables)."""
    memo = tables.memo("ptcpt.fees.contexts")
    key = (on, apm, locality, facility)
    found = memo.get(key)
    if found is None:
        if len(memo) >= _MAX_CONTEXTS:
            memo.clear()
        found = memo[key] = _Context(tables, on, apm, locality, facility)
    return found


def _share(name: str, value: Decimal) -> Decimal:
    if not _ZERO <= value <= _ONE:
        raise DataError(f"must be between 0 and 1, got {value}", file="payment_factors.csv", field=name)
    return value
