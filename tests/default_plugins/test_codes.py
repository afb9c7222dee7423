from __future__ import annotations

from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def rules_on(*lines: object, date: str = "2025-03-12", payer: str = "medicare") -> dict[str, list[str]]:
    report = CHECKER.check(make_visit(*lines, date=date, payer=payer))
    found: dict[str, list[str]] = {}
    for f in report.findings:
        found.setdefault(f.rule, []).append(f.message + " | " + (f.fix or ""))
    return found


def test_unknown_code_suggests_close_ones() -> None:
    found = rules_on(("97111", 1, 15, ["GP"]))
    assert "code.unknown" in found
    assert "97110" in found["code.unknown"][0]


def test_deleted_code_names_the_replacement_in_force() -> None:
    found = rules_on(("97762", 1, 15, ["GP"]), date="2019-05-01")
    assert "code.deleted" in found
    assert "97763" in found["code.deleted"][0]


def test_deleted_code_follows_chains_to_today() -> None:
    found = rules_on(("97532", 1, 15, ["GP"]), date="2021-05-01")
    assert "97129" in found["code.deleted"][0]


def test_deletion_date_boundary() -> None:
    assert "code.deleted" not in rules_on(("97762", 1, 15, ["GP"]), date="2017-12-31")
    assert "code.deleted" in rules_on(("97762", 1, 15, ["GP"]), date="2018-01-01")


def test_not_yet_effective() -> None:
    assert "code.not-yet-effective" in rules_on(("98979", 1, 10), date="2025-12-31")
    assert "code.not-yet-effective" not in rules_on(("98979", 1, 10), date="2026-01-01")
