"""How old the data behind a check is, next to the date of service it judges.

Every visit is checked with the tables ptcpt holds: CMS's NCCI and MUE tables of one
quarter, fee-schedule statuses of one year, RVUs up to the last full release, conversion
factors and KX thresholds for the years the sources give. A visit from another quarter or
year (2026 dates on 2024 Q3 edits, a 1997 date, year 9999) is checked all the same, and
this rule says so: one info finding, whatever the visit came from (JSON, X12, a frame).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from ptcpt._rules import Rule, RuleContext, rule
from ptcpt.hookspecs import hookimpl

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator

    from ptcpt._report import Finding
    from ptcpt._visit import Visit
    from ptcpt.cms import CmsTables

_FIX = "load CMS's files for the date of service (PTCPT_CMS_DIR or --cms-dir)"
#: The finding per tables, by (date, edits, fees, kx, plugin): a batch checks many visits
#: of few dates, and a finding is immutable, so one serves them all.
_FINDINGS: weakref.WeakKeyDictionary[CmsTables, dict[tuple[object, ...], Finding | None]] = (
    weakref.WeakKeyDictionary()
)
_MAX_FINDINGS = 4096
#: The last tables asked and their findings (a check rarely changes tables).
_LAST: list[tuple[weakref.ref[CmsTables] | None, dict[tuple[object, ...], Finding | None]]] = [(None, {})]


def _message(tables: CmsTables, on: dt.date, edits: bool, fees: bool, kx: bool) -> str | None:
    notes = tables.data_age(on, edits=edits, fees=fees, kx=kx)
    if not notes:
        return None
    uncovered = (not fees or not tables.has_conversion_factor(on)) and (
        not edits or any("(older)" in n for n in notes)
    )
    if uncovered and fees and edits:
        head = f"no fee schedule or edit table covers {on}; checked with "
    else:
        head = f"checked with data not published for {on}: "
    return head + "; ".join(notes)


def _findings(tables: CmsTables) -> dict[tuple[object, ...], Finding | None]:
    last, memo = _LAST[0]
    if last is not None and last() is tables:
        return memo
    found = _FINDINGS.get(tables)
    if found is None:
        found = _FINDINGS[tables] = {}
    _LAST[0] = (weakref.ref(tables), found)
    return found


@rule("data.age", kind="validation")
def data_age(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """Tables older (or newer) than the date of service: what the check rests on."""
    payer = ctx.payer
    tables = ctx.tables
    edits = payer.edit_severity is not None
    fees = payer.pricing != "none"
    kx = payer.kx_threshold and visit.ytd_allowed is not None
    memo = _findings(tables)
    key = (ctx.date, edits, fees, kx, ctx._plugin)
    finding: Finding | None
    if key in memo:
        finding = memo[key]
    else:
        message = _message(tables, ctx.date, edits, fees, kx)
        finding = None if message is None else ctx.info(message, fix=_FIX)
        if len(memo) >= _MAX_FINDINGS:
            memo.clear()
        memo[key] = finding
    if finding is not None:
        yield finding


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    register(data_age)
