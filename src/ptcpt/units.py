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

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ptcpt._codes import is_code_shaped
from ptcpt._unitplan import UNIT_MINUTES, UnitPlan, split_ranges
from ptcpt._visit import MAX_MINUTES
from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    from ptcpt._catalogs import Catalog
    from ptcpt._codes import Code
    from ptcpt._visit import Visit

__all__ = [
    "METHODS",
    "UNIT_MINUTES",
    "AddOns",
    "UnitPlan",
    "add_on_pairs",
    "allocate",
    "timed_minutes",
    "total_units",
    "visit_plan",
]

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
    """Which add-on continues which primary, in the shape the allocator reads.

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
        from ptcpt._catalogs import catalog

        _BUNDLED_ADD_ONS = AddOns(add_on_pairs(catalog()))
    return _BUNDLED_ADD_ONS


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
    ranges = split_ranges(service_ranges, pairs, units)
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
    get = catalog.get
    return dict(sorted(_timed(visit, [get(line.code) for line in visit.lines]).items()))


def _timed(visit: Visit, entries: Sequence[Code | None]) -> dict[str, int]:
    """:func:`timed_minutes` (unsorted) for lines whose catalog entries are ``entries``."""
    totals: dict[str, int] = {}
    day = visit.date
    for line, code in zip(visit.lines, entries, strict=True):
        if line.minutes is None or code is None or code.unit_minutes != UNIT_MINUTES:
            continue
        if not code.is_active(day):
            continue
        totals[line.code] = totals.get(line.code, 0) + line.minutes
    return totals


def visit_plan(
    visit: Visit,
    catalog: Catalog,
    method: str = "cms",
    *,
    add_ons: Mapping[str, Sequence[str]] | AddOns | None = None,
    entries: Sequence[Code | None] | None = None,
) -> UnitPlan | None:
    """The units a visit's timed minutes support under ``method``; None when it has none.

    ``allocate(timed_minutes(visit, catalog), method, add_ons=add_ons)``, made once for the
    rule engine: ``entries`` are the catalog entries of the visit's lines when the caller
    has looked them up already, and the minutes, from validated lines, are not checked a
    second time. An unknown method raises ``ValueError`` as :func:`allocate` does.
    """
    if entries is None:
        get = catalog.get
        entries = [get(line.code) for line in visit.lines]
    minutes = _timed(visit, entries)
    if not minutes:
        return None
    pairs = _BUNDLED_ADD_ONS if add_ons is None and _BUNDLED_ADD_ONS is not None else _add_ons(add_ons)
    if (method != "cms" and method != "ama") or max(minutes.values()) > MAX_MINUTES:
        return allocate(minutes, method=method, add_ons=pairs)  # raises, naming the problem
    # The codes and minutes come from validated lines: no need to check them again. Most
    # visits bill no primary/add-on pair: one set test spares the allocator the look.
    items = sorted(minutes.items())
    if pairs.codes.isdisjoint(minutes):
        units, ranges = _allocate_plain(items, method)
        return UnitPlan._allocated(method, tuple(items), units, sum(units.values()), ranges)
    return _allocate_services(items, method, pairs)
