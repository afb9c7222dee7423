"""The unit plan: the units each timed code earns, and the choices CMS leaves open.

:class:`UnitPlan` is what :func:`ptcpt.units.allocate` returns; it lives apart from the
allocator so each module holds one idea (the 8-minute rule's arithmetic there, the
answer and how to read it here). Import it from :mod:`ptcpt.units` or ``ptcpt``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

__all__ = ["UNIT_MINUTES", "UnitPlan", "split_ranges"]

#: The unit length these rules are written for.
UNIT_MINUTES = 15


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
        return split_ranges(ranges, self.add_ons, self._by_code)

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


def split_ranges(
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
