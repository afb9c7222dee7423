"""The 8-minute rule: turning timed minutes into billable 15-minute units.

Two methods, because payers disagree (facts.md section 2):

``"cms"`` (Medicare's total-time method, MCPM Pub. 100-04 ch. 5 section 20.2)
    The day's total timed minutes set the total units (:func:`total_units`). Each code
    gets its full 15-minute units; the units left over go, one each, to the codes with
    the most leftover minutes (``minutes % 15``). When leftovers tie, CMS lets the
    provider pick; ptcpt picks deterministically -- the code with more total minutes
    first, then the lower code string -- and :meth:`UnitPlan.bounds` /
    :meth:`UnitPlan.allows` report every choice CMS would accept.

``"ama"`` (CPT's per-code "substantial portion", the commercial "rule of eights")
    Each code is rounded on its own minutes with the same table: 8 or more minutes earn
    a unit, so 10 minutes of each of two codes make 2 units where CMS makes 1.

Scope: :func:`allocate` is for codes billed in 15-minute units. Codes with other unit
lengths (97550, first 30 minutes; the 20-minute remote-monitoring codes) are out of its
scope for now, and :func:`timed_minutes` leaves them out.

Pure functions over ``{code: minutes}``; nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt.codes import is_code_shaped
from ptcpt.errors import InvalidVisit
from ptcpt.visit import MAX_MINUTES

if TYPE_CHECKING:
    from ptcpt.catalogs import Catalog
    from ptcpt.visit import Visit

__all__ = ["METHODS", "UNIT_MINUTES", "UnitPlan", "allocate", "timed_minutes", "total_units"]

#: The unit length these rules are written for.
UNIT_MINUTES = 15
#: The allocation methods :func:`allocate` knows.
METHODS = ("cms", "ama")


def total_units(minutes: int) -> int:
    """Units for ``minutes`` of timed service under the CMS table.

    ``0`` below 8 minutes, then 8-22 -> 1, 23-37 -> 2, 38-52 -> 3, ... in 15-minute
    steps without end: ``(minutes + 7) // 15``.
    """
    return 0 if _check_minutes(minutes, "minutes") < 8 else (minutes + 7) // UNIT_MINUTES


def _check_minutes(value: Any, path: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_MINUTES:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                raise InvalidVisit(path, f"must be a whole number >= 0, got {value}")
            raise InvalidVisit(path, f"must be at most {MAX_MINUTES} (24 hours), got {value}")
        raise InvalidVisit(path, f"must be a whole number >= 0, got {type(value).__name__} {value!r}")
    return value


@attrs.frozen(repr=False)
class UnitPlan(Mapping[str, int]):
    """The units each timed code earns: a read-only mapping ``code -> units``.

    Every code given to :func:`allocate` is a key, including those that earn 0 units.
    ``minutes`` holds the input as ``(code, minutes)`` pairs sorted by code, ``total``
    the sum of units. Where CMS lets the provider choose between codes with tied
    remainders, :meth:`bounds` and :meth:`allows` say which other choices are correct.
    """

    method: str
    minutes: tuple[tuple[str, int], ...]
    allocation: tuple[tuple[str, int], ...]
    total: int = attrs.field(init=False)
    _by_code: dict[str, int] = attrs.field(init=False, eq=False, hash=False, repr=False)
    _range_cache: dict[str, tuple[int, int]] | None = attrs.field(
        init=False, default=None, eq=False, hash=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        by_code = dict(self.allocation)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "total", sum(by_code.values()))

    @classmethod
    def _allocated(
        cls,
        method: str,
        minutes: tuple[tuple[str, int], ...],
        by_code: dict[str, int],
        total: int,
        ranges: dict[str, tuple[int, int]],
    ) -> UnitPlan:
        """A plan from :func:`_allocate`, which has already worked out what ``__init__``
        would derive (and the bounds): the same frozen object, built without a second pass.
        """
        plan = object.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(plan, "method", method)
        setattr_(plan, "minutes", minutes)
        setattr_(plan, "allocation", tuple(by_code.items()))
        setattr_(plan, "total", total)
        setattr_(plan, "_by_code", by_code)
        setattr_(plan, "_range_cache", ranges)
        return plan

    def __getitem__(self, code: str) -> int:
        return self._by_code[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_code)

    def __len__(self) -> int:
        return len(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __repr__(self) -> str:
        return f"<UnitPlan {self.method} total={self.total} {self._by_code!r}>"

    @property
    def total_minutes(self) -> int:
        """The timed minutes the plan was made from."""
        return sum(m for _, m in self.minutes)

    def bounds(self, code: str) -> tuple[int, int]:
        """``(fewest, most)`` units ``code`` may carry in an allocation the method accepts.

        The two are equal unless CMS remainders tie: with 20 minutes each of 97112 and
        97110 either code may take the third unit, so both have bounds ``(1, 2)``.
        Raises ``KeyError`` for a code not in the plan.
        """
        return self._ranges()[code]

    def tied(self) -> tuple[str, ...]:
        """Codes whose units depend on a tie CMS leaves to the provider, sorted."""
        return tuple(c for c, (low, high) in self._ranges().items() if low != high)

    def allows(self, units_by_code: Mapping[str, int]) -> bool:
        """True when ``units_by_code`` is an allocation this method accepts for these minutes.

        It must name only codes of the plan (a code left out counts as 0 units), add up
        to :attr:`total` and keep every code within :meth:`bounds`. This is how a checker
        accepts the provider's own choice among tied codes.
        """
        ranges = self._ranges()
        if not units_by_code.keys() <= ranges.keys():
            return False
        if sum(units_by_code.values()) != self.total:
            return False
        return all(low <= units_by_code.get(c, 0) <= high for c, (low, high) in ranges.items())

    def _ranges(self) -> dict[str, tuple[int, int]]:
        cached = self._range_cache
        if cached is None:
            cached = self._compute_ranges()
            object.__setattr__(self, "_range_cache", cached)
        return cached

    def _compute_ranges(self) -> dict[str, tuple[int, int]]:
        if self.method == "ama":
            return {c: (n, n) for c, n in self.allocation}
        # Under CMS, every code with a remainder above the last one served is always
        # served; codes AT that remainder share what is left, unless all of them fit.
        ranges = {c: (m // UNIT_MINUTES, m // UNIT_MINUTES) for c, m in self.minutes}
        remaining = self.total - sum(low for low, _ in ranges.values())
        if remaining:
            ranked = sorted((m % UNIT_MINUTES for _, m in self.minutes if m % UNIT_MINUTES), reverse=True)
            cutoff = ranked[remaining - 1]
            # Sorted high to low: all codes at the cutoff fit unless one is left past it.
            all_fit = remaining == len(ranked) or ranked[remaining] != cutoff
            for c, m in self.minutes:
                r = m % UNIT_MINUTES
                if r > cutoff or (r == cutoff and all_fit):
                    ranges[c] = (m // UNIT_MINUTES + 1, m // UNIT_MINUTES + 1)
                elif r == cutoff:
                    ranges[c] = (m // UNIT_MINUTES, m // UNIT_MINUTES + 1)
        return ranges

    def explain(self) -> str:
        """One or two lines saying how the units were reached, for people and logs."""
        if self.method == "ama":
            per_code = ", ".join(f"{c} {m} min -> {self[c]}" for c, m in self.minutes) or "no timed codes"
            return (
                "AMA per-code method: each code is rounded on its own minutes (8 or more earn a "
                f"unit): {per_code}; total {_units(self.total)}."
            )
        first = (
            f"CMS total-time method: {self.total_minutes} timed minutes make {_units(self.total)} "
            "(8-22 -> 1, 23-37 -> 2, ...)."
        )
        minutes = dict(self.minutes)
        full = {c: m // UNIT_MINUTES for c, m in self.minutes}
        extra = sorted((c for c in minutes if self[c] > full[c]), key=lambda c: _rank((c, minutes[c])))
        parts = []
        if any(full.values()):
            parts.append("full 15-minute units: " + ", ".join(f"{c} {n}" for c, n in full.items() if n))
        if extra:
            parts.append(
                f"{_units(len(extra))} left over, to the largest remainders: "
                + ", ".join(f"{c} ({minutes[c] % UNIT_MINUTES} min)" for c in extra)
            )
        tied = self.tied()
        if tied:
            picked = ", ".join(c for c in extra if c in tied)
            parts.append(
                f"remainders tie between {', '.join(tied)}: CMS lets the provider choose, "
                f"ptcpt picked {picked} (more minutes, then lower code)"
            )
        return first if not parts else f"{first}\n" + "; ".join(parts) + "."


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def _rank(item: tuple[str, int]) -> tuple[int, int, str]:
    """Who gets a leftover unit first: largest remainder, then most minutes, then code."""
    code, minutes = item
    return (-(minutes % UNIT_MINUTES), -minutes, code)


def allocate(minutes_by_code: Mapping[str, int], method: str = "cms") -> UnitPlan:
    """Units per code for one day's timed minutes under ``method`` (``"cms"`` or ``"ama"``).

    ``minutes_by_code`` maps each timed 15-minute code to its total minutes that day
    (:func:`timed_minutes` builds it from a visit). Untimed codes must not be in it:
    their minutes never count toward timed units.

    The result is deterministic and does not depend on the order of the input. Raises
    ``ValueError`` for an unknown method and :class:`~ptcpt.errors.InvalidVisit` (also a
    ``ValueError``) for a key not shaped like a code or minutes that are not whole
    numbers from 0 to 1440.
    """
    if method != "cms" and method != "ama":
        raise ValueError(f"method must be 'cms' or 'ama', got {method!r}")
    if not isinstance(minutes_by_code, Mapping):
        raise TypeError(
            f"minutes_by_code must be a mapping of code -> minutes, got {type(minutes_by_code).__name__}"
        )
    items = sorted(minutes_by_code.items())
    for code, minutes in items:
        if type(minutes) is not int or not 0 <= minutes <= MAX_MINUTES:
            _check_minutes(minutes, f"minutes_by_code[{code!r}]")
        if not is_code_shaped(code):
            raise InvalidVisit(
                "minutes_by_code",
                f"{code!r} is not a CPT/HCPCS code: use 5 characters such as 97110 or G0283",
            )
    return _allocate(items, method)


def _allocate(items: list[tuple[str, int]], method: str) -> UnitPlan:
    """:func:`allocate` for input already checked: code-shaped keys sorted, minutes in range.

    The rule engine calls it directly: its codes and minutes come from validated lines.
    """
    units: dict[str, int]
    open_choice = -1  # the remainder of codes tied for the last leftover unit, if any
    if method == "ama":
        units = {c: 0 if m < 8 else (m + 7) // UNIT_MINUTES for c, m in items}
    else:
        # One pass: each code's full 15-minute units, and the codes with minutes left over
        # ranked by who gets a leftover unit first: largest remainder, then most minutes,
        # then the lower code (as _rank says).
        total_minutes = full_units = 0
        units = {}
        ranked: list[tuple[int, int, str]] = []
        for c, m in items:
            n = m // UNIT_MINUTES
            units[c] = n
            total_minutes += m
            full_units += n
            if m != n * UNIT_MINUTES:
                ranked.append((n * UNIT_MINUTES - m, -m, c))
        total = 0 if total_minutes < 8 else (total_minutes + 7) // UNIT_MINUTES
        # Never more than the codes with a remainder, so every leftover unit finds a code.
        remaining = total - full_units
        if remaining:
            ranked.sort()
            for _, _, code in ranked[:remaining]:
                units[code] += 1
            # A code left out with the same remainder as the last one served: CMS lets the
            # provider pick among all the codes with that remainder.
            if remaining < len(ranked) and ranked[remaining][0] == ranked[remaining - 1][0]:
                open_choice = -ranked[remaining][0]
    # The bounds every rule asks for, known here at no cost (as _compute_ranges does):
    # the allocation itself, except where CMS leaves a tie to the provider.
    ranges = {c: (n, n) for c, n in units.items()}
    if open_choice > 0:
        for c, m in items:
            if m % UNIT_MINUTES == open_choice:
                ranges[c] = (m // UNIT_MINUTES, m // UNIT_MINUTES + 1)
    return UnitPlan._allocated(method, tuple(items), units, sum(units.values()), ranges)


def timed_minutes(visit: Visit, catalog: Catalog) -> dict[str, int]:
    """The visit's minutes per timed 15-minute code, summed over its lines, sorted by code.

    Only lines whose code ``catalog`` knows as timed with 15-minute units, and billable on
    the visit's date, count, and only when they carry minutes. Untimed codes (evaluations,
    supervised modalities, group therapy) never add to the timed total. Unknown, deleted
    or not-yet-effective codes, timed lines without minutes and codes with other unit
    lengths are left out: the rule engine reports those separately.
    """
    totals: dict[str, int] = {}
    day = visit.date
    for line in visit.lines:
        if line.minutes is None:
            continue
        code = catalog.get(line.code)
        if code is None or code.unit_minutes != UNIT_MINUTES or not code.is_active(day):
            continue
        totals[line.code] = totals.get(line.code, 0) + line.minutes
    return dict(sorted(totals.items()))
