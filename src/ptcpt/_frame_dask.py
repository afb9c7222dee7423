"""Dask: :func:`check_dask` runs :func:`ptcpt.frames.check_frame` partition by partition.

Needs the ``dask`` extra, imported inside the functions. Every line of a visit must be in
one partition; :func:`split_visits` finds the visits that are not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ptcpt._frame_check import _run
from ptcpt._frame_input import Extra, _columns
from ptcpt._frame_output import _OUTPUT_COLUMNS, Money, Output, _id_dtype, _pandas, _Rows, _schema

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

    from ptcpt._engine import Checker

__all__ = ["check_dask", "split_visits"]


def _check_partition(
    part: pd.DataFrame,
    checker_factory: Callable[[], Checker] | None,
    extra: Extra,
    money: Money,
    output: Output,
) -> pd.DataFrame:
    checker = checker_factory() if checker_factory is not None else None
    return _run(part, checker, extra, money, frozenset((output,)))[output]


def check_dask(
    lines: dd.DataFrame,
    *,
    checker_factory: Callable[[], Checker] | None = None,
    output: Output = "findings",
    extra: Extra = "error",
    money: Money = "float",
) -> dd.DataFrame:
    """:func:`check_frame` on every partition of a Dask DataFrame, lazily.

    Every line of a visit must be in the same partition: ``lines.set_index("visit_id")``
    guarantees it (:func:`split_visits` finds visits that are split). ``output`` picks
    the frame (``"findings"``, ``"estimates"`` or ``"visits"``); each one checks the
    data once when computed. ``checker_factory`` builds the Checker on the worker, once
    per partition (a picklable top-level function or partial; after a process's first
    Checker, another costs about a millisecond); by default each worker process uses its
    default checker. Column problems raise here, before any computation. A visit split
    across partitions is not detected here (that needs a pass over the data).
    """
    import dask.dataframe as dd

    if not isinstance(lines, dd.DataFrame):
        raise TypeError(f"check_dask needs a dask DataFrame, got {type(lines).__name__}")
    if output not in ("findings", "estimates", "visits"):
        raise ValueError(f"output: must be 'findings', 'estimates' or 'visits', got {output!r}")
    _columns(lines._meta, extra)
    meta = _Rows(_OUTPUT_COLUMNS[output]).frame(_schema(output, _id_dtype(lines._meta), money))
    map_partitions: Any = lines.map_partitions  # untyped in dask
    result: dd.DataFrame = map_partitions(
        _check_partition, checker_factory, extra, money, output, meta=meta, align_dataframes=False
    )
    return result


def _partition_ids(part: pd.DataFrame) -> pd.Series[Any]:
    ids = part["visit_id"] if "visit_id" in part.columns else part.index.to_series()
    unique: pd.Series[Any] = ids.drop_duplicates().reset_index(drop=True).rename("visit_id")
    return unique


def split_visits(lines: dd.DataFrame) -> list[Any]:
    """The visit ids whose rows sit in more than one partition (computes; empty is good).

    Reads only the ``visit_id`` column. Run it before :func:`check_dask` on data that was
    not partitioned by visit; ``set_index("visit_id")`` fixes any split it finds.
    """
    pandas = _pandas()
    meta = pandas.Series([], dtype=_id_dtype(lines._meta), name="visit_id")
    map_partitions: Any = lines.map_partitions  # untyped in dask
    ids = map_partitions(_partition_ids, meta=meta)
    counts = ids.value_counts().compute()
    return sorted(counts[counts > 1].index.tolist(), key=repr)
