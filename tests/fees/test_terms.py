"""The memos of pricing live on the tables they were computed from, never in module state."""

from __future__ import annotations

import ast
import datetime as dt
import pathlib
from decimal import Decimal

import attrs

import ptcpt.fees
from ptcpt.cms import CmsTables, bundled_tables, load_bundled_tables
from ptcpt.fees import PricedLineInput, price_lines

ON = dt.date(2026, 3, 2)
LINES = (PricedLineInput("97110", 2), PricedLineInput("97140", 1))


def test_pricing_memoises_on_the_tables_it_priced_with() -> None:
    tables = load_bundled_tables()
    assert tables.memo("ptcpt.fees.contexts") == {}
    price_lines(LINES, on=ON, tables=tables)
    assert tables.memo("ptcpt.fees.contexts")
    assert tables.memo("ptcpt.fees.terms")


def test_each_tables_object_has_its_own_memos() -> None:
    first, second = load_bundled_tables(), load_bundled_tables()
    price_lines(LINES, on=ON, tables=first)
    assert second.memo("ptcpt.fees.contexts") == {}
    assert first.memo("ptcpt.fees.contexts") is first.memo("ptcpt.fees.contexts")
    assert first.memo("a") is not first.memo("b")


def test_evolved_tables_never_see_the_figures_of_the_tables_they_came_from() -> None:
    base = bundled_tables()
    before = price_lines(LINES, on=ON, tables=base)
    doubled = attrs.evolve(
        base,
        conversion_factors=[attrs.evolve(cf, cf=cf.cf * 2) for cf in base.conversion_factors],
    )
    after = price_lines(LINES, on=ON, tables=doubled)
    assert isinstance(doubled, CmsTables)
    assert doubled.memo("ptcpt.fees.contexts") is not base.memo("ptcpt.fees.contexts")
    assert after.conversion_factor == before.conversion_factor * 2  # type: ignore[operator]
    assert abs(after.total - before.total * 2) <= Decimal("0.01")
    assert price_lines(LINES, on=ON, tables=base) == before


def test_the_fees_package_keeps_no_module_state_it_rebinds() -> None:
    package = pathlib.Path(ptcpt.fees.__file__).parent
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not [node for node in ast.walk(tree) if isinstance(node, ast.Global)], path.name
