"""The JSON Schema of the visit format :func:`ptcpt.serialize.visit_from_json` reads.

Apart from :mod:`ptcpt.serialize` because it is a document, not code: other systems
validate with it before they call ptcpt. Import it from :mod:`ptcpt.serialize`.
"""

from __future__ import annotations

from typing import Any

from ptcpt._codes import CODE_PATTERN
from ptcpt._visit import MAX_ID_LENGTH, MAX_MINUTES, MAX_UNITS

__all__ = ["visit_json_schema"]


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
