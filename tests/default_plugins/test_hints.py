"""Reimbursement hints: units the minutes support, the MPPR and the CQ/CO reduction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ptcpt.report import Hint
from ptcpt.testing import make_checker, make_visit
from ptcpt.visit import Line

CHECKER = make_checker()


def hints(*lines: object, payer: str = "medicare", date: str = "2025-03-12") -> dict[str, list[Hint]]:
    found: dict[str, list[Hint]] = {}
    for hint in CHECKER.check(make_visit(*lines, payer=payer, date=date)).hints:
        found.setdefault(hint.rule, []).append(hint)
    return found


def test_units_available_prices_the_missing_unit() -> None:
    [hint] = hints(("97110", 2, 38, ["GP"]))["hint.units-available"]
    assert hint.line == 0 and "support 3" in hint.message
    # The third unit of 97110 is paid with its PE halved (MPPR): (0.45 + 0.215 + 0.01) x 32.3465
    # = 21.83 (to a cent: the hint is the change in the visit's rounded estimate), not the
    # average of the billed units (25.31).
    assert hint.amount is not None and abs(hint.amount - Decimal("21.83")) <= Decimal("0.01")


def test_units_available_follows_the_payer_method() -> None:
    lines = (("97110", 1, 10), ("97116", 1, 10), ("97140", 1, 10), ("97112", 1, 10))
    assert "hint.units-available" not in hints(*lines, payer="commercial")
    short = (("97110", 1, 20), ("97116", 1, 20))
    # 40 min support 3 units and either code may take the third: one visit-level hint.
    tied = hints(*short, payer="medicaid")["hint.units-available"]
    assert len(tied) == 1 and "choice among 97110, 97116" in tied[0].message
    assert "hint.units-available" in hints(("97110", 1, 20), ("97116", 1, 25), payer="medicaid")


def test_no_units_hint_without_minutes_on_every_line() -> None:
    assert "hint.units-available" not in hints(("97110", 1, 38, ["GP"]), ("97110", 1, None, ["GP"]))


def test_mppr_hint_states_the_reduction() -> None:
    [hint] = hints(
        ("97530", 1, 15, ["GP"]), ("97112", 1, 15, ["GP"]), ("97110", 1, 15, ["GP"]), date="2026-02-10"
    )["hint.mppr"]
    # facts.md 6c: $96.86 without MPPR, $82.17 with it.
    assert hint.amount == Decimal("14.70") and hint.line is None


@pytest.mark.parametrize(
    "lines",
    [
        (("97110", 1, 15, ["GP"]),),  # one unit: nothing to reduce
        (("95992", 1, None, ["GP"]), ("97110", 1, 15, ["GP"])),  # 95992 is not an MPPR code
        (("97010", 1, None, ["GP"]), ("97110", 1, 15, ["GP"])),  # 97010 is bundled (status B)
    ],
)
def test_no_mppr_hint_when_nothing_is_reduced(lines: tuple[object, ...]) -> None:
    assert "hint.mppr" not in hints(*lines)


@pytest.mark.parametrize("payer", ["medicaid", "commercial"])
def test_medicare_hints_stay_with_medicare(payer: str) -> None:
    line = Line(code="97110", units=3, minutes=45, modifiers=("GP", "CQ"), assistant_minutes=30)
    found = hints(line, payer=payer)
    assert "hint.mppr" not in found and "hint.assistant-reduction" not in found


def test_assistant_reduction_from_2022_on_the_cq_line() -> None:
    cq = Line(code="97110", units=1, minutes=15, modifiers=("GP", "CQ"), assistant_minutes=10)
    [hint] = hints(("97140", 1, 15, ["GP"]), cq)["hint.assistant-reduction"]
    assert hint.line == 1 and "CQ" in hint.message and hint.amount is not None and hint.amount > 0
    assert "hint.assistant-reduction" not in hints(cq, date="2021-12-31")
    assert "hint.assistant-reduction" in hints(cq, date="2022-01-01")
