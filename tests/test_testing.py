"""ptcpt's pytest plugin, used as a rule author would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ptcpt

if TYPE_CHECKING:
    from collections.abc import Callable


def test_fixtures_are_available(ptcpt_checker: Callable[..., Any], ptcpt_visit: Callable[..., Any]) -> None:
    visit = ptcpt_visit(("97110", 2, 30, ["GP"]), "97010", {"code": "97150", "group_size": 3})
    assert [line.code for line in visit.lines] == ["97110", "97010", "97150"]
    assert visit.lines[0].modifiers == ("GP",)
    checker = ptcpt_checker()
    assert isinstance(checker, ptcpt.Checker)
    assert isinstance(checker.check(visit), ptcpt.Report)
