from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from ptcpt._report import Finding, Hint, Report, Severity


def make_report() -> Report:
    return Report(
        date=dt.date(2025, 3, 12),
        payer="medicare",
        visit_id="v1",
        findings=(
            Finding(rule="b.info", severity="info", message="fyi"),
            Finding(
                rule="a.err",
                severity=Severity.ERROR,
                message="<b>bad</b>",
                line=1,
                code="97110",
                fix="fix it",
            ),
            Finding(rule="c.warn", severity="warning", message="look", line=0),
        ),
        hints=(Hint(rule="hint.x", message="document time", amount=Decimal("12.5")),),
    )


def test_ok_and_partitions() -> None:
    report = make_report()
    assert not report.ok
    assert [f.rule for f in report.errors] == ["a.err"]
    assert [f.rule for f in report.warnings] == ["c.warn"]
    assert [f.rule for f in report.sorted_findings()] == ["a.err", "c.warn", "b.info"]
    assert report.rules_fired() == {"a.err", "b.info", "c.warn", "hint.x"}
    assert attrs.evolve(report, findings=report.findings[:1]).ok


def test_reports_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        make_report().payer = "x"  # type: ignore[misc]


def test_bad_line_index_is_rejected() -> None:
    with pytest.raises(ValueError, match="line"):
        Finding(rule="a.b", severity="error", message="m", line=-1)


def test_to_dict_and_summary() -> None:
    data = make_report().to_dict()
    assert data["ok"] is False and data["hints"][0]["amount"] == "12.5"
    assert data["findings"][1]["severity"] == "error"
    summary = make_report().summary()
    assert summary.splitlines()[0] == "visit v1 on 2025-03-12 for medicare: 1 error(s)"
    assert "($12.50)" in summary


def test_html_is_escaped() -> None:
    html = make_report()._repr_html_()
    assert "<b>bad</b>" not in html and "&lt;b&gt;bad&lt;/b&gt;" in html


def test_claim_lines_name_each_line_by_its_number_in_the_claim() -> None:
    report = attrs.evolve(make_report(), hints=(Hint(rule="hint.x", message="m", line=1),))
    data = report.to_dict(claim_lines=(4, 6))
    assert [(f["line"], f["claim_line"]) for f in data["findings"]] == [(None, None), (1, 6), (0, 4)]
    assert list(data["findings"][1])[:5] == ["rule", "severity", "message", "line", "claim_line"]
    assert data["hints"][0]["claim_line"] == 6
    assert report.to_dict() == {
        **data,
        "findings": [{k: v for k, v in f.items() if k != "claim_line"} for f in data["findings"]],
        "hints": [{k: v for k, v in h.items() if k != "claim_line"} for h in data["hints"]],
    }
    summary = report.summary(claim_lines=(4, 6))
    assert "ERROR   a.err claim line 6 97110: <b>bad</b>" in summary
    assert "WARNING c.warn claim line 4: look" in summary
    assert "HINT    hint.x claim line 6: m" in summary
    assert " line 1" in report.summary() and "claim line" not in report.summary()
    assert '"claim_line": 6' in report.to_json(claim_lines=(4, 6))


def test_a_line_index_past_the_claim_lines_keeps_its_index() -> None:
    report = make_report()
    assert [f["claim_line"] for f in report.to_dict(claim_lines=(4,))["findings"]] == [None, None, 4]
    assert "a.err line 1 97110" in report.summary(claim_lines=(4,))
