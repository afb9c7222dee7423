"""Check a pandas frame of billed lines: :func:`check_frame` and its three result frames.

Reads the frame with :mod:`ptcpt._frame_input`, checks each visit with the engine and
writes the results with :mod:`ptcpt._frame_output`. :mod:`ptcpt._frame_dask` runs the
same :func:`_run` on each partition of a Dask frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt._frame_input import Extra, _read, _require_frame
from ptcpt._frame_output import (
    ESTIMATE_COLUMNS,
    FINDING_COLUMNS,
    VISIT_COLUMNS,
    Money,
    Output,
    _add_estimate,
    _add_report,
    _add_visit,
    _amount,
    _id_dtype,
    _money_dtype,
    _Rows,
    _schema,
)
from ptcpt._report import Severity
from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    import pandas as pd

    from ptcpt._engine import Checker
    from ptcpt._report import Report

__all__ = ["INPUT_INVALID", "FrameCheck", "check_frame"]

#: The rule id of the finding made for a visit the frame could not describe.
INPUT_INVALID = "input.invalid"
_INPUT_PLUGIN = "ptcpt.frames"
_INPUT_FIX = "correct this visit's rows in the frame and check it again"
_LINE_PATH = re.compile(r"lines\[(\d+)\]|line (-?\d+)")


def _add_invalid(findings: _Rows, key: Any, error: InvalidVisit, money: Money) -> None:
    data = findings.data
    match = _LINE_PATH.match(error.path)
    data["visit_id"].append(key)
    data["rule"].append(INPUT_INVALID)
    data["severity"].append(Severity.ERROR.value)
    data["message"].append(str(error))
    data["line"].append(None if match is None else int(match.group(1) or match.group(2)))
    data["code"].append(None)
    data["fix"].append(_INPUT_FIX)
    data["plugin"].append(_INPUT_PLUGIN)
    data["kind"].append("finding")
    data["amount"].append(_amount(None, money))


@attrs.frozen(eq=False)
class FrameCheck:
    """What :func:`check_frame` found: three frames keyed by ``visit_id``.

    ``findings``: one row per finding or hint (``kind``), plus one ``input.invalid``
    error row per visit the frame could not describe; ``estimates``: one row per line of
    every visit with an estimate; ``visits``: one row per visit with its verdict, counts
    and estimated ``total`` (rounded once from exact line figures, so it can differ by a
    cent from the sum of the line ``payable`` column).
    """

    findings: pd.DataFrame
    estimates: pd.DataFrame
    visits: pd.DataFrame

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """Unpack as ``findings, estimates, visits = check_frame(df)``."""
        return iter((self.findings, self.estimates, self.visits))


def _run(
    frame: Any, checker: Checker | None, extra: Extra, money: Money, outputs: frozenset[Output]
) -> dict[Output, pd.DataFrame]:
    _money_dtype(money)
    if checker is None:
        from ptcpt._engine import default_checker

        checker = default_checker()
    findings = _Rows(FINDING_COLUMNS)
    estimates = _Rows(ESTIMATE_COLUMNS)
    visits = _Rows(VISIT_COLUMNS)
    want_estimates = "estimates" in outputs
    want_visits = "visits" in outputs
    for key, visit, numbers in _read(frame, extra):
        report: Report | None = None
        error: InvalidVisit | None = None
        if isinstance(visit, InvalidVisit):
            error = visit
        else:
            try:
                report = checker.check(visit)
            except InvalidVisit as exc:  # e.g. a payer no plugin registers
                error = exc
        if error is not None:
            _add_invalid(findings, key, error, money)
        else:
            assert report is not None
            _add_report(findings, key, report, money, numbers)
            if want_estimates and report.estimate is not None:
                _add_estimate(estimates, key, report.estimate, money, numbers)
        if want_visits:
            _add_visit(visits, key, report, money)
    id_dtype = _id_dtype(frame)
    rows = {"findings": findings, "estimates": estimates, "visits": visits}
    return {name: rows[name].frame(_schema(name, id_dtype, money)) for name in outputs}


def check_frame(
    lines: pd.DataFrame,
    *,
    checker: Checker | None = None,
    extra: Extra = "error",
    money: Money = "float",
) -> FrameCheck:
    """Check every visit in a frame of billed lines; nothing is dropped.

    ``lines`` has one row per billed line (columns in :mod:`ptcpt.frames`).
    ``checker`` defaults to the one ``ptcpt.check`` uses. Returns a :class:`FrameCheck`
    (``findings``, ``estimates``, ``visits``); money is ``float64`` unless
    ``money="decimal"``. Totals per visit: ``result.visits.total``, or
    ``result.estimates.groupby("visit_id").payable.sum()``.
    """
    _require_frame(lines, "check_frame")
    result = _run(lines, checker, extra, money, frozenset(("findings", "estimates", "visits")))
    return FrameCheck(findings=result["findings"], estimates=result["estimates"], visits=result["visits"])
