from __future__ import annotations

import functools
import io
import json

import pytest

from ptcpt.batch import check_batches, check_records, read_records
from ptcpt.engine import Checker


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
    assert [n for n, _ in records] == [1, 3]
    assert isinstance(records[0][1], dict) and isinstance(records[1][1], str)


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


def test_the_pool_thread_waits_on_the_notifier_and_workers_only() -> None:
    import multiprocessing

    from ptcpt.batch import _init_worker, _Pool

    with _Pool(
        1, initializer=_init_worker, initargs=(FACTORY,), context=multiprocessing.get_context()
    ) as pool:
        sentinels = pool._get_sentinels()
        assert sentinels == [pool._change_notifier._reader]  # type: ignore[attr-defined]
        assert pool._outqueue._reader not in sentinels  # type: ignore[attr-defined]
        # Workers still answer, and a crashed-worker-free run ends (no hang on close).
        assert pool.apply_async(sum, ([1, 2],)).get(timeout=30) == 3


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
