"""Which release of a CMS table ptcpt holds, and the dates of service it was published for."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "Release",
    "release_period",
]

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
