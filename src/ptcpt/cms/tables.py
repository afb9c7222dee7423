"""CMS's tables for PT codes in one object, with the lookups rules and fee estimates need.

Every figure is dated (a release, a year, a window of dates of service) because CMS
changes them quarterly and a claim is judged by the rules of its date of service. The
records are in :mod:`ptcpt.cms.records`; the bundled extract loads through
:mod:`ptcpt.cms.extracts`, and :mod:`ptcpt.cms.directory` builds the same
:class:`CmsTables` from CMS's own quarterly files so production users stay current
without a ptcpt release.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt.cms.index import _build_index, _Index
from ptcpt.cms.records import (
    MUE_START,
    ConversionFactor,
    Gpci,
    KxThreshold,
    ModifierInfo,
    MueLimit,
    PaymentFactor,
    PfsStatus,
    PtpEdit,
    Rvu,
    normalise_locality,
)
from ptcpt.cms.releases import Release
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "CmsTables",
]

_ONE = Decimal(1)


@attrs.frozen(repr=False, eq=False)
class CmsTables:
    """Every CMS table ptcpt uses, with the lookups rules and fee estimates need.

    Compared and hashed by identity: two loads of the same files are different objects
    (compare the record tuples to compare contents).

    Build one with :func:`bundled_tables` (cached), :func:`ptcpt.cms.directory.load_cms_tables`
    (CMS's own files replacing bundled parts) or ``attrs.evolve(tables, ptp=...)``.
    Lookups are dictionary-fast; the indexes are built once, when the object is made.
    """

    ptp: tuple[PtpEdit, ...] = attrs.field(converter=tuple)
    mue_limits: tuple[MueLimit, ...] = attrs.field(converter=tuple)
    rvus: tuple[Rvu, ...] = attrs.field(converter=tuple)
    statuses: tuple[PfsStatus, ...] = attrs.field(converter=tuple)
    gpcis: tuple[Gpci, ...] = attrs.field(converter=tuple)
    conversion_factors: tuple[ConversionFactor, ...] = attrs.field(converter=tuple)
    kx_thresholds: tuple[KxThreshold, ...] = attrs.field(converter=tuple)
    payment_factors: tuple[PaymentFactor, ...] = attrs.field(converter=tuple)
    modifiers: tuple[ModifierInfo, ...] = attrs.field(converter=tuple)
    _index: _Index = attrs.field(init=False, default=attrs.Factory(_build_index, takes_self=True))

    def __repr__(self) -> str:
        years = sorted({r.year for r in self.rvus})
        span = f"{years[0]}-{years[-1]}" if years else "none"
        return (
            f"<CmsTables ptp={len(self.ptp)} mue={len(self.mue_limits)} rvu={len(self.rvus)} ({span}) "
            f"gpci={len(self.gpcis)} cf={len(self.conversion_factors)}>"
        )

    def memo(self, owner: str) -> dict[Any, Any]:
        """A dict made with these tables for ``owner``'s memo of figures computed from them.

        Figures derived from one set of tables (a code's fee terms, say) are memoised here,
        not in module state: they live and die with the tables, and a reloaded or evolved
        set of tables starts with none. ``owner`` is a dotted name such as
        ``"ptcpt.fees.terms"``; the caller bounds the dict's size.
        """
        memos = self._index.memos
        found = memos.get(owner)
        if found is None:
            found = memos[owner] = {}
        return found

    # -- NCCI -------------------------------------------------------------------------------
    def ptp_edits(self, column1: str, column2: str) -> tuple[PtpEdit, ...]:
        """Every window of the edit with ``column1`` in column 1 and ``column2`` in column 2."""
        return self._index.ptp.get((column1, column2), ())

    def ptp_in_force(self, code_a: str, code_b: str, on: dt.date) -> PtpEdit | None:
        """The edit between two codes in force on ``on``, in either column order.

        Withdrawn windows (indicator 9) and windows not covering ``on`` are skipped.
        When edits apply in both directions (a few pairs have them), the strictest wins
        (indicator 0 before 1), then the one whose (column 1, column 2) sorts first, so
        the answer never depends on the argument order. :meth:`ptp_among` returns both.
        """
        best: PtpEdit | None = None
        for pair in ((code_a, code_b), (code_b, code_a)):
            for edit in self._index.ptp.get(pair, ()):
                if edit.in_force(on) and (
                    best is None
                    or (edit.modifier_indicator, edit.pair) < (best.modifier_indicator, best.pair)
                ):
                    best = edit
        return best

    def ptp_among(self, codes: Iterable[str], on: dt.date) -> tuple[PtpEdit, ...]:
        """The edits in force on ``on`` between distinct codes of ``codes``.

        One edit per ordered pair (column 1, column 2) that has one, the strictest
        window first; sorted by pair.
        """
        index = self._index
        key = (frozenset(codes), bisect.bisect_right(index.among_epochs, on))
        memo = index.among
        cached = memo.get(key)
        if cached is not None:
            return cached  # a batch repeats the same codes within one epoch
        if len(memo) >= 8192:
            memo.clear()
        result = memo[key] = self._ptp_among(key[0], on)
        return result

    def _ptp_among(self, codes: frozenset[str], on: dt.date) -> tuple[PtpEdit, ...]:
        distinct = sorted(codes)
        found: list[PtpEdit] = []
        index = self._index
        for a in distinct:
            partners = index.ptp_partners.get(a)
            if partners is None:
                continue
            for b in distinct:
                if a == b or b not in partners:
                    continue
                best: PtpEdit | None = None
                for edit in index.ptp[(a, b)]:
                    if edit.in_force(on) and (
                        best is None or edit.modifier_indicator < best.modifier_indicator
                    ):
                        best = edit
                if best is not None:
                    found.append(best)
        return tuple(found)

    def ptp_guess(self, edit: PtpEdit, on: dt.date) -> tuple[str, bool] | None:
        """What applying ``edit`` on ``on`` rests on, when the table cannot say for sure.

        ``(note, uncertain)``: ``uncertain`` is True when the table cannot tell whether the
        edit applied that day (its current window has no effective date, an earlier window
        of the pair had ended, and ``on`` falls after that end and before the table's own
        release); False when only the start date is missing (the edit is taken to be in
        force). None when the table's dates settle it.
        """
        if edit.effective is not None:
            return None
        release = self._index.releases.get("ptp")
        start = release.start if release is not None else None
        if start is not None and on >= start:
            return None
        gap_from = self._index.ptp_gap_from.get(id(edit))
        # A window is in force on its own deletion date whenever it began; before that, and
        # after the pair's earlier window ended, its unknown start decides.
        if gap_from is not None and on >= gap_from and (edit.deleted is None or on < edit.deleted):
            ended = (gap_from - dt.timedelta(days=1)).isoformat()
            return (
                f"the table gives no start date for this edit's current window and an earlier "
                f"window ended on {ended}, so whether it applied on {on.isoformat()} is not known "
                f"(CMS's own file for that quarter settles it)",
                True,
            )
        return (f"the table gives no start date for this edit; it is taken to be in force on {on}", False)

    def release(self, table: str) -> Release | None:
        """The release of ``"ptp"``, ``"mue"`` or ``"pfs_status"`` (None: no rows)."""
        return self._index.releases.get(table)

    def table_age(self, table: str, on: dt.date) -> str:
        """A note for a finding that rests on ``table`` (``"ptp"`` or ``"mue"``) when its
        release was not published for ``on``: "" when it was."""
        memo = self._index.ages
        key = (table, on)
        found = memo.get(key)
        if found is None:
            if len(memo) >= 4096:
                memo.clear()
            found = memo[key] = self._table_age(table, on)
        return found

    def _table_age(self, table: str, on: dt.date) -> str:
        release = self._index.releases.get(table)
        if release is None or release.covers(on):
            return ""
        side = "older" if release.end is not None and on > release.end else "later"
        return f"; {release.short()} table, {side} than the date of service: {on}'s may differ"

    def data_age(
        self, on: dt.date, *, edits: bool = True, fees: bool = True, kx: bool = False
    ) -> tuple[str, ...]:
        """What the check of a visit on ``on`` rests on that was not published for that date.

        One note per table: the NCCI pair edits and MUEs (``edits``), the fee-schedule
        statuses, RVUs and conversion factor (``fees``) and the KX threshold (``kx``). An
        empty tuple when every table used covers ``on``.
        """
        notes: list[str] = []
        index = self._index
        if edits:
            ptp = index.releases.get("ptp")
            mue = index.releases.get("mue")
            ptp_note = mue_note = ""
            if ptp is not None and not ptp.covers(on):
                if ptp.end is not None and on > ptp.end:
                    ptp_note = f"{ptp.short()} NCCI edits (older)"
                else:
                    ptp_note = f"{ptp.short()} NCCI edits (ended edits dated, begun ones not: taken in force)"
            if mue is not None and not mue.covers(on):
                if on < MUE_START:
                    mue_note = f"no MUEs (CMS began them {MUE_START})"
                else:
                    side = "older" if mue.end is not None and on > mue.end else "later"
                    mue_note = f"{mue.short()} MUEs ({side})"
            if (
                ptp_note.endswith("(older)")
                and mue_note.endswith("(older)")
                and ptp
                and mue
                and ptp.short() == mue.short()
            ):
                notes.append(f"{ptp.short()} NCCI edits and MUEs (older)")  # one quarter: say it once
            else:
                notes.extend(n for n in (ptp_note, mue_note) if n)
        if fees:
            status = index.releases.get("pfs_status")
            if status is not None and (status.start is None or status.start.year != on.year):
                notes.append(f"{status.short()} fee-schedule statuses")
            if not self.has_conversion_factor(on) and not self.has_conversion_factor(on, True):
                notes.append("no conversion factor, so no estimate")
            else:
                full = index.full_rvu_years
                if full and on.year > full[-1]:
                    notes.append(
                        f"{full[-1]} RVUs where no {on.year} figure is held ({on.year} ones unconfirmed)"
                    )
                elif full and on.year < full[0]:
                    notes.append(f"no RVUs before {full[0]}, so no estimate")
        if kx and self.kx_threshold(on.year) is None:
            notes.append(f"no KX threshold for {on.year}, so KX is not checked")
        return tuple(notes)

    # -- MUE, status ------------------------------------------------------------------------
    def mue(self, code: str) -> MueLimit | None:
        """The practitioner MUE of ``code``, or None when the table has none."""
        return self._index.mue.get(code)

    def pfs_status(self, code: str) -> PfsStatus | None:
        return self._index.status.get(code)

    def status(self, code: str) -> str | None:
        """The PFS status letter of ``code`` (A, B, I, N, R, C, ...), or None when unknown."""
        found = self._index.status.get(code)
        return None if found is None else found.status

    def mppr_applies(self, code: str) -> bool:
        """True when the therapy MPPR reduces the code's practice expense (MULT PROC 5).

        False for codes the status table does not list: ptcpt never reduces a payment
        on a guess.
        """
        found = self._index.status.get(code)
        return found is not None and found.mult_proc == "5"

    # -- RVUs -------------------------------------------------------------------------------
    def rvu(self, code: str, on: dt.date, *, complete: bool = False) -> Rvu | None:
        """The RVUs for a date of service: the row of ``on``'s year.

        Beyond the data (a year after the last full CMS release the tables hold, e.g.
        2026 for a code with no 2026 row) the latest earlier row is returned: check
        ``result.year`` against ``on.year`` to see it was carried forward. With
        ``complete=True``, rows missing a part are skipped the same way. None when the
        code has no row for the year (or before it) and carrying forward would cross a
        full release that dropped the code.
        """
        rows = self._index.rvu.get(code)
        if not rows:
            return None
        year = on.year
        position = bisect.bisect_right(self._index.rvu_years[code], year)
        for row in reversed(rows[:position]):
            if complete and not row.complete:
                continue
            if row.year == year:
                return row
            full = self._index.full_rvu_years
            later_full = bisect.bisect_right(full, row.year)
            if later_full < len(full) and full[later_full] <= year:
                return None
            return row
        return None

    # -- GPCI -------------------------------------------------------------------------------
    def gpci(self, locality: str, year: int) -> Gpci | None:
        """The GPCIs of a locality for a year.

        ``locality`` is CMS's MAC + locality number, ``"10112-00"`` (the stable key), or
        state + locality number, ``"AL-00"`` (where that names one locality). For a year
        after the last GPCI year held, the latest year's row is returned (its ``year``
        says so). None for an unknown locality or a year before the data.
        """
        key = normalise_locality(locality)
        if key is None or not self._index.gpci_years:
            return None
        years = self._index.gpci_years
        if year not in self._index.gpci:
            if year < years[-1]:
                return None
            year = years[-1]
        return self._index.gpci[year].get(key)

    def localities(self, year: int) -> tuple[Gpci, ...]:
        """Every locality of ``year`` (empty when the year is not held)."""
        rows = {id(g): g for g in self._index.gpci.get(year, {}).values()}
        return tuple(sorted(rows.values(), key=lambda g: (g.state, g.mac, g.locality)))

    # -- money ------------------------------------------------------------------------------
    def conversion_factor(self, on: dt.date, apm: bool = False) -> ConversionFactor:
        """The conversion factor for a date of service (``apm``: a qualifying APM participant).

        Raises DataError when no factor covers ``on``: load newer data rather than
        price with a factor from another year.
        """
        for factor in self._index.cf:
            if factor.covers(on, apm):
                return factor
        first = min((c.start for c in self._index.cf), default=None)
        last = max((c.end for c in self._index.cf), default=None)
        span = f"; the tables cover {first.isoformat()} to {last.isoformat()}" if first and last else ""
        raise DataError(
            f"no conversion factor covers {on.isoformat()}{span}: add the year's factor",
            file="conversion_factors.csv",
        )

    def has_conversion_factor(self, on: dt.date, apm: bool = False) -> bool:
        return any(factor.covers(on, apm) for factor in self._index.cf)

    def kx_threshold(self, year: int) -> KxThreshold | None:
        """The year's KX threshold, or None when the tables do not hold that year."""
        return self._index.kx.get(year)

    def factor(self, name: str, on: dt.date) -> PaymentFactor | None:
        """The named payment factor in force on ``on`` (see ``data/payment_factors.csv``)."""
        for factor in self._index.factors.get(name, ()):
            if factor.start <= on and (factor.end is None or on <= factor.end):
                return factor
        return None

    def mppr_rate(self, on: dt.date) -> Decimal | None:
        """The share of practice expense cut on MPPR units (0.50 from 2013-04-01).

        None before the first rate the tables hold: ptcpt does not guess older rates.
        """
        found = self.factor("mppr_pe_reduction", on)
        return None if found is None else found.value

    def cq_factor(self, on: dt.date) -> Decimal:
        """The share of the fee schedule paid on a CQ/CO line: 0.85 from 2022-01-01, else 1."""
        found = self.factor("assistant_payment_factor", on)
        return _ONE if found is None else found.value

    def de_minimis_share(self, on: dt.date) -> Decimal | None:
        """The assistant share of a unit above which CQ/CO is required (0.10 from 2020)."""
        found = self.factor("assistant_de_minimis_share", on)
        return None if found is None else found.value

    def modifier(self, modifier: str) -> ModifierInfo | None:
        return self._index.modifiers.get(modifier.upper()) if isinstance(modifier, str) else None

    def modifier_required(self, modifier: str, on: dt.date) -> bool:
        """True when ``modifier`` exists on ``on`` (CQ and CO: from 2020-01-01)."""
        found = self.modifier(modifier)
        return found is not None and (found.effective is None or found.effective <= on)

    def releases(self) -> dict[str, tuple[str, ...]]:
        """The CMS releases each part came from, for reports and ``ptcpt`` diagnostics."""
        return {
            "ptp": tuple(sorted({e.release for e in self.ptp})),
            "mue": tuple(sorted({m.release for m in self.mue_limits})),
            "rvu": tuple(sorted({r.release for r in self.rvus})),
            "pfs_status": tuple(sorted({s.release for s in self.statuses})),
            "gpci": tuple(sorted({g.release for g in self.gpcis})),
        }


# -- reading the bundled files -------------------------------------------------------------
