"""End-to-end batch throughput: ``ptcpt check --jobs N --json`` over generated JSONL.

Run: ``python benchmarks/bench_batch.py --visits 1000000 --jobs 2``. It writes a file of
realistic visits (a seeded mix of payers, timed and untimed codes, modifiers, minutes, a
few deliberate errors), runs the real command on it with output to /dev/null, and
prints JSON: visits/s end to end and the peak resident memory of the largest process.
Run it at two sizes to see that memory stays flat. Target (issue 7): >= 20,000 visits/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from ptcpt.units import allocate

TIMED = ["97110", "97112", "97116", "97140", "97530", "97535", "97035", "97032"]
UNTIMED = ["97010", "97012", "G0283", "97161", "97162", "97164", "97150", "95992"]
PAYERS = ["medicare"] * 6 + ["medicaid"] * 2 + ["commercial"] * 2


def visit(rng: random.Random, i: int) -> dict[str, object]:
    """A visit as a clinic bills it: mostly right, with the usual mistakes now and then."""
    payer = rng.choice(PAYERS)
    minutes = {
        code: rng.choice([8, 10, 12, 15, 18, 23, 25, 30, 38]) for code in rng.sample(TIMED, rng.randint(2, 4))
    }
    plan = allocate(minutes, method="ama" if payer == "commercial" else "cms")
    lines: list[dict[str, object]] = []
    for code, spent in minutes.items():
        units = plan[code] + (1 if rng.random() < 0.05 else 0)
        if units:
            lines.append(
                {
                    "code": code,
                    "units": units,
                    "minutes": spent,
                    "modifiers": ["GP"] + (["59"] if rng.random() < 0.05 else []),
                }
            )
    if rng.random() < 0.4:
        code = rng.choice(UNTIMED)
        line: dict[str, object] = {"code": code, "modifiers": ["GP"]}
        if code == "97150":
            line["group_size"] = rng.choice([2, 3, 4, 1])
        lines.append(line)
    if rng.random() < 0.02:
        lines.append({"code": "97762", "units": 1, "minutes": 15, "modifiers": ["GP"]})
    year = rng.choice([2023, 2024, 2025])
    return {
        "id": f"v{i}",
        "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "payer": payer,
        "lines": lines,
        **({"ytd_allowed": str(rng.randint(0, 2000))} if rng.random() < 0.3 else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(7)
    folder = tempfile.mkdtemp(prefix="ptcpt-bench-")
    path = os.path.join(folder, "visits.jsonl")
    try:
        with open(path, "w", encoding="utf-8") as out:
            for i in range(args.visits):
                out.write(json.dumps(visit(rng, i), separators=(",", ":")) + "\n")
        size_mb = os.path.getsize(path) / 1e6
        exe = shutil.which("ptcpt")
        command = [exe] if exe else [sys.executable, "-m", "ptcpt"]
        start = time.perf_counter()
        with open(os.devnull, "w") as devnull:
            result = subprocess.run(
                [*command, "check", path, "--json", "--jobs", str(args.jobs)],
                stdout=devnull,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
        seconds = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(
            json.dumps(
                {
                    "visits": args.visits,
                    "jobs": args.jobs,
                    "input_mb": round(size_mb, 1),
                    "seconds": round(seconds, 1),
                    "visits_per_s": round(args.visits / seconds),
                    "peak_rss_mb_largest_process": round(peak_kb / 1024, 1),
                    "exit_status": result.returncode,
                    "summary": result.stderr.strip().splitlines()[-1] if result.stderr else "",
                }
            )
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
