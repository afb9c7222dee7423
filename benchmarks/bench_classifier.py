"""Classifier speed: cold first call, throughput one at a time and in a batch, 1 MB text.

Run: ``python benchmarks/bench_classifier.py``. Prints one JSON object.
Targets (issue 11, with the learned model beside the phrase list): first call after
``import ptcpt`` under 250 ms; at least 10,000 descriptions/s one at a time on one core
(issue 6 asked 20,000 of the phrase list alone); 1 MB of text within 50 ms.

The descriptions are generated here from a small grammar of clinic phrasing (no
evaluation-set text), so the figures do not depend on any private data.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import time

COLD = """
import time
t0 = time.perf_counter()
import ptcpt
ptcpt.classify("x")
print((time.perf_counter() - t0) * 1000)
"""

SERVICES = [
    "TE {n}x{m} SLR, LAQ, bridges",
    "gait training with {device} {d} ft, {assist}",
    "NMR: SLS on foam {n}x30 s, tandem stance",
    "STM and joint mobs to the {part}",
    "IFC to the {part} with MHP x {t} min",
    "ther act: floor to waist lifting {n} lb x {m}",
    "pt educated on HEP, {n} exercises reviewed",
    "Epley maneuver for R posterior canal BPPV",
    "dry needling to {part} muscles, {n} muscles",
    "initial evaluation, {cx}",
    "re-eval: goals updated, {cx}",
    "KT tape to the {part}",
    "US 1 MHz 1.0 W/cm2 to {part} x {t} min",
    "group exercise class with {n} patients",
    "MRI of the {part} reviewed with the physician",
    "pt declined treatment today",
    "w/c propulsion training {d} ft indoors",
    "ADL training: dressing with a reacher and sock aid",
]
FILL = {
    "device": ["FWW", "SPC", "rollator", "axillary crutches", "quad cane"],
    "assist": ["SBA", "CGA", "min A", "mod A"],
    "part": ["knee", "shoulder", "low back", "neck", "ankle", "hip"],
    "cx": ["stable, no comorbidities", "HTN and DM, evolving", "CHF, COPD, DM, unstable"],
}


def descriptions(count: int, seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        template = rng.choice(SERVICES)
        values = {key: rng.choice(options) for key, options in FILL.items()}
        values.update(n=rng.randint(2, 4), m=rng.randint(8, 15), d=rng.randint(50, 400), t=rng.randint(8, 20))
        text = template.format(**values)
        if rng.random() < 0.3:  # a typo in a third of them
            i = rng.randrange(len(text) - 1)
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        out.append(text)
    return out


def cold_ms(runs: int = 5) -> float:
    figures = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
        figures.append(float(result.stdout.strip()))
    return statistics.median(figures)


def main() -> None:
    import ptcpt

    texts = descriptions(2000)
    ptcpt.classify_many(texts)  # warm the per-word caches, as a long-running batch would
    single, batch = [], []
    for _ in range(5):
        started = time.perf_counter()
        for text in texts:
            ptcpt.classify(text)
        single.append(len(texts) / (time.perf_counter() - started))
        started = time.perf_counter()
        ptcpt.classify_many(texts)
        batch.append(len(texts) / (time.perf_counter() - started))
    fresh = descriptions(2000, seed=7)
    started = time.perf_counter()
    for text in fresh:
        ptcpt.classify(text)
    unseen = len(fresh) / (time.perf_counter() - started)
    megabyte = ("gait training with FWW 150 ft, CGA; e-stim 15 min; " * 25_000)[:1_000_000]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        ptcpt.classify(megabyte)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        json.dumps(
            {
                "cold_first_call_ms_median": round(cold_ms(), 1),
                "single_texts_per_s": round(statistics.median(single)),
                "batch_texts_per_s": round(statistics.median(batch)),
                "single_texts_per_s_unseen_texts": round(unseen),
                "one_megabyte_ms_median": round(statistics.median(timings), 2),
                "texts": len(texts),
            }
        )
    )


if __name__ == "__main__":
    main()
