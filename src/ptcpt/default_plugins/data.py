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

from ptcpt.hookspecs import hookimpl
from ptcpt.rules import Rule, RuleContext, rule

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator

    from ptcpt.cmsdata import CmsTables
    from ptcpt.report import Finding
    from ptcpt.visit import Visit

_FIX = "load CMS's files for the date of service (PTCPT_CMS_DIR or --cms-dir)"
#: Messages per tables, by (date, edits, fees, kx): a batch repeats few dates.
_MESSAGES: weakref.WeakKeyDictionary[CmsTables, dict[tuple[dt.date, bool, bool, bool], str | None]] = (
    weakref.WeakKeyDictionary()
)
_MAX_MESSAGES = 4096


def _message(tables: CmsTables, on: dt.date, edits: bool, fees: bool, kx: bool) -> str | None:
    memo = _MESSAGES.get(tables)
    if memo is None:
        memo = _MESSAGES[tables] = {}
    key = (on, edits, fees, kx)
    if key in memo:
        return memo[key]
    notes = tables.data_age(on, edits=edits, fees=fees, kx=kx)
    message: str | None = None
    if notes:
        uncovered = (not fees or not tables.has_conversion_factor(on)) and (
            not edits or any("(older)" in n for n in notes)
        )
        if uncovered and fees and edits:
            head = f"no fee schedule or edit table covers {on}; checked with "
        else:
            head = f"checked with data not published for {on}: "
        message = head + "; ".join(notes)
    if len(memo) >= _MAX_MESSAGES:
        memo.clear()
    memo[key] = message
    return message


#: The finding of the last (tables, date, flags, plugin) asked: a batch checks many visits
#: of one date, and the finding is immutable, so the same one serves them all.
_LAST: list[tuple[tuple[object, ...], Finding | None]] = [((), None)]


@rule("data.age", kind="validation")
def data_age(visit: Visit, ctx: RuleContext) -> Iterator[Finding]:
    """Tables older (or newer) than the date of service: what the check rests on."""
    payer = ctx.payer
    tables = ctx.tables
    edits = payer.edit_severity is not None
    fees = payer.pricing != "none"
    kx = payer.kx_threshold and visit.ytd_allowed is not None
    key = (tables, ctx.date, edits, fees, kx, ctx._plugin)  # tables compare by identity
    last = _LAST[0]
    finding: Finding | None
    if last[0] == key:
        finding = last[1]
    else:
        message = _message(tables, ctx.date, edits, fees, kx)
        finding = None if message is None else ctx.info(message, fix=_FIX)
        _LAST[0] = (key, finding)
    if finding is not None:
        yield finding


@hookimpl
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    register(data_age)
