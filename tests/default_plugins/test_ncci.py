"""ncci.ptp and hint.time-blocks: which windows apply and what releases an edit."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from ptcpt._engine import Checker
from ptcpt._report import Report
from ptcpt.cms import PtpEdit, bundled_tables
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def checker_with(*edits: PtpEdit) -> Checker:
    """The built-in rules over the bundled tables with only ``edits`` as NCCI pairs."""
    tables = attrs.evolve(bundled_tables(), ptp=edits)
    return Checker((), load_entrypoints=False, env={}, tables=tables)


def lines_of(report: Report, rule: str) -> list[int | None]:
    return [f.line for f in report.findings if f.rule == rule] + [
        h.line for h in report.hints if h.rule == rule
    ]


def test_indicator_0_fires_on_the_column_2_line_whatever_the_modifier() -> None:
    for mods in (["GP"], ["GP", "59"], ["GP", "XS"]):
        report = CHECKER.check(make_visit(("97124", 1, 15, mods), ("97140", 1, 15, ["GP"])))
        assert lines_of(report, "ncci.ptp") == [0]
        assert "modifier indicator 0" in report.findings[0].message


@pytest.mark.parametrize("modifier", ["59", "XE", "XS", "XP", "XU"])
def test_each_ncci_modifier_on_column_2_releases_an_indicator_1_edit(modifier: str) -> None:
    visit = make_visit(("97150", 1, None, ["GP"]), ("97110", 1, 15, ["GP", modifier]))
    assert "ncci.ptp" not in CHECKER.check(visit).rules_fired()


@pytest.mark.parametrize("modifier", ["76", "KX", "GA"])
def test_modifiers_that_are_not_ncci_associated_do_not_release_an_edit(modifier: str) -> None:
    visit = make_visit(("97150", 1, None, ["GP"]), ("97110", 1, 15, ["GP", modifier]))
    assert lines_of(CHECKER.check(visit), "ncci.ptp") == [1]


def test_deletion_date_is_the_last_day_in_force() -> None:
    edit = PtpEdit(column1="97140", column2="97530", modifier_indicator=1, deleted=dt.date(2019, 12, 31))
    checker = checker_with(edit)
    lines = (("97140", 1, 15, ["GP"]), ("97530", 1, 15, ["GP"]))
    assert "ncci.ptp" in checker.check(make_visit(*lines, date="2019-12-31")).rules_fired()
    assert "ncci.ptp" not in checker.check(make_visit(*lines, date="2020-01-01")).rules_fired()


def test_effective_date_is_the_first_day_in_force() -> None:
    edit = PtpEdit(column1="97140", column2="97530", modifier_indicator=1, effective=dt.date(2024, 7, 1))
    checker = checker_with(edit)
    lines = (("97140", 1, 15, ["GP"]), ("97530", 1, 15, ["GP"]))
    assert "ncci.ptp" not in checker.check(make_visit(*lines, date="2024-06-30")).rules_fired()
    assert "ncci.ptp" in checker.check(make_visit(*lines, date="2024-07-01")).rules_fired()


def test_indicator_9_windows_never_apply() -> None:
    checker = checker_with(PtpEdit(column1="97140", column2="97530", modifier_indicator=9))
    visit = make_visit(("97140", 1, 15, ["GP"]), ("97530", 1, 15, ["GP"]), date="2010-05-05")
    assert "ncci.ptp" not in checker.check(visit).rules_fired()


def test_strictest_window_wins_when_two_are_in_force() -> None:
    checker = checker_with(
        PtpEdit(column1="97140", column2="97530", modifier_indicator=1),
        PtpEdit(column1="97140", column2="97530", modifier_indicator=0),
    )
    visit = make_visit(("97140", 1, 15, ["GP"]), ("97530", 1, 15, ["GP", "59"]))
    assert lines_of(checker.check(visit), "ncci.ptp") == [1]


def test_one_code_on_several_lines_is_not_a_pair_with_itself() -> None:
    visit = make_visit(("97110", 1, 15, ["GP"]), ("97110", 1, 15, ["GP"]))
    assert "ncci.ptp" not in CHECKER.check(visit).rules_fired()


def test_time_blocks_hint_needs_two_timed_codes_and_a_modifier() -> None:
    timed = make_visit(("97113", 1, 15, ["GP"]), ("97110", 1, 15, ["GP", "59"]))
    assert lines_of(CHECKER.check(timed), "hint.time-blocks") == [1]
    # A supervised modality (97012, untimed) may overlap other services: no time blocks.
    untimed_column1 = make_visit(("97012", 1, None, ["GP"]), ("97140", 1, 15, ["GP", "59"]))
    assert "hint.time-blocks" not in CHECKER.check(untimed_column1).rules_fired()
    no_modifier = make_visit(("97113", 1, 15, ["GP"]), ("97110", 1, 15, ["GP"]))
    assert "hint.time-blocks" not in CHECKER.check(no_modifier).rules_fired()


def test_indicator_0_pairs_get_no_time_block_hint() -> None:
    visit = make_visit(("97140", 1, 15, ["GP"]), ("97124", 1, 15, ["GP", "59"]))
    assert "hint.time-blocks" not in CHECKER.check(visit).rules_fired()


def test_message_names_the_pair_and_the_fix() -> None:
    report = CHECKER.check(make_visit(("97150", 1, None, ["GP"]), ("97110", 1, 15, ["GP"])))
    finding = next(f for f in report.findings if f.rule == "ncci.ptp")
    assert "97150/97110" in finding.message and finding.code == "97110"
    assert finding.fix is not None and "59" in finding.fix


@pytest.mark.parametrize("modifier", ["59", "XU", "XS"])
def test_group_therapy_beside_one_on_one_care_needs_separate_time_periods(modifier: str) -> None:
    # 97150 is untimed, but NCCI's condition for it is the same as for two timed codes
    # (issue 13 item 7): the one-on-one minutes must lie outside the group session.
    visit = make_visit(
        {"code": "97150", "modifiers": ("GP",), "group_size": 4}, ("97110", 2, 30, ["GP", modifier])
    )
    report = CHECKER.check(visit)
    assert lines_of(report, "hint.time-blocks") == [1]
    hint = next(h for h in report.hints if h.rule == "hint.time-blocks")
    assert "separate time periods" in hint.message and "group" in hint.message
    assert hint.amount is None
