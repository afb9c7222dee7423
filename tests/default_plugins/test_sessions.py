"""Session rules: group size for 97150 and one evaluation a day."""

from __future__ import annotations

import pytest

from ptcpt._report import Report
from ptcpt._visit import Line
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def lines(report: Report, rule: str) -> list[int | None]:
    """Lines where ``rule`` reported a problem, alone or merged into another rule's finding."""
    return [f.line for f in report.findings if f.rule == rule or rule in f.also]


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


def test_every_evaluation_but_the_one_ncci_keeps_is_flagged() -> None:
    # NCCI keeps the highest complexity (97162 over 97161, and any evaluation over 97164).
    visit = make_visit(
        ("97161", 1, None, ["GP"]),
        ("97110", 1, 15, ["GP"]),
        ("97162", 1, None, ["GP"]),
        ("97164", 1, None, ["GP"]),
    )
    report = CHECKER.check(visit)
    assert sorted(lines(report, "evaluation.multiple")) == [0, 3]  # type: ignore[type-var]
    # The same lines are NCCI's column 2 lines: one finding each, naming both rules.
    assert sorted(f.line for f in report.errors) == [0, 3]  # type: ignore[type-var]


def test_a_commercial_plans_evaluation_pair_is_one_error_and_no_separate_warning() -> None:
    visit = make_visit(("97163", 1, None, ["GP"]), ("97162", 1, None, ["GP"]), payer="commercial")
    report = CHECKER.check(visit)
    assert [(f.rule, f.severity.value, f.line) for f in (*report.errors, *report.warnings)] == [
        ("evaluation.multiple", "error", 1)
    ]
    assert report.errors[0].also == ("ncci.ptp",)


def test_one_evaluation_is_fine_and_ot_codes_are_not_pt_evaluations() -> None:
    assert lines(CHECKER.check(make_visit(("97163", 1, None, ["GP"]))), "evaluation.multiple") == []
    visit = make_visit(("97163", 1, None, ["GP"]), ("97165", 1, None, ["GO"]))
    assert lines(CHECKER.check(visit), "evaluation.multiple") == []
