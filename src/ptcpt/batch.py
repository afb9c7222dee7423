"""Checking visits in bulk: streamed input, several processes, nothing silently dropped.

``ptcpt check`` reads a JSON visit, a JSON list, or JSONL of any size. JSONL is read
line by line, checked in chunks on ``jobs`` processes with a bounded number of chunks in
flight, and written out in input order, so memory stays flat however long the file is.
Every input record ends as exactly one :class:`Outcome`: checked, or rejected with the
reason and its input line number.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.pool
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO, TypeVar

import attrs

from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    from ptcpt.engine import Checker

__all__ = [
    "Batch",
    "Outcome",
    "Records",
    "check_batches",
    "check_records",
    "process",
    "read_records",
    "visit_of",
]

#: One input record: its line number and a JSON text, a decoded dict, a Visit, or the
#: InvalidVisit explaining why it could not be read.
Record = tuple[int, Any]

CHUNK = 256
T = TypeVar("T")


@attrs.frozen
class Outcome:
    """What became of one input record."""

    number: int
    output: str | None
    error: str | None = None
    has_errors: bool = False

    @property
    def checked(self) -> bool:
        return self.error is None


class Records:
    """The records of one input, read lazily; ``unit`` says what their numbers count.

    ``unit`` is ``"line"`` for JSONL and a single JSON visit (the input line), ``"item"``
    for a JSON list (1-based position) and ``"claim"`` for X12 837P (the claim's ordinal
    in the file); it is known once iteration has started.
    """

    def __init__(self, stream: TextIO, *, x12_payer: str = "medicare") -> None:
        self._stream = stream
        self._payer = x12_payer
        self.unit = "line"

    def __iter__(self) -> Iterator[Record]:
        stream = self._stream
        number = 0
        first = ""
        for raw in stream:
            number += 1
            if raw.strip():
                first = raw
                break
        if not first:
            return
        from ptcpt.x12 import looks_like_x12

        if looks_like_x12(first):
            from ptcpt.x12 import visits_from_x12

            self.unit = "claim"
            yield from visits_from_x12(stream, payer=self._payer, prefix=first)
            return
        if not first.isascii() and not _utf8(first):
            # Undecodable bytes on the first line: reject it and read on as JSONL, the
            # only form in which the following lines can still be checked on their own.
            yield number, InvalidVisit("", "the line is not UTF-8 text")
            head: Any = {}
        else:
            try:
                head = json.loads(first)
            except json.JSONDecodeError:
                head = None
            if isinstance(head, dict):
                yield number, head
        if isinstance(head, dict):
            for raw in stream:
                number += 1
                if not raw.strip():
                    continue
                if not raw.isascii() and not _utf8(raw):
                    yield number, InvalidVisit("", "the line is not UTF-8 text")
                    continue
                yield number, raw
            return
        rest = first + stream.read()
        if not rest.isascii() and not _utf8(rest):
            yield number, InvalidVisit("", "the input is not UTF-8 text")
            return
        try:
            document = json.loads(rest)
        except json.JSONDecodeError as exc:
            line = exc.lineno + number - 1
            yield line, InvalidVisit("", f"not valid JSON (line {line}, column {exc.colno}): {exc.msg}")
            return
        if isinstance(document, list):
            self.unit = "item"
            yield from enumerate(document, start=1)
        else:
            yield number, document


def read_records(stream: TextIO, *, x12_payer: str = "medicare") -> Records:
    """Records from JSON, JSONL or X12 837P text; JSONL and X12 are streamed.

    A stream whose first non-blank line is a whole JSON object is JSONL; one that starts
    with an X12 ``ISA`` header is an 837P claim file (its visits get ``x12_payer``, and
    the record number is the claim's ordinal); anything else is one JSON document (a
    visit or a list of visits, numbered from 1). See :class:`Records` for ``unit``.
    """
    return Records(stream, x12_payer=x12_payer)


def _utf8(text: str) -> bool:
    """False for text holding bytes that were not UTF-8 (read with surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def visit_of(payload: Any) -> Any:
    """The Visit a record holds (parsing JSON text or a dict); raises InvalidVisit."""
    from ptcpt.serialize import visit_from_dict, visit_from_json
    from ptcpt.visit import Visit

    if isinstance(payload, Visit):
        return payload
    if isinstance(payload, str | bytes):
        return visit_from_json(payload)
    return visit_from_dict(payload)


def process(checker: Checker, number: int, payload: Any, *, json_mode: bool) -> Outcome:
    """Parse (if needed) and check one record; structural problems become a rejection."""
    output, error, has_errors = _checked(checker, payload, json_mode)
    return Outcome(number, output, error=error, has_errors=has_errors)


def _checked(checker: Checker, payload: Any, json_mode: bool) -> tuple[str | None, str | None, bool]:
    """(output, rejection, has errors) for one record: what :func:`process` wraps."""
    from ptcpt.serialize import report_to_json

    try:
        if isinstance(payload, _Rejected):
            return None, payload.reason, False
        if isinstance(payload, InvalidVisit):
            raise payload
        report = checker.check(visit_of(payload))
    except InvalidVisit as exc:
        return None, str(exc), False
    text = report_to_json(report) if json_mode else report.summary()
    return text, None, not report.ok


class _Rejected(NamedTuple):
    """A record already rejected while reading, as sent to a worker (exceptions pickle poorly)."""

    reason: str


@attrs.frozen
class Batch:
    """What became of a run of consecutive input records, ready to be written out at once.

    ``text`` holds one line per output in input order, each ending in a newline: the
    report of every checked record (JSON or the summary), and in ``json_mode`` an
    ``{"input": "line 7", "error": ...}`` object for every rejected one (``item N`` for
    a JSON list, ``claim N`` for X12). ``rejected`` lists the rejections as
    ``(number, reason)``.
    """

    text: str
    rejected: tuple[tuple[int, str], ...]
    checked: int
    with_errors: int


# -- several processes -------------------------------------------------------------------
_WORKER: Checker | None = None


def _init_worker(factory: Callable[[], Checker]) -> None:
    global _WORKER
    _WORKER = factory()


Work = Callable[["Checker", list[Record], bool, str], T]


def _in_worker(work: Work[T], chunk: list[Record], json_mode: bool, unit: str) -> T:
    assert _WORKER is not None
    return work(_WORKER, chunk, json_mode, unit)


def _outcomes(
    checker: Checker, chunk: list[Record], json_mode: bool, unit: str
) -> list[tuple[int, str | None, str | None, bool]]:
    """Outcomes of a chunk as plain tuples: they pickle back far faster than attrs objects."""
    return [(number, *_checked(checker, payload, json_mode)) for number, payload in chunk]


def _batch(
    checker: Checker, chunk: list[Record], json_mode: bool, unit: str
) -> tuple[str, tuple[tuple[int, str], ...], int, int]:
    """A chunk as one :class:`Batch`'s fields: one string crosses back, not a result per record."""
    from ptcpt.serialize import report_to_json, visit_from_json

    parts: list[str] = []
    rejected: list[tuple[int, str]] = []
    with_errors = 0
    check = checker.check
    output: str | None
    error: str | None
    for number, payload in chunk:
        if type(payload) is str:
            # JSONL lines, nearly every record: _checked's work without its per-record
            # imports and dispatch.
            try:
                report = check(visit_from_json(payload))
            except InvalidVisit as exc:
                output, error, has_errors = None, str(exc), False
            else:
                output = report_to_json(report) if json_mode else report.summary()
                error, has_errors = None, not report.ok
        else:
            output, error, has_errors = _checked(checker, payload, json_mode)
        if error is not None:
            rejected.append((number, error))
            if json_mode:
                parts.append(json.dumps({"input": f"{unit} {number}", "error": error}))
        else:
            assert output is not None
            parts.append(output)
            with_errors += has_errors
    text = "\n".join(parts) + "\n" if parts else ""
    return text, tuple(rejected), len(chunk) - len(rejected), with_errors


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for number, payload in records:
        # Rejections decided while reading travel as plain text (exceptions pickle poorly).
        if isinstance(payload, InvalidVisit):
            payload = _Rejected(str(payload))
        chunk.append((number, payload))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Pool(multiprocessing.pool.Pool):
    """A Pool whose worker-keeping thread does not wake up for every result.

    The standard Pool's thread that replaces dead workers also waits on the results pipe,
    so while a chunk's output streams back it spins, costing the main process (which
    shares the cores with the workers) about a twentieth of all the CPU time of a run.
    Dead workers and shutdown still wake it: their sentinels and the change notifier.
    """

    def _get_sentinels(self) -> list[Any]:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]


def _run(
    records: Iterable[Record],
    work: Work[T],
    *,
    checker_factory: Callable[[], Checker],
    jobs: int,
    json_mode: bool,
    chunk_size: int,
) -> Iterator[T]:
    """``work`` applied to each chunk of records, in input order, on ``jobs`` processes.

    With one job, chunks are single records, so output keeps pace with streamed input.
    The records' ``unit`` (see :class:`Records`) is read as each chunk is sent, once
    reading has started and the kind of input is known.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    if jobs == 1:
        checker = checker_factory()
        for chunk in _chunks(records, 1):
            yield work(checker, chunk, json_mode, getattr(records, "unit", "line"))
        return
    context = multiprocessing.get_context()
    with _Pool(jobs, initializer=_init_worker, initargs=(checker_factory,), context=context) as pool:
        pending: deque[Any] = deque()
        for chunk in _chunks(records, chunk_size):
            unit = getattr(records, "unit", "line")
            pending.append(pool.apply_async(_in_worker, (work, chunk, json_mode, unit)))
            while len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def check_records(
    records: Iterable[Record],
    *,
    checker_factory: Callable[[], Checker],
    jobs: int = 1,
    json_mode: bool = False,
    chunk_size: int = CHUNK,
) -> Iterator[Outcome]:
    """Check records in input order, on ``jobs`` processes when ``jobs > 1``.

    ``checker_factory`` must be picklable (a module-level function or a
    ``functools.partial`` of one): each worker process builds its own Checker.
    At most ``2 * jobs`` chunks are in flight, so memory does not grow with the input.
    """
    for results in _run(
        records,
        _outcomes,
        checker_factory=checker_factory,
        jobs=jobs,
        json_mode=json_mode,
        chunk_size=chunk_size,
    ):
        for number, output, error, has_errors in results:
            yield Outcome(number, output, error=error, has_errors=has_errors)


def check_batches(
    records: Iterable[Record],
    *,
    checker_factory: Callable[[], Checker],
    jobs: int = 1,
    json_mode: bool = False,
    chunk_size: int = CHUNK,
) -> Iterator[Batch]:
    """:func:`check_records`, a chunk at a time: what ``ptcpt check`` writes out.

    Each chunk's outputs come back from its worker as one string, which spares the
    main process (it shares the cores with the workers) a message and a write per record.
    """
    for text, rejected, checked, with_errors in _run(
        records,
        _batch,
        checker_factory=checker_factory,
        jobs=jobs,
        json_mode=json_mode,
        chunk_size=chunk_size,
    ):
        yield Batch(text, rejected, checked, with_errors)
