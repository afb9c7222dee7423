"""Conversion between ptcpt's models and plain dicts / JSON, in one place.

Models never know about JSON; this module owns the single cattrs converter that turns
them into plain data and back. Dates are ISO strings, enums their values, tuples lists.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import TYPE_CHECKING, Any, TypeVar

import cattrs

from ptcpt.codes import Code

if TYPE_CHECKING:
    from ptcpt.classifier import Suggestion, Suggestions

__all__ = [
    "code_from_dict",
    "code_to_dict",
    "converter",
    "from_json",
    "suggestion_to_dict",
    "suggestions_to_list",
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
