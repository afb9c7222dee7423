"""Throughput of the 8-minute rule and of visit parsing, in one process.

Run: ``python benchmarks/bench_units.py``. Prints one JSON object. Each figure is the
best of several repeats (the least disturbed by other work on the machine).
Targets (issue 3): ``allocate`` for a 4-code visit at least 100,000 plans/s; parsing and
validating a 4-line visit from JSON at least 30,000 visits/s.
"""

from __future__ import annotations

import json
import timeit
from typing import TYPE_CHECKING

from ptcpt.serialize import visit_from_json, visit_to_json
from ptcpt.units import allocate

if TYPE_CHECKING:
    from collections.abc import Callable

MINUTES = {"97110": 23, "97140": 10, "97530": 15, "97112": 8}
TIE = {"97110": 7, "97112": 7, "97140": 7, "97116": 7}
VISIT = json.dumps(
    {
        "id": "bench-1",
        "date": "2025-03-12",
        "payer": "medicare",
        "ytd_allowed": "1480.00",
        "lines": [
            {"code": "97110", "units": 1, "minutes": 23, "modifiers": ["GP"]},
            {"code": "97140", "units": 1, "minutes": 10, "modifiers": ["GP", "59"]},
            {"code": "97530", "units": 1, "minutes": 15, "modifiers": ["GP"], "assistant_minutes": 5},
            {"code": "97161", "units": 1, "modifiers": ["GP"], "description": "initial evaluation"},
        ],
    }
)


def rate(func: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Calls per second, best of ``repeat`` runs of ``number`` calls."""
    best = min(timeit.repeat(func, number=number, repeat=repeat))
    return number / best


def main() -> None:
    visit = visit_from_json(VISIT)
    figures = {
        "allocate_cms_4_codes_per_s": round(rate(lambda: allocate(MINUTES), 50_000)),
        "allocate_ama_4_codes_per_s": round(rate(lambda: allocate(MINUTES, "ama"), 50_000)),
        "allocate_cms_4_way_tie_per_s": round(rate(lambda: allocate(TIE), 50_000)),
        "visit_from_json_4_lines_per_s": round(rate(lambda: visit_from_json(VISIT), 20_000)),
        "visit_to_json_4_lines_per_s": round(rate(lambda: visit_to_json(visit), 20_000)),
        "json_loads_only_per_s": round(rate(lambda: json.loads(VISIT), 20_000)),
        "targets": {"allocate_per_s": 100_000, "visit_from_json_per_s": 30_000},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
