"""How long ``import ptcpt`` and the first ``ptcpt.catalog()`` take, in fresh processes.

Run: ``python benchmarks/bench_import.py``. Each figure is the median of several fresh
interpreter runs, so it includes nothing cached in memory.
Targets (issue 2): import under 50 ms, first catalog load under 30 ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

PROBE = """
import time
t0 = time.perf_counter()
import ptcpt
t1 = time.perf_counter()
cat = ptcpt.catalog()
t2 = time.perf_counter()
cat["97530"]
print((t1 - t0) * 1000, (t2 - t1) * 1000, len(cat))
"""


def main(runs: int = 9) -> None:
    imports, loads = [], []
    count = 0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
        ).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
        count = int(out[2])
    print(
        json.dumps(
            {
                "import_ms_median": round(statistics.median(imports), 2),
                "first_catalog_ms_median": round(statistics.median(loads), 2),
                "codes": count,
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
