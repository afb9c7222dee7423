"""The built-in payer profiles, each behaviour shown on a real-shaped visit.

What each profile assumes, and the source, is in ``data/SOURCES.md``; these tests hold
the rules to it: Medicare's edits are errors for Medicare and Medicare Advantage and
warnings elsewhere, GP/GO/GN, CQ/CO and KX apply where the profile says, the unit
method is the profile's, and workers' compensation is priced as "no fee schedule".
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ptcpt
from ptcpt._report import Report, Severity
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()
BUILTIN = ("medicare", "medicare_advantage", "medicaid", "commercial", "workers_comp", "tricare")
EDITS_AS_ERRORS = ("medicare", "medicare_advantage")
EDITS_AS_WARNINGS = ("medicaid", "commercial", "workers_comp", "tricare")


def severities(report: Report, rule: str) -> list[Severity]:
    return [f.severity for f in report.findings if f.rule == rule]


def test_the_six_built_in_profiles_are_registered() -> None:
    assert set(BUILTIN) <= set(CHECKER.payers)
    for payer in BUILTIN:
        profile = CHECKER.payer(payer)
        assert profile.description and profile.source, payer


@pytest.mark.parametrize("payer", BUILTIN)
def test_a_group_session_beside_exercise_without_59_breaks_medicares_edit(payer: str) -> None:
    # 97150 (column 1) / 97110 (column 2), modifier indicator 1, in force (facts.md 11).
    visit = make_visit(
        {"code": "97150", "modifiers": ("GP",), "group_size": 3},
        ("97110", 2, 30, ["GP"]),
        payer=payer,
    )
    report = CHECKER.check(visit)
    found = [f for f in report.findings if f.rule == "ncci.ptp"]
    assert len(found) == 1 and found[0].line == 1
    if payer in EDITS_AS_ERRORS:
        assert found[0].severity is Severity.ERROR and not report.ok
        assert "this payer may differ" not in found[0].message
        assert "older than the date of service" in found[0].message  # 2024 Q3 edits, a 2025 visit
    else:
        assert found[0].severity is Severity.WARNING and report.ok
        assert "Medicare's edit, and this payer may differ" in found[0].message


@pytest.mark.parametrize("payer", BUILTIN)
def test_seven_units_of_exercise_break_the_mue_as_each_profile_says(payer: str) -> None:
    report = CHECKER.check(make_visit(("97110", 7, 105, ["GP"]), payer=payer))
    expected = Severity.ERROR if payer in EDITS_AS_ERRORS else Severity.WARNING
    assert severities(report, "mue.exceeded") == [expected]


def test_a_payer_that_runs_no_medicare_edits_gets_none() -> None:
    quiet = ptcpt.PayerProfile(id="quietco", name="Quiet Co", ncci_edits="off")

    class Plugin:
        @ptcpt.hookimpl
        def ptcpt_register_payers(self, register):  # type: ignore[no-untyped-def]
            register(quiet)

    checker = make_checker(Plugin())
    report = checker.check(make_visit({"code": "97150", "group_size": 3}, ("97110", 7, 105), payer="quietco"))
    assert not {"ncci.ptp", "mue.exceeded", "hint.time-blocks"} & report.rules_fired()


def test_a_commercial_athletic_trainer_evaluation_is_not_told_do_not_bill() -> None:
    report = CHECKER.check(make_visit(("97169", 1), payer="commercial"))
    assert report.ok and "mue.exceeded" not in report.rules_fired()


@pytest.mark.parametrize(
    ("payer", "required"),
    [("medicare", True), ("medicare_advantage", True), ("medicaid", False), ("commercial", False),
     ("workers_comp", False), ("tricare", False)],
)  # fmt: skip
def test_gp_go_gn_apply_where_the_profile_says(payer: str, required: bool) -> None:
    report = CHECKER.check(make_visit(("97110", 2, 30), payer=payer))
    assert ("modifier.therapy-missing" in report.rules_fired()) is required


@pytest.mark.parametrize(
    ("payer", "required"),
    [("medicare", True), ("medicare_advantage", True), ("tricare", True), ("medicaid", False),
     ("commercial", False)],
)  # fmt: skip
def test_cq_applies_where_the_profile_says(payer: str, required: bool) -> None:
    # A PTA furnished 20 of 30 minutes and no unit is carried by the therapist alone.
    line = {"code": "97110", "units": 2, "minutes": 30, "modifiers": ("GP",), "assistant_minutes": 20}
    report = CHECKER.check(make_visit(line, payer=payer))
    assert ("modifier.assistant-missing" in report.rules_fired()) is required


@pytest.mark.parametrize(
    ("payer", "required"),
    [("medicare", True), ("medicare_advantage", False), ("tricare", False), ("commercial", False)],
)
def test_kx_applies_only_where_the_profile_says(payer: str, required: bool) -> None:
    visit = make_visit(("97110", 2, 30, ["GP"]), date="2025-06-02", payer=payer, ytd_allowed="2400.00")
    assert ("modifier.kx-missing" in CHECKER.check(visit).rules_fired()) is required


@pytest.mark.parametrize(
    ("payer", "units"),
    [("medicare", 2), ("medicare_advantage", 2), ("medicaid", 2), ("tricare", 2), ("commercial", 3),
     ("workers_comp", 3)],
)  # fmt: skip
def test_each_profile_counts_units_by_its_method(payer: str, units: int) -> None:
    # 10 minutes each of three codes: 2 units by CMS's total time, 3 by CPT's per code.
    lines = [("97110", 1, 10, ["GP"]), ("97116", 1, 10, ["GP"]), ("97140", 1, 10, ["GP"])]
    report = CHECKER.check(make_visit(*lines, payer=payer))
    assert report.units is not None and report.units.total == units


def test_workers_comp_pays_work_hardening_by_a_state_fee_schedule_ptcpt_does_not_hold() -> None:
    visit = make_visit(("97545", 1, 120), ("97546", 2, 120), payer="workers_comp")
    report = CHECKER.check(visit)
    assert report.ok and not report.errors and not report.warnings
    estimate = report.estimate
    assert estimate is not None and not estimate.complete
    assert all(line.payable is None for line in estimate.lines)
    assert all("does not hold" in line.reasons[0] for line in estimate.lines)
    assert "no estimate" in report.summary()
    # Medicare's status for work hardening (R, restricted) is Medicare's business, not this payer's.
    assert "restricted" not in report.summary()


def test_workers_comp_is_priced_by_a_fee_schedule_a_plugin_registers() -> None:
    schedule = ptcpt.FeeSchedule(id="wc-state", payers={"workers_comp"}, rates={"97545": "180.00"})

    class Plugin:
        @ptcpt.hookimpl
        def ptcpt_register_fee_schedules(self, register):  # type: ignore[no-untyped-def]
            register(schedule)

    report = make_checker(Plugin()).check(
        make_visit(("97545", 1, 120), ("97546", 1, 60), payer="workers_comp")
    )
    assert report.estimate is not None
    assert report.estimate.lines[0].payable == Decimal("180.00")
    assert report.estimate.lines[1].payable is None
    assert report.estimate.total == Decimal("180.00") and not report.estimate.complete


@pytest.mark.parametrize("payer", ["medicare_advantage", "medicaid", "commercial", "tricare"])
def test_other_payers_show_medicares_fee_schedule_as_a_reference(payer: str) -> None:
    report = CHECKER.check(make_visit(("97110", 2, 30, ["GP"]), payer=payer))
    assert report.estimate is not None and report.estimate.total > 0
    assert any("as a reference" in note for note in report.estimate.notes)


# -- per-payer modifier policy ----------------------------------------------------------------
def _checker_with(profile: ptcpt.PayerProfile) -> ptcpt.Checker:
    class Plugin:
        @ptcpt.hookimpl
        def ptcpt_register_payers(self, register):  # type: ignore[no-untyped-def]
            register(profile)

    return make_checker(Plugin())


# 97012 (mechanical traction, column 1) / 97140 (manual therapy, column 2): indicator 1.
def _traction_and_manual(*modifiers: str, payer: str) -> ptcpt.Visit:
    return make_visit(("97012", 1, None, ["GP"]), ("97140", 1, 15, ["GP", *modifiers]), payer=payer)


def test_a_payer_that_wants_x_modifiers_refuses_59() -> None:
    checker = _checker_with(
        ptcpt.PayerProfile(id="xonly", name="X Only", medicare_rules=True, distinct_modifiers="x-only")
    )
    report = checker.check(_traction_and_manual("59", payer="xonly"))
    found = [f for f in report.findings if f.rule == "ncci.ptp"]
    assert len(found) == 1 and found[0].severity is Severity.ERROR
    assert "carries 59, which xonly does not take" in found[0].message
    assert checker.check(_traction_and_manual("XS", payer="xonly")).ok


def test_a_payer_that_wants_59_refuses_the_x_modifiers() -> None:
    checker = _checker_with(
        ptcpt.PayerProfile(id="only59", name="59 Only", medicare_rules=True, distinct_modifiers="59-only")
    )
    report = checker.check(_traction_and_manual("XS", payer="only59"))
    assert "ncci.ptp" in report.rules_fired() and not report.ok
    assert checker.check(_traction_and_manual("59", payer="only59")).ok


def test_anatomic_modifiers_count_where_the_payers_policy_takes_them() -> None:
    assert "ncci.ptp" not in CHECKER.check(_traction_and_manual("RT", payer="medicare")).rules_fired()
    strict = _checker_with(
        ptcpt.PayerProfile(id="strict", name="Strict", medicare_rules=True, anatomic_modifiers=False)
    )
    assert "ncci.ptp" in strict.check(_traction_and_manual("RT", payer="strict")).rules_fired()


def test_strapping_both_ankles_is_two_services_for_a_payer_taking_rt_and_lt() -> None:
    visit = make_visit(("29540", 1, None, ["RT"]), ("29540", 1, None, ["LT"]), payer="commercial")
    report = CHECKER.check(visit)
    assert "units.untimed-multiple" not in report.rules_fired()
    assert severities(report, "mue.exceeded") == [Severity.WARNING]  # Medicare's per-day MUE of 1
    same_side = make_visit(("29540", 1, None, ["RT"]), ("29540", 1, None, ["RT"]), payer="commercial")
    assert "units.untimed-multiple" in CHECKER.check(same_side).rules_fired()
