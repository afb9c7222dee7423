"""CMS's tables for PT codes: NCCI pair edits, MUEs, RVUs, GPCIs and payment factors.

Every figure is dated (a release, a year, a window of dates of service) because CMS
changes them quarterly and a claim is judged by the rules of its date of service. The
bundled extract (``data/*.csv``, see ``data/SOURCES.md``) loads on first use and is
cached; :mod:`ptcpt.cms.directory` builds the same :class:`CmsTables` from CMS's own quarterly
files so production users stay current without a ptcpt release.

Two date conventions meet here; each record says which it uses:

- NCCI: ``PtpEdit.deleted`` is CMS's *Deletion Date*, the **last day the edit is in
  force** (inclusive). A 2019-12-31 deletion means the edit applied on 2019-12-31 and not
  on 2020-01-01. (``Code.deleted`` in the catalog is the first day a code is *not* valid.)
- Windows of dates of service (conversion factors, payment factors) are inclusive at
  both ends.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from ptcpt._datafiles import check_keys, read_csv_rows
from ptcpt.codes import is_code_shaped
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Iterator, Mapping

__all__ = [
    "GRADES",
    "MODIFIER_GROUPS",
    "MUE_START",
    "CmsTables",
    "ConversionFactor",
    "Gpci",
    "KxThreshold",
    "ModifierInfo",
    "MueLimit",
    "PaymentFactor",
    "PfsStatus",
    "PtpEdit",
    "Release",
    "Rvu",
    "bundled_tables",
    "load_bundled_tables",
    "normalise_locality",
    "read_conversion_factors",
    "read_gpci_extract",
    "read_kx_thresholds",
    "read_modifiers",
    "read_mue_extract",
    "read_payment_factors",
    "read_ptp_extract",
    "read_rvu_extract",
    "read_status_extract",
    "release_period",
]

#: Source grades of facts.md: primary (CMS, a MAC, statute), association, secondary.
GRADES: Final = frozenset({"P", "A", "S"})
#: The groups of :class:`ModifierInfo`.
MODIFIER_GROUPS: Final = frozenset(
    {"therapy-discipline", "assistant", "ncci", "liability", "kx", "telehealth", "other"}
)
#: PFS status codes CMS uses in the PPRRVU file.
_STATUS_CODES: Final = frozenset("ABCDEFGHIJMNPRTX")
_ZERO = Decimal(0)
_ONE = Decimal(1)
#: CMS introduced Medically Unlikely Edits in January 2007 (NGS, "Medically Unlikely Edits
#: Billing and Processing", P; facts.md 4): none apply to earlier dates of service.
MUE_START: Final = dt.date(2007, 1, 1)

# -- validators ----------------------------------------------------------------------------


def _code(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_code_shaped(value):
        raise ValueError(f"{attribute.name}: must look like a CPT/HCPCS code such as 97110, got {value!r}")


def _optional_date(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        raise ValueError(f"{attribute.name}: must be a datetime.date or None, got {type(value).__name__}")


def _date(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{attribute.name}: must be a datetime.date, got {type(value).__name__}")


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError(f"{attribute.name}: must be a Decimal >= 0, got {value!r}")


def _positive(_: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValueError(f"{attribute.name}: must be a Decimal > 0, got {value!r}")


def _year(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1990 <= value <= 2100:
        raise ValueError(f"{attribute.name}: must be a year such as 2025, got {value!r}")


def _grade(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in GRADES:
        raise ValueError(f"{attribute.name}: must be one of P, A, S, got {value!r}")


def _bool(_: Any, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name}: must be True or False, got {value!r}")


def _window(instance: Any, attribute: attrs.Attribute[Any], value: dt.date | None) -> None:
    _optional_date(instance, attribute, value)
    if value is not None and value < instance.start:
        raise ValueError(
            f"{attribute.name}: {value.isoformat()} is before start {instance.start.isoformat()}"
        )


# -- records -------------------------------------------------------------------------------


@attrs.frozen
class PtpEdit:
    """One window of an NCCI procedure-to-procedure edit between two codes.

    Billed together for one patient on one day, the column 1 code is paid and the
    column 2 code is denied, unless ``modifier_indicator`` is 1 and the column 2 line
    carries an NCCI-associated modifier (59, XE, XS, XP, XU, ...). A pair may have
    several windows; indicator 9 marks a withdrawn window that never applies.
    """

    column1: str = attrs.field(validator=_code)
    column2: str = attrs.field(validator=_code)
    modifier_indicator: int = attrs.field(validator=attrs.validators.in_((0, 1, 9)))
    #: First day in force; None when the source does not say (treated as "long before").
    effective: dt.date | None = attrs.field(default=None, validator=_optional_date)
    #: CMS Deletion Date: the LAST day in force (inclusive); None = still in force.
    deleted: dt.date | None = attrs.field(default=None, validator=_optional_date)
    #: CMS's categorical reason ("Mutually exclusive procedures", ...).
    rationale: str = ""
    release: str = ""

    def in_force(self, on: dt.date) -> bool:
        """True when the edit applies to services on ``on``."""
        if self.modifier_indicator == 9:
            return False
        if self.effective is not None and on < self.effective:
            return False
        return self.deleted is None or on <= self.deleted

    @property
    def modifier_allowed(self) -> bool:
        """True when an NCCI modifier on the column 2 line can bypass the edit."""
        return self.modifier_indicator == 1

    @property
    def pair(self) -> tuple[str, str]:
        return (self.column1, self.column2)


@attrs.frozen
class MueLimit:
    """The practitioner MUE for a code: the most units CMS expects per line or per day."""

    code: str = attrs.field(validator=_code)
    mue: int = attrs.field(validator=[attrs.validators.instance_of(int), attrs.validators.ge(0)])
    #: MUE adjudication indicator: 1 per claim line; 2 per day, policy (absolute);
    #: 3 per day, clinical (appealable with records).
    mai: int = attrs.field(validator=attrs.validators.in_((1, 2, 3)))
    rationale: str = ""
    release: str = ""

    @property
    def per_day(self) -> bool:
        """True when the limit counts every line of the date of service (MAI 2 or 3)."""
        return self.mai != 1


@attrs.frozen
class Rvu:
    """National relative value units of a code for one fee-schedule year.

    A part is None when the source does not give it (2026 figures for some codes);
    :attr:`complete` says whether the row can be priced.
    """

    year: int = attrs.field(validator=_year)
    code: str = attrs.field(validator=_code)
    work: Decimal | None = attrs.field(validator=_non_negative)
    pe_nonfacility: Decimal | None = attrs.field(validator=_non_negative)
    pe_facility: Decimal | None = attrs.field(validator=_non_negative)
    mp: Decimal | None = attrs.field(validator=_non_negative)
    #: Non-facility total (work + PE + MP), as the source gives it.
    total: Decimal | None = attrs.field(default=None, validator=_non_negative)
    release: str = ""
    unconfirmed: bool = attrs.field(default=False, validator=_bool)
    source: str = ""

    @property
    def complete(self) -> bool:
        """True when work, both PE values and MP are all known."""
        return None not in (self.work, self.pe_nonfacility, self.pe_facility, self.mp)

    def pe(self, facility: bool = False) -> Decimal | None:
        """The practice-expense RVU for the setting."""
        return self.pe_facility if facility else self.pe_nonfacility


@attrs.frozen
class PfsStatus:
    """A code's physician fee schedule status and multiple-procedure indicator.

    Status: A active, B bundled (no separate payment), I not valid for Medicare,
    N non-covered, R restricted, C carrier-priced (and CMS's rarer letters).
    ``mult_proc`` "5" marks the "always therapy" codes subject to the therapy MPPR.
    """

    code: str = attrs.field(validator=_code)
    status: str = attrs.field(validator=attrs.validators.in_(_STATUS_CODES))
    mult_proc: str = attrs.field(validator=attrs.validators.matches_re(r"[0-9]"))
    release: str = ""

    @property
    def mppr_applies(self) -> bool:
        return self.mult_proc == "5"


@attrs.frozen
class Gpci:
    """The geographic practice cost indices of one Medicare locality for one year.

    CMS keys a locality by MAC (contractor) number and locality number: :attr:`id` is
    ``"10112-00"``. :attr:`state_id` (``"AL-00"``) is accepted too where it is unique.
    """

    year: int = attrs.field(validator=_year)
    mac: str = attrs.field(validator=attrs.validators.matches_re(r"[0-9]{5}"))
    state: str = attrs.field(validator=attrs.validators.matches_re(r"[A-Z]{2}|"))
    locality: str = attrs.field(validator=attrs.validators.matches_re(r"[0-9]{2}"))
    locality_name: str
    work: Decimal = attrs.field(validator=_positive)
    pe: Decimal = attrs.field(validator=_positive)
    mp: Decimal = attrs.field(validator=_positive)
    release: str = ""
    #: True when the source row had no state and it was taken from other years.
    state_inferred: bool = attrs.field(default=False, validator=_bool)

    @property
    def id(self) -> str:
        return f"{self.mac}-{self.locality}"

    @property
    def state_id(self) -> str | None:
        return f"{self.state}-{self.locality}" if self.state else None


@attrs.frozen
class ConversionFactor:
    """Dollars per RVU for dates of service ``start``..``end`` (inclusive).

    ``apm`` is "any" (one factor for everyone), or from 2026 "yes" (qualifying APM
    participants) / "no" (everyone else, most physical therapists).
    """

    start: dt.date = attrs.field(validator=_date)
    end: dt.date = attrs.field(validator=[_date, _window])
    cf: Decimal = attrs.field(validator=_positive)
    apm: str = attrs.field(default="any", validator=attrs.validators.in_(("any", "yes", "no")))
    grade: str = attrs.field(default="P", validator=_grade)
    unconfirmed: bool = attrs.field(default=False, validator=_bool)
    source: str = ""

    def covers(self, on: dt.date, apm: bool = False) -> bool:
        """True for a date of service in the window, for a (non-)qualifying APM participant."""
        return self.start <= on <= self.end and self.apm in ("any", "yes" if apm else "no")


@attrs.frozen
class KxThreshold:
    """The KX modifier threshold of a year (PT+SLP together; the same figure for OT)."""

    year: int = attrs.field(validator=_year)
    amount: Decimal = attrs.field(validator=_positive)
    grade: str = attrs.field(default="P", validator=_grade)
    unconfirmed: bool = attrs.field(default=False, validator=_bool)
    source: str = ""


@attrs.frozen
class PaymentFactor:
    """A named, dated payment figure (the MPPR rate, the CQ/CO factor, ...)."""

    name: str = attrs.field(validator=attrs.validators.matches_re(r"[a-z][a-z0-9_]*"))
    start: dt.date = attrs.field(validator=_date)
    end: dt.date | None = attrs.field(default=None, validator=_window)
    value: Decimal = attrs.field(default=_ZERO, validator=_non_negative)
    grade: str = attrs.field(default="P", validator=_grade)
    unconfirmed: bool = attrs.field(default=False, validator=_bool)
    source: str = ""

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@attrs.frozen
class ModifierInfo:
    """What a modifier means on a PT claim (our words), its group and since when."""

    modifier: str = attrs.field(validator=attrs.validators.matches_re(r"[A-Z0-9]{2}"))
    group: str = attrs.field(validator=attrs.validators.in_(MODIFIER_GROUPS))
    meaning: str
    effective: dt.date | None = attrs.field(default=None, validator=_optional_date)
    grade: str = attrs.field(default="P", validator=_grade)
    unconfirmed: bool = attrs.field(default=False, validator=_bool)
    source: str = ""


# -- how old a table is -------------------------------------------------------------------

_QUARTER_LABEL = re.compile(r"(\d{4})\s*Q([1-4])", re.IGNORECASE)
_EFFECTIVE_LABEL = re.compile(r"(\d{2})-(\d{2})-(\d{4})")
_PTP_VERSION = re.compile(r"ccipra-v(\d{2})(\d)r\d+", re.IGNORECASE)
_PPRRVU_LABEL = re.compile(r"PPRRVU(\d{4}|\d{2})(?:_([A-Za-z]{3}))?", re.IGNORECASE)
_MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}


def _quarter(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year, 12, 31) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


def release_period(label: str) -> tuple[dt.date, dt.date] | None:
    """The dates of service a CMS table release was published for, read from its label.

    ``"ccipra-v302r0 2024Q3"`` and ``"MCR_MUE_PractitionerServices_Eff_07-01-2024"`` are the
    third quarter of 2024 (quarterly NCCI releases, facts.md 3-4); a bare ``ccipra-vVVVr0``
    is read as year 1994 + VV, quarter V + 1 (v302 = 2024 Q3 and v322 = 2026 Q3 are the two
    releases that rule was checked against); ``"PPRRVU22_JAN"`` is the fee-schedule year 2022.
    None when the label says nothing ptcpt can date.
    """
    found = _QUARTER_LABEL.search(label)
    if found:
        return _quarter(int(found.group(1)), int(found.group(2)))
    found = _EFFECTIVE_LABEL.search(label)
    if found:
        month, day, year = (int(g) for g in found.groups())
        try:
            start = dt.date(year, month, day)
        except ValueError:
            return None
        return start, _quarter(year, (month - 1) // 3 + 1)[1]
    found = _PTP_VERSION.search(label)
    if found:
        return _quarter(1994 + int(found.group(1)), min(int(found.group(2)) + 1, 4))
    found = _PPRRVU_LABEL.search(label)
    if found:
        digits = found.group(1)
        year = int(digits) if len(digits) == 4 else 2000 + int(digits)
        month = _MONTHS.get((found.group(2) or "JAN").upper(), 1)
        return dt.date(year, month, 1), dt.date(year, 12, 31)
    return None


@attrs.frozen
class Release:
    """One CMS table's release and the dates of service it was published for."""

    table: str
    label: str
    start: dt.date | None = None
    end: dt.date | None = None

    def describe(self) -> str:
        """``"CMS's 2024 Q3 table (ccipra-v302r0 2024Q3)"`` or the label alone if undated."""
        if self.start is None or self.end is None:
            return f"CMS release {self.label}"
        if self.end.year == self.start.year and self.start.month == 1 and self.end.month == 12:
            when = f"{self.start.year}"
        else:
            when = f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"CMS's {when} {self.table} ({self.label})"

    def covers(self, on: dt.date) -> bool:
        return self.start is not None and self.end is not None and self.start <= on <= self.end

    def short(self) -> str:
        """``"CMS's 2024 Q3"``, ``"CMS's 2022"``: when the release was published for."""
        return self.describe().split(f" {self.table}")[0]


def _release(table: str, labels: Iterable[str]) -> Release | None:
    """The latest release among a table's rows (None for an empty table)."""
    best: Release | None = None
    for label in sorted(set(labels)):
        period = release_period(label)
        found = Release(table, label, *(period or (None, None)))
        if best is None or (found.start or dt.date.min) > (best.start or dt.date.min):
            best = found
    return best


# -- the grouped tables --------------------------------------------------------------------

_LOCALITY = re.compile(r"^\s*([0-9]{4,5}|[A-Za-z]{2})\s*[-/ ]\s*([0-9]{1,2})\s*$")


def normalise_locality(locality: object) -> str | None:
    """``"10112-00"`` for ``"10112-00"``, ``"10112/0"``, ``"1112 0"``; ``"AL-00"`` for ``"al-0"``.

    None when the text is not shaped like a MAC+locality or state+locality id.
    """
    if not isinstance(locality, str):
        return None
    found = _LOCALITY.match(locality)
    if found is None:
        return None
    head, number = found.groups()
    head = head.upper() if head.isalpha() else head.zfill(5)
    return f"{head}-{number.zfill(2)}"


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


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Row:
    """One CSV row with typed getters that raise DataError naming file, row and field."""

    __slots__ = ("file", "line", "row")

    def __init__(self, file: str, line: int | str, row: Mapping[str, str]) -> None:
        self.file = file
        self.line = line
        self.row = row

    def fail(self, field: str | None, message: str) -> DataError:
        return DataError(message, file=self.file, row=self.line, field=field)

    def text(self, field: str, *, required: bool = False) -> str:
        value = (self.row.get(field) or "").strip()
        if required and not value:
            raise self.fail(field, "must not be empty")
        return value

    def code(self, field: str) -> str:
        value = self.text(field).upper()
        if not is_code_shaped(value):
            raise self.fail(field, "must be a CPT/HCPCS code such as 97110")
        return value

    def date(self, field: str) -> dt.date:
        value = self.optional_date(field)
        if value is None:
            raise self.fail(field, "must be a date such as 2024-07-01")
        return value

    def optional_date(self, field: str) -> dt.date | None:
        value = self.text(field)
        if not value:
            return None
        if _ISO_DATE.fullmatch(value) is None:
            raise self.fail(field, "must be an ISO date such as 2024-07-01")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "must be an ISO date such as 2024-07-01") from None

    def decimal(self, field: str) -> Decimal:
        value = self.optional_decimal(field)
        if value is None:
            raise self.fail(field, "must be a number")
        return value

    def optional_decimal(self, field: str) -> Decimal | None:
        value = self.text(field)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(field, "must be a number such as 0.45") from None
        if not number.is_finite() or number < 0:
            raise self.fail(field, "must be a number >= 0")
        return number

    def integer(self, field: str, choices: Collection[int] | None = None) -> int:
        value = self.text(field)
        if not value.isdigit():
            raise self.fail(field, "must be a whole number")
        number = int(value)
        if choices is not None and number not in choices:
            raise self.fail(field, f"must be one of {', '.join(str(c) for c in sorted(choices))}")
        return number

    def flag(self, field: str) -> bool:
        value = self.text(field).lower()
        if value not in ("true", "false"):
            raise self.fail(field, "must be true or false")
        return value == "true"


def _build(row: _Row, factory: Any, **fields: Any) -> Any:
    try:
        return factory(**fields)
    except (ValueError, TypeError) as exc:
        raise row.fail(None, str(exc)) from None


def _rows(name: str, columns: tuple[str, ...], text: str | None) -> Iterator[_Row]:
    required = frozenset(columns)
    checked = False
    for line, row in read_csv_rows(name, text):
        if not checked:
            check_keys(row, required=required, optional=frozenset(), file=name, where="header")
            checked = True
        yield _Row(name, line, row)


#: The header of each bundled extract that is read column by column; the build script
#: (scripts/build_cms_extracts.py) writes the same headers from here.
EXTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "ncci_ptp.csv": (
        "column1",
        "column2",
        "effective",
        "deleted",
        "modifier_indicator",
        "rationale",
        "release",
    ),
    "rvu.csv": (
        "year",
        "code",
        "work",
        "pe_nonfacility",
        "pe_facility",
        "mp",
        "total",
        "release",
        "unconfirmed",
        "source",
    ),
    "gpci.csv": (
        "year",
        "mac",
        "state",
        "locality",
        "locality_name",
        "work",
        "pe",
        "mp",
        "release",
        "state_inferred",
    ),
    "conversion_factors.csv": ("start", "end", "cf", "apm", "grade", "unconfirmed", "source"),
    "payment_factors.csv": ("name", "start", "end", "value", "grade", "unconfirmed", "source"),
    "modifiers.csv": ("modifier", "group", "meaning", "effective", "grade", "unconfirmed", "source"),
}


def read_ptp_extract(text: str | None = None, name: str = "ncci_ptp.csv") -> tuple[PtpEdit, ...]:
    cols = EXTRACT_COLUMNS["ncci_ptp.csv"]
    return tuple(
        _build(
            r,
            PtpEdit,
            column1=r.code("column1"),
            column2=r.code("column2"),
            effective=r.optional_date("effective"),
            deleted=r.optional_date("deleted"),
            modifier_indicator=r.integer("modifier_indicator", (0, 1, 9)),
            rationale=r.text("rationale"),
            release=r.text("release", required=True),
        )
        for r in _rows(name, cols, text)
    )


def read_mue_extract(text: str | None = None, name: str = "mue.csv") -> tuple[MueLimit, ...]:
    return tuple(
        _build(
            r,
            MueLimit,
            code=r.code("code"),
            mue=r.integer("mue"),
            mai=r.integer("mai", (1, 2, 3)),
            rationale=r.text("rationale"),
            release=r.text("release", required=True),
        )
        for r in _rows(name, ("code", "mue", "mai", "rationale", "release"), text)
    )


def read_rvu_extract(text: str | None = None, name: str = "rvu.csv") -> tuple[Rvu, ...]:
    cols = EXTRACT_COLUMNS["rvu.csv"]
    result: list[Rvu] = []
    for r in _rows(name, cols, text):
        row: Rvu = _build(
            r,
            Rvu,
            year=r.integer("year"),
            code=r.code("code"),
            work=r.optional_decimal("work"),
            pe_nonfacility=r.optional_decimal("pe_nonfacility"),
            pe_facility=r.optional_decimal("pe_facility"),
            mp=r.optional_decimal("mp"),
            total=r.optional_decimal("total"),
            release=r.text("release", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        if row.complete and row.total is not None:
            assert row.work is not None and row.pe_nonfacility is not None and row.mp is not None
            if row.work + row.pe_nonfacility + row.mp != row.total:
                raise r.fail("total", "must equal work + pe_nonfacility + mp")
        result.append(row)
    return tuple(result)


def read_status_extract(text: str | None = None, name: str = "pfs_status.csv") -> tuple[PfsStatus, ...]:
    return tuple(
        _build(
            r,
            PfsStatus,
            code=r.code("code"),
            status=r.text("status", required=True),
            mult_proc=r.text("mult_proc", required=True),
            release=r.text("release", required=True),
        )
        for r in _rows(name, ("code", "status", "mult_proc", "release"), text)
    )


def read_gpci_extract(text: str | None = None, name: str = "gpci.csv") -> tuple[Gpci, ...]:
    cols = EXTRACT_COLUMNS["gpci.csv"]
    return tuple(
        _build(
            r,
            Gpci,
            year=r.integer("year"),
            mac=r.text("mac", required=True),
            state=r.text("state"),
            locality=r.text("locality", required=True),
            locality_name=r.text("locality_name", required=True),
            work=r.decimal("work"),
            pe=r.decimal("pe"),
            mp=r.decimal("mp"),
            release=r.text("release", required=True),
            state_inferred=r.flag("state_inferred"),
        )
        for r in _rows(name, cols, text)
    )


def read_conversion_factors(
    text: str | None = None, name: str = "conversion_factors.csv"
) -> tuple[ConversionFactor, ...]:
    cols = EXTRACT_COLUMNS["conversion_factors.csv"]
    return tuple(
        _build(
            r,
            ConversionFactor,
            start=r.date("start"),
            end=r.date("end"),
            cf=r.decimal("cf"),
            apm=r.text("apm", required=True),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, cols, text)
    )


def read_kx_thresholds(text: str | None = None, name: str = "kx_thresholds.csv") -> tuple[KxThreshold, ...]:
    return tuple(
        _build(
            r,
            KxThreshold,
            year=r.integer("year"),
            amount=r.decimal("amount"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, ("year", "amount", "grade", "unconfirmed", "source"), text)
    )


def read_payment_factors(
    text: str | None = None, name: str = "payment_factors.csv"
) -> tuple[PaymentFactor, ...]:
    cols = EXTRACT_COLUMNS["payment_factors.csv"]
    return tuple(
        _build(
            r,
            PaymentFactor,
            name=r.text("name", required=True),
            start=r.date("start"),
            end=r.optional_date("end"),
            value=r.decimal("value"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, cols, text)
    )


def read_modifiers(text: str | None = None, name: str = "modifiers.csv") -> tuple[ModifierInfo, ...]:
    cols = EXTRACT_COLUMNS["modifiers.csv"]
    return tuple(
        _build(
            r,
            ModifierInfo,
            modifier=r.text("modifier", required=True),
            group=r.text("group", required=True),
            meaning=r.text("meaning", required=True),
            effective=r.optional_date("effective"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, cols, text)
    )


def _tables(**parts: Any) -> CmsTables:
    try:
        return CmsTables(**parts)
    except DataError:
        raise
    except (ValueError, TypeError) as exc:  # pragma: no cover - records are validated already
        raise DataError(str(exc)) from None


def load_bundled_tables() -> CmsTables:
    """Read and validate every bundled extract (uncached; use :func:`bundled_tables`)."""
    return _tables(
        ptp=read_ptp_extract(),
        mue_limits=read_mue_extract(),
        rvus=read_rvu_extract(),
        statuses=read_status_extract(),
        gpcis=read_gpci_extract(),
        conversion_factors=read_conversion_factors(),
        kx_thresholds=read_kx_thresholds(),
        payment_factors=read_payment_factors(),
        modifiers=read_modifiers(),
    )


@functools.cache
def bundled_tables() -> CmsTables:
    """The bundled, dated PT extract of CMS's tables, loaded once and shared."""
    return load_bundled_tables()
