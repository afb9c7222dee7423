"""Throughput of ``Checker.check`` on a typical 4-line visit, and the plugin overhead.

Run: ``python benchmarks/bench_check.py``. Prints JSON:

- ``core_rules_visits_per_s``: the rules of the plugin-system issue only (codes, units,
  payers), target >= 20,000 visits/s on one core;
- ``all_rules_visits_per_s``: every built-in rule with the estimate, target >= 20,000;
- ``direct_visits_per_s`` and ``plugin_overhead``: the same core rules called directly on
  a prepared context versus through the Checker (target overhead < 2x).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable

from ptcpt._engine import Checker
from ptcpt._rules import RuleContext
from ptcpt.testing import make_visit

VISIT = make_visit(
    ("97110", 2, 30, ["GP"]),
    ("97140", 1, 10, ["GP"]),
    ("97530", 1, 15, ["GP"]),
    ("97112", 1, 8, ["GP"]),
    date="2025-03-12",
)
ISSUE_5_PLUGINS = (
    "ptcpt.ncci",
    "ptcpt.mue",
    "ptcpt.modifiers",
    "ptcpt.medicare",
    "ptcpt.sessions",
    "ptcpt.hints",
    "ptcpt.descriptions",
    "ptcpt.data",
)


def rate(function: Callable[[], object], seconds: float = 0.4, rounds: int = 5) -> float:
    """Calls per second: the best of several short rounds (the VM's neighbours are noisy)."""
    best = 0.0
    for _ in range(rounds):
        count = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for _ in range(100):
                function()
            count += 100
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def main() -> None:
    core = Checker(blocked=ISSUE_5_PLUGINS, load_entrypoints=False, env={})
    full = Checker(load_entrypoints=False, env={})
    core.check(VISIT)
    full.check(VISIT)

    payer = core.payer("medicare")
    rules = [r.rule for r in core.rules]

    price = functools.partial(core._price, on=VISIT.date, payer=payer)

    def direct() -> None:
        # What the engine does for a visit, minus the plugin machinery: the unit plan,
        # the estimate every report carries, and each rule called as a plain function.
        plan = core.expected_units(VISIT, payer)
        ctx = RuleContext(
            VISIT, catalog=core.catalog, payer=payer, units=plan, tables=core.tables, price=price
        )
        for item in rules:
            produced = item.function(VISIT, ctx)
            if produced is not None:
                list(produced)
        ctx.estimate  # noqa: B018 - priced as the engine prices every report

    core_rate = rate(lambda: core.check(VISIT))
    direct_rate = rate(direct)
    full_rate = rate(lambda: full.check(VISIT))
    print(
        json.dumps(
            {
                "core_rules": len(core.rules),
                "core_rules_visits_per_s": round(core_rate),
                "all_rules": len(full.rules),
                "all_rules_visits_per_s": round(full_rate),
                "direct_visits_per_s": round(direct_rate),
                "plugin_overhead": round(direct_rate / core_rate, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
