"""Speed of reading 837P claim files (``ptcpt.x12``), beside pyx12's own readers.

Run: ``python benchmarks/bench_x12.py [claims]`` (default 1,000). The pyx12 figures need the
``x12`` extra (ptcpt's reader does not).
Builds an interchange of that many claims by repeating the subscribers and claims of
``examples/claims/pt_claims.837`` (renumbered), then prints one JSON object:

- ``read_837p_*``: ptcpt's reader, best of 3 runs;
- ``pyx12_segments_only_s``: pyx12's segment reader alone (what ptcpt read with until it
  split segments itself);
- ``pyx12_context_reader_s``: pyx12's map-aware loop reader (what a reader built on it
  would cost; ptcpt walks the loops itself instead);
- ``pyx12_validate_s``: pyx12's full 837P validation of the same file;
- ``peak_kib_*``: peak Python memory while streaming 1x and 4x the claims (flat: the
  reader holds one claim at a time).
"""

from __future__ import annotations

import io
import json
import pathlib
import sys
import tempfile
import time
import tracemalloc

from ptcpt.x12 import ClaimVisit, read_837p

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "claims" / "pt_claims.837"


def build(claims: int) -> str:
    """An 837P of ``claims`` claims cycled from the example, with HL ids and claim ids renumbered."""
    segs = [s.strip() for s in EXAMPLE.read_text().split("~") if s.strip()]
    first = segs.index("HL*2*1*22*0")
    end = next(i for i, s in enumerate(segs) if s.startswith("SE*"))
    head, body, tail = segs[:first], segs[first:end], segs[end + 1 :]
    starts = [i for i, s in enumerate(body) if s.startswith("HL*") and s.split("*")[3] == "22"]
    blocks = [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]
    out = list(head)
    hl = 1
    for n in range(claims):
        renumbered: dict[str, str] = {"1": "1"}
        for seg in blocks[n % len(blocks)]:
            fields = seg.split("*")
            if fields[0] == "HL":
                hl += 1
                renumbered[fields[1]] = str(hl)
                fields[1], fields[2] = str(hl), renumbered[fields[2]]
            elif fields[0] == "CLM":
                fields[1] = f"BENCH{n + 1:07d}"
            out.append("*".join(fields))
    out.append(f"SE*{len(out) - head.index(next(s for s in head if s.startswith('ST*'))) + 1}*0001")
    out += tail
    return "~\n".join(out) + "~\n"


def best(func: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def peak_kib(text: str) -> int:
    """Peak traced memory while reading ``text`` from a file (a StringIO would hold it all)."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "claims.837"
        path.write_text(text)
        tracemalloc.start()
        for _ in read_837p(path):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return round(peak / 1024)


def main(claims: int = 1000) -> None:
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12context
    import pyx12.x12file
    import pyx12.x12n_document

    text = build(claims)
    items = list(read_837p(io.StringIO(text)))
    assert all(isinstance(i, ClaimVisit) for i in items), "the benchmark file must read cleanly"
    segments = text.count("~")
    seconds = best(lambda: list(read_837p(io.StringIO(text))))

    def context() -> None:
        reader = pyx12.x12context.X12ContextReader(
            pyx12.params.params(), pyx12.error_handler.errh_null(), io.StringIO(text)
        )
        for _ in reader.iter_segments("2300"):
            pass

    figures = {
        "claims": claims,
        "visits": len(items),
        "segments": segments,
        "megabytes": round(len(text) / 1e6, 2),
        "read_837p_s": round(seconds, 3),
        "read_837p_claims_per_s": round(claims / seconds),
        "read_837p_visits_per_s": round(len(items) / seconds),
        "read_837p_segments_per_s": round(segments / seconds),
        "pyx12_segments_only_s": round(best(lambda: list(pyx12.x12file.X12Reader(io.StringIO(text)))), 3),
        "pyx12_context_reader_s": round(best(context, 1), 3),
        "pyx12_validate_s": round(
            best(
                lambda: pyx12.x12n_document.x12n_document(
                    pyx12.params.params(), io.StringIO(text), None, None
                ),
                1,
            ),
            3,
        ),
        f"peak_kib_{claims}_claims": peak_kib(text),
        f"peak_kib_{4 * claims}_claims": peak_kib(build(4 * claims)),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
