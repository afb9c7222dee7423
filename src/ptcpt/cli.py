"""The ``ptcpt`` command: the library's answers, at a shell prompt.

Exit status (:data:`EXIT_CODES`, also in ``ptcpt --help``): 0 when all is well, 1 when
the answer is "no" (an unknown code, a check that found errors), 2 when the command line
or the input is wrong, 74 when the output cannot be written or the system failed the
run (visits not checked), 130 on Ctrl-C (143 on SIGTERM). Errors print one line on
stderr, never a traceback (``--debug`` adds the tracebacks of failing rules).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import functools
import json
import os
import signal
import stat
import sys
import textwrap
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NoReturn, TextIO

from ptcpt.errors import PtcptError

if TYPE_CHECKING:
    from ptcpt._codes import Code
    from ptcpt._inputs import Records

__all__ = ["EXIT_CODES", "main"]

EXIT_OK = 0
EXIT_NO = 1
EXIT_USAGE = 2
EXIT_IOERR = 74  # sysexits.h EX_IOERR
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM

#: Every exit status of ``ptcpt`` and what it means; ``--help`` and docs/cli show it.
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "all is well (every visit checked and clean)",
    EXIT_NO: "the answer is no: a check found errors, a code is unknown",
    EXIT_USAGE: "usage or input error: a bad option, an unreadable file, a rejected visit",
    EXIT_IOERR: "output or system failure: the output could not be written, or visits "
    "could not be checked (a worker died twice on one, a rule ran past --timeout)",
    EXIT_INTERRUPTED: "interrupted by Ctrl-C (SIGINT); 143 for SIGTERM",
}

#: The default --timeout of ``ptcpt check``: far above any real visit (milliseconds).
DEFAULT_TIMEOUT = 60.0

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad command-line input: reported on stderr with exit status 2."""


class OutputFailed(Exception):
    """Standard output could not be written (a full disk, a closed pipe): exit status 74."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error


class _Stdout:
    """sys.stdout, with write failures raised as :class:`OutputFailed`.

    An output failure is not a finding, and must not look like one: it gets its own
    exit status, whichever command was writing.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputFailed(exc) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputFailed(exc) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _exit_codes_epilog() -> str:
    lines = ["exit status:"]
    for code, text in EXIT_CODES.items():
        lines += textwrap.wrap(text, 78, initial_indent=f"  {code:>3}  ", subsequent_indent=" " * 7)
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _date_arg(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; use the ISO form YYYY-MM-DD") from None


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


# -- ptcpt code ------------------------------------------------------------------------
def _describe(code: Code, on: dt.date | None) -> list[str]:
    from ptcpt._catalogs import catalog

    timing = f"timed, {code.unit_minutes}-minute units" if code.is_timed else code.timing.value
    lines = [f"{code.code}  {code.name}"]
    lines += textwrap.wrap(code.summary, 88, initial_indent="  ", subsequent_indent="  ")
    lines.append(
        f"  category: {code.category.value}; {timing}; "
        f"{'one-on-one' if code.one_on_one else 'not one-on-one'}"
    )
    therapy = code.therapy_list.value if code.therapy_list else "not on the list"
    lines.append(f"  therapy list: {therapy}; disciplines: {', '.join(code.disciplines)}")
    life = f"effective {code.effective.isoformat()}" if code.effective else "long-standing"
    if code.deleted:
        life += f"; deleted {code.deleted.isoformat()}"
    lines.append(f"  {life}")
    if code.deleted:
        cat = catalog()
        direct = ", ".join(f"{c.code} ({c.name})" for c in cat.replacements(code.code))
        lines.append(f"  DELETED on {code.deleted.isoformat()}: use {direct or 'no replacement'}")
        when = on or dt.date.today()
        current = cat.replacements(code.code, when)
        if {c.code for c in current} != set(code.replaced_by):
            lines.append(f"  for {when.isoformat()}: {', '.join(c.code for c in current)}")
    if code.add_on_to:
        lines.append(f"  add-on to {', '.join(code.add_on_to)}")
    if on is not None:
        lines.append(f"  on {on.isoformat()}: {code.status(on)}")
    if code.examples:
        lines.append("  examples: " + "; ".join(code.examples))
    if code.notes:
        lines += textwrap.wrap("notes: " + code.notes, 88, initial_indent="  ", subsequent_indent="    ")
    if code.unconfirmed:
        lines.append(f"  unconfirmed: {', '.join(code.unconfirmed)}")
    lines.append(f"  source: {code.source}")
    return lines


def _cmd_code(args: argparse.Namespace) -> int:
    from ptcpt._catalogs import catalog
    from ptcpt._codes import is_code_shaped
    from ptcpt.serialize import code_to_dict

    raw = args.code.strip().upper()
    if not is_code_shaped(raw):
        raise UsageError(
            f"{args.code!r} is not a CPT/HCPCS code: use 5 characters such as 97110, 0552T or G0283"
        )
    cat = catalog()
    code = cat.get(raw)
    if code is None:
        close = cat.close_matches(raw)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"ptcpt: {raw} is not in the catalog{hint}", file=sys.stderr)
        return EXIT_NO
    if args.json:
        data = code_to_dict(code)
        if args.on is not None:
            data["status_on"] = {"date": args.on.isoformat(), "status": code.status(args.on)}
        if code.deleted:
            data["current_replacements"] = [
                c.code for c in cat.replacements(code.code, args.on or dt.date.today())
            ]
        _print_json(data)
    else:
        print("\n".join(_describe(code, args.on)))
    return EXIT_OK


# -- ptcpt codes -----------------------------------------------------------------------
def _cmd_codes(args: argparse.Namespace) -> int:
    from ptcpt._catalogs import catalog
    from ptcpt.serialize import code_to_dict

    timing = "timed" if args.timed else "untimed" if args.untimed else None
    try:
        view = catalog().filter(category=args.category, timing=timing, active_on=args.on)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        _print_json([code_to_dict(c) for c in view])
        return EXIT_OK
    for code in view:
        timing_text = f"{code.unit_minutes}m" if code.is_timed else code.timing.value
        state = f"deleted {code.deleted.isoformat()}" if code.deleted else ""
        print(f"{code.code}  {code.name[:44]:44}  {code.category.value:22} {timing_text:8} {state}")
    print(f"{len(view)} codes" + (f" billable on {args.on.isoformat()}" if args.on else ""))
    return EXIT_OK


# -- ptcpt check -----------------------------------------------------------------------
def _open_input(path: str) -> IO[bytes] | IO[str]:
    """The input as bytes: ptcpt._inputs tells encodings apart, and a line that is not
    UTF-8 is rejected on its own while the run goes on."""
    if path == "-":
        return getattr(sys.stdin, "buffer", sys.stdin)
    try:
        return open(path, "rb")  # closed by the command that reads it
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _close_input(stream: IO[bytes] | IO[str]) -> None:
    if stream is not sys.stdin and stream is not getattr(sys.stdin, "buffer", None):
        stream.close()


def _make_checker(args: argparse.Namespace) -> Any:
    return _checker_factory(args)()


def _cmd_estimate(args: argparse.Namespace) -> int:
    import json

    from ptcpt.batch import read_records
    from ptcpt.batch.work import visit_of as _visit_of
    from ptcpt.errors import InvalidVisit
    from ptcpt.serialize import estimate_to_dict

    checker = _make_checker(args)
    _known_payer(checker, args.payer)
    if args.locality is not None:
        _known_locality(checker, args.locality)  # once, not once per visit
    stream = _open_input(args.file)
    rejected = 0
    records: Any
    try:
        records = read_records(stream, x12_payer=args.payer, name=args.file, claim_ids=not args.no_claim_ids)
        if records.sniff() == "claim":
            records = _X12Records(records.x12_items())
        for number, payload in records:
            try:
                if isinstance(payload, InvalidVisit):
                    raise payload
                visit = _visit_of(payload)
                estimate = checker.estimate(visit, locality=args.locality, apm=args.apm)
            except InvalidVisit as exc:
                rejected += 1
                print(f"ptcpt: rejected visit at input {records.unit} {number}: {exc}", file=sys.stderr)
                continue
            if estimate is None:
                print(
                    f"visit {visit.id or '(no id)'}: no estimate (no conversion factor for "
                    f"{visit.date.isoformat()} in the CMS tables)"
                )
                continue
            if args.json:
                data = {"visit_id": visit.id, **estimate_to_dict(estimate)}
                print(json.dumps(data, separators=(",", ":")))
                continue
            print(
                f"visit {visit.id or '(no id)'} on {visit.date.isoformat()}: "
                f"${estimate.total:.2f} (full ${estimate.full_total:.2f}, MPPR "
                f"-${estimate.mppr_total:.2f}, assistant -${estimate.assistant_total:.2f})"
            )
            for line in estimate.lines:
                amount = "no estimate" if line.payable is None else f"${line.payable:.2f}"
                why = f"  ({'; '.join(line.reasons)})" if line.reasons else ""
                print(f"  {line.code} x{line.units}: {amount}{why}")
            for note in (*estimate.notes, *estimate.unconfirmed):
                print(f"  note: {note}")
    finally:
        _close_input(stream)
    return EXIT_USAGE if rejected or getattr(records, "failed", 0) else EXIT_OK


def _known_locality(checker: Any, locality: str) -> None:
    """A --locality the CMS tables know in some year (a year without it still rejects
    that year's visits, naming the locality)."""
    from ptcpt.cms import normalise_locality

    key = normalise_locality(locality)
    tables = checker.tables
    if key is None or not any(tables.gpci(key, year) for year in {g.year for g in tables.gpcis}):
        raise UsageError(
            f"--locality {locality}: not a Medicare locality the CMS tables know; use "
            "MAC-locality such as 10112-00 or state-locality such as AL-00"
        )


def _known_payer(checker: Any, payer: str) -> None:
    from ptcpt.errors import InvalidVisit

    try:
        checker.payer(payer)
    except InvalidVisit as exc:
        raise UsageError(f"--payer: {exc.reason}") from None


def _checker_factory(args: argparse.Namespace) -> Callable[[], Any]:
    """A picklable factory: worker processes build their own Checker from it."""
    cms_dir = getattr(args, "cms_dir", None)
    if cms_dir is not None and not os.path.isdir(cms_dir):
        raise UsageError(f"--cms-dir {cms_dir}: not a directory")
    blocked = tuple(args.no_plugin or ())
    if blocked:
        from ptcpt._plugins import _unknown_names_message, known_names

        known = known_names()
        unknown = set(blocked) - known
        if unknown:  # a typo would leave on the plugin meant to be off
            raise UsageError(f"--no-plugin: {_unknown_names_message(unknown, known)}")
    if getattr(args, "debug", False):
        os.environ["PTCPT_DEBUG"] = "1"  # read by every Checker, in workers too
    return functools.partial(_build_checker, blocked, cms_dir)


def _build_checker(blocked: tuple[str, ...], cms_dir: str | None) -> Any:
    from ptcpt._engine import Checker

    tables = None
    if cms_dir is not None:
        from ptcpt.cms import tables_from_dir

        tables = tables_from_dir(cms_dir, named_by="--cms-dir")  # errors name the flag used
    return Checker(blocked=blocked, tables=tables)


class _Progress:
    """A one-line counter on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        import time

        self._time = time.monotonic
        self.enabled = sys.stderr.isatty()
        self.start = self._time()
        self.last = 0.0

    def update(self, count: int) -> None:
        now = self._time()
        if self.enabled and now - self.last >= 0.25:
            self.last = now
            rate = count / max(now - self.start, 1e-9)
            sys.stderr.write(f"\r{count:,} visits ({rate:,.0f}/s)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 40 + "\r")
            sys.stderr.flush()


# -- X12 837P input ------------------------------------------------------------------
def _x12_problem(item: Any) -> str:
    """The stderr line for what the X12 reader could not turn into visits."""
    from ptcpt.x12 import EnvelopeFault, RejectedClaim

    if isinstance(item, EnvelopeFault):
        return f"ptcpt: error: {item.message}"
    if isinstance(item, RejectedClaim):
        return f"ptcpt: rejected {item.message}"
    return f"ptcpt: not checked: {item.message}"


class _X12Records:
    """An 837P file as ``(claim, visit)`` records; what is not a visit is said on stderr."""

    unit = "claim"

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self.failed = 0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        from ptcpt.x12 import ClaimVisit

        for item in self._items:
            if isinstance(item, ClaimVisit):
                yield item.claim, item.visit
            else:
                self.failed += 1
                print(_x12_problem(item), file=sys.stderr)


def _cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    counted = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counted is not None:
        found = counted()
    elif hasattr(os, "sched_getaffinity"):
        found = len(os.sched_getaffinity(0))
    else:  # pragma: no cover - macOS, Windows
        found = os.cpu_count()
    return max(1, found or 1)


def _jobs(requested: int) -> int:
    if requested < 1:
        raise UsageError(f"--jobs must be 1 or more, got {requested}")
    cores = _cores()
    if requested > cores:
        # More processes than cores only adds memory (each holds a Checker) and switching.
        print(
            f"ptcpt: note: --jobs {requested} is more than the {cores} core(s) this process may use; "
            f"using {cores}",
            file=sys.stderr,
        )
        return cores
    return requested


class _Hold:
    """Whether Ctrl-C and SIGTERM are being held back (:func:`_signals_held`), and if one came."""

    active = False
    caught = False


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then stop the run as usual.

    ``ptcpt``'s own SIGINT handler (:func:`_on_sigint`) waits, not the kernel: a signal
    mask holds signals back from the main thread only, and the kernel may hand a signal
    sent to the process to another thread (the process pool's), after which Python still
    runs the handler in the main thread, in the middle of the block.
    """
    _Hold.active = True
    try:
        yield
    finally:
        _Hold.active = False
    if _Hold.caught:
        _Hold.caught = False
        raise KeyboardInterrupt


def _to_regular_file(stream: Any) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


class _Tally:
    """What became of the visits written out so far, for the closing summary."""

    def __init__(self) -> None:
        self.checked = self.rejected = self.unchecked = self.with_errors = 0
        self.last = 0  # the input number of the last record written out
        self.unit = "line"

    @property
    def read(self) -> int:
        return self.checked + self.rejected + self.unchecked

    @property
    def failed(self) -> bool:
        """Visits the system could not check (exit status 74)."""
        return bool(self.unchecked)

    @property
    def bad_input(self) -> bool:
        """Input that could not be read as visits (exit status 2)."""
        return bool(self.rejected)

    @property
    def empty(self) -> str | None:
        return "no visits in the input" if self.read == 0 else None

    def quiet(self, json_mode: bool) -> bool:
        """No summary for one JSON visit checked: its report says it all."""
        return json_mode and self.read <= 1 and not self.unchecked

    def held(self) -> str:
        return f"every visit up to input {self.unit} {self.last}" if self.last else "no visit"

    def summary(self) -> str:
        not_checked = f"{self.unchecked} not checked, " if self.unchecked else ""
        return (
            f"{self.read} visit(s) read, {self.checked} checked, {self.rejected} rejected, "
            f"{not_checked}{self.with_errors} with errors"
        )


#: How a claim's items settle what became of it: the best news of any of them.
_CLAIM_STATES = ("not checked", "rejected", "checked")


class _ClaimTally:
    """What became of the claims of an 837P written out so far: its summary counts claims.

    A claim is checked when a visit of it was checked; rejected when the reader rejected
    it; not checked when each of its lines was reported by itself, or its visits could
    not be checked. Visits, service lines not checked and envelope faults are counted
    apart, so claims read = checked + rejected + not checked.
    """

    def __init__(self) -> None:
        self.claims = dict.fromkeys(_CLAIM_STATES, 0)  # claims written out in full
        self.claim = 0  # the claim being written out, not yet in ``claims``
        self.state = ""
        self.whole = 0  # the last claim the output holds in full
        self.visits = self.with_errors = self.unchecked = self.lines = self.faults = 0

    def add(self, claim: int, state: str) -> None:
        """Something of ``claim`` was written out, saying ``state`` of it."""
        if claim != self.claim:
            self.end()
            self.claim, self.state = claim, state
        elif _CLAIM_STATES.index(state) > _CLAIM_STATES.index(self.state):
            self.state = state

    def end(self) -> None:
        """The claim being written out is whole: nothing more of it will come."""
        if self.claim:
            self.claims[self.state] += 1
            self.whole = self.claim
            self.claim, self.state = 0, ""

    def counts(self) -> dict[str, int]:
        counts = dict(self.claims)
        if self.claim:
            counts[self.state] += 1
        return counts

    @property
    def read(self) -> int:
        return sum(self.counts().values()) + self.faults

    @property
    def failed(self) -> bool:
        return bool(self.unchecked)

    @property
    def bad_input(self) -> bool:
        counts = self.counts()
        return bool(counts["rejected"] or counts["not checked"] or self.lines or self.faults)

    @property
    def empty(self) -> str | None:
        return "no claims in the input" if not sum(self.counts().values()) else None

    def quiet(self, json_mode: bool) -> bool:
        return False

    def held(self) -> str:
        held = f"every claim up to input claim {self.whole}" if self.whole else "no whole claim"
        if self.claim:
            held += f"; claim {self.claim} may be incomplete"
        return held

    def summary(self) -> str:
        counts = self.counts()
        text = (
            f"{sum(counts.values())} claim(s) read: {counts['checked']} checked, {counts['rejected']} "
            f"rejected, {counts['not checked']} not checked; {self.visits} visit(s) checked, "
            f"{self.with_errors} with errors"
        )
        if self.unchecked:
            text += f"; {self.unchecked} visit(s) not checked"
        if self.lines:
            text += f"; {self.lines} service line(s) not checked"
        if self.faults:
            text += f"; {self.faults} envelope fault(s)"
        return text


def _cmd_check(args: argparse.Namespace) -> int:
    from ptcpt.batch import WorkersFailed, read_records

    jobs = _jobs(args.jobs)
    if not args.timeout >= 0:
        raise UsageError(f"--timeout must be a number of seconds >= 0 (0: none), got {args.timeout}")
    factory = _checker_factory(args)
    checker = factory()
    _known_payer(checker, args.payer)  # fail fast (bad plugin, CMS folder, payer) before input
    stream = _open_input(args.file)
    records = read_records(stream, x12_payer=args.payer, name=args.file, claim_ids=not args.no_claim_ids)
    timeout = args.timeout or None
    visits = _Tally()
    tally: _Tally | _ClaimTally = visits
    progress = _Progress()
    stopped: int | None = None
    try:
        if records.sniff() == "claim":
            tally = claims = _ClaimTally()
            _check_claims(args, records, factory, jobs, timeout, claims, progress, checker.rules)
        else:
            visits.unit = records.unit
            _check_visits(args, records, factory, jobs, timeout, visits, progress)
        sys.stdout.flush()
    except KeyboardInterrupt:
        stopped = _signalled()
    except OutputFailed as exc:
        if exc.error.errno != errno.EPIPE:  # a reader that stopped reading needs no message
            print(f"ptcpt: error: cannot write the output: {exc}", file=sys.stderr)
        _silence_stdout()
        stopped = EXIT_IOERR
    except WorkersFailed as exc:
        print(f"ptcpt: error: {exc}", file=sys.stderr)
        stopped = EXIT_IOERR
    except PtcptError as exc:  # the input broke off after what was written, or cannot be read
        print(f"ptcpt: error: {exc}", file=sys.stderr)
        stopped = EXIT_USAGE
    finally:
        progress.close()
        _close_input(stream)
    interrupted = stopped in (EXIT_INTERRUPTED, EXIT_TERMINATED)
    if interrupted or (stopped is not None and tally.read):
        # How far it got: what a rerun on the rest of the input starts after.
        print(
            f"ptcpt: {'interrupted' if interrupted else 'stopped'}; the output holds {tally.held()}",
            file=sys.stderr,
        )
        print(tally.summary(), file=sys.stderr)
    elif not tally.quiet(args.json):
        print(tally.summary(), file=sys.stderr)
    # The worst news wins: a caller must never take a partial run for a clean one.
    if interrupted:
        assert stopped is not None
        return stopped
    if stopped == EXIT_IOERR or tally.failed:
        return EXIT_IOERR
    if stopped == EXIT_USAGE or tally.bad_input:
        return EXIT_USAGE
    if tally.empty is not None:
        print(f"ptcpt: error: {tally.empty}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_NO if tally.with_errors else EXIT_OK


def _check_visits(
    args: argparse.Namespace,
    records: Records,
    factory: Callable[[], Any],
    jobs: int,
    timeout: float | None,
    tally: _Tally,
    progress: _Progress,
) -> None:
    """Check JSON visits, writing each chunk's outputs as it comes back, in input order."""
    from ptcpt.batch import check_batches

    batches = check_batches(records, checker_factory=factory, jobs=jobs, json_mode=args.json, timeout=timeout)
    try:
        # A batch's outputs (and, with --json, its rejections) arrive as one text in
        # input order: one write per chunk, not one print per visit. Into a pipe, each is
        # flushed, so a consumer reading as it goes (or waiting for an answer) gets it now.
        write = sys.stdout.write
        flush = sys.stdout.flush if not _to_regular_file(sys.stdout) else None
        for batch in batches:
            # Written and counted as one: Ctrl-C or SIGTERM in between would leave the
            # summary's "output holds every visit up to ..." off by a chunk.
            with _signals_held():
                write(batch.text)
                if flush is not None:
                    flush()
                for number, error in batch.rejected:
                    print(f"ptcpt: rejected visit at input {records.unit} {number}: {error}", file=sys.stderr)
                for number, reason in batch.unchecked:
                    print(
                        f"ptcpt: visit at input {records.unit} {number} not checked: {reason}",
                        file=sys.stderr,
                    )
                tally.checked += batch.checked
                tally.rejected += len(batch.rejected)
                tally.unchecked += len(batch.unchecked)
                tally.with_errors += batch.with_errors
                tally.last = batch.last
                progress.update(tally.read)
    finally:
        batches.close()  # stops the workers at once if the run did not finish


def _check_claims(
    args: argparse.Namespace,
    records: Records,
    factory: Callable[[], Any],
    jobs: int,
    timeout: float | None,
    tally: _ClaimTally,
    progress: _Progress,
    rules: Sequence[Any] = (),
) -> None:
    """Check an 837P file: each claim checked, rejected or not checked, counted by claim.

    Visits are checked as JSON visits are (``--jobs``, ``--timeout``, workers replaced),
    and their findings name the claim's own line numbers (LX). What the reader could not
    turn into visits (rejected claims, lines not checked, envelope faults) is written in
    its place in file order: on stderr and, with ``--json``, as ``{"input": ..., "error":
    ...}`` lines in the output.
    """
    from ptcpt.batch import check_records
    from ptcpt.x12 import ClaimVisit, EnvelopeFault, RejectedClaim, lacks_minutes, minutes_note

    note = minutes_note(rules)  # from the rules' own ``needs``: a plugin's rule is named too

    waiting: deque[tuple[int, Any]] = deque()  # items read and not yet written, in file order

    def visits() -> Iterator[tuple[int, Any]]:
        noted = False
        for number, item in enumerate(records.x12_items(), 1):
            waiting.append((number, item))
            if isinstance(item, ClaimVisit):
                if not noted and note is not None and lacks_minutes(item.visit):
                    print(f"ptcpt: note: {note}", file=sys.stderr)
                    noted = True
                yield number, item

    write = sys.stdout.write
    flush = sys.stdout.flush if not _to_regular_file(sys.stdout) else None

    def problem(item: Any) -> None:
        """A claim rejected, a line not checked or an envelope fault, written in its place."""
        if isinstance(item, EnvelopeFault):
            tally.end()  # faults sit between claims
            tally.faults += 1
            where: dict[str, Any] = {"input": f"segment {item.segment}"}
        else:
            where = {"input": f"claim {item.claim}"}
            if isinstance(item, RejectedClaim):
                tally.add(item.claim, "rejected")
            else:
                tally.add(item.claim, "not checked")
                tally.lines += 1
                where["claim_line"] = item.line
        print(_x12_problem(item), file=sys.stderr)
        if args.json:
            write(json.dumps({**where, "error": item.message}) + "\n")

    def visit(item: Any, outcome: Any) -> None:
        if outcome.output is not None:
            write(outcome.output + "\n")
            tally.add(item.claim, "checked")
            tally.visits += 1
            tally.with_errors += outcome.has_errors
            return
        if outcome.unchecked is not None:  # the system failed it (a worker died, --timeout)
            tally.add(item.claim, "not checked")
            tally.unchecked += 1
            key, reason = "not_checked", outcome.unchecked
            print(f"ptcpt: visit at input claim {item.claim} not checked: {reason}", file=sys.stderr)
        else:
            tally.add(item.claim, "rejected")
            key, reason = "error", outcome.error
            print(f"ptcpt: rejected claim {item.claim} (segment {item.segment}): {reason}", file=sys.stderr)
        if args.json:
            write(json.dumps({"input": f"claim {item.claim}", key: reason}) + "\n")

    outcomes = check_records(
        visits(), checker_factory=factory, jobs=jobs, json_mode=args.json, timeout=timeout
    )
    try:
        for outcome in outcomes:
            # Written and counted as one, like a chunk of JSON visits.
            with _signals_held():
                while waiting[0][0] != outcome.number:
                    problem(waiting.popleft()[1])
                item = waiting.popleft()[1]
                visit(item, outcome)
                if waiting and getattr(waiting[0][1], "claim", 0) != item.claim:
                    tally.end()  # the next item read belongs elsewhere: this claim is whole
                if flush is not None:
                    flush()
                progress.update(tally.visits)
        with _signals_held():
            while waiting:
                problem(waiting.popleft()[1])
            tally.end()
    finally:
        outcomes.close()  # stops the workers at once if the run did not finish


def _cmd_plugins(args: argparse.Namespace) -> int:
    import attrs

    checker = _make_checker(args)
    infos = checker.plugins.info()
    if args.json:
        _print_json(
            {
                "plugins": [attrs.asdict(info) for info in infos],
                "failed": [attrs.asdict(f) for f in checker.plugins.failures],
            }
        )
        return EXIT_OK
    for info in infos:
        kind = "built-in" if info.builtin else "plugin"
        print(f"{info.name} {info.version} ({kind})")
        print(f"  hooks: {', '.join(info.hooks) or '-'}")
        if info.rules:
            print(f"  rules: {', '.join(info.rules)}")
    for failure in checker.plugins.failures:
        print(f"{failure.name} FAILED TO LOAD: {failure.error}")
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    checker = _make_checker(args)
    rows = [
        {
            "id": r.rule.id,
            "kind": r.rule.kind,
            "plugin": r.plugin,
            "payers": sorted(r.rule.payers) if r.rule.payers is not None else None,
            "description": r.rule.description,
        }
        for r in checker.rules
    ]
    if args.json:
        _print_json(rows)
        return EXIT_OK
    for row in rows:
        payers = ",".join(row["payers"]) if row["payers"] else "all payers"
        print(f"{row['id']:32} {row['kind']:10} {row['plugin']:22} {payers:14} {row['description']}")
    return EXIT_OK


# -- ptcpt classify --------------------------------------------------------------------
def _print_suggestions(suggestions: Any) -> None:
    if not suggestions:
        print("no physical-therapy code fits this description")
        return
    for s in suggestions:
        evidence = f"  [{'; '.join(s.evidence)}]" if s.evidence else ""
        print(f"{s.code.code}  {s.score:.2f}  {s.code.name}{evidence}")


def _cmd_classify(args: argparse.Namespace) -> int:
    from ptcpt.classifier import classify, classify_many
    from ptcpt.serialize import suggestions_to_list

    if args.top < 1:
        raise UsageError(f"--top must be at least 1, got {args.top}")
    payer = None
    if args.payer is not None:
        from ptcpt._engine import default_checker

        checker = default_checker()
        _known_payer(checker, args.payer)
        payer = checker.payer(args.payer)  # the profile: an installed plugin's payer counts
    options = {"top": args.top, "payer": payer, "on": args.on}
    if args.text != "-":
        suggestions = classify(args.text, **options)
        if args.json:
            _print_json({"suggestions": suggestions_to_list(suggestions)})
        else:
            _print_suggestions(suggestions)
        return EXIT_OK if suggestions else EXIT_NO
    lines = [line.rstrip("\r\n") for line in sys.stdin]
    for number, suggestions in enumerate(classify_many(lines, **options), 1):
        if args.json:
            record = {"line": number, "suggestions": suggestions_to_list(suggestions)}
            sys.stdout.write(json.dumps(record) + "\n")
        else:
            print(f"# line {number}")
            _print_suggestions(suggestions)
    return EXIT_OK


# -- ptcpt units -----------------------------------------------------------------------
def _minutes_arg(value: str) -> tuple[str, int]:
    """``CODE=MINUTES`` -> (code, minutes), with a message saying what a good one looks like."""
    from ptcpt._codes import is_code_shaped
    from ptcpt._visit import MAX_MINUTES

    code, sep, minutes = value.partition("=")
    code = code.strip().upper()
    if not sep:
        raise argparse.ArgumentTypeError(f"{value!r}: write CODE=MINUTES, e.g. 97110=33")
    if not is_code_shaped(code):
        raise argparse.ArgumentTypeError(
            f"{value!r}: {code!r} is not a CPT/HCPCS code; use 5 characters such as 97110 or G0283"
        )
    minutes = minutes.strip()
    if not minutes.isascii() or not minutes.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r}: minutes must be a whole number >= 0, e.g. {code}=33")
    if int(minutes) > MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"{value!r}: minutes must be at most {MAX_MINUTES} (24 hours)")
    return code, int(minutes)


def _cmd_units(args: argparse.Namespace) -> int:
    from ptcpt._catalogs import catalog
    from ptcpt.units import allocate

    known = catalog()
    minutes: dict[str, int] = {}
    for code, value in args.minutes:
        if code in minutes:
            raise UsageError(f"{code} is given twice; give each code once with its total minutes for the day")
        found = known.get(code)
        if found is None:
            close = known.close_matches(code)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"{code} is not in the catalog{hint}")
        if found.unit_minutes != 15:
            # Untimed minutes (evaluations, supervised modalities, group) never count
            # toward timed units; other unit lengths have their own counting.
            kind = "untimed" if not found.is_timed else f"counted in {found.unit_minutes}-minute units"
            raise UsageError(
                f"{code} is {kind}: its minutes do not count toward the 15-minute timed units; "
                f"give only 15-minute timed codes"
            )
        minutes[code] = value
    plan = allocate(minutes, method=args.method)
    if args.json:
        _print_json(
            {
                "method": plan.method,
                "total": plan.total,
                "total_minutes": plan.total_minutes,
                "units": dict(plan),
                "minutes": dict(plan.minutes),
                "bounds": {code: list(plan.bounds(code)) for code in plan},
                "explanation": plan.explain(),
            }
        )
        return EXIT_OK
    given = dict(plan.minutes)
    for code, units in plan.items():
        value = f"{given[code]} min" if code in given else "time beyond the first unit"
        print(f"{code}  {units:>3} unit{'' if units == 1 else 's'}  ({value})")
    print(f"total  {plan.total:>3} unit{'' if plan.total == 1 else 's'}  ({plan.total_minutes} min)")
    print(plan.explain())
    return EXIT_OK


# -- ptcpt schema ----------------------------------------------------------------------
def _cmd_schema(args: argparse.Namespace) -> int:
    from ptcpt.serialize import visit_json_schema

    schemas = {"visit": visit_json_schema}
    _print_json(schemas[args.name]())
    return EXIT_OK


# -- the parser ------------------------------------------------------------------------
_NO_CLAIM_IDS = (
    "X12 837P claims: number the visits claim-1, claim-2, ... instead of using the claim id "
    "(CLM01, the patient control number), which is then never read"
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; each sub-command sets ``handler``."""
    from ptcpt import __version__

    parser = _Parser(
        prog="ptcpt",
        description="Physical-therapy CPT/HCPCS billing lines.",
        epilog=_exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ptcpt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("code", help="show one code: what it is, its dates and replacements")
    p.add_argument("code", help="a CPT/HCPCS code such as 97530")
    p.add_argument("--on", type=_date_arg, help="date of service (YYYY-MM-DD) to report status for")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_cmd_code)

    p = sub.add_parser("codes", help="list the catalog, optionally filtered")
    p.add_argument("--category", help="only this category, e.g. evaluation")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--timed", action="store_true", help="only timed codes")
    group.add_argument("--untimed", action="store_true", help="only untimed codes")
    p.add_argument("--on", type=_date_arg, help="only codes billable on this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_cmd_codes)

    p = sub.add_parser(
        "check",
        help="check visits (JSON, JSONL, X12 837P, or - for stdin)",
        description="Check visits: one JSON report or summary per visit, in input order, and a\n"
        "closing summary on stderr (read = checked + rejected + not checked).",
        epilog=_exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file", help="a JSON visit, a JSON list of visits, JSONL, an X12 837P file, or - for stdin"
    )
    p.add_argument("--json", action="store_true", help="one JSON report per line")
    p.add_argument("--no-plugin", action="append", metavar="NAME", help="leave a plugin out")
    p.add_argument(
        "--payer",
        default="medicare",
        help="payer profile for X12 837P claims only (JSON visits name their own payer)",
    )
    p.add_argument("--no-claim-ids", action="store_true", help=_NO_CLAIM_IDS)
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="check on N processes (output keeps input order; at most the cores available)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"report a visit whose rules run longer as not checked, and move on "
        f"(default {DEFAULT_TIMEOUT:g}; 0: no limit, checks in this process with --jobs 1)",
    )
    p.add_argument("--debug", action="store_true", help="log the traceback of a failing rule (PTCPT_DEBUG=1)")
    p.set_defaults(handler=_cmd_check)

    p.add_argument(
        "--cms-dir",
        metavar="DIR",
        help="a folder of CMS's own PTP/MUE/PPRRVU/GPCI files to use instead of "
        "the bundled extract (also: PTCPT_CMS_DIR)",
    )

    p = sub.add_parser(
        "estimate",
        help="estimate the Medicare payment of visits",
        epilog=_exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "file", help="a JSON visit, a JSON list of visits, JSONL, an X12 837P file, or - for stdin"
    )
    p.add_argument("--locality", help="Medicare locality, e.g. 10112-00 or AL-00 (default: national)")
    p.add_argument("--apm", action="store_true", help="price a qualifying APM participant")
    p.add_argument("--payer", default="medicare", help="payer profile for X12 837P claims only")
    p.add_argument("--no-claim-ids", action="store_true", help=_NO_CLAIM_IDS)
    p.add_argument("--json", action="store_true", help="one JSON estimate per line")
    p.add_argument("--no-plugin", action="append", metavar="NAME", help="leave a plugin out")
    p.add_argument("--cms-dir", metavar="DIR", help="a folder of CMS's own files (see check)")
    p.add_argument("--debug", action="store_true", help="log tracebacks (PTCPT_DEBUG=1)")
    p.set_defaults(handler=_cmd_estimate)

    p = sub.add_parser("plugins", help="list loaded plugins, their hooks and rules")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-plugin", action="append", metavar="NAME", help="leave a plugin out")
    p.set_defaults(handler=_cmd_plugins)

    p = sub.add_parser("rules", help="list every active rule")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-plugin", action="append", metavar="NAME", help="leave a plugin out")
    p.set_defaults(handler=_cmd_rules)
    p = sub.add_parser("classify", help="suggest PT codes for a description of a service")
    p.add_argument("text", help='the description, or "-" to read one description per line from stdin')
    p.add_argument("--top", type=int, default=3, help="at most this many suggestions (default 3)")
    p.add_argument("--payer", help="payer id such as medicare or commercial (default: read the text)")
    p.add_argument("--on", type=_date_arg, help="date of service (YYYY-MM-DD; default today)")
    p.add_argument("--json", action="store_true", help="print JSON (JSON Lines when reading stdin)")
    p.set_defaults(handler=_cmd_classify)

    p = sub.add_parser(
        "units",
        help="units per timed code under the 8-minute rule",
        description="Units per timed 15-minute code from the day's minutes, e.g. "
        "`ptcpt units 97110=33 97140=7`. CMS (Medicare) counts total time; AMA rounds each code.",
    )
    p.add_argument("minutes", nargs="+", type=_minutes_arg, metavar="CODE=MINUTES")
    p.add_argument(
        "--method", choices=("cms", "ama"), default="cms", help="cms total time (default) or ama per code"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_cmd_units)

    p = sub.add_parser("schema", help="print a JSON Schema, e.g. for a visit")
    p.add_argument("name", choices=("visit",), help="which schema")
    p.set_defaults(handler=_cmd_schema)
    return parser


_TERMINATED = False


def _on_sigint(signum: int, frame: Any) -> None:
    """Ctrl-C: KeyboardInterrupt, as Python's own handler, unless it must wait for a block
    of output to be written and counted (:func:`_signals_held`)."""
    if _Hold.active:
        _Hold.caught = True
        return
    raise KeyboardInterrupt


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops a run as Ctrl-C does (summary, workers stopped), with status 143."""
    global _TERMINATED
    _TERMINATED = True
    signal.raise_signal(signal.SIGINT)


def _signalled() -> int:
    return EXIT_TERMINATED if _TERMINATED else EXIT_INTERRUPTED


@contextlib.contextmanager
def _guarded_stdout() -> Iterator[None]:
    """Route sys.stdout through :class:`_Stdout` for the command's lifetime."""
    original = sys.stdout
    sys.stdout = _Stdout(original)
    try:
        yield
    finally:
        sys.stdout = original


def _silence_stdout() -> None:
    """After an output failure, point file descriptor 1 at /dev/null so the interpreter's
    last flush of what is still buffered cannot fail again (and change the exit status)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


@contextlib.contextmanager
def _signal_handlers() -> Iterator[None]:
    """ptcpt's own SIGINT and SIGTERM handlers for the command's lifetime."""
    global _TERMINATED
    _TERMINATED = False
    _Hold.active = _Hold.caught = False
    try:
        previous = [
            (signal.SIGINT, signal.signal(signal.SIGINT, _on_sigint)),
            (signal.SIGTERM, signal.signal(signal.SIGTERM, _on_sigterm)),
        ]
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous:
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see :data:`EXIT_CODES`)."""
    parser = build_parser()
    try:
        with _signal_handlers(), _guarded_stdout():
            args = parser.parse_args(argv)
            handler: Handler | None = getattr(args, "handler", None)
            if handler is None:
                parser.print_help(sys.stderr)
                return EXIT_USAGE
            status = handler(args)
            sys.stdout.flush()
            return status
    except UsageError as exc:
        print(f"ptcpt: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PtcptError as exc:
        print(f"ptcpt: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnicodeError:
        print("ptcpt: error: the input is not UTF-8 text", file=sys.stderr)
        return EXIT_USAGE
    except OutputFailed as exc:
        if exc.error.errno != errno.EPIPE:  # `ptcpt codes | head`: the reader chose to stop
            print(f"ptcpt: error: cannot write the output: {exc}", file=sys.stderr)
        _silence_stdout()
        return EXIT_IOERR
    except KeyboardInterrupt:
        print("ptcpt: interrupted", file=sys.stderr)
        return _signalled()
    except OSError as exc:  # reading the input failed under us (EIO, a vanished mount)
        print(f"ptcpt: error: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_IOERR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
