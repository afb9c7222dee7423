"""Session rules: group size for 97150 and one evaluation a day."""

from __future__ import annotations

import pytest

from ptcpt.report import Report
from ptcpt.testing import make_checker, make_visit
from ptcpt.visit import Line

CHECKER = make_checker()


def lines(report: Report, rule: str) -> list[int | None]:
    return [f.line for f in report.findings if f.rule == rule]


@pytest.mark.parametrize(("size", "flagged"), [(None, True), (1, True), (2, False), (8, False)])
def test_group_needs_two_patients(size: int | None, flagged: bool) -> None:
    visit = make_visit(Line(code="97150", modifiers=("GP",), group_size=size))
    assert lines(CHECKER.check(visit), "group.size") == ([0] if flagged else [])


@pytest.mark.parametrize("payer", ["medicare", "medicaid", "commercial"])
def test_group_rule_applies_to_every_payer(payer: str) -> None:
    assert lines(CHECKER.check(make_visit(Line(code="97150"), payer=payer)), "group.size") == [0]


def test_group_size_on_other_codes_is_ignored() -> None:
    visit = make_visit(Line(code="97110", minutes=15, modifiers=("GP",), group_size=1))
    assert lines(CHECKER.check(visit), "group.size") == []


def test_every_evaluation_after_the_first_is_flagged() -> None:
    visit = make_visit(("97161", 1, None, ["GP"]), ("97110", 1, 15, ["GP"]), ("97162",), ("97164",))
    assert lines(CHECKER.check(visit), "evaluation.multiple") == [2, 3]


def test_one_evaluation_is_fine_and_ot_codes_are_not_pt_evaluations() -> None:
    assert lines(CHECKER.check(make_visit(("97163", 1, None, ["GP"]))), "evaluation.multiple") == []
    visit = make_visit(("97163", 1, None, ["GP"]), ("97165", 1, None, ["GO"]))
    assert lines(CHECKER.check(visit), "evaluation.multiple") == []
