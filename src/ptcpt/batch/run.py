"""The public entry points: records cut into chunks and checked in the calling process or on the pool."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ptcpt._inputs import Record
from ptcpt.batch.pool import _Runner
from ptcpt.batch.work import _WORKS, CHUNK, Batch, Outcome, _Rejected
from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    from ptcpt._engine import Checker


def _chunks(records: Iterable[Record], size: int) -> Iterator[tuple[list[Record], bool]]:
    """``(records, dry)``: lists of at most ``size`` records, each with True when the input
    ran dry after it (see :meth:`Records.chunks`); rejections travel as plain text."""
    chunked = getattr(records, "chunks", None)  # Records, or a wrapper of them, cut chunks best
    source: Iterator[list[Record]] = chunked(size) if chunked is not None else _group(records, size)
    for chunk in source:
        plain = [
            (number, _Rejected(str(payload)) if isinstance(payload, InvalidVisit) else payload)
            for number, payload in chunk
        ]
        yield plain, getattr(chunk, "dry", False)


def _group(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    source = iter(records)
    while True:
        try:
            record = next(source)
        except StopIteration:
            break
        except Exception:
            if chunk:  # the input broke off: what was read comes out first
                yield chunk
            raise
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run(
    records: Iterable[Record],
    work: str,
    *,
    checker_factory: Callable[[], Checker],
    jobs: int,
    json_mode: bool,
    chunk_size: int,
    timeout: float | None,
) -> Iterator[Any]:
    """``work`` applied to each chunk of records, in input order (see the module docstring)."""
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a number of seconds > 0 (or None for none), got {timeout}")

    def unit() -> str:
        return str(getattr(records, "unit", "line"))

    run = _WORKS[work].run
    if jobs == 1 and timeout is None:
        checker = checker_factory()
        for record in records:
            yield run(checker, _next_chunk(record), json_mode, unit())
        return
    runner = _Runner(work, checker_factory, jobs, json_mode, timeout, unit)
    yield from runner.run(_chunks(records, chunk_size))


def _next_chunk(record: Record) -> list[Record]:
    number, payload = record
    if isinstance(payload, InvalidVisit):
        return [(number, _Rejected(str(payload)))]
    return [record]


def check_records(
    records: Iterable[Record],
    *,
    checker_factory: Callable[[], Checker],
    jobs: int = 1,
    json_mode: bool = False,
    chunk_size: int = CHUNK,
    timeout: float | None = None,
) -> Generator[Outcome, None, None]:
    """Check records in input order, on ``jobs`` processes when ``jobs > 1``.

    ``checker_factory`` must be picklable (a module-level function or a
    ``functools.partial`` of one): each worker process builds its own Checker.
    At most ``2 * jobs`` chunks are in flight, so memory does not grow with the input.
    ``timeout`` (seconds per visit) reports a visit whose rules hang as not checked;
    see the module docstring for what else can go wrong and what becomes of it.
    A record's payload may also be a :class:`ptcpt.x12.ClaimVisit`: its output then
    names each finding's claim line (``claim_line``), as ``ptcpt check`` does for 837P.
    """
    for results in _run(
        records,
        "outcomes",
        checker_factory=checker_factory,
        jobs=jobs,
        json_mode=json_mode,
        chunk_size=chunk_size,
        timeout=timeout,
    ):
        for number, output, error, has_errors, unchecked in results:
            yield Outcome(number, output, error=error, has_errors=has_errors, unchecked=unchecked)


def check_batches(
    records: Iterable[Record],
    *,
    checker_factory: Callable[[], Checker],
    jobs: int = 1,
    json_mode: bool = False,
    chunk_size: int = CHUNK,
    timeout: float | None = None,
) -> Generator[Batch, None, None]:
    """:func:`check_records`, a chunk at a time: what ``ptcpt check`` writes out.

    Each chunk's outputs come back from its worker as one string, which spares the
    main process (it shares the cores with the workers) a message and a write per record.
    """
    for text, rejected, checked, with_errors, unchecked, last in _run(
        records,
        "batch",
        checker_factory=checker_factory,
        jobs=jobs,
        json_mode=json_mode,
        chunk_size=chunk_size,
        timeout=timeout,
    ):
        yield Batch(text, rejected, checked, with_errors, unchecked, last)
