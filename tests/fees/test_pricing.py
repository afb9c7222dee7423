from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ptcpt
from ptcpt.cms import PaymentFactor, bundled_tables
from ptcpt.errors import DataError, InvalidVisit
from ptcpt.fees import Estimate, PricedLineInput, price_lines

T = bundled_tables()
DOS_2026 = dt.date(2026, 3, 2)
L = PricedLineInput


def _money(text: str) -> Decimal:
    return Decimal(text)


# -- the facts.md 6c worked example (golden) -----------------------------------------------


def test_three_codes_2026_national_with_and_without_mppr() -> None:
    estimate = price_lines([L("97530"), L("97112"), L("97110")], on=DOS_2026, tables=T)
    assert estimate.conversion_factor == _money("33.4009")
    assert estimate.full_total == _money("96.86")  # 2.90 RVU
    assert estimate.total == _money("82.17")  # 2.46 RVU
    assert estimate.mppr_total == _money("14.70")
    first, second, third = estimate.lines
    # 97530 has the highest PE (0.60): paid in full; the others lose half their PE.
    assert (first.full, first.payable, first.mppr_units) == (_money("35.07"), _money("35.07"), 0)
    assert (second.full, second.payable, second.mppr_units) == (_money("32.73"), _money("24.88"), 1)
    assert (third.full, third.payable, third.mppr_units) == (_money("29.06"), _money("22.21"), 1)
    assert estimate.complete
    # The 2026 prices rest on the 2022 status file and secondary-source 2026 RVUs: say so.
    assert estimate.notes == ("CMS's 2022 fee-schedule statuses (PPRRVU22_JAN)",)
    assert any("97530 2026 RVUs" in item for item in estimate.unconfirmed)
    assert all("secondary sources (unconfirmed)" in line.reasons[0] for line in estimate.lines)


def test_97110_three_units_2026_national_with_and_without_mppr() -> None:
    estimate = price_lines([L("97110", 3)], on=DOS_2026, tables=T)
    assert estimate.full_total == _money("87.18")  # 2.61 RVU
    assert estimate.total == _money("73.48")  # 0.87 + 2 x 0.665 = 2.20 RVU
    (line,) = estimate.lines
    assert line.mppr_units == 2 and line.payable == _money("73.48")
    assert line.reasons == (
        "priced with 2026 RVUs from secondary sources (unconfirmed)",
        "MPPR: practice expense of 2 unit(s) paid at 50%",
    )


def test_the_golden_visit_does_not_depend_on_line_order() -> None:
    forward = price_lines([L("97530"), L("97112"), L("97110")], on=DOS_2026)
    backward = price_lines([L("97110"), L("97112"), L("97530")], on=DOS_2026)
    assert backward.total == forward.total
    assert backward.lines[2].payable == _money("35.07")


# -- status, coverage and missing data -----------------------------------------------------


def test_bundled_invalid_and_noncovered_codes_pay_nothing() -> None:
    estimate = price_lines(
        [L("97010"), L("97014"), L("20560"), L("97110")],
        on=dt.date(2025, 5, 1),
        noncovered_codes={"20560"},
    )
    bundled, invalid, needling, exercise = estimate.lines
    assert bundled.payable == invalid.payable == needling.payable == _money("0.00")
    assert "bundled" in bundled.reasons[0] and bundled.status == "B"
    assert "not valid for Medicare" in invalid.reasons[0]
    assert "not covered" in needling.reasons[0] and needling.status == "A"
    assert exercise.payable == estimate.total and estimate.complete


def test_restricted_carrier_priced_and_unknown_codes_have_no_estimate() -> None:
    estimate = price_lines([L("97026"), L("97039"), L("99999"), L("97110")], on=dt.date(2025, 5, 1))
    restricted, carrier, unknown, exercise = estimate.lines
    assert restricted.payable is None and restricted.full is None and "MAC" in restricted.reasons[0]
    assert carrier.payable is None and "carrier-priced" in carrier.reasons[0]
    assert unknown.payable is None and "no RVUs" in unknown.reasons[0]
    assert not estimate.complete
    assert estimate.total == exercise.payable


def test_2026_lines_without_a_full_split_use_the_2025_rvus_and_say_so() -> None:
    estimate = price_lines([L("97140")], on=DOS_2026)
    (line,) = estimate.lines
    assert line.rvu_year == 2025
    assert any("2025 RVUs" in reason for reason in line.reasons)
    # 2025 RVUs (0.43 + 0.40 + 0.01 = 0.84) at the 2026 factor.
    assert line.full == (Decimal("0.84") * Decimal("33.4009")).quantize(Decimal("0.01"))


def test_a_date_without_a_conversion_factor_prices_nothing() -> None:
    estimate = price_lines([L("97110")], on=dt.date(2027, 1, 4))
    assert estimate.conversion_factor is None and not estimate.complete
    assert estimate.total == 0 and "no conversion factor" in estimate.notes[0]


# -- CQ/CO, MPPR dates, locality, APM -------------------------------------------------------


def test_cq_lines_are_paid_at_85_percent_after_the_mppr_from_2022() -> None:
    lines = [L("97530", 1, ("GP",)), L("97110", 2, ("GP", "CQ"))]
    before = price_lines(lines, on=dt.date(2021, 12, 31))
    assert before.assistant_total == 0
    after = price_lines(lines, on=dt.date(2022, 1, 3))
    cq = after.lines[1]
    assert cq.assistant_reduction > 0
    expected = ((cq.full or 0) - cq.mppr_reduction) * Decimal("0.15")
    assert abs(cq.assistant_reduction - expected) <= Decimal("0.01")
    assert cq.reasons[-1] == "CQ/CO: paid at 85% of the fee schedule"
    assert after.total < after.full_total - after.mppr_total


def test_mppr_is_not_applied_without_a_rate_in_force() -> None:
    no_rate = attrs.evolve(
        T, payment_factors=tuple(f for f in T.payment_factors if f.name != "mppr_pe_reduction")
    )
    estimate = price_lines([L("97110", 3)], on=DOS_2026, tables=no_rate)
    assert estimate.total == estimate.full_total == _money("87.18")


def test_a_payment_share_above_one_is_a_data_error() -> None:
    bad = PaymentFactor("assistant_payment_factor", dt.date(2022, 1, 1), value=Decimal("1.5"))
    tables = attrs.evolve(T, payment_factors=(bad,))
    with pytest.raises(DataError, match="assistant_payment_factor"):
        price_lines([L("97110")], on=DOS_2026, tables=tables)


def test_locality_gpcis_apply_and_a_later_year_is_noted() -> None:
    day = dt.date(2025, 6, 2)
    national = price_lines([L("97110")], on=day)
    alabama = price_lines([L("97110")], on=day, locality="AL-00")
    assert alabama.locality == "AL-00" and alabama.gpci_year == 2025
    # Alabama: work 1.000, PE 0.869, MP 0.575 -> (0.45 + 0.43 x 0.869 + 0.01 x 0.575) x 32.3465
    expected = (
        Decimal("0.45") + Decimal("0.43") * Decimal("0.869") + Decimal("0.01") * Decimal("0.575")
    ) * Decimal("32.3465")
    assert alabama.total == expected.quantize(Decimal("0.01"))
    assert alabama.total < national.total
    assert price_lines([L("97110")], on=day, locality="10112-00").total == alabama.total
    later = price_lines([L("97110")], on=DOS_2026, locality="AL-00")
    assert later.gpci_year == 2025 and "GPCIs of 2025" in later.notes[0]


def test_an_unknown_locality_is_invalid_and_not_echoed() -> None:
    with pytest.raises(InvalidVisit) as info:
        price_lines([L("97110")], on=DOS_2026, locality="Springfield clinic")
    assert info.value.path == "locality" and "Springfield" not in str(info.value)
    with pytest.raises(InvalidVisit):
        price_lines([L("97110")], on=DOS_2026, locality="ZZ-99")


def test_qualifying_apm_participants_get_their_own_2026_factor() -> None:
    estimate = price_lines([L("97110")], on=DOS_2026, apm=True)
    assert estimate.conversion_factor == _money("33.5675") and estimate.apm


def test_secondary_source_conversion_factors_are_flagged() -> None:
    estimate = price_lines([L("97110")], on=dt.date(2024, 3, 9))
    assert estimate.conversion_factor == _money("33.2875")
    assert any("conversion factor 33.2875" in item for item in estimate.unconfirmed)


# -- input validation ----------------------------------------------------------------------


def test_line_inputs_validate_and_normalise() -> None:
    line = L(" 97110 ", 2, ["gp", "cq"])
    assert (line.code, line.units, line.modifiers) == ("97110", 2, ("GP", "CQ"))
    with pytest.raises(InvalidVisit, match="units"):
        L("97110", 0)
    with pytest.raises(InvalidVisit, match="code"):
        L("9711")
    with pytest.raises(InvalidVisit, match=r"modifiers\[1\]"):
        L("97110", 1, ("GP", "GPX"))


def test_any_line_like_object_can_be_priced_and_is_checked_with_its_path() -> None:
    duck = SimpleNamespace(code="97110", units=1, modifiers=("GP",))
    assert price_lines([duck], on=DOS_2026).total == price_lines([L("97110")], on=DOS_2026).total
    bad = [duck, SimpleNamespace(code="97110", units=0, modifiers=())]
    with pytest.raises(InvalidVisit) as info:
        price_lines(bad, on=DOS_2026)
    assert info.value.path == "lines[1].units"
    with pytest.raises(InvalidVisit) as info:
        price_lines([SimpleNamespace(code="97110", units=1, modifiers="GP")], on=DOS_2026)
    assert info.value.path == "lines[0].modifiers"
    with pytest.raises(InvalidVisit) as info:
        price_lines([SimpleNamespace(code=97110, units=1, modifiers=())], on=DOS_2026)
    assert info.value.path == "lines[0].code"
    with pytest.raises(InvalidVisit) as info:
        price_lines([L("97110")], on=dt.datetime(2026, 3, 2, 9, 0))  # type: ignore[arg-type]
    assert info.value.path == "on"


def test_estimate_is_exported_and_displays_escaped_html() -> None:
    assert ptcpt.Estimate is Estimate
    estimate = price_lines([L("97110", 2, ("GP",)), L("97026")], on=DOS_2026, locality="AL-00")
    page = estimate._repr_html_()
    assert "<table>" in page and "$" in page and "locality AL-00" in page
    assert "some lines have no estimate" in page and "<script" not in page
    assert "Unconfirmed inputs" in page


# -- invariants ----------------------------------------------------------------------------

CODES = ["97110", "97112", "97530", "97140", "97116", "97161", "97164", "97010", "97014", "97026", "20560",
         "G0283", "97750", "95992", "29200", "99999"]  # fmt: skip
MODIFIERS = ["GP", "CQ", "59", "KX"]

lines_strategy = st.lists(
    st.builds(
        PricedLineInput,
        code=st.sampled_from(CODES),
        units=st.integers(1, 4),
        modifiers=st.lists(st.sampled_from(MODIFIERS), unique=True, max_size=3).map(tuple),
    ),
    max_size=6,
)
context_strategy = st.fixed_dictionaries(
    {
        "on": st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31)),
        "locality": st.sampled_from([None, "AL-00", "10112-00", "CA-18", "AK-01"]),
        "apm": st.booleans(),
        "noncovered_codes": st.sampled_from([(), ("20560",)]),
    }
)


def _content(estimate: Estimate) -> list[tuple[object, ...]]:
    return sorted(
        (x.code, x.units, x.modifiers, x.full, x.mppr_reduction, x.assistant_reduction, x.payable)
        for x in estimate.lines
    )


@given(lines_strategy, context_strategy)
def test_estimates_are_never_negative(lines: list[PricedLineInput], context: dict[str, object]) -> None:
    estimate = price_lines(lines, **context)  # type: ignore[arg-type]
    for line in estimate.lines:
        assert line.mppr_reduction >= 0 and line.assistant_reduction >= 0
        assert line.full is None or line.full >= 0
        assert line.payable is None or 0 <= line.payable <= (line.full or 0)
    assert 0 <= estimate.total <= estimate.full_total
    assert estimate.mppr_total >= 0 and estimate.assistant_total >= 0


@given(lines_strategy, st.sampled_from(CODES), st.integers(1, 4), context_strategy)
def test_adding_a_line_never_lowers_the_mppr_free_total(
    lines: list[PricedLineInput], code: str, units: int, context: dict[str, object]
) -> None:
    before = price_lines(lines, **context)  # type: ignore[arg-type]
    after = price_lines([*lines, PricedLineInput(code, units)], **context)  # type: ignore[arg-type]
    assert after.full_total >= before.full_total


@given(lines_strategy, context_strategy, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_line_order(
    lines: list[PricedLineInput], context: dict[str, object], rng: object
) -> None:
    shuffled = list(lines)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    a = price_lines(lines, **context)  # type: ignore[arg-type]
    b = price_lines(shuffled, **context)  # type: ignore[arg-type]
    assert (a.full_total, a.mppr_total, a.assistant_total, a.total) == (
        b.full_total,
        b.mppr_total,
        b.assistant_total,
        b.total,
    )
    assert _content(a) == _content(b)


@given(lines_strategy, context_strategy)
def test_mppr_keeps_exactly_one_full_unit_among_mppr_codes(
    lines: list[PricedLineInput], context: dict[str, object]
) -> None:
    estimate = price_lines(lines, **context)  # type: ignore[arg-type]
    mppr_lines = [
        line
        for line in estimate.lines
        if line.priced and T.mppr_applies(line.code) and line.code not in context["noncovered_codes"]  # type: ignore[operator]
    ]
    reduced = sum(line.mppr_units for line in mppr_lines)
    units = sum(line.units for line in mppr_lines)
    assert reduced == (units - 1 if units else 0)


# -- data age (issue 13 item 9) ---------------------------------------------------------------
def test_every_line_of_a_2026_price_says_what_it_rests_on() -> None:
    # 97116 has no 2026 figure: 2025 RVUs; 97110 has secondary-source 2026 figures.
    estimate = price_lines([L("97116"), L("97110")], on=DOS_2026, tables=T, locality="AL-00")
    reused, secondary = estimate.lines
    assert reused.rvu_year == 2025 and "priced with 2025 RVUs" in reused.reasons[0]
    assert "secondary sources (unconfirmed)" in secondary.reasons[0]
    # No 2026 GPCIs are held: every line says it was priced with 2025's.
    assert all("priced with 2025 GPCIs for a 2026 date of service" in line.reasons for line in estimate.lines)
    assert any("97116 priced with 2025 RVUs for a 2026 date of service" in u for u in estimate.unconfirmed)
    assert any("GPCIs of 2025 used for 2026" in u for u in estimate.unconfirmed)


def test_a_code_without_rvus_makes_the_estimate_incomplete_not_zero() -> None:
    # 97037 (low-level laser, new 2024) has no RVUs in the tables.
    estimate = price_lines([L("97037")], on=dt.date(2025, 3, 12), tables=T)
    assert not estimate.complete and estimate.lines[0].payable is None
    assert "no RVUs for 97037" in estimate.lines[0].reasons[0]
    assert "incomplete" in estimate._repr_html_()
