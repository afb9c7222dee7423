"""How long ``import ptcpt`` and the first ``ptcpt.catalog()`` take, in fresh processes.

Run: ``python benchmarks/bench_import.py``. Each figure is the median of several fresh
interpreter runs, so it includes nothing cached in memory. ptcpt's bytecode is compiled
first, as it is in an installed package (a machine with ``PYTHONDONTWRITEBYTECODE`` set
and no ``__pycache__`` compiles every module on every start and is slower).
Targets (issue 2): import under 50 ms, first catalog load under 30 ms.
"""

from __future__ import annotations

import compileall
import json
import os
import pathlib
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


def measure(env: dict[str, str], runs: int) -> tuple[float, float, int]:
    imports, loads = [], []
    count = 0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env
        ).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
        count = int(out[2])
    return statistics.median(imports), statistics.median(loads), count


def main(runs: int = 9) -> None:
    import ptcpt

    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    compileall.compile_dir(str(pathlib.Path(ptcpt.__file__).parent), quiet=1)
    imp, load, count = measure(cached, runs)
    print(
        json.dumps(
            {
                "import_ms_median": round(imp, 2),
                "first_catalog_ms_median": round(load, 2),
                "codes": count,
                "runs": runs,
            }
        )
    )


if __name__ == "__main__":
    main()
