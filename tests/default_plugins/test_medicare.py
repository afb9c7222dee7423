"""Medicare's code policies: invalid (status I), bundled (status B) and non-covered codes."""

from __future__ import annotations

import pytest

from ptcpt._report import Report, Severity
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def only(report: Report, rule: str) -> list[tuple[int | None, Severity, str]]:
    return [(f.line, f.severity, f.fix or "") for f in report.findings if f.rule == rule]


def test_97014_names_g0283() -> None:
    [(line, severity, fix)] = only(
        CHECKER.check(make_visit(("97014", 1, None, ["GP"]))), "medicare.invalid-code"
    )
    assert (line, severity) == (0, Severity.ERROR) and "G0283" in fix


def test_97127_names_g0515_while_it_existed() -> None:
    report = CHECKER.check(make_visit(("97127", 1, None, ["GP"]), date="2018-03-01"))
    [(_, _, fix)] = only(report, "medicare.invalid-code")
    assert "G0515" in fix


def test_deleted_codes_are_left_to_code_deleted() -> None:
    report = CHECKER.check(make_visit(("97127", 1, None, ["GP"]), date="2020-01-01"))
    assert only(report, "medicare.invalid-code") == []
    assert "code.deleted" in report.rules_fired()


def test_other_status_i_codes_get_a_generic_fix() -> None:
    [(_, _, fix)] = only(CHECKER.check(make_visit(("S8948", 1, 15))), "medicare.invalid-code")
    assert "Medicare code" in fix


@pytest.mark.parametrize("payer", ["medicaid", "commercial"])
def test_policies_are_medicare_only(payer: str) -> None:
    visit = make_visit(("97014", 1), ("97010", 1), ("20560", 1), payer=payer)
    fired = CHECKER.check(visit).rules_fired()
    assert not {"medicare.invalid-code", "medicare.bundled", "medicare.noncovered"} & fired


@pytest.mark.parametrize("code", ["97010", "97602", "98960"])
def test_status_b_codes_are_a_warning_with_no_payment(code: str) -> None:
    report = CHECKER.check(make_visit((code, 1, None, ["GP"])))
    assert [(line, sev) for line, sev, _ in only(report, "medicare.bundled")] == [(0, Severity.WARNING)]
    assert report.estimate is not None and report.estimate.total == 0
    assert report.hints == ()


@pytest.mark.parametrize("code", ["20560", "20561"])
def test_dry_needling_needs_a_notice_modifier(code: str) -> None:
    missing = only(CHECKER.check(make_visit((code, 1, None, ["GP"]))), "medicare.noncovered")
    assert [(line, sev) for line, sev, _ in missing] == [(0, Severity.ERROR)]
    report = CHECKER.check(make_visit((code, 1, None, ["GP", "GX"])))
    assert only(report, "medicare.noncovered") == []
    assert report.estimate is not None and report.estimate.total == 0
    # GA is accepted (a notice was given) but flagged: it is not the non-covered modifier.
    report = CHECKER.check(make_visit((code, 1, None, ["GP", "GA"])))
    assert [(line, sev) for line, sev, _ in only(report, "medicare.noncovered")] == [(0, Severity.WARNING)]
