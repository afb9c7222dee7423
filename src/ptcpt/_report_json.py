"""A report and its estimates as plain data: one dict form, and its compact JSON.

:func:`report_to_dict` is the dict form every output uses (the CLI, notebooks, frames);
:func:`report_to_json` writes exactly ``json.dumps(report_to_dict(report),
separators=(",", ":"))`` without building the dicts, because a batch writes one per visit
and building then encoding the dicts cost as much as checking (measured: about 4 times
the writer's time per report, several per cent of a batch). A test holds the two equal
on every golden visit. Import these from :mod:`ptcpt.serialize`.
"""

from __future__ import annotations

from decimal import Decimal
from json.encoder import encode_basestring_ascii as _escape  # what json.dumps uses (C)
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ptcpt._report import Finding, Hint, Report
    from ptcpt.fees import Estimate

__all__ = ["estimate_to_dict", "report_to_dict", "report_to_json"]


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


#: The JSON of the string tuples seen so far: modifiers, reasons and notes repeat from
#: line to line and visit to visit, so most are written once (bounded: at most 4096).
_LISTS: dict[tuple[str, ...], str] = {(): "[]"}


def _js_list(values: tuple[str, ...]) -> str:
    text = _LISTS.get(values)
    if text is None:
        text = "[" + ",".join([_escape(v) for v in values]) + "]"
        if len(_LISTS) < 4096:
            _LISTS[values] = text
    return text


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
