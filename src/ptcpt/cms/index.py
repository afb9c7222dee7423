"""The lookup structures a :class:`~ptcpt.cms.tables.CmsTables` builds once, when it is made.

Also the memos that belong to one set of tables (table ages, edits among a visit's codes,
the fee terms of :mod:`ptcpt.fees`): they live and die with the tables object, so a
reloaded set of tables never sees figures priced from another.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any, TypeVar

from ptcpt.cms.records import Gpci, PaymentFactor, PtpEdit, Rvu
from ptcpt.cms.releases import _release
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ptcpt.cms.tables import CmsTables

__all__: list[str] = []


class _Index:
    """Lookup structures built once per CmsTables (never compared, never shown)."""

    __slots__ = (
        "ages",
        "among",
        "among_epochs",
        "cf",
        "factors",
        "full_rvu_years",
        "gpci",
        "gpci_years",
        "kx",
        "memos",
        "modifiers",
        "mue",
        "ptp",
        "ptp_gap_from",
        "ptp_partners",
        "releases",
        "rvu",
        "rvu_years",
        "status",
    )

    def __init__(self, tables: CmsTables) -> None:
        ptp: dict[tuple[str, str], list[PtpEdit]] = {}
        for edit in tables.ptp:
            ptp.setdefault(edit.pair, []).append(edit)
        self.ptp = {pair: tuple(edits) for pair, edits in ptp.items()}
        partners: dict[str, set[str]] = {}
        for column1, column2 in self.ptp:
            partners.setdefault(column1, set()).add(column2)
        #: column 1 code -> the column 2 codes it has edits with (any window): most pairs
        #: of a visit's codes have none, and a set test rules them out cheaply.
        self.ptp_partners = {code: frozenset(others) for code, others in partners.items()}
        #: For each window with no effective date, the day after the latest earlier window
        #: of the same pair ended: the window cannot have begun before it, and whether it
        #: had begun on a day between that and the table's own release is not known.
        self.ptp_gap_from: dict[int, dt.date] = {}
        for edits in self.ptp.values():
            ended = [e.deleted for e in edits if e.deleted is not None]
            for edit in edits:
                if edit.effective is None and ended:
                    earlier = [d for d in ended if edit.deleted is None or d < edit.deleted]
                    if earlier:
                        self.ptp_gap_from[id(edit)] = max(earlier) + dt.timedelta(days=1)
        #: (table, date) -> the note table_age gives: every finding of a batch asks it.
        self.ages: dict[tuple[str, dt.date], str] = {}
        #: (codes, epoch) -> the edits among them in force (ptp_among): visits repeat. An
        #: epoch is a run of days no window starts or ends in (the days before the first
        #: boundary are epoch 0): every day of one has the same edits in force.
        self.among: dict[tuple[frozenset[str], int], tuple[PtpEdit, ...]] = {}
        boundaries: set[dt.date] = set()
        for edit in tables.ptp:
            if edit.effective is not None:
                boundaries.add(edit.effective)  # in force from this day
            if edit.deleted is not None and edit.deleted < dt.date.max:
                boundaries.add(edit.deleted + dt.timedelta(days=1))  # out of force from this day
        self.among_epochs = sorted(boundaries)
        #: owner -> a dict of figures that module computed from these tables (CmsTables.memo)
        self.memos: dict[str, dict[Any, Any]] = {}
        self.releases = {
            name: _release(table, labels)
            for name, table, labels in (
                ("ptp", "NCCI PTP table", (e.release for e in tables.ptp)),
                ("mue", "MUE table", (m.release for m in tables.mue_limits)),
                ("pfs_status", "fee-schedule status file", (st.release for st in tables.statuses)),
            )
        }
        self.mue = _unique(tables.mue_limits, lambda m: m.code, "mue")
        self.status = _unique(tables.statuses, lambda s: s.code, "pfs_status")
        self.kx = _unique(tables.kx_thresholds, lambda k: k.year, "kx_thresholds")
        self.modifiers = _unique(tables.modifiers, lambda m: m.modifier, "modifiers")
        _unique(tables.rvus, lambda r: (r.code, r.year), "rvu")
        rvu: dict[str, list[Rvu]] = {}
        for row in tables.rvus:
            rvu.setdefault(row.code, []).append(row)
        self.rvu = {code: tuple(sorted(rows, key=lambda r: r.year)) for code, rows in rvu.items()}
        self.rvu_years = {code: tuple(r.year for r in rows) for code, rows in self.rvu.items()}
        #: years that come from a full CMS release (not only secondary-source rows)
        self.full_rvu_years = tuple(sorted({r.year for r in tables.rvus if not r.unconfirmed}))
        gpci: dict[int, dict[str, Gpci]] = {}
        ambiguous: set[tuple[int, str]] = set()
        for place in tables.gpcis:
            year = gpci.setdefault(place.year, {})
            if place.id in year:
                raise DataError(f"locality {place.id} appears twice for {place.year}", file="gpci")
            year[place.id] = place
            state_id = place.state_id
            if state_id is not None:
                if state_id in year:
                    ambiguous.add((place.year, state_id))
                year[state_id] = place
        for year_number, state_id in ambiguous:  # a state id naming two localities is unusable
            del gpci[year_number][state_id]
        self.gpci = gpci
        self.gpci_years = tuple(sorted(gpci))
        cf = sorted(tables.conversion_factors, key=lambda c: (c.start, c.apm))
        for a, b in itertools.pairwise(cf):
            if b.start <= a.end and (a.apm == b.apm or "any" in (a.apm, b.apm)):
                raise DataError(
                    f"conversion factors overlap: {a.start.isoformat()}..{a.end.isoformat()} "
                    f"and {b.start.isoformat()}..{b.end.isoformat()}",
                    file="conversion_factors",
                )
        self.cf = tuple(cf)
        factors: dict[str, list[PaymentFactor]] = {}
        for factor in tables.payment_factors:
            factors.setdefault(factor.name, []).append(factor)
        self.factors = {name: tuple(sorted(rows, key=lambda f: f.start)) for name, rows in factors.items()}


V = TypeVar("V")


def _unique(rows: Iterable[V], key: Any, table: str) -> dict[Any, V]:
    found: dict[Any, V] = {}
    for row in rows:
        k = key(row)
        if k in found:
            raise DataError(f"{k!r} appears twice", file=table)
        found[k] = row
    return found


def _build_index(tables: CmsTables) -> _Index:
    return _Index(tables)
