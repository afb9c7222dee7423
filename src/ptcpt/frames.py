"""pandas and Dask: check a frame of billed lines, and see ptcpt's objects as frames.

Optional: needs the ``pandas`` extra (``pip install 'ptcpt[pandas]'``) and, for
:func:`check_dask`, the ``dask`` extra. pandas is imported inside the functions, never at
module level, so ``import ptcpt`` (and even ``import ptcpt.frames``) stays light.

The input frame has **one row per billed line**. Its columns (exact names):

================== ========== ===============================================================
column             required   meaning
================== ========== ===============================================================
visit_id           yes        groups rows into visits (text or whole numbers); may be the
                              index instead of a column (``df.set_index("visit_id")``)
line               no         the line's number on the claim (whole numbers, unique within a
                              visit): orders the visit's lines and names them in results
date               yes        date of service: ISO text, ``datetime.date`` or a midnight
                              timestamp (``datetime64``); visit-level
code               yes        the CPT/HCPCS code as text (``"97110"``; read CSV files with
                              ``dtype={"code": str}``)
payer              no         payer profile id; visit-level; default ``"medicare"``
ytd_allowed        no         allowed therapy spend so far this year (for KX): the PT and
                              SLP bucket; a mapping ``{"pt_slp": ..., "ot": ...}`` gives
                              both buckets; visit-level
ytd_allowed_ot     no         the same for the occupational-therapy bucket (Medicare has one
                              KX threshold for PT and SLP together and one for OT); visit-level
units              no         whole number >= 1; default 1
minutes            no         timed minutes of the line
modifiers          no         a list/tuple (``["GP", "59"]``) or text (``"GP,59"`` or
                              ``"GP 59"``)
group_size         no         patients treated together (97150)
assistant_minutes  no         the minutes a PTA furnished
description        no         free text for the classifier
================== ========== ===============================================================

Empty cells (None, NaN, NaT, ``pd.NA``) mean "not given": the line's default applies.
Visit-level columns may be filled on one row of a visit or on all of them; two different
values in one visit make that visit invalid (the message names the visit and column).
``line`` in every result names the line it is about. With a ``line`` column it is that
number, and a visit's rows are checked in its order, so results do not depend on the order
of the rows (a Dask shuffle or ``set_index`` may reorder them). Without one it is the 0-based
position of the row within its visit in frame order, the same key as
``lines.groupby("visit_id", sort=False).cumcount()``. Either way
``lines.merge(findings, on=["visit_id", "line"])`` joins results back to the input rows.

A column the table does not list raises :class:`~ptcpt.errors.DataError` naming it,
unless ``extra="ignore"``. A visit that cannot be built is never dropped: it becomes one
``input.invalid`` error row in the findings.

Money in result frames is ``float64`` dollars by default (what plotting, ``groupby().sum()``
and Parquet want; every amount is a whole number of cents, so round sums to 2 places).
``money="decimal"`` keeps exact :class:`~decimal.Decimal` objects in ``object`` columns
instead, for reconciliation.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ptcpt.errors import DataError, InvalidVisit
from ptcpt.report import Severity
from ptcpt.visit import Line, Visit, YtdAllowed
from ptcpt.visit import parse_money as _money
from ptcpt.visit import parse_ytd_allowed as _ytd_allowed
from ptcpt.visit import show_value as _show
from ptcpt.visit import under_path as _under

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

    from ptcpt.catalogs import Catalog
    from ptcpt.engine import Checker
    from ptcpt.fees import Estimate
    from ptcpt.report import Report

__all__ = [
    "COLUMNS",
    "ESTIMATE_COLUMNS",
    "FINDING_COLUMNS",
    "INPUT_INVALID",
    "REQUIRED_COLUMNS",
    "VISIT_COLUMNS",
    "VISIT_LEVEL_COLUMNS",
    "FrameCheck",
    "catalog_to_frame",
    "check_dask",
    "check_frame",
    "estimate_to_frame",
    "report_to_frame",
    "split_visits",
    "visits_from_frame",
    "visits_to_frame",
]

Money = Literal["float", "decimal"]
Extra = Literal["error", "ignore"]
Output = Literal["findings", "estimates", "visits"]

#: Every input column ptcpt reads; :func:`visits_to_frame` writes all but ``line``.
COLUMNS = (
    "visit_id",
    "line",
    "date",
    "payer",
    "ytd_allowed",
    "ytd_allowed_ot",
    "code",
    "units",
    "minutes",
    "modifiers",
    "group_size",
    "assistant_minutes",
    "description",
)
REQUIRED_COLUMNS = ("visit_id", "date", "code")
#: Columns that describe the visit, not the line: one value per visit.
VISIT_LEVEL_COLUMNS = ("date", "payer", "ytd_allowed", "ytd_allowed_ot")
_LINE_COLUMNS = ("code", "units", "minutes", "modifiers", "group_size", "assistant_minutes", "description")
_WHOLE_COLUMNS = frozenset({"units", "minutes", "group_size", "assistant_minutes"})

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

#: The rule id of the finding made for a visit the frame could not describe.
INPUT_INVALID = "input.invalid"
_INPUT_PLUGIN = "ptcpt.frames"
_INPUT_FIX = "correct this visit's rows in the frame and check it again"
_LINE_PATH = re.compile(r"lines\[(\d+)\]|line (-?\d+)")
_MODIFIER_SPLIT = re.compile(r"[\s,]+")


def _pandas() -> Any:
    """pandas, or an ImportError that says which extra to install."""
    try:
        import pandas
    except ImportError:  # pragma: no cover - the test environment has pandas
        raise ImportError("ptcpt.frames needs pandas: pip install 'ptcpt[pandas]'") from None
    return pandas


# -- reading a frame -----------------------------------------------------------------
def _null_test() -> Callable[[Any], bool]:
    pandas = _pandas()
    na, nat = pandas.NA, pandas.NaT

    def is_null(value: Any) -> bool:
        if value is None or value is na or value is nat:
            return True
        return type(value) is float and math.isnan(value)

    return is_null


def _columns(frame: Any, extra: Extra) -> tuple[str, ...]:
    """The known columns present (``visit_id`` included when it is the index); checks names."""
    if extra not in ("error", "ignore"):
        raise ValueError(f"extra: must be 'error' or 'ignore', got {extra!r}")
    names = list(frame.columns)
    index_name = getattr(frame.index, "name", None)
    present = [n for n in names if n in COLUMNS]
    if "visit_id" not in names and index_name == "visit_id":
        present.append("visit_id")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown and extra == "error":
        shown = ", ".join(_column_name(n) for n in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise DataError(
            f"unknown column(s) {shown}{more}; the columns are {', '.join(COLUMNS)} "
            "(pass extra='ignore' to leave the others out)",
            field="columns",
        )
    missing = [n for n in REQUIRED_COLUMNS if n not in present]
    if missing:
        hint = " (or as the index)" if "visit_id" in missing else ""
        raise DataError(
            f"missing required column(s) {', '.join(missing)}{hint}; the columns are {', '.join(COLUMNS)}",
            field="columns",
        )
    return tuple(present)


def _column_name(name: object) -> str:
    text = name if isinstance(name, str) else repr(name)
    return repr(text if len(text) <= 32 else text[:32] + "...")


def _require_frame(frame: Any, what: str) -> None:
    pandas = _pandas()
    if isinstance(frame, pandas.DataFrame):
        return
    hint = (
        " (use ptcpt.frames.check_dask for a Dask DataFrame)"
        if type(frame).__module__.startswith("dask")
        else ""
    )
    raise TypeError(f"{what} needs a pandas DataFrame of billed lines, got {type(frame).__name__}{hint}")


def _id_text(key: Any) -> str:
    """The Visit.id for a frame key: text as is, whole numbers as their digits."""
    if isinstance(key, str):
        return key
    if isinstance(key, float) and key.is_integer():  # ids stored next to empty cells
        return str(int(key))
    if isinstance(key, bool) or not hasattr(key, "__index__"):
        raise InvalidVisit("visit_id", f"must be text or a whole number, got {_show(key)}")
    return str(key.__index__())


def _show_id(key: Any) -> str:
    if isinstance(key, str) and len(key) <= 64 and key.isprintable():
        return repr(key)
    if isinstance(key, int | float) and not isinstance(key, bool):
        return repr(key)
    return _show(key)


def _value(value: Any) -> str:
    """A parsed visit-level value as a conflict message shows it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return _show(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):  # also pandas.Timestamp
        nanos = getattr(value, "nanosecond", 0)
        if value.time() == dt.time(0) and not nanos:
            return value.date()
        raise InvalidVisit(
            "date", "must be a date, got a timestamp with a time of day (use .dt.normalize() or .dt.date)"
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        from ptcpt.serialize import _visit_date

        return _visit_date(value)
    if type(value).__name__ == "datetime64":
        return _date(_pandas().Timestamp(value))
    raise InvalidVisit("date", f"must be an ISO date YYYY-MM-DD, a date or a timestamp, got {_show(value)}")


def _payer(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise InvalidVisit("payer", f"must be a payer profile id as text such as 'medicare', got {_show(value)}")


def _ytd(value: Any) -> Decimal | YtdAllowed | None:
    return _ytd_allowed(value)


def _ytd_ot(value: Any) -> Decimal | None:
    return _money(value, "ytd_allowed_ot")


_VISIT_PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": _date,
    "payer": _payer,
    "ytd_allowed": _ytd,
    "ytd_allowed_ot": _ytd_ot,
}


def _modifiers(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "(")):
            raise InvalidVisit(
                "modifiers",
                "got a list written as text (Dask turns object columns into text); use "
                "comma-separated text such as 'GP,59', or dask.config.set("
                "{'dataframe.convert-string': False})",
            )
        return tuple(m for m in _MODIFIER_SPLIT.split(text) if m)
    if hasattr(value, "tolist") and not isinstance(value, list | tuple):  # a numpy or arrow array
        value = value.tolist()
    return value


def _whole(value: Any) -> Any:
    """Whole floats (how pandas stores integers next to empty cells) as ints; others as is."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


def _code(value: Any) -> None:
    """Codes read as numbers lose leading zeros and letters: say how to read them as text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise InvalidVisit(
            "code",
            f"must be the code as text such as '97110', got the number {value!r} (read CSV files "
            "with dtype={'code': str} so codes such as 0552T and leading zeros survive)",
        )


def visits_from_frame(
    frame: pd.DataFrame, *, extra: Extra = "error"
) -> Iterator[tuple[Hashable, Visit | InvalidVisit]]:
    """Yield ``(visit_id, Visit or InvalidVisit)`` for every visit in a frame of billed lines.

    Visits come in the order their first row appears; a visit whose rows cannot describe
    a valid visit yields its :class:`~ptcpt.errors.InvalidVisit` (path such as
    ``lines[1].minutes`` or ``payer``) so a caller can report it and carry on. Rows with
    no visit id yield ``(None, InvalidVisit)`` each, naming the row's index label. The
    column layout is in this module's docstring; a wrong layout raises ``DataError``.
    """
    _require_frame(frame, "visits_from_frame")
    for key, visit, _ in _read(frame, extra):
        yield key, visit


#: A visit's line numbers from the ``line`` column, in line order (None without the column).
Numbers = tuple[int, ...] | None


def _read(frame: Any, extra: Extra) -> Iterator[tuple[Hashable, Visit | InvalidVisit, Numbers]]:
    present = _columns(frame, extra)
    is_null = _null_test()
    n = len(frame)
    data: dict[str, list[Any]] = {}
    for name in present:
        if name == "visit_id" and "visit_id" not in frame.columns:
            data[name] = frame.index.tolist()
        else:
            data[name] = frame[name].tolist()
    groups: dict[Any, list[int]] = {}
    orphans: list[tuple[int, Any]] = []
    for position, key in enumerate(data["visit_id"]):
        if is_null(key):
            orphans.append((position, None))
            continue
        try:
            rows = groups.get(key)
        except TypeError:  # an unhashable id such as a list
            orphans.append((position, key))
            continue
        if rows is None:
            groups[key] = [position]
        else:
            rows.append(position)
    if orphans:
        labels = frame.index.tolist() if n else []
        for position, key in orphans:
            what = "is empty" if key is None else f"must be text or a whole number, got {_show(key)}"
            yield (
                None,
                InvalidVisit(
                    "visit_id",
                    f"{what} on the row with index label {_show(labels[position])}; every row needs one",
                ),
                None,
            )
    visit_columns = [c for c in VISIT_LEVEL_COLUMNS if c in data]
    line_columns = [(c, data[c]) for c in _LINE_COLUMNS if c in data]
    numbers_column = data.get("line")
    for key, rows in groups.items():
        try:
            numbers: Numbers = None
            if numbers_column is not None:
                rows, numbers = _order(key, rows, numbers_column, is_null)
            yield key, _build_visit(key, rows, data, visit_columns, line_columns, is_null, numbers), numbers
        except InvalidVisit as exc:
            yield key, exc, None


def _order(
    key: Any, rows: list[int], column: list[Any], is_null: Callable[[Any], bool]
) -> tuple[list[int], tuple[int, ...]]:
    """The visit's rows sorted by their line numbers, and the numbers; both checked."""
    numbered: list[tuple[int, int]] = []
    for row in rows:
        raw = _whole(column[row])
        if is_null(raw):
            raise InvalidVisit(
                "line", f"visit {_show_id(key)} has a row without a line number; number all its rows or none"
            )
        if isinstance(raw, bool) or not hasattr(raw, "__index__"):
            raise InvalidVisit("line", f"must be a whole number, got {_show(raw)}")
        numbered.append((raw.__index__(), row))
    numbered.sort(key=lambda pair: pair[0])
    for (a, _), (b, _) in itertools.pairwise(numbered):
        if a == b:
            raise InvalidVisit("line", f"visit {_show_id(key)} has line number {a} twice")
    return [row for _, row in numbered], tuple(number for number, _ in numbered)


def _build_visit(
    key: Any,
    rows: list[int],
    data: dict[str, list[Any]],
    visit_columns: list[str],
    line_columns: list[tuple[str, list[Any]]],
    is_null: Callable[[Any], bool],
    numbers: Numbers,
) -> Visit:
    visit_id = _id_text(key)
    fields: dict[str, Any] = {}
    for column in visit_columns:
        values = data[column]
        parse = _VISIT_PARSERS[column]
        first_raw: Any = None
        first: Any = None
        found = False
        for row in rows:
            raw = values[row]
            if is_null(raw):
                continue
            if not found:
                first_raw, first, found = raw, parse(raw), True
            elif raw is not first_raw and raw != first_raw:
                value = parse(raw)
                if value != first:
                    raise InvalidVisit(
                        column,
                        f"visit {_show_id(key)} has more than one value in column {column} "
                        f"({_value(first)} and {_value(value)}); a visit has one {column}: "
                        "give it on every row or on one",
                    )
        if found:
            fields[column] = first
    if "date" not in fields:
        raise InvalidVisit(
            "date", f"visit {_show_id(key)} has no date on any of its rows; the date is required"
        )
    lines: list[Line] = []
    for index, row in enumerate(rows):
        kwargs: dict[str, Any] = {}
        try:
            for column, values in line_columns:
                raw = values[row]
                if column == "modifiers":
                    if isinstance(raw, str | list | tuple) or hasattr(raw, "tolist"):
                        raw = _modifiers(raw)
                    elif is_null(raw):
                        continue
                elif is_null(raw):
                    continue
                elif column in _WHOLE_COLUMNS:
                    raw = _whole(raw)
                elif column == "code":
                    _code(raw)
                kwargs[column] = raw
            if "code" not in kwargs:
                raise InvalidVisit("code", "is empty; every row needs the code it bills")
            lines.append(Line(**kwargs))
        except InvalidVisit as exc:
            where = f"lines[{index}]" if numbers is None else f"line {numbers[index]}"
            raise _under(where, exc) from None
    if "ytd_allowed_ot" in fields:
        ot = fields.pop("ytd_allowed_ot")
        pt_slp = fields.get("ytd_allowed")
        if isinstance(pt_slp, YtdAllowed):
            raise InvalidVisit(
                "ytd_allowed_ot",
                f"visit {_show_id(key)} gives its buckets as a mapping in ytd_allowed and in "
                "ytd_allowed_ot: give the OT bucket in one place",
            )
        fields["ytd_allowed"] = YtdAllowed(pt_slp=pt_slp, ot=ot)
    try:
        return Visit(lines=lines, id=visit_id, **fields)
    except InvalidVisit as exc:
        if exc.path == "id":
            raise InvalidVisit("visit_id", exc.reason) from None
        raise


def visits_to_frame(visits: Iterable[Visit]) -> pd.DataFrame:
    """A frame of billed lines (the :func:`visits_from_frame` layout) from visits.

    Visit-level columns are repeated on every row; modifiers are tuples, dates
    ``datetime64``, ``ytd_allowed`` (PT/SLP) and ``ytd_allowed_ot`` exact ``Decimal``
    objects. Visits without an id get
    their position in ``visits`` as text, so their rows still group.
    """
    pandas = _pandas()
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS if name != "line"}
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
            columns["code"].append(line.code)
            columns["units"].append(line.units)
            columns["minutes"].append(line.minutes)
            columns["modifiers"].append(line.modifiers)
            columns["group_size"].append(line.group_size)
            columns["assistant_minutes"].append(line.assistant_minutes)
            columns["description"].append(line.description)
    frame: pd.DataFrame = pandas.DataFrame(
        {
            "visit_id": pandas.Series(columns["visit_id"], dtype=pandas.StringDtype()),
            "date": pandas.Series(pandas.to_datetime(columns["date"]), dtype="datetime64[ns]"),
            "payer": pandas.Series(columns["payer"], dtype=pandas.StringDtype()),
            "ytd_allowed": pandas.Series(columns["ytd_allowed"], dtype=object),
            "ytd_allowed_ot": pandas.Series(columns["ytd_allowed_ot"], dtype=object),
            "code": pandas.Series(columns["code"], dtype=pandas.StringDtype()),
            "units": pandas.Series(columns["units"], dtype="int64"),
            "minutes": pandas.Series(columns["minutes"], dtype="Int64"),
            "modifiers": pandas.Series(columns["modifiers"], dtype=object),
            "group_size": pandas.Series(columns["group_size"], dtype="Int64"),
            "assistant_minutes": pandas.Series(columns["assistant_minutes"], dtype="Int64"),
            "description": pandas.Series(columns["description"], dtype=pandas.StringDtype()),
        }
    )
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


def _id_dtype(frame: Any) -> Any:
    if "visit_id" in frame.columns:
        return frame["visit_id"].dtype
    return frame.index.dtype


def _run(
    frame: Any, checker: Checker | None, extra: Extra, money: Money, outputs: frozenset[Output]
) -> dict[Output, pd.DataFrame]:
    _money_dtype(money)
    if checker is None:
        from ptcpt.engine import default_checker

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

    ``lines`` has one row per billed line (columns in this module's docstring).
    ``checker`` defaults to the one ``ptcpt.check`` uses. Returns a :class:`FrameCheck`
    (``findings``, ``estimates``, ``visits``); money is ``float64`` unless
    ``money="decimal"``. Totals per visit: ``result.visits.total``, or
    ``result.estimates.groupby("visit_id").payable.sum()``.
    """
    _require_frame(lines, "check_frame")
    result = _run(lines, checker, extra, money, frozenset(("findings", "estimates", "visits")))
    return FrameCheck(findings=result["findings"], estimates=result["estimates"], visits=result["visits"])


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
    """One row per code, one column per :class:`~ptcpt.codes.Code` field.

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


# -- Dask ------------------------------------------------------------------------------
def _check_partition(
    part: pd.DataFrame,
    checker_factory: Callable[[], Checker] | None,
    extra: Extra,
    money: Money,
    output: Output,
) -> pd.DataFrame:
    checker = checker_factory() if checker_factory is not None else None
    return _run(part, checker, extra, money, frozenset((output,)))[output]


def check_dask(
    lines: dd.DataFrame,
    *,
    checker_factory: Callable[[], Checker] | None = None,
    output: Output = "findings",
    extra: Extra = "error",
    money: Money = "float",
) -> dd.DataFrame:
    """:func:`check_frame` on every partition of a Dask DataFrame, lazily.

    Every line of a visit must be in the same partition: ``lines.set_index("visit_id")``
    guarantees it (:func:`split_visits` finds visits that are split). ``output`` picks
    the frame (``"findings"``, ``"estimates"`` or ``"visits"``); each one checks the
    data once when computed. ``checker_factory`` builds the Checker on the worker, once
    per partition (a picklable top-level function or partial; after a process's first
    Checker, another costs about a millisecond); by default each worker process uses its
    default checker. Column problems raise here, before any computation. A visit split
    across partitions is not detected here (that needs a pass over the data).
    """
    import dask.dataframe as dd

    if not isinstance(lines, dd.DataFrame):
        raise TypeError(f"check_dask needs a dask DataFrame, got {type(lines).__name__}")
    if output not in ("findings", "estimates", "visits"):
        raise ValueError(f"output: must be 'findings', 'estimates' or 'visits', got {output!r}")
    _columns(lines._meta, extra)
    meta = _Rows(_OUTPUT_COLUMNS[output]).frame(_schema(output, _id_dtype(lines._meta), money))
    map_partitions: Any = lines.map_partitions  # untyped in dask
    result: dd.DataFrame = map_partitions(
        _check_partition, checker_factory, extra, money, output, meta=meta, align_dataframes=False
    )
    return result


_OUTPUT_COLUMNS: dict[Output, tuple[str, ...]] = {
    "findings": FINDING_COLUMNS,
    "estimates": ESTIMATE_COLUMNS,
    "visits": VISIT_COLUMNS,
}


def _partition_ids(part: pd.DataFrame) -> pd.Series[Any]:
    ids = part["visit_id"] if "visit_id" in part.columns else part.index.to_series()
    unique: pd.Series[Any] = ids.drop_duplicates().reset_index(drop=True).rename("visit_id")
    return unique


def split_visits(lines: dd.DataFrame) -> list[Any]:
    """The visit ids whose rows sit in more than one partition (computes; empty is good).

    Reads only the ``visit_id`` column. Run it before :func:`check_dask` on data that was
    not partitioned by visit; ``set_index("visit_id")`` fixes any split it finds.
    """
    pandas = _pandas()
    meta = pandas.Series([], dtype=_id_dtype(lines._meta), name="visit_id")
    map_partitions: Any = lines.map_partitions  # untyped in dask
    ids = map_partitions(_partition_ids, meta=meta)
    counts = ids.value_counts().compute()
    return sorted(counts[counts > 1].index.tolist(), key=repr)
