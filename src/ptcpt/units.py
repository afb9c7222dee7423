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

Primary and add-on codes (97129 "first 15 minutes" and its add-on 97130 "each further
15 minutes"; 97810 and 97811; any pair the catalog marks) are one service: their minutes
are counted together, the service's first unit goes to the primary and every further
unit to the add-on, in both methods. 40 minutes of 97129 make 97129 x 1 + 97130 x 2,
never 97129 x 3 (its MUE is 1).

Scope: :func:`allocate` is for codes billed in 15-minute units. Codes with other unit
lengths (97550, first 30 minutes; the 20-minute remote-monitoring codes) are out of its
scope for now, and :func:`timed_minutes` leaves them out.

Pure functions over ``{code: minutes}``. The one thing read from data is the catalog's
primary/add-on pairs, when :func:`allocate` is not given them (loaded once, on first use).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt.codes import is_code_shaped
from ptcpt.errors import InvalidVisit
from ptcpt.visit import MAX_MINUTES

if TYPE_CHECKING:
    from ptcpt.catalogs import Catalog
    from ptcpt.codes import Code
    from ptcpt.visit import Visit

__all__ = [
    "METHODS",
    "UNIT_MINUTES",
    "AddOns",
    "UnitPlan",
    "add_on_pairs",
    "allocate",
    "timed_minutes",
    "total_units",
]

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


class AddOns:
    """Which add-on continues which primary, in the shape :func:`_allocate` reads.

    Built from ``{add-on: primaries}`` (a code's ``add_on_to``: the first primary listed is
    the one whose time the add-on continues; 97811 continues 97810, 97814 continues 97813).
    A primary continued by two add-ons is left unpaired: which one takes its extra time
    is the clinician's to say, not ptcpt's.
    """

    __slots__ = ("add_on_of", "codes", "others", "primary_of")

    def __init__(self, primaries_by_add_on: Mapping[str, Sequence[str]]) -> None:
        first: dict[str, str] = {}
        others: dict[str, frozenset[str]] = {}
        count: dict[str, int] = {}
        for add_on, primaries in primaries_by_add_on.items():
            listed = (primaries,) if isinstance(primaries, str) else tuple(primaries)
            if not listed:
                continue
            first[add_on] = listed[0]
            others[add_on] = frozenset(listed[1:])
            count[listed[0]] = count.get(listed[0], 0) + 1
        #: add-on -> the primary whose time it continues
        self.primary_of = {a: p for a, p in first.items() if count[p] == 1}
        #: primary -> the add-on that carries its time beyond the first unit
        self.add_on_of = {p: a for a, p in self.primary_of.items()}
        #: add-on -> the other primaries it may follow
        self.others = {a: others[a] for a in self.primary_of}
        self.codes = frozenset(self.primary_of) | frozenset(self.add_on_of)

    def keys(self, codes: Iterable[str]) -> dict[str, str]:
        """code -> the service its minutes count toward, for the add-ons among ``codes``.

        An add-on joins its primary when the primary is billed, or when none of the
        primaries it may follow is (the primary's first unit is then still owed); it
        stands alone beside another of its primaries (97811 after 97813).
        """
        present = set(codes)
        found: dict[str, str] = {}
        for code in present:
            primary = self.primary_of.get(code)
            if primary is not None and (primary in present or self.others[code].isdisjoint(present)):
                found[code] = primary
        return found


_NO_ADD_ONS = AddOns({})
#: Codes already seen to have the CPT/HCPCS shape (a bounded set: the few codes of PT).
_SHAPED: set[str] = set()
_BUNDLED_ADD_ONS: AddOns | None = None


def add_on_pairs(catalog: Iterable[Code]) -> dict[str, tuple[str, ...]]:
    """``{add-on: primaries}`` for the catalog's 15-minute add-ons of 15-minute primaries.

    What :func:`allocate` takes as ``add_ons``: 97130 -> ("97129",), 97811 -> ("97810",
    "97813"). Add-ons of codes counted in other units (97551 after the 30-minute 97550)
    are left out, as :func:`allocate` leaves those codes out.
    """
    codes = {code.code: code for code in catalog}
    found: dict[str, tuple[str, ...]] = {}
    for code in codes.values():
        if not code.add_on_to or code.unit_minutes != UNIT_MINUTES:
            continue
        primaries = tuple(p for p in code.add_on_to if p in codes and codes[p].unit_minutes == UNIT_MINUTES)
        if primaries and primaries[0] == code.add_on_to[0]:
            found[code.code] = primaries
    return dict(sorted(found.items()))


def _add_ons(add_ons: Mapping[str, Sequence[str]] | AddOns | None) -> AddOns:
    if isinstance(add_ons, AddOns):
        return add_ons
    if add_ons is not None:
        return AddOns(add_ons) if add_ons else _NO_ADD_ONS
    global _BUNDLED_ADD_ONS
    if _BUNDLED_ADD_ONS is None:
        from ptcpt.catalogs import catalog

        _BUNDLED_ADD_ONS = AddOns(add_on_pairs(catalog()))
    return _BUNDLED_ADD_ONS


@attrs.frozen(repr=False)
class UnitPlan(Mapping[str, int]):
    """The units each timed code earns: a read-only mapping ``code -> units``.

    Every code given to :func:`allocate` is a key, including those that earn 0 units,
    and so is the add-on of a primary given alone when the primary's minutes earn it
    units (97129 40 minutes -> ``{"97129": 1, "97130": 2}``). ``minutes`` holds the
    input as ``(code, minutes)`` pairs sorted by code, ``total`` the sum of units and
    ``add_ons`` the ``(primary, add-on)`` pairs counted as one service. Where CMS lets
    the provider choose between codes with tied remainders, :meth:`bounds` and
    :meth:`allows` say which other choices are correct.
    """

    method: str
    minutes: tuple[tuple[str, int], ...]
    allocation: tuple[tuple[str, int], ...]
    add_ons: tuple[tuple[str, str], ...] = ()
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
        add_ons: tuple[tuple[str, str], ...] = (),
    ) -> UnitPlan:
        """A plan from :func:`_allocate`, which has already worked out what ``__init__``
        would derive (and the bounds): the same frozen object, built without a second pass.
        """
        plan = object.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(plan, "method", method)
        setattr_(plan, "minutes", minutes)
        setattr_(plan, "allocation", tuple(by_code.items()))
        setattr_(plan, "add_ons", add_ons)
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

    def family(self, code: str) -> tuple[str, str] | None:
        """The ``(primary, add-on)`` pair ``code`` belongs to in this plan, or None."""
        for pair in self.add_ons:
            if code in pair:
                return pair
        return None

    def minutes_for(self, code: str) -> int:
        """The minutes behind ``code``'s units: a primary/add-on pair's together, else its own."""
        if not self.add_ons:
            for c, m in self.minutes:
                if c == code:
                    return m
            return 0
        pair = self.family(code)
        wanted = pair if pair is not None else (code,)
        return sum(m for c, m in self.minutes if c in wanted)

    def bounds(self, code: str) -> tuple[int, int]:
        """``(fewest, most)`` units ``code`` may carry in an allocation the method accepts.

        The two are equal unless CMS remainders tie: with 20 minutes each of 97112 and
        97110 either code may take the third unit, so both have bounds ``(1, 2)``.
        Raises ``KeyError`` for a code not in the plan.
        """
        return self._ranges()[code]

    def all_bounds(self) -> Mapping[str, tuple[int, int]]:
        """:meth:`bounds` of every code at once, ``code -> (fewest, most)`` (do not modify)."""
        return self._ranges()

    def tied(self) -> tuple[str, ...]:
        """Codes whose units depend on a tie CMS leaves to the provider, sorted."""
        return tuple(sorted(c for c, (low, high) in self._ranges().items() if low != high))

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
        # Ranges are worked out per service (a primary and its add-on count as one),
        # then split: the service's first unit is the primary's.
        key = {a: p for p, a in self.add_ons}
        services: dict[str, int] = {}
        for c, m in self.minutes:
            services[key.get(c, c)] = services.get(key.get(c, c), 0) + m
        ranges = _service_ranges(sorted(services.items()), self.total)
        return _split_ranges(ranges, self.add_ons, self._by_code)

    def explain(self) -> str:
        """One or two lines saying how the units were reached, for people and logs."""
        families = ""
        if self.add_ons:
            families = (
                "\n"
                + "; ".join(
                    f"{p} and {a} are one service ({self.minutes_for(p)} min): its first unit is "
                    f"{p}, every further unit {a}"
                    for p, a in self.add_ons
                )
                + "."
            )
        service_units = self._service_units()
        if self.method == "ama":
            per_code = (
                ", ".join(f"{c} {m} min -> {service_units[c]}" for c, m in self._service_minutes())
                or "no timed codes"
            )
            return (
                "AMA per-code method: each code is rounded on its own minutes (8 or more earn a "
                f"unit): {per_code}; total {_units(self.total)}.{families}"
            )
        first = (
            f"CMS total-time method: {self.total_minutes} timed minutes make {_units(self.total)} "
            "(8-22 -> 1, 23-37 -> 2, ...)."
        )
        services = self._service_minutes()
        minutes = dict(services)
        full = {c: m // UNIT_MINUTES for c, m in services}
        extra = sorted(
            (c for c in minutes if service_units[c] > full[c]), key=lambda c: _rank((c, minutes[c]))
        )
        parts = []
        if any(full.values()):
            parts.append("full 15-minute units: " + ", ".join(f"{c} {n}" for c, n in full.items() if n))
        if extra:
            parts.append(
                f"{_units(len(extra))} left over, to the largest remainders: "
                + ", ".join(f"{c} ({minutes[c] % UNIT_MINUTES} min)" for c in extra)
            )
        service_of = {a: p for p, a in self.add_ons}
        tied = sorted({service_of.get(c, c) for c in self.tied()})
        if tied:
            picked = ", ".join(c for c in extra if c in tied)
            parts.append(
                f"remainders tie between {', '.join(tied)}: CMS lets the provider choose, "
                f"ptcpt picked {picked} (more minutes, then lower code)"
            )
        text = first if not parts else f"{first}\n" + "; ".join(parts) + "."
        return text + families

    def _service_minutes(self) -> list[tuple[str, int]]:
        """(service, minutes) sorted: each primary/add-on pair under its primary."""
        key = {a: p for p, a in self.add_ons}
        services: dict[str, int] = {}
        for c, m in self.minutes:
            services[key.get(c, c)] = services.get(key.get(c, c), 0) + m
        return sorted(services.items())

    def _service_units(self) -> dict[str, int]:
        units = dict(self._by_code)
        for p, a in self.add_ons:
            units[p] = units.get(p, 0) + units.pop(a, 0)
        return units


def _units(n: int) -> str:
    return f"{n} unit" if n == 1 else f"{n} units"


def _rank(item: tuple[str, int]) -> tuple[int, int, str]:
    """Who gets a leftover unit first: largest remainder, then most minutes, then code."""
    code, minutes = item
    return (-(minutes % UNIT_MINUTES), -minutes, code)


def _service_ranges(items: list[tuple[str, int]], total: int) -> dict[str, tuple[int, int]]:
    """Under CMS, each service's (fewest, most) units for ``total`` units over ``items``.

    Every service with a remainder above the last one served is always served; services
    AT that remainder share what is left, unless all of them fit.
    """
    ranges = {c: (m // UNIT_MINUTES, m // UNIT_MINUTES) for c, m in items}
    remaining = total - sum(low for low, _ in ranges.values())
    if remaining > 0:
        ranked = sorted((m % UNIT_MINUTES for _, m in items if m % UNIT_MINUTES), reverse=True)
        cutoff = ranked[remaining - 1]
        all_fit = remaining == len(ranked) or ranked[remaining] != cutoff
        for c, m in items:
            r = m % UNIT_MINUTES
            if r > cutoff or (r == cutoff and all_fit):
                ranges[c] = (m // UNIT_MINUTES + 1, m // UNIT_MINUTES + 1)
            elif r == cutoff:
                ranges[c] = (m // UNIT_MINUTES, m // UNIT_MINUTES + 1)
    return ranges


def _split_ranges(
    ranges: dict[str, tuple[int, int]], add_ons: tuple[tuple[str, str], ...], by_code: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """Service ranges -> code ranges: a service's first unit is its primary's."""
    if not add_ons:
        return ranges
    result = dict(ranges)
    for primary, add_on in add_ons:
        low, high = result.pop(primary, (0, 0))
        result[primary] = (min(low, 1), min(high, 1))
        if add_on in by_code or high > 1:
            result[add_on] = (max(low - 1, 0), max(high - 1, 0))
    return result


def allocate(
    minutes_by_code: Mapping[str, int],
    method: str = "cms",
    *,
    add_ons: Mapping[str, Sequence[str]] | AddOns | None = None,
) -> UnitPlan:
    """Units per code for one day's timed minutes under ``method`` (``"cms"`` or ``"ama"``).

    ``minutes_by_code`` maps each timed 15-minute code to its total minutes that day
    (:func:`timed_minutes` builds it from a visit). Untimed codes must not be in it:
    their minutes never count toward timed units.

    ``add_ons`` maps each add-on code to its primaries (:func:`add_on_pairs`); None uses
    the bundled catalog's pairs, ``{}`` none. A primary and its add-on are one service:
    the first unit is the primary's, every further unit the add-on's.

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
    shaped = _SHAPED
    for code, minutes in items:
        if type(minutes) is not int or not 0 <= minutes <= MAX_MINUTES:
            _check_minutes(minutes, f"minutes_by_code[{code!r}]")
        if code not in shaped:
            if not is_code_shaped(code):
                raise InvalidVisit(
                    "minutes_by_code",
                    f"{code!r} is not a CPT/HCPCS code: use 5 characters such as 97110 or G0283",
                )
            if len(shaped) < 4096 and type(code) is str:
                shaped.add(code)  # a set test next time instead of the pattern
    pairs = _BUNDLED_ADD_ONS if add_ons is None and _BUNDLED_ADD_ONS is not None else _add_ons(add_ons)
    if pairs.codes.isdisjoint(minutes_by_code):  # the usual case: no primary/add-on pair
        units, ranges = _allocate_plain(items, method)
        return UnitPlan._allocated(method, tuple(items), units, sum(units.values()), ranges)
    return _allocate_services(items, method, pairs)


def _allocate(items: list[tuple[str, int]], method: str, add_ons: AddOns = _NO_ADD_ONS) -> UnitPlan:
    """:func:`allocate` for input already checked: code-shaped keys sorted, minutes in range.

    The rule engine calls it directly: its codes and minutes come from validated lines.
    """
    codes = add_ons.codes
    if codes and not codes.isdisjoint([c for c, _ in items]):
        return _allocate_services(items, method, add_ons)
    units, ranges = _allocate_plain(items, method)
    return UnitPlan._allocated(method, tuple(items), units, sum(units.values()), ranges)


def _allocate_services(items: list[tuple[str, int]], method: str, add_ons: AddOns) -> UnitPlan:
    """Allocation where some codes are primary/add-on pairs: per service, then split."""
    key = add_ons.keys(c for c, _ in items)
    services: dict[str, int] = {}
    for c, m in items:
        k = key.get(c, c)
        services[k] = services.get(k, 0) + m
    pairs = tuple(
        sorted(
            {(p, a) for a, p in key.items()}
            | {(c, add_ons.add_on_of[c]) for c, _ in items if c in add_ons.add_on_of}
        )
    )
    service_units, service_ranges = _allocate_plain(sorted(services.items()), method)
    given = {c for c, _ in items}
    units: dict[str, int] = {}
    for code, n in service_units.items():
        add_on = add_ons.add_on_of.get(code) if any(p == code for p, _ in pairs) else None
        if add_on is None:
            units[code] = n
            continue
        units[code] = min(n, 1)
        if add_on in given or service_ranges[code][1] > 1:
            units[add_on] = n - min(n, 1)
    ranges = _split_ranges(service_ranges, pairs, units)
    by_code = dict(sorted(units.items()))
    return UnitPlan._allocated(method, tuple(items), by_code, sum(by_code.values()), ranges, pairs)


def _allocate_plain(
    items: list[tuple[str, int]], method: str
) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Units and bounds per code (or service), no primary/add-on pairs involved."""
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
    # The bounds every rule asks for, known here at no cost (as _service_ranges does):
    # the allocation itself, except where CMS leaves a tie to the provider.
    ranges = {c: (n, n) for c, n in units.items()}
    if open_choice > 0:
        for c, m in items:
            if m % UNIT_MINUTES == open_choice:
                ranges[c] = (m // UNIT_MINUTES, m // UNIT_MINUTES + 1)
    return units, ranges


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
