"""data.age: a visit checked with tables not published for its date of service says so.

Issue 13 item 9 (NCCI/MUE rows of 2024 Q3 on 2026 dates), issue 12 item 8 (a year-9999
date of service) and issue 15 item 7 (1997 claims checked against later statuses): one
mechanism, whatever the visit came from.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from ptcpt._report import Report, Severity
from ptcpt._visit import Visit
from ptcpt.cms import bundled_tables
from ptcpt.testing import make_checker, make_visit
from ptcpt.x12 import visits_from_x12

CHECKER = make_checker()
EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "claims" / "pt_claims.837"


def age(report: Report) -> list[str]:
    return [f.message for f in report.findings if f.rule == "data.age"]


def test_a_2026_visit_on_2024_q3_edits_and_2025_rvus_says_so() -> None:
    report = CHECKER.check(make_visit(("97110", 2, 30, ["GP"]), ("97116", 1, 15, ["GP"]), date="2026-03-02"))
    [message] = age(report)
    assert report.findings[-1].severity is Severity.INFO
    assert message.startswith("checked with data not published for 2026-03-02:")
    assert "CMS's 2024 Q3 NCCI edits and MUEs (older)" in message
    assert "2025 RVUs where no 2026 figure is held" in message
    assert "CMS's 2022 fee-schedule statuses" in message
    # The estimate says so too, line by line.
    assert report.estimate is not None
    assert "priced with 2025 RVUs" in report.estimate.lines[1].reasons[0]
    assert report.ok  # an info finding never blocks a claim


def test_a_visit_inside_the_edit_tables_quarter_is_told_only_about_the_statuses() -> None:
    [message] = age(CHECKER.check(make_visit(("97110", 2, 30, ["GP"]), date="2024-08-01")))
    assert "NCCI" not in message and "MUE" not in message
    assert "CMS's 2022 fee-schedule statuses" in message


def test_a_year_9999_date_of_service_is_covered_by_no_table() -> None:
    report = CHECKER.check(make_visit(("97110", 2, 30, ["GP"]), date="9999-01-01"))
    [message] = age(report)
    assert message.startswith("no fee schedule or edit table covers 9999-01-01")
    assert "no conversion factor" in message
    assert report.estimate is None


def test_a_1997_date_is_checked_with_later_tables_and_no_mues() -> None:
    report = CHECKER.check(make_visit(("97110", 7, 105, ["GP"]), date="1997-05-01"))
    [message] = age(report)
    assert "no MUEs (CMS began them 2007-01-01)" in message
    assert "ended edits dated, begun ones not" in message
    assert "CMS's 2022 fee-schedule statuses" in message
    assert "mue.exceeded" not in report.rules_fired()


def test_edit_findings_name_the_table_they_rest_on() -> None:
    visit = make_visit(
        {"code": "97150", "modifiers": ("GP",), "group_size": 3}, ("97110", 7, 105, ["GP"]), date="2026-03-02"
    )
    report = CHECKER.check(visit)
    for rule in ("ncci.ptp", "mue.exceeded"):
        finding = next(f for f in report.findings if f.rule == rule or rule in f.also)
        assert "CMS's 2024 Q3 table, older than the date of service" in finding.message, rule
        assert "2026-03-02's may differ" in finding.message, rule


def test_an_edit_off_in_mid_2020_is_not_applied_then() -> None:
    # 97150/97110: the earlier window ended 2019-12-31 and the edit came back on 2020-10-01
    # (facts.md 3a, 11): 97110 beside group therapy without 59 on 2020-06-01 is no error.
    lines = ({"code": "97150", "modifiers": ("GP",), "group_size": 3}, ("97110", 2, 30, ["GP"]))
    assert "ncci.ptp" not in CHECKER.check(make_visit(*lines, date="2020-06-01")).rules_fired()
    assert "ncci.ptp" in CHECKER.check(make_visit(*lines, date="2019-12-31")).rules_fired()
    assert "ncci.ptp" in CHECKER.check(make_visit(*lines, date="2020-10-01")).rules_fired()


def test_an_edit_whose_start_the_table_does_not_give_is_a_warning_in_the_gap() -> None:
    # 97530/97535: windows ended 2019-12-31 and 2021-12-31 (facts.md 11); when the second
    # began is not in the table, so mid-2021 is uncertain and its last day is not.
    lines = (("97530", 1, 15, ["GP"]), ("97535", 1, 15, ["GP"]))
    mid = CHECKER.check(make_visit(*lines, date="2021-06-01"))
    [finding] = [f for f in mid.findings if f.rule == "ncci.ptp"]
    assert finding.severity is Severity.WARNING and "is not known" in finding.message
    last = CHECKER.check(make_visit(*lines, date="2021-12-31"))
    assert [f.severity for f in last.findings if f.rule == "ncci.ptp"] == [Severity.ERROR]


def test_claims_read_from_x12_get_the_same_note() -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("DTP*472*D8*2025", "DTP*472*D8*1997")
    visits = [v for _, v in visits_from_x12(io.StringIO(text)) if isinstance(v, Visit)]
    assert visits and all(v.date.year == 1997 for v in visits)
    for visit in visits:
        [message] = age(CHECKER.check(visit))
        assert "CMS's 2022 fee-schedule statuses" in message


def test_a_frame_of_lines_gets_the_same_note() -> None:
    pd = pytest.importorskip("pandas")
    from ptcpt import frames

    frame = pd.DataFrame(
        {"visit_id": ["a"], "date": ["2026-03-02"], "code": ["97110"], "units": [1], "minutes": [15],
         "modifiers": ["GP"]}
    )  # fmt: skip
    result = frames.check_frame(frame, checker=CHECKER)
    assert "data.age" in set(result.findings["rule"])


def test_data_age_of_loaded_tables_follows_their_release() -> None:
    tables = bundled_tables()
    assert tables.release("ptp") is not None
    assert tables.data_age(dt.date(2024, 8, 1), fees=False) == ()
