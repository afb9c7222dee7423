"""What is done to a record and to a chunk of records, in the calling process or a worker.

The values a run yields (:class:`Outcome`, :class:`Batch`), how one record is parsed
and checked, and the worker side of the pool: its set-up, its per-process state (the
Checker, the shared progress arrays) and the task it runs on each chunk. Kept in one
module because the worker's state is module globals that :func:`_init_worker` sets and
the checks read.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from ptcpt._inputs import Record
from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    from ptcpt._engine import Checker

log = logging.getLogger("ptcpt")

CHUNK = 256
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
    from ptcpt._visit import Visit
    from ptcpt.serialize import visit_from_dict, visit_from_json

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
