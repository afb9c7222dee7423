"""The records of CMS's tables: one NCCI edit window, one MUE, one year's RVUs, and so on.

Each record is a frozen, validated value and says which date convention it uses:

- NCCI: ``PtpEdit.deleted`` is CMS's *Deletion Date*, the **last day the edit is in
  force** (inclusive). A 2019-12-31 deletion means the edit applied on 2019-12-31 and not
  on 2020-01-01. (``Code.deleted`` in the catalog is the first day a code is *not* valid.)
- Windows of dates of service (conversion factors, payment factors) are inclusive at
  both ends.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Final

import attrs

from ptcpt._codes import is_code_shaped

__all__ = [
    "GRADES",
    "MODIFIER_GROUPS",
    "MUE_START",
    "ConversionFactor",
    "Gpci",
    "KxThreshold",
    "ModifierInfo",
    "MueLimit",
    "PaymentFactor",
    "PfsStatus",
    "PtpEdit",
    "Rvu",
    "normalise_locality",
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
