"""Conversion between ptcpt's models and plain dicts / JSON, in one place.

Models never know about JSON; this module owns the single cattrs converter that turns
them into plain data and back. Dates are ISO strings, enums their values, tuples lists.

Visits come from other systems, so their converter is strict and hand-written (it is on
the hot path of a batch scrubber): unknown keys, wrong JSON types, malformed dates and
broken JSON all raise :class:`~ptcpt.errors.InvalidVisit` with the path of the field
(``lines[0].colour: unknown field``). :func:`visit_json_schema` describes the same
format for systems that validate before they call ptcpt.

Dicts of Line and Visit are written by functions the converter generates from their
attrs fields, and the key lists are those fields (:data:`ptcpt._visit.LINE_FIELDS`): a new
field of Line needs no edit here. The report's dict form and its compact JSON live in
:mod:`ptcpt._report_json`, the schema in :mod:`ptcpt._visit_schema`; both are re-exported.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.gen import make_dict_unstructure_fn, override

from ptcpt._codes import Code
from ptcpt._report_json import estimate_to_dict, report_to_dict, report_to_json
from ptcpt._visit import (
    LINE_FIELDS,
    VISIT_FIELDS,
    Line,
    Visit,
    YtdAllowed,
    fast_visit,
    show_value,
    under_path,
)
from ptcpt._visit_schema import visit_json_schema
from ptcpt.errors import DataError, InvalidVisit

if TYPE_CHECKING:
    from ptcpt.classifier import Suggestion, Suggestions

__all__ = [
    "code_from_dict",
    "code_to_dict",
    "estimate_to_dict",
    "from_json",
    "report_to_dict",
    "report_to_json",
    "structure",
    "suggestion_to_dict",
    "suggestions_to_list",
    "to_json",
    "visit_from_dict",
    "visit_from_json",
    "visit_json_schema",
    "visit_to_dict",
    "visit_to_json",
]

T = TypeVar("T")


@functools.cache
def _converter() -> cattrs.Converter:
    """The shared converter: strict about unknown keys, ISO dates, tuples as lists."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    # ``int | None``, ``str | None``: written as they are (cattrs would call a function per
    # value to find out), so generated dict writers read the attribute inline.
    conv.register_unstructure_hook_factory(lambda t: _plain_optional(conv, t), lambda _t: identity)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: _parse_date(v))
    # Visits and lines are read by the strict hand-written converter below (on the hot
    # path of a batch: a fast constructor in ptcpt._visit, else the validators), so the
    # generic to_json/from_json and the visit_* functions can never disagree. They are
    # written by functions this converter generates from their attrs fields.
    conv.register_unstructure_hook(Visit, lambda v: visit_to_dict(v))
    conv.register_unstructure_hook(Line, lambda v: _line_to_dict(v))
    conv.register_structure_hook(Visit, lambda v, _: visit_from_dict(v))
    conv.register_structure_hook(Line, lambda v, _: _line_from_dict(v, ""))
    return conv


def _plain_optional(conv: cattrs.Converter, cls: Any) -> bool:
    """True for ``X | None`` where X is written as it is (int, str, bool)."""
    if typing.get_origin(cls) not in (typing.Union, types.UnionType):
        return False
    args = typing.get_args(cls)
    if len(args) != 2 or type(None) not in args:
        return False
    other = args[0] if args[1] is type(None) else args[1]
    return other in (int, str, bool) and conv.get_unstructure_hook(other) == identity


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(f"expected an ISO date such as 2024-07-01, got {type(value).__name__}")


def code_to_dict(code: Code) -> dict[str, Any]:
    """A JSON-ready dict of every field of a code."""
    result: dict[str, Any] = _converter().unstructure(code)
    return result


def code_from_dict(data: dict[str, Any]) -> Code:
    """Rebuild a :class:`Code` from :func:`code_to_dict` output.

    Raises :class:`~ptcpt.errors.DataError` naming each field that is wrong.
    """
    return structure(data, Code)


def structure(data: Any, cls: type[T], *, file: str | None = None, row: int | str | None = None) -> T:
    """``data`` as a ``cls`` through the shared converter; errors name the file, row and field.

    cattrs gathers every error of a record; :func:`cattrs.transform_error` words each with
    its path, and they are raised as one :class:`~ptcpt.errors.DataError` (``file:row
    field: message``, with any further fields after the first), from the cattrs error.
    Visits and lines raise :class:`~ptcpt.errors.InvalidVisit`, as
    :func:`visit_from_dict` does.
    """
    try:
        return _converter().structure(data, cls)
    except cattrs.BaseValidationError as exc:
        found = []
        for text in cattrs.transform_error(exc):
            message, _, path = text.rpartition(" @ $")
            found.append((path.lstrip("."), message or text))
        field, message = found[0]
        more = "".join(f"; {where or 'the record'}: {why}" for where, why in found[1:])
        raise DataError(message + more, file=file, row=row, field=field or None) from exc


def suggestion_to_dict(suggestion: Suggestion) -> dict[str, Any]:
    """A compact JSON-ready dict of a classifier suggestion: the code, not all its facts."""
    return {
        "code": suggestion.code.code,
        "name": suggestion.code.name,
        "score": round(suggestion.score, 4),
        "evidence": list(suggestion.evidence),
    }


def suggestions_to_list(suggestions: Suggestions) -> list[dict[str, Any]]:
    """:func:`suggestion_to_dict` for each suggestion, best first."""
    return [suggestion_to_dict(s) for s in suggestions]


def to_json(value: Any, **kwargs: Any) -> str:
    """JSON text for any ptcpt model (or container of them)."""
    return json.dumps(_converter().unstructure(value), **kwargs)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse JSON text into ``cls`` with the shared converter (errors as :func:`structure`)."""
    return structure(json.loads(text), cls)


# -- visits ----------------------------------------------------------------------------
_VISIT_KEYS = VISIT_FIELDS
_LINE_KEYS = LINE_FIELDS
_VISIT_KEY_SET = frozenset(_VISIT_KEYS)
_LINE_KEY_SET = frozenset(_LINE_KEYS)
#: The fields a caller must give (no default) and, of a visit, those it may leave out.
_VISIT_REQUIRED = tuple(a.name for a in attrs.fields(Visit) if a.default is attrs.NOTHING)
_LINE_REQUIRED = tuple(a.name for a in attrs.fields(Line) if a.default is attrs.NOTHING)
_VISIT_OPTIONAL = tuple(a.name for a in attrs.fields(Visit) if a.default is not attrs.NOTHING)
_decode = json.JSONDecoder(parse_float=Decimal).decode
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _key_name(key: object) -> str:
    """An unknown key as it appears in a path: short keys verbatim, long ones cut."""
    text = key if isinstance(key, str) else repr(key)
    return text if len(text) <= 32 else text[:32] + "..."


def _check_keys(data: dict[str, Any], known: frozenset[str], order: tuple[str, ...], prefix: str) -> None:
    if data.keys() <= known:
        return
    unknown = next(k for k in data if k not in known)
    where = f"{prefix}.{_key_name(unknown)}" if prefix else _key_name(unknown)
    raise InvalidVisit(where, f"unknown field; the fields are {', '.join(order)}")


def _visit_date(value: Any) -> dt.date:
    if isinstance(value, str):
        if _ISO_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise InvalidVisit("date", f"must be an ISO date YYYY-MM-DD, got {show_value(value)}")


def _line_from_dict(data: Any, where: str) -> Line:
    if type(data) is not dict:
        raise InvalidVisit(where, f"a line must be a JSON object, got {show_value(data)}")
    _check_keys(data, _LINE_KEY_SET, _LINE_KEYS, where)
    for key in _LINE_REQUIRED:
        if key not in data:
            raise InvalidVisit(f"{where}.{key}" if where else key, "required field is missing")
    try:
        return Line(**data)
    except InvalidVisit as exc:
        raise under_path(where, exc) if where else exc from None


def visit_from_dict(data: Any) -> Visit:
    """Build a :class:`~ptcpt._visit.Visit` from plain data such as parsed JSON.

    ``date`` is ISO text (``"2025-03-12"``) or a ``datetime.date``; ``lines`` a
    non-empty list of objects; ``ytd_allowed`` a number or plain decimal text (the PT/SLP
    KX bucket) or an object of buckets, ``{"pt_slp": ..., "ot": ...}``. Codes must
    be upper case as billed; modifiers may be lower case (they are upper-cased). Anything
    else raises
    :class:`~ptcpt.errors.InvalidVisit` naming the path, e.g. ``lines[0].colour``.
    """
    if type(data) is not dict:
        raise InvalidVisit("", f"a visit must be a JSON object, got {show_value(data)}")
    fast = fast_visit(data)
    if fast is not None:
        return fast
    _check_keys(data, _VISIT_KEY_SET, _VISIT_KEYS, "")
    for key in _VISIT_REQUIRED:
        if key not in data:
            raise InvalidVisit(key, "required field is missing")
    raw_lines = data["lines"]
    if type(raw_lines) is not list and type(raw_lines) is not tuple:
        raise InvalidVisit("lines", f"must be a JSON array of line objects, got {show_value(raw_lines)}")
    if not raw_lines:
        raise InvalidVisit("lines", "must hold at least one line; a visit bills something")
    lines = [_line_from_dict(item, f"lines[{i}]") for i, item in enumerate(raw_lines)]
    kwargs = {key: data[key] for key in _VISIT_OPTIONAL if key in data}
    return Visit(date=_visit_date(data["date"]), lines=lines, **kwargs)


def _ytd_to_json(value: Decimal | YtdAllowed | None) -> str | dict[str, str | None] | None:
    if value is None:
        return None
    if isinstance(value, YtdAllowed):
        return {
            bucket: None if amount is None else format(amount, "f")
            for bucket, amount in (("pt_slp", value.pt_slp), ("ot", value.ot))
        }
    return format(value, "f")


def _line_to_dict(line: Line) -> dict[str, Any]:
    return (_LINE_WRITER or _writers()[0])(line)


def visit_to_dict(visit: Visit) -> dict[str, Any]:
    """A JSON-ready dict of every field; ``ytd_allowed`` is decimal text, exact to the cent
    (an object of decimal texts when the visit gives KX buckets).

    ``visit_from_dict(visit_to_dict(v)) == v`` for every visit.
    """
    data = (_VISIT_WRITER or _writers()[1])(visit)
    data["lines"] = data.pop("lines")  # last: a reader sees the visit's own fields first
    return data


_LINE_WRITER: Callable[[Line], dict[str, Any]] | None = None
_VISIT_WRITER: Callable[[Visit], dict[str, Any]] | None = None


def _writers() -> tuple[Callable[[Line], dict[str, Any]], Callable[[Visit], dict[str, Any]]]:
    """The converter's dict writers of Line and Visit, generated from their attrs fields
    on first use (one key per field, tuples as lists, optional ints and text inline)."""
    global _LINE_WRITER, _VISIT_WRITER
    conv = _converter()
    line = make_dict_unstructure_fn(Line, conv)
    visit = make_dict_unstructure_fn(
        Visit,
        conv,
        date=override(unstruct_hook=dt.date.isoformat),  # a validated date, never a datetime
        lines=override(unstruct_hook=lambda lines: [line(item) for item in lines]),
        ytd_allowed=override(unstruct_hook=_ytd_to_json),
    )
    _LINE_WRITER, _VISIT_WRITER = line, visit
    return line, visit


def visit_from_json(text: str | bytes) -> Visit:
    """Parse and validate one visit from JSON text.

    Numbers with a fraction are read as ``Decimal``, so ``"ytd_allowed": 1250.10`` is
    exact. Broken JSON raises :class:`~ptcpt.errors.InvalidVisit` with an empty path
    and the position of the error; the text itself is never echoed.
    """
    try:
        if type(text) is str and not text.startswith("\ufeff"):
            data = _decode(text)  # what json.loads does for such text, minus a new decoder
        else:
            data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvalidVisit("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except UnicodeDecodeError as exc:
        raise InvalidVisit("", f"not valid JSON: the bytes are not UTF-8 text (byte {exc.start})") from None
    except RecursionError:
        raise InvalidVisit("", "not valid JSON for a visit: nested too deeply") from None
    except TypeError:
        raise InvalidVisit("", f"JSON text must be str or bytes, got {show_value(text)}") from None
    return visit_from_dict(data)


def visit_to_json(visit: Visit, *, indent: int | None = None) -> str:
    """JSON text for a visit; :func:`visit_from_json` reads it back to an equal visit."""
    return json.dumps(visit_to_dict(visit), indent=indent)
