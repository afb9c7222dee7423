"""The ``ptcpt`` command: the library's answers, at a shell prompt.

Exit status: 0 when all is well, 1 when the answer is "no" (an unknown code, a check
that found errors), 2 when the input itself is wrong. User errors print one line on
stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import io
import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from ptcpt.errors import PtcptError

if TYPE_CHECKING:
    from ptcpt.codes import Code

__all__ = ["main"]

EXIT_OK = 0
EXIT_NO = 1
EXIT_USAGE = 2

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Bad command-line input: reported on stderr with exit status 2."""


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
    from ptcpt.catalogs import catalog

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
    from ptcpt.catalogs import catalog
    from ptcpt.codes import is_code_shaped
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
    from ptcpt.catalogs import catalog
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
def _open_input(path: str) -> TextIO:
    # surrogateescape: a line that is not UTF-8 is rejected on its own, the run goes on.
    if path == "-":
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(errors="surrogateescape")
        return sys.stdin
    try:
        return open(path, encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _make_checker(args: argparse.Namespace) -> Any:
    return _checker_factory(args)()


def _cmd_estimate(args: argparse.Namespace) -> int:
    import json

    from ptcpt.batch import read_records
    from ptcpt.batch import visit_of as _visit_of
    from ptcpt.errors import InvalidVisit
    from ptcpt.serialize import estimate_to_dict

    checker = _make_checker(args)
    _known_payer(checker, args.payer)
    stream = _open_input(args.file)
    rejected = 0
    try:
        records = read_records(stream, x12_payer=args.payer)
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
        if stream is not sys.stdin:
            stream.close()
    return EXIT_USAGE if rejected else EXIT_OK


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
    return functools.partial(_build_checker, tuple(args.no_plugin or ()), cms_dir)


def _build_checker(blocked: tuple[str, ...], cms_dir: str | None) -> Any:
    from ptcpt.engine import Checker

    return Checker(blocked=blocked, cms_dir=cms_dir)


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


class _NotingX12:
    """Records passed through, saying once on stderr what 837P input cannot tell the rules."""

    def __init__(self, records: Any) -> None:
        self._records = records

    @property
    def unit(self) -> str:
        unit: str = self._records.unit
        return unit

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        from ptcpt.visit import Visit
        from ptcpt.x12 import MINUTES_NOTE, lacks_minutes

        noted = False
        for number, payload in self._records:
            if not noted and isinstance(payload, Visit) and lacks_minutes(payload):
                print(f"ptcpt: note: {MINUTES_NOTE}", file=sys.stderr)
                noted = True
            yield number, payload


def _cmd_check(args: argparse.Namespace) -> int:
    from ptcpt.batch import check_batches, read_records

    if args.jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, got {args.jobs}")
    factory = _checker_factory(args)
    _known_payer(factory(), args.payer)  # fail fast (bad plugin, CMS folder, payer) before input
    stream = _open_input(args.file)
    read = checked = rejected = with_errors = 0
    progress = _Progress()
    try:
        records = read_records(stream, x12_payer=args.payer)
        batches = check_batches(
            _NotingX12(records),
            checker_factory=factory,
            jobs=args.jobs,
            json_mode=args.json,
        )
        # A batch's outputs (and, with --json, its rejections) arrive as one text in
        # input order: one write per chunk, not one print per visit.
        write = sys.stdout.write
        for batch in batches:
            write(batch.text)
            for number, error in batch.rejected:
                print(f"ptcpt: rejected visit at input {records.unit} {number}: {error}", file=sys.stderr)
            read += batch.checked + len(batch.rejected)
            checked += batch.checked
            rejected += len(batch.rejected)
            with_errors += batch.with_errors
            progress.update(read)
    finally:
        progress.close()
        if stream is not sys.stdin:
            stream.close()
    sys.stdout.flush()
    if not args.json or read > 1:
        print(
            f"{read} visit(s) read, {checked} checked, {rejected} rejected, {with_errors} with errors",
            file=sys.stderr,
        )
    if rejected or read == 0:
        if read == 0:
            print("ptcpt: error: no visits in the input", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_NO if with_errors else EXIT_OK


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
    options = {"top": args.top, "payer": args.payer, "on": args.on}
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
    from ptcpt.codes import is_code_shaped
    from ptcpt.visit import MAX_MINUTES

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
    from ptcpt.catalogs import catalog
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
def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; each sub-command sets ``handler``."""
    from ptcpt import __version__

    parser = _Parser(prog="ptcpt", description="Physical-therapy CPT/HCPCS billing lines.")
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

    p = sub.add_parser("check", help="check visits (JSON, JSONL, X12 837P, or - for stdin)")
    p.add_argument("file", help="a JSON visit, a JSON list of visits, JSONL, or - for stdin")
    p.add_argument("--json", action="store_true", help="one JSON report per line")
    p.add_argument("--no-plugin", action="append", metavar="NAME", help="leave a plugin out")
    p.add_argument(
        "--payer",
        default="medicare",
        help="payer profile for X12 837P claims only (JSON visits name their own payer)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="check on N processes (JSONL input; output keeps input order)",
    )
    p.set_defaults(handler=_cmd_check)

    p.add_argument(
        "--cms-dir",
        metavar="DIR",
        help="a folder of CMS's own PTP/MUE/PPRRVU/GPCI files to use instead of "
        "the bundled extract (also: PTCPT_CMS_DIR)",
    )

    p = sub.add_parser("estimate", help="estimate the Medicare payment of visits")
    p.add_argument("file", help="a JSON visit, a JSON list of visits, JSONL, or - for stdin")
    p.add_argument("--locality", help="Medicare locality, e.g. 10112-00 or AL-00 (default: national)")
    p.add_argument("--apm", action="store_true", help="price a qualifying APM participant")
    p.add_argument("--payer", default="medicare", help="payer profile for X12 837P claims only")
    p.add_argument("--json", action="store_true", help="one JSON estimate per line")
    p.add_argument("--no-plugin", action="append", metavar="NAME", help="leave a plugin out")
    p.add_argument("--cms-dir", metavar="DIR", help="a folder of CMS's own files (see check)")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return handler(args)
    except UsageError as exc:
        print(f"ptcpt: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PtcptError as exc:
        print(f"ptcpt: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnicodeError:
        print("ptcpt: error: the input is not UTF-8 text", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `ptcpt codes | head`
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
