from __future__ import annotations

import pytest

from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def fired(*lines: object, payer: str = "medicare") -> set[str]:
    return set(CHECKER.check(make_visit(*lines, payer=payer)).rules_fired())


def test_cms_example_3_billed_right_is_clean() -> None:
    assert "units.mismatch" not in fired(("97110", 2, 33, ["GP"]), ("97140", 1, 7, ["GP"]))


def test_cms_example_3_with_three_units_of_97110_is_a_mismatch() -> None:
    assert "units.mismatch" in fired(("97110", 3, 33, ["GP"]), ("97140", 0 + 1, 7, ["GP"]))


def test_cms_example_2_either_code_may_take_the_second_unit() -> None:
    assert "units.mismatch" not in fired(("97112", 2, 20, ["GP"]), ("97110", 1, 20, ["GP"]))
    assert "units.mismatch" not in fired(("97112", 1, 20, ["GP"]), ("97110", 2, 20, ["GP"]))
    assert "units.mismatch" in fired(("97112", 2, 20, ["GP"]), ("97110", 2, 20, ["GP"]))


def test_ama_method_counts_each_code_on_its_own() -> None:
    lines = (("97110", 1, 10, ["GP"]), ("97116", 1, 10, ["GP"]), ("97140", 1, 10, ["GP"]))
    assert "units.mismatch" not in fired(*lines, payer="commercial")
    assert "units.mismatch" in fired(*lines, payer="medicare")


def test_minutes_missing_is_a_warning() -> None:
    report = CHECKER.check(make_visit(("97110", 2, None, ["GP"])))
    found = [f for f in report.findings if f.rule == "units.minutes-missing"]
    assert found and found[0].severity.value == "warning"


@pytest.mark.parametrize("code", ["97161", "97150", "97010"])
def test_untimed_codes_billed_twice(code: str) -> None:
    assert "units.untimed-multiple" in fired((code, 2, None, ["GP"]))
    assert "units.untimed-multiple" not in fired((code, 1, None, ["GP"]))


def test_untimed_add_on_codes_may_have_several_units() -> None:
    assert "units.untimed-multiple" not in fired(("97597", 1), ("97598", 3))


def test_97129_billed_three_times_for_40_minutes_is_97129_once_and_97130_twice() -> None:
    report = CHECKER.check(make_visit(("97129", 3, 40, ["GP"])))
    assert report.units is not None and dict(report.units) == {"97129": 1, "97130": 2}
    found = [f for f in report.findings if f.rule == "units.mismatch"]
    assert len(found) == 1 and found[0].line == 0
    assert "97129 is the first unit of the service" in found[0].message
    assert found[0].fix is not None and "bill 97129 x1 and 97130 x2" in found[0].fix
    assert "97129 and 97130 are one service (40 min)" in report.summary()


def test_97129_once_and_97130_twice_with_the_minutes_split_is_clean() -> None:
    report = CHECKER.check(make_visit(("97129", 1, 15, ["GP"]), ("97130", 2, 25, ["GP"])))
    assert "units.mismatch" not in report.rules_fired()
    assert "mue.exceeded" not in report.rules_fired()
    assert report.units is not None and dict(report.units) == {"97129": 1, "97130": 2}


def test_acupuncture_follows_its_own_add_on() -> None:
    report = CHECKER.check(make_visit(("97810", 1, 15), ("97811", 2, 25), payer="commercial"))
    assert "units.mismatch" not in report.rules_fired()
    report = CHECKER.check(make_visit(("97810", 3, 40), payer="commercial"))
    assert "units.mismatch" in report.rules_fired()
