"""How findings combine: one finding per problem, and the claim as billed and corrected."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest

import ptcpt
from ptcpt._claims import capped, claim_changes, one_per_problem
from ptcpt._report import Correction, Finding, Severity
from ptcpt.serialize import report_to_dict, report_to_json
from ptcpt.testing import make_checker, make_visit

CHECKER = make_checker()


def _finding(
    rule: str, severity: str = "error", problem: str | None = "units:97161", **kw: object
) -> Finding:
    return Finding(rule, severity, f"{rule} says so", 0, "97161", problem=problem, **kw)  # type: ignore[arg-type]


def test_findings_without_a_problem_key_are_kept_as_they_are() -> None:
    findings = (_finding("a.one", problem=None), _finding("a.two", problem=None))
    assert one_per_problem(findings) == findings


def test_one_finding_per_problem_the_most_severe_naming_the_others() -> None:
    merged = one_per_problem(
        (
            _finding("a.warn", "warning"),
            _finding("b.other", problem="line:3:paired"),
            _finding("c.error"),
        )
    )
    assert [f.rule for f in merged] == ["c.error", "b.other"]
    assert merged[0].also == ("a.warn",)
    assert merged[0].message == "c.error says so (the same problem as a.warn)"


def test_the_stricter_correction_wins_among_equals() -> None:
    lenient = _finding("a.lenient", corrections=(Correction(0, 7),))
    strict = _finding("b.strict", corrections=(Correction(0, 6, denied=True),))
    (merged,) = one_per_problem((lenient, strict))
    assert merged.rule == "b.strict" and merged.also == ("a.lenient",)
    # Every error's correction is kept: the claim takes the strictest of them.
    assert set(merged.corrections) == {Correction(0, 7), Correction(0, 6, denied=True)}


def test_capped_keeps_the_first_units_and_leaves_the_rest_off() -> None:
    visit = make_visit(("29540", 1), ("29540", 2), ("29540", 1))
    assert capped(visit, [0, 1, 2], 2, denied=True) == (
        Correction(0, 1, True),
        Correction(1, 1, True),
        Correction(2, 0, True),
    )


def test_claim_changes_ignore_warnings_and_combine_errors() -> None:
    visit = make_visit(("97110", 2, 30, ["GP"]), ("97140", 1, 15, ["GP"]))
    warning = Finding("w.w", Severity.WARNING, "w", 0, corrections=(Correction(0, 0, denied=True),))
    assert claim_changes(visit, (warning,)) is None
    errors = (
        Finding("e.kx", Severity.ERROR, "kx", 0, corrections=(Correction(0, 2, True, add_modifiers="KX"),)),
        Finding("e.units", Severity.ERROR, "u", 0, corrections=(Correction(0, 1),)),
        Finding("e.pair", Severity.ERROR, "p", 1, corrections=(Correction(1, None, True),)),
    )
    changes = claim_changes(visit, errors)
    assert changes is not None
    assert changes.denied == {0: "denied as billed (e.kx)", 1: "denied as billed (e.pair)"}
    assert changes.lines[0].units == 1 and changes.lines[0].modifiers == ("GP", "KX")
    assert changes.undecided == {1: "the note decides how this line is billed (e.pair): no corrected figure"}
    assert changes.left_off == {}


def test_a_corrected_line_is_the_line_evolved() -> None:
    # Fewer units take a shortcut past the converters: the line must be the one
    # attrs.evolve makes, every other field kept.
    line = ptcpt.Line(code="97110", units=4, minutes=40, modifiers=("GP", "CQ"), assistant_minutes=30)
    visit = make_visit(line, date="2025-03-12")
    changes = claim_changes(visit, (Finding("e.u", Severity.ERROR, "u", 0, corrections=(Correction(0, 3),)),))
    assert changes is not None
    (fixed,) = changes.lines
    assert fixed == attrs.evolve(line, units=3) and type(fixed) is ptcpt.Line
    assert ptcpt.serialize.visit_from_dict(ptcpt.serialize.visit_to_dict(attrs.evolve(visit, lines=(fixed,))))


# -- on real-shaped visits -------------------------------------------------------------------
def test_an_evaluation_billed_twice_is_one_problem_paid_nothing_as_billed() -> None:
    report = CHECKER.check(make_visit(("97161", 2, None, ["GP"]), date="2025-03-12"))
    assert len(report.errors) == 1
    assert set(report.errors[0].also) | {report.errors[0].rule} == {"units.untimed-multiple", "mue.exceeded"}
    assert report.rules_fired() >= {"units.untimed-multiple", "mue.exceeded"}
    # Medicare denies a line above an MUE of 1 (MAI 2): nothing is paid as billed.
    assert report.estimate is not None and report.estimate.total == Decimal("0.00")
    assert "denied as billed" in report.estimate.lines[0].reasons[0]
    # The corrected claim bills one evaluation: 3.03 RVUs x $32.3465 in 2025 (facts.md 6a, 11).
    assert report.corrected_estimate is not None
    assert report.corrected_estimate.total == Decimal("98.01")
    assert report.corrected_estimate.lines[0].units == 1


def test_a_clean_visit_has_no_corrected_claim() -> None:
    report = CHECKER.check(make_visit(("97110", 2, 30, ["GP"]), ("97140", 1, 15, ["GP"])))
    assert report.ok and report.corrected_estimate is None
    assert "estimate of the corrected claim" not in report.summary()


def test_a_denied_line_is_not_priced_as_paid_and_takes_no_mppr() -> None:
    # 97163 + 97162: indicator-0 pair; Medicare pays 97163 alone.
    report = CHECKER.check(make_visit(("97163", 1, None, ["GP"]), ("97162", 1, None, ["GP"])))
    estimate = report.estimate
    assert estimate is not None
    assert estimate.lines[1].payable == Decimal("0.00") and estimate.lines[0].mppr_units == 0
    assert estimate.total == Decimal("98.01")
    assert "hint.mppr" not in report.rules_fired()
    assert "estimate as billed: $98.01" in report.summary()


def test_medicare_pays_overbilled_units_as_billed_and_the_corrected_claim_less() -> None:
    # 33 minutes of 97110 support 2 units (CMS example 3 without 97140): 3 are billed.
    report = CHECKER.check(make_visit(("97110", 3, 33, ["GP"])))
    assert report.estimate is not None and report.corrected_estimate is not None
    assert report.estimate.lines[0].units == 3 and report.estimate.lines[0].payable is not None
    assert report.corrected_estimate.lines[0].units == 2
    assert report.corrected_estimate.total < report.estimate.total


def test_a_line_only_the_note_can_settle_has_no_corrected_figure() -> None:
    # 97012/97140 (indicator 1) without 59/X: denied as billed; paid only if the note
    # shows a distinct service, which ptcpt cannot know.
    report = CHECKER.check(make_visit(("97012", 1, None, ["GP"]), ("97140", 1, 15, ["GP"])))
    corrected = report.corrected_estimate
    assert corrected is not None and not corrected.complete
    assert corrected.lines[1].payable is None
    assert "incomplete: line(s) 1 (97140) have no estimate" in report.summary()


def test_the_report_json_carries_both_estimates() -> None:
    report = CHECKER.check(make_visit(("97161", 2, None, ["GP"])))
    data = report_to_dict(report)
    assert data["estimate"]["total"] == "0.00"
    assert data["corrected_estimate"]["total"] == "98.01"
    assert json.loads(report_to_json(report)) == data
    clean = CHECKER.check(make_visit(("97110", 1, 15, ["GP"])))
    assert report_to_dict(clean)["corrected_estimate"] is None
    assert json.loads(report_to_json(clean)) == report_to_dict(clean)


@pytest.mark.parametrize("payer", ["commercial", "medicaid"])
def test_warnings_deny_nothing_for_payers_that_may_not_run_medicares_edits(payer: str) -> None:
    report = CHECKER.check(make_visit(("97110", 7, 105, ["GP"]), payer=payer))
    assert report.ok and report.corrected_estimate is None
    assert report.estimate is not None and report.estimate.lines[0].payable is not None
    assert report.estimate.lines[0].payable > 0


def test_a_plugin_rule_can_key_its_problem_and_correct_the_claim() -> None:
    @ptcpt.rule("acme.one-unit-of-97161", kind="validation")
    def one_unit(visit, ctx):  # type: ignore[no-untyped-def]
        for i, line in enumerate(visit.lines):
            if line.code == "97161" and line.units > 1:
                yield ctx.error(
                    "Acme pays one 97161",
                    line=i,
                    problem="units:97161",
                    corrections=(Correction(i, 1, denied=True),),
                )

    class Plugin:
        @ptcpt.hookimpl
        def ptcpt_register_rules(self, register):  # type: ignore[no-untyped-def]
            register(one_unit)

    report = make_checker(Plugin()).check(make_visit(("97161", 2, None, ["GP"])))
    assert len(report.errors) == 1
    assert report.rules_fired() >= {"acme.one-unit-of-97161", "mue.exceeded", "units.untimed-multiple"}
