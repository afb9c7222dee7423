"""Results and values as pandas frames: the output half of :mod:`ptcpt.frames`.

The value objects' ``to_frame`` methods (``Report``, ``Estimate``, ``Catalog``) import
this module lazily, so it imports only values, data and pandas (pandas inside the
functions): never the engine, the input side or the Dask side, and the import graph
reads one way. The frame layouts (input columns included, as :func:`visits_to_frame`
writes them) are defined here, at the bottom of the frame modules, for the same reason.
Every public name is re-exported by :mod:`ptcpt.frames`, which documents the layouts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ptcpt._visit import Line, Visit

if TYPE_CHECKING:
    import pandas as pd

    from ptcpt._catalogs import Catalog
    from ptcpt._report import Report
    from ptcpt.fees import Estimate

__all__ = [
    "COLUMNS",
    "ESTIMATE_COLUMNS",
    "FINDING_COLUMNS",
    "REQUIRED_COLUMNS",
    "VISIT_COLUMNS",
    "VISIT_LEVEL_COLUMNS",
    "catalog_to_frame",
    "estimate_to_frame",
    "report_to_frame",
    "visits_to_frame",
]

Money = Literal["float", "decimal"]
Output = Literal["findings", "estimates", "visits"]
#: A visit's line numbers from the ``line`` column, in line order (None without the column).
Numbers = tuple[int, ...] | None

#: The columns a line's own fields fill: one per :class:`~ptcpt._visit.Line` field.
LINE_COLUMNS = tuple(a.name for a in attrs.fields(Line))
#: Columns that describe the visit, not the line: one value per visit. The
#: :class:`~ptcpt._visit.Visit` fields other than ``id`` (the ``visit_id`` column) and
#: ``lines`` (the rows), then the OT bucket of ``ytd_allowed`` as a column of its own.
VISIT_LEVEL_COLUMNS = (
    *(a.name for a in attrs.fields(Visit) if a.name not in ("id", "lines")),
    "ytd_allowed_ot",
)
#: Every input column ptcpt reads; :func:`visits_to_frame` writes all but ``line``.
COLUMNS = ("visit_id", "line", *VISIT_LEVEL_COLUMNS, *LINE_COLUMNS)
REQUIRED_COLUMNS = ("visit_id", "date", "code")
#: How :func:`visits_to_frame` stores a line field ("string" is pandas' text dtype); a
#: field not named here goes in an ``object`` column.
_LINE_DTYPES: dict[str, Any] = {
    "code": "string",
    "units": "int64",
    "minutes": "Int64",
    "modifiers": object,
    "group_size": "Int64",
    "assistant_minutes": "Int64",
    "description": "string",
}

#: The columns of the findings frame (findings and hints, one row each).
FINDING_COLUMNS = (
    "visit_id",
    "rule",
    "severity",
    "message",
    "line",
    "code",
    "fix",
    "plugin",
    "kind",
    "amount",
)
#: The columns of the estimates frame (one row per priced or unpriced line).
ESTIMATE_COLUMNS = (
    "visit_id",
    "line",
    "code",
    "units",
    "modifiers",
    "full",
    "mppr_reduction",
    "assistant_reduction",
    "payable",
    "status",
    "reasons",
)
#: The columns of the visits frame (one row per visit, valid or not).
VISIT_COLUMNS = (
    "visit_id",
    "valid",
    "ok",
    "date",
    "payer",
    "errors",
    "warnings",
    "hints",
    "total",
    "complete",
)


def _pandas() -> Any:
    """pandas, or an ImportError that says which extra to install."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - the test environment has pandas
        raise ImportError("ptcpt.frames needs pandas: pip install 'ptcpt[pandas]'") from None
    return pandas


def visits_to_frame(visits: Iterable[Visit]) -> pd.DataFrame:
    """A frame of billed lines (the :func:`visits_from_frame` layout) from visits.

    Visit-level columns are repeated on every row; modifiers are tuples, dates
    ``datetime64``, ``ytd_allowed`` (PT/SLP) and ``ytd_allowed_ot`` exact ``Decimal``
    objects. Visits without an id get
    their position in ``visits`` as text, so their rows still group.
    """
    pandas = _pandas()
    text = pandas.StringDtype()
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS if name != "line"}
    line_columns = [(columns[name], attrgetter(name)) for name in LINE_COLUMNS]
    for position, visit in enumerate(visits):
        if not isinstance(visit, Visit):
            raise TypeError(f"visits_to_frame needs ptcpt.Visit objects, got {type(visit).__name__}")
        visit_id = visit.id if visit.id is not None else str(position)
        for line in visit.lines:
            columns["visit_id"].append(visit_id)
            columns["date"].append(visit.date)
            columns["payer"].append(visit.payer)
            columns["ytd_allowed"].append(visit.ytd_for("pt_slp"))
            columns["ytd_allowed_ot"].append(visit.ytd_for("ot"))
            for values, get in line_columns:
                values.append(get(line))
    series: dict[str, Any] = {
        "visit_id": pandas.Series(columns["visit_id"], dtype=text),
        "date": pandas.Series(pandas.to_datetime(columns["date"]), dtype="datetime64[ns]"),
        "payer": pandas.Series(columns["payer"], dtype=text),
        "ytd_allowed": pandas.Series(columns["ytd_allowed"], dtype=object),
        "ytd_allowed_ot": pandas.Series(columns["ytd_allowed_ot"], dtype=object),
    }
    for name in LINE_COLUMNS:
        dtype = _LINE_DTYPES.get(name, object)
        series[name] = pandas.Series(columns[name], dtype=text if dtype == "string" else dtype)
    frame: pd.DataFrame = pandas.DataFrame(series)
    return frame


# -- result frames ---------------------------------------------------------------------
def _money_dtype(money: Money) -> str:
    if money == "float":
        return "float64"
    if money == "decimal":
        return "object"
    raise ValueError(f"money: must be 'float' or 'decimal', got {money!r}")


def _amount(value: Decimal | None, money: Money) -> Any:
    if money == "decimal":
        return value
    return math.nan if value is None else float(value)


class _Rows:
    """Column lists for one result frame, filled row by row and turned into a frame once."""

    __slots__ = ("columns", "data")

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.data: dict[str, list[Any]] = {name: [] for name in columns}

    def frame(self, schema: dict[str, Any]) -> pd.DataFrame:
        pandas = _pandas()
        series: dict[str, Any] = {}
        for name in self.columns:
            values, dtype = self.data[name], schema[name]
            if dtype is object:
                series[name] = pandas.Series(values, dtype=object)
            elif name == "visit_id":  # the input's own dtype, whatever it is
                series[name] = pandas.Series(values, dtype=object).astype(dtype)
            elif dtype == "datetime64[ns]":
                series[name] = pandas.Series(pandas.to_datetime(values), dtype=dtype)
            else:
                series[name] = pandas.Series(values, dtype=dtype)
        frame: pd.DataFrame = pandas.DataFrame(series, columns=list(self.columns))
        return frame


def _schema(output: Output, id_dtype: Any, money: Money) -> dict[str, Any]:
    pandas = _pandas()
    text = pandas.StringDtype()
    cash = _money_dtype(money)
    if output == "findings":
        return {
            "visit_id": id_dtype,
            "rule": text,
            "severity": text,
            "message": text,
            "line": "Int64",
            "code": text,
            "fix": text,
            "plugin": text,
            "kind": text,
            "amount": cash,
        }
    if output == "estimates":
        return {
            "visit_id": id_dtype,
            "line": "int64",
            "code": text,
            "units": "int64",
            "modifiers": object,
            "full": cash,
            "mppr_reduction": cash,
            "assistant_reduction": cash,
            "payable": cash,
            "status": text,
            "reasons": object,
        }
    return {
        "visit_id": id_dtype,
        "valid": "bool",
        "ok": "bool",
        "date": "datetime64[ns]",
        "payer": text,
        "errors": "int64",
        "warnings": "int64",
        "hints": "int64",
        "total": cash,
        "complete": "boolean",
    }


def _line_name(index: int | None, numbers: Numbers) -> int | None:
    """How a result names a line: the frame's line number when it has them, else the index."""
    return index if index is None or numbers is None else numbers[index]


def _add_report(findings: _Rows, key: Any, report: Report, money: Money, numbers: Numbers = None) -> None:
    data = findings.data
    for f in report.findings:
        data["visit_id"].append(key)
        data["rule"].append(f.rule)
        data["severity"].append(f.severity.value)
        data["message"].append(f.message)
        data["line"].append(_line_name(f.line, numbers))
        data["code"].append(f.code)
        data["fix"].append(f.fix)
        data["plugin"].append(f.plugin)
        data["kind"].append("finding")
        data["amount"].append(_amount(None, money))
    for h in report.hints:
        data["visit_id"].append(key)
        data["rule"].append(h.rule)
        data["severity"].append(None)
        data["message"].append(h.message)
        data["line"].append(_line_name(h.line, numbers))
        data["code"].append(h.code)
        data["fix"].append(None)
        data["plugin"].append(h.plugin)
        data["kind"].append("hint")
        data["amount"].append(_amount(h.amount, money))


def _add_estimate(
    estimates: _Rows, key: Any, estimate: Estimate, money: Money, numbers: Numbers = None
) -> None:
    data = estimates.data
    for line in estimate.lines:
        data["visit_id"].append(key)
        data["line"].append(_line_name(line.index, numbers))
        data["code"].append(line.code)
        data["units"].append(line.units)
        data["modifiers"].append(line.modifiers)
        data["full"].append(_amount(line.full, money))
        data["mppr_reduction"].append(_amount(line.mppr_reduction, money))
        data["assistant_reduction"].append(_amount(line.assistant_reduction, money))
        data["payable"].append(_amount(line.payable, money))
        data["status"].append(line.status)
        data["reasons"].append(line.reasons)


def _add_visit(visits: _Rows, key: Any, report: Report | None, money: Money) -> None:
    data = visits.data
    data["visit_id"].append(key)
    if report is None:
        data["valid"].append(False)
        data["ok"].append(False)
        data["date"].append(None)
        data["payer"].append(None)
        data["errors"].append(1)
        data["warnings"].append(0)
        data["hints"].append(0)
        data["total"].append(_amount(None, money))
        data["complete"].append(None)
        return
    estimate = report.estimate
    data["valid"].append(True)
    data["ok"].append(report.ok)
    data["date"].append(report.date)
    data["payer"].append(report.payer)
    data["errors"].append(len(report.errors))
    data["warnings"].append(len(report.warnings))
    data["hints"].append(len(report.hints))
    data["total"].append(_amount(None if estimate is None else estimate.total, money))
    data["complete"].append(None if estimate is None else estimate.complete)


def _id_dtype(frame: Any) -> Any:
    if "visit_id" in frame.columns:
        return frame["visit_id"].dtype
    return frame.index.dtype


# -- ptcpt objects as frames -------------------------------------------------------------
def report_to_frame(report: Report, *, money: Money = "float") -> pd.DataFrame:
    """A report's findings and hints as rows (the columns of the findings frame)."""
    pandas = _pandas()
    rows = _Rows(FINDING_COLUMNS)
    _add_report(rows, report.visit_id, report, money)
    return rows.frame(_schema("findings", pandas.StringDtype(), money))


def estimate_to_frame(estimate: Estimate, *, money: Money = "float") -> pd.DataFrame:
    """An estimate's lines as rows (the estimates frame without ``visit_id``)."""
    pandas = _pandas()
    rows = _Rows(ESTIMATE_COLUMNS)
    _add_estimate(rows, None, estimate, money)
    frame: pd.DataFrame = rows.frame(_schema("estimates", pandas.StringDtype(), money))
    return frame.drop(columns="visit_id")


def catalog_to_frame(catalog: Catalog) -> pd.DataFrame:
    """One row per code, one column per :class:`~ptcpt._codes.Code` field.

    Enums are their text values, dates ``datetime64`` (NaT when open-ended), and the
    tuple fields (``disciplines``, ``replaced_by``, ``add_on_to``, ``examples``,
    ``unconfirmed``) stay tuples in ``object`` columns.
    """
    pandas = _pandas()
    codes = list(catalog)
    text = pandas.StringDtype()

    def column(get: Callable[[Any], Any], dtype: Any) -> Any:
        return pandas.Series([get(c) for c in codes], dtype=dtype)

    def dates(get: Callable[[Any], dt.date | None]) -> Any:
        return pandas.Series(pandas.to_datetime([get(c) for c in codes]), dtype="datetime64[ns]")

    frame: pd.DataFrame = pandas.DataFrame(
        {
            "code": column(lambda c: c.code, text),
            "name": column(lambda c: c.name, text),
            "summary": column(lambda c: c.summary, text),
            "category": column(lambda c: c.category.value, text),
            "timing": column(lambda c: c.timing.value, text),
            "unit_minutes": column(lambda c: c.unit_minutes, "Int64"),
            "one_on_one": column(lambda c: c.one_on_one, "bool"),
            "therapy_list": column(lambda c: None if c.therapy_list is None else c.therapy_list.value, text),
            "disciplines": column(lambda c: c.disciplines, object),
            "effective": dates(lambda c: c.effective),
            "deleted": dates(lambda c: c.deleted),
            "replaced_by": column(lambda c: c.replaced_by, object),
            "add_on_to": column(lambda c: c.add_on_to, object),
            "examples": column(lambda c: c.examples, object),
            "notes": column(lambda c: c.notes, text),
            "unconfirmed": column(lambda c: c.unconfirmed, object),
            "source": column(lambda c: c.source, text),
        }
    )
    return frame


_OUTPUT_COLUMNS: dict[Output, tuple[str, ...]] = {
    "findings": FINDING_COLUMNS,
    "estimates": ESTIMATE_COLUMNS,
    "visits": VISIT_COLUMNS,
}
