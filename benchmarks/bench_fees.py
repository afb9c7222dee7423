"""How many 4-line visits ``ptcpt.fees.price_lines`` prices per second.

Run: ``python benchmarks/bench_fees.py``. The visit is a typical Medicare PT day
(97110 x2, 97140 with 59, 97530 by a PTA with CQ, 97112) priced for an Alabama locality
on a 2025 date of service, so the MPPR and the CQ factor both apply. The first call
(loading the bundled tables) is timed separately; the figure is the best of five
rounds, so it measures the arithmetic, not the machine's other work.
Target (issue 5): >= 50,000 estimates per second.
"""

from __future__ import annotations

import datetime as dt
import json
import time

from ptcpt.fees import PricedLineInput, price_lines

LINES = (
    PricedLineInput("97110", 2, ("GP",)),
    PricedLineInput("97140", 1, ("GP", "59")),
    PricedLineInput("97530", 1, ("GP", "CQ")),
    PricedLineInput("97112", 1, ("GP",)),
)
DOS = dt.date(2025, 6, 2)


def main(rounds: int = 5, per_round: int = 20_000) -> None:
    start = time.perf_counter()
    first = price_lines(LINES, on=DOS, locality="AL-00")
    first_ms = (time.perf_counter() - start) * 1000
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            price_lines(LINES, on=DOS, locality="AL-00")
        best = min(best, time.perf_counter() - start)
    # A batch of many dates and places: the per-context memo is rebuilt as days change.
    days = [DOS + dt.timedelta(days=i) for i in range(200)]
    places = ["AL-00", "CA-18", "10112-00", None]
    start = time.perf_counter()
    count = 0
    for day in days:
        for place in places:
            for _ in range(25):
                price_lines(LINES, on=day, locality=place)
                count += 1
    varied = time.perf_counter() - start
    print(
        json.dumps(
            {
                "estimates_per_second": round(per_round / best),
                "microseconds_per_estimate": round(best / per_round * 1e6, 2),
                "varied_dates_places_estimates_per_second": round(count / varied),
                "first_call_ms_including_table_load": round(first_ms, 1),
                "lines_per_visit": len(LINES),
                "total": str(first.total),
                "target_estimates_per_second": 50_000,
            }
        )
    )


if __name__ == "__main__":
    main()
