"""ptcpt.frames.check_dask: the pandas check, partition by partition, on Dask's local schedulers."""

from __future__ import annotations

import functools
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")

from ptcpt import frames  # noqa: E402
from ptcpt._engine import Checker  # noqa: E402
from ptcpt.errors import DataError  # noqa: E402
from ptcpt.testing import make_checker  # noqa: E402

#: Eight visits with errors, warnings and hints between them (16 lines).
ROWS: list[tuple[str, str, str, int, int | None, str]] = [
    ("a1", "2025-03-12", "97110", 2, 30, "GP"),
    ("a1", "2025-03-12", "97140", 1, 10, "GP,59"),
    ("a1", "2025-03-12", "97530", 1, 15, "GP"),
    ("b2", "2025-03-12", "97110", 3, 20, "GP"),
    ("b2", "2025-03-12", "97112", 1, None, "GP"),
    ("c3", "2025-03-13", "97161", 1, None, "GP"),
    ("c3", "2025-03-13", "97110", 1, 15, ""),
    ("d4", "2024-11-02", "97014", 1, None, "GP"),
    ("d4", "2024-11-02", "97010", 1, None, "GP"),
    ("e5", "2025-01-20", "97762", 1, 30, "GP"),
    ("f6", "2025-06-01", "97150", 1, None, "GP"),
    ("f6", "2025-06-01", "97530", 2, 38, "GP,CQ"),
    ("g7", "2025-06-02", "9711O", 1, 15, "GP"),
    ("h8", "2025-06-03", "97116", 1, 23, "GP"),
    ("h8", "2025-06-03", "97110", 1, 10, "GP"),
    ("h8", "2025-06-03", "97035", 1, 8, "GP"),
]


def lines(numbered: bool = True) -> Any:
    """The rows; with ``numbered`` a ``line`` column numbers each visit's lines from 1."""
    frame = pd.DataFrame(ROWS, columns=["visit_id", "date", "code", "units", "minutes", "modifiers"])
    if numbered:
        frame.insert(1, "line", frame.groupby("visit_id", sort=False).cumcount() + 1)
    return frame


def by_visit(frame: Any) -> Any:
    """Rows sorted by visit, keeping each visit's own order (partitions come in any order)."""
    frame = frame.reset_index(drop=True)
    return frame.sort_values("visit_id", kind="stable").reset_index(drop=True)


def test_line_numbers_make_results_independent_of_row_order() -> None:
    # set_index may reorder a visit's rows (it did for c3 in this very frame); the line
    # column puts them back, and results name lines by those numbers.
    frame = lines()
    shuffled = frame.iloc[::-1]
    a = frames.check_frame(frame, checker=make_checker()).findings
    b = frames.check_frame(shuffled, checker=make_checker()).findings
    pd.testing.assert_frame_equal(by_visit(a), by_visit(b))
    assert a.line.min() >= 1


def checker_factory() -> Checker:
    return make_checker()


@pytest.fixture
def partitioned() -> Any:
    ddf = dd.from_pandas(lines(), npartitions=3, sort=False).set_index("visit_id", npartitions=3)
    assert ddf.npartitions == 3 and ddf.known_divisions
    return ddf


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_check_dask_gives_the_pandas_findings(partitioned: Any, scheduler: str) -> None:
    expected = frames.check_frame(lines(), checker=make_checker()).findings
    assert {"units.mismatch", "code.deleted", "input.invalid", "hint.mppr"} <= set(expected.rule)
    got = frames.check_dask(partitioned, checker_factory=checker_factory).compute(scheduler=scheduler)
    # visit_id keeps the input's dtype, which Dask turned into its own string dtype
    assert list(got.dtypes)[1:] == list(expected.dtypes)[1:]
    assert got.visit_id.dtype == partitioned.index.dtype
    pd.testing.assert_frame_equal(by_visit(got), by_visit(expected), check_dtype=False)


def test_check_dask_estimates_and_visits(partitioned: Any) -> None:
    expected = frames.check_frame(lines(), checker=make_checker())
    for output in ("estimates", "visits"):
        got = frames.check_dask(partitioned, checker_factory=checker_factory, output=output)
        pd.testing.assert_frame_equal(
            by_visit(got.compute(scheduler="sync")), by_visit(getattr(expected, output)), check_dtype=False
        )


def test_meta_matches_what_partitions_return(partitioned: Any) -> None:
    lazy = frames.check_dask(partitioned, checker_factory=checker_factory, money="decimal")
    computed = lazy.compute(scheduler="sync")
    assert list(lazy.dtypes) == list(computed.dtypes)
    assert tuple(lazy.columns) == frames.FINDING_COLUMNS


def test_a_visit_id_column_works_when_partitions_hold_whole_visits() -> None:
    frame = lines(numbered=False)
    pieces = [frame.iloc[:5], frame.iloc[5:10], frame.iloc[10:]]  # cut between visits
    ddf = dd.from_pandas(pieces[0], npartitions=1)
    ddf = dd.concat([ddf, *(dd.from_pandas(p, npartitions=1) for p in pieces[1:])])
    assert ddf.npartitions == 3 and frames.split_visits(ddf) == []
    got = frames.check_dask(ddf, checker_factory=checker_factory).compute(scheduler="sync")
    expected = frames.check_frame(frame, checker=make_checker()).findings
    pd.testing.assert_frame_equal(by_visit(got), by_visit(expected), check_dtype=False)


def test_split_visits_finds_a_visit_cut_across_partitions() -> None:
    frame = lines()
    pieces = [frame.iloc[:2], frame.iloc[2:6], frame.iloc[6:]]  # a1 and c3 are cut
    ddf = dd.concat([dd.from_pandas(p, npartitions=1) for p in pieces])
    assert frames.split_visits(ddf) == ["a1", "c3"]
    fixed = ddf.set_index("visit_id", npartitions=3)
    assert frames.split_visits(fixed) == []


def test_column_problems_raise_before_computing() -> None:
    frame = lines().assign(colour="red")
    ddf = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(DataError, match="colour"):
        frames.check_dask(ddf)
    lazy = frames.check_dask(ddf, checker_factory=checker_factory, extra="ignore")
    assert len(lazy.compute(scheduler="sync")) > 0
    with pytest.raises(DataError, match="missing required column"):
        frames.check_dask(dd.from_pandas(lines().drop(columns="code"), npartitions=1))
    with pytest.raises(TypeError, match="dask DataFrame"):
        frames.check_dask(lines())
    with pytest.raises(TypeError, match="check_dask"):
        frames.check_frame(ddf)


def test_the_default_checker_runs_on_workers(partitioned: Any) -> None:
    got = frames.check_dask(partitioned).compute(scheduler="sync")
    assert set(got.visit_id) >= {"a1", "g7"}


def test_factories_may_be_partials() -> None:
    ddf = dd.from_pandas(lines().iloc[:3], npartitions=1)
    factory = functools.partial(make_checker, blocked=("ptcpt.hints",))
    got = frames.check_dask(ddf, checker_factory=factory).compute(scheduler="sync")
    assert "hint.mppr" not in set(got.rule)
