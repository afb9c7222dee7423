"""The worker pool: chunks in flight, results in input order, workers replaced when they fail.

:class:`_Runner` keeps at most ``2 * jobs`` chunks in flight on a :class:`_Pool` (one
ProcessPoolExecutor and the shared memory its workers report progress in), watches
the timeout, retries the visit a dead worker was checking, and stops on Ctrl-C. The
package docstring (:mod:`ptcpt.batch`) says what each failure costs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_for
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from ptcpt._inputs import Record
from ptcpt.batch.work import _WORKS, DIED, WorkersFailed, _init_worker, _run_chunk, timed_out

if TYPE_CHECKING:
    from ptcpt._engine import Checker

#: How often (seconds) the waiting main process looks at the watchdog and for Ctrl-C.
_TICK = 0.2
#: Pools in a row that broke before checking anything: then the workers cannot work.
_MAX_FRUITLESS = 3


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
