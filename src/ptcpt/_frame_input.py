"""Frames of billed lines in, visits out: the input half of :mod:`ptcpt.frames`.

The column layout is documented in :mod:`ptcpt.frames` and defined in
:mod:`ptcpt._frame_output`; this module reads it, one visit per group of rows, and turns
every problem into an :class:`~ptcpt.errors.InvalidVisit` naming the visit and field.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable, Hashable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from ptcpt._frame_output import COLUMNS, LINE_COLUMNS, REQUIRED_COLUMNS, VISIT_LEVEL_COLUMNS, Numbers, _pandas
from ptcpt._visit import Line, Visit, YtdAllowed
from ptcpt._visit import parse_money as _money
from ptcpt._visit import parse_ytd_allowed as _ytd_allowed
from ptcpt._visit import show_value as _show
from ptcpt._visit import under_path as _under
from ptcpt.errors import DataError, InvalidVisit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["visits_from_frame"]

Extra = Literal["error", "ignore"]

_WHOLE_COLUMNS = frozenset({"units", "minutes", "group_size", "assistant_minutes"})
_MODIFIER_SPLIT = re.compile(r"[\s,]+")


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
    column layout is in :mod:`ptcpt.frames`; a wrong layout raises ``DataError``.
    """
    _require_frame(frame, "visits_from_frame")
    for key, visit, _ in _read(frame, extra):
        yield key, visit


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
    line_columns = [(c, data[c]) for c in LINE_COLUMNS if c in data]
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
