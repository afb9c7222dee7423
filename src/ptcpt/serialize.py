"""Conversion between ptcpt's models and plain dicts / JSON, in one place.

Models never know about JSON; this module owns the single cattrs converter that turns
them into plain data and back. Dates are ISO strings, enums their values, tuples lists.

Visits come from other systems, so their converter is strict and hand-written (it is on
the hot path of a batch scrubber): unknown keys, wrong JSON types, malformed dates and
broken JSON all raise :class:`~ptcpt.errors.InvalidVisit` with the path of the field
(``lines[0].colour: unknown field``). :func:`visit_json_schema` describes the same
format for systems that validate before they call ptcpt.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _escape  # what json.dumps uses (C)
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from ptcpt.codes import CODE_PATTERN, Code
from ptcpt.errors import InvalidVisit
from ptcpt.visit import (
    LINE_FIELDS,
    MAX_ID_LENGTH,
    MAX_MINUTES,
    MAX_UNITS,
    VISIT_FIELDS,
    Line,
    Visit,
    YtdAllowed,
    fast_visit,
    show_value,
    under_path,
)

if TYPE_CHECKING:
    from ptcpt.classifier import Suggestion, Suggestions
    from ptcpt.fees import Estimate
    from ptcpt.report import Finding, Hint, Report

__all__ = [
    "code_from_dict",
    "code_to_dict",
    "converter",
    "estimate_to_dict",
    "from_json",
    "report_to_dict",
    "report_to_json",
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
def converter() -> cattrs.Converter:
    """The shared converter: strict about unknown keys, ISO dates, tuples as lists."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: _parse_date(v))
    # Visits and lines are read by the strict hand-written converter below (on the hot
    # path of a batch: a fast constructor in ptcpt.visit, else the validators), so the
    # generic to_json/from_json and the visit_* functions can never disagree. They are
    # written by functions this converter generates from their attrs fields.
    conv.register_unstructure_hook(Visit, lambda v: visit_to_dict(v))
    conv.register_unstructure_hook(Line, lambda v: _line_to_dict(v))
    conv.register_structure_hook(Visit, lambda v, _: visit_from_dict(v))
    conv.register_structure_hook(Line, lambda v, _: _line_from_dict(v, ""))
    return conv


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(f"expected an ISO date such as 2024-07-01, got {type(value).__name__}")


def code_to_dict(code: Code) -> dict[str, Any]:
    """A JSON-ready dict of every field of a code."""
    result: dict[str, Any] = converter().unstructure(code)
    return result


def code_from_dict(data: dict[str, Any]) -> Code:
    """Rebuild a :class:`Code` from :func:`code_to_dict` output."""
    return converter().structure(data, Code)


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
    return json.dumps(converter().unstructure(value), **kwargs)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse JSON text into ``cls`` with the shared converter."""
    return converter().structure(json.loads(text), cls)


def _finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "line": f.line,
        "code": f.code,
        "fix": f.fix,
        "plugin": f.plugin,
    }


def _hint_to_dict(h: Hint) -> dict[str, Any]:
    return {
        "rule": h.rule,
        "message": h.message,
        "line": h.line,
        "code": h.code,
        "amount": None if h.amount is None else str(h.amount),
        "plugin": h.plugin,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """A JSON-ready dict of a report; money as decimal strings, dates ISO."""
    units = report.units
    estimate = report.estimate
    return {
        "visit_id": report.visit_id,
        "date": report.date.isoformat(),
        "payer": report.payer,
        "ok": report.ok,
        "findings": [_finding_to_dict(f) for f in report.findings],
        "hints": [_hint_to_dict(h) for h in report.hints],
        "units": None
        if units is None
        else {
            "method": units.method,
            "total": units.total,
            "by_code": dict(units.items()),
        },
        "estimate": None if estimate is None else estimate_to_dict(estimate),
        "corrected_estimate": None
        if report.corrected_estimate is None
        else estimate_to_dict(report.corrected_estimate),
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# -- compact JSON of a report, written directly --------------------------------------------
# ``report_to_json`` writes the text ``json.dumps(report_to_dict(r), separators=(",", ":"))``
# gives, without the dicts in between: a batch writes one per visit, and building then
# encoding the dicts cost as much as checking. Strings go through the json module's own
# (C) escaper, so the bytes are the same; a test holds the two equal on every golden visit.
def _js(value: str | None) -> str:
    return "null" if value is None else _escape(value)


def _js_money(value: Decimal | None) -> str:
    return "null" if value is None else f'"{value!s}"'


def _js_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def _js_list(values: tuple[str, ...]) -> str:
    return "[" + ",".join([_escape(v) for v in values]) + "]"


def report_to_json(report: Report) -> str:
    """Compact JSON of a report: exactly ``json.dumps(report_to_dict(report), separators=(",", ":"))``."""
    parts = [
        f'{{"visit_id":{_js(report.visit_id)},"date":"{report.date.isoformat()}",'
        f'"payer":{_escape(report.payer)},"ok":{"true" if report.ok else "false"},"findings":['
    ]
    parts.append(
        ",".join(
            [
                f'{{"rule":{_escape(f.rule)},"severity":{_escape(f.severity.value)},'
                f'"message":{_escape(f.message)},"line":{_js_int(f.line)},"code":{_js(f.code)},'
                f'"fix":{_js(f.fix)},"plugin":{_escape(f.plugin)}}}'
                for f in report.findings
            ]
        )
    )
    parts.append('],"hints":[')
    parts.append(
        ",".join(
            [
                f'{{"rule":{_escape(h.rule)},"message":{_escape(h.message)},"line":{_js_int(h.line)},'
                f'"code":{_js(h.code)},"amount":{_js_money(h.amount)},"plugin":{_escape(h.plugin)}}}'
                for h in report.hints
            ]
        )
    )
    units = report.units
    if units is None:
        parts.append('],"units":null,"estimate":')
    else:
        by_code = ",".join([f"{_escape(code)}:{n}" for code, n in units.items()])
        parts.append(
            f'],"units":{{"method":{_escape(units.method)},"total":{units.total},"by_code":{{{by_code}}}}},'
            '"estimate":'
        )
    estimate = report.estimate
    if estimate is None:
        parts.append("null")
    else:
        _estimate_json(estimate, parts)
    corrected = report.corrected_estimate
    if corrected is None:
        parts.append(',"corrected_estimate":null}')
        return "".join(parts)
    parts.append(',"corrected_estimate":')
    _estimate_json(corrected, parts)
    parts.append("}")
    return "".join(parts)


def _estimate_json(estimate: Estimate, parts: list[str]) -> None:
    """The compact JSON of an estimate, appended to ``parts`` (as estimate_to_dict dumps it)."""
    parts.append(
        f'{{"on":"{estimate.on.isoformat()}","total":"{estimate.total!s}",'
        f'"full_total":"{estimate.full_total!s}","mppr_total":"{estimate.mppr_total!s}",'
        f'"assistant_total":"{estimate.assistant_total!s}",'
        f'"conversion_factor":{_js_money(estimate.conversion_factor)},'
        f'"locality":{_js(estimate.locality)},"gpci_year":{_js_int(estimate.gpci_year)},'
        f'"apm":{"true" if estimate.apm else "false"},'
        f'"facility":{"true" if estimate.facility else "false"},'
        f'"complete":{"true" if estimate.complete else "false"},"lines":['
    )
    parts.append(
        ",".join(
            [
                f'{{"index":{line.index},"code":{_escape(line.code)},"units":{line.units},'
                f'"modifiers":{_js_list(line.modifiers)},"full":{_js_money(line.full)},'
                f'"mppr_reduction":"{line.mppr_reduction!s}",'
                f'"assistant_reduction":"{line.assistant_reduction!s}",'
                f'"payable":{_js_money(line.payable)},"status":{_js(line.status)},'
                f'"rvu_year":{_js_int(line.rvu_year)},"reasons":{_js_list(line.reasons)}}}'
                for line in estimate.lines
            ]
        )
    )
    parts.append(f'],"notes":{_js_list(estimate.notes)},"unconfirmed":{_js_list(estimate.unconfirmed)}}}')


def estimate_to_dict(estimate: Estimate) -> dict[str, Any]:
    """A JSON-ready dict of a payment estimate; money as decimal strings (exact)."""
    return {
        "on": estimate.on.isoformat(),
        "total": str(estimate.total),
        "full_total": str(estimate.full_total),
        "mppr_total": str(estimate.mppr_total),
        "assistant_total": str(estimate.assistant_total),
        "conversion_factor": _money(estimate.conversion_factor),
        "locality": estimate.locality,
        "gpci_year": estimate.gpci_year,
        "apm": estimate.apm,
        "facility": estimate.facility,
        "complete": estimate.complete,
        "lines": [
            {
                "index": line.index,
                "code": line.code,
                "units": line.units,
                "modifiers": list(line.modifiers),
                "full": _money(line.full),
                "mppr_reduction": str(line.mppr_reduction),
                "assistant_reduction": str(line.assistant_reduction),
                "payable": _money(line.payable),
                "status": line.status,
                "rvu_year": line.rvu_year,
                "reasons": list(line.reasons),
            }
            for line in estimate.lines
        ],
        "notes": list(estimate.notes),
        "unconfirmed": list(estimate.unconfirmed),
    }


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
    """Build a :class:`~ptcpt.visit.Visit` from plain data such as parsed JSON.

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
    return _unstructure_line()(line)


def visit_to_dict(visit: Visit) -> dict[str, Any]:
    """A JSON-ready dict of every field; ``ytd_allowed`` is decimal text, exact to the cent
    (an object of decimal texts when the visit gives KX buckets).

    ``visit_from_dict(visit_to_dict(v)) == v`` for every visit.
    """
    data = _unstructure_visit()(visit)
    data["lines"] = data.pop("lines")  # last: a reader sees the visit's own fields first
    return data


@functools.cache
def _unstructure_line() -> Callable[[Line], dict[str, Any]]:
    """The converter's dict form of a Line: one key per attrs field, tuples as lists."""
    return make_dict_unstructure_fn(Line, converter())


@functools.cache
def _unstructure_visit() -> Callable[[Visit], dict[str, Any]]:
    """The converter's dict form of a Visit, its lines through :func:`_unstructure_line`."""
    line = _unstructure_line()
    return make_dict_unstructure_fn(
        Visit,
        converter(),
        lines=override(unstruct_hook=lambda lines: [line(item) for item in lines]),
        ytd_allowed=override(unstruct_hook=_ytd_to_json),
    )


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


def visit_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for the visit format :func:`visit_from_json` reads.

    Other systems can validate with it before calling ptcpt. It checks everything the
    converter checks except what JSON Schema cannot say: that the date exists on the
    calendar (``2024-02-30``) and that ``assistant_minutes`` does not exceed ``minutes``.
    """
    whole_minutes = {"type": "integer", "minimum": 0, "maximum": MAX_MINUTES}
    amount: list[dict[str, Any]] = [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\+?[0-9]+(\.[0-9]+)?$"},
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:ptcpt:schema:visit:1",
        "title": "ptcpt visit",
        "description": (
            "One patient's billed therapy services on one date of service, for one payer. "
            "Carries no patient-identifying data."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["date", "lines"],
        "properties": {
            "date": {
                "description": "Date of service, ISO YYYY-MM-DD.",
                "type": "string",
                "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
                "format": "date",
            },
            "lines": {
                "description": "The billed lines; at least one.",
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/$defs/line"},
            },
            "payer": {
                "description": "A payer profile id such as medicare, medicaid or commercial.",
                "type": "string",
                "pattern": r"^[a-z0-9][a-z0-9_.-]*$",
                "maxLength": MAX_ID_LENGTH,
                "default": "medicare",
            },
            "id": {
                "description": "The caller's opaque key for the visit.",
                "type": ["string", "null"],
                "pattern": r"^\S+$",
                "maxLength": MAX_ID_LENGTH,
            },
            "ytd_allowed": {
                "description": (
                    "Allowed therapy spend so far this year (for Medicare's KX threshold): a "
                    "number is the PT/SLP bucket; an object gives each bucket, pt_slp "
                    "(physical therapy and speech-language pathology) and ot."
                ),
                "anyOf": [
                    *amount,
                    {"type": "null"},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "pt_slp": {"anyOf": [*amount, {"type": "null"}]},
                            "ot": {"anyOf": [*amount, {"type": "null"}]},
                        },
                    },
                ],
            },
        },
        "$defs": {
            "line": {
                "type": "object",
                "additionalProperties": False,
                "required": ["code"],
                "properties": {
                    "code": {
                        "description": "A CPT or HCPCS code, upper case: 97110, 0552T, G0283.",
                        "type": "string",
                        "pattern": CODE_PATTERN.pattern,
                    },
                    "units": {"type": "integer", "minimum": 1, "maximum": MAX_UNITS, "default": 1},
                    "minutes": {
                        "description": "Timed minutes spent on this code that day.",
                        "anyOf": [whole_minutes, {"type": "null"}],
                    },
                    "modifiers": {
                        "type": "array",
                        "items": {"type": "string", "pattern": "^[A-Za-z0-9]{2}$"},
                        "default": [],
                    },
                    "group_size": {
                        "description": "Patients treated together (group therapy).",
                        "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
                    },
                    "assistant_minutes": {
                        "description": "Minutes of this line furnished by a PTA; at most minutes.",
                        "anyOf": [whole_minutes, {"type": "null"}],
                    },
                    "description": {
                        "description": "Free text about the service, for the classifier.",
                        "type": ["string", "null"],
                    },
                },
            }
        },
    }
