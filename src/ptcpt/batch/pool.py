"""Checking visits in bulk: streamed input, several processes, nothing lost, nothing hangs.

``ptcpt check`` reads a JSON visit, a JSON list, JSON lines of any size or X12 837P
(:mod:`ptcpt.inputs`). Records are checked in chunks on worker processes with a bounded
number of chunks in flight and written out in input order, so memory stays flat however
long the input is. Every record ends as exactly one :class:`Outcome`: checked, rejected
(the input cannot be read as a visit) or not checked (the check itself failed), each
with its reason and input number.

The workers run on :class:`concurrent.futures.ProcessPoolExecutor`, whose broken-pool
detection is public. What a failure costs:

- A worker that dies (``kill -9``, the OOM killer, ``os._exit`` in a plugin) breaks the
  pool: it is replaced by a fresh one. Each worker writes the position of the visit it
  is checking to shared memory, so the visit that was being checked when it died is
  known; it is retried once, alone, and reported as not checked if its worker dies
  again. The other visits of the broken chunks are checked again as usual.
- ``timeout`` (seconds per visit, off by default) is a watchdog: a visit whose rules run
  longer is reported as not checked, and the worker checking it is killed and replaced.
  A hanging rule is the plugin's bug; the watchdog keeps it from stalling the run.
  With a timeout, even ``jobs=1`` checks in a worker process: only a process can be
  stopped safely whatever a rule is doing (a thread cannot be, and an alarm signal
  does not interrupt a rule stuck in C code).
- Ctrl-C (SIGINT) stops the run within a fifth of a second: while the iterator works,
  SIGINT only sets a flag that it reads at safe points (never inside the executor's own
  bookkeeping), where the caller's SIGINT handler is run. Python's own raises
  ``KeyboardInterrupt`` from the iterator, after every result already yielded, and the
  workers are killed (they ignore SIGINT themselves, so they print nothing). While the
  caller holds a result, Ctrl-C goes to the caller's handler as usual.

Without ``timeout`` and with ``jobs=1`` visits are checked in the calling process, one
at a time, so output keeps pace with streamed input; a rule's exception is contained by
the engine there too, but a rule that ends the process ends the caller.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_for
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ptcpt.errors import InvalidVisit
from ptcpt.inputs import Record, Records, read_records

if TYPE_CHECKING:
    from ptcpt.engine import Checker

__all__ = [
    "Batch",
    "Outcome",
    "Records",
    "WorkersFailed",
    "check_batches",
    "check_records",
    "process",
    "read_records",
    "visit_of",
]

log = logging.getLogger("ptcpt")

CHUNK = 256
#: How often (seconds) the waiting main process looks at the watchdog and for Ctrl-C.
_TICK = 0.2
#: Pools in a row that broke before checking anything: then the workers cannot work.
_MAX_FRUITLESS = 3

DIED = (
    "its worker process stopped while checking it, and again when it was checked alone "
    "(killed, out of memory, or ended by a rule)"
)


def timed_out(timeout: float) -> str:
    """The reason given for a visit whose rules ran past ``timeout`` seconds."""
    return f"its rules did not finish within {timeout:g} s; the worker checking it was stopped"


class WorkersFailed(RuntimeError):
    """Worker processes kept stopping before checking anything (they cannot start)."""


@attrs.frozen
class Outcome:
    """What became of one input record.

    ``error`` says why a record was rejected (it cannot be read as a visit: fix the
    input); ``unchecked`` why a readable visit could not be checked (a worker died
    twice on it, or its rules ran past the timeout: the visit itself may be fine).
    """

    number: int
    output: str | None
    error: str | None = None
    has_errors: bool = False
    unchecked: str | None = None

    @property
    def checked(self) -> bool:
        return self.error is None and self.unchecked is None


@attrs.frozen
class Batch:
    """What became of a run of consecutive input records, ready to be written out at once.

    ``text`` holds one line per output in input order, each ending in a newline: the
    report of every checked record (JSON or the summary), and in ``json_mode`` an
    ``{"input": "line 7", "error": ...}`` object for every rejected one and an
    ``{"input": "line 7", "not_checked": ...}`` object for every one not checked
    (``item N`` for a JSON list, ``claim N`` for X12). ``rejected`` and ``unchecked``
    list those as ``(number, reason)``.
    """

    text: str
    rejected: tuple[tuple[int, str], ...]
    checked: int
    with_errors: int
    unchecked: tuple[tuple[int, str], ...] = ()
    #: The input number of the batch's last record: the output is complete up to it.
    last: int = 0


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
    output, error, has_errors, unchecked = _checked(checker, payload, json_mode)
    return Outcome(number, output, error=error, has_errors=has_errors, unchecked=unchecked)


class _Rejected(NamedTuple):
    """A record already rejected while reading, as sent to a worker (exceptions pickle poorly)."""

    reason: str


def _checked(
    checker: Checker, payload: Any, json_mode: bool
) -> tuple[str | None, str | None, bool, str | None]:
    """(output, rejection, has errors, why not checked) for one record: what :func:`process` wraps."""
    from ptcpt.serialize import report_to_json

    try:
        if isinstance(payload, _Rejected):
            return None, payload.reason, False, None
        if isinstance(payload, InvalidVisit):
            raise payload
        if type(payload) is bytes:
            payload = _text(payload)
        claim_lines = getattr(payload, "claim_lines", None)
        if claim_lines is None:
            report = checker.check(visit_of(payload))
            text = report_to_json(report) if json_mode else report.summary()
        else:  # an X12 ClaimVisit: findings name the claim's own line numbers (LX)
            report = checker.check(payload.visit)
            if json_mode:
                text = report.to_json(claim_lines=claim_lines, separators=(",", ":"))
            else:
                text = report.summary(claim_lines=claim_lines)
    except InvalidVisit as exc:
        return None, str(exc), False, None
    except BaseException as exc:
        return None, None, False, _failed(exc)
    return text, None, not report.ok, None


def _failed(exc: BaseException) -> str:
    """Why a visit was not checked when checking it raised outside any rule (a bug: rules'
    own failures are findings). Re-raises what must stop the run (Ctrl-C, outside workers)."""
    if not _IN_WORKER and not isinstance(exc, Exception):
        raise exc  # KeyboardInterrupt, SystemExit in the caller's own process: theirs to act on
    debug = os.environ.get("PTCPT_DEBUG", "").strip() not in ("", "0")
    log.warning("checking a visit raised %s", type(exc).__name__, exc_info=exc if debug else None)
    return f"checking it failed ({type(exc).__name__}); --debug or PTCPT_DEBUG=1 logs the traceback"


def _text(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidVisit(
            "",
            f"the line is not UTF-8 text (at byte {exc.start + 1}; ptcpt reads UTF-8, "
            "and this looks like another encoding, such as Windows-1252)",
        ) from None


# -- the work done on a chunk ------------------------------------------------------------------
# Two shapes of result, one per public function: a list of outcome tuples (check_records)
# or a chunk's output as one string (check_batches). Tuples pickle back far faster than
# attrs objects, and one string per chunk spares the main process a write per record.
OutcomeTuple = tuple[int, str | None, str | None, bool, str | None]
BatchTuple = tuple[str, tuple[tuple[int, str], ...], int, int, tuple[tuple[int, str], ...], int]

# Worker-side state: the checker, and where to say which visit of which task is under way.
_WORKER: Checker | None = None
_PROGRESS: Any = None  # per task slot: index of the visit being checked (-1 none yet)
_STAMPS: Any = None  # per task slot: time.monotonic() when that visit started
_PIDS: Any = None  # per task slot: the worker process running it
_SLOT = -1
_IN_WORKER = False  # in a worker, any exception a check raises is that visit's failure


def _outcomes(checker: Checker, chunk: list[Record], json_mode: bool, unit: str) -> list[OutcomeTuple]:
    progress, stamps, slot, now = _PROGRESS, _STAMPS, _SLOT, time.monotonic
    result: list[OutcomeTuple] = []
    for index, (number, payload) in enumerate(chunk):
        if progress is not None:
            stamps[slot] = now()
            progress[slot] = index
        result.append((number, *_checked(checker, payload, json_mode)))
    return result


def _batch(checker: Checker, chunk: list[Record], json_mode: bool, unit: str) -> BatchTuple:
    """A chunk's outputs as one :class:`Batch`'s fields."""
    from ptcpt.serialize import report_to_json, visit_from_json

    progress, stamps, slot, now = _PROGRESS, _STAMPS, _SLOT, time.monotonic
    parts: list[str] = []
    rejected: list[tuple[int, str]] = []
    unchecked: list[tuple[int, str]] = []
    with_errors = 0
    check = checker.check
    output: str | None
    error: str | None
    failed: str | None
    for index, (number, payload) in enumerate(chunk):
        if progress is not None:
            stamps[slot] = now()
            progress[slot] = index
        kind = type(payload)
        if kind is bytes or kind is str:
            # JSON lines, nearly every record: _checked's work without its dispatch.
            try:
                report = check(visit_from_json(_text(payload) if kind is bytes else payload))
                output = report_to_json(report) if json_mode else report.summary()
            except InvalidVisit as exc:
                output, error, has_errors, failed = None, str(exc), False, None
            except BaseException as exc:
                output, error, has_errors, failed = None, None, False, _failed(exc)
            else:
                error, has_errors, failed = None, not report.ok, None
        else:
            output, error, has_errors, failed = _checked(checker, payload, json_mode)
        if output is not None:
            parts.append(output)
            with_errors += has_errors
        elif error is not None:
            rejected.append((number, error))
            if json_mode:
                parts.append(json.dumps({"input": f"{unit} {number}", "error": error}))
        else:
            assert failed is not None
            unchecked.append((number, failed))
            if json_mode:
                parts.append(json.dumps({"input": f"{unit} {number}", "not_checked": failed}))
    text = "\n".join(parts) + "\n" if parts else ""
    checked = len(chunk) - len(rejected) - len(unchecked)
    return text, tuple(rejected), checked, with_errors, tuple(unchecked), chunk[-1][0] if chunk else 0


class _Work(NamedTuple):
    """A kind of work on chunks: doing it, joining results of parts, and "not checked"."""

    run: Callable[[Checker, list[Record], bool, str], Any]
    merge: Callable[[list[Any]], Any]
    unchecked: Callable[[list[Record], str, bool, str], Any]


def _merge_outcomes(parts: list[list[OutcomeTuple]]) -> list[OutcomeTuple]:
    return [item for part in parts for item in part]


def _unchecked_outcomes(chunk: list[Record], reason: str, json_mode: bool, unit: str) -> list[OutcomeTuple]:
    return [(number, None, None, False, reason) for number, _ in chunk]


def _merge_batches(parts: list[BatchTuple]) -> BatchTuple:
    if len(parts) == 1:
        return parts[0]
    return (
        "".join(p[0] for p in parts),
        tuple(r for p in parts for r in p[1]),
        sum(p[2] for p in parts),
        sum(p[3] for p in parts),
        tuple(u for p in parts for u in p[4]),
        max(p[5] for p in parts),
    )


def _unchecked_batch(chunk: list[Record], reason: str, json_mode: bool, unit: str) -> BatchTuple:
    text = ""
    if json_mode:
        text = "".join(json.dumps({"input": f"{unit} {n}", "not_checked": reason}) + "\n" for n, _ in chunk)
    return text, (), 0, 0, tuple((n, reason) for n, _ in chunk), chunk[-1][0] if chunk else 0


_WORKS = {
    "outcomes": _Work(_outcomes, _merge_outcomes, _unchecked_outcomes),
    "batch": _Work(_batch, _merge_batches, _unchecked_batch),
}


def _init_worker(
    factory: Callable[[], Checker], progress: Any, stamps: Any, pids: Any, registry: Any, lock: Any
) -> None:
    """Set up a worker: its own Checker, the shared progress arrays, no Ctrl-C of its own."""
    global _WORKER, _PROGRESS, _STAMPS, _PIDS, _IN_WORKER
    _IN_WORKER = True
    # The main process handles Ctrl-C for the whole run and stops the workers itself; a
    # worker that took SIGINT too would print a traceback from wherever it was. SIGTERM
    # must kill: it is how the executor stops workers (a handler inherited from the
    # main process, such as the CLI's, would keep them alive).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    with lock:
        for i in range(len(registry)):
            if registry[i] == 0:
                registry[i] = os.getpid()
                break
    _PROGRESS, _STAMPS, _PIDS = progress, stamps, pids
    _WORKER = factory()
    _WORKER.tables  # noqa: B018 - load CMS tables now, not inside the first visit's time limit


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker if the main process dies (say, kill -9)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() == 1:  # pragma: no cover - the parent died before prctl
        os._exit(1)


def _run_chunk(kind: str, chunk: list[Record], json_mode: bool, unit: str, slot: int) -> Any:
    """A task in a worker: one chunk, its progress written to ``slot`` as it goes."""
    global _SLOT
    assert _WORKER is not None
    _SLOT = slot
    _PIDS[slot] = os.getpid()
    result = _WORKS[kind].run(_WORKER, chunk, json_mode, unit)
    _PROGRESS[slot] = len(chunk)
    return result


# -- the pool and its pieces of work -----------------------------------------------------------
class _Pool:
    """One ProcessPoolExecutor and the shared memory its workers report progress in.

    A broken pool is never mended: it is shut down and a new one started, with fresh
    shared memory, so nothing a dead worker wrote can be misread.
    """

    def __init__(self, factory: Callable[[], Checker], jobs: int, slots: int) -> None:
        context = multiprocessing.get_context()
        self.progress = context.RawArray("q", slots)
        self.stamps = context.RawArray("d", slots)
        self.pids = context.RawArray("q", slots)
        self.workers = context.RawArray("q", jobs)
        self.free = list(range(slots - 1, -1, -1))
        self.tasks: dict[int, tuple[Future[Any], int]] = {}  # slot -> (its task, its visits)
        self.executor = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_init_worker,
            initargs=(factory, self.progress, self.stamps, self.pids, self.workers, context.Lock()),
        )

    def submit(self, kind: str, records: list[Record], json_mode: bool, unit: str) -> tuple[Future[Any], int]:
        slot = self.free.pop()
        self.progress[slot], self.stamps[slot], self.pids[slot] = -1, 0.0, 0
        try:
            future = self.executor.submit(_run_chunk, kind, records, json_mode, unit, slot)
        except BaseException:
            self.free.append(slot)
            raise
        self.tasks[slot] = future, len(records)
        return future, slot

    def release(self, slot: int) -> None:
        self.tasks.pop(slot, None)
        self.free.append(slot)

    def kill(self, pid: int) -> None:
        if pid > 0:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))

    def close(self, *, kill: bool) -> None:
        """Shut down; ``kill`` stops the workers at once rather than after their work."""
        if kill:
            self._kill()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def _kill(self) -> None:
        """Kill a worker, and so the pool, but never one that may be sending a result.

        The executor reads a result as one message; a worker killed halfway through
        writing it would leave the executor waiting for the rest for ever (and shutting
        down, waiting for the executor). A worker still in the rules is not writing, nor
        is one that has no task. One dead worker is enough: the executor then terminates
        the others itself, once it has read what they were sending.
        """
        self.executor.shutdown(wait=False, cancel_futures=True)  # nothing new is started
        while True:
            sending = set()
            for slot, (future, size) in list(self.tasks.items()):
                pid = self.pids[slot]
                if future.done() or pid <= 0:
                    continue
                if self.progress[slot] < size:  # in the rules, or about to be
                    self.kill(pid)
                    return
                sending.add(pid)  # done with its visits: its result is on its way
            idle = [pid for pid in self.workers if pid > 0 and pid not in sending]
            if not sending:
                for pid in idle:
                    self.kill(pid)
                return
            waiting = [future for future, _ in self.tasks.values() if not future.done()]
            wait_for(waiting, timeout=_TICK, return_when=FIRST_COMPLETED)


class _Piece:
    """Consecutive records of one chunk, done as one task (or already known)."""

    __slots__ = ("future", "records", "result", "retry", "slot")

    def __init__(self, records: list[Record], *, retry: bool = False, result: Any = None) -> None:
        self.records = records
        self.retry = retry  # a visit retried alone: a second death means "not checked"
        self.result = result
        self.future: Future[Any] | None = None
        self.slot = -1


class _Runner:
    """Checks chunks on worker processes and yields their results in input order."""

    def __init__(
        self,
        work: str,
        factory: Callable[[], Checker],
        jobs: int,
        json_mode: bool,
        timeout: float | None,
        unit: Callable[[], str],
    ) -> None:
        self.kind = work
        self.work = _WORKS[work]
        self.factory = factory
        self.jobs = jobs
        self.json_mode = json_mode
        self.timeout = timeout
        self.unit = unit
        self.pool: _Pool | None = None
        self.pending: deque[list[_Piece]] = deque()  # chunks in input order, as pieces
        self.killed: dict[int, int] = {}  # id(piece) -> index of the visit the watchdog stopped
        self.fruitless = 0
        self.interrupted = False
        self.reading = False
        self._handler: Callable[[int, Any], None] | None = None
        self._caller_handler: Callable[[int, Any], Any] = signal.default_int_handler

    # -- the loop ------------------------------------------------------------------------------
    def run(self, chunks: Iterator[tuple[list[Record], bool]]) -> Iterator[Any]:
        limit = 2 * self.jobs
        exhausted = False
        dry = False  # the input ran dry: answer what is in flight before waiting for more
        damage: Exception | None = None  # the input broke off: raised once what was read is out
        with self._ctrl_c():
            try:
                while True:
                    if not self.pending:
                        dry = False
                    while not exhausted and not dry and len(self.pending) < limit:
                        self._check_interrupt()
                        self.reading = True  # blocked on input, Ctrl-C must act at once
                        try:
                            got = next(chunks, None)
                        except Exception as exc:  # X12 envelope damage, an unreadable file
                            damage, got = exc, None
                        finally:
                            self.reading = False
                        if got is None:
                            exhausted = True
                            break
                        chunk, dry = got
                        piece = _Piece(chunk)
                        self.pending.append([piece])
                        self._submit(piece)
                    if not self.pending:
                        if damage is not None:
                            raise damage
                        break
                    head = self.pending[0]
                    self._finish(head)
                    self.pending.popleft()
                    result = self.work.merge([p.result for p in head])
                    with self._ctrl_c_off():
                        yield result
            except BaseException:
                self._close(kill=True)
                raise
            self._close(kill=False)

    def _submit(self, piece: _Piece) -> None:
        while True:
            if self.pool is None:
                # A slot per task this pool may hold at once: every piece still to do (a
                # broken pool's chunks come back cut in pieces), plus new chunks up to the limit.
                waiting = sum(1 for pieces in self.pending for piece in pieces if piece.result is None)
                self.pool = _Pool(self.factory, self.jobs, waiting + 2 * self.jobs + 8)
            try:
                piece.future, piece.slot = self.pool.submit(
                    self.kind, piece.records, self.json_mode, self.unit()
                )
                return
            except BrokenProcessPool:
                self._recover()
                if piece.result is not None:
                    return

    def _finish(self, pieces: list[_Piece]) -> None:
        """Wait until every piece of a chunk has its result, mending the pool as needed."""
        while True:
            waiting = next((p for p in pieces if p.result is None), None)
            if waiting is None:
                return
            self._check_interrupt()
            assert waiting.future is not None
            try:
                result = waiting.future.result(timeout=_TICK)
            except FutureTimeout:
                self._watch()
                continue
            except BrokenProcessPool:
                self._recover()
                continue
            except Exception as exc:  # a bug outside any rule: say so, lose nothing silently
                result = self.work.unchecked(
                    waiting.records, f"checking failed ({type(exc).__name__})", self.json_mode, self.unit()
                )
            self._done(waiting, result)

    def _done(self, piece: _Piece, result: Any) -> None:
        piece.result = result
        piece.future = None
        if self.pool is not None:
            self.pool.release(piece.slot)
        self.fruitless = 0

    # -- the watchdog --------------------------------------------------------------------------
    def _watch(self) -> None:
        """Kill the worker of any visit that has run longer than the timeout."""
        if self.timeout is None or self.pool is None:
            return
        pool = self.pool
        now = time.monotonic()
        for pieces in self.pending:
            for piece in pieces:
                if piece.future is None or id(piece) in self.killed:
                    continue
                slot = piece.slot
                started, index = pool.stamps[slot], pool.progress[slot]
                overdue = 0 <= index < len(piece.records) and now - started > self.timeout
                if overdue and pool.stamps[slot] == started:  # and still on that visit
                    self.killed[id(piece)] = index
                    pool.kill(pool.pids[slot])

    # -- a broken pool ---------------------------------------------------------------------------
    def _recover(self) -> None:
        """Replace a broken pool; retry alone each visit a dead worker was checking.

        Pieces are changed in place (a piece that was cut keeps the visit it held), so a
        piece being waited on stays the one to wait on, however often the pool breaks.
        """
        old = self.pool
        assert old is not None
        self.pool = None
        old.close(kill=False)  # the executor has stopped its workers; wait until it has
        unit = self.unit()
        suspects: list[_Piece] = []
        again: list[_Piece] = []
        started = False
        for pieces in self.pending:
            replaced: list[_Piece] = []
            for piece in pieces:
                future, piece.future = piece.future, None
                replaced.append(piece)
                if future is None:
                    continue  # known already, or waiting to be sent
                if future.done() and not future.cancelled() and future.exception() is None:
                    piece.result = future.result()  # finished before the break
                    self.fruitless = 0
                    continue
                index = old.progress[piece.slot]
                killed_at = self.killed.pop(id(piece), None)
                records = piece.records
                if not 0 <= index < len(records):  # not started, or done but not sent back
                    again.append(piece)
                    continue
                started = True
                if index:
                    before = _Piece(records[:index])
                    replaced.insert(len(replaced) - 1, before)
                    again.append(before)
                if index + 1 < len(records):
                    after = _Piece(records[index + 1 :])
                    replaced.append(after)
                    again.append(after)
                piece.records = held = records[index : index + 1]
                if killed_at == index:
                    assert self.timeout is not None
                    piece.result = self.work.unchecked(held, timed_out(self.timeout), self.json_mode, unit)
                elif piece.retry:
                    piece.result = self.work.unchecked(held, DIED, self.json_mode, unit)
                else:
                    piece.retry = True
                    suspects.append(piece)
            pieces[:] = replaced
        self.killed.clear()
        if not started:
            self.fruitless += 1
            if self.fruitless >= _MAX_FRUITLESS:
                raise WorkersFailed(
                    f"worker processes stopped {self.fruitless} times in a row before checking "
                    "anything; the run cannot go on"
                )
        for suspect in suspects:
            # Alone, with nothing else in flight: if its worker dies, the death is its own.
            if suspect.result is None and suspect.future is None:
                self._submit(suspect)
            self._finish([suspect])
        for part in again:
            if part.result is None and part.future is None:
                self._submit(part)

    # -- stopping --------------------------------------------------------------------------------
    def _close(self, *, kill: bool) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close(kill=kill)

    def _check_interrupt(self) -> None:
        if self.interrupted:
            self.interrupted = False
            self._caller_handler(signal.SIGINT, None)  # Python's own raises KeyboardInterrupt

    @contextlib.contextmanager
    def _ctrl_c(self) -> Iterator[None]:
        """While the runner works, Ctrl-C only sets a flag, acted on at a safe point.

        A KeyboardInterrupt raised in the middle of the executor's bookkeeping could
        leave it unable to shut down; the flag is read every tick, so the stop is prompt.
        At that point the caller's own SIGINT handler runs (Python's raises
        KeyboardInterrupt). Only done in the main thread, and only when SIGINT has a
        handler set from Python (not when it is ignored).
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)
        if not callable(previous):
            yield
            return
        self._caller_handler = previous

        def note(signum: int, frame: Any) -> None:
            if self.reading:
                previous(signum, frame)  # in the reader's own code, never the executor's
                return
            self.interrupted = True

        signal.signal(signal.SIGINT, note)
        self._handler = note
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    @contextlib.contextmanager
    def _ctrl_c_off(self) -> Iterator[None]:
        """While the caller holds a result (the generator is suspended), Ctrl-C is the caller's."""
        handler = self._handler
        if handler is None or signal.getsignal(signal.SIGINT) is not handler:
            yield
            return
        signal.signal(signal.SIGINT, self._caller_handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, handler)
        self._check_interrupt()


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
