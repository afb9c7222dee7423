"""The 8-minute rule: CMS's worked examples, the CMS-vs-AMA table and the invariants.

Golden cases come from facts.md section 2 (CMS MCPM ch. 5 section 20.2 examples 1-5 and
the CMS-vs-AMA comparison table). Where CMS lets the provider choose between tied codes,
the tests assert the total, each code's bounds and ptcpt's documented deterministic
choice: the tied code with more total minutes, then the lower code string.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ptcpt
import ptcpt.cms
from ptcpt._catalogs import Catalog
from ptcpt._codes import Code
from ptcpt._visit import Line, Visit
from ptcpt.errors import InvalidVisit
from ptcpt.units import UnitPlan, add_on_pairs, allocate, timed_minutes, total_units


# -- the CMS unit table (FCSO) -------------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes", "units"),
    [
        (0, 0),
        (7, 0),
        (8, 1),
        (22, 1),
        (23, 2),
        (37, 2),
        (38, 3),
        (52, 3),
        (53, 4),
        (67, 4),
        (68, 5),
        (82, 5),
        (83, 6),
        (97, 6),
        (98, 7),
        (112, 7),
        (113, 8),
        (127, 8),
        (128, 9),  # "the pattern continues in 15-minute steps beyond 2 hours"
        (1440, 96),
    ],
)
def test_total_units_follows_the_cms_table(minutes: int, units: int) -> None:
    assert total_units(minutes) == units


# -- CMS worked examples 1-5 (MCPM ch. 5 section 20.2, via facts.md 2a) --------------------
def test_cms_example_1_the_code_with_more_time_gets_more_units() -> None:
    plan = allocate({"97112": 24, "97110": 23})
    assert dict(plan) == {"97112": 2, "97110": 1}
    assert plan.total == 3
    assert plan.tied() == ()


def test_cms_example_2_equal_times_give_two_units_to_either_code_never_three() -> None:
    plan = allocate({"97112": 20, "97110": 20})
    assert plan.total == 3
    assert plan.bounds("97112") == plan.bounds("97110") == (1, 2)
    assert plan.tied() == ("97110", "97112")
    assert plan.allows({"97112": 2, "97110": 1})
    assert plan.allows({"97112": 1, "97110": 2})
    assert not plan.allows({"97112": 3, "97110": 0})
    assert not plan.allows({"97112": 2, "97110": 2})
    # ptcpt's documented choice: equal minutes, so the lower code string.
    assert dict(plan) == {"97110": 2, "97112": 1}


def test_cms_example_3_a_small_leftover_loses_to_a_separate_7_minute_code() -> None:
    plan = allocate({"97110": 33, "97140": 7})
    assert dict(plan) == {"97110": 2, "97140": 1}
    assert plan.total == 3
    assert plan.tied() == ()


def test_cms_example_4_the_code_with_the_fewest_minutes_gets_no_unit() -> None:
    plan = allocate({"97110": 18, "97140": 13, "97116": 10, "97035": 8})
    assert dict(plan) == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}
    assert plan.total == 3
    assert plan.tied() == ()
    assert not plan.allows({"97110": 1, "97140": 1, "97116": 0, "97035": 1})


def test_cms_example_5_three_7_minute_codes_bill_one_unit_of_one_code() -> None:
    plan = allocate({"97112": 7, "97110": 7, "97140": 7})
    assert plan.total == 1
    assert all(plan.bounds(code) == (0, 1) for code in plan)
    for chosen in plan:
        assert plan.allows({code: int(code == chosen) for code in plan})
    assert not plan.allows(dict.fromkeys(plan, 0))
    assert dict(plan) == {"97110": 1, "97112": 0, "97140": 0}


# -- CMS vs AMA (facts.md 2b), each row its own case ----------------------------------------
def test_two_7_minute_codes_cms_one_unit_ama_none() -> None:
    cms = allocate({"97110": 7, "97140": 7}, method="cms")
    ama = allocate({"97110": 7, "97140": 7}, method="ama")
    assert cms.total == 1
    assert cms.bounds("97110") == cms.bounds("97140") == (0, 1)
    assert dict(cms) == {"97110": 1, "97140": 0}
    assert dict(ama) == {"97110": 0, "97140": 0}
    assert ama.total == 0


def test_three_10_minute_codes_cms_two_units_ama_three() -> None:
    minutes = {"97110": 10, "97116": 10, "97140": 10}
    cms = allocate(minutes, method="cms")
    ama = allocate(minutes, method="ama")
    assert cms.total == 2
    assert all(cms.bounds(code) == (0, 1) for code in minutes)
    assert dict(cms) == {"97110": 1, "97116": 1, "97140": 0}
    assert dict(ama) == {"97110": 1, "97116": 1, "97140": 1}
    assert ama.total == 3


def test_24_and_23_minutes_cms_three_units_ama_four() -> None:
    minutes = {"97112": 24, "97110": 23}
    assert dict(allocate(minutes, method="cms")) == {"97112": 2, "97110": 1}
    assert dict(allocate(minutes, method="ama")) == {"97112": 2, "97110": 2}
    assert allocate(minutes, method="ama").total == 4


def test_33_and_7_minutes_cms_three_units_ama_two() -> None:
    minutes = {"97110": 33, "97140": 7}
    assert dict(allocate(minutes, method="cms")) == {"97110": 2, "97140": 1}
    ama = allocate(minutes, method="ama")
    assert dict(ama) == {"97110": 2, "97140": 0}
    assert ama.total == 2


def test_ama_ten_minutes_of_one_code_is_one_unit() -> None:
    assert dict(allocate({"97110": 10}, method="ama")) == {"97110": 1}
    assert dict(allocate({"97110": 10, "97116": 10}, method="ama")) == {"97110": 1, "97116": 1}
    assert allocate({"97110": 10, "97116": 10}, method="cms").total == 1


# -- the plan object --------------------------------------------------------------------
def test_plan_is_a_read_only_mapping_with_its_inputs() -> None:
    plan = allocate({"97140": 7, "97110": 33})
    assert isinstance(plan, UnitPlan)
    assert list(plan) == ["97110", "97140"]
    assert len(plan) == 2 and "97110" in plan and "97530" not in plan
    assert plan.minutes == (("97110", 33), ("97140", 7))
    assert plan.method == "cms"
    assert plan.total_minutes == 40
    with pytest.raises(KeyError):
        plan["97530"]
    with pytest.raises(TypeError):
        plan["97110"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        plan.total = 9  # type: ignore[misc]
    assert hash(plan) == hash(allocate({"97110": 33, "97140": 7}))
    assert plan != allocate({"97110": 33, "97140": 7}, method="ama")
    assert "UnitPlan cms total=3" in repr(plan)
    assert ptcpt.UnitPlan is UnitPlan


def test_empty_input_is_an_empty_plan() -> None:
    for method in ("cms", "ama"):
        plan = allocate({}, method=method)
        assert (dict(plan), plan.total, plan.minutes) == ({}, 0, ())
        assert plan.allows({})
        assert plan.explain()


def test_zero_minute_codes_stay_in_the_plan_with_zero_units() -> None:
    plan = allocate({"97110": 30, "97140": 0})
    assert dict(plan) == {"97110": 2, "97140": 0}


def test_explain_says_how_in_one_or_two_lines() -> None:
    cms = allocate({"97110": 33, "97140": 7}).explain()
    assert 1 <= len(cms.splitlines()) <= 2
    assert "40 timed minutes make 3 units" in cms
    assert "97140 (7 min)" in cms
    tie = allocate({"97112": 20, "97110": 20}).explain()
    assert "tie between 97110, 97112" in tie and "ptcpt picked 97110" in tie
    ama = allocate({"97110": 33, "97140": 7}, method="ama").explain()
    assert len(ama.splitlines()) == 1
    assert "97140 7 min -> 0" in ama and "total 2 units" in ama


def test_allows_rejects_codes_outside_the_plan() -> None:
    plan = allocate({"97110": 30})
    assert plan.allows({"97110": 2})
    assert not plan.allows({"97110": 1, "97530": 1})
    assert not plan.allows({"97110": 1})


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("minutes_by_code", "match"),
    [
        ({"97110": -5}, r"minutes_by_code\['97110'\]: must be a whole number >= 0, got -5"),
        ({"97110": 12.5}, r"minutes_by_code\['97110'\]: must be a whole number >= 0, got float 12.5"),
        ({"97110": "12"}, r"must be a whole number >= 0, got str '12'"),
        ({"97110": True}, r"must be a whole number >= 0, got bool True"),
        ({"97110": None}, r"must be a whole number >= 0, got NoneType None"),
        ({"97110": 1441}, r"must be at most 1440"),
        ({"9711": 10}, r"minutes_by_code: '9711' is not a CPT/HCPCS code"),
        ({97110: 10}, r"minutes_by_code: 97110 is not a CPT/HCPCS code"),
    ],
)
def test_bad_minutes_raise_invalid_visit(minutes_by_code: dict[Any, Any], match: str) -> None:
    for method in ("cms", "ama"):
        with pytest.raises(InvalidVisit, match=match):
            allocate(minutes_by_code, method=method)


def test_unknown_method_is_a_value_error_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="method must be 'cms' or 'ama', got 'medicare'"):
        allocate({"97110": 10}, method="medicare")


def test_a_non_mapping_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a mapping"):
        allocate([("97110", 10)])  # type: ignore[arg-type]


@pytest.mark.parametrize("minutes", [-1, 1441, 2.0, "8", True])
def test_total_units_rejects_what_is_not_minutes(minutes: Any) -> None:
    with pytest.raises(InvalidVisit, match=r"^minutes: "):
        total_units(minutes)


# -- timed minutes from a visit ----------------------------------------------------------------
def _code(
    code: str, timing: str, unit_minutes: int | None = None, category: str = "therapeutic-procedure"
) -> Code:
    return Code(
        code=code,
        name=f"test {code}",
        summary="A test code.",
        category=category,
        timing=timing,
        unit_minutes=unit_minutes,
    )


TEST_CATALOG = Catalog(
    [
        _code("97110", "timed", 15),
        _code("97140", "timed", 15),
        _code("97530", "timed", 15),
        _code("97161", "untimed", category="evaluation"),
        _code("97010", "untimed", category="supervised-modality"),
        _code("97550", "timed", 30),
        _code("97139", "varies"),
    ]
)


def test_timed_minutes_sums_timed_15_minute_codes_only() -> None:
    visit = Visit(
        date=dt.date(2025, 3, 12),
        lines=[
            Line(code="97161", minutes=30),  # evaluation: never timed minutes
            Line(code="97110", minutes=10, units=1),
            Line(code="97140", minutes=13),
            Line(code="97110", minutes=8, units=1, modifiers=["59"]),
            Line(code="97530"),  # timed without minutes: reported by a rule, not counted
            Line(code="97010", minutes=10),  # supervised modality
            Line(code="97550", minutes=30),  # 30-minute unit code: outside allocate's scope
            Line(code="97139", minutes=15),  # unlisted, time varies
            Line(code="97999", minutes=20),  # unknown to this catalog
        ],
    )
    minutes = timed_minutes(visit, TEST_CATALOG)
    assert minutes == {"97110": 18, "97140": 13}
    assert list(minutes) == ["97110", "97140"]
    assert dict(allocate(minutes)) == {"97110": 1, "97140": 1}


# -- hypothesis invariants ---------------------------------------------------------------------
CODES = ["97032", "97035", "97110", "97112", "97116", "97140", "97530", "97535", "97750", "G0283"]
minutes_maps = st.dictionaries(st.sampled_from(CODES), st.integers(0, 200), max_size=6)
methods = st.sampled_from(["cms", "ama"])


@given(minutes_maps)
def test_cms_total_equals_the_table_for_the_total_minutes(minutes: dict[str, int]) -> None:
    plan = allocate(minutes, method="cms")
    assert plan.total == total_units(sum(minutes.values()))
    assert sum(plan.values()) == plan.total


@given(minutes_maps, st.sampled_from(CODES), st.integers(1, 60), methods)
def test_total_units_never_decrease_when_minutes_grow(
    minutes: dict[str, int], code: str, extra: int, method: str
) -> None:
    grown = dict(minutes)
    grown[code] = grown.get(code, 0) + extra
    assert allocate(grown, method=method).total >= allocate(minutes, method=method).total


@given(minutes_maps)
def test_cms_never_gives_a_code_a_unit_its_minutes_cannot_justify(minutes: dict[str, int]) -> None:
    plan = allocate(minutes, method="cms")
    for code, m in minutes.items():
        assert m // 15 <= plan[code] <= math.ceil(m / 15)
        if m >= 15:
            assert plan[code] >= 1
        if m == 0:
            assert plan[code] == 0


@given(minutes_maps, st.sampled_from(CODES), st.integers(0, 200))
def test_ama_units_depend_only_on_the_codes_own_minutes(others: dict[str, int], code: str, own: int) -> None:
    minutes = {**others, code: own}
    assert allocate(minutes, method="ama")[code] == total_units(own)
    assert allocate({code: own}, method="ama")[code] == allocate(minutes, method="ama")[code]


@given(minutes_maps, methods, st.randoms(use_true_random=False))
def test_allocation_is_deterministic_and_ignores_input_order(
    minutes: dict[str, int], method: str, rnd: Any
) -> None:
    items = list(minutes.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    first, second = allocate(minutes, method=method), allocate(shuffled, method=method)
    assert first == second
    assert list(first) == list(second) == sorted(minutes)
    assert first.explain() == second.explain()


def _cms_acceptable(minutes: dict[str, int]) -> set[tuple[int, ...]]:
    """Every allocation the facts.md 2a procedure allows, by brute force (any tie-break)."""
    codes = sorted(minutes)
    total = total_units(sum(minutes.values()))
    found = set()
    for extra in itertools.product((0, 1), repeat=len(codes)):
        if any(e and minutes[c] % 15 == 0 for c, e in zip(codes, extra, strict=True)):
            continue
        units = tuple(minutes[c] // 15 + e for c, e in zip(codes, extra, strict=True))
        if sum(units) != total:
            continue
        served = [minutes[c] % 15 for c, e in zip(codes, extra, strict=True) if e]
        unserved = [minutes[c] % 15 for c, e in zip(codes, extra, strict=True) if not e]
        if not served or not unserved or min(served) >= max(unserved):
            found.add(units)
    return found


@given(st.dictionaries(st.sampled_from(CODES[:5]), st.integers(0, 60), max_size=4))
def test_bounds_and_allows_describe_exactly_the_acceptable_cms_allocations(minutes: dict[str, int]) -> None:
    plan = allocate(minutes, method="cms")
    codes = sorted(minutes)
    acceptable = _cms_acceptable(minutes)
    assert tuple(plan[c] for c in codes) in acceptable
    ranges = [range(plan.bounds(c)[0], plan.bounds(c)[1] + 1) for c in codes]
    allowed = {
        units for units in itertools.product(*ranges) if plan.allows(dict(zip(codes, units, strict=True)))
    }
    assert allowed == acceptable
    assert bool(plan.tied()) == (len(acceptable) > 1)


@given(minutes_maps, methods)
def test_a_plan_from_allocate_equals_one_built_from_its_fields(minutes: dict[str, int], method: str) -> None:
    plan = allocate(minutes, method=method)
    rebuilt = UnitPlan(plan.method, plan.minutes, plan.allocation)  # no bounds yet: computed on demand
    assert plan == rebuilt and hash(plan) == hash(rebuilt) and repr(plan) == repr(rebuilt)
    assert (plan.total, dict(plan), plan.explain()) == (rebuilt.total, dict(rebuilt), rebuilt.explain())
    assert [plan.bounds(c) for c in plan] == [rebuilt.bounds(c) for c in rebuilt]
    assert plan.tied() == rebuilt.tied()


# -- primary and add-on codes: one service, the first unit the primary's -------------------
@pytest.mark.parametrize("method", ["cms", "ama"])
def test_40_minutes_of_97129_are_97129_once_and_97130_twice(method: str) -> None:
    plan = allocate({"97129": 40}, method=method)
    assert dict(plan) == {"97129": 1, "97130": 2}
    assert plan.total == 3
    assert plan.add_ons == (("97129", "97130"),)
    assert plan.family("97130") == ("97129", "97130")
    assert plan.minutes_for("97130") == 40
    assert plan.allows({"97129": 1, "97130": 2})
    assert not plan.allows({"97129": 3})
    assert "97129 and 97130 are one service (40 min)" in plan.explain()


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        ({"97129": 15, "97130": 25}, {"97129": 1, "97130": 2}),  # minutes split over the two lines
        ({"97130": 40}, {"97129": 1, "97130": 2}),  # add-on alone: the first unit is still 97129's
        ({"97129": 10}, {"97129": 1}),  # one unit: no add-on in the plan
        ({"97129": 22}, {"97129": 1}),
        ({"97129": 23}, {"97129": 1, "97130": 1}),
        ({"97810": 40}, {"97810": 1, "97811": 2}),  # acupuncture without e-stim
        ({"97813": 40}, {"97813": 1, "97814": 2}),  # with e-stim: its own add-on
        ({"97813": 15, "97811": 15}, {"97811": 1, "97813": 1}),  # 97811 after 97813 stands alone
    ],
)
def test_primary_and_add_on_pairs_the_catalog_marks(
    minutes: dict[str, int], expected: dict[str, int]
) -> None:
    assert dict(allocate(minutes)) == expected


def test_add_ons_can_be_given_or_switched_off() -> None:
    assert dict(allocate({"97129": 40}, add_ons={})) == {"97129": 3}
    assert dict(allocate({"97110": 40}, add_ons={"97530": ["97110"]})) == {"97110": 1, "97530": 2}


def test_add_on_pairs_are_the_catalogs_15_minute_pairs() -> None:
    pairs = add_on_pairs(ptcpt.catalog())
    assert pairs["97130"] == ("97129",)
    assert pairs["97811"][0] == "97810" and pairs["97814"][0] == "97813"
    assert "97551" not in pairs  # after the 30-minute 97550: outside allocate's scope
    assert "98981" not in pairs  # 20-minute remote-monitoring units


def test_a_tie_between_a_service_and_another_code_is_the_add_ons_to_take() -> None:
    plan = allocate({"97129": 20, "97110": 20})
    assert plan.total == 3
    assert plan.bounds("97129") == (1, 1)
    assert plan.bounds("97130") == (0, 1)
    assert plan.bounds("97110") == (1, 2)
    assert plan.allows({"97129": 1, "97130": 1, "97110": 1})
    assert plan.allows({"97129": 1, "97110": 2})
    assert not plan.allows({"97129": 2, "97110": 1})


#: add-on -> the primaries it may follow, the first the one whose time it continues.
FAMILIES = {"97130": ("97129",), "97811": ("97810", "97813"), "97814": ("97813", "97810")}
FAMILY_CODES = ["97129", "97130", "97810", "97811", "97813", "97814"]
family_maps = st.dictionaries(st.sampled_from(CODES[:5] + FAMILY_CODES), st.integers(0, 200), max_size=6)


def _merged(minutes: dict[str, int]) -> dict[str, int]:
    """Each add-on's minutes moved to the primary it continues, as docs/units.md states it:
    it joins that primary when the primary is billed, or when none of its primaries is."""
    merged: dict[str, int] = {}
    for code, m in minutes.items():
        primaries = FAMILIES.get(code)
        key = code
        if primaries and (primaries[0] in minutes or not set(primaries[1:]) & minutes.keys()):
            key = primaries[0]
        merged[key] = merged.get(key, 0) + m
    return merged


@given(family_maps, methods)
def test_a_primary_never_gets_more_units_than_its_mue(minutes: dict[str, int], method: str) -> None:
    plan = allocate(minutes, method=method)
    tables = ptcpt.cms.bundled_tables()
    for primary in ("97129", "97810", "97813"):
        if primary in plan:
            assert plan[primary] <= 1  # "first 15 minutes"
            limit = tables.mue(primary)
            if limit is not None:
                assert plan[primary] <= limit.mue


@given(family_maps, methods)
def test_moving_units_to_the_add_on_never_changes_the_totals(minutes: dict[str, int], method: str) -> None:
    plan = allocate(minutes, method=method)
    merged = allocate(_merged(minutes), method=method, add_ons={})
    assert plan.total == merged.total
    if method == "cms":
        assert plan.total == total_units(sum(minutes.values()))
    for primary, add_on in plan.add_ons:
        assert plan[primary] + plan.get(add_on, 0) == merged[primary]
    for code in merged:
        if plan.family(code) is None:
            assert plan[code] == merged[code]
    assert plan.allows(dict(plan))
    assert all(plan.bounds(c)[0] <= plan[c] <= plan.bounds(c)[1] for c in plan)


@given(family_maps, methods, st.randoms(use_true_random=False))
def test_pairs_do_not_depend_on_input_order(minutes: dict[str, int], method: str, rnd: Any) -> None:
    items = list(minutes.items())
    rnd.shuffle(items)
    first, second = allocate(minutes, method=method), allocate(dict(items), method=method)
    assert first == second and first.explain() == second.explain()
    rebuilt = UnitPlan(first.method, first.minutes, first.allocation, first.add_ons)
    assert [first.bounds(c) for c in first] == [rebuilt.bounds(c) for c in rebuilt]


# -- visit_plan: the engine's plan is the units module's (issue 14) ----------------------------
_TIMED_OR_NOT = ("97110", "97112", "97140", "97129", "97130", "97810", "97811", "97161", "97150", "97550")


@given(
    st.lists(
        st.tuples(st.sampled_from(_TIMED_OR_NOT), st.none() | st.integers(0, 120)), min_size=1, max_size=5
    ),
    methods,
    st.dates(dt.date(2018, 1, 1), dt.date(2027, 12, 31)),
)
def test_visit_plan_is_allocate_of_timed_minutes(
    lines: list[tuple[str, int | None]], method: str, day: dt.date
) -> None:
    from ptcpt.units import visit_plan

    visit = Visit(date=day, lines=[Line(code=code, minutes=minutes) for code, minutes in lines])
    catalog = ptcpt.catalog()
    minutes = timed_minutes(visit, catalog)
    plan = visit_plan(visit, catalog, method)
    if not minutes:
        assert plan is None
        return
    expected = allocate(minutes, method=method)
    assert plan == expected and plan is not None
    assert plan.all_bounds() == expected.all_bounds() and plan.explain() == expected.explain()
    entries = [catalog.get(line.code) for line in visit.lines]
    assert visit_plan(visit, catalog, method, entries=entries) == expected


def test_visit_plan_refuses_an_unknown_method() -> None:
    from ptcpt.units import visit_plan

    visit = Visit(date=dt.date(2025, 3, 12), lines=[Line(code="97110", minutes=20)])
    with pytest.raises(ValueError, match="method must be 'cms' or 'ama'"):
        visit_plan(visit, ptcpt.catalog(), "nope")
