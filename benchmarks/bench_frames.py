"""Throughput of ``ptcpt.frames.check_frame`` on a frame of 100,000 billed lines.

Run: ``python benchmarks/bench_frames.py [lines]``. Needs the ``pandas`` extra (and the
``dask`` extra for the Dask figure). Prints JSON:

- ``check_frame_lines_per_s``: build visits, check them and build the three result frames;
- ``visits_from_frame_lines_per_s``: reading the frame into visits only;
- ``check_many_lines_per_s``: the same visits checked with ``Checker.check_many`` (no frames),
  so ``frame_overhead`` is the cost of the frame edges relative to the checks;
- ``check_dask_lines_per_s``: ``check_dask`` on 4 partitions, Dask's threaded scheduler
  (the GIL keeps this near one core: use processes or a cluster for more);
- ``findings_rows``, ``estimates_rows`` and peak resident memory (MB) before checking, after
  ``check_frame`` and at the end, for scale.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import time
from typing import Any

import pandas as pd

from ptcpt._engine import Checker
from ptcpt._visit import Visit
from ptcpt.frames import check_dask, check_frame, visits_from_frame

#: A typical outpatient mix: (code, minutes or None, modifiers).
LINES: tuple[tuple[str, int | None, str], ...] = (
    ("97110", 30, "GP"),
    ("97140", 10, "GP,59"),
    ("97530", 15, "GP"),
    ("97112", 8, "GP"),
    ("97116", 23, "GP"),
    ("97010", None, "GP"),
    ("97161", None, "GP"),
    ("G0283", None, "GP"),
    ("97035", 12, "GP,CQ"),
)


def make_frame(n_lines: int, seed: int = 7) -> pd.DataFrame:
    rng = random.Random(seed)
    rows: dict[str, list[Any]] = {
        k: [] for k in ("visit_id", "date", "payer", "code", "units", "minutes", "modifiers")
    }
    visit = 0
    while len(rows["code"]) < n_lines:
        visit += 1
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        payer = "medicare" if rng.random() < 0.7 else "commercial"
        for code, minutes, modifiers in rng.sample(LINES, rng.randint(2, 6)):
            rows["visit_id"].append(f"V{visit:07d}")
            rows["date"].append(day)
            rows["payer"].append(payer)
            rows["code"].append(code)
            rows["units"].append(max(1, (minutes or 0) // 15) if minutes else 1)
            rows["minutes"].append(minutes)
            rows["modifiers"].append(modifiers)
    return pd.DataFrame(rows).iloc[:n_lines]


def timed(function: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main() -> None:
    n_lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    frame = make_frame(n_lines)
    checker = Checker(load_entrypoints=False, env={})
    check_frame(frame.head(200), checker=checker)  # warm caches: catalog, tables, contexts

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    read_s, pairs = timed(lambda: list(visits_from_frame(frame)))
    visits = [v for _, v in pairs if isinstance(v, Visit)]
    many_s, _ = timed(lambda: sum(1 for _ in checker.check_many(visits)))
    frame_s, result = timed(lambda: check_frame(frame, checker=checker))

    figures: dict[str, Any] = {
        "lines": n_lines,
        "visits": len(pairs),
        "check_frame_lines_per_s": round(n_lines / frame_s),
        "visits_from_frame_lines_per_s": round(n_lines / read_s),
        "check_many_lines_per_s": round(n_lines / many_s),
        "frame_overhead": round(frame_s / many_s, 2),
        "findings_rows": len(result.findings),
        "peak_rss_before_checking_mb": round(rss_before),
        "peak_rss_after_check_frame_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "estimates_rows": len(result.estimates),
    }
    try:
        import dask.dataframe as dd
    except ImportError:
        figures["check_dask_lines_per_s"] = None
    else:
        ddf = dd.from_pandas(frame, npartitions=4, sort=False).set_index("visit_id", npartitions=4)
        ddf = ddf.persist(scheduler="threads")
        dask_s, _ = timed(lambda: check_dask(ddf).compute(scheduler="threads"))
        figures["check_dask_lines_per_s"] = round(n_lines / dask_s)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
