"""Small, escaped HTML tables for Jupyter (``_repr_html_``).

All of ptcpt's notebook HTML lives here: a value's ``_repr_html_`` is one line that
imports this module lazily and calls its function, so the value modules know nothing of
screens and this module imports nothing of ptcpt when it runs.

No scripts and no styles beyond inline basics: notebook front ends and static exports
render them the same, and every value passes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from decimal import Decimal

    from ptcpt._catalogs import Catalog
    from ptcpt._codes import Code
    from ptcpt._report import Report
    from ptcpt.classifier import Suggestions
    from ptcpt.fees import Estimate

__all__ = [
    "catalog_html",
    "code_html",
    "estimate_html",
    "report_html",
    "suggestions_html",
    "table_html",
]

_MAX_ROWS = 200


def _cell(value: object) -> str:
    if value is None or value == "" or value == ():
        return ""
    if isinstance(value, tuple | list):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


def table_html(
    headers: Sequence[str], rows: Iterable[Sequence[object]], *, caption: str | None = None
) -> str:
    """An HTML table with every header, cell and caption escaped."""
    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers))
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def code_html(code: Code) -> str:
    """A two-column table of one code's facts."""
    rows: list[tuple[str, object]] = [
        ("code", code.code),
        ("name", code.name),
        ("summary", code.summary),
        ("category", code.category.value),
        ("timing", f"timed, {code.unit_minutes}-minute units" if code.is_timed else code.timing.value),
        ("one-on-one", "yes" if code.one_on_one else "no"),
        ("therapy list", code.therapy_list.value if code.therapy_list else "not listed"),
        ("disciplines", code.disciplines),
        ("effective", code.effective.isoformat() if code.effective else "long-standing"),
    ]
    if code.deleted:
        rows.append(("deleted", code.deleted.isoformat()))
        rows.append(("replaced by", code.replaced_by))
    if code.add_on_to:
        rows.append(("add-on to", code.add_on_to))
    if code.examples:
        rows.append(("examples", "; ".join(code.examples)))
    if code.notes:
        rows.append(("notes", code.notes))
    if code.unconfirmed:
        rows.append(("unconfirmed", code.unconfirmed))
    rows.append(("source", code.source))
    return table_html(("field", "value"), rows, caption=f"{code.code} {code.name}")


def catalog_html(catalog: Catalog) -> str:
    """One row per code (the first 200), with the life dates that matter for billing."""
    codes = list(catalog)
    caption = f"{len(codes)} codes" + (f" as of {catalog.as_of.isoformat()}" if catalog.as_of else "")
    rows = (
        (
            c.code,
            c.name,
            c.category.value,
            f"{c.unit_minutes} min" if c.is_timed else c.timing.value,
            c.therapy_list.value if c.therapy_list else "",
            c.deleted.isoformat() if c.deleted else "",
            c.replaced_by,
        )
        for c in codes[:_MAX_ROWS]
    )
    table = table_html(
        ("code", "name", "category", "timing", "therapy list", "deleted", "replaced by"),
        rows,
        caption=caption,
    )
    if len(codes) > _MAX_ROWS:
        table += f"<p>{len(codes) - _MAX_ROWS} more codes not shown</p>"
    return table


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"${value:,.2f}"


def estimate_html(estimate: Estimate) -> str:
    """The priced lines with each reduction and a total row, then notes and unconfirmed inputs."""
    where = f"locality {estimate.locality}" if estimate.locality else "national (GPCI 1.000)"
    cf = (
        f"CF {estimate.conversion_factor}"
        if estimate.conversion_factor is not None
        else "no conversion factor"
    )
    caption = f"Estimate for {estimate.on.isoformat()}, {where}, {cf}: {_money(estimate.total)}"
    missing = sum(1 for line in estimate.lines if not line.priced)
    if missing:
        caption += f" (incomplete: {missing} line(s) have no estimate)"
    rows: list[tuple[object, ...]] = [
        (
            line.index,
            line.code,
            line.units,
            line.modifiers,
            _money(line.full),
            _money(line.mppr_reduction),
            _money(line.assistant_reduction),
            _money(line.payable),
            "; ".join(line.reasons),
        )
        for line in estimate.lines
    ]
    rows.append(
        (
            "",
            "total",
            "",
            "",
            _money(estimate.full_total),
            _money(estimate.mppr_total),
            _money(estimate.assistant_total),
            _money(estimate.total),
            "" if estimate.complete else "some lines have no estimate",
        )
    )
    table = table_html(
        ("line", "code", "units", "modifiers", "full", "MPPR", "assistant", "payable", "why"),
        rows,
        caption=caption,
    )
    extra = "".join(f"<p>{html.escape(note)}</p>" for note in estimate.notes)
    if estimate.unconfirmed:
        extra += "<p>Unconfirmed inputs: " + html.escape("; ".join(estimate.unconfirmed)) + "</p>"
    return table + extra


def report_html(report: Report) -> str:
    """The verdict, then findings and hints as escaped tables."""
    verdict = "OK" if report.ok else f"{len(report.errors)} error(s)"
    caption = f"visit {report.visit_id or ''} {report.date.isoformat()} {report.payer}: {verdict}"
    parts = [
        table_html(
            ("severity", "rule", "line", "code", "message", "fix"),
            ((f.severity.value, f.rule, f.line, f.code, f.message, f.fix) for f in report.sorted_findings()),
            caption=caption,
        )
    ]
    if report.hints:
        parts.append(
            table_html(
                ("hint", "line", "code", "message", "amount"),
                (
                    (h.rule, h.line, h.code, h.message, "" if h.amount is None else f"${h.amount:.2f}")
                    for h in report.hints
                ),
                caption="hints",
            )
        )
    if report.units is not None:
        parts.append(f"<p>{html.escape(report.units.explain())}</p>")
    return "".join(parts)


def suggestions_html(suggestions: Suggestions) -> str:
    """The classifier's answer as a ranked table with the evidence behind each code."""
    if not suggestions:
        return "<p>No physical-therapy code fits this description.</p>"
    rows = (
        (rank, s.code.code, s.code.name, f"{s.score:.2f}", s.evidence)
        for rank, s in enumerate(suggestions, 1)
    )
    return table_html(("rank", "code", "name", "score", "evidence"), rows, caption="Suggested codes")
