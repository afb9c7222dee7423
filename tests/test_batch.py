from __future__ import annotations

import functools
import io
import json
import os
import pathlib
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import ptcpt
from ptcpt._engine import Checker
from ptcpt.batch import (
    DIED,
    Outcome,
    WorkersFailed,
    check_batches,
    check_records,
    read_records,
    timed_out,
)


def _checker() -> Checker:
    return Checker(load_entrypoints=False, env={})


FACTORY = functools.partial(_checker)


def visit_line(i: int, code: str = "97110") -> str:
    return json.dumps(
        {
            "id": f"v{i}",
            "date": "2025-03-12",
            "payer": "medicare",
            "lines": [{"code": code, "units": 1 + i % 3, "minutes": 15 + 7 * (i % 5), "modifiers": ["GP"]}],
        }
    )


def test_jsonl_is_streamed_not_decoded_ahead() -> None:
    text = visit_line(0) + "\n\n" + visit_line(1) + "\n"
    records = list(read_records(io.StringIO(text)))
    assert records == [(1, visit_line(0).encode()), (3, visit_line(1).encode())]  # left to the workers


def test_a_json_list_and_a_single_document() -> None:
    doc = "[" + visit_line(0) + ",\n" + visit_line(1) + "]"
    assert len(list(read_records(io.StringIO(doc)))) == 2
    pretty = json.dumps(json.loads(visit_line(5)), indent=2)
    assert len(list(read_records(io.StringIO(pretty)))) == 1


def test_broken_document_is_one_rejection_with_its_line() -> None:
    outcomes = list(check_records(read_records(io.StringIO('[\n{"date": 1,\n')), checker_factory=FACTORY))
    assert len(outcomes) == 1 and outcomes[0].error is not None
    assert "not valid JSON" in outcomes[0].error


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_record_yields_one_outcome_in_input_order(jobs: int) -> None:
    lines = [visit_line(i) for i in range(700)]
    lines[10] = "{broken"
    lines[500] = visit_line(500, code="9711O")
    outcomes = list(
        check_records(
            read_records(io.StringIO("\n".join(lines))),
            checker_factory=FACTORY,
            jobs=jobs,
            json_mode=True,
            chunk_size=64,
        )
    )
    assert [o.number for o in outcomes] == list(range(1, 701))
    assert [o.number for o in outcomes if not o.checked] == [11, 501]
    assert json.loads(outcomes[0].output or "")["visit_id"] == "v0"


def test_parallel_results_equal_sequential_results() -> None:
    text = "\n".join(visit_line(i) for i in range(300))
    one = [
        o.output
        for o in check_records(read_records(io.StringIO(text)), checker_factory=FACTORY, json_mode=True)
    ]
    two = [
        o.output
        for o in check_records(
            read_records(io.StringIO(text)), checker_factory=FACTORY, jobs=2, json_mode=True, chunk_size=32
        )
    ]
    assert one == two


def test_jobs_must_be_positive() -> None:
    with pytest.raises(ValueError, match="jobs"):
        list(check_records([], checker_factory=FACTORY, jobs=0))


def test_records_say_what_their_numbers_count() -> None:
    listed = read_records(io.StringIO("[" + visit_line(0) + "," + visit_line(1) + "]"))
    assert [n for n, _ in listed] == [1, 2] and listed.unit == "item"
    lines = read_records(io.StringIO(visit_line(0) + "\n" + visit_line(1) + "\n"))
    assert [n for n, _ in lines] == [1, 2] and lines.unit == "line"


def test_a_first_line_that_is_not_utf8_is_rejected_like_any_other() -> None:
    bad = visit_line(0).replace("GP", "G\udce9")
    outcomes = list(
        check_records(read_records(io.StringIO(bad + "\n" + visit_line(1))), checker_factory=FACTORY)
    )
    assert outcomes[0].error is not None and "UTF-8" in outcomes[0].error
    assert len(outcomes) == 2 and outcomes[1].checked


@pytest.mark.parametrize(("jobs", "json_mode"), [(1, True), (2, True), (2, False)])
def test_batches_hold_exactly_what_the_outcomes_say_in_order(jobs: int, json_mode: bool) -> None:
    lines = [visit_line(i) for i in range(200)]
    lines[3] = "{broken"
    lines[150] = visit_line(150, code="9711O")
    text = "\n".join(lines)
    outcomes = list(
        check_records(read_records(io.StringIO(text)), checker_factory=FACTORY, json_mode=json_mode)
    )
    batches = list(
        check_batches(
            read_records(io.StringIO(text)),
            checker_factory=FACTORY,
            jobs=jobs,
            json_mode=json_mode,
            chunk_size=32,
        )
    )
    expected = []
    for o in outcomes:
        if o.error is None:
            expected.append(o.output)
        elif json_mode:
            expected.append(json.dumps({"input": f"line {o.number}", "error": o.error}))
    assert "".join(b.text for b in batches) == "".join(f"{line}\n" for line in expected)
    assert [r for b in batches for r in b.rejected] == [(o.number, o.error) for o in outcomes if o.error]
    assert sum(b.checked for b in batches) == sum(o.checked for o in outcomes) == 198
    assert sum(b.with_errors for b in batches) == sum(o.has_errors for o in outcomes)


def test_records_that_are_not_text_take_the_general_path_in_a_worker() -> None:
    records = [(1, visit_line(1)), (2, 12345), (3, json.loads(visit_line(3))), (4, visit_line(4)[:-1])]
    results = [
        list(check_batches(records, checker_factory=FACTORY, jobs=jobs, json_mode=True)) for jobs in (1, 2)
    ]
    one, two = ["".join(b.text for b in batches) for batches in results]
    assert one == two
    assert [r for b in results[1] for r in b.rejected] == [
        (2, "a visit must be a JSON object, got 12345"),
        (4, "not valid JSON: Expecting ',' delimiter at line 1 column 133"),
    ]


# -- faults, caused for real (issue 12) ---------------------------------------------------------
# A plugin whose rule misbehaves on visits with a telling id; "once" faults leave a marker
# file in $PTCPT_TEST_MARKERS (the environment reaches workers however they are started).
# The factory is a module-level function, as a picklable factory must be.
def markers() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PTCPT_TEST_MARKERS", tempfile.gettempdir()))


@ptcpt.rule("faulty.misbehaves")
def misbehaves(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[ptcpt.Finding]:
    what = (visit.id or "").split(":")[0]
    marker = markers() / (visit.id or "").replace(":", "-")
    first_time = not marker.exists()
    if what in {"once", "sleep-once"}:
        marker.touch()
    if what == "kill" or (what == "once" and first_time):
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    if what == "exit":
        os._exit(3)  # a plugin ending its process outright
    if what == "sysexit":
        sys.exit(4)  # contained by the engine: a plugin.error finding
    if what == "interrupt":
        raise KeyboardInterrupt  # not contained by the engine: Ctrl-C must stop a check
    if what == "sleep" or (what == "sleep-once" and first_time):
        (markers() / f"{visit.id}.pid".replace(":", "-")).write_text(str(os.getpid()))
        time.sleep(30)
    yield from ()


class _Faulty:
    name = "faulty"

    @ptcpt.hookimpl
    def ptcpt_register_rules(self, register: Any) -> None:
        register(misbehaves)


def _faulty_checker() -> Checker:
    return Checker([_Faulty()], load_entrypoints=False, env={})


FAULTY = functools.partial(_faulty_checker)


def jsonl(ids: list[str]) -> io.BytesIO:
    lines = [json.dumps({**json.loads(visit_line(i)), "id": vid}) for i, vid in enumerate(ids)]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def run_faulty(ids: list[str], **options: Any) -> list[Outcome]:
    options = {"checker_factory": FAULTY, "jobs": 2, "json_mode": True, "chunk_size": 4, **options}
    return list(check_records(read_records(jsonl(ids)), **options))


@pytest.fixture
def token(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A unique suffix for visit ids, so marker files of one test never meet another's."""
    monkeypatch.setenv("PTCPT_TEST_MARKERS", str(tmp_path))
    return tmp_path.name


@pytest.mark.parametrize("how", ["kill", "exit"])
def test_a_visit_whose_worker_dies_twice_is_not_checked_and_the_rest_are(how: str, token: str) -> None:
    ids = [f"v{i}:{token}" for i in range(30)]
    ids[9] = f"{how}:{token}"
    outcomes = run_faulty(ids)
    assert [o.number for o in outcomes] == list(range(1, 31))  # every line, once, in order
    assert [o.number for o in outcomes if o.checked] == [n for n in range(1, 31) if n != 10]
    (lost,) = [o for o in outcomes if not o.checked]
    assert lost.error is None and lost.unchecked == DIED and lost.output is None
    assert all(json.loads(o.output or "")["visit_id"] == ids[o.number - 1] for o in outcomes if o.checked)


def test_a_worker_killed_once_is_replaced_and_its_visit_checked_on_retry(token: str) -> None:
    ids = [f"v{i}:{token}" for i in range(12)]
    ids[5] = f"once:{token}"
    outcomes = run_faulty(ids, jobs=1, timeout=20)  # with a timeout, jobs=1 runs in a worker too
    assert [o.number for o in outcomes] == list(range(1, 13)) and all(o.checked for o in outcomes)


def test_sys_exit_in_a_rule_is_a_plugin_error_finding_in_process_and_in_workers(token: str) -> None:
    ids = [f"v0:{token}", f"sysexit:{token}", f"v2:{token}"]
    for jobs in (1, 2):
        outcomes = run_faulty(ids, jobs=jobs)
        assert [o.checked for o in outcomes] == [True, True, True]
        report = json.loads(outcomes[1].output or "")
        failure = [f for f in report["findings"] if f["rule"] == "plugin.error"]
        assert failure and "raised SystemExit" in failure[0]["message"] and not report["ok"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_rule_that_hangs_is_stopped_by_the_watchdog_and_the_run_moves_on(jobs: int, token: str) -> None:
    ids = [f"v{i}:{token}" for i in range(10)]
    ids[3] = f"sleep:{token}"
    start = time.monotonic()
    outcomes = run_faulty(ids, jobs=jobs, timeout=1)
    assert time.monotonic() - start < 15  # not the 30 s the rule sleeps
    assert [o.number for o in outcomes] == list(range(1, 11))
    (late,) = [o for o in outcomes if not o.checked]
    assert late.number == 4 and late.unchecked == timed_out(1)
    assert sum(o.checked for o in outcomes) == 9


def test_a_worker_killed_from_outside_is_replaced_and_nothing_is_lost(token: str) -> None:
    ids = [f"v{i}:{token}" for i in range(40)]
    ids[17] = f"sleep-once:{token}"
    pid_file = markers() / f"sleep-once-{token}.pid"

    def killer() -> None:
        deadline = time.monotonic() + 20
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    thread = threading.Thread(target=killer)
    thread.start()
    outcomes = run_faulty(ids)
    thread.join()
    assert [o.number for o in outcomes] == list(range(1, 41)) and all(o.checked for o in outcomes)


def test_batches_report_the_visits_not_checked_in_the_output_and_the_counts(token: str) -> None:
    ids = [f"v{i}:{token}" for i in range(9)]
    ids[2] = f"kill:{token}"
    records = read_records(jsonl(ids))
    batches = list(check_batches(records, checker_factory=FAULTY, jobs=2, json_mode=True, chunk_size=4))
    lines = [json.loads(line) for b in batches for line in b.text.splitlines()]
    assert len(lines) == 9 and lines[2] == {"input": "line 3", "not_checked": DIED}
    assert [u for b in batches for u in b.unchecked] == [(3, DIED)]
    assert sum(b.checked for b in batches) == 8 and not [r for b in batches for r in b.rejected]


def _fails_in_workers(main_pid: int) -> Checker:
    if os.getpid() != main_pid:
        raise RuntimeError("this checker cannot be built in a worker")
    return _checker()


def test_workers_that_cannot_start_end_the_run_with_an_error_not_a_hang() -> None:
    factory = functools.partial(_fails_in_workers, os.getpid())
    with pytest.raises(WorkersFailed, match="before checking anything"):
        list(check_records(read_records(jsonl(["a", "b", "c"])), checker_factory=factory, jobs=2))


def _breaks_off(count: int) -> Iterator[tuple[int, Any]]:
    for i in range(count):
        yield i + 1, visit_line(i)
    raise ptcpt.DataError("the input broke off")


@pytest.mark.parametrize(("jobs", "timeout"), [(1, None), (2, None), (1, 30.0)])
def test_results_read_before_the_input_breaks_off_come_out_before_the_error(
    jobs: int, timeout: float | None
) -> None:
    seen: list[int] = []
    outcomes = check_records(
        _breaks_off(70), checker_factory=FACTORY, jobs=jobs, chunk_size=16, timeout=timeout
    )
    with pytest.raises(ptcpt.DataError, match="broke off"):
        seen.extend(outcome.number for outcome in outcomes)
    assert seen == list(range(1, 71))


class _BuggyChecker(Checker):
    """A checker with a bug outside any rule, on one visit."""

    def check(self, visit: ptcpt.Visit) -> ptcpt.Report:
        if visit.id == "bug":
            raise ZeroDivisionError("a bug")
        return super().check(visit)


def _buggy_checker() -> Checker:
    return _BuggyChecker(load_entrypoints=False, env={})


@pytest.mark.parametrize(("jobs", "timeout"), [(1, None), (2, None), (1, 30.0)])
def test_a_bug_outside_the_rules_costs_that_visit_only(jobs: int, timeout: float | None) -> None:
    ids = [f"v{i}" for i in range(40)]
    ids[21] = "bug"
    outcomes = list(
        check_records(
            read_records(jsonl(ids)),
            checker_factory=functools.partial(_buggy_checker),
            jobs=jobs,
            chunk_size=8,
            timeout=timeout,
        )
    )
    assert [o.number for o in outcomes if not o.checked] == [22]
    assert outcomes[21].unchecked is not None
    assert outcomes[21].unchecked.startswith("checking it failed (ZeroDivisionError)")
    batches = list(
        check_batches(
            read_records(jsonl(ids)), checker_factory=functools.partial(_buggy_checker), json_mode=True
        )
    )
    assert [u[0] for b in batches for u in b.unchecked] == [22] and sum(b.checked for b in batches) == 39


def test_a_rule_raising_keyboard_interrupt_costs_its_visit_in_a_worker_and_stops_in_process(
    token: str,
) -> None:
    ids = [f"v{i}:{token}" for i in range(6)]
    ids[4] = f"interrupt:{token}"
    outcomes = run_faulty(ids, jobs=2)
    assert [o.number for o in outcomes if not o.checked] == [5]
    assert (outcomes[4].unchecked or "").startswith("checking it failed (KeyboardInterrupt)")
    with pytest.raises(KeyboardInterrupt):
        run_faulty(ids, jobs=1)  # in the caller's process it is the caller's Ctrl-C


def test_many_deaths_in_one_run_still_end_with_every_visit_accounted_for(token: str) -> None:
    ids = [f"kill:{token}-{i}" if i % 3 == 0 else f"v{i}:{token}" for i in range(24)]
    start = time.monotonic()
    outcomes = run_faulty(ids, jobs=2, chunk_size=5)
    assert time.monotonic() - start < 60
    assert [o.number for o in outcomes] == list(range(1, 25))
    assert [o.number for o in outcomes if o.unchecked == DIED] == [
        n for n in range(1, 25) if (n - 1) % 3 == 0
    ]
    assert sum(o.checked for o in outcomes) == 16


@pytest.mark.parametrize("jobs", [1, 2])
def test_claim_visits_are_checked_with_their_claim_lines(jobs: int) -> None:
    from ptcpt.x12 import ClaimVisit, read_837p

    claims = pathlib.Path(__file__).resolve().parent.parent / "examples" / "claims" / "pt_claims.837"
    items = [item for item in read_837p(claims) if isinstance(item, ClaimVisit)]
    records = [(n, item) for n, item in enumerate(items, 1)]
    checker = _checker()
    outcomes = list(check_records(records, checker_factory=FACTORY, jobs=jobs, json_mode=True, chunk_size=2))
    assert [o.number for o in outcomes] == list(range(1, len(items) + 1))
    for item, outcome in zip(items, outcomes, strict=True):
        expected = checker.check(item.visit).to_dict(claim_lines=item.claim_lines)
        assert outcome.output is not None and json.loads(outcome.output) == json.loads(json.dumps(expected))
    texts = list(check_batches(records, checker_factory=FACTORY, jobs=jobs))
    assert "claim line 4 97110" in "".join(batch.text for batch in texts)
