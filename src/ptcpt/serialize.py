"""Conversion between ptcpt's models and plain dicts / JSON, in one place.

Models never know about JSON; this module owns the single cattrs converter that turns
them into plain data and back. Dates are ISO strings, enums their values, tuples lists.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import cattrs

from ptcpt.codes import Code

if TYPE_CHECKING:
    from ptcpt.report import Finding, Hint, Report

__all__ = [
    "code_from_dict",
    "code_to_dict",
    "converter",
    "estimate_to_dict",
    "from_json",
    "report_to_dict",
    "to_json",
]

T = TypeVar("T")


@functools.cache
def converter() -> cattrs.Converter:
    """The shared converter: strict about unknown keys, ISO dates, tuples as lists."""
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(dt.date, lambda d: d.isoformat())
    conv.register_structure_hook(dt.date, lambda v, _: _parse_date(v))
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


def to_json(value: Any, **kwargs: Any) -> str:
    """JSON text for any ptcpt model (or container of them)."""
    return json.dumps(converter().unstructure(value), **kwargs)


def from_json(text: str | bytes, cls: type[T]) -> T:
    """Parse JSON text into ``cls`` with the shared converter."""
    return converter().structure(json.loads(text), cls)


def _finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule, "severity": f.severity.value, "message": f.message, "line": f.line,
        "code": f.code, "fix": f.fix, "plugin": f.plugin,
    }


def _hint_to_dict(h: Hint) -> dict[str, Any]:
    return {
        "rule": h.rule, "message": h.message, "line": h.line, "code": h.code,
        "amount": None if h.amount is None else str(h.amount), "plugin": h.plugin,
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
        "units": None if units is None else {
            "method": units.method, "total": units.total, "by_code": dict(units.items()),
        },
        "estimate": None if estimate is None else estimate_to_dict(estimate),
    }


def estimate_to_dict(estimate: Any) -> dict[str, Any]:
    """A JSON-ready dict of a payment estimate (money as decimal strings)."""
    data: dict[str, Any] = converter().unstructure(estimate)
    return _decimals_to_str(data)


def _decimals_to_str(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _decimals_to_str(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals_to_str(v) for v in value]
    return value
