"""A pytest plugin for rule authors: fresh checkers and quick visits.

Installed with ptcpt (entry point ``pytest11``), so in a plugin's own test suite::

    def test_cap(ptcpt_checker, ptcpt_visit):
        checker = ptcpt_checker(acme_ptcpt.rules)         # built-ins + your plugin only
        report = checker.check(ptcpt_visit(("97140", 3, 45), payer="acme"))
        assert "acme.manual-therapy-cap" in report.rules_fired()

Checkers made here never load installed entry-point plugins, so tests do not depend on
what else happens to be installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from ptcpt._engine import Checker
    from ptcpt._visit import Line, Visit

__all__ = ["make_checker", "make_visit", "ptcpt_checker", "ptcpt_visit"]

LineSpec = "Line | tuple[Any, ...] | dict[str, Any] | str"


def make_checker(*plugins: object, blocked: tuple[str, ...] = ()) -> Checker:
    """A Checker with the built-ins plus ``plugins`` and nothing installed."""
    from ptcpt._engine import Checker

    return Checker(plugins, blocked=blocked, load_entrypoints=False, env={})


def _line(spec: Any) -> Line:
    from ptcpt._visit import Line

    if isinstance(spec, Line):
        return spec
    if isinstance(spec, str):
        return Line(code=spec)
    if isinstance(spec, dict):
        return Line(**spec)
    code, *rest = spec
    fields: dict[str, Any] = {"code": code}
    if rest:
        fields["units"] = rest[0]
    if len(rest) > 1:
        fields["minutes"] = rest[1]
    if len(rest) > 2:
        fields["modifiers"] = tuple(rest[2])
    return Line(**fields)


def make_visit(
    *lines: Any,
    date: dt.date | str = "2025-03-12",
    payer: str = "medicare",
    id: str | None = None,
    ytd_allowed: Decimal | str | int | Mapping[str, Any] | None = None,
) -> Visit:
    """A Visit from short line specs: ``"97110"``, ``("97110", 2, 30, ["GP"])`` or a dict.

    ``ytd_allowed`` is an amount (the PT/SLP KX bucket) or ``{"pt_slp": ..., "ot": ...}``.
    """
    from ptcpt._visit import Visit

    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return Visit(
        date=day,
        lines=tuple(_line(spec) for spec in lines),
        payer=payer,
        id=id,
        ytd_allowed=ytd_allowed
        if ytd_allowed is None or isinstance(ytd_allowed, Mapping)
        else Decimal(str(ytd_allowed)),
    )


@pytest.fixture
def ptcpt_checker() -> Callable[..., Checker]:
    """Factory: ``ptcpt_checker(*plugins, blocked=())`` -> a fresh Checker."""
    return make_checker


@pytest.fixture
def ptcpt_visit() -> Callable[..., Visit]:
    """Factory: ``ptcpt_visit(*line_specs, date=..., payer=...)`` -> a Visit."""
    return make_visit
