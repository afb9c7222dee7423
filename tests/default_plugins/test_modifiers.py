"""Modifier rules: GP/GO/GN, conflicts, the CQ/CO de minimis share and KX."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ptcpt._report import Report, Severity
from ptcpt._visit import Line
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def found(report: Report, rule: str) -> list[tuple[int | None, Severity]]:
    return [(f.line, f.severity) for f in report.findings if f.rule == rule]


@pytest.mark.parametrize("discipline", ["GP", "GO", "GN"])
def test_any_discipline_modifier_satisfies_always_therapy(discipline: str) -> None:
    report = CHECKER.check(make_visit(("97110", 1, 15, [discipline])))
    assert found(report, "modifier.therapy-missing") == []


def test_always_therapy_without_discipline_is_an_error_sometimes_a_warning() -> None:
    report = CHECKER.check(make_visit(("97110", 1, 15), ("95992", 1)))
    assert found(report, "modifier.therapy-missing") == [(0, Severity.ERROR), (1, Severity.WARNING)]


def test_codes_off_the_therapy_list_need_no_discipline() -> None:
    assert found(CHECKER.check(make_visit(("S8948", 1, 15))), "modifier.therapy-missing") == []


@pytest.mark.parametrize("payer", ["medicaid", "commercial"])
def test_discipline_rule_is_medicare_only(payer: str) -> None:
    assert found(CHECKER.check(make_visit(("97110", 1, 15), payer=payer)), "modifier.therapy-missing") == []


@pytest.mark.parametrize(
    ("modifiers", "count"),
    [
        (["GP", "GO"], 1),
        (["GP", "GO", "GN"], 1),
        (["GO", "CQ"], 1),
        (["GP", "CO"], 1),
        (["GP", "KX", "GZ"], 1),
        (["GO", "CQ", "KX", "GA"], 2),
        (["GP", "CQ"], 0),
        (["GO", "CO"], 0),
        (["GP", "KX"], 0),
    ],
)
def test_conflicts(modifiers: list[str], count: int) -> None:
    report = CHECKER.check(make_visit(("97110", 1, 15, modifiers)))
    assert len(found(report, "modifier.conflict")) == count


def assistant(minutes: int, by_assistant: int, date: str, modifiers: tuple[str, ...] = ("GP",)) -> Report:
    line = Line(code="97110", units=1, minutes=minutes, modifiers=modifiers, assistant_minutes=by_assistant)
    return CHECKER.check(make_visit(line, date=date))


def test_de_minimis_is_more_than_ten_percent() -> None:
    assert found(assistant(30, 3, "2021-03-01"), "modifier.assistant-missing") == []  # exactly 10 %
    assert found(assistant(30, 4, "2021-03-01"), "modifier.assistant-missing") == [(0, Severity.ERROR)]


def test_from_2022_units_the_therapist_alone_carries_need_no_cq() -> None:
    def line(units: int, minutes: int, by_assistant: int, date: str) -> Report:
        return CHECKER.check(
            make_visit(
                Line(
                    code="97110",
                    units=units,
                    minutes=minutes,
                    modifiers=("GP",),
                    assistant_minutes=by_assistant,
                ),
                date=date,
            )
        )

    # 15 minutes, 4 by the assistant (27 %): the therapist's 11 minutes earn the unit.
    assert found(line(1, 15, 4, "2025-03-12"), "modifier.assistant-missing") == []
    # Before 2022 the share alone decides.
    assert found(line(1, 15, 4, "2021-03-12"), "modifier.assistant-missing") == [(0, Severity.ERROR)]
    # 30 minutes for 2 units, 12 by the assistant: the therapist's 18 minutes carry one unit.
    report = line(2, 30, 12, "2025-03-12")
    assert found(report, "modifier.assistant-missing") == [(0, Severity.ERROR)]
    assert "carry 1 of its 2 unit(s)" in report.findings[0].message
    assert "unconfirmed" in report.findings[0].message


def test_cq_is_required_from_2020() -> None:
    assert found(assistant(15, 10, "2019-12-31"), "modifier.assistant-missing") == []
    assert found(assistant(15, 10, "2020-01-01"), "modifier.assistant-missing") != []


def test_cq_or_co_satisfies_the_rule_and_the_fix_names_the_discipline() -> None:
    assert found(assistant(15, 10, "2025-03-12", ("GP", "CQ")), "modifier.assistant-missing") == []
    report = assistant(15, 10, "2025-03-12", ("GO",))
    assert "no CO" in report.findings[0].message


def test_assistant_rule_is_medicare_only() -> None:
    line = Line(code="97110", units=1, minutes=15, assistant_minutes=15)
    assert (
        "modifier.assistant-missing" not in CHECKER.check(make_visit(line, payer="commercial")).rules_fired()
    )


def kx(ytd: str, modifiers: list[str], date: str = "2025-03-12") -> Report:
    return CHECKER.check(make_visit(("97110", 1, 15, modifiers), date=date, ytd_allowed=ytd))


def test_kx_threshold_counts_this_visit() -> None:
    # 2025: $2,410 (facts.md 5); 97110 x1 is $28.79 nationally.
    visit_amount = CHECKER.check(make_visit(("97110", 1, 15, ["GP"]))).estimate
    assert visit_amount is not None and visit_amount.total == Decimal("28.79")
    assert found(kx("2381.21", ["GP"]), "modifier.kx-missing") == []
    assert found(kx("2381.22", ["GP"]), "modifier.kx-missing") == [(0, Severity.ERROR)]


@pytest.mark.parametrize(
    ("year", "threshold"), [(2018, "2010"), (2022, "2150"), (2024, "2330"), (2026, "2480")]
)
def test_kx_uses_the_year_of_service(year: int, threshold: str) -> None:
    date = f"{year}-06-01"
    # a cent above the threshold before this visit (2018 has no RVUs to price the visit)
    assert found(kx(threshold + ".01", ["GP"], date), "modifier.kx-missing") != []
    assert found(kx("1000", ["GP"], date), "modifier.kx-missing") == []


@pytest.mark.parametrize("modifier", ["KX", "GA", "GZ"])
def test_kx_ga_or_gz_answer_the_threshold(modifier: str) -> None:
    assert found(kx("5000", ["GP", modifier]), "modifier.kx-missing") == []


def test_no_ytd_amount_means_no_kx_check() -> None:
    assert "modifier.kx-missing" not in CHECKER.check(make_visit(("97110", 1, 15, ["GP"]))).rules_fired()


def test_unconfirmed_thresholds_say_so() -> None:
    report = kx("5000", ["GP"], "2025-06-01")
    assert "unconfirmed" in report.findings[0].message
    assert "unconfirmed" not in kx("5000", ["GP"], "2024-06-01").findings[0].message


# -- KX by discipline bucket (issue 13): PT and SLP together, OT apart ------------------------
def bucket_visit(ytd: object, *lines: tuple[str, int, int, list[str]]) -> Report:
    return CHECKER.check(make_visit(*lines, date="2025-06-02", ytd_allowed=ytd))


def test_a_go_line_is_tested_against_ot_spend_not_pt_spend() -> None:
    pt_heavy = {"pt_slp": "2400.00", "ot": "100.00"}
    report = bucket_visit(pt_heavy, ("97110", 1, 15, ["GP"]), ("97530", 1, 15, ["GO"]))
    assert found(report, "modifier.kx-missing") == [(0, Severity.ERROR)]
    assert "physical therapy and speech-language pathology spend" in report.findings[0].message
    ot_heavy = {"pt_slp": "100.00", "ot": "2400.00"}
    report = bucket_visit(ot_heavy, ("97110", 1, 15, ["GP"]), ("97530", 1, 15, ["GO"]))
    assert found(report, "modifier.kx-missing") == [(1, Severity.ERROR)]
    assert "occupational therapy spend" in report.findings[0].message


def test_a_plain_number_is_the_pt_slp_bucket_and_leaves_ot_unknown() -> None:
    report = bucket_visit("2400.00", ("97110", 1, 15, ["GP"]), ("97530", 1, 15, ["GO"]))
    assert found(report, "modifier.kx-missing") == [(0, Severity.ERROR)]
    report = bucket_visit("2400.00", ("97530", 1, 15, ["GO"]))
    assert found(report, "modifier.kx-missing") == []


def test_speech_counts_with_physical_therapy() -> None:
    report = bucket_visit({"pt_slp": "2400.00"}, ("97129", 1, 15, ["GN"]))
    assert found(report, "modifier.kx-missing") == [(0, Severity.ERROR)]


def test_each_bucket_adds_only_its_own_lines_of_this_visit() -> None:
    # $2,390 of OT so far: this visit's $28.79 of PT does not push OT over $2,410.
    report = bucket_visit({"pt_slp": "0", "ot": "2390.00"}, ("97110", 1, 15, ["GP"]), ("97535", 1, 8, ["GO"]))
    assert (
        found(report, "modifier.kx-missing") == [(1, Severity.ERROR)]
        or found(report, "modifier.kx-missing") == []
    )
    ot_line = CHECKER.check(make_visit(("97535", 1, 8, ["GO"]), date="2025-06-02")).estimate
    assert ot_line is not None
    expected = [] if Decimal("2390.00") + ot_line.total <= Decimal("2410") else [(1, Severity.ERROR)]
    assert found(report, "modifier.kx-missing") == expected
