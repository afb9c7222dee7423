"""Golden visits: real-shaped visits and what checking them must (and must not) report.

Each file in ``tests/data/visits/`` holds one visit and its expectations, written from
the domain facts (facts.md and CMS's files), not from what the code happens to print::

    {"description": "what the case is about and which fact it encodes",
     "visit": {...ptcpt visit JSON...},
     "expect": {"errors": ["ncci.ptp@1"], "warnings": [], "hints": ["hint.mppr"],
                "absent": ["units.mismatch"], "ok": false, "estimate_total": "96.86"},
     "xfail": "optional: why the code is known to disagree with the facts"}

``errors``, ``warnings`` and ``hints`` are exact: the rule ids that fire at that level
are exactly the ones listed (a rule merged into another's finding of the same problem,
``Finding.also``, fires on that finding's line); ``error_count`` is the number of error
findings, which shows one problem giving one finding; ``infos``, when given, is exact
for info findings too. ``rule@N`` pins a line: when every entry for a rule is
pinned, the rule must fire on exactly those lines. ``absent`` names rules that must not
fire at all (a reader's reminder of the trap the case sets). ``ok``, ``estimate_total``
(as billed), ``corrected_total`` (the corrected claim; null when nothing needs
correcting) and ``units`` (code -> expected units) are optional. ``plugin.error`` never appears.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ptcpt._engine import PLUGIN_ERROR
from ptcpt._report import Report, Severity
from ptcpt.serialize import visit_from_dict
from ptcpt.testing import make_checker

VISITS = Path(__file__).parent / "data" / "visits"
FILES = sorted(VISITS.glob("*.json"))
CHECKER = make_checker()
_EXPECT_KEYS = frozenset(
    {
        "errors",
        "warnings",
        "hints",
        "absent",
        "ok",
        "estimate_total",
        "corrected_total",
        "units",
        "error_count",
        "infos",
    }
)
_CASE_KEYS = frozenset({"description", "visit", "expect", "xfail"})


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert set(case) <= _CASE_KEYS, f"{path.name}: unknown keys {set(case) - _CASE_KEYS}"
    assert set(case["expect"]) <= _EXPECT_KEYS, f"{path.name}: unknown expect keys"
    assert case.get("description"), f"{path.name}: every case says what it is about"
    return case


def _params() -> list[Any]:
    params = []
    for path in FILES:
        reason = _load(path).get("xfail")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def _split(entry: str) -> tuple[str, int | None]:
    rule, _, line = entry.partition("@")
    return rule, (int(line) if line else None)


def _check_level(name: str, expected: list[str], actual: list[tuple[str, int | None]], why: str) -> None:
    wanted = [_split(e) for e in expected]
    assert {r for r, _ in actual} == {r for r, _ in wanted}, (
        f"{name}: expected rules {sorted({r for r, _ in wanted})}, got {sorted(actual, key=str)}\n{why}"
    )
    for rule in {r for r, _ in wanted}:
        lines = [line for r, line in wanted if r == rule]
        got = {line for r, line in actual if r == rule}
        if all(line is not None for line in lines):
            assert got == set(lines), f"{name}: {rule} expected on lines {sorted(lines)}, got {got}\n{why}"


def _summary(report: Report) -> str:
    return report.summary()


@pytest.mark.parametrize("path", _params())
def test_golden_visit(path: Path) -> None:
    case = _load(path)
    expect = case["expect"]
    visit = visit_from_dict(case["visit"])
    report = CHECKER.check(visit)
    why = _summary(report)

    assert PLUGIN_ERROR not in report.rules_fired(), why
    for name, severity in (("errors", Severity.ERROR), ("warnings", Severity.WARNING)):
        # A rule whose finding was merged into another's report of the same problem
        # (Finding.also) counts as firing on that finding's line.
        actual = [(r, f.line) for f in report.findings if f.severity is severity for r in (f.rule, *f.also)]
        _check_level(name, expect.get(name, []), actual, why)
    if "infos" in expect:
        infos = [(r, f.line) for f in report.infos for r in (f.rule, *f.also)]
        _check_level("infos", expect["infos"], infos, why)
    if "error_count" in expect:
        assert len(report.errors) == expect["error_count"], why
    _check_level("hints", expect.get("hints", []), [(h.rule, h.line) for h in report.hints], why)
    fired = report.rules_fired()
    for rule in expect.get("absent", []):
        assert rule not in fired, f"{rule} must not fire\n{why}"
    if "ok" in expect:
        assert report.ok is expect["ok"], why
    if "estimate_total" in expect:
        assert report.estimate is not None, why
        assert report.estimate.total == Decimal(expect["estimate_total"]), why
    if "corrected_total" in expect:
        corrected = report.corrected_estimate
        if expect["corrected_total"] is None:
            assert corrected is None, why
        else:
            assert corrected is not None, why
            assert corrected.total == Decimal(expect["corrected_total"]), why
    if "units" in expect:
        assert report.units is not None, why
        assert dict(report.units) == expect["units"], why


def test_the_golden_set_is_large_enough_and_covers_every_rule() -> None:
    assert len(FILES) >= 45
    named: set[str] = set()
    payers: set[str] = set()
    for path in FILES:
        case = _load(path)
        payers.add(case["visit"].get("payer", "medicare"))
        for key in ("errors", "warnings", "hints", "infos"):
            named.update(_split(e)[0] for e in case["expect"].get(key, []))
    every_rule = {r.rule.id for r in CHECKER.rules}
    assert every_rule <= named, f"rules no golden case expects: {sorted(every_rule - named)}"
    assert payers >= {"medicare", "medicaid", "commercial"}


def test_golden_visit_ids_are_unique() -> None:
    ids = [_load(path)["visit"].get("id") for path in FILES]
    assert len(ids) == len(set(ids))
