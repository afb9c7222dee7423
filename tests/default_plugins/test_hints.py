"""Reimbursement hints: units the minutes support, the MPPR and the CQ/CO reduction."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ptcpt._report import Hint
from ptcpt._visit import Line
from ptcpt.testing import make_checker, make_visit

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


# -- hints that suggest more units respect the MUE and every other rule (issue 13 item 6) -----
def test_no_hint_leads_past_the_mue() -> None:
    # 120 minutes of 97110 support 8 units, but its MUE is 6 a day (facts.md 11): billing 6
    # is already the most; the old hint said "supports 8 ... check the units".
    assert "hint.units-available" not in hints(("97110", 6, 120, ["GP"]))
    checked = CHECKER.check(make_visit(("97110", 6, 120, ["GP"])))
    assert checked.ok


def test_a_hint_below_the_mue_offers_only_what_the_mue_allows() -> None:
    [hint] = hints(("97110", 4, 120, ["GP"]))["hint.units-available"]
    assert (
        "support 8" in hint.message and "its MUE allows 6 a day, so at most 6 can be billed" in hint.message
    )
    # Priced as the two units the MUE leaves, each with its PE halved by the MPPR.
    two_more = CHECKER.check(make_visit(("97110", 6, 120, ["GP"]))).estimate
    four = CHECKER.check(make_visit(("97110", 4, 120, ["GP"]))).estimate
    assert two_more is not None and four is not None
    assert hint.amount == two_more.total - four.total
    # And billing what the hint offers is clean.
    assert CHECKER.check(make_visit(("97110", 6, 120, ["GP"]))).ok


def test_a_hint_never_suggests_units_that_another_rule_would_reject() -> None:
    # $2,380 of PT so far: one unit keeps the year under the 2025 KX threshold ($2,410),
    # the units the minutes support would pass it without KX.
    report = CHECKER.check(make_visit(("97110", 1, 45, ["GP"]), date="2025-06-02", ytd_allowed="2380"))
    assert report.ok
    [hint] = [h for h in report.hints if h.rule == "hint.units-available"]
    assert "billing more would break modifier.kx-missing" in hint.message
    assert hint.amount is None


def test_a_tied_unit_is_offered_only_to_a_code_that_can_take_it() -> None:
    # 35 minutes each of 97035 and 97110: 70 minutes make 5 units, 2 + 2 full and the fifth
    # to either (equal remainders). 97035's MUE is 2 a day (facts.md 11), so only 97110 can
    # take it.
    report = CHECKER.check(make_visit(("97035", 2, 35, ["GP"]), ("97110", 2, 35, ["GP"])))
    [hint] = [h for h in report.hints if h.rule == "hint.units-available"]
    assert "only 97110 can take it (97035 would break a rule)" in hint.message
    assert hint.line == 1
    both_open = CHECKER.check(make_visit(("97112", 1, 20, ["GP"]), ("97110", 1, 20, ["GP"])))
    [hint] = [h for h in both_open.hints if h.rule == "hint.units-available"]
    assert "choice among 97110, 97112" in hint.message


def test_errors_if_the_visits_own_lines_are_the_checks_own_errors() -> None:
    # errors_if answers for the billed lines from the check's validation run (no second
    # run): the answer must be what running the rules again gives.
    import ptcpt

    seen: list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = []

    @ptcpt.rule("acme.errors-if", kind="hint")
    def probe(visit, ctx):  # type: ignore[no-untyped-def]
        own = ctx.errors_if(visit.lines)
        copied = ctx.errors_if(list(visit.lines))
        fresh = ctx._errors_if(visit, ctx.payer, visit.lines)  # the rules run again
        seen.append(tuple(tuple(f"{f.rule}@{f.line}" for f in found) for found in (own, copied, fresh)))  # type: ignore[arg-type]
        return ()

    class Plugin:
        @ptcpt.hookimpl
        def ptcpt_register_rules(self, register):  # type: ignore[no-untyped-def]
            register(probe)

    checker = make_checker(Plugin())
    for visit in (
        make_visit(("97161", 2, None, ["GP"]), ("97110", 3, 20, ["GP"])),
        make_visit(("97163", 1, None, ["GP"]), ("97162", 1, None, ["GP"]), date="2024-05-01"),
        make_visit(("97110", 2, 30, ["GP"]), date="2025-06-02", ytd_allowed="2400"),
        make_visit(("97110", 2, 30, ["GP"])),
    ):
        report = checker.check(visit)
        own, copied, fresh = seen.pop()
        assert own == copied == fresh == tuple(f"{f.rule}@{f.line}" for f in report.errors)
