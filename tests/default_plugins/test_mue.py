"""mue.exceeded: per-line and per-day limits, and MUE-0 codes."""

from __future__ import annotations

import attrs
import pytest

from ptcpt._engine import Checker
from ptcpt._report import Report
from ptcpt.cms import MueLimit, bundled_tables
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def checker_with(*limits: MueLimit) -> Checker:
    tables = attrs.evolve(bundled_tables(), mue_limits=limits)
    return Checker((), load_entrypoints=False, env={}, tables=tables)


def mue_lines(report: Report) -> list[int | None]:
    return [f.line for f in report.findings if f.rule == "mue.exceeded"]


@pytest.mark.parametrize(("code", "limit"), [("97110", 6), ("97112", 4), ("97140", 6), ("97035", 2)])
def test_cms_values_from_facts_11(code: str, limit: int) -> None:
    at = make_visit((code, limit, limit * 15, ["GP"]))
    above = make_visit((code, limit + 1, (limit + 1) * 15, ["GP"]))
    assert mue_lines(CHECKER.check(at)) == []
    assert mue_lines(CHECKER.check(above)) == [0]


def test_date_of_service_limits_add_units_across_lines() -> None:
    visit = make_visit(("97112", 2, 30, ["GP"]), ("97110", 1, 15, ["GP"]), ("97112", 3, 45, ["GP", "76"]))
    report = CHECKER.check(visit)
    assert mue_lines(report) == [0]
    assert "5 units in the day" in next(f.message for f in report.findings if f.rule == "mue.exceeded")


def test_line_limits_count_each_line_on_its_own() -> None:
    checker = checker_with(MueLimit(code="97110", mue=2, mai=1))
    fine = make_visit(("97110", 2, 30, ["GP"]), ("97110", 2, 30, ["GP", "59"]))
    over = make_visit(("97110", 3, 45, ["GP"]), ("97110", 1, 15, ["GP", "59"]))
    assert mue_lines(checker.check(fine)) == []
    assert mue_lines(checker.check(over)) == [0]


def test_mai_2_is_called_absolute_and_mai_3_appealable() -> None:
    absolute = CHECKER.check(make_visit(("97545", 2, 240, ["GP"])))  # work hardening: MUE 1, MAI 2
    clinical = CHECKER.check(make_visit(("97110", 7, 105, ["GP"])))
    assert "cannot be appealed" in next(f.message for f in absolute.findings if f.rule == "mue.exceeded")
    assert "appealed with records" in next(f.message for f in clinical.findings if f.rule == "mue.exceeded")


def test_codes_without_an_mue_are_not_limited() -> None:
    assert mue_lines(checker_with().check(make_visit(("97110", 12, 180, ["GP"])))) == []


def test_mue_zero_is_left_to_the_medicare_rules_for_medicare() -> None:
    # 97010 (status B) and 97014 (status I) have MUE 0; medicare.bundled / invalid-code say it.
    for code in ("97010", "97014"):
        assert mue_lines(CHECKER.check(make_visit((code, 1, None, ["GP"])))) == []


def test_mue_zero_without_a_medicare_rule_is_reported() -> None:
    report = CHECKER.check(make_visit(("97169", 1, None, ["GP"])))
    assert mue_lines(report) == [0]
    assert "MUE of 0" in report.findings[0].message


def test_mue_zero_of_a_bundled_or_invalid_code_is_left_to_payer_policy() -> None:
    # 97010 (status B) and 97014 (status I) have an MUE of 0 because of Medicare's status;
    # other payers may pay them, and the Medicare rules report them for Medicare.
    assert mue_lines(CHECKER.check(make_visit(("97010", 1), payer="medicaid"))) == []
    assert mue_lines(CHECKER.check(make_visit(("97014", 1), payer="commercial"))) == []


def test_mue_zero_is_medicares_coverage_not_a_limit_for_payers_that_may_pay_the_code() -> None:
    # An athletic-trainer evaluation (97169) has an MUE of 0 for Medicare practitioners;
    # many commercial plans pay it, so for them it is no reason to "not bill".
    for payer in ("medicaid", "commercial", "workers_comp", "tricare"):
        assert mue_lines(CHECKER.check(make_visit(("97169", 1), payer=payer))) == [], payer
    assert mue_lines(CHECKER.check(make_visit(("97169", 1, None, ["GP"]), payer="medicare_advantage"))) == [0]
