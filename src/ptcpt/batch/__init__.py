"""Checking visits in bulk: streamed input, several processes, nothing lost, nothing hangs.

``ptcpt check`` reads a JSON visit, a JSON list, JSON lines of any size or X12 837P
(:func:`read_records`). Records are checked in chunks on worker processes with a bounded
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

The package by subject: :mod:`.work` (the values, and what is done to a record and a
chunk, in a worker or not), :mod:`.pool` (the worker pool and its failures) and
:mod:`.run` (the public entry points). Every public name is imported from
``ptcpt.batch``.
"""

from __future__ import annotations

from ptcpt._inputs import Records, read_records
from ptcpt.batch.run import check_batches, check_records
from ptcpt.batch.work import CHUNK as CHUNK  # what tests and callers tune a run by
from ptcpt.batch.work import DIED as DIED
from ptcpt.batch.work import Batch, Outcome, WorkersFailed
from ptcpt.batch.work import timed_out as timed_out

__all__ = [
    "Batch",
    "Outcome",
    "Records",
    "WorkersFailed",
    "check_batches",
    "check_records",
    "read_records",
]
